// Added for opsdeck (see PATCHES.md): mutual TLS as go-plugin does it.
//
// Terraform starts the plugin with its own self-signed client certificate in
// `PLUGIN_CLIENT_CERT` (ECDSA P-521) and expects the plugin to require it: go-plugin servers use
// `tls.RequireAndVerifyClientCert` with that certificate as the only root. Upstream tf-provider
// made the certificate optional, so any local process that found the port could drive the
// provider with the deployer's credentials. Here the certificate is pinned: the handshake fails
// unless the client presents exactly that certificate and proves it holds its key.
//
// The pin is a byte comparison rather than a WebPKI path check because Terraform's certificate
// is a CA certificate used as an end entity, which WebPKI refuses by design.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use anyhow::{anyhow, Context as _, Result};
use rcgen::{BasicConstraints, IsCa};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use time::ext::NumericalDuration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::rustls::client::danger::HandshakeSignatureValid;
use tokio_rustls::rustls::crypto::{
    aws_lc_rs, verify_tls12_signature, verify_tls13_signature, CryptoProvider,
};
use tokio_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use tokio_rustls::rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error as TlsError, ServerConfig,
    SignatureScheme,
};
use tokio_rustls::TlsAcceptor;

/// How long a client may take to finish the handshake before its connection is dropped.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The server side of the plugin's TLS: its certificate (announced in the handshake line) and
/// the acceptor that requires Terraform's client certificate.
pub(crate) struct PluginTls {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) server_cert_der: Vec<u8>,
}

impl PluginTls {
    /// Builds the server configuration from the PEM in `PLUGIN_CLIENT_CERT`.
    pub(crate) fn from_client_cert_pem(client_cert_pem: &str) -> Result<Self> {
        let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
            .map_err(|e| anyhow!("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {e}"))?;
        let provider = Arc::new(aws_lc_rs::default_provider());

        let (server_cert, server_key) = server_identity()?;
        let verifier = Arc::new(PinnedClientCert {
            pinned: client_cert.into_owned(),
            provider: provider.clone(),
        });
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![server_cert.clone()], server_key)
            .context("plugin server certificate")?;
        // gRPC clients (grpc-go in Terraform) insist on HTTP/2 being negotiated by ALPN.
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            server_cert_der: server_cert.as_ref().to_vec(),
        })
    }
}

/// A fresh self-signed certificate for the plugin, shaped like go-plugin's.
fn server_identity() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>)> {
    let mut cp = rcgen::CertificateParams::new(["localhost".to_string()])?;
    cp.not_before = time::OffsetDateTime::now_utc().saturating_sub(30.seconds());
    cp.not_after = time::OffsetDateTime::now_utc().saturating_add((30 * 365).days());
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::OrganizationName, "Hashicorp");
    dn.push(rcgen::DnType::CommonName, "localhost");
    cp.distinguished_name = dn;
    cp.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    cp.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyAgreement,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    cp.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    cp.key_identifier_method = rcgen::KeyIdMethod::Sha512;
    let keypair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)?;
    let cert = cp.self_signed(&keypair)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(keypair.serialize_der()));
    Ok((cert.der().clone(), key))
}

/// Accepts exactly one client certificate, and checks the handshake signature with it.
#[derive(Debug)]
struct PinnedClientCert {
    pinned: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("refused a plugin client whose certificate is not Terraform's");
            Err(TlsError::InvalidCertificate(CertificateError::UnknownIssuer))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS connection handed to tonic.
pub(crate) struct TlsIo(tokio_rustls::server::TlsStream<tokio::net::TcpStream>);

impl tonic::transport::server::Connected for TlsIo {
    type ConnectInfo = tonic::transport::server::TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        tonic::transport::server::Connected::connect_info(self.0.get_ref().0)
    }
}

impl AsyncRead for TlsIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// Accepts TCP connections and completes each handshake on its own task, so one slow or
/// refused client never holds up Terraform's. Only connections that passed the handshake
/// reach the gRPC server.
pub(crate) fn incoming(
    listener: TcpListener,
    acceptor: TlsAcceptor,
) -> tokio_stream::wrappers::ReceiverStream<io::Result<TlsIo>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    if tx.send(Err(e)).await.is_err() {
                        return;
                    }
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(TlsIo(tls))).await;
                    }
                    Ok(Err(e)) => tracing::warn!("TLS handshake with {peer} refused: {e}"),
                    Err(_) => tracing::warn!("TLS handshake with {peer} timed out"),
                }
            });
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}
