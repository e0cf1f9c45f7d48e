//! `AuthError`: why an authentication or user-management operation was refused.

use super::password::PasswordError;
use super::role::Role;

/// Why an operation on users, sessions or tokens was refused.
///
/// Login failures never say whether the user or the password was wrong, and token failures never
/// echo the token. [`AuthError::code`] gives the stable machine-readable code for the API's error
/// shape.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown user, wrong password, disabled user or a user without a password: all look alike.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Malformed, forged, wrongly signed, wrong kind or unknown token.
    #[error("token: invalid")]
    InvalidToken,
    /// A well-formed token past its expiry.
    #[error("token: expired")]
    TokenExpired,
    /// A token that was revoked (logout, API token revoked, user disabled).
    #[error("token: revoked")]
    TokenRevoked,
    /// A refresh token that was already rotated was presented again: the whole session was revoked.
    #[error("refresh_token: already used; the session was revoked, log in again")]
    RefreshReused,
    /// A user or token name outside the allowed form.
    #[error("{field}: {reason}")]
    InvalidName {
        /// `username` or `name`.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A password refused by the policy (too short, too long).
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// `add_user` with a name that is taken.
    #[error("username: `{0}` already exists")]
    UserExists(String),
    /// A management operation on a user that does not exist.
    #[error("username: no user `{0}`")]
    UnknownUser(String),
    /// `create_api_token` with a name an active token has.
    #[error("name: an API token named `{0}` already exists")]
    ApiTokenExists(String),
    /// `revoke_api_token` with a name no active token has.
    #[error("name: no API token named `{0}`")]
    UnknownApiToken(String),
    /// `revoke_api_token_id` with an id no active token has.
    #[error("id: no API token `{0}`")]
    UnknownApiTokenId(String),
    /// The change would leave no enabled admin: no one could manage users any more.
    #[error("username: `{0}` is the last enabled admin; make another user admin first")]
    LastAdmin(String),
    /// `create_api_token` for an owner who is disabled: whoever asked acts for a revoked user.
    #[error("owner: user `{0}` is disabled")]
    OwnerDisabled(String),
    /// `create_api_token` with a role its owner's role does not cover: a token never has more
    /// permissions than the user it acts for.
    #[error("role: user `{owner}` cannot hold a `{role}` token: a token never has more permissions than its owner")]
    RoleExceedsOwner {
        /// The owner.
        owner: String,
        /// The token role asked for.
        role: Role,
    },
    /// A user or token name that the other kind already has: users and API tokens share one name
    /// space, so audit records and rate limits (keyed by name) are attributed to one principal.
    #[error("{field}: `{name}` is already the name of {holder}; users and API tokens need different names")]
    NameInUse {
        /// `username` or `name`.
        field: &'static str,
        /// The name.
        name: String,
        /// `a user` or `an API token`.
        holder: &'static str,
    },
    /// The OS random source failed; nothing was issued.
    #[error("random: the OS random source failed: {0}")]
    Random(getrandom::Error),
    /// Signing an access token failed; nothing was issued.
    #[error("access_token: signing failed: {0}")]
    Signing(jsonwebtoken::errors::Error),
}

impl AuthError {
    /// Stable code for the API's `{"error": {"code": ...}}` shape.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::InvalidCredentials => "invalid_credentials",
            AuthError::InvalidToken => "invalid_token",
            AuthError::TokenExpired => "token_expired",
            AuthError::TokenRevoked | AuthError::OwnerDisabled(_) => "token_revoked",
            AuthError::RefreshReused => "refresh_token_reused",
            AuthError::InvalidName { .. } | AuthError::Password(_) => "validation_failed",
            AuthError::UserExists(_) | AuthError::ApiTokenExists(_) | AuthError::NameInUse { .. } => "already_exists",
            AuthError::RoleExceedsOwner { .. } => "forbidden",
            AuthError::UnknownUser(_) | AuthError::UnknownApiToken(_) | AuthError::UnknownApiTokenId(_) => "not_found",
            AuthError::LastAdmin(_) => "last_admin",
            AuthError::Random(_) | AuthError::Signing(_) => "internal",
        }
    }

    /// Whether this is a failure to authenticate (the API answers 401), as opposed to a refused
    /// management request or an internal fault.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(
            self,
            AuthError::InvalidCredentials
                | AuthError::InvalidToken
                | AuthError::TokenExpired
                | AuthError::TokenRevoked
                | AuthError::OwnerDisabled(_)
                | AuthError::RefreshReused
        )
    }
}

impl From<getrandom::Error> for AuthError {
    fn from(error: getrandom::Error) -> Self {
        AuthError::Random(error)
    }
}
