//! The storage behind the journal, as a trait so a PostgreSQL backend can be added later.

use super::JournalError;

/// What [`JournalStore::replay`] calls for each record: its sequence number and encoded bytes.
/// An error stops the replay.
pub type ReplayFn<'a> = dyn FnMut(u64, &[u8]) -> Result<(), JournalError> + 'a;

/// Append-only storage of encoded journal records, numbered by the store.
///
/// Sequence numbers start at 1 and are contiguous; 0 means "no record yet". A batch is atomic and
/// durable when `append_batch` returns `Ok`: either every record of the batch survives a crash
/// (power loss, `kill -9`) or none does. The writer thread calls these from one thread only.
pub trait JournalStore: Send + 'static {
    /// Appends `records` in order in one durable transaction and returns the sequence number of
    /// the last one (so record `i` has sequence `last - len + 1 + i`). An empty batch writes
    /// nothing and returns the current last sequence.
    fn append_batch(&mut self, records: &[Vec<u8>]) -> Result<u64, JournalError>;

    /// Calls `f` with every record whose sequence is `>= from_seq`, in sequence order. An error
    /// from `f` stops the replay and is returned.
    fn replay(&self, from_seq: u64, f: &mut ReplayFn<'_>) -> Result<(), JournalError>;

    /// The sequence number of the last durable record, or 0 when the journal is empty.
    fn last_sequence(&self) -> Result<u64, JournalError>;
}

/// Lets the daemon pick a backend at run time (`Box<dyn JournalStore>`) and still hand it to the
/// generic writer.
impl<S: JournalStore + ?Sized> JournalStore for Box<S> {
    fn append_batch(&mut self, records: &[Vec<u8>]) -> Result<u64, JournalError> {
        (**self).append_batch(records)
    }

    fn replay(&self, from_seq: u64, f: &mut ReplayFn<'_>) -> Result<(), JournalError> {
        (**self).replay(from_seq, f)
    }

    fn last_sequence(&self) -> Result<u64, JournalError> {
        (**self).last_sequence()
    }
}
