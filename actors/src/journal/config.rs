//! How big the journal's queue and batches are.

use std::num::NonZeroUsize;

/// Sizing of the journal writer. Both are non-zero by type: a zero-capacity queue would refuse
/// every record, and a zero batch could never commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalConfig {
    /// How many records may wait for the writer before `append` refuses new ones.
    pub queue_capacity: NonZeroUsize,
    /// The most records committed in one transaction.
    pub max_batch: NonZeroUsize,
}
