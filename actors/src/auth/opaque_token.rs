//! Opaque tokens — refresh tokens `<id>.<secret>` and API tokens `trd_<id>_<secret>` — and the
//! SHA-256 digest that is the only form their secrets are kept in.
//!
//! The id (16 random bytes, hex) finds the record; the secret (32 random bytes, hex) proves
//! possession. A 256-bit random secret cannot be guessed or brute-forced from its digest, so a
//! fast hash is enough; a slow password hash would only make every request slower.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::entropy::{random_bytes, ID_BYTES};
use super::error::AuthError;
use super::hex;

/// Bytes of randomness in a token secret.
pub(crate) const SECRET_BYTES: usize = 32;
/// Prefix that marks an API token (and lets secret scanners find leaked ones).
pub const API_TOKEN_PREFIX: &str = "trd_";

/// SHA-256 of a token secret. Equality is constant-time, so comparing a presented secret's digest
/// with the stored one leaks nothing through timing.
#[derive(Clone, Copy, Serialize, Deserialize)]
pub struct SecretDigest([u8; 32]);

impl SecretDigest {
    fn of(secret: &[u8; SECRET_BYTES]) -> SecretDigest {
        SecretDigest(Sha256::digest(secret).into())
    }
}

impl PartialEq for SecretDigest {
    fn eq(&self, other: &SecretDigest) -> bool {
        let mut diff = 0u8;
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            // black_box keeps the optimiser from turning the loop into an early-exit compare.
            diff |= std::hint::black_box(a ^ b);
        }
        diff == 0
    }
}

impl Eq for SecretDigest {}

impl fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretDigest(..)")
    }
}

/// A freshly minted token: its id, its full text (shown to the holder once) and the digest to store.
pub(crate) struct Minted {
    pub(crate) id: String,
    pub(crate) text: String,
    pub(crate) digest: SecretDigest,
}

/// A presented token, split and hashed: the id to look up and the digest to compare.
#[derive(Debug)]
pub(crate) struct Presented<'a> {
    pub(crate) id: &'a str,
    pub(crate) digest: SecretDigest,
}

/// The two text forms of an opaque token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpaqueKind {
    /// `<id>.<secret>`
    Refresh,
    /// `trd_<id>_<secret>`
    Api,
}

impl OpaqueKind {
    /// Mints a token of this kind with a fresh id and secret.
    pub(crate) fn mint(self) -> Result<Minted, AuthError> {
        let id = hex::encode(&random_bytes::<ID_BYTES>()?);
        let secret = random_bytes::<SECRET_BYTES>()?;
        let secret_hex = hex::encode(&secret);
        let text = match self {
            OpaqueKind::Refresh => format!("{id}.{secret_hex}"),
            OpaqueKind::Api => format!("{API_TOKEN_PREFIX}{id}_{secret_hex}"),
        };
        Ok(Minted { id, text, digest: SecretDigest::of(&secret) })
    }

    /// Splits and hashes a presented token of this kind; `None` unless it has exactly this form.
    pub(crate) fn parse(self, text: &str) -> Option<Presented<'_>> {
        let (id, secret) = match self {
            OpaqueKind::Refresh => text.split_once('.')?,
            OpaqueKind::Api => text.strip_prefix(API_TOKEN_PREFIX)?.split_once('_')?,
        };
        hex::decode::<ID_BYTES>(id)?;
        let secret = hex::decode::<SECRET_BYTES>(secret)?;
        Some(Presented { id, digest: SecretDigest::of(&secret) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_parse_back_to_their_id_and_digest() {
        for kind in [OpaqueKind::Refresh, OpaqueKind::Api] {
            let minted = kind.mint().unwrap();
            let presented = kind.parse(&minted.text).unwrap();
            assert_eq!(presented.id, minted.id);
            assert_eq!(presented.digest, minted.digest);
        }
    }

    #[test]
    fn text_forms() {
        let refresh = OpaqueKind::Refresh.mint().unwrap();
        assert_eq!(refresh.text.len(), 32 + 1 + 64);
        assert_eq!(refresh.text.split_once('.').unwrap().0, refresh.id);
        let api = OpaqueKind::Api.mint().unwrap();
        assert_eq!(api.text.len(), 4 + 32 + 1 + 64);
        assert!(api.text.starts_with(&format!("trd_{}_", api.id)), "{}", api.text);
        // Each form is refused where the other is expected.
        assert!(OpaqueKind::Api.parse(&refresh.text).is_none());
        assert!(OpaqueKind::Refresh.parse(&api.text).is_none());
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let id = "0".repeat(32);
        let secret = "a".repeat(64);
        assert!(OpaqueKind::Refresh.parse(&format!("{id}.{secret}")).is_some());
        for bad in [
            String::new(),
            ".".to_string(),
            format!("{id}{secret}"),
            format!("{id}.{secret}0"),
            format!("{id}.{}", "A".repeat(64)),
            format!("{}.{secret}", "0".repeat(31)),
            format!("{id}.{secret}.x"),
        ] {
            assert!(OpaqueKind::Refresh.parse(&bad).is_none(), "{bad}");
        }
        assert!(OpaqueKind::Api.parse(&format!("trd_{id}_{secret}")).is_some());
        assert!(OpaqueKind::Api.parse(&format!("TRD_{id}_{secret}")).is_none());
        assert!(OpaqueKind::Api.parse(&format!("trd_{id}.{secret}")).is_none());
    }

    #[test]
    fn digest_is_sha256_of_the_secret_bytes() {
        // SHA-256 of 32 zero bytes.
        let digest = SecretDigest::of(&[0u8; 32]);
        assert_eq!(hex::encode(&digest.0), "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
        assert_ne!(digest, SecretDigest::of(&[1u8; 32]));
        assert_eq!(format!("{digest:?}"), "SecretDigest(..)");
    }
}
