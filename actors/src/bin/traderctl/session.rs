//! The session `traderctl login` keeps: the server, the access and refresh tokens, and when the
//! access token expires. Stored as JSON with mode 0600 beside the config file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CtlError;

/// The file name, in the config file's directory.
pub const SESSION_FILE: &str = "session.json";

/// Refresh this long before the access token's expiry, so it does not expire in flight.
const EXPIRY_MARGIN_SECS: u64 = 30;

/// A login session.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The server it belongs to (`ServerUrl` text); used only with that server.
    pub server: String,
    pub username: String,
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds when `access_token` expires.
    pub expires_at: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.server)
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Now, in Unix seconds.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Session {
    /// Whether the access token must be refreshed before use at `now` (Unix seconds).
    pub fn needs_refresh(&self, now: u64) -> bool {
        now.saturating_add(EXPIRY_MARGIN_SECS) >= self.expires_at
    }

    /// Reads the session file; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Session>, CtlError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                CtlError::Usage(format!("session file {}: {e}; run `traderctl login` again", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CtlError::Usage(format!("session file {}: {e}", path.display()))),
        }
    }

    /// Writes the session file (mode 0600, atomically), creating its directory (0700) if needed.
    pub fn store(&self, path: &Path) -> Result<(), CtlError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| CtlError::Usage(e.to_string()))?;
        trader_actors::auth::write_secret_file(path, &format!("{text}\n")).map_err(|e| CtlError::Usage(e.to_string()))
    }

    /// Deletes the session file; a missing one is fine.
    pub fn remove(path: &Path) -> Result<(), CtlError> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CtlError::Usage(format!("session file {}: {e}", path.display()))),
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<(), CtlError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| CtlError::Usage(format!("creating {}: {e}", dir.display())))
}

/// `<dir of the config file>/session.json`.
pub fn path_beside(config_file: &Path) -> PathBuf {
    config_file.parent().unwrap_or_else(|| Path::new(".")).join(SESSION_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(expires_at: u64) -> Session {
        Session {
            server: "http://127.0.0.1:7800".into(),
            username: "asha".into(),
            access_token: "acc".into(),
            refresh_token: "ref".into(),
            expires_at,
        }
    }

    #[test]
    fn refresh_is_due_a_margin_before_expiry() {
        let s = session(1_000);
        assert!(!s.needs_refresh(969));
        assert!(s.needs_refresh(970));
        assert!(s.needs_refresh(2_000));
    }

    #[test]
    fn stored_owner_only_and_read_back() {
        let dir = std::env::temp_dir().join(format!("traderctl-session-{}-{}", std::process::id(), now_secs()));
        let path = dir.join("nested").join(SESSION_FILE);
        session(5).store(&path).unwrap();
        assert_eq!(Session::load(&path).unwrap(), Some(session(5)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        }
        Session::remove(&path).unwrap();
        assert_eq!(Session::load(&path).unwrap(), None);
        Session::remove(&path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn debug_never_shows_tokens() {
        let text = format!("{:?}", session(1));
        assert!(!text.contains("acc") && !text.contains("ref"), "{text}");
    }
}
