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
use crate::auth::store::{ApiTokenSummary, UserSummary, UserUpdate};
use crate::auth::{AuthError, AuthEvent, AuthState, PasswordHash, Principal, Role, Tokens, Via};
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
        let (event, summary) = {
            let mut state = self.write();
            if state.users().iter().any(|user| user.name == username) {
                return Err(auth_error(AuthError::UserExists(username)));
            }
            let event =
                AuthEvent::UserAdded { name: username.clone(), role, password_hash: Some(hash), at: LiveClock.now() };
            state.apply(&event);
            (event, state.user(&username))
        };
        self.journal_events(vec![event]).await?;
        summary.ok_or_else(|| internal("the user just created is missing"))
    }

    /// Every user, by name (no hashes).
    pub fn users(&self) -> Vec<UserSummary> {
        self.read().users()
    }

    /// Every active API token, by name (no secrets).
    pub fn api_tokens(&self) -> Vec<ApiTokenSummary> {
        self.read().api_tokens()
    }

    /// Changes a user's role, enables or disables them, and/or resets their password — all or
    /// nothing (see [`AuthState::update_user`]: the last enabled admin stays, disabling ends the
    /// user's sessions and revokes their API tokens). A new password is policy-checked and hashed
    /// first, with no lock held.
    pub async fn update_user(
        self: &Arc<Self>,
        username: &str,
        role: Option<Role>,
        disabled: Option<bool>,
        password: Option<String>,
    ) -> Result<UserSummary, ApiError> {
        if self.read().user(username).is_none() {
            return Err(auth_error(AuthError::UnknownUser(username.to_owned())));
        }
        let password_hash = match password {
            Some(password) => Some(self.hash(password).await?),
            None => None,
        };
        let update = UserUpdate { role, disabled, password_hash };
        let (events, summary) = {
            let mut state = self.write();
            let events = state.update_user(username, update, LiveClock.now()).map_err(auth_error)?;
            (events, state.user(username))
        };
        self.journal_events(events).await?;
        summary.ok_or_else(|| internal("the user just changed is missing"))
    }

    /// A user's own password change: `current` must be their password now; `session` (the
    /// caller's access token) names the session that stays, every other one of theirs ends.
    pub async fn change_password(
        self: &Arc<Self>,
        username: String,
        session: &str,
        current: String,
        new: String,
    ) -> Result<(), ApiError> {
        let keep = self.read().session_of(session, LiveClock.now());
        let permit = self.password_permit().await?;
        let service = Arc::clone(self);
        let name = username.clone();
        tokio::task::spawn_blocking(move || service.read().authenticate(&name, &current))
            .await
            .map_err(|_| internal("the password check did not finish"))?
            .map_err(|_| {
                let mut error = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "wrong_password",
                    "current_password: is not the password of this user",
                );
                error.fields.insert("current_password".to_owned(), "is not the password of this user".to_owned());
                error
            })?;
        drop(permit);
        let hash = self.hash(new).await?;
        let events =
            self.write().password_changed(&username, hash, keep.as_deref(), LiveClock.now()).map_err(auth_error)?;
        self.journal_events(events).await
    }

    /// Creates an API token owned by `owner`; returns its text (shown once) and its listing.
    pub async fn create_api_token(
        &self,
        name: &str,
        role: Role,
        owner: &str,
    ) -> Result<(String, ApiTokenSummary), ApiError> {
        let (text, event, summary) = {
            let mut state = self.write();
            let (text, event) = state.create_api_token(name, role, owner, LiveClock.now()).map_err(auth_error)?;
            let summary = state.api_tokens().into_iter().find(|token| token.name == name);
            (text, event, summary)
        };
        self.journal_events(vec![event]).await?;
        let summary = summary.ok_or_else(|| internal("the API token just created is missing"))?;
        Ok((text, summary))
    }

    /// Revokes the API token with id `id`; returns what it was.
    pub async fn revoke_api_token(&self, id: &str) -> Result<ApiTokenSummary, ApiError> {
        let (event, summary) = {
            let mut state = self.write();
            let summary = state.api_tokens().into_iter().find(|token| token.id == id);
            let event = state.revoke_api_token_id(id, LiveClock.now()).map_err(auth_error)?;
            (event, summary)
        };
        self.journal_events(vec![event]).await?;
        summary.ok_or_else(|| internal("the API token just revoked was not listed"))
    }

    /// The user an API token or session acts for: the username for a session, the token's owner
    /// for an API token (`None` if that token is gone).
    pub fn owner_of(&self, principal: &Principal) -> Option<String> {
        match &principal.via {
            Via::Session => Some(principal.name.clone()),
            Via::ApiToken(name) => self.read().api_token_owner(name),
        }
    }

    /// Checks the password policy and hashes on the blocking pool, with no lock held.
    async fn hash(&self, password: String) -> Result<PasswordHash, ApiError> {
        let cost = self.read().config().password_cost;
        let permit = self.password_permit().await?;
        let hash = tokio::task::spawn_blocking(move || hash_password(&password, cost))
            .await
            .map_err(|_| internal("the password hash did not finish"))?
            .map_err(|error| auth_error(AuthError::Password(error)))?;
        drop(permit);
        Ok(hash)
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
            AuthError::UserExists(_) | AuthError::ApiTokenExists(_) | AuthError::LastAdmin(_) => StatusCode::CONFLICT,
            AuthError::UnknownUser(_) | AuthError::UnknownApiToken(_) | AuthError::UnknownApiTokenId(_) => {
                StatusCode::NOT_FOUND
            }
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
