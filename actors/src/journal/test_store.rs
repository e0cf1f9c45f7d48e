//! A journal store for writer tests: it can hold a batch behind a gate and fail chosen commits.

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{JournalError, JournalStore, MemoryStore, ReplayFn};

/// How long a test waits for the writer before declaring it stuck (a deadlock guard only: the
/// tests synchronise on events, they never wait for time to pass).
const STUCK: Duration = Duration::from_secs(30);

/// A [`MemoryStore`] whose every `append_batch` first announces itself and, when gated, waits for
/// a permit from the test.
pub(crate) struct TestStore {
    inner: MemoryStore,
    calls: usize,
    fail_calls: Vec<usize>,
    attempts: Arc<Mutex<Vec<usize>>>,
    entered: Sender<usize>,
    permits: Option<Receiver<()>>,
}

/// The test's side of a [`TestStore`].
pub(crate) struct StoreControl {
    entered: Receiver<usize>,
    permits: Option<Sender<()>>,
    attempts: Arc<Mutex<Vec<usize>>>,
}

impl TestStore {
    /// A store that holds every batch until the test releases it (or opens the gate for good).
    pub(crate) fn gated() -> (TestStore, StoreControl) {
        let (entered_tx, entered_rx) = channel();
        let (permit_tx, permit_rx) = channel();
        let attempts = Arc::new(Mutex::new(Vec::new()));
        let store = TestStore {
            inner: MemoryStore::new(),
            calls: 0,
            fail_calls: Vec::new(),
            attempts: Arc::clone(&attempts),
            entered: entered_tx,
            permits: Some(permit_rx),
        };
        (store, StoreControl { entered: entered_rx, permits: Some(permit_tx), attempts })
    }

    /// Makes the `call`-th `append_batch` (counting from 1) fail without writing anything.
    pub(crate) fn failing_call(mut self, call: usize) -> Self {
        self.fail_calls.push(call);
        self
    }

    /// What was durably stored, in sequence order.
    pub(crate) fn records(&self) -> Vec<(u64, Vec<u8>)> {
        let mut out = Vec::new();
        self.inner
            .replay(1, &mut |seq, bytes| {
                out.push((seq, bytes.to_vec()));
                Ok(())
            })
            .unwrap();
        out
    }
}

impl StoreControl {
    /// Waits until the writer is inside `append_batch`; returns the batch's size.
    pub(crate) fn wait_entered(&self) -> usize {
        match self.entered.recv_timeout(STUCK) {
            Ok(size) => size,
            Err(RecvTimeoutError::Timeout) => panic!("the writer never reached the store"),
            Err(RecvTimeoutError::Disconnected) => panic!("the store was dropped"),
        }
    }

    /// Lets one held batch through.
    pub(crate) fn release_one(&self) {
        if let Some(permits) = &self.permits {
            permits.send(()).unwrap();
        }
    }

    /// Lets every batch through from now on.
    pub(crate) fn open(&mut self) {
        self.permits = None;
    }

    /// The size of every batch the writer tried to commit, in order.
    pub(crate) fn attempts(&self) -> Vec<usize> {
        self.attempts.lock().unwrap().clone()
    }
}

impl JournalStore for TestStore {
    fn append_batch(&mut self, records: &[Vec<u8>]) -> Result<u64, JournalError> {
        self.calls += 1;
        self.attempts.lock().unwrap().push(records.len());
        let _ = self.entered.send(records.len());
        // A dropped sender means the test opened the gate for good.
        if self.permits.as_ref().is_some_and(|permits| permits.recv().is_err()) {
            self.permits = None;
        }
        if self.fail_calls.contains(&self.calls) {
            return Err(JournalError::Storage { operation: "commit a batch", reason: "injected failure".into() });
        }
        self.inner.append_batch(records)
    }

    fn replay(&self, from_seq: u64, f: &mut ReplayFn<'_>) -> Result<(), JournalError> {
        self.inner.replay(from_seq, f)
    }

    fn last_sequence(&self) -> Result<u64, JournalError> {
        self.inner.last_sequence()
    }
}
