//! Counters the writer and the handles update, and the snapshot `JournalHandle::stats` returns.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// A snapshot of the journal's progress. Fields are read one by one, not atomically together,
/// so under load they may disagree by a few records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalStats {
    /// Records waiting in the queue.
    pub queue_depth: usize,
    /// The queue's capacity.
    pub queue_capacity: usize,
    /// Records accepted by `append` since start.
    pub appended_records: u64,
    /// Records committed since start.
    pub committed_records: u64,
    /// Records whose batch failed to commit since start (their callers received the error).
    pub failed_records: u64,
    /// Batches that failed to commit since start.
    pub failed_batches: u64,
    /// Records refused because the queue was full, since start.
    pub refused_records: u64,
    /// Sequence number of the last committed record (including those committed before start).
    pub committed_sequence: u64,
    /// Records in the last batch the writer committed or tried to commit.
    pub last_batch_size: usize,
    /// How long that batch took.
    pub last_commit_duration: Duration,
}

impl JournalStats {
    /// Records accepted but not yet committed or failed: the queue plus the batch in flight.
    pub fn lag(&self) -> u64 {
        self.appended_records.saturating_sub(self.committed_records).saturating_sub(self.failed_records)
    }
}

/// The live counters behind [`JournalStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) queue_depth: AtomicUsize,
    pub(crate) appended_records: AtomicU64,
    pub(crate) committed_records: AtomicU64,
    pub(crate) failed_records: AtomicU64,
    pub(crate) failed_batches: AtomicU64,
    pub(crate) refused_records: AtomicU64,
    pub(crate) committed_sequence: AtomicU64,
    pub(crate) last_batch_size: AtomicUsize,
    pub(crate) last_commit_nanos: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self, queue_capacity: usize) -> JournalStats {
        JournalStats {
            queue_depth: self.queue_depth.load(Relaxed),
            queue_capacity,
            appended_records: self.appended_records.load(Relaxed),
            committed_records: self.committed_records.load(Relaxed),
            failed_records: self.failed_records.load(Relaxed),
            failed_batches: self.failed_batches.load(Relaxed),
            refused_records: self.refused_records.load(Relaxed),
            committed_sequence: self.committed_sequence.load(Relaxed),
            last_batch_size: self.last_batch_size.load(Relaxed),
            last_commit_duration: Duration::from_nanos(self.last_commit_nanos.load(Relaxed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_what_is_neither_committed_nor_failed() {
        let stats = JournalStats {
            queue_depth: 3,
            queue_capacity: 8,
            appended_records: 10,
            committed_records: 5,
            failed_records: 2,
            failed_batches: 1,
            refused_records: 0,
            committed_sequence: 5,
            last_batch_size: 2,
            last_commit_duration: Duration::ZERO,
        };
        assert_eq!(stats.lag(), 3);
        // counters read one by one can momentarily show more committed than appended
        assert_eq!(JournalStats { committed_records: 11, ..stats }.lag(), 0);
    }
}
