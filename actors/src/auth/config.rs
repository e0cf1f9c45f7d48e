//! `AuthConfig`: password cost and the lifetimes of access tokens, refresh tokens and sessions.

use std::time::Duration;

use super::password::PasswordCost;

/// How expensive new password hashes are and how long tokens live.
///
/// A session (one login) lasts at most `session_lifetime`; within it a refresh token must be used
/// within `refresh_lifetime` of being issued, and each access token lives `access_lifetime`. No
/// token outlives its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthConfig {
    /// argon2id cost for new password hashes.
    pub password_cost: PasswordCost,
    /// Lifetime of an access JWT (default 15 minutes).
    pub access_lifetime: Duration,
    /// Lifetime of a refresh token from its issue (default 7 days): the idle timeout.
    pub refresh_lifetime: Duration,
    /// Lifetime of a session from login (default 30 days): the absolute timeout.
    pub session_lifetime: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            password_cost: PasswordCost::default(),
            access_lifetime: Duration::from_secs(15 * 60),
            refresh_lifetime: Duration::from_secs(7 * 24 * 3600),
            session_lifetime: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl AuthConfig {
    /// The defaults with the cheap test password cost.
    pub fn for_tests() -> AuthConfig {
        AuthConfig { password_cost: PasswordCost::TEST, ..AuthConfig::default() }
    }
}

/// `duration` in nanoseconds, saturating (for `Timestamp` arithmetic).
pub(crate) fn nanos(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}
