//! Password policy and argon2id hashing into PHC strings.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use serde::{Deserialize, Serialize};

/// Shortest password accepted, in characters (Unicode scalar values).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in bytes: far beyond any passphrase, short enough that a request
/// cannot make the server hash megabytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The argon2id cost parameters new hashes are made with. Verification always uses the parameters
/// stored in the hash, so changing the cost never locks anyone out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordCost {
    /// Memory per hash in KiB (argon2 `m`).
    pub memory_kib: u32,
    /// Passes over the memory (argon2 `t`).
    pub iterations: u32,
    /// Lanes (argon2 `p`).
    pub parallelism: u32,
}

impl PasswordCost {
    /// A cheap cost for tests only (8 KiB, one pass): hashing takes microseconds.
    pub const TEST: PasswordCost = PasswordCost { memory_kib: 8, iterations: 1, parallelism: 1 };

    fn hasher(self) -> Result<Argon2<'static>, PasswordError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|error| PasswordError::Cost(error.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

impl Default for PasswordCost {
    /// argon2's recommended defaults (the OWASP argon2id setting: 19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        PasswordCost {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
        }
    }
}

/// Why a password could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error("password: too short ({chars} characters), at least {min} are required", min = MIN_PASSWORD_CHARS)]
    TooShort {
        /// Characters given.
        chars: usize,
    },
    /// More than [`MAX_PASSWORD_BYTES`] bytes.
    #[error("password: too long ({bytes} bytes), at most {max} are accepted", max = MAX_PASSWORD_BYTES)]
    TooLong {
        /// Bytes given.
        bytes: usize,
    },
    /// The configured cost is not a valid argon2 parameter set.
    #[error("password cost: {0}")]
    Cost(String),
    /// argon2 failed (e.g. the OS random source for the salt).
    #[error("password: hashing failed: {0}")]
    Hashing(argon2::password_hash::Error),
}

/// An argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). Not a secret, but an offline
/// guessing target, so `Debug` does not show it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// Checks the password policy without hashing.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong { bytes: password.len() });
    }
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort { chars });
    }
    Ok(())
}

/// Checks the policy, then hashes with argon2id and a fresh random salt into a PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<PasswordHash, PasswordError> {
    check_policy(password)?;
    let hash = cost.hasher()?.hash_password(password.as_bytes()).map_err(PasswordError::Hashing)?;
    Ok(PasswordHash(hash.to_string()))
}

/// Whether `password` matches `hash`. The comparison is argon2's constant-time one; a malformed
/// or foreign hash never matches.
pub fn verify_password(password: &str, hash: &PasswordHash) -> bool {
    // Over-long input is refused before hashing so a login request cannot cost more than a hash.
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let hash = hash_password("correct horse battery", PasswordCost::TEST).unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{}", hash.as_str());
        assert!(verify_password("correct horse battery", &hash));
        assert_eq!(format!("{hash:?}"), "PasswordHash(..)");
    }

    #[test]
    fn wrong_password_fails() {
        let hash = hash_password("correct horse battery", PasswordCost::TEST).unwrap();
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("", &hash));
    }

    #[test]
    fn same_password_gets_a_fresh_salt() {
        let a = hash_password("correct horse battery", PasswordCost::TEST).unwrap();
        let b = hash_password("correct horse battery", PasswordCost::TEST).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn malformed_hash_never_matches() {
        for phc in ["", "$argon2id$v=19$garbage", "plaintext"] {
            assert!(!verify_password("correct horse battery", &PasswordHash(phc.to_string())), "{phc}");
        }
    }

    #[test]
    fn policy_counts_characters_not_bytes() {
        assert_eq!(check_policy("eleven char"), Err(PasswordError::TooShort { chars: 11 }));
        assert_eq!(check_policy("twelve chars"), Ok(()));
        // 11 characters of 2 bytes each: 22 bytes, still too short.
        assert_eq!(check_policy("ééééééééééé"), Err(PasswordError::TooShort { chars: 11 }));
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(check_policy(&long), Err(PasswordError::TooLong { bytes: MAX_PASSWORD_BYTES + 1 }));
        assert_eq!(
            hash_password("short", PasswordCost::TEST).unwrap_err().to_string(),
            "password: too short (5 characters), at least 12 are required"
        );
    }

    #[test]
    fn invalid_cost_is_reported() {
        let cost = PasswordCost { memory_kib: 1, iterations: 1, parallelism: 1 };
        assert!(matches!(hash_password("correct horse battery", cost), Err(PasswordError::Cost(_))));
    }

    #[test]
    fn default_cost_is_argon2_recommended() {
        assert_eq!(PasswordCost::default(), PasswordCost { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 });
    }
}
