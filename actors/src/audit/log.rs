//! The daemon's audit appender: the chain head in memory, appends serialised.

use std::collections::VecDeque;

use tokio::sync::Mutex;
use trader::time::Timestamp;

use super::entry::{AuditEntry, ChainHead};
use crate::auth::Role;
use crate::journal::{AppendError, JournalError, JournalHandle};
use crate::records::JournalRecord;

/// How many recent entries `GET /api/v1/admin/audit` can list (the rest stay in the journal).
pub const RECENT_CAPACITY: usize = 1_000;

/// What the control plane knows about one finished mutating request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRequest {
    /// The verified principal's name, or `anonymous`.
    pub who: String,
    /// The principal's role, if any.
    pub role: Option<Role>,
    /// The HTTP method.
    pub method: String,
    /// The matched route template.
    pub path: String,
    /// The status answered.
    pub status: u16,
}

/// Why an entry was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The journal refused the record (queue full or closed).
    #[error("audit entry not queued: {0}")]
    Append(#[from] AppendError),
    /// The record could not be encoded or its commit failed.
    #[error("audit entry not durable: {0}")]
    Journal(#[from] JournalError),
}

struct Chain {
    head: ChainHead,
    /// Oldest first, at most [`RECENT_CAPACITY`].
    recent: VecDeque<AuditEntry>,
}

/// Appends audit entries to the journal, one at a time.
///
/// The mutex is held from building an entry until its record is durable, so entries reach the
/// journal in chain order and the head only moves past an entry that is stored: a failed commit
/// leaves no gap for the next entry to chain over. The cost is one durable commit per audited
/// request, serialised — fine for operator actions; revisit (enqueue under the lock, await
/// outside) if order placement through the API must go faster than the disk's fsync rate.
pub struct AuditLog {
    journal: JournalHandle,
    chain: Mutex<Chain>,
}

impl AuditLog {
    /// An appender continuing after `recent`, the last entries recovered from the journal in
    /// chain order (empty for a new chain).
    pub fn new(journal: JournalHandle, recent: impl IntoIterator<Item = AuditEntry>) -> AuditLog {
        let mut recent: VecDeque<AuditEntry> = recent.into_iter().collect();
        while recent.len() > RECENT_CAPACITY {
            recent.pop_front();
        }
        let head = recent.back().map_or(ChainHead::GENESIS, AuditEntry::head);
        AuditLog { journal, chain: Mutex::new(Chain { head, recent }) }
    }

    /// Chains an entry for `request` at `at` and waits until it is durable.
    pub async fn record(&self, request: AuditRequest, at: Timestamp) -> Result<AuditEntry, AuditError> {
        let mut chain = self.chain.lock().await;
        let AuditRequest { who, role, method, path, status } = request;
        let entry = AuditEntry::chained(chain.head, at, who, role, method, path, status);
        let record = JournalRecord::Audit(entry.clone()).encode()?;
        self.journal.append(record)?.wait().await?;
        chain.head = entry.head();
        if chain.recent.len() == RECENT_CAPACITY {
            chain.recent.pop_front();
        }
        chain.recent.push_back(entry.clone());
        Ok(entry)
    }

    /// Up to `limit` of the most recent entries, newest first.
    pub async fn recent(&self, limit: usize) -> Vec<AuditEntry> {
        self.chain.lock().await.recent.iter().rev().take(limit).cloned().collect()
    }

    /// The current chain head.
    pub async fn head(&self) -> ChainHead {
        self.chain.lock().await.head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::verify;
    use crate::journal::{JournalConfig, JournalStore, JournalWriter, MemoryStore};
    use crate::records::decode_record;
    use std::num::NonZeroUsize;

    fn request(who: &str, status: u16) -> AuditRequest {
        AuditRequest {
            who: who.into(),
            role: Some(Role::Risk),
            method: "POST".into(),
            path: "/api/v1/admin/kill-switch".into(),
            status,
        }
    }

    fn config() -> JournalConfig {
        JournalConfig { queue_capacity: NonZeroUsize::new(16).unwrap(), max_batch: NonZeroUsize::new(16).unwrap() }
    }

    #[tokio::test]
    async fn entries_are_journaled_in_chain_order_and_continue_after_a_restart() {
        let (journal, thread) = JournalWriter::start(MemoryStore::new(), config()).unwrap();
        let log = AuditLog::new(journal.clone(), Vec::new());
        let first = log.record(request("rita", 200), Timestamp::from_nanos(1)).await.unwrap();
        let second = log.record(request("rita", 403), Timestamp::from_nanos(2)).await.unwrap();
        assert_eq!((first.seq, second.seq, second.prev_hash), (1, 2, first.hash));
        assert_eq!(log.recent(10).await, [second.clone(), first.clone()]);
        assert_eq!(log.recent(1).await, std::slice::from_ref(&second));

        // A new appender recovered from the last entries continues the same chain.
        let log = AuditLog::new(journal.clone(), [first.clone(), second.clone()]);
        let third = log.record(request("anonymous", 401), Timestamp::from_nanos(3)).await.unwrap();
        assert_eq!((third.seq, third.prev_hash), (3, second.hash));

        journal.close();
        let store = thread.join().unwrap();
        let mut stored = Vec::new();
        store
            .replay(1, &mut |seq, bytes| {
                if let JournalRecord::Audit(entry) = decode_record(bytes, seq)? {
                    stored.push(entry);
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(stored, [first, second, third]);
        assert_eq!(verify(&stored).unwrap().entries, 3);
    }

    #[tokio::test]
    async fn a_closed_journal_is_an_error_and_the_head_does_not_move() {
        let (journal, _thread) = JournalWriter::start(MemoryStore::new(), config()).unwrap();
        let log = AuditLog::new(journal.clone(), Vec::new());
        journal.close();
        assert!(matches!(log.record(request("rita", 200), Timestamp::from_nanos(1)).await, Err(AuditError::Append(_))));
        assert_eq!(log.head().await, ChainHead::GENESIS);
        assert!(log.recent(5).await.is_empty());
    }
}
