//! The Slack incoming-webhook client.
//!
//! - 2xx: delivered.
//! - 429: wait for `Retry-After` (seconds) and try again, unless that wait is longer
//!   than `max_retry_after` or the invocation's time left; then fail, and Lambda's
//!   own async retries (1 and 2 minutes later) take over.
//! - 5xx, timeouts and connection errors: exponential backoff with jitter, up to
//!   `max_attempts`.
//! - Other 4xx (`invalid_payload`, `no_service`, `channel_is_archived` ...): fail at
//!   once; retrying cannot help and the on-failure destination keeps the event.
//!
//! The URL is a secret (whoever has it can post to the channel): it is held in
//! [`WebhookUrl`], whose `Debug` is redacted, and no error message contains it.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::time::Instant;

/// How hard to try one message.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included.
    pub max_attempts: u32,
    /// One request, connect to last byte of the response.
    pub request_timeout: Duration,
    /// First backoff after a 5xx or a timeout; doubled each time.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` we wait for inside one invocation.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            request_timeout: Duration::from_secs(5),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(20),
        }
    }
}

/// A webhook URL. Only `https`, or `http` to a loopback address (local tests).
#[derive(Clone)]
pub struct WebhookUrl(Uri);

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookUrl(<redacted>)")
    }
}

impl WebhookUrl {
    /// Errors never repeat the value.
    pub fn parse(value: &str) -> Result<Self, String> {
        let url = url::Url::parse(value.trim()).map_err(|e| format!("it is not a URL ({e})"))?;
        let loopback = matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
            || url.host_str() == Some("localhost");
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            other => return Err(format!("it uses {other}:// but a webhook must be https://")),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("it has no host".into());
        }
        let uri: Uri = url
            .as_str()
            .parse()
            .map_err(|_| "it is not a valid HTTP URI".to_owned())?;
        Ok(Self(uri))
    }

    pub fn host(&self) -> &str {
        self.0.host().unwrap_or_default()
    }
}

/// Why a message did not reach Slack. Safe to log: no URL inside.
#[derive(Debug, PartialEq)]
pub enum PostError {
    /// Slack refused the message for good (a 4xx other than 429).
    Rejected { status: u16, body: String },
    /// Slack asked us to wait longer than this invocation can.
    RateLimited {
        attempts: u32,
        retry_after: Option<Duration>,
    },
    /// 5xx, timeouts or connection errors on every attempt.
    Unavailable { attempts: u32, last: String },
}

impl fmt::Display for PostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostError::Rejected { status, body } => write!(
                f,
                "Slack rejected the message with HTTP {status} {body:?}; retrying cannot help (check the webhook: revoked, channel archived, or an invalid payload)"
            ),
            PostError::RateLimited { attempts, retry_after } => write!(
                f,
                "Slack rate-limited the webhook (HTTP 429) after {attempts} attempt(s){}; leaving the event to Lambda's retries",
                retry_after.map(|d| format!(", Retry-After {} s", d.as_secs())).unwrap_or_default()
            ),
            PostError::Unavailable { attempts, last } => {
                write!(f, "Slack did not accept the message after {attempts} attempt(s); last error: {last}")
            }
        }
    }
}

impl std::error::Error for PostError {}

/// What one HTTP exchange gave.
enum Outcome {
    Delivered,
    RetryAfter(Option<Duration>),
    Transient(String),
    Permanent(u16, String),
}

pub struct SlackClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl SlackClient {
    /// TLS with rustls and aws-lc-rs (the AWS SDK's backend), trusting the compiled-in Mozilla roots: no
    /// certificate files are read during the cold start.
    pub fn new() -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| format!("TLS setup failed: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// Posts `payload` with the retry policy; returns the number of attempts used.
    /// `deadline` is the end of the invocation: no wait is started that would run
    /// past it.
    pub async fn post(
        &self,
        url: &WebhookUrl,
        payload: &Value,
        policy: &RetryPolicy,
        deadline: Option<Instant>,
    ) -> Result<u32, PostError> {
        let body = Bytes::from(payload.to_string());
        let max = policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let wait = match self.once(url, body.clone(), policy.request_timeout).await {
                Outcome::Delivered => return Ok(attempt),
                Outcome::Permanent(status, body) => {
                    return Err(PostError::Rejected { status, body })
                }
                Outcome::RetryAfter(retry_after) => {
                    let wait = retry_after.unwrap_or_else(|| backoff(policy, attempt));
                    if attempt >= max
                        || wait > policy.max_retry_after
                        || !fits(deadline, wait, policy)
                    {
                        return Err(PostError::RateLimited {
                            attempts: attempt,
                            retry_after,
                        });
                    }
                    wait
                }
                Outcome::Transient(last) => {
                    let wait = backoff(policy, attempt);
                    if attempt >= max || !fits(deadline, wait, policy) {
                        return Err(PostError::Unavailable {
                            attempts: attempt,
                            last,
                        });
                    }
                    wait
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn once(&self, url: &WebhookUrl, body: Bytes, timeout: Duration) -> Outcome {
        let request = match Request::post(url.0.clone())
            .header(
                hyper::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(Full::new(body))
        {
            Ok(r) => r,
            Err(e) => return Outcome::Permanent(0, format!("cannot build the request: {e}")),
        };
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| error_chain(&e))?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(hyper::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            // Slack's answers are a few bytes ("ok", "invalid_payload"); cap what we read.
            let body = Limited::new(response.into_body(), 4096)
                .collect()
                .await
                .map(|b| String::from_utf8_lossy(&b.to_bytes()).trim().to_owned())
                .unwrap_or_default();
            Ok::<_, String>((status, retry_after, body))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Err(_) => Outcome::Transient(format!("no response within {} ms", timeout.as_millis())),
            Ok(Err(e)) => Outcome::Transient(e),
            Ok(Ok((status, retry_after, body))) => classify(status, retry_after, body),
        }
    }
}

fn classify(status: StatusCode, retry_after: Option<Duration>, body: String) -> Outcome {
    if status.is_success() {
        Outcome::Delivered
    } else if status == StatusCode::TOO_MANY_REQUESTS {
        Outcome::RetryAfter(retry_after)
    } else if status.is_server_error() {
        Outcome::Transient(format!("HTTP {} {body:?}", status.as_u16()))
    } else {
        Outcome::Permanent(status.as_u16(), body)
    }
}

/// The error and its sources, e.g. "client error (Connect): tcp connect error:
/// Connection refused". hyper's errors carry no URL.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Exponential backoff with "equal jitter": half the step fixed, half random, so
/// retries of many functions do not hit Slack at the same instant.
pub fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let step = policy
        .base_backoff
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(policy.max_backoff);
    let half = step / 2;
    let random = RandomState::new().build_hasher().finish();
    let jitter_ns = if half.as_nanos() == 0 {
        0
    } else {
        random % half.as_nanos() as u64
    };
    half + Duration::from_nanos(jitter_ns)
}

/// Is there time for `wait` and one more request before the deadline (with a small
/// margin to report the result)?
fn fits(deadline: Option<Instant>, wait: Duration, policy: &RetryPolicy) -> bool {
    match deadline {
        None => true,
        Some(deadline) => {
            Instant::now() + wait + policy.request_timeout + Duration::from_millis(250) <= deadline
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_must_be_https_except_on_loopback() {
        assert!(WebhookUrl::parse("https://hooks.slack.com/services/T/B/X").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:8080/hook").is_ok());
        let err = WebhookUrl::parse("http://hooks.slack.com/services/T/B/SECRET").unwrap_err();
        assert!(!err.contains("SECRET"), "{err}");
        assert!(WebhookUrl::parse("not a url").is_err());
    }

    #[test]
    fn debug_output_hides_the_url() {
        let url = WebhookUrl::parse("https://hooks.slack.com/services/T/B/SECRET").unwrap();
        assert_eq!(format!("{url:?}"), "WebhookUrl(<redacted>)");
    }

    #[test]
    fn backoff_doubles_within_bounds() {
        let p = RetryPolicy {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..Default::default()
        };
        for (attempt, step) in [(1, 100), (2, 200), (3, 350), (10, 350)] {
            let b = backoff(&p, attempt);
            assert!(
                b >= Duration::from_millis(step / 2) && b <= Duration::from_millis(step),
                "{attempt}: {b:?}"
            );
        }
    }

    #[test]
    fn statuses_are_classified() {
        assert!(matches!(
            classify(StatusCode::OK, None, "ok".into()),
            Outcome::Delivered
        ));
        assert!(matches!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                Some(Duration::from_secs(1)),
                String::new()
            ),
            Outcome::RetryAfter(Some(_))
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, None, String::new()),
            Outcome::Transient(_)
        ));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, None, "no_service".into()),
            Outcome::Permanent(404, _)
        ));
    }
}
