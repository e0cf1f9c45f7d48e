//! Files that hold secrets: created owner-only (0600) and atomically, read only when no one else
//! can read them.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Who besides the owner may have access to a secret file that is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readers {
    /// The owner only (mode 0600 or stricter): files traderd created itself.
    Owner,
    /// The owner and the file's group, not others: operator-provided files, which are often
    /// `root:traderd 0640`.
    OwnerAndGroup,
    /// Not checked: files whose access someone else guarantees. systemd credentials are private to
    /// the unit, but an ACL for the service user makes their mode read 0440.
    Unchecked,
}

impl Readers {
    /// Permission bits this rule forbids, and the `chmod` argument that clears them.
    fn forbidden(self) -> (u32, &'static str) {
        match self {
            Readers::Owner => (0o077, "go-rwx"),
            Readers::OwnerAndGroup => (0o007, "o-rwx"),
            Readers::Unchecked => (0, ""),
        }
    }
}

/// Why a secret file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    /// An I/O step failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done: `creating`, `reading`, ...
        action: &'static str,
        /// The file (or its directory).
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Someone who should not have access to the file has it.
    #[error("{}: mode {mode:04o} gives too many users access to a secret; run `chmod {fix}` on it", path.display())]
    NotPrivate {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// The `chmod` argument that fixes it.
        fix: &'static str,
    },
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> SecretFileError + 'a {
    move |source| SecretFileError::Io { action, path: path.to_path_buf(), source }
}

/// Writes `text` to `path` with mode 0600, replacing any existing file atomically: readers see the
/// old file or the new one, never a partial one, and the secret is never readable by others even
/// for an instant.
pub fn write_secret_file(path: &Path, text: &str) -> Result<(), SecretFileError> {
    let temp = write_temp(path, text.as_bytes())?;
    fs::rename(&temp, path).map_err(|source| {
        let _ = fs::remove_file(&temp);
        SecretFileError::Io { action: "renaming into place", path: path.to_path_buf(), source }
    })?;
    sync_parent(path)
}

/// Creates `path` with mode 0600 holding `bytes`, unless it exists (then `Ok(false)` and the file
/// is untouched). Atomic: two starts racing create one file, and a crash leaves no partial file
/// at `path`.
pub(crate) fn create_secret_file(path: &Path, bytes: &[u8]) -> Result<bool, SecretFileError> {
    let temp = write_temp(path, bytes)?;
    // A hard link, unlike rename, fails when the target exists: the first writer wins.
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => sync_parent(path).map(|()| true),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(source) => Err(SecretFileError::Io { action: "creating", path: path.to_path_buf(), source }),
    }
}

/// Opens `path` for reading after checking, on the open file itself, that no one beyond `readers`
/// has access.
pub(crate) fn open_private(path: &Path, readers: Readers) -> Result<File, SecretFileError> {
    let file = File::open(path).map_err(io_error("opening", path))?;
    let mode = file.metadata().map_err(io_error("reading metadata of", path))?.permissions().mode();
    let (forbidden, fix) = readers.forbidden();
    if mode & forbidden != 0 {
        return Err(SecretFileError::NotPrivate { path: path.to_path_buf(), mode: mode & 0o7777, fix });
    }
    Ok(file)
}

/// Writes `bytes` to a fresh 0600 temp file beside `path` and syncs it; returns the temp path.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf, SecretFileError> {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    // A leftover from a crashed run with the same pid would make create_new fail.
    let _ = fs::remove_file(&temp);
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    result.map_err(|source| {
        let _ = fs::remove_file(&temp);
        SecretFileError::Io { action: "writing", path: temp.clone(), source }
    })?;
    Ok(temp)
}

/// Syncs the directory holding `path` so the new name survives a crash.
fn sync_parent(path: &Path) -> Result<(), SecretFileError> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(parent).and_then(|dir| dir.sync_all()).map_err(io_error("syncing directory", parent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dir::TestDir;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn write_creates_owner_only_and_replaces() {
        let dir = TestDir::new("secret-write");
        let path = dir.path().join("admin.token");
        write_secret_file(&path, "first").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "first");
        write_secret_file(&path, "second").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(mode(&path), 0o600);
        // No temp file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn create_never_overwrites() {
        let dir = TestDir::new("secret-create");
        let path = dir.path().join("jwt.key");
        assert!(create_secret_file(&path, b"one").unwrap());
        assert!(!create_secret_file(&path, b"two").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn shared_files_are_refused() {
        let dir = TestDir::new("secret-shared");
        let path = dir.path().join("key");
        fs::write(&path, b"x").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let err = open_private(&path, Readers::Owner).unwrap_err();
        assert!(matches!(err, SecretFileError::NotPrivate { mode: 0o640, .. }), "{err}");
        assert!(err
            .to_string()
            .ends_with("mode 0640 gives too many users access to a secret; run `chmod go-rwx` on it"));
        assert!(open_private(&path, Readers::OwnerAndGroup).is_ok());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o604)).unwrap();
        let err = open_private(&path, Readers::OwnerAndGroup).unwrap_err();
        assert!(err.to_string().ends_with("run `chmod o-rwx` on it"), "{err}");
        assert!(open_private(&path, Readers::Unchecked).is_ok());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        assert!(open_private(&path, Readers::Owner).is_ok());
    }

    #[test]
    fn missing_directory_names_the_path() {
        let dir = TestDir::new("secret-missing");
        let path = dir.path().join("absent").join("admin.token");
        let err = write_secret_file(&path, "x").unwrap_err();
        assert!(err.to_string().contains("absent"), "{err}");
    }
}
