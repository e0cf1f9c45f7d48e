//! Checking an audit chain.

use super::entry::{AuditEntry, ChainHead};

/// How many entries a chain holds once verified, and its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedCount {
    /// The number of entries.
    pub entries: u64,
    /// The last entry's sequence and hash ([`ChainHead::GENESIS`] for an empty chain); compare it
    /// with a copy kept elsewhere to detect a truncated tail.
    pub head: ChainHead,
}

/// The first place a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq}: {reason}")]
pub struct AuditBreak {
    /// The audit sequence of the entry that was changed, or that is missing or out of place.
    pub seq: u64,
    /// What is wrong, for the operator.
    pub reason: String,
}

/// Verifies `entries`, in the order they were stored: sequences run 1, 2, 3…; each entry's
/// `prev_hash` is the previous entry's `hash` (32 zero bytes for the first); each `hash` is the
/// hash of its own fields. Reports the first break:
/// - an entry whose fields changed: its hash no longer matches (that entry's seq);
/// - a removed entry: the next one's seq skips it (the missing seq);
/// - two entries swapped: the later one comes first (the seq expected there);
/// - a removed entry whose successors were renumbered: the prev_hash no longer matches.
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Result<VerifiedCount, AuditBreak> {
    let mut head = ChainHead::GENESIS;
    for entry in entries {
        let expected = head.seq + 1;
        if entry.seq != expected {
            let reason = if entry.seq > expected {
                format!("missing or moved: the entry after {} is {}", head.seq, entry.seq)
            } else {
                format!("out of order: entry {} stands where {expected} should", entry.seq)
            };
            return Err(AuditBreak { seq: expected, reason });
        }
        if entry.prev_hash != head.hash {
            return Err(AuditBreak {
                seq: entry.seq,
                reason:
                    "prev_hash does not match the previous entry's hash (an entry before it was removed or changed)"
                        .to_owned(),
            });
        }
        if entry.compute_hash() != entry.hash {
            return Err(AuditBreak { seq: entry.seq, reason: "hash mismatch: the entry was changed".to_owned() });
        }
        head = entry.head();
    }
    Ok(VerifiedCount { entries: head.seq, head })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditOutcome;
    use crate::auth::Role;
    use trader::time::Timestamp;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut head = ChainHead::GENESIS;
        (0..n)
            .map(|i| {
                let entry = AuditEntry::chained(
                    head,
                    Timestamp::from_nanos(1_000 + i as i64),
                    format!("user{i}"),
                    Some(Role::Trader),
                    "POST".into(),
                    "/api/v1/orders".into(),
                    201,
                );
                head = entry.head();
                entry
            })
            .collect()
    }

    fn broken_at(entries: &[AuditEntry]) -> u64 {
        verify(entries).expect_err("the chain is broken").seq
    }

    #[test]
    fn an_intact_chain_verifies_and_reports_its_head() {
        let entries = chain(5);
        let verified = verify(&entries).unwrap();
        assert_eq!(verified.entries, 5);
        assert_eq!(verified.head, entries[4].head());
        assert_eq!(verify(&[]).unwrap(), VerifiedCount { entries: 0, head: ChainHead::GENESIS });
    }

    #[test]
    fn changing_any_field_of_one_entry_names_it() {
        let edits: [fn(&mut AuditEntry); 9] = [
            |e| e.at = Timestamp::from_nanos(1),
            |e| e.who = "someone-else".into(),
            |e| e.role = Some(Role::Admin),
            |e| e.method = "DELETE".into(),
            |e| e.path = "/api/v1/admin/kill-switch".into(),
            |e| e.status = 403,
            |e| e.outcome = AuditOutcome::Refused,
            |e| e.hash[0] ^= 1,
            |e| e.prev_hash[31] ^= 1,
        ];
        for (i, edit) in edits.iter().enumerate() {
            let mut entries = chain(5);
            edit(&mut entries[2]);
            assert_eq!(broken_at(&entries), 3, "edit {i}");
        }
        // A changed seq shows as an entry out of place, at that position.
        let mut entries = chain(5);
        entries[2].seq = 9;
        assert_eq!(broken_at(&entries), 3);
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut entries = chain(5);
        entries.remove(1);
        let err = verify(&entries).unwrap_err();
        assert_eq!(err.seq, 2);
        assert!(err.reason.contains("missing"), "{err}");
        // Removing the first one is caught too.
        let mut entries = chain(3);
        entries.remove(0);
        assert_eq!(broken_at(&entries), 1);
    }

    #[test]
    fn a_removal_hidden_by_renumbering_breaks_the_hashes() {
        let mut entries = chain(5);
        entries.remove(1);
        for (i, e) in entries.iter_mut().enumerate() {
            e.seq = i as u64 + 1;
        }
        // Entry 2 is now the old third: its prev_hash names the removed entry.
        let err = verify(&entries).unwrap_err();
        assert_eq!(err.seq, 2);
        assert!(err.reason.contains("prev_hash"), "{err}");
    }

    #[test]
    fn two_swapped_entries_are_named() {
        let mut entries = chain(5);
        entries.swap(1, 2);
        let err = verify(&entries).unwrap_err();
        assert_eq!(err.seq, 2);
        assert!(err.reason.contains("out of order") || err.reason.contains("missing"), "{err}");
    }

    #[test]
    fn tail_truncation_shows_only_as_a_different_head() {
        let entries = chain(5);
        let full = verify(&entries).unwrap();
        let truncated = verify(&entries[..3]).unwrap();
        assert_eq!(truncated.entries, 3);
        assert_ne!(truncated.head, full.head);
    }
}
