//! Authentication and authorisation for the control plane: users with argon2id passwords, short
//! HS256 access JWTs, rotating refresh tokens with reuse detection, API tokens for machines, and
//! one permission table. Not wired into HTTP here; the control plane calls [`AuthState`].
//!
//! Layout:
//! - [`role`]: `Role`, `Permission` and the permission table.
//! - [`password`]: the password policy and argon2id hashing (`PasswordCost`).
//! - [`key`]: the JWT signing key — `TRADERD_JWT_KEY_FILE`, the systemd credential, or generated.
//! - [`access_token`]: signing and verifying access JWTs.
//! - [`opaque_token`]: refresh and API tokens (`<id>.<secret>`, `trd_<id>_<secret>`) and their digests.
//! - [`store`]: `AuthState`, the operations, and `apply` — the only way state changes.
//! - [`event`]: `AuthEvent`, journaled and replayed.
//! - [`bootstrap`](mod@bootstrap): the first admin and its token file.
//! - [`secret_file`]: owner-only, atomically written secret files.
//! - [`config`], [`error`], [`name`], [`principal`]: lifetimes and cost, `AuthError`, the
//!   username rule, and `Principal` (who a request acts as).
//!
//! Secrets never appear in `Debug` output or error messages.

pub mod access_token;
pub mod bootstrap;
pub mod config;
mod entropy;
pub mod error;
pub mod event;
pub(crate) mod hex;
pub mod key;
pub mod name;
pub mod opaque_token;
pub mod password;
pub mod principal;
pub mod role;
pub mod secret_file;
pub mod store;

pub use access_token::AccessTokens;
pub use bootstrap::{bootstrap, Bootstrap};
pub use config::AuthConfig;
pub use error::AuthError;
pub use event::{AuthEvent, RevokeReason};
pub use key::{load_or_generate, JwtKey, KeyError, KeyLocations, KeySource};
pub use password::{PasswordCost, PasswordError, PasswordHash};
pub use principal::{Principal, Via};
pub use role::{Permission, Role};
pub use secret_file::{write_secret_file, SecretFileError};
pub use store::{AuthState, Outcome, Tokens};
