//! `AuthService`: the control plane's handle on [`AuthState`] — a lock around it, the journal every
//! change goes to, and the rule that a request is answered only once its events are durable.
//!
//! argon2 work runs on tokio's blocking pool, never on the async workers: checking a password runs
//! under the read lock (other requests keep being verified), hashing a new one runs with no lock at
//! all, and only the quick state change takes the write lock.

use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::http::StatusCode;
use trader::time::{Clock, LiveClock, Timestamp};

use super::error::ApiError;
use crate::auth::name::check_name;
use crate::auth::password::hash_password;
use crate::auth::store::{ApiTokenSummary, UserSummary, UserUpdate};
use crate::auth::{AuthError, AuthEvent, AuthState, PasswordHash, Principal, Role, Tokens, Via};
use crate::journal::{JournalHandle, PendingAck};
use crate::records::JournalRecord;

/// Password checks and hashes running at once. Each takes argon2's memory (19 MiB at the default
/// cost) and a core for tens of milliseconds; without a bound, a burst of logins would take the
/// blocking pool's 512 threads and gigabytes of memory. Later requests wait their turn.
pub const MAX_CONCURRENT_PASSWORD_WORK: usize = 4;

/// Authentication state shared by the handlers, journaling every change.
///
/// Every change is applied and queued to the journal under the one write lock, so the journal
/// holds events in the order they were applied (a replayed revocation never precedes the session
/// it revokes). Events the journal refused (queue full) are kept in `unwritten`, already in force,
/// and queued again before anything else on the next change or prune: a retried request finds
/// nothing to change in memory, but its earlier events still reach the journal before it answers.
pub struct AuthService {
    state: RwLock<AuthState>,
    journal: JournalHandle,
    /// Applied but not yet queued to the journal, oldest first. Locked only under `state`'s write
    /// lock.
    unwritten: Mutex<Vec<AuthEvent>>,
    /// Bumped after every change, so long-lived connections (the event stream) check their
    /// credential again at once rather than at their next periodic check.
    changes: tokio::sync::watch::Sender<u64>,
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
            unwritten: Mutex::new(Vec::new()),
            changes: tokio::sync::watch::Sender::new(0),
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

    /// A receiver that sees a new value after every change to users, sessions or tokens.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Events applied but not yet accepted by the journal (a full queue refused them).
    pub fn unwritten(&self) -> usize {
        self.unwritten.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    /// Runs `change` under the write lock and queues its events — after any left unwritten by an
    /// earlier failure — to the journal before the lock is released, then waits, lock released,
    /// until they are durable. `change` returns its answer and the events it applied (an answer
    /// may be an error *with* events: a refresh that detected reuse).
    async fn change<T>(
        &self,
        change: impl FnOnce(&mut AuthState) -> (Result<T, ApiError>, Vec<AuthEvent>),
    ) -> Result<T, ApiError> {
        let (answer, acks) = {
            let mut state = self.write();
            let (answer, events) = change(&mut state);
            if !events.is_empty() {
                self.changes.send_modify(|generation| *generation = generation.wrapping_add(1));
            }
            (answer, self.queue(events))
        };
        for ack in acks? {
            ack.wait().await.map_err(|e| journal_unavailable(&e))?;
        }
        answer
    }

    /// Queues the unwritten events, then `events`, in order; whatever the journal refuses (with
    /// all that follows it) stays unwritten for the next attempt, so the journal's order stays the
    /// order of application. An event that cannot be encoded would stay at the head and refuse
    /// every later change (503): fail-stop rather than journal around it. Call under the write lock.
    fn queue(&self, events: Vec<AuthEvent>) -> Result<Vec<PendingAck>, ApiError> {
        let mut unwritten = self.unwritten.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        unwritten.extend(events);
        let mut acks = Vec::with_capacity(unwritten.len());
        let mut queued = 0;
        let mut failure = None;
        for event in unwritten.iter() {
            let appended = JournalRecord::Auth { event: event.clone() }
                .encode()
                .map_err(|e| journal_unavailable(&e))
                .and_then(|bytes| self.journal.append(bytes).map_err(|e| journal_unavailable(&e)));
            match appended {
                Ok(ack) => {
                    acks.push(ack);
                    queued += 1;
                }
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        unwritten.drain(..queued);
        match failure {
            None => Ok(acks),
            Some(error) => {
                tracing::warn!(
                    unwritten = unwritten.len(),
                    "auth changes in force but not yet journaled; queued again on the next change"
                );
                Err(error)
            }
        }
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
        self.change(|state| match state.start_session(authenticated, LiveClock.now()) {
            Ok((tokens, events)) => (Ok(tokens), events),
            Err(error) => (Err(auth_error(error)), Vec::new()),
        })
        .await
    }

    /// Rotates a refresh token. A reused one revokes its session: that revocation is journaled
    /// before the refusal is answered.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, ApiError> {
        self.change(|state| {
            let outcome = state.refresh(refresh_token, LiveClock.now());
            (outcome.result.map_err(auth_error), outcome.events)
        })
        .await
    }

    /// Ends the session of `token` (a refresh token or an access token).
    pub async fn logout(&self, token: &str) -> Result<(), ApiError> {
        self.change(|state| split(state.logout(token, LiveClock.now()).map(|events| ((), events)))).await
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
        self.read().check_new_username(&username).map_err(auth_error)?;
        let hash = self.hash(password).await?;
        self.change(|state| {
            // Again under the write lock: another request may have taken the name meanwhile.
            if let Err(error) = state.check_new_username(&username) {
                return (Err(auth_error(error)), Vec::new());
            }
            let event =
                AuthEvent::UserAdded { name: username.clone(), role, password_hash: Some(hash), at: LiveClock.now() };
            state.apply(&event);
            (state.user(&username).ok_or_else(|| internal("the user just created is missing")), vec![event])
        })
        .await
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
        self.change(|state| match state.update_user(username, update, LiveClock.now()) {
            Ok(events) => (state.user(username).ok_or_else(|| internal("the user just changed is missing")), events),
            Err(error) => (Err(auth_error(error)), Vec::new()),
        })
        .await
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
        self.change(|state| {
            split(state.password_changed(&username, hash, keep.as_deref(), LiveClock.now()).map(|events| ((), events)))
        })
        .await
    }

    /// Creates an API token owned by `owner`; returns its text (shown once) and its listing.
    pub async fn create_api_token(
        &self,
        name: &str,
        role: Role,
        owner: &str,
    ) -> Result<(String, ApiTokenSummary), ApiError> {
        self.change(|state| match state.create_api_token(name, role, owner, LiveClock.now()) {
            Ok((text, event)) => {
                let summary = state.api_tokens().into_iter().find(|token| token.name == name);
                let summary = summary.ok_or_else(|| internal("the API token just created is missing"));
                (summary.map(|summary| (text, summary)), vec![event])
            }
            Err(error) => (Err(auth_error(error)), Vec::new()),
        })
        .await
    }

    /// Revokes the API token with id `id`; returns what it was.
    pub async fn revoke_api_token(&self, id: &str) -> Result<ApiTokenSummary, ApiError> {
        self.change(|state| {
            let summary = state.api_tokens().into_iter().find(|token| token.id == id);
            match state.revoke_api_token_id(id, LiveClock.now()) {
                Ok(event) => {
                    (summary.ok_or_else(|| internal("the API token just revoked was not listed")), vec![event])
                }
                Err(error) => (Err(auth_error(error)), Vec::new()),
            }
        })
        .await
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

    /// Drops ended sessions and expired revocations, journaling the event if there was any. Also
    /// queues any events an earlier change left unwritten, so they reach the journal even when
    /// no request comes.
    pub async fn prune(&self, now: Timestamp) -> Result<(), ApiError> {
        self.change(|state| (Ok(()), state.prune(now).into_iter().collect())).await
    }
}

/// An operation's result as `change` wants it: the answer and the events (none on refusal).
fn split<T>(result: Result<(T, Vec<AuthEvent>), AuthError>) -> (Result<T, ApiError>, Vec<AuthEvent>) {
    match result {
        Ok((answer, events)) => (Ok(answer), events),
        Err(error) => (Err(auth_error(error)), Vec::new()),
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
            AuthError::UserExists(_)
            | AuthError::ApiTokenExists(_)
            | AuthError::NameInUse { .. }
            | AuthError::LastAdmin(_) => StatusCode::CONFLICT,
            AuthError::RoleExceedsOwner { .. } => StatusCode::FORBIDDEN,
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
    if let AuthError::NameInUse { field, holder, .. } = &error {
        api.fields.insert((*field).to_owned(), format!("is already the name of {holder}"));
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

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;
    use std::sync::mpsc::{channel, Receiver, Sender};

    use super::*;
    use crate::auth::{AuthConfig, JwtKey};
    use crate::journal::{JournalConfig, JournalError, JournalStore, JournalWriter, MemoryStore, ReplayFn};
    use crate::records::decode_record;

    /// A store that holds every batch until the test drops the gate's sender.
    struct GatedStore {
        inner: MemoryStore,
        entered: Sender<()>,
        gate: Receiver<()>,
    }

    impl JournalStore for GatedStore {
        fn append_batch(&mut self, records: &[Vec<u8>]) -> Result<u64, JournalError> {
            let _ = self.entered.send(());
            let _ = self.gate.recv(); // Err once the test dropped the sender: open for good.
            self.inner.append_batch(records)
        }

        fn replay(&self, from_seq: u64, f: &mut ReplayFn<'_>) -> Result<(), JournalError> {
            self.inner.replay(from_seq, f)
        }

        fn last_sequence(&self) -> Result<u64, JournalError> {
            self.inner.last_sequence()
        }
    }

    fn key() -> JwtKey {
        JwtKey::from_bytes(vec![9; 32]).unwrap()
    }

    fn replay(store: &MemoryStore) -> AuthState {
        let mut state = AuthState::new(&key(), AuthConfig::for_tests());
        store
            .replay(1, &mut |sequence, bytes| {
                if let Ok(JournalRecord::Auth { event }) = decode_record(bytes, sequence) {
                    state.apply(&event);
                }
                Ok(())
            })
            .unwrap();
        state
    }

    /// Security review finding 3: a change the journal refused stays in force in memory; the
    /// retry, which finds nothing left to change, must still make it durable before answering.
    #[tokio::test]
    async fn a_change_the_journal_refused_is_written_by_the_retry() {
        let (entered_tx, entered) = channel();
        let (gate, gate_rx) = channel();
        let store = GatedStore { inner: MemoryStore::new(), entered: entered_tx, gate: gate_rx };
        let config = JournalConfig { queue_capacity: NonZeroUsize::new(2).unwrap(), max_batch: NonZeroUsize::MIN };
        let (journal, writer) = JournalWriter::start(store, config).unwrap();
        let now = LiveClock.now();
        let mut state = AuthState::new(&key(), AuthConfig::for_tests());
        // Made durable first, as a replayed journal would be.
        let mut setup = vec![
            state.add_user_without_password("root", Role::Admin, now).unwrap(),
            state.add_user_without_password("bob", Role::Admin, now).unwrap(),
        ];
        let (bob_token, event) = state.create_api_token("ci", Role::Admin, "bob", now).unwrap();
        setup.push(event);
        let service = Arc::new(AuthService::new(state, journal.clone(), false));
        let filler = || JournalRecord::Auth { event: AuthEvent::Pruned { now: Timestamp::from_nanos(0) } }.encode();
        for event in setup {
            let ack = journal.append(JournalRecord::Auth { event }.encode().unwrap()).unwrap();
            gate.send(()).unwrap();
            entered.recv().unwrap();
            ack.await.unwrap();
        }
        // One batch held in the store, two records waiting: the queue (capacity 2) is full.
        drop(journal.append(filler().unwrap()).unwrap());
        entered.recv().unwrap();
        drop(journal.append(filler().unwrap()).unwrap());
        drop(journal.append(filler().unwrap()).unwrap());

        let refused = service.update_user("bob", None, Some(true), None).await.unwrap_err();
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(service.verify_bearer(&bob_token).is_err(), "the revocation is in force at once");
        assert_eq!(service.unwritten(), 2, "UserDisabled and ApiTokenRevoked wait");

        // The journal catches up; the retry changes nothing in memory but writes what waited.
        drop(gate);
        // The writer took both waiting records: the queue has room for the two events.
        entered.recv().unwrap();
        entered.recv().unwrap();
        let bob = service.update_user("bob", None, Some(true), None).await.unwrap();
        assert!(bob.disabled);
        assert_eq!(service.unwritten(), 0);

        journal.close();
        drop(service);
        let replayed = replay(&writer.join().unwrap().inner);
        assert!(replayed.user("bob").unwrap().disabled, "bob stays disabled after a restart");
        assert!(replayed.verify_bearer(&bob_token, LiveClock.now()).is_err());
        assert!(replayed.api_tokens().is_empty());
    }

    /// The prune tick writes what a failed change left, even when no request comes.
    #[tokio::test]
    async fn the_prune_tick_writes_what_was_left_unwritten() {
        let (entered_tx, entered) = channel();
        let (gate, gate_rx) = channel::<()>();
        let store = GatedStore { inner: MemoryStore::new(), entered: entered_tx, gate: gate_rx };
        let one = NonZeroUsize::new(1).unwrap();
        let (journal, writer) =
            JournalWriter::start(store, JournalConfig { queue_capacity: one, max_batch: one }).unwrap();
        let now = LiveClock.now();
        let mut state = AuthState::new(&key(), AuthConfig::for_tests());
        let root = state.add_user_without_password("root", Role::Admin, now).unwrap();
        let service = Arc::new(AuthService::new(state, journal.clone(), false));
        drop(journal.append(JournalRecord::Auth { event: root }.encode().unwrap()).unwrap());
        entered.recv().unwrap();
        drop(journal.append(JournalRecord::Auth { event: AuthEvent::Pruned { now } }.encode().unwrap()).unwrap());

        let refused = service.create_api_token("ci", Role::Viewer, "root").await.unwrap_err();
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(service.unwritten(), 1);
        drop(gate);
        entered.recv().unwrap();
        service.prune(now).await.unwrap();
        assert_eq!(service.unwritten(), 0);
        journal.close();
        drop(service);
        let replayed = replay(&writer.join().unwrap().inner);
        assert_eq!(replayed.api_tokens().len(), 1, "the token issued (and refused to the client) is journaled");
    }
}
