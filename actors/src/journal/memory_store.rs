//! An in-memory journal store for tests and benches: same contract, no durability.

use super::{JournalError, JournalStore, ReplayFn};

/// Keeps records in a `Vec`; record `i` has sequence `i + 1`. Nothing survives the process.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    records: Vec<Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl JournalStore for MemoryStore {
    fn append_batch(&mut self, records: &[Vec<u8>]) -> Result<u64, JournalError> {
        self.records.extend_from_slice(records);
        self.last_sequence()
    }

    fn replay(&self, from_seq: u64, f: &mut ReplayFn<'_>) -> Result<(), JournalError> {
        for (sequence, record) in (1u64..).zip(&self.records) {
            if sequence >= from_seq {
                f(sequence, record)?;
            }
        }
        Ok(())
    }

    fn last_sequence(&self) -> Result<u64, JournalError> {
        Ok(self.records.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_one_and_replays_from_a_sequence() {
        let mut store = MemoryStore::new();
        assert_eq!(store.last_sequence(), Ok(0));
        assert_eq!(store.append_batch(&[]), Ok(0));
        assert_eq!(store.append_batch(&[vec![1], vec![2]]), Ok(2));
        assert_eq!(store.append_batch(&[vec![3]]), Ok(3));
        let mut seen = Vec::new();
        store
            .replay(2, &mut |seq, bytes| {
                seen.push((seq, bytes.to_vec()));
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, [(2, vec![2]), (3, vec![3])]);
    }
}
