//! `AuthState`: users, sessions, API tokens and revocations, changed only through `AuthEvent`s.
//!
//! Each operation checks its input, mints what it needs (ids, secrets, signed tokens), then
//! applies its events to the state with [`AuthState::apply`] — the one mutation path, also used
//! for replay — and returns them for the journal. The state reflects a change before it is
//! durable, which fails closed: if journaling fails, answer the request with an error; a token
//! never handed out is harmless, and a revocation is already in force.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use trader::time::Timestamp;

use super::access_token::AccessTokens;
use super::config::{nanos, AuthConfig};
use super::entropy::random_id;
use super::error::AuthError;
use super::event::{AuthEvent, RevokeReason};
use super::key::JwtKey;
use super::name::check_name;
use super::opaque_token::{OpaqueKind, SecretDigest, API_TOKEN_PREFIX};
use super::password::{hash_password, verify_password, PasswordHash};
use super::principal::{Principal, Via};
use super::role::Role;

/// Tokens handed to a client after a login or refresh. `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Tokens {
    /// The access JWT.
    pub access_token: String,
    /// The refresh token `<id>.<secret>`.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

/// The result of an operation that may need journaling even when it fails: a refresh that
/// detects reuse revokes the session *and* reports an error.
#[derive(Debug)]
#[must_use = "journal the events even when the result is an error"]
pub struct Outcome<T> {
    /// Events to journal (already applied).
    pub events: Vec<AuthEvent>,
    /// What the caller gets.
    pub result: Result<T, AuthError>,
}

impl<T> Outcome<T> {
    fn refused(error: AuthError) -> Outcome<T> {
        Outcome { events: Vec::new(), result: Err(error) }
    }
}

/// Proof that a password was checked, for [`AuthState::start_session`]. Lets the slow argon2
/// check run under a shared borrow (a read lock) and only the session start take `&mut`.
#[derive(Debug)]
pub struct Authenticated {
    name: String,
}

/// A user as listed to administrators (no hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    /// Username.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Whether the user is disabled.
    pub disabled: bool,
    /// Whether password login is possible.
    pub has_password: bool,
    /// When the user was created.
    pub created: Timestamp,
    /// When the user last logged in with a password, if ever.
    pub last_login: Option<Timestamp>,
}

/// An API token as listed to administrators (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenSummary {
    /// Id: the part of the token text after `trd_` and before the secret. Not a credential.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The user it was created for.
    pub owner: String,
    /// When it was created.
    pub created: Timestamp,
}

/// A change to one user, made at once or not at all ([`AuthState::update_user`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// A new role.
    pub role: Option<Role>,
    /// Disable (`true`) or enable (`false`).
    pub disabled: Option<bool>,
    /// A new password, already hashed (hashing is slow: do it before taking a lock).
    pub password_hash: Option<PasswordHash>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct User {
    role: Role,
    password_hash: Option<PasswordHash>,
    disabled: bool,
    created: Timestamp,
    /// From `SessionStarted` events, so it needs no event of its own and survives pruning.
    last_login: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RefreshRecord {
    id: String,
    digest: SecretDigest,
    expires: Timestamp,
}

/// One login's chain of refresh tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Family {
    user: String,
    session_expires: Timestamp,
    current: RefreshRecord,
    /// Rotated tokens by id: presenting one again is reuse.
    used: BTreeMap<String, SecretDigest>,
    revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ApiToken {
    name: String,
    role: Role,
    digest: SecretDigest,
    created: Timestamp,
    owner: String,
}

/// Everything events build. Ordered maps, so pruning and listing are deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Records {
    users: BTreeMap<String, User>,
    families: BTreeMap<String, Family>,
    /// Every refresh token id, current or used, to its family.
    refresh_ids: BTreeMap<String, String>,
    api_tokens: BTreeMap<String, ApiToken>,
    /// Active API token names to ids.
    api_names: BTreeMap<String, String>,
    /// Revoked access-token `jti`s to their expiry.
    revoked_jtis: BTreeMap<String, Timestamp>,
}

/// Users, sessions, API tokens and revocations, with the operations the API needs.
pub struct AuthState {
    config: AuthConfig,
    access: AccessTokens,
    records: Records,
    /// Hash checked when the user cannot log in anyway, so a refusal takes as long whether or not
    /// the user exists (no username probing by timing).
    dummy_hash: OnceLock<Option<PasswordHash>>,
}

impl fmt::Debug for AuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthState")
            .field("users", &self.records.users.len())
            .field("sessions", &self.records.families.len())
            .field("api_tokens", &self.records.api_tokens.len())
            .finish_non_exhaustive()
    }
}

impl AuthState {
    /// An empty state signing with `key`. Replay the journal's events into it with [`apply`].
    ///
    /// [`apply`]: AuthState::apply
    pub fn new(key: &JwtKey, config: AuthConfig) -> AuthState {
        AuthState { config, access: AccessTokens::new(key), records: Records::default(), dummy_hash: OnceLock::new() }
    }

    /// The lifetimes and password cost in force.
    pub fn config(&self) -> AuthConfig {
        self.config
    }

    /// Whether any user exists (no user: bootstrap).
    pub fn has_users(&self) -> bool {
        !self.records.users.is_empty()
    }

    /// All users, by name.
    pub fn users(&self) -> Vec<UserSummary> {
        let records = &self.records.users;
        records
            .iter()
            .map(|(name, user)| UserSummary {
                name: name.clone(),
                role: user.role,
                disabled: user.disabled,
                has_password: user.password_hash.is_some(),
                created: user.created,
                last_login: user.last_login,
            })
            .collect()
    }

    /// The user called `name`, if any.
    pub fn user(&self, name: &str) -> Option<UserSummary> {
        self.users().into_iter().find(|user| user.name == name)
    }

    /// All active API tokens, by name.
    pub fn api_tokens(&self) -> Vec<ApiTokenSummary> {
        let records = &self.records;
        records
            .api_names
            .values()
            .filter_map(|id| Some((id, records.api_tokens.get(id)?)))
            .map(|(id, token)| ApiTokenSummary {
                id: id.clone(),
                name: token.name.clone(),
                role: token.role,
                owner: token.owner.clone(),
                created: token.created,
            })
            .collect()
    }

    /// The owner of the active API token called `name` (`None` if there is no such token).
    pub fn api_token_owner(&self, name: &str) -> Option<String> {
        let id = self.records.api_names.get(name)?;
        Some(self.records.api_tokens.get(id)?.owner.clone())
    }

    // ---- users ----

    /// Creates a user with a password (policy-checked, argon2id-hashed). Slow: one hash.
    pub fn add_user(&mut self, name: &str, password: &str, role: Role, now: Timestamp) -> Result<AuthEvent, AuthError> {
        self.check_new_username(name)?;
        let hash = hash_password(password, self.config.password_cost)?;
        Ok(self.commit1(AuthEvent::UserAdded { name: name.to_string(), role, password_hash: Some(hash), at: now }))
    }

    /// Creates a user who cannot log in with a password until one is set (the bootstrap admin).
    pub(crate) fn add_user_without_password(
        &mut self,
        name: &str,
        role: Role,
        now: Timestamp,
    ) -> Result<AuthEvent, AuthError> {
        self.check_new_username(name)?;
        Ok(self.commit1(AuthEvent::UserAdded { name: name.to_string(), role, password_hash: None, at: now }))
    }

    /// Sets or changes a user's password. Existing sessions stay valid. Slow: one hash.
    pub fn set_password(&mut self, name: &str, password: &str, now: Timestamp) -> Result<AuthEvent, AuthError> {
        if !self.records.users.contains_key(name) {
            return Err(AuthError::UnknownUser(name.to_string()));
        }
        let hash = hash_password(password, self.config.password_cost)?;
        Ok(self.commit1(AuthEvent::PasswordSet { name: name.to_string(), password_hash: hash, at: now }))
    }

    /// Disables a user (ending all their sessions and revoking the API tokens they own, at once)
    /// or enables them again. Refused if it would leave no enabled admin.
    pub fn set_disabled(&mut self, name: &str, disabled: bool, now: Timestamp) -> Result<Vec<AuthEvent>, AuthError> {
        self.update_user(name, UserUpdate { disabled: Some(disabled), ..UserUpdate::default() }, now)
    }

    /// Changes a user's role. Refused if it would leave no enabled admin.
    pub fn set_role(&mut self, name: &str, role: Role, now: Timestamp) -> Result<Vec<AuthEvent>, AuthError> {
        self.update_user(name, UserUpdate { role: Some(role), ..UserUpdate::default() }, now)
    }

    /// Applies every part of `update` or none: the role, enabling or disabling (disabling ends
    /// the user's sessions and revokes the API tokens they own), and a password reset (which ends
    /// their sessions too: whoever knew the old password is out). Refused with
    /// [`AuthError::LastAdmin`] if no enabled admin would remain, so someone can always manage
    /// users.
    pub fn update_user(&mut self, name: &str, update: UserUpdate, now: Timestamp) -> Result<Vec<AuthEvent>, AuthError> {
        let user = self.records.users.get(name).ok_or_else(|| AuthError::UnknownUser(name.to_string()))?;
        let role = update.role.unwrap_or(user.role);
        let disabled = update.disabled.unwrap_or(user.disabled);
        let was_enabled_admin = user.role == Role::Admin && !user.disabled;
        if was_enabled_admin && (role != Role::Admin || disabled) && self.enabled_admins() <= 1 {
            return Err(AuthError::LastAdmin(name.to_string()));
        }
        let mut events = Vec::new();
        if update.role.is_some_and(|role| role != user.role) {
            events.push(AuthEvent::RoleChanged { name: name.to_string(), role, at: now });
        }
        if update.disabled.is_some_and(|disabled| disabled != user.disabled) {
            events.push(AuthEvent::UserDisabled { name: name.to_string(), disabled, at: now });
        }
        let reason = if disabled {
            Some(RevokeReason::UserDisabled)
        } else if update.password_hash.is_some() {
            Some(RevokeReason::PasswordChanged)
        } else {
            None
        };
        if let Some(password_hash) = update.password_hash {
            events.push(AuthEvent::PasswordSet { name: name.to_string(), password_hash, at: now });
        }
        if let Some(reason) = reason {
            // Revoked rather than merely refused while disabled, so enabling the user later does
            // not bring old sessions back.
            events.extend(self.session_revocations(name, None, reason, now));
        }
        // Disabling revokes every token the user owns; a demotion those granting more than the new
        // role, so enabling or promoting the user again does not bring them back.
        let owned = self.records.api_tokens.iter().filter(|(_, token)| token.owner == name);
        let lost = owned.filter(|(_, token)| disabled || !role.covers(token.role));
        events.extend(lost.map(|(id, _)| AuthEvent::ApiTokenRevoked { id: id.clone(), at: now }));
        Ok(self.commit(events))
    }

    /// Records a user's own password change (the old password was checked by the caller, the new
    /// one hashed): every other session of theirs ends; `keep_family`, the session the change was
    /// made from, stays.
    pub fn password_changed(
        &mut self,
        name: &str,
        password_hash: PasswordHash,
        keep_family: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<AuthEvent>, AuthError> {
        if !self.records.users.contains_key(name) {
            return Err(AuthError::UnknownUser(name.to_string()));
        }
        let mut events = vec![AuthEvent::PasswordSet { name: name.to_string(), password_hash, at: now }];
        events.extend(self.session_revocations(name, keep_family, RevokeReason::PasswordChanged, now));
        Ok(self.commit(events))
    }

    /// Revocations of every live session of `name` but `keep_family`.
    fn session_revocations(
        &self,
        name: &str,
        keep_family: Option<&str>,
        reason: RevokeReason,
        now: Timestamp,
    ) -> Vec<AuthEvent> {
        self.records
            .families
            .iter()
            .filter(|(id, f)| f.user == name && !f.revoked && Some(id.as_str()) != keep_family)
            .map(|(family, _)| AuthEvent::SessionRevoked { family: family.clone(), reason, at: now })
            .collect()
    }

    /// Refuses a new username that is malformed, taken, or the name of an active API token.
    pub(crate) fn check_new_username(&self, name: &str) -> Result<(), AuthError> {
        check_name("username", name)?;
        if self.records.users.contains_key(name) {
            return Err(AuthError::UserExists(name.to_string()));
        }
        if self.records.api_names.contains_key(name) {
            return Err(AuthError::NameInUse { field: "username", name: name.to_string(), holder: "an API token" });
        }
        Ok(())
    }

    /// Users with the admin role who are not disabled.
    fn enabled_admins(&self) -> usize {
        self.records.users.values().filter(|user| user.role == Role::Admin && !user.disabled).count()
    }

    // ---- sessions ----

    /// Checks a password. Unknown user, disabled user, user without a password and wrong password
    /// are the same error and take the same time. Slow: one argon2 verification.
    pub fn authenticate(&self, name: &str, password: &str) -> Result<Authenticated, AuthError> {
        let hash = self.records.users.get(name).filter(|user| !user.disabled).and_then(|u| u.password_hash.as_ref());
        match hash {
            Some(hash) if verify_password(password, hash) => Ok(Authenticated { name: name.to_string() }),
            Some(_) => Err(AuthError::InvalidCredentials),
            None => {
                if let Some(dummy) = self.dummy_hash() {
                    verify_password(password, dummy);
                }
                Err(AuthError::InvalidCredentials)
            }
        }
    }

    /// Starts a session for an authenticated user: a new refresh-token family and an access token.
    pub fn start_session(
        &mut self,
        authenticated: Authenticated,
        now: Timestamp,
    ) -> Result<(Tokens, Vec<AuthEvent>), AuthError> {
        let name = authenticated.name;
        let role = match self.records.users.get(&name) {
            Some(user) if !user.disabled => user.role,
            // Disabled between the password check and now.
            _ => return Err(AuthError::InvalidCredentials),
        };
        let family = random_id()?;
        let session_expires = now.saturating_add(nanos(self.config.session_lifetime));
        let refresh = OpaqueKind::Refresh.mint()?;
        let (access_token, expires_in) = self.sign_access(&name, role, &family, now, session_expires)?;
        let event = AuthEvent::SessionStarted {
            family,
            user: name,
            token_id: refresh.id,
            digest: refresh.digest,
            expires: self.refresh_expiry(now, session_expires),
            session_expires,
            at: now,
        };
        let events = self.commit(vec![event]);
        Ok((Tokens { access_token, refresh_token: refresh.text, expires_in }, events))
    }

    /// [`authenticate`](AuthState::authenticate) then [`start_session`](AuthState::start_session).
    pub fn login(&mut self, name: &str, password: &str, now: Timestamp) -> Result<(Tokens, Vec<AuthEvent>), AuthError> {
        let authenticated = self.authenticate(name, password)?;
        self.start_session(authenticated, now)
    }

    /// Rotates a refresh token: the presented one becomes used, a new one (same session) and a new
    /// access token are issued. Presenting a used token revokes the whole session
    /// ([`AuthError::RefreshReused`], with the revocation in `events`).
    pub fn refresh(&mut self, token: &str, now: Timestamp) -> Outcome<Tokens> {
        let Some(presented) = OpaqueKind::Refresh.parse(token) else {
            return Outcome::refused(AuthError::InvalidToken);
        };
        let Some((family_id, family)) = self.family_of(presented.id) else {
            return Outcome::refused(AuthError::InvalidToken);
        };
        if family.current.id != presented.id {
            // A rotated token: reuse if the secret matches (stolen copy or replay), else garbage.
            return match family.used.get(presented.id) {
                Some(digest) if *digest == presented.digest && family.revoked => {
                    Outcome::refused(AuthError::TokenRevoked)
                }
                Some(digest) if *digest == presented.digest => {
                    let event = AuthEvent::SessionRevoked { family: family_id, reason: RevokeReason::Reuse, at: now };
                    Outcome { events: self.commit(vec![event]), result: Err(AuthError::RefreshReused) }
                }
                _ => Outcome::refused(AuthError::InvalidToken),
            };
        }
        if family.current.digest != presented.digest {
            return Outcome::refused(AuthError::InvalidToken);
        }
        if family.revoked {
            return Outcome::refused(AuthError::TokenRevoked);
        }
        if now >= family.current.expires || now >= family.session_expires {
            return Outcome::refused(AuthError::TokenExpired);
        }
        let role = match self.records.users.get(&family.user) {
            Some(user) if !user.disabled => user.role,
            _ => return Outcome::refused(AuthError::TokenRevoked),
        };
        let (user, session_expires, used_token_id) =
            (family.user.clone(), family.session_expires, family.current.id.clone());
        let minted = OpaqueKind::Refresh.mint().and_then(|refresh| {
            let access = self.sign_access(&user, role, &family_id, now, session_expires)?;
            Ok((refresh, access))
        });
        let (refresh, (access_token, expires_in)) = match minted {
            Ok(minted) => minted,
            Err(error) => return Outcome::refused(error),
        };
        let event = AuthEvent::SessionRefreshed {
            family: family_id,
            used_token_id,
            token_id: refresh.id,
            digest: refresh.digest,
            expires: self.refresh_expiry(now, session_expires),
            at: now,
        };
        let events = self.commit(vec![event]);
        Outcome { events, result: Ok(Tokens { access_token, refresh_token: refresh.text, expires_in }) }
    }

    /// Ends a session. `token` is the session's refresh token (current or rotated) or one of its
    /// unexpired access tokens (which is also revoked by `jti`). Logging out twice is not an error.
    pub fn logout(&mut self, token: &str, now: Timestamp) -> Result<Vec<AuthEvent>, AuthError> {
        let mut events = Vec::new();
        let family_id = if let Some(presented) = OpaqueKind::Refresh.parse(token) {
            let (family_id, family) = self.family_of(presented.id).ok_or(AuthError::InvalidToken)?;
            let digest = if family.current.id == presented.id {
                Some(&family.current.digest)
            } else {
                family.used.get(presented.id)
            };
            if digest != Some(&presented.digest) {
                return Err(AuthError::InvalidToken);
            }
            family_id
        } else {
            let claims = self.access.verify(token, now)?;
            if !self.records.revoked_jtis.contains_key(&claims.jti) {
                let expires = Timestamp::from_seconds(i64::try_from(claims.exp).unwrap_or(i64::MAX))
                    .unwrap_or(Timestamp::from_nanos(i64::MAX));
                events.push(AuthEvent::AccessRevoked { jti: claims.jti, expires });
            }
            claims.fam
        };
        if self.records.families.get(&family_id).is_some_and(|family| !family.revoked) {
            events.push(AuthEvent::SessionRevoked { family: family_id, reason: RevokeReason::Logout, at: now });
        }
        Ok(self.commit(events))
    }

    /// Verifies an access JWT (signature, kind, expiry) and that neither it, its session nor its
    /// user was revoked or disabled. The role is the user's current one.
    pub fn verify_access(&self, jwt: &str, now: Timestamp) -> Result<Principal, AuthError> {
        let claims = self.access.verify(jwt, now)?;
        if self.records.revoked_jtis.contains_key(&claims.jti) {
            return Err(AuthError::TokenRevoked);
        }
        let family = self.records.families.get(&claims.fam).ok_or(AuthError::InvalidToken)?;
        if family.user != claims.sub {
            return Err(AuthError::InvalidToken);
        }
        if family.revoked {
            return Err(AuthError::TokenRevoked);
        }
        match self.records.users.get(&claims.sub) {
            Some(user) if !user.disabled => Ok(Principal { name: claims.sub, role: user.role, via: Via::Session }),
            Some(_) => Err(AuthError::TokenRevoked),
            None => Err(AuthError::InvalidToken),
        }
    }

    // ---- API tokens ----

    /// Creates an API token with a unique `name` and one `role`, owned by the user `owner` (whose
    /// disabling revokes it). Returns the token text `trd_<id>_<secret>` — shown once, never
    /// stored — and the event.
    ///
    /// Refused unless `owner` exists, is enabled and has a role that covers `role` (checked here,
    /// under the caller's write lock, so an owner disabled or demoted a moment ago gets nothing),
    /// and when `name` is another user's name (users and tokens share one name space; a token may
    /// carry its own owner's name, like the bootstrap `admin` token).
    pub fn create_api_token(
        &mut self,
        name: &str,
        role: Role,
        owner: &str,
        now: Timestamp,
    ) -> Result<(String, AuthEvent), AuthError> {
        check_name("name", name)?;
        if self.records.api_names.contains_key(name) {
            return Err(AuthError::ApiTokenExists(name.to_string()));
        }
        if name != owner && self.records.users.contains_key(name) {
            return Err(AuthError::NameInUse { field: "name", name: name.to_string(), holder: "a user" });
        }
        match self.records.users.get(owner) {
            None => return Err(AuthError::UnknownUser(owner.to_string())),
            Some(user) if user.disabled => return Err(AuthError::OwnerDisabled(owner.to_string())),
            Some(user) if !user.role.covers(role) => {
                return Err(AuthError::RoleExceedsOwner { owner: owner.to_string(), role })
            }
            Some(_) => {}
        }
        let minted = OpaqueKind::Api.mint()?;
        let event = AuthEvent::ApiTokenIssued {
            id: minted.id,
            name: name.to_string(),
            role,
            digest: minted.digest,
            owner: owner.to_string(),
            at: now,
        };
        Ok((minted.text, self.commit1(event)))
    }

    /// Revokes the API token called `name`; the name can then be used again.
    pub fn revoke_api_token(&mut self, name: &str, now: Timestamp) -> Result<AuthEvent, AuthError> {
        let id = self.records.api_names.get(name).ok_or_else(|| AuthError::UnknownApiToken(name.to_string()))?;
        Ok(self.commit1(AuthEvent::ApiTokenRevoked { id: id.clone(), at: now }))
    }

    /// Revokes the active API token with id `id`; the next request with it gets a 401.
    pub fn revoke_api_token_id(&mut self, id: &str, now: Timestamp) -> Result<AuthEvent, AuthError> {
        if !self.records.api_tokens.contains_key(id) {
            return Err(AuthError::UnknownApiTokenId(id.to_string()));
        }
        Ok(self.commit1(AuthEvent::ApiTokenRevoked { id: id.to_string(), at: now }))
    }

    /// The session (refresh-token family) of a valid access token, for actions that spare the
    /// caller's own session. `None` for anything else, API tokens included.
    pub fn session_of(&self, token: &str, now: Timestamp) -> Option<String> {
        self.verify_access(token, now).ok()?;
        self.access.verify(token, now).ok().map(|claims| claims.fam)
    }

    /// Verifies an API token `trd_<id>_<secret>`, and that its owner still exists, is enabled and
    /// has a role covering the token's: a token never outlives or outranks the user it acts for,
    /// whatever the order in which the owner's changes and the token's revocation were made.
    pub fn verify_api_token(&self, text: &str) -> Result<Principal, AuthError> {
        let presented = OpaqueKind::Api.parse(text).ok_or(AuthError::InvalidToken)?;
        let token = match self.records.api_tokens.get(presented.id) {
            Some(token) if token.digest == presented.digest => token,
            _ => return Err(AuthError::InvalidToken),
        };
        match self.records.users.get(&token.owner) {
            Some(owner) if !owner.disabled && owner.role.covers(token.role) => {
                Ok(Principal { name: token.name.clone(), role: token.role, via: Via::ApiToken(token.name.clone()) })
            }
            _ => Err(AuthError::TokenRevoked),
        }
    }

    /// Verifies the credential of an `Authorization: Bearer <text>` header (without the scheme):
    /// an API token if it starts with `trd_`, else an access JWT. Refresh tokens are not bearer
    /// credentials.
    pub fn verify_bearer(&self, text: &str, now: Timestamp) -> Result<Principal, AuthError> {
        if text.starts_with(API_TOKEN_PREFIX) {
            self.verify_api_token(text)
        } else {
            self.verify_access(text, now)
        }
    }

    // ---- housekeeping ----

    /// Drops sessions that ended and access revocations that expired at or before `now`. Call it
    /// now and then (hourly is plenty) and journal the event, if any.
    pub fn prune(&mut self, now: Timestamp) -> Option<AuthEvent> {
        let records = &self.records;
        let stale = records.families.values().any(|family| family.session_expires <= now)
            || records.revoked_jtis.values().any(|expires| *expires <= now);
        stale.then(|| self.commit1(AuthEvent::Pruned { now }))
    }

    /// Applies one event: the only way the state changes, for live operations and journal replay
    /// alike. Events that refer to something absent (which the operations never produce) change
    /// nothing.
    pub fn apply(&mut self, event: &AuthEvent) {
        let records = &mut self.records;
        match event {
            AuthEvent::UserAdded { name, role, password_hash, at } => {
                let user = User {
                    role: *role,
                    password_hash: password_hash.clone(),
                    disabled: false,
                    created: *at,
                    last_login: None,
                };
                records.users.insert(name.clone(), user);
            }
            AuthEvent::PasswordSet { name, password_hash, .. } => {
                if let Some(user) = records.users.get_mut(name) {
                    user.password_hash = Some(password_hash.clone());
                }
            }
            AuthEvent::UserDisabled { name, disabled, .. } => {
                if let Some(user) = records.users.get_mut(name) {
                    user.disabled = *disabled;
                }
            }
            AuthEvent::SessionStarted { family, user, token_id, digest, expires, session_expires, at } => {
                if let Some(record) = records.users.get_mut(user) {
                    record.last_login = Some(*at);
                }
                let current = RefreshRecord { id: token_id.clone(), digest: *digest, expires: *expires };
                let record = Family {
                    user: user.clone(),
                    session_expires: *session_expires,
                    current,
                    used: BTreeMap::new(),
                    revoked: false,
                };
                records.families.insert(family.clone(), record);
                records.refresh_ids.insert(token_id.clone(), family.clone());
            }
            AuthEvent::SessionRefreshed { family, used_token_id, token_id, digest, expires, .. } => {
                if let Some(record) = records.families.get_mut(family) {
                    if record.current.id == *used_token_id {
                        let next = RefreshRecord { id: token_id.clone(), digest: *digest, expires: *expires };
                        let used = std::mem::replace(&mut record.current, next);
                        record.used.insert(used.id, used.digest);
                        records.refresh_ids.insert(token_id.clone(), family.clone());
                    }
                }
            }
            AuthEvent::SessionRevoked { family, .. } => {
                if let Some(record) = records.families.get_mut(family) {
                    record.revoked = true;
                }
            }
            AuthEvent::AccessRevoked { jti, expires } => {
                records.revoked_jtis.insert(jti.clone(), *expires);
            }
            AuthEvent::ApiTokenCreated { id, name, role, digest, at } => {
                // Before owners were recorded only the first start made API tokens, for `admin`.
                let owner = super::bootstrap::BOOTSTRAP_ADMIN.to_owned();
                let token = ApiToken { name: name.clone(), role: *role, digest: *digest, created: *at, owner };
                records.api_tokens.insert(id.clone(), token);
                records.api_names.insert(name.clone(), id.clone());
            }
            AuthEvent::ApiTokenIssued { id, name, role, digest, owner, at } => {
                let owner = owner.clone();
                let token = ApiToken { name: name.clone(), role: *role, digest: *digest, created: *at, owner };
                records.api_tokens.insert(id.clone(), token);
                records.api_names.insert(name.clone(), id.clone());
            }
            AuthEvent::RoleChanged { name, role, .. } => {
                if let Some(user) = records.users.get_mut(name) {
                    user.role = *role;
                }
            }
            AuthEvent::ApiTokenRevoked { id, .. } => {
                if let Some(token) = records.api_tokens.remove(id) {
                    records.api_names.remove(&token.name);
                }
            }
            AuthEvent::Pruned { now } => {
                let ended: Vec<String> = records
                    .families
                    .iter()
                    .filter(|(_, f)| f.session_expires <= *now)
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in ended {
                    if let Some(family) = records.families.remove(&id) {
                        records.refresh_ids.remove(&family.current.id);
                        for used in family.used.keys() {
                            records.refresh_ids.remove(used);
                        }
                    }
                }
                records.revoked_jtis.retain(|_, expires| *expires > *now);
            }
        }
    }

    // ---- helpers ----

    /// The family holding refresh token `token_id`, with its id.
    fn family_of(&self, token_id: &str) -> Option<(String, &Family)> {
        let family_id = self.records.refresh_ids.get(token_id)?;
        Some((family_id.clone(), self.records.families.get(family_id)?))
    }

    /// Signs an access token that expires after the configured lifetime or at the session's end,
    /// whichever is first; returns it with its lifetime in seconds.
    fn sign_access(
        &self,
        user: &str,
        role: Role,
        family: &str,
        now: Timestamp,
        session_expires: Timestamp,
    ) -> Result<(String, u64), AuthError> {
        let expires = now.saturating_add(nanos(self.config.access_lifetime)).min(session_expires);
        let (jwt, claims) = self.access.issue(user, role, family, now, expires)?;
        Ok((jwt, claims.exp.saturating_sub(claims.iat)))
    }

    fn refresh_expiry(&self, now: Timestamp, session_expires: Timestamp) -> Timestamp {
        now.saturating_add(nanos(self.config.refresh_lifetime)).min(session_expires)
    }

    fn dummy_hash(&self) -> Option<&PasswordHash> {
        self.dummy_hash
            .get_or_init(|| hash_password("no user has this password", self.config.password_cost).ok())
            .as_ref()
    }

    fn commit(&mut self, events: Vec<AuthEvent>) -> Vec<AuthEvent> {
        for event in &events {
            self.apply(event);
        }
        events
    }

    fn commit1(&mut self, event: AuthEvent) -> AuthEvent {
        self.apply(&event);
        event
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
