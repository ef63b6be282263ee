//! The running plugin serves only the client that holds the certificate Terraform hands it
//! in `PLUGIN_CLIENT_CERT` (go-plugin's `RequireAndVerifyClientCert`): a client without a
//! certificate, and a client with another certificate, are refused; the right one speaks
//! HTTP/2 (gRPC) with it.
//!
//! With TLS 1.3 the client's side of the handshake can complete before the server has
//! checked the client's certificate, so each case sends the HTTP/2 preface and looks at
//! the first read: the server's SETTINGS frame, or the end of the connection.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{CertificateParams, IsCa, KeyPair, PKCS_ECDSA_P521_SHA512};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{aws_lc_rs, verify_tls12_signature, verify_tls13_signature};
use tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime,
};
use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, Error, SignatureScheme};
use tokio_rustls::TlsConnector;

const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// An empty SETTINGS frame: length 0, type 4, no flags, stream 0.
const EMPTY_SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

/// A self-signed ECDSA P-521 CA certificate, as Terraform makes for each plugin it starts.
fn client_identity() -> (CertificateDer<'static>, PrivateKeyDer<'static>, String) {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (cert.der().clone(), der, cert.pem())
}

/// The plugin, started as Terraform starts it; killed on drop.
struct Plugin {
    child: Child,
    address: String,
}

impl Plugin {
    fn start(client_cert_pem: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-opsdeck"))
            .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
            .env("PLUGIN_CLIENT_CERT", client_cert_pem)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .env_remove("PLUGIN_LOG_FILE")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // go-plugin's handshake line: CORE|APP|tcp|ADDRESS|grpc|SERVER_CERT
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let parts: Vec<&str> = line.trim().split('|').collect();
        assert_eq!(parts.len(), 6, "handshake line {line:?}");
        assert_eq!(
            (parts[1], parts[2], parts[4]),
            ("6", "tcp", "grpc"),
            "{line}"
        );
        assert!(
            !parts[5].is_empty(),
            "a certificate is announced with a client cert: {line}"
        );
        Self {
            address: parts[3].to_owned(),
            child,
        }
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test client trusts whatever certificate the plugin shows (it is the plugin's side
/// of the handshake that is under test), but checks the handshake signatures.
#[derive(Debug)]
struct AnyServer;

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        let algs = aws_lc_rs::default_provider().signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, &algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        let algs = aws_lc_rs::default_provider().signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, &algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Connects with `identity` (or none) and returns the first frame type the server sends
/// after the HTTP/2 preface, or why there is none.
async fn first_frame(
    address: &str,
    identity: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
) -> Result<u8, String> {
    let builder = ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServer));
    let mut config = match identity {
        Some((cert, key)) => builder.with_client_auth_cert(vec![cert], key).unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .map_err(|e| format!("handshake refused: {e}"))?;
    tls.write_all(H2_PREFACE).await.map_err(|e| e.to_string())?;
    tls.write_all(EMPTY_SETTINGS)
        .await
        .map_err(|e| e.to_string())?;
    tls.flush().await.map_err(|e| e.to_string())?;
    let mut header = [0u8; 9];
    match tokio::time::timeout(Duration::from_secs(10), tls.read_exact(&mut header)).await {
        Err(_) => Err("no answer in 10 s".into()),
        Ok(Err(e)) => Err(format!("connection ended: {e}")),
        Ok(Ok(_)) => Ok(header[3]),
    }
}

#[tokio::test]
async fn only_the_client_with_terraforms_certificate_is_served() {
    let (cert, key, pem) = client_identity();
    let plugin = Plugin::start(&pem);

    let refused = first_frame(&plugin.address, None).await;
    assert!(
        refused.is_err(),
        "a client without a certificate was served: {refused:?}"
    );

    let (other_cert, other_key, _) = client_identity();
    let refused = first_frame(&plugin.address, Some((other_cert, other_key))).await;
    assert!(
        refused.is_err(),
        "a client with another certificate was served: {refused:?}"
    );

    // Terraform's own certificate: the server answers the preface with its SETTINGS (type 4).
    let served = first_frame(&plugin.address, Some((cert, key))).await;
    assert_eq!(
        served,
        Ok(4),
        "the client with Terraform's certificate was not served"
    );
}
