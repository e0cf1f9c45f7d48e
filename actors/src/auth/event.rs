//! `AuthEvent`: the only way authentication state changes, journaled and replayed.
//!
//! Every event carries the values it needs (hashes, digests, expiries), so replaying them rebuilds
//! the same state whatever the configuration or clock at replay time. Plain externally tagged enum,
//! so postcard can encode it.

use serde::{Deserialize, Serialize};
use trader::time::Timestamp;

use super::opaque_token::SecretDigest;
use super::password::PasswordHash;
use super::role::Role;

/// Why a session was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RevokeReason {
    /// The user logged out.
    Logout,
    /// A rotated refresh token was presented again: the session may be stolen.
    Reuse,
    /// The user was disabled.
    UserDisabled,
    /// The user's password was changed or reset: sessions opened with the old one end. Last, so
    /// the older reasons kept their postcard encoding.
    PasswordChanged,
}

/// One change to users, sessions, API tokens or revocations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthEvent {
    /// A user was created. `password_hash` is an argon2id PHC string; `None` means password login
    /// is impossible until one is set (the bootstrap admin).
    UserAdded {
        /// Username.
        name: String,
        /// Role.
        role: Role,
        /// argon2id PHC string, if any.
        password_hash: Option<PasswordHash>,
        /// When.
        at: Timestamp,
    },
    /// A user's password was set or changed.
    PasswordSet {
        /// Username.
        name: String,
        /// argon2id PHC string.
        password_hash: PasswordHash,
        /// When.
        at: Timestamp,
    },
    /// A user was disabled or enabled again.
    UserDisabled {
        /// Username.
        name: String,
        /// Disabled (`true`) or enabled (`false`).
        disabled: bool,
        /// When.
        at: Timestamp,
    },
    /// A login started a session (refresh-token family) with its first refresh token.
    SessionStarted {
        /// Family id.
        family: String,
        /// Username.
        user: String,
        /// Id of the refresh token.
        token_id: String,
        /// SHA-256 of its secret.
        digest: SecretDigest,
        /// When the refresh token expires.
        expires: Timestamp,
        /// When the session ends, whatever refreshes happen.
        session_expires: Timestamp,
        /// When.
        at: Timestamp,
    },
    /// A refresh rotated the family's token: `used_token_id` is spent, `token_id` is current.
    SessionRefreshed {
        /// Family id.
        family: String,
        /// The token presented (now used).
        used_token_id: String,
        /// Id of the new refresh token.
        token_id: String,
        /// SHA-256 of its secret.
        digest: SecretDigest,
        /// When the new refresh token expires.
        expires: Timestamp,
        /// When.
        at: Timestamp,
    },
    /// A session was revoked: its refresh tokens and access tokens stop working.
    SessionRevoked {
        /// Family id.
        family: String,
        /// Why.
        reason: RevokeReason,
        /// When.
        at: Timestamp,
    },
    /// One access token was revoked until its expiry.
    AccessRevoked {
        /// The token's `jti`.
        jti: String,
        /// Its expiry, after which the entry can be dropped.
        expires: Timestamp,
    },
    /// An API token was created.
    ApiTokenCreated {
        /// Token id.
        id: String,
        /// Unique name.
        name: String,
        /// Role.
        role: Role,
        /// SHA-256 of its secret.
        digest: SecretDigest,
        /// When.
        at: Timestamp,
    },
    /// An API token was revoked.
    ApiTokenRevoked {
        /// Token id.
        id: String,
        /// When.
        at: Timestamp,
    },
    /// Sessions that ended and access-token revocations that expired at or before `now` were
    /// dropped.
    Pruned {
        /// The cut-off.
        now: Timestamp,
    },
    // Variants below were added later; new ones go at the end (postcard encodes the index).
    /// A user's role was changed. Takes effect on the user's next request: access tokens carry
    /// the role they were issued with, but verification uses the user's current one.
    RoleChanged {
        /// Username.
        name: String,
        /// The new role.
        role: Role,
        /// When.
        at: Timestamp,
    },
    /// An API token was created on behalf of a user (`ApiTokenCreated` has no owner). Disabling
    /// the owner revokes it.
    ApiTokenIssued {
        /// Token id.
        id: String,
        /// Unique name among active tokens.
        name: String,
        /// Role.
        role: Role,
        /// SHA-256 of its secret.
        digest: SecretDigest,
        /// The user it was created for (the creator).
        owner: String,
        /// When.
        at: Timestamp,
    },
}
