//! The control plane's certificate and key: loaded from the `[api.tls]` PEM files, checked to
//! belong together, and swapped in place on reload so new handshakes get the new pair while
//! connections already open keep theirs. A pair that fails to load never replaces a working one.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use sha2::{Digest, Sha256};
use trader::config::TlsSection;

use crate::auth::secret_file::{open_private, Readers, SecretFileError};

/// Why a certificate/key pair cannot be used: the `[api.tls]` key at fault and the reason. It
/// never carries key material, only paths and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct TlsFileError {
    /// `api.tls.cert_file` or `api.tls.key_file`.
    pub key: &'static str,
    pub reason: String,
}

const CERT_KEY: &str = "api.tls.cert_file";
const KEY_KEY: &str = "api.tls.key_file";

/// The certificate the server presents, reloadable. Resolves every handshake to the current pair.
pub struct CertStore {
    cert_file: PathBuf,
    key_file: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertStore").field("cert_file", &self.cert_file).field("key_file", &self.key_file).finish()
    }
}

impl CertStore {
    /// Loads the pair named by `[api.tls]` with the ring provider.
    pub fn load(section: &TlsSection) -> Result<CertStore, TlsFileError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cert_file = PathBuf::from(&section.cert_file);
        let key_file = PathBuf::from(&section.key_file);
        let pair = load_pair(&cert_file, &key_file, &provider)?;
        Ok(CertStore { cert_file, key_file, provider, current: RwLock::new(Arc::new(pair)) })
    }

    /// Re-reads both files; on success new handshakes present the new pair, on failure the
    /// current one stays and the error says why.
    pub fn reload(&self) -> Result<(), TlsFileError> {
        let pair = load_pair(&self.cert_file, &self.key_file, &self.provider)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(pair);
        Ok(())
    }

    /// [`CertStore::reload`], logged: the new certificate's fingerprint, or the error and that the
    /// old certificate stays. For the SIGHUP / config-reload path.
    pub fn reload_logged(&self) -> Result<(), TlsFileError> {
        match self.reload() {
            Ok(()) => {
                tracing::info!(sha256 = %self.fingerprint(), "TLS certificate reloaded");
                Ok(())
            }
            Err(error) => {
                tracing::error!(%error, sha256 = %self.fingerprint(), "TLS certificate not reloaded; keeping the current one");
                Err(error)
            }
        }
    }

    /// The pair new handshakes get.
    pub fn current(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// SHA-256 of the current end-entity certificate, hex: what logs show to identify it.
    pub fn fingerprint(&self) -> String {
        let current = self.current();
        let der = current.cert.first().map(|c| c.as_ref()).unwrap_or_default();
        Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The crypto provider the pair was loaded with (the server config must use the same).
    pub fn provider(&self) -> Arc<CryptoProvider> {
        Arc::clone(&self.provider)
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// Loads and checks one pair: the chain parses, the key parses, and the key is the one the
/// first certificate certifies.
pub fn load_pair(cert_file: &Path, key_file: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, TlsFileError> {
    let cert_bytes = read(CERT_KEY, cert_file)?;
    let chain = CertificateDer::pem_slice_iter(&cert_bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsFileError { key: CERT_KEY, reason: pem_reason(cert_file, &e) })?;
    if chain.is_empty() {
        return Err(TlsFileError {
            key: CERT_KEY,
            reason: format!("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", cert_file.display()),
        });
    }
    let mut key_bytes = read_private(key_file)?;
    let key = PrivateKeyDer::from_pem_slice(&key_bytes);
    // The file's bytes are the key itself: do not leave them in freed memory.
    key_bytes.fill(0);
    let key = key.map_err(|e| TlsFileError {
        key: KEY_KEY,
        reason: match e {
            pem::Error::NoItemsFound => format!(
                "{} holds no PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC: -----BEGIN ... PRIVATE KEY-----)",
                key_file.display()
            ),
            e => pem_reason(key_file, &e),
        },
    })?;
    let signing_key = provider.key_provider.load_private_key(key).map_err(|e| TlsFileError {
        key: KEY_KEY,
        reason: format!("{}: the private key is not usable: {e}", key_file.display()),
    })?;
    let pair = CertifiedKey::new(chain, signing_key);
    match pair.keys_match() {
        Ok(()) => Ok(pair),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => Err(TlsFileError {
            key: KEY_KEY,
            reason: format!(
                "{} does not match the certificate in {} (a key from another pair?)",
                key_file.display(),
                cert_file.display()
            ),
        }),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(pair),
        Err(e) => Err(TlsFileError {
            key: CERT_KEY,
            reason: format!("{}: the first certificate is not a valid X.509 certificate: {e}", cert_file.display()),
        }),
    }
}

fn read(key: &'static str, path: &Path) -> Result<Vec<u8>, TlsFileError> {
    std::fs::read(path).map_err(|e| TlsFileError {
        key,
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => format!("{} does not exist", path.display()),
            _ => format!("{} cannot be read: {e}", path.display()),
        },
    })
}

/// Reads the private key like the other operator-provided secrets: refused when others than the
/// owner and the file's group may read it (`root:traderd 0640` is fine, 0644 is not).
fn read_private(path: &Path) -> Result<Vec<u8>, TlsFileError> {
    let reason = |error: SecretFileError| match error {
        SecretFileError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            format!("{} does not exist", path.display())
        }
        SecretFileError::Io { source, .. } => format!("{} cannot be read: {source}", path.display()),
        // Names the file, its mode and the `chmod` that fixes it.
        not_private @ SecretFileError::NotPrivate { .. } => not_private.to_string(),
    };
    let mut file =
        open_private(path, Readers::OwnerAndGroup).map_err(|e| TlsFileError { key: KEY_KEY, reason: reason(e) })?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| {
        bytes.fill(0);
        TlsFileError { key: KEY_KEY, reason: format!("{} cannot be read: {e}", path.display()) }
    })?;
    Ok(bytes)
}

/// A PEM error without echoing the file's contents (a key file's lines are the key).
fn pem_reason(path: &Path, error: &pem::Error) -> String {
    let what = match error {
        pem::Error::NoItemsFound => "holds no PEM section",
        pem::Error::MissingSectionEnd { .. } => "is not valid PEM: a section has no -----END ...----- line",
        pem::Error::IllegalSectionStart { .. } => "is not valid PEM: a -----BEGIN line is malformed",
        pem::Error::Base64Decode(_) => "is not valid PEM: a section is not valid base64",
        _ => "is not valid PEM",
    };
    format!("{} {what}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::os::unix::fs::PermissionsExt;

    use crate::test_dir::TestDir;

    /// Writes `text` owner-only: these files may hold private keys.
    fn write(dir: &TestDir, name: &str, text: &str) -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path.display().to_string()
    }

    fn self_signed(name: &str) -> (String, String) {
        let cert = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        (cert.cert.pem(), cert.signing_key.serialize_pem())
    }

    fn section(cert_file: String, key_file: String) -> TlsSection {
        TlsSection { cert_file, key_file, hsts_max_age_seconds: 60 }
    }

    #[test]
    fn a_matching_pair_loads_and_a_chain_keeps_its_order() {
        let dir = TestDir::new("cert-good");
        let (cert, key) = self_signed("localhost");
        let (other_cert, _) = self_signed("intermediate.example");
        let chain = format!("{cert}{other_cert}");
        let store = CertStore::load(&section(write(&dir, "c.pem", &chain), write(&dir, "k.pem", &key))).unwrap();
        let current = store.current();
        assert_eq!(current.cert.len(), 2);
        let leaf = CertificateDer::from_pem_slice(cert.as_bytes()).unwrap();
        assert_eq!(current.cert[0], leaf, "the leaf stays first");
        assert_eq!(store.fingerprint().len(), 64);
    }

    #[test]
    fn each_bad_file_is_named_with_its_reason() {
        let dir = TestDir::new("cert-bad");
        let (cert, key) = self_signed("localhost");
        let (_, other_key) = self_signed("localhost");
        let cert_path = write(&dir, "c.pem", &cert);
        let key_path = write(&dir, "k.pem", &key);
        let err = |c: &str, k: &str| CertStore::load(&section(c.to_owned(), k.to_owned())).unwrap_err();

        let missing = dir.path().join("nope.pem").display().to_string();
        let e = err(&missing, &key_path);
        assert_eq!((e.key, e.reason.contains("does not exist")), (CERT_KEY, true), "{e}");
        let e = err(&cert_path, &missing);
        assert_eq!((e.key, e.reason.contains("does not exist")), (KEY_KEY, true), "{e}");

        let e = err(&write(&dir, "text.pem", "hello\n"), &key_path);
        assert_eq!((e.key, e.reason.contains("no PEM certificate")), (CERT_KEY, true), "{e}");
        // A key where the certificate should be: PEM, but no certificate in it.
        let e = err(&key_path, &key_path);
        assert_eq!((e.key, e.reason.contains("no PEM certificate")), (CERT_KEY, true), "{e}");
        let e = err(&cert_path, &cert_path);
        assert_eq!((e.key, e.reason.contains("no PEM private key")), (KEY_KEY, true), "{e}");
        let truncated = &cert[..cert.len() / 2];
        let e = err(&write(&dir, "half.pem", truncated), &key_path);
        assert_eq!((e.key, e.reason.contains("not valid PEM")), (CERT_KEY, true), "{e}");
        let garbage = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
        let e = err(&write(&dir, "garbage.pem", garbage), &key_path);
        assert_eq!((e.key, e.reason.contains("not a valid X.509")), (CERT_KEY, true), "{e}");

        let e = err(&cert_path, &write(&dir, "other.pem", &other_key));
        assert_eq!((e.key, e.reason.contains("does not match")), (KEY_KEY, true), "{e}");
        assert!(!e.to_string().contains("PRIVATE KEY-----\n"), "no key material in errors: {e}");
    }

    #[test]
    fn a_key_file_others_may_read_is_refused_and_group_readable_is_fine() {
        let dir = TestDir::new("cert-key-mode");
        let (cert, key) = self_signed("localhost");
        let cert_path = write(&dir, "c.pem", &cert);
        let key_path = write(&dir, "k.pem", &key);
        let set_mode = |mode| std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(mode)).unwrap();
        set_mode(0o644);
        let e = CertStore::load(&section(cert_path.clone(), key_path.clone())).unwrap_err();
        assert_eq!(e.key, KEY_KEY, "{e}");
        assert!(e.reason.starts_with(&format!("{key_path}: mode 0644")), "{e}");
        assert!(e.reason.ends_with("run `chmod o-rwx` on it"), "{e}");
        // The operator's usual `root:traderd 0640` loads, and so does a reload once it is fixed.
        set_mode(0o640);
        let store = CertStore::load(&section(cert_path, key_path.clone())).unwrap();
        set_mode(0o604);
        assert_eq!(store.reload().unwrap_err().key, KEY_KEY);
        set_mode(0o600);
        store.reload().unwrap();
        // Only the key is private: a world-readable certificate is fine.
        std::fs::set_permissions(dir.path().join("c.pem"), std::fs::Permissions::from_mode(0o644)).unwrap();
        store.reload().unwrap();
    }

    #[test]
    fn a_reload_swaps_the_pair_and_a_bad_one_keeps_the_old() {
        let dir = TestDir::new("cert-reload");
        let (cert, key) = self_signed("localhost");
        let cert_path = write(&dir, "c.pem", &cert);
        let key_path = write(&dir, "k.pem", &key);
        let store = CertStore::load(&section(cert_path, key_path)).unwrap();
        let first = store.fingerprint();

        let (cert2, key2) = self_signed("localhost");
        write(&dir, "c.pem", &cert2);
        write(&dir, "k.pem", &key2);
        store.reload().unwrap();
        let second = store.fingerprint();
        assert_ne!(first, second);

        // Only the certificate replaced: the key no longer matches, so nothing changes.
        let (cert3, _) = self_signed("localhost");
        write(&dir, "c.pem", &cert3);
        assert_eq!(store.reload().unwrap_err().key, KEY_KEY);
        assert_eq!(store.fingerprint(), second);
        std::fs::remove_file(dir.path().join("k.pem")).unwrap();
        assert!(store.reload_logged().is_err());
        assert_eq!(store.fingerprint(), second);
    }
}
