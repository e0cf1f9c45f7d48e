//! One audit entry and how its chain hash is computed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use trader::time::Timestamp;

use crate::auth::Role;

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// How a mutating request ended, from its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    /// 1xx–3xx: the request did what it asked.
    Ok,
    /// 4xx: refused (unauthenticated, forbidden, invalid, not found, conflict).
    Refused,
    /// 5xx: the daemon failed (an actor not answering, the journal down).
    Error,
}

impl AuditOutcome {
    /// The outcome of a response with `status`.
    pub fn of_status(status: u16) -> AuditOutcome {
        match status {
            400..=499 => AuditOutcome::Refused,
            500.. => AuditOutcome::Error,
            _ => AuditOutcome::Ok,
        }
    }

    /// `ok`, `refused` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Error => "error",
        }
    }
}

/// One audited request. Never holds a body, a query string or a token: `path` is the route's
/// template (`/api/v1/orders/{order_id}`), not the URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the audit chain, from 1, contiguous (independent of journal sequence numbers).
    pub seq: u64,
    /// When the request finished.
    pub at: Timestamp,
    /// The verified principal's name (user or API token), or `anonymous`.
    pub who: String,
    /// The principal's role; `None` when anonymous.
    pub role: Option<Role>,
    /// The HTTP method, uppercase.
    pub method: String,
    /// The matched route template.
    pub path: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The status's class.
    pub outcome: AuditOutcome,
    /// The previous entry's `hash` ([`GENESIS_HASH`] for the first).
    pub prev_hash: [u8; 32],
    /// `SHA-256(prev_hash || postcard(seq, at, who, role, method, path, status, outcome))`.
    pub hash: [u8; 32],
}

/// The fields an entry's hash covers, in this order. postcard is deterministic (varints,
/// length-prefixed strings, variant indices), so the same fields always hash the same; changing
/// this struct or the field types changes every hash, so it must stay as is once entries exist.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    at: Timestamp,
    who: &'a str,
    role: Option<Role>,
    method: &'a str,
    path: &'a str,
    status: u16,
    outcome: AuditOutcome,
}

impl AuditEntry {
    /// A new entry after `head`, with its hash computed.
    #[allow(clippy::too_many_arguments)]
    pub fn chained(
        head: ChainHead,
        at: Timestamp,
        who: String,
        role: Option<Role>,
        method: String,
        path: String,
        status: u16,
    ) -> AuditEntry {
        let mut entry = AuditEntry {
            seq: head.seq + 1,
            at,
            who,
            role,
            method,
            path,
            status,
            outcome: AuditOutcome::of_status(status),
            prev_hash: head.hash,
            hash: [0; 32],
        };
        entry.hash = entry.compute_hash();
        entry
    }

    /// The hash this entry's fields and `prev_hash` call for (compare with `hash`).
    pub fn compute_hash(&self) -> [u8; 32] {
        let fields = Hashed {
            seq: self.seq,
            at: self.at,
            who: &self.who,
            role: self.role,
            method: &self.method,
            path: &self.path,
            status: self.status,
            outcome: self.outcome,
        };
        // Serialising plain integers, strings and unit enums into a Vec cannot fail.
        let encoded = postcard::to_allocvec(&fields).unwrap_or_default();
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash);
        hasher.update(&encoded);
        hasher.finalize().into()
    }

    /// This entry as the head the next one chains to.
    pub fn head(&self) -> ChainHead {
        ChainHead { seq: self.seq, hash: self.hash }
    }
}

/// The end of a chain: the last entry's sequence and hash (0 and [`GENESIS_HASH`] when empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// The last entry's `seq`, or 0.
    pub seq: u64,
    /// The last entry's `hash`, or [`GENESIS_HASH`].
    pub hash: [u8; 32],
}

impl ChainHead {
    /// The head of an empty chain.
    pub const GENESIS: ChainHead = ChainHead { seq: 0, hash: GENESIS_HASH };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_follows_the_status_class() {
        assert_eq!(AuditOutcome::of_status(201), AuditOutcome::Ok);
        assert_eq!(AuditOutcome::of_status(303), AuditOutcome::Ok);
        assert_eq!(AuditOutcome::of_status(403), AuditOutcome::Refused);
        assert_eq!(AuditOutcome::of_status(422), AuditOutcome::Refused);
        assert_eq!(AuditOutcome::of_status(503), AuditOutcome::Error);
    }

    #[test]
    fn the_first_entry_chains_to_genesis_and_the_hash_covers_prev_hash() {
        let at = Timestamp::from_nanos(7);
        let first = AuditEntry::chained(
            ChainHead::GENESIS,
            at,
            "admin".into(),
            Some(Role::Admin),
            "POST".into(),
            "/x".into(),
            200,
        );
        assert_eq!((first.seq, first.prev_hash), (1, GENESIS_HASH));
        assert_eq!(first.hash, first.compute_hash());
        // The same fields after a different head hash differently.
        let other_head = ChainHead { seq: 0, hash: [1; 32] };
        let moved =
            AuditEntry::chained(other_head, at, "admin".into(), Some(Role::Admin), "POST".into(), "/x".into(), 200);
        assert_ne!(first.hash, moved.hash);
        let second = AuditEntry::chained(first.head(), at, "anonymous".into(), None, "DELETE".into(), "/y".into(), 401);
        assert_eq!((second.seq, second.prev_hash, second.outcome), (2, first.hash, AuditOutcome::Refused));
    }
}
