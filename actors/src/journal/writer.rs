//! The journal writer: one OS thread that owns the store and group-commits a bounded queue.
//!
//! The queue is a `std::sync::mpsc::sync_channel`. Its consumer is a plain OS thread that should
//! sleep in the kernel while the queue is empty, which is what std's blocking `recv` does, and
//! producers only ever call `try_send`, which never blocks. A dedicated thread (rather than a tokio
//! task or `spawn_blocking`) keeps the fsync of every commit off the async runtime's workers.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use tokio::sync::oneshot;

use super::ack::AckResult;
use super::stats::Counters;
use super::telemetry::JournalMetrics;
use super::{JournalConfig, JournalError, JournalHandle, JournalMetricNames, JournalStore};

/// What a handle sends the writer thread.
pub(crate) enum Command {
    /// Commit this record, then answer on `ack`.
    Append { record: Vec<u8>, ack: oneshot::Sender<AckResult> },
    /// Commit what is queued, then stop.
    Close,
}

/// State shared by the handles and the writer thread.
pub(crate) struct Shared {
    pub(crate) capacity: usize,
    pub(crate) counters: Counters,
    pub(crate) metrics: JournalMetrics,
    pub(crate) closed: AtomicBool,
}

/// Starts the journal writer thread.
#[derive(Debug)]
pub struct JournalWriter;

impl JournalWriter {
    /// Starts the writer thread over `store`, recording metrics under [`JournalMetricNames::DEFAULT`].
    ///
    /// Returns the handle to append with and the thread's join handle, which yields the store back
    /// once the journal is closed and drained (or an `Err` if the store panicked).
    pub fn start<S: JournalStore>(
        store: S,
        config: JournalConfig,
    ) -> Result<(JournalHandle, JoinHandle<S>), JournalError> {
        Self::start_with_metric_names(store, config, JournalMetricNames::DEFAULT)
    }

    /// As [`start`](JournalWriter::start), recording metrics under `names`. Metric handles are
    /// resolved here, from the recorder installed at this moment: install the exporter first.
    pub fn start_with_metric_names<S: JournalStore>(
        store: S,
        config: JournalConfig,
        names: JournalMetricNames,
    ) -> Result<(JournalHandle, JoinHandle<S>), JournalError> {
        let capacity = config.queue_capacity.get();
        let shared = Arc::new(Shared {
            capacity,
            counters: Counters::default(),
            metrics: JournalMetrics::resolve(&names),
            closed: AtomicBool::new(false),
        });
        shared.counters.committed_sequence.store(store.last_sequence()?, Relaxed);
        shared.metrics.queue_capacity.set(capacity as f64);
        shared.metrics.queue_depth.set(0.0);
        let (sender, receiver) = sync_channel(capacity);
        let max_batch = config.max_batch.get();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || run(store, receiver, max_batch, &thread_shared))
            .map_err(|e| JournalError::Spawn { reason: e.to_string() })?;
        Ok((JournalHandle::new(sender, shared), thread))
    }
}

/// The writer loop: wait for one record, drain up to `max_batch`, commit once, answer every ack.
fn run<S: JournalStore>(mut store: S, receiver: Receiver<Command>, max_batch: usize, shared: &Shared) -> S {
    let mut batch = Batch::with_capacity(max_batch);
    let mut closing = false;
    loop {
        closing |= shared.closed.load(SeqCst);
        // While closing, only what is already queued is committed; an empty queue ends the thread.
        // Otherwise wait; `recv` fails once every handle is dropped and the queue is empty.
        let first = if closing { receiver.try_recv().ok() } else { receiver.recv().ok() };
        let Some(first) = first else { break };
        closing |= batch.take(first, shared);
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(command) => closing |= batch.take(command, shared),
                Err(_) => break,
            }
        }
        shared.metrics.queue_depth.set(shared.counters.queue_depth.load(Relaxed) as f64);
        if batch.len() > 0 {
            commit(&mut store, &mut batch, shared);
        }
    }
    store
}

/// The records being committed together and the acks waiting on them, index for index.
struct Batch {
    records: Vec<Vec<u8>>,
    acks: Vec<oneshot::Sender<AckResult>>,
}

impl Batch {
    fn with_capacity(capacity: usize) -> Self {
        Batch { records: Vec::with_capacity(capacity), acks: Vec::with_capacity(capacity) }
    }

    fn len(&self) -> usize {
        self.records.len()
    }

    /// Adds an appended record; returns whether the command asked the writer to close.
    fn take(&mut self, command: Command, shared: &Shared) -> bool {
        match command {
            Command::Append { record, ack } => {
                shared.counters.queue_depth.fetch_sub(1, Relaxed);
                self.records.push(record);
                self.acks.push(ack);
                false
            }
            Command::Close => true,
        }
    }
}

/// Commits the batch in one durable transaction, then resolves its acks: all with their sequence
/// numbers, or all with the error, because no record of a failed batch is durable.
fn commit<S: JournalStore>(store: &mut S, batch: &mut Batch, shared: &Shared) {
    let size = batch.len();
    let started = Instant::now();
    let result = store.append_batch(&batch.records).and_then(|last| first_sequence(last, size));
    let took = started.elapsed();
    batch.records.clear();

    let counters = &shared.counters;
    counters.last_batch_size.store(size, Relaxed);
    counters.last_commit_nanos.store(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Relaxed);
    shared.metrics.commit_seconds.record(took.as_secs_f64());
    shared.metrics.batch_size.record(size as f64);
    match result {
        Ok(first) => {
            counters.committed_records.fetch_add(size as u64, Relaxed);
            counters.committed_sequence.store(first + (size as u64 - 1), Relaxed);
            for (sequence, ack) in (first..).zip(batch.acks.drain(..)) {
                // A dropped ack is a fire-and-forget append: nobody to tell.
                let _ = ack.send(Ok(sequence));
            }
        }
        Err(error) => {
            counters.failed_records.fetch_add(size as u64, Relaxed);
            counters.failed_batches.fetch_add(1, Relaxed);
            shared.metrics.commit_failures.increment(1);
            tracing::error!(%error, records = size, "journal commit failed; every record of the batch is refused");
            for ack in batch.acks.drain(..) {
                let _ = ack.send(Err(error.clone()));
            }
        }
    }
}

/// The sequence of a batch's first record from the store's answer for its last.
fn first_sequence(last: u64, size: usize) -> Result<u64, JournalError> {
    // `last - size + 1`, refusing an answer that would put the first record at or below 0.
    let first = last.checked_sub(size as u64).and_then(|before| before.checked_add(1));
    first.ok_or(JournalError::Storage {
        operation: "number a batch",
        reason: format!("the store reported last sequence {last} for a batch of {size} records"),
    })
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use futures_util::FutureExt;

    use super::*;
    use crate::journal::test_store::TestStore;
    use crate::journal::{AppendError, MemoryStore, PendingAck, ReplayFn};

    fn config(queue_capacity: usize, max_batch: usize) -> JournalConfig {
        JournalConfig {
            queue_capacity: NonZeroUsize::new(queue_capacity).unwrap(),
            max_batch: NonZeroUsize::new(max_batch).unwrap(),
        }
    }

    fn record(i: u32) -> Vec<u8> {
        i.to_le_bytes().to_vec()
    }

    fn wait_all(acks: Vec<PendingAck>) -> Vec<Result<u64, JournalError>> {
        acks.into_iter().map(PendingAck::blocking_wait).collect()
    }

    fn injected() -> JournalError {
        JournalError::Storage { operation: "commit a batch", reason: "injected failure".into() }
    }

    #[test]
    fn group_commit_takes_everything_queued_behind_a_busy_commit() {
        let (store, mut control) = TestStore::gated();
        let (journal, thread) = JournalWriter::start(store, config(128, 128)).unwrap();
        let mut acks = vec![journal.append(record(0)).unwrap()];
        assert_eq!(control.wait_entered(), 1);
        // The writer is inside the first commit: these 99 queue up behind it.
        acks.extend((1..100).map(|i| journal.append(record(i)).unwrap()));
        assert_eq!(journal.stats().queue_depth, 99);
        control.open();
        assert_eq!(wait_all(acks), (1..=100).map(Ok).collect::<Vec<_>>());
        assert_eq!(control.attempts(), [1, 99]);

        let stats = journal.stats();
        assert_eq!((stats.appended_records, stats.committed_records, stats.lag()), (100, 100, 0));
        assert_eq!((stats.committed_sequence, stats.last_batch_size, stats.queue_depth), (100, 99, 0));
        drop(journal);
        let store = thread.join().unwrap();
        let stored = store.records();
        assert_eq!(stored.len(), 100);
        assert_eq!(stored[41], (42, record(41)));
    }

    #[test]
    fn a_batch_never_exceeds_max_batch() {
        let (store, mut control) = TestStore::gated();
        let (journal, thread) = JournalWriter::start(store, config(128, 40)).unwrap();
        let mut acks = vec![journal.append(record(0)).unwrap()];
        control.wait_entered();
        acks.extend((1..100).map(|i| journal.append(record(i)).unwrap()));
        control.open();
        assert_eq!(wait_all(acks).last(), Some(&Ok(100)));
        assert_eq!(control.attempts(), [1, 40, 40, 19]);
        drop(journal);
        thread.join().unwrap();
    }

    #[tokio::test]
    async fn an_ack_resolves_only_after_its_commit_returns() {
        let (store, control) = TestStore::gated();
        let (journal, _thread) = JournalWriter::start(store, config(8, 8)).unwrap();
        let mut ack = journal.append(record(7)).unwrap();
        control.wait_entered();
        // The store holds the batch inside append_batch: not committed, so not acknowledged.
        assert!((&mut ack).now_or_never().is_none());
        assert_eq!(journal.stats().committed_sequence, 0);
        control.release_one();
        assert_eq!(ack.wait().await, Ok(1));
        assert_eq!(journal.stats().committed_sequence, 1);
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_recovers_when_drained() {
        let (store, mut control) = TestStore::gated();
        let (journal, _thread) = JournalWriter::start(store, config(4, 16)).unwrap();
        let mut acks = vec![journal.append(record(0)).unwrap()];
        control.wait_entered();
        acks.extend((1..5).map(|i| journal.append(record(i)).unwrap()));
        // The store is blocked, so a blocking append would hang here instead of returning.
        assert_eq!(journal.append(record(5)).unwrap_err(), AppendError::Full { capacity: 4 });
        let stats = journal.stats();
        assert_eq!((stats.queue_depth, stats.queue_capacity, stats.refused_records), (4, 4, 1));
        assert_eq!(stats.appended_records, 5);
        control.open();
        assert_eq!(wait_all(acks), (1..=5).map(Ok).collect::<Vec<_>>());
        assert_eq!(journal.append(record(5)).unwrap().blocking_wait(), Ok(6));
    }

    #[test]
    fn a_failed_commit_fails_every_ack_of_its_batch_and_only_those() {
        let (store, mut control) = TestStore::gated();
        let (journal, _thread) = JournalWriter::start(store.failing_call(2), config(16, 16)).unwrap();
        let first = journal.append(record(0)).unwrap();
        control.wait_entered();
        let doomed: Vec<_> = (1..4).map(|i| journal.append(record(i)).unwrap()).collect();
        control.release_one();
        assert_eq!(first.blocking_wait(), Ok(1));
        assert_eq!(control.wait_entered(), 3);
        control.release_one();
        assert_eq!(wait_all(doomed), vec![Err(injected()); 3]);
        let stats = journal.stats();
        assert_eq!((stats.failed_batches, stats.failed_records, stats.committed_sequence), (1, 3, 1));
        assert_eq!(stats.lag(), 0);
        // Nothing of the failed batch was stored, so numbering continues from the last commit.
        control.open();
        assert_eq!(journal.append(record(4)).unwrap().blocking_wait(), Ok(2));
    }

    #[test]
    fn dropping_every_handle_drains_and_commits_the_queue() {
        let (store, mut control) = TestStore::gated();
        let (journal, thread) = JournalWriter::start(store, config(16, 4)).unwrap();
        let other = journal.clone();
        let mut awaited = vec![journal.append(record(0)).unwrap()];
        control.wait_entered();
        for i in 1..11 {
            let ack = other.append(record(i)).unwrap();
            // Half fire-and-forget: they must be committed all the same.
            if i % 2 == 0 {
                awaited.push(ack);
            }
        }
        drop(journal);
        drop(other);
        control.open();
        let store = thread.join().unwrap();
        assert_eq!(store.records(), (0..11).map(|i| (u64::from(i) + 1, record(i))).collect::<Vec<_>>());
        assert_eq!(wait_all(awaited), [1, 3, 5, 7, 9, 11].map(Ok));
        assert_eq!(control.attempts(), [1, 4, 4, 2]);
    }

    #[test]
    fn close_refuses_new_records_on_every_handle_and_drains_the_queue() {
        let (store, mut control) = TestStore::gated();
        let (journal, thread) = JournalWriter::start(store, config(16, 16)).unwrap();
        let other = journal.clone();
        let mut acks = vec![journal.append(record(0)).unwrap()];
        control.wait_entered();
        acks.extend((1..4).map(|i| journal.append(record(i)).unwrap()));
        other.close();
        assert!(journal.is_closed());
        assert_eq!(journal.append(record(9)).unwrap_err(), AppendError::Closed);
        control.open();
        // `journal` is still alive: the thread ends because of close, not because of drops.
        let store = thread.join().unwrap();
        assert_eq!(store.records().len(), 4);
        assert_eq!(wait_all(acks), (1..=4).map(Ok).collect::<Vec<_>>());
        assert_eq!(journal.append(record(9)).unwrap_err(), AppendError::Closed);
    }

    #[test]
    fn a_writer_that_dies_fails_its_acks_and_refuses_new_records() {
        struct PanickingStore;
        impl JournalStore for PanickingStore {
            fn append_batch(&mut self, _: &[Vec<u8>]) -> Result<u64, JournalError> {
                panic!("store panicked (expected by this test)");
            }
            fn replay(&self, _: u64, _: &mut ReplayFn<'_>) -> Result<(), JournalError> {
                Ok(())
            }
            fn last_sequence(&self) -> Result<u64, JournalError> {
                Ok(0)
            }
        }
        let (journal, thread) = JournalWriter::start(PanickingStore, config(4, 4)).unwrap();
        let ack = journal.append(record(0)).unwrap();
        assert_eq!(ack.blocking_wait(), Err(JournalError::WriterStopped));
        assert!(thread.join().is_err());
        assert_eq!(journal.append(record(1)).unwrap_err(), AppendError::Closed);
    }

    #[test]
    fn handles_cross_threads_and_a_boxed_store_runs_the_writer() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<JournalHandle>();
        let mut store: Box<dyn JournalStore> = Box::new(MemoryStore::new());
        store.append_batch(&[record(0), record(1)]).unwrap();
        // stats start from the store's last sequence, and numbering continues after it
        let (journal, _thread) = JournalWriter::start(store, config(4, 4)).unwrap();
        assert_eq!(journal.stats().committed_sequence, 2);
        assert_eq!(journal.append(record(2)).unwrap().blocking_wait(), Ok(3));
    }

    #[test]
    fn records_metrics_under_the_given_names() {
        use metrics_exporter_prometheus::PrometheusBuilder;
        let recorder = PrometheusBuilder::new().build_recorder();
        let prometheus = recorder.handle();
        let (store, mut control) = TestStore::gated();
        // Handles are resolved at start, so the local recorder only needs to cover `start`.
        let (journal, _thread) = metrics::with_local_recorder(&recorder, || {
            JournalWriter::start_with_metric_names(store, config(2, 8), JournalMetricNames::DEFAULT)
        })
        .unwrap();
        let first = journal.append(record(0)).unwrap();
        control.wait_entered();
        let queued: Vec<_> = (1..3).map(|i| journal.append(record(i)).unwrap()).collect();
        assert!(journal.append(record(3)).is_err());
        let text = prometheus.render();
        assert!(text.contains("traderd_queue_capacity{queue=\"journal\"} 2"), "{text}");
        assert!(text.contains("traderd_queue_depth{queue=\"journal\"} 2"), "{text}");
        assert!(text.contains("traderd_queue_refused_total{queue=\"journal\"} 1"), "{text}");
        control.open();
        first.blocking_wait().unwrap();
        wait_all(queued);
        let text = prometheus.render();
        assert!(text.contains("traderd_journal_batch_size_count 2"), "{text}");
        assert!(text.contains("traderd_journal_batch_size_sum 3"), "{text}");
        assert!(text.contains("traderd_journal_commit_seconds_count 2"), "{text}");
        assert!(text.contains("traderd_queue_depth{queue=\"journal\"} 0"), "{text}");
    }
}
