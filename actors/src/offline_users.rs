//! `traderd user add`: creating a user while the daemon is stopped, straight into the journal.
//!
//! redb locks the journal file, so this works only when no daemon holds it; a running daemon takes
//! users through `POST /api/v1/admin/users` instead. The user is journaled as the same
//! `AuthEvent::UserAdded` the API writes, so the next start replays it like any other.

use std::path::{Path, PathBuf};

use trader::num::Money;
use trader::time::{Clock, LiveClock};

use crate::auth::{AuthConfig, AuthError, AuthState, JwtKey, Role};
use crate::journal::{JournalError, JournalStore, RedbStore};
use crate::records::JournalRecord;
use crate::recovery::RecoveredState;

/// The journal's file name in the state directory.
pub const JOURNAL_FILE: &str = "journal.redb";

/// Why a user could not be added offline. Messages name the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum OfflineUserError {
    /// No journal where one was expected: most likely a mistyped `--state-dir`.
    #[error("no journal at {0}; check --state-dir (start traderd once to create it)")]
    NoJournal(PathBuf),
    /// The journal could not be opened — usually because a running daemon holds it.
    #[error(
        "cannot open the journal at {path} ({error}); if traderd is running it holds the journal: stop it first, \
         or create the user with POST /api/v1/admin/users"
    )]
    Locked {
        /// The journal file.
        path: PathBuf,
        /// What redb said.
        error: JournalError,
    },
    /// Reading or writing the journal failed.
    #[error("journal at {path}: {error}")]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// What went wrong.
        error: JournalError,
    },
    /// The user was refused (name taken, name or password invalid).
    #[error("{0}")]
    Refused(#[from] AuthError),
}

/// Adds the user `name` with `password` and `role` to the journal in `state_dir`. Slow: one argon2
/// hash at `config.password_cost`.
pub fn add_user(
    state_dir: &Path,
    name: &str,
    password: &str,
    role: Role,
    config: AuthConfig,
) -> Result<(), OfflineUserError> {
    let path = state_dir.join(JOURNAL_FILE);
    if !path.is_file() {
        return Err(OfflineUserError::NoJournal(path));
    }
    let mut store = RedbStore::open(&path).map_err(|error| OfflineUserError::Locked { path: path.clone(), error })?;
    let journal_error = |error| OfflineUserError::Journal { path: path.clone(), error };
    let recovered = RecoveredState::recover(&store as &dyn JournalStore, Money::ZERO).map_err(journal_error)?;
    // Adding a user signs nothing, so the daemon's key is not needed (nor read): a fixed key serves.
    let key = JwtKey::from_bytes(vec![0; crate::auth::key::MIN_KEY_BYTES]).expect("the minimum length is accepted");
    let mut state = AuthState::new(&key, config);
    recovered.auth_events.iter().for_each(|event| state.apply(event));
    let event = state.add_user(name, password, role, LiveClock.now())?;
    let record = JournalRecord::Auth { event }.encode().map_err(journal_error)?;
    store.append_batch(&[record]).map_err(journal_error)?;
    Ok(())
}

/// Reads the password from the first line of `input` (without its line ending), so both
/// `printf '%s' "$PW" | traderd user add ...` and typing it followed by Enter work.
pub fn read_password(mut input: impl std::io::BufRead) -> std::io::Result<String> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let end = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(end);
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::bootstrap;

    fn temp_dir(name: &str) -> PathBuf {
        let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("traderd-{name}-{}-{unique}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn replayed(dir: &Path) -> AuthState {
        let store = RedbStore::open(dir.join(JOURNAL_FILE)).unwrap();
        let recovered = RecoveredState::recover(&store as &dyn JournalStore, Money::ZERO).unwrap();
        let mut state = AuthState::new(&JwtKey::from_bytes(vec![7; 32]).unwrap(), AuthConfig::for_tests());
        recovered.auth_events.iter().for_each(|event| state.apply(event));
        state
    }

    #[test]
    fn a_user_added_offline_can_log_in_after_replay() {
        let dir = temp_dir("offline-user");
        // A journal from an earlier run, with the bootstrap admin in it.
        {
            let mut store = RedbStore::open(dir.join(JOURNAL_FILE)).unwrap();
            let mut state = AuthState::new(&JwtKey::from_bytes(vec![7; 32]).unwrap(), AuthConfig::for_tests());
            let boot = bootstrap(&mut state, LiveClock.now()).unwrap().unwrap();
            let records: Vec<Vec<u8>> =
                boot.events.into_iter().map(|event| JournalRecord::Auth { event }.encode().unwrap()).collect();
            store.append_batch(&records).unwrap();
        }
        add_user(&dir, "asha", "a long enough password", Role::Trader, AuthConfig::for_tests()).unwrap();
        let mut state = replayed(&dir);
        let names: Vec<(String, Role)> = state.users().into_iter().map(|u| (u.name, u.role)).collect();
        assert_eq!(names, [("admin".to_owned(), Role::Admin), ("asha".to_owned(), Role::Trader)]);
        assert!(state.login("asha", "a long enough password", LiveClock.now()).is_ok());

        let again = add_user(&dir, "asha", "another long password", Role::Viewer, AuthConfig::for_tests());
        assert_eq!(again.unwrap_err().to_string(), "username: `asha` already exists");
        let short = add_user(&dir, "ravi", "short", Role::Viewer, AuthConfig::for_tests()).unwrap_err();
        assert!(short.to_string().starts_with("password: too short"), "{short}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_a_missing_or_held_journal() {
        let dir = temp_dir("offline-held");
        let missing = add_user(&dir, "asha", "a long enough password", Role::Trader, AuthConfig::for_tests());
        assert!(matches!(missing, Err(OfflineUserError::NoJournal(_))), "{missing:?}");
        let _held = RedbStore::open(dir.join(JOURNAL_FILE)).unwrap();
        let held = add_user(&dir, "asha", "a long enough password", Role::Trader, AuthConfig::for_tests()).unwrap_err();
        assert!(matches!(held, OfflineUserError::Locked { .. }), "{held:?}");
        assert!(held.to_string().contains("stop it first"), "{held}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_password_is_the_first_line_without_its_ending() {
        assert_eq!(read_password(&b"secret words here\r\nignored"[..]).unwrap(), "secret words here");
        assert_eq!(read_password(&b"no newline"[..]).unwrap(), "no newline");
        assert_eq!(read_password(&b""[..]).unwrap(), "");
    }
}
