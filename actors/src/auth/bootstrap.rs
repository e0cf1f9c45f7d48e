//! First start: with no users, create the user `admin` and an API token for it.
//!
//! The admin is created *without* a password: password login is impossible until someone sets
//! one (the API's user routes or `traderd user`), so there is no password to leak or to forget to
//! change, and no one is tempted to log it. The API token is the way in; the daemon writes it to
//! `<state-dir>/admin.token` (0600) and logs that path, never the token.

use std::fmt;
use std::path::{Path, PathBuf};

use trader::time::Timestamp;

use super::error::AuthError;
use super::event::AuthEvent;
use super::role::Role;
use super::secret_file::{write_secret_file, SecretFileError};
use super::store::AuthState;

/// Name of the bootstrap user and of its API token.
pub const BOOTSTRAP_ADMIN: &str = "admin";
/// File name of the bootstrap token in the state directory.
pub const ADMIN_TOKEN_FILE: &str = "admin.token";

/// What bootstrapping produced: events to journal and the token to write. `Debug` hides the token.
pub struct Bootstrap {
    /// `UserAdded` for `admin` and `ApiTokenIssued` for its token (owned by `admin`), already applied.
    pub events: Vec<AuthEvent>,
    /// The API token `trd_<id>_<secret>`.
    pub admin_token: String,
}

impl fmt::Debug for Bootstrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bootstrap").field("events", &self.events).finish_non_exhaustive()
    }
}

impl Bootstrap {
    /// Writes the token (and a newline) to `<state_dir>/admin.token` with mode 0600, replacing
    /// any older file; returns the path to log.
    ///
    /// Write it *before* journaling the events: a crash in between then leaves no users, so the
    /// next start bootstraps again and overwrites the file. The other order could leave an admin
    /// no one has a credential for.
    pub fn write_token_file(&self, state_dir: &Path) -> Result<PathBuf, SecretFileError> {
        let path = admin_token_path(state_dir);
        write_secret_file(&path, &format!("{}\n", self.admin_token))?;
        Ok(path)
    }
}

/// `<state_dir>/admin.token`.
pub fn admin_token_path(state_dir: &Path) -> PathBuf {
    state_dir.join(ADMIN_TOKEN_FILE)
}

/// If there are no users, creates `admin` (role admin, no password) and an admin API token named
/// `admin`; `None` when users exist.
pub fn bootstrap(state: &mut AuthState, now: Timestamp) -> Result<Option<Bootstrap>, AuthError> {
    if state.has_users() {
        return Ok(None);
    }
    // An API token left from an earlier bootstrap whose file was lost would block the name.
    let mut events = Vec::new();
    if state.api_tokens().iter().any(|token| token.name == BOOTSTRAP_ADMIN) {
        events.push(state.revoke_api_token(BOOTSTRAP_ADMIN, now)?);
    }
    // The user first: a token is only issued to an existing, enabled owner.
    events.push(state.add_user_without_password(BOOTSTRAP_ADMIN, Role::Admin, now)?);
    let (admin_token, token_event) = state.create_api_token(BOOTSTRAP_ADMIN, Role::Admin, BOOTSTRAP_ADMIN, now)?;
    events.push(token_event);
    Ok(Some(Bootstrap { events, admin_token }))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::super::config::AuthConfig;
    use super::super::key::JwtKey;
    use super::super::principal::{Principal, Via};
    use super::*;
    use crate::test_dir::TestDir;

    fn fresh() -> AuthState {
        AuthState::new(&JwtKey::from_bytes(vec![1; 32]).unwrap(), AuthConfig::for_tests())
    }

    #[test]
    fn first_start_creates_admin_and_a_working_token() {
        let mut state = fresh();
        let now = Timestamp::from_seconds(1_780_000_000).unwrap();
        let boot = bootstrap(&mut state, now).unwrap().unwrap();
        assert!(matches!(
            boot.events.as_slice(),
            [AuthEvent::UserAdded { password_hash: None, role: Role::Admin, .. }, AuthEvent::ApiTokenIssued { .. }]
        ));
        assert_eq!(
            state.verify_bearer(&boot.admin_token, now).unwrap(),
            Principal { name: "admin".into(), role: Role::Admin, via: Via::ApiToken("admin".into()) }
        );
        // No password works for the bootstrap admin.
        assert!(matches!(state.login("admin", "", now), Err(AuthError::InvalidCredentials)));
        assert!(!format!("{boot:?}").contains(&boot.admin_token));
        // Second start: users exist, nothing to do.
        assert!(bootstrap(&mut state, now).unwrap().is_none());

        // Replaying the events gives a state where the token works.
        let mut replayed = fresh();
        boot.events.iter().for_each(|event| replayed.apply(event));
        assert!(replayed.verify_bearer(&boot.admin_token, now).is_ok());
    }

    #[test]
    fn token_file_is_owner_only() {
        let dir = TestDir::new("bootstrap");
        let mut state = fresh();
        let boot = bootstrap(&mut state, Timestamp::from_nanos(0)).unwrap().unwrap();
        let path = boot.write_token_file(dir.path()).unwrap();
        assert_eq!(path, dir.path().join("admin.token"));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{}\n", boot.admin_token));
    }
}
