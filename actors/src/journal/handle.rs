//! The cloneable handle through which actors append records to the journal.

use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;

use tokio::sync::oneshot;

use super::writer::{Command, Shared};
use super::{AppendError, JournalStats, PendingAck};

/// Appends records to the journal. Cheap to clone; every clone feeds the same bounded queue.
///
/// The writer thread stops once every handle is dropped or any handle calls
/// [`close`](JournalHandle::close), after committing what is queued.
#[derive(Clone)]
pub struct JournalHandle {
    sender: SyncSender<Command>,
    shared: Arc<Shared>,
}

impl JournalHandle {
    pub(crate) fn new(sender: SyncSender<Command>, shared: Arc<Shared>) -> Self {
        JournalHandle { sender, shared }
    }

    /// Queues an encoded record (see [`encode`](super::encode)) for the next group commit.
    ///
    /// Never blocks: a full queue is refused at once with [`AppendError::Full`] so the caller can
    /// refuse the order with that reason (backpressure, ARCHITECTURE §3), and a closed journal
    /// with [`AppendError::Closed`]. On success the record will be committed; the returned ack
    /// says when it is durable and under which sequence number.
    pub fn append(&self, record: Vec<u8>) -> Result<PendingAck, AppendError> {
        if self.shared.closed.load(SeqCst) {
            return Err(AppendError::Closed);
        }
        let (ack, receiver) = oneshot::channel();
        let counters = &self.shared.counters;
        // Counted before the send, so the writer's decrement for this record can never come first.
        let depth = counters.queue_depth.fetch_add(1, Relaxed) + 1;
        counters.appended_records.fetch_add(1, Relaxed);
        match self.sender.try_send(Command::Append { record, ack }) {
            Ok(()) => {
                self.shared.metrics.queue_depth.set(depth as f64);
                Ok(PendingAck::new(receiver))
            }
            Err(refused) => {
                counters.queue_depth.fetch_sub(1, Relaxed);
                counters.appended_records.fetch_sub(1, Relaxed);
                match refused {
                    TrySendError::Full(_) => {
                        counters.refused_records.fetch_add(1, Relaxed);
                        self.shared.metrics.queue_refused.increment(1);
                        tracing::warn!(capacity = self.shared.capacity, "journal queue full; record refused");
                        Err(AppendError::Full { capacity: self.shared.capacity })
                    }
                    TrySendError::Disconnected(_) => Err(AppendError::Closed),
                }
            }
        }
    }

    /// Queue depth, capacity, committed sequence, last batch size and commit duration.
    pub fn stats(&self) -> JournalStats {
        self.shared.counters.snapshot(self.shared.capacity)
    }

    /// Closes the journal for every handle: later appends are refused with
    /// [`AppendError::Closed`]; the writer commits what is already queued, then exits. An append
    /// racing with `close` may still be queued after the writer's last look at the queue; its ack
    /// then resolves to [`JournalError::WriterStopped`](super::JournalError::WriterStopped).
    pub fn close(&self) {
        self.shared.closed.store(true, SeqCst);
        // Wakes a writer waiting on an empty queue. If the queue is full the writer is busy and
        // sees the flag after its next batch, so a refused wake-up loses nothing.
        let _ = self.sender.try_send(Command::Close);
    }

    /// Whether [`close`](JournalHandle::close) was called.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(SeqCst)
    }
}

impl std::fmt::Debug for JournalHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalHandle").field("stats", &self.stats()).field("closed", &self.is_closed()).finish()
    }
}
