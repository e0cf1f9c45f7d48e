//! `traderd audit verify`: checking the audit chain in a stopped daemon's journal.

use std::path::{Path, PathBuf};

use super::{verify, AuditBreak, AuditEntry, VerifiedCount};
use crate::journal::{JournalError, JournalStore, RedbStore};
use crate::offline_users::JOURNAL_FILE;
use crate::records::{decode_record, JournalRecord};

/// Why the chain could not be checked, or where it is broken.
#[derive(Debug, thiserror::Error)]
pub enum AuditVerifyError {
    /// No journal where one was expected: most likely a mistyped `--state-dir`.
    #[error("no journal at {0}; check --state-dir")]
    NoJournal(PathBuf),
    /// The journal could not be opened or read (a running daemon holds it, or it is damaged).
    #[error("journal at {path}: {error} (if traderd is running it holds the journal: stop it first)")]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// What went wrong.
        error: JournalError,
    },
    /// The chain is broken.
    #[error("audit chain broken at {0}")]
    Broken(#[from] AuditBreak),
    /// The chain is intact but does not end at the head the operator kept.
    #[error("audit chain intact but its head is entry {seq} {hash}, not the expected {expected}: entries were removed from the end")]
    HeadMismatch {
        /// The head's sequence.
        seq: u64,
        /// The head's hash, hex.
        hash: String,
        /// The `--expect-head` given.
        expected: String,
    },
}

/// Every audit entry in `store`, in journal order.
pub fn read_entries(store: &dyn JournalStore) -> Result<Vec<AuditEntry>, JournalError> {
    let mut entries = Vec::new();
    store.replay(1, &mut |sequence, bytes| {
        if let JournalRecord::Audit(entry) = decode_record(bytes, sequence)? {
            entries.push(entry);
        }
        Ok(())
    })?;
    Ok(entries)
}

/// Verifies the audit chain in `state_dir`'s journal. With `expect_head` (`SEQ:HEX`, as printed by
/// an earlier run) the chain must also end exactly there, which detects a truncated tail.
pub fn verify_state_dir(state_dir: &Path, expect_head: Option<&str>) -> Result<VerifiedCount, AuditVerifyError> {
    let path = state_dir.join(JOURNAL_FILE);
    if !path.is_file() {
        return Err(AuditVerifyError::NoJournal(path));
    }
    let journal_error = |error| AuditVerifyError::Journal { path: path.clone(), error };
    let store = RedbStore::open(&path).map_err(journal_error)?;
    let entries = read_entries(&store).map_err(journal_error)?;
    let verified = verify(&entries)?;
    if let Some(expected) = expect_head {
        let actual = head_text(&verified);
        if actual != expected.trim() {
            return Err(AuditVerifyError::HeadMismatch {
                seq: verified.head.seq,
                hash: crate::auth::hex::encode(&verified.head.hash),
                expected: expected.to_owned(),
            });
        }
    }
    Ok(verified)
}

/// The head as `SEQ:HEX`, the form `--expect-head` takes.
pub fn head_text(verified: &VerifiedCount) -> String {
    format!("{}:{}", verified.head.seq, crate::auth::hex::encode(&verified.head.hash))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditEntry, ChainHead};
    use crate::auth::Role;
    use crate::test_dir::TestDir;
    use trader::time::Timestamp;

    /// A journal in `dir` holding a run record and then audit entries 1..=n (after `skip`ping
    /// the ones listed).
    fn journal(dir: &Path, n: u64, skip: &[u64]) -> VerifiedCount {
        let mut store = RedbStore::open(dir.join(JOURNAL_FILE)).unwrap();
        let mut records = vec![JournalRecord::RunStarted { at: Timestamp::from_nanos(1) }.encode().unwrap()];
        let mut head = ChainHead::GENESIS;
        let mut entries = Vec::new();
        for i in 1..=n {
            let entry = AuditEntry::chained(
                head,
                Timestamp::from_nanos(i as i64),
                "rhea".into(),
                Some(Role::Risk),
                "POST".into(),
                "/api/v1/admin/kill-switch".into(),
                200,
            );
            head = entry.head();
            entries.push(entry.clone());
            if !skip.contains(&i) {
                records.push(JournalRecord::Audit(entry).encode().unwrap());
            }
        }
        store.append_batch(&records).unwrap();
        verify(&entries).unwrap()
    }

    #[test]
    fn an_intact_journal_verifies_and_its_head_can_be_pinned() {
        let dir = TestDir::new("audit-intact");
        let full = journal(dir.path(), 4, &[]);
        assert_eq!(verify_state_dir(dir.path(), None).unwrap(), full);
        let pinned = head_text(&full);
        assert!(pinned.starts_with("4:") && pinned.len() == 2 + 64, "{pinned}");
        assert_eq!(verify_state_dir(dir.path(), Some(&pinned)).unwrap(), full);
    }

    #[test]
    fn a_removed_entry_in_the_journal_is_named() {
        let dir = TestDir::new("audit-removed");
        journal(dir.path(), 4, &[2]);
        let err = verify_state_dir(dir.path(), None).unwrap_err();
        assert!(matches!(&err, AuditVerifyError::Broken(b) if b.seq == 2), "{err}");
    }

    #[test]
    fn a_truncated_tail_is_caught_only_against_the_pinned_head() {
        let full_dir = TestDir::new("audit-full");
        let pinned = head_text(&journal(full_dir.path(), 4, &[]));
        let dir = TestDir::new("audit-truncated");
        journal(dir.path(), 4, &[4]);
        assert_eq!(verify_state_dir(dir.path(), None).unwrap().entries, 3, "a shorter chain is still a chain");
        let err = verify_state_dir(dir.path(), Some(&pinned)).unwrap_err();
        assert!(matches!(err, AuditVerifyError::HeadMismatch { seq: 3, .. }), "{err}");
    }

    #[test]
    fn a_missing_journal_says_where_it_looked() {
        let dir = TestDir::new("audit-none");
        let err = verify_state_dir(&dir.path().join("nope"), None).unwrap_err();
        assert!(matches!(err, AuditVerifyError::NoJournal(_)), "{err}");
    }
}
