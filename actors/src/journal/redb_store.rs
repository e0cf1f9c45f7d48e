//! The journal in a redb file: one table `u64 → bytes`, one durable write transaction per batch.

use std::path::{Path, PathBuf};

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use super::{JournalError, JournalStore, ReplayFn};

/// The only table: sequence number → encoded record.
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("journal");

/// A journal stored in one redb database file.
///
/// Each batch is one write transaction committed with [`Durability::Immediate`] (redb's default,
/// set explicitly because "acknowledged = durable" rests on it): when `append_batch` returns, the
/// batch is fsynced. After a crash redb reopens at the last committed transaction, so a batch is
/// either wholly present or wholly absent. redb locks the file: one process, one `RedbStore`.
pub struct RedbStore {
    db: Database,
    path: PathBuf,
    last: u64,
}

impl RedbStore {
    /// Opens the journal at `path`, creating the parent directories and the file if missing.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let at = |operation, e: &dyn std::fmt::Display| JournalError::Storage {
            operation,
            reason: format!("{}: {e}", path.display()),
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| at("create the journal directory", &e))?;
        }
        let db = Database::create(&path).map_err(|e| at("open the journal file", &e))?;
        // Create the table up front so a reader of a fresh journal finds it empty, not missing.
        let txn = db.begin_write().map_err(|e| at("begin a write transaction", &e))?;
        txn.open_table(RECORDS).map_err(|e| at("create the journal table", &e))?;
        txn.commit().map_err(|e| at("commit the journal table", &e))?;
        let last = {
            let txn = db.begin_read().map_err(|e| at("begin a read transaction", &e))?;
            let table = txn.open_table(RECORDS).map_err(|e| at("open the journal table", &e))?;
            let last = table.last().map_err(|e| at("read the last record", &e))?;
            last.map_or(0, |(key, _)| key.value())
        };
        Ok(RedbStore { db, path, last })
    }

    /// The file this journal lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore").field("path", &self.path).field("last", &self.last).finish()
    }
}

impl JournalStore for RedbStore {
    fn append_batch(&mut self, records: &[Vec<u8>]) -> Result<u64, JournalError> {
        if records.is_empty() {
            return Ok(self.last);
        }
        let mut txn = self.db.begin_write().map_err(|e| JournalError::storage("begin a write transaction", e))?;
        txn.set_durability(Durability::Immediate).map_err(|e| JournalError::storage("request a durable commit", e))?;
        let mut sequence = self.last;
        {
            let mut table = txn.open_table(RECORDS).map_err(|e| JournalError::storage("open the journal table", e))?;
            for record in records {
                sequence = sequence.checked_add(1).ok_or(JournalError::Storage {
                    operation: "number a record",
                    reason: "sequence numbers are exhausted".into(),
                })?;
                table.insert(sequence, record.as_slice()).map_err(|e| JournalError::storage("insert a record", e))?;
            }
        }
        // Any early return above drops `txn`, which aborts it: nothing of the batch is written.
        txn.commit().map_err(|e| JournalError::storage("commit a batch", e))?;
        self.last = sequence;
        Ok(sequence)
    }

    fn replay(&self, from_seq: u64, f: &mut ReplayFn<'_>) -> Result<(), JournalError> {
        let txn = self.db.begin_read().map_err(|e| JournalError::storage("begin a read transaction", e))?;
        let table = txn.open_table(RECORDS).map_err(|e| JournalError::storage("open the journal table", e))?;
        for entry in table.range(from_seq..).map_err(|e| JournalError::storage("read the journal", e))? {
            let (key, value) = entry.map_err(|e| JournalError::storage("read a record", e))?;
            f(key.value(), value.value())?;
        }
        Ok(())
    }

    fn last_sequence(&self) -> Result<u64, JournalError> {
        Ok(self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dir::TestDir;

    fn collect(store: &RedbStore, from: u64) -> Vec<(u64, Vec<u8>)> {
        let mut seen = Vec::new();
        store
            .replay(from, &mut |seq, bytes| {
                seen.push((seq, bytes.to_vec()));
                Ok(())
            })
            .unwrap();
        seen
    }

    #[test]
    fn appends_and_replays_across_reopen() {
        let dir = TestDir::new("redb-reopen");
        // a missing parent directory is created
        let path = dir.path().join("state").join("journal.redb");
        {
            let mut store = RedbStore::open(&path).unwrap();
            assert_eq!(store.last_sequence(), Ok(0));
            assert!(collect(&store, 0).is_empty());
            assert_eq!(store.append_batch(&[b"a".to_vec(), b"bb".to_vec()]), Ok(2));
            assert_eq!(store.append_batch(&[]), Ok(2));
            assert_eq!(store.append_batch(&[b"ccc".to_vec()]), Ok(3));
        }
        let mut store = RedbStore::open(&path).unwrap();
        assert_eq!(store.last_sequence(), Ok(3));
        assert_eq!(collect(&store, 0), [(1, b"a".to_vec()), (2, b"bb".to_vec()), (3, b"ccc".to_vec())]);
        assert_eq!(collect(&store, 3), [(3, b"ccc".to_vec())]);
        assert!(collect(&store, 4).is_empty());
        // numbering continues after the reopened tail
        assert_eq!(store.append_batch(&[Vec::new()]), Ok(4));
        assert_eq!(collect(&store, 4), [(4, Vec::new())]);
    }

    #[test]
    fn a_replay_callback_error_stops_the_replay() {
        let dir = TestDir::new("redb-replay-error");
        let mut store = RedbStore::open(dir.path().join("journal.redb")).unwrap();
        store.append_batch(&[vec![1], vec![2], vec![3]]).unwrap();
        let mut calls = 0;
        let err = store
            .replay(1, &mut |sequence, _| {
                calls += 1;
                Err(JournalError::EmptyRecord { sequence })
            })
            .unwrap_err();
        assert_eq!(err, JournalError::EmptyRecord { sequence: 1 });
        assert_eq!(calls, 1);
    }

    #[test]
    fn a_second_open_of_the_same_file_is_refused() {
        let dir = TestDir::new("redb-locked");
        let path = dir.path().join("journal.redb");
        let _first = RedbStore::open(&path).unwrap();
        let err = RedbStore::open(&path).unwrap_err();
        assert!(matches!(err, JournalError::Storage { operation: "open the journal file", .. }), "{err}");
    }
}
