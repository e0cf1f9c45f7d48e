//! `Principal`: who a verified request acts as.

use super::role::{Permission, Role};

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// An access token from a password login.
    Session,
    /// The named API token.
    ApiToken(String),
}

/// The verified identity behind a request: a user (via a session) or an API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The username, or the API token's name.
    pub name: String,
    /// The role in force now.
    pub role: Role,
    /// How the caller authenticated.
    pub via: Via,
}

impl Principal {
    /// Whether this principal may do `permission` (the role's permission table).
    pub fn allows(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }
}
