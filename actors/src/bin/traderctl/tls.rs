//! TLS for `https://` servers: rustls with the ring provider, trusting only the CA file given.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::error::CtlError;

/// A connector trusting exactly the certificates of the PEM file at `ca_file` (a CA, or the
/// server's own self-signed certificate). No system roots: a CA file or nothing.
pub fn connector(ca_file: &Path) -> Result<TlsConnector, CtlError> {
    let usage = |why: String| CtlError::Usage(format!("CA file {}: {why}", ca_file.display()));
    let pem = std::fs::read(ca_file).map_err(|e| usage(e.to_string()))?;
    connector_from_pem(&pem).map_err(usage)
}

/// [`connector`] from PEM text.
pub fn connector_from_pem(pem: &[u8]) -> Result<TlsConnector, String> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("not PEM certificates: {e}"))?;
        roots.add(cert).map_err(|e| format!("a certificate cannot be a trust anchor: {e}"))?;
    }
    if roots.is_empty() {
        return Err("holds no PEM certificate".to_owned());
    }
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The TLS handshake over `tcp`, checking the certificate against `host`.
pub async fn handshake(connector: &TlsConnector, host: &str, tcp: TcpStream) -> Result<TlsStream<TcpStream>, CtlError> {
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| CtlError::Usage(format!("`{host}` is not a valid TLS server name")))?;
    connector.connect(name, tcp).await.map_err(|e| CtlError::Connection(format!("TLS with {host}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_certificates_is_refused() {
        let error = |pem: &[u8]| connector_from_pem(pem).err().unwrap_or_default();
        assert!(error(b"").contains("no PEM certificate"));
        assert!(error(b"hello").contains("no PEM certificate"));
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(connector_from_pem(garbage).is_err());
    }

    #[test]
    fn a_real_certificate_is_accepted() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap().self_signed(&key).unwrap();
        assert!(connector_from_pem(cert.pem().as_bytes()).is_ok());
    }
}
