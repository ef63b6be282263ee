//! A static HTTPS file server on 127.0.0.1 with its own throw-away CA, to serve the
//! provider mirror as a Terraform network mirror in tests. Clients trust it through
//! `SSL_CERT_FILE` pointing at [`StaticHttpsServer::ca_file`].

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::error::{Error, Result};

pub struct StaticHttpsServer {
    url: String,
    ca_dir: TempDir,
    served: Arc<Mutex<Vec<(String, u16)>>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn tls_error(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("TLS setup: {e}"))
}

impl StaticHttpsServer {
    /// Serves the files under `root` at `https://127.0.0.1:<port>/`.
    pub fn serve(root: &Path) -> Result<Self> {
        let ca_dir = tempfile::tempdir().map_err(Error::io(std::env::temp_dir()))?;
        let (ca_pem, server_config) = certificates()?;
        let ca_file = ca_dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_pem).map_err(Error::io(&ca_file))?;

        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").map_err(Error::io("127.0.0.1:0"))?;
        std_listener
            .set_nonblocking(true)
            .map_err(Error::io("127.0.0.1:0"))?;
        let port = std_listener
            .local_addr()
            .map_err(Error::io("127.0.0.1:0"))?
            .port();
        let served = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = oneshot::channel();
        let root = root.to_path_buf();
        let log = served.clone();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return eprintln!("https server: no runtime: {e}"),
            };
            runtime.block_on(async move {
                let listener = match TcpListener::from_std(std_listener) {
                    Ok(l) => l,
                    Err(e) => return eprintln!("https server: {e}"),
                };
                let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
                let mut rx = rx;
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((tcp, _)) = accepted else { continue };
                            let acceptor = acceptor.clone();
                            let root = root.clone();
                            let log = log.clone();
                            tokio::spawn(async move {
                                if let Ok(tls) = acceptor.accept(tcp).await {
                                    let _ = handle(tls, &root, &log).await;
                                }
                            });
                        }
                    }
                }
            });
        });
        Ok(Self {
            url: format!("https://127.0.0.1:{port}/"),
            ca_dir,
            served,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// PEM of the CA that signed the server certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.ca_dir.path().join("ca.pem")
    }

    /// Paths requested so far with their status codes.
    pub fn served(&self) -> Vec<(String, u16)> {
        self.served.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Drop for StaticHttpsServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn certificates() -> Result<(String, tokio_rustls::rustls::ServerConfig)> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "terratest-rs throw-away CA");
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_error)?;

    let leaf_key = KeyPair::generate().map_err(tls_error)?;
    let leaf_params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(tls_error)?;
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .map_err(tls_error)?;

    use tokio_rustls::rustls;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .map_err(tls_error)?;
    Ok((ca_cert.pem(), config))
}

/// One HTTP/1.1 request per connection: GET or HEAD of a file under `root`.
async fn handle<S>(
    mut stream: S,
    root: &Path,
    log: &Mutex<Vec<(String, u16)>>,
) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let mut parts = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or("/").to_owned(),
    );
    let path = target.split('?').next().unwrap_or("/").to_owned();
    let (status, body) = match (method.as_str(), safe_join(root, &path)) {
        ("GET" | "HEAD", Some(file)) if file.is_file() => {
            (200, tokio::fs::read(&file).await.unwrap_or_default())
        }
        ("GET" | "HEAD", _) => (404, b"not found\n".to_vec()),
        _ => (405, b"method not allowed\n".to_vec()),
    };
    if let Ok(mut log) = log.lock() {
        log.push((path.clone(), status));
    }
    let content_type = if path.ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let header = format!("HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    stream.write_all(header.as_bytes()).await?;
    if method != "HEAD" {
        stream.write_all(&body).await?;
    }
    stream.shutdown().await
}

/// Maps a URL path into `root`, refusing anything that would leave it.
fn safe_join(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(root.join(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_outside_the_root() {
        let root = Path::new("/srv/mirror");
        assert_eq!(
            safe_join(root, "/a/b.json"),
            Some(PathBuf::from("/srv/mirror/a/b.json"))
        );
        assert_eq!(safe_join(root, "/../etc/passwd"), None);
        assert_eq!(safe_join(root, "/a/../../x"), None);
    }
}
