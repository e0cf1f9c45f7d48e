//! The JWT signing key: where it comes from, and the rule that it is long enough and private.
//!
//! Sources, first match wins:
//! 1. the file named by `TRADERD_JWT_KEY_FILE` (set and non-empty: it must exist);
//! 2. the systemd credential `jwt-key` (`$CREDENTIALS_DIRECTORY/jwt-key`, if present);
//! 3. `<state-dir>/jwt.key`, generated on first start from 32 OS-random bytes.
//!
//! The key is the file's bytes with trailing `\r`/`\n` removed (so `echo`-written keys work); a
//! generated key is written as 64 hex characters. Every source must give at least 32 bytes. The
//! generated file must stay owner-only (0600); an operator's key file may be readable by its group
//! (`root:traderd 0640` is common) but not by others; a systemd credential is private to the unit
//! by construction (its mode reads 0440 when systemd grants access through an ACL), so it is not
//! checked. The key is never logged or displayed.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::entropy::random_bytes;
use super::hex;
use super::secret_file::{create_secret_file, open_private, Readers, SecretFileError};

/// Environment variable naming a key file.
pub const KEY_FILE_ENV: &str = "TRADERD_JWT_KEY_FILE";
/// Environment variable systemd sets to the credentials directory.
pub const CREDENTIALS_DIRECTORY_ENV: &str = "CREDENTIALS_DIRECTORY";
/// Name of the systemd credential (`LoadCredential=jwt-key:/path`).
pub const CREDENTIAL_NAME: &str = "jwt-key";
/// File name of the generated key in the state directory.
pub const STATE_KEY_FILE: &str = "jwt.key";
/// Shortest key accepted: HS256 needs 256 bits.
pub const MIN_KEY_BYTES: usize = 32;
/// Longest key file read; anything larger is not a key file.
const MAX_KEY_BYTES: usize = 4096;
/// Random bytes in a generated key.
const GENERATED_KEY_BYTES: usize = 32;

/// The HS256 signing key. `Debug` shows no bytes; the memory is zeroed on drop.
pub struct JwtKey(Vec<u8>);

impl JwtKey {
    /// A key from bytes already in memory (tests, or a future key source).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<JwtKey, KeyError> {
        JwtKey::checked(bytes, &KeySource::Bytes)
    }

    fn checked(bytes: Vec<u8>, source: &KeySource) -> Result<JwtKey, KeyError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort { origin: source.clone(), bytes: bytes.len() });
        }
        Ok(JwtKey(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for JwtKey {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(|byte| *byte = 0);
        // Keeps the zeroing from being optimised away as a dead store.
        std::hint::black_box(&self.0);
    }
}

impl fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JwtKey({} bytes)", self.0.len())
    }
}

/// Where the key came from; safe to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The file named by `TRADERD_JWT_KEY_FILE`.
    EnvFile(PathBuf),
    /// The systemd credential `jwt-key`.
    Credential(PathBuf),
    /// `<state-dir>/jwt.key`, generated on an earlier start.
    StateFile(PathBuf),
    /// `<state-dir>/jwt.key`, generated just now.
    Generated(PathBuf),
    /// Bytes handed to [`JwtKey::from_bytes`].
    Bytes,
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::EnvFile(path) => write!(f, "{KEY_FILE_ENV} ({})", path.display()),
            KeySource::Credential(path) => write!(f, "systemd credential {CREDENTIAL_NAME} ({})", path.display()),
            KeySource::StateFile(path) => write!(f, "{}", path.display()),
            KeySource::Generated(path) => write!(f, "{} (generated)", path.display()),
            KeySource::Bytes => f.write_str("key bytes"),
        }
    }
}

/// Why no usable key was found. Each message names the source.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read, created, or is shared with others.
    #[error("JWT key from {origin}: {error}")]
    File {
        /// The source being read.
        origin: KeySource,
        /// What went wrong.
        error: SecretFileError,
    },
    /// `TRADERD_JWT_KEY_FILE` names a file that does not exist.
    #[error("JWT key from {origin}: no such file")]
    Missing {
        /// The source named.
        origin: KeySource,
    },
    /// Fewer than [`MIN_KEY_BYTES`] bytes.
    #[error("JWT key from {origin}: {bytes} bytes, at least {min} are required", min = MIN_KEY_BYTES)]
    TooShort {
        /// The source read.
        origin: KeySource,
        /// Bytes it held (after trailing newlines).
        bytes: usize,
    },
    /// More than 4096 bytes: not a key file.
    #[error("JWT key from {origin}: larger than {max} bytes, not a key file", max = MAX_KEY_BYTES)]
    TooLong {
        /// The source read.
        origin: KeySource,
    },
    /// The OS random source failed while generating a key.
    #[error("JWT key: the OS random source failed: {0}")]
    Random(getrandom::Error),
}

/// Where to look for the key; [`KeyLocations::from_env`] fills it from the process environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLocations {
    /// `TRADERD_JWT_KEY_FILE`, if set and non-empty.
    pub env_file: Option<PathBuf>,
    /// `CREDENTIALS_DIRECTORY`, if set and non-empty.
    pub credentials_dir: Option<PathBuf>,
    /// The daemon's state directory.
    pub state_dir: PathBuf,
}

impl KeyLocations {
    /// The locations from the environment, with `state_dir` for the generated key.
    pub fn from_env(state_dir: &Path) -> KeyLocations {
        let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
        KeyLocations {
            env_file: var(KEY_FILE_ENV),
            credentials_dir: var(CREDENTIALS_DIRECTORY_ENV),
            state_dir: state_dir.to_path_buf(),
        }
    }
}

/// Loads the key from the first source that has one, generating `<state-dir>/jwt.key` if none
/// does. Returns the key and where it came from (log the source, never the key).
pub fn load_or_generate(locations: &KeyLocations) -> Result<(JwtKey, KeySource), KeyError> {
    if let Some(path) = &locations.env_file {
        let source = KeySource::EnvFile(path.clone());
        return match read_key(path, &source, Readers::OwnerAndGroup)? {
            Some(key) => Ok((key, source)),
            None => Err(KeyError::Missing { origin: source }),
        };
    }
    if let Some(dir) = &locations.credentials_dir {
        let path = dir.join(CREDENTIAL_NAME);
        let source = KeySource::Credential(path.clone());
        if let Some(key) = read_key(&path, &source, Readers::Unchecked)? {
            return Ok((key, source));
        }
    }
    let path = locations.state_dir.join(STATE_KEY_FILE);
    let existing = KeySource::StateFile(path.clone());
    if let Some(key) = read_key(&path, &existing, Readers::Owner)? {
        return Ok((key, existing));
    }
    let generated = KeySource::Generated(path.clone());
    let mut text = hex::encode(&random_bytes::<GENERATED_KEY_BYTES>().map_err(KeyError::Random)?);
    text.push('\n');
    let created = create_secret_file(&path, text.as_bytes())
        .map_err(|error| KeyError::File { origin: generated.clone(), error })?;
    if created {
        let key = JwtKey::checked(trimmed(text.into_bytes()), &generated)?;
        return Ok((key, generated));
    }
    // Another process created it between our read and our create: use theirs.
    match read_key(&path, &existing, Readers::Owner)? {
        Some(key) => Ok((key, existing)),
        None => Err(KeyError::Missing { origin: existing }),
    }
}

/// The key in `path`, `None` if there is no such file.
fn read_key(path: &Path, source: &KeySource, readers: Readers) -> Result<Option<JwtKey>, KeyError> {
    let file = match open_private(path, readers) {
        Ok(file) => file,
        Err(SecretFileError::Io { source: error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None)
        }
        Err(error) => return Err(KeyError::File { origin: source.clone(), error }),
    };
    let mut bytes = Vec::new();
    file.take(MAX_KEY_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|error| KeyError::File {
        origin: source.clone(),
        error: SecretFileError::Io { action: "reading", path: path.to_path_buf(), source: error },
    })?;
    if bytes.len() > MAX_KEY_BYTES {
        return Err(KeyError::TooLong { origin: source.clone() });
    }
    JwtKey::checked(trimmed(bytes), source).map(Some)
}

fn trimmed(mut bytes: Vec<u8>) -> Vec<u8> {
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::test_dir::TestDir;

    fn only_state_dir(dir: &Path) -> KeyLocations {
        KeyLocations { env_file: None, credentials_dir: None, state_dir: dir.to_path_buf() }
    }

    fn write_private(path: &Path, bytes: &[u8]) {
        fs::write(path, bytes).unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
    }

    #[test]
    fn generated_once_with_0600_then_reused() {
        let dir = TestDir::new("key-generate");
        let (first, source) = load_or_generate(&only_state_dir(dir.path())).unwrap();
        let path = dir.path().join("jwt.key");
        assert_eq!(source, KeySource::Generated(path.clone()));
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        // 32 random bytes as 64 hex characters plus a newline.
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 65);
        assert!(text.trim_end().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(first.bytes(), text.trim_end().as_bytes());

        let (second, source) = load_or_generate(&only_state_dir(dir.path())).unwrap();
        assert_eq!(source, KeySource::StateFile(path.clone()));
        assert_eq!(second.bytes(), first.bytes());
        assert_eq!(fs::read_to_string(&path).unwrap(), text, "the file is not rewritten");
    }

    #[test]
    fn short_key_refused_naming_the_source() {
        let dir = TestDir::new("key-short");
        let file = dir.path().join("short.key");
        // 31 bytes plus a newline: the newline does not count.
        write_private(&file, format!("{}\n", "k".repeat(31)).as_bytes());
        let locations = KeyLocations { env_file: Some(file.clone()), ..only_state_dir(dir.path()) };
        let err = load_or_generate(&locations).unwrap_err();
        assert!(matches!(err, KeyError::TooShort { bytes: 31, .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("JWT key from TRADERD_JWT_KEY_FILE ({}): 31 bytes, at least 32 are required", file.display())
        );
        assert!(!dir.path().join("jwt.key").exists(), "no fallback to a generated key");

        let state = dir.path().join("jwt.key");
        write_private(&state, &[7u8; 16]);
        let err = load_or_generate(&only_state_dir(dir.path())).unwrap_err();
        assert_eq!(err.to_string(), format!("JWT key from {}: 16 bytes, at least 32 are required", state.display()));
    }

    #[test]
    fn env_file_wins_and_must_exist() {
        let dir = TestDir::new("key-env");
        let file = dir.path().join("env.key");
        write_private(&file, &[1u8; 40]);
        let creds = dir.path().join("creds");
        fs::create_dir(&creds).unwrap();
        write_private(&creds.join("jwt-key"), &[2u8; 40]);
        let locations = KeyLocations {
            env_file: Some(file.clone()),
            credentials_dir: Some(creds.clone()),
            state_dir: dir.path().to_path_buf(),
        };
        let (key, source) = load_or_generate(&locations).unwrap();
        assert_eq!((key.bytes(), source), (&[1u8; 40][..], KeySource::EnvFile(file.clone())));

        fs::remove_file(&file).unwrap();
        let err = load_or_generate(&locations).unwrap_err();
        assert!(matches!(err, KeyError::Missing { origin: KeySource::EnvFile(_) }), "{err:?}");
    }

    #[test]
    fn credential_used_when_present_else_state_dir() {
        let dir = TestDir::new("key-cred");
        let creds = dir.path().join("creds");
        fs::create_dir(&creds).unwrap();
        let locations = KeyLocations { credentials_dir: Some(creds.clone()), ..only_state_dir(dir.path()) };
        // systemd sets CREDENTIALS_DIRECTORY for any credential; without jwt-key, fall through.
        let (_, source) = load_or_generate(&locations).unwrap();
        assert!(matches!(source, KeySource::Generated(_)), "{source:?}");

        write_private(&creds.join("jwt-key"), &[3u8; 32]);
        let (key, source) = load_or_generate(&locations).unwrap();
        assert_eq!(key.bytes(), &[3u8; 32]);
        assert_eq!(source, KeySource::Credential(creds.join("jwt-key")));
    }

    #[test]
    fn shared_key_files_refused() {
        let dir = TestDir::new("key-shared");
        // The generated file must stay owner-only.
        let path = dir.path().join("jwt.key");
        fs::write(&path, [5u8; 32]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let err = load_or_generate(&only_state_dir(dir.path())).unwrap_err();
        assert!(
            matches!(&err, KeyError::File { error: SecretFileError::NotPrivate { mode: 0o640, .. }, .. }),
            "{err:?}"
        );
        // An operator's file may be group-readable, never world-readable.
        let file = dir.path().join("env.key");
        fs::write(&file, [6u8; 32]).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        let locations = KeyLocations { env_file: Some(file.clone()), ..only_state_dir(dir.path()) };
        assert_eq!(load_or_generate(&locations).unwrap().0.bytes(), &[6u8; 32]);
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_generate(&locations).unwrap_err();
        assert!(err.to_string().starts_with("JWT key from TRADERD_JWT_KEY_FILE ("), "{err}");
        assert!(err
            .to_string()
            .ends_with("mode 0644 gives too many users access to a secret; run `chmod o-rwx` on it"));
    }

    #[test]
    fn credential_mode_is_systemds_business() {
        let dir = TestDir::new("key-cred-acl");
        let creds = dir.path().join("creds");
        fs::create_dir(&creds).unwrap();
        fs::write(creds.join("jwt-key"), [4u8; 32]).unwrap();
        fs::set_permissions(creds.join("jwt-key"), fs::Permissions::from_mode(0o440)).unwrap();
        let locations = KeyLocations { credentials_dir: Some(creds), ..only_state_dir(dir.path()) };
        assert_eq!(load_or_generate(&locations).unwrap().0.bytes(), &[4u8; 32]);
    }

    #[test]
    fn oversized_file_refused() {
        let dir = TestDir::new("key-long");
        write_private(&dir.path().join("jwt.key"), &[9u8; 5000]);
        assert!(matches!(load_or_generate(&only_state_dir(dir.path())), Err(KeyError::TooLong { .. })));
    }

    #[test]
    fn debug_shows_no_key_bytes() {
        let key = JwtKey::from_bytes(vec![0xab; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "JwtKey(32 bytes)");
        assert!(matches!(JwtKey::from_bytes(vec![0; 31]), Err(KeyError::TooShort { bytes: 31, .. })));
    }
}
