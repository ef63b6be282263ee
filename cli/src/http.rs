//! A small HTTP client for verify (health, smoke, load) and the GitHub API: hyper 1 with
//! a connection pool, rustls on aws-lc-rs (the stack the AWS SDK and the Slack webhook
//! client already link) and the Mozilla roots compiled in. Every request has a timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The most of a response body read (health answers, API JSON); the rest is dropped.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// A response, read whole.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
    /// From sending the request to the last byte of the body.
    pub elapsed: Duration,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Why no response arrived. `Connect` and `Timeout` mean the target is unreachable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    InvalidUrl(String),
    Connect(String),
    Timeout(Duration),
    Body(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidUrl(e) => write!(f, "invalid URL: {e}"),
            Self::Connect(e) => write!(f, "cannot connect: {e}"),
            Self::Timeout(d) => write!(f, "no response within {} ms", d.as_millis()),
            Self::Body(e) => write!(f, "the response broke off: {e}"),
        }
    }
}

impl Http {
    pub fn new() -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| format!("TLS setup failed: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(512)
            .build(https);
        Ok(Self { client })
    }

    /// One request; `headers` are (name, value) pairs.
    pub async fn request(
        &self,
        method: &Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Response, HttpError> {
        let uri: hyper::Uri = url.parse().map_err(|e: hyper::http::uri::InvalidUri| {
            HttpError::InvalidUrl(format!("{url:?}: {e}"))
        })?;
        if uri.host().is_none() {
            return Err(HttpError::InvalidUrl(format!("{url:?} has no host")));
        }
        let mut builder = Request::builder().method(method.clone()).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, value.as_str());
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| HttpError::InvalidUrl(e.to_string()))?;
        let started = Instant::now();
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| HttpError::Connect(error_chain(&e)))?;
            let status = response.status().as_u16();
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| HttpError::Body(e.to_string()))?
                .to_bytes();
            Ok::<_, HttpError>((status, parts.headers, body))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Err(_) => Err(HttpError::Timeout(timeout)),
            Ok(Err(e)) => Err(e),
            Ok(Ok((status, headers, body))) => Ok(Response {
                status,
                headers,
                body,
                elapsed: started.elapsed(),
            }),
        }
    }

    pub async fn get(&self, url: &str, timeout: Duration) -> Result<Response, HttpError> {
        self.request(&Method::GET, url, &[], None, timeout).await
    }
}

/// The error and its sources ("client error (Connect): tcp connect error: Connection
/// refused (os error 111)").
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// `base` joined with an absolute `path` (`https://x/api` + `/health` = `https://x/api/health`).
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_one_slash() {
        assert_eq!(join("http://a/", "/b"), "http://a/b");
        assert_eq!(join("http://a/api", "health"), "http://a/api/health");
    }

    #[tokio::test]
    async fn an_unreachable_port_is_a_connect_error() {
        let http = Http::new().unwrap();
        // Port 1 on loopback: nothing listens there.
        let err = http
            .get("http://127.0.0.1:1/x", Duration::from_secs(2))
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::Connect(_)), "{err}");
        assert!(matches!(
            http.get("not a url", Duration::from_secs(1)).await,
            Err(HttpError::InvalidUrl(_))
        ));
    }
}
