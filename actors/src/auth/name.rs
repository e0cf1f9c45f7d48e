//! The form of usernames and API token names: 1–32 characters of `[a-z0-9_.-]`.
//!
//! Lowercase only, so `Alice` and `alice` can never be two accounts; no spaces or control
//! characters, so names are safe in logs, URLs and file names.

use super::error::AuthError;

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// Checks that `name` has the allowed form; `field` names it in the error (`username`, `name`).
pub fn check_name(field: &'static str, name: &str) -> Result<(), AuthError> {
    let reason = if name.is_empty() {
        "must not be empty"
    } else if name.len() > MAX_NAME_CHARS {
        "must be at most 32 characters"
    } else if !name.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-')) {
        "may only contain a-z, 0-9, '_', '.' and '-'"
    } else {
        return Ok(());
    };
    Err(AuthError::InvalidName { field, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_and_refused_names() {
        for good in ["a", "admin", "prom.scraper-1", "x_y", &"z".repeat(32)] {
            assert!(check_name("username", good).is_ok(), "{good}");
        }
        for bad in ["", "Alice", "a b", "émile", "a/b", "a\n", &"z".repeat(33)] {
            assert!(check_name("username", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_name("username", "Alice").unwrap_err().to_string(),
            "username: may only contain a-z, 0-9, '_', '.' and '-'"
        );
        assert_eq!(check_name("name", "").unwrap_err().to_string(), "name: must not be empty");
    }
}
