//! `AuthService`: the control plane's handle on [`AuthState`] — a lock around it, the journal every
//! change goes to, and the rule that a request is answered only once its events are durable.
//!
//! argon2 work runs on tokio's blocking pool, never on the async workers: checking a password runs
//! under the read lock (other requests keep being verified), hashing a new one runs with no lock at
//! all, and only the quick state change takes the write lock.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::http::StatusCode;
use trader::time::{Clock, LiveClock, Timestamp};

use super::error::ApiError;
use crate::auth::name::check_name;
use crate::auth::password::hash_password;
use crate::auth::store::UserSummary;
use crate::auth::{AuthError, AuthEvent, AuthState, Principal, Role, Tokens};
use crate::journal::JournalHandle;
use crate::records::JournalRecord;

/// Password checks and hashes running at once. Each takes argon2's memory (19 MiB at the default
/// cost) and a core for tens of milliseconds; without a bound, a burst of logins would take the
/// blocking pool's 512 threads and gigabytes of memory. Later requests wait their turn.
pub const MAX_CONCURRENT_PASSWORD_WORK: usize = 4;

/// Authentication state shared by the handlers, journaling every change.
pub struct AuthService {
    state: RwLock<AuthState>,
    journal: JournalHandle,
    password_work: tokio::sync::Semaphore,
    /// `metrics.public` from the config: `/metrics` without a token.
    pub metrics_public: bool,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").field("metrics_public", &self.metrics_public).finish_non_exhaustive()
    }
}

impl AuthService {
    /// Wraps a state already replayed from the journal (and bootstrapped).
    pub fn new(state: AuthState, journal: JournalHandle, metrics_public: bool) -> AuthService {
        AuthService {
            state: RwLock::new(state),
            journal,
            metrics_public,
            password_work: tokio::sync::Semaphore::new(MAX_CONCURRENT_PASSWORD_WORK),
        }
    }

    // A panic while holding the lock cannot leave the state half-changed (`apply` is the only
    // mutation and does not panic on input), so a poisoned lock is still usable.
    fn read(&self) -> RwLockReadGuard<'_, AuthState> {
        self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, AuthState> {
        self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Verifies the credential of an `Authorization: Bearer` header (or the stream's `?token=`).
    /// Cheap (an HMAC or a SHA-256), so it runs inline.
    pub fn verify_bearer(&self, token: &str) -> Result<Principal, AuthError> {
        self.read().verify_bearer(token, LiveClock.now())
    }

    /// Checks a password (on the blocking pool, under the read lock) and starts a session.
    pub async fn login(self: &Arc<Self>, username: String, password: String) -> Result<Tokens, ApiError> {
        let permit = self.password_permit().await?;
        let service = Arc::clone(self);
        let authenticated = tokio::task::spawn_blocking(move || service.read().authenticate(&username, &password))
            .await
            .map_err(|_| internal("the password check did not finish"))?
            .map_err(auth_error)?;
        drop(permit);
        let (tokens, events) = self.write().start_session(authenticated, LiveClock.now()).map_err(auth_error)?;
        self.journal_events(events).await?;
        Ok(tokens)
    }

    /// Rotates a refresh token. A reused one revokes its session: that revocation is journaled
    /// before the refusal is answered.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, ApiError> {
        let outcome = self.write().refresh(refresh_token, LiveClock.now());
        self.journal_events(outcome.events).await?;
        outcome.result.map_err(auth_error)
    }

    /// Ends the session of `token` (a refresh token or an access token).
    pub async fn logout(&self, token: &str) -> Result<(), ApiError> {
        let events = self.write().logout(token, LiveClock.now()).map_err(auth_error)?;
        self.journal_events(events).await
    }

    /// Creates a user with a password. The hash is computed on the blocking pool with no lock
    /// held; the name is checked again under the write lock in case two requests raced.
    pub async fn add_user(
        self: &Arc<Self>,
        username: String,
        password: String,
        role: Role,
    ) -> Result<UserSummary, ApiError> {
        check_name("username", &username).map_err(auth_error)?;
        if self.read().users().iter().any(|user| user.name == username) {
            return Err(auth_error(AuthError::UserExists(username)));
        }
        let cost = self.read().config().password_cost;
        let permit = self.password_permit().await?;
        let hash = tokio::task::spawn_blocking(move || hash_password(&password, cost))
            .await
            .map_err(|_| internal("the password hash did not finish"))?
            .map_err(|error| auth_error(AuthError::Password(error)))?;
        drop(permit);
        let event = {
            let mut state = self.write();
            if state.users().iter().any(|user| user.name == username) {
                return Err(auth_error(AuthError::UserExists(username)));
            }
            let event =
                AuthEvent::UserAdded { name: username.clone(), role, password_hash: Some(hash), at: LiveClock.now() };
            state.apply(&event);
            event
        };
        self.journal_events(vec![event]).await?;
        Ok(UserSummary { name: username, role, disabled: false, has_password: true })
    }

    async fn password_permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        // The semaphore is never closed; an error here would be a bug, answered as a 500.
        self.password_work.acquire().await.map_err(|_| internal("the password work queue is closed"))
    }

    /// Drops ended sessions and expired revocations, journaling the event if there was any.
    pub async fn prune(&self, now: Timestamp) -> Result<(), ApiError> {
        let event = self.write().prune(now);
        self.journal_events(event.into_iter().collect()).await
    }

    /// Appends each event to the journal and waits until all are durable. The state already
    /// reflects them (see `auth::store`): on failure the request fails, which is the safe side.
    async fn journal_events(&self, events: Vec<AuthEvent>) -> Result<(), ApiError> {
        let mut acks = Vec::with_capacity(events.len());
        for event in events {
            let bytes = JournalRecord::Auth { event }.encode().map_err(|e| journal_unavailable(&e))?;
            acks.push(self.journal.append(bytes).map_err(|e| journal_unavailable(&e))?);
        }
        for ack in acks {
            ack.wait().await.map_err(|e| journal_unavailable(&e))?;
        }
        Ok(())
    }
}

/// The API's answer to an [`AuthError`]: 401 for a failure to authenticate, 400/404/409 for a
/// refused management request, 500 for an internal fault. The message never contains a secret.
pub fn auth_error(error: AuthError) -> ApiError {
    let status = if error.is_unauthenticated() {
        StatusCode::UNAUTHORIZED
    } else {
        match error {
            AuthError::InvalidName { .. } | AuthError::Password(_) => StatusCode::BAD_REQUEST,
            AuthError::UserExists(_) | AuthError::ApiTokenExists(_) => StatusCode::CONFLICT,
            AuthError::UnknownUser(_) | AuthError::UnknownApiToken(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    };
    let mut api = ApiError::new(status, error.code(), error.to_string());
    if let AuthError::InvalidName { field, reason } = &error {
        api.fields.insert((*field).to_owned(), (*reason).to_owned());
    }
    if let AuthError::Password(reason) = &error {
        let reason = reason.to_string();
        let reason = reason.strip_prefix("password: ").map_or(reason.clone(), str::to_owned);
        api.fields.insert("password".to_owned(), reason);
    }
    api
}

fn internal(message: &str) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
}

fn journal_unavailable(error: &dyn std::fmt::Display) -> ApiError {
    ApiError::unavailable(format!("journal: {error}; the change was not made durable"))
}
