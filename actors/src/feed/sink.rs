//! `FeedSink`: the bounded queue from a source to the feed handler.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::{FeedError, FeedEvent};

/// The sending side of a source's bounded event queue. When the queue is full, `send` waits: the
/// feed handler drains it without doing work per event beyond handing it on, so a wait is short,
/// and a source that cannot keep up slows down rather than growing memory. Each wait is counted
/// so `/metrics` can show back-pressure. If the handler is gone, `send` fails instead of waiting
/// forever.
#[derive(Debug, Clone)]
pub struct FeedSink {
    tx: mpsc::Sender<FeedEvent>,
    waits: Arc<AtomicU64>,
}

impl FeedSink {
    /// A sink and the handler's receiver, holding up to `capacity` (at least 1) events.
    pub fn channel(capacity: usize) -> (FeedSink, mpsc::Receiver<FeedEvent>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (FeedSink::new(tx), rx)
    }

    /// Wraps an existing bounded sender.
    pub fn new(tx: mpsc::Sender<FeedEvent>) -> FeedSink {
        FeedSink { tx, waits: Arc::new(AtomicU64::new(0)) }
    }

    /// Queues `event`, waiting while the queue is full. `Err(SinkClosed)` when the handler has
    /// dropped its receiver: the source should stop.
    pub async fn send(&self, event: FeedEvent) -> Result<(), FeedError> {
        match self.tx.try_send(event) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(FeedError::SinkClosed),
            Err(mpsc::error::TrySendError::Full(event)) => {
                self.waits.fetch_add(1, Ordering::Relaxed);
                self.tx.send(event).await.map_err(|_| FeedError::SinkClosed)
            }
        }
    }

    /// How many sends found the queue full and had to wait (shared by clones).
    pub fn backpressure_waits(&self) -> u64 {
        self.waits.load(Ordering::Relaxed)
    }

    /// Whether the handler has dropped its receiver.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waits_when_full_counts_the_wait_and_fails_once_closed() {
        let (sink, mut rx) = FeedSink::channel(1);
        sink.send(FeedEvent::Connected).await.unwrap();
        assert_eq!(sink.backpressure_waits(), 0);
        let waiting = {
            let sink = sink.clone();
            tokio::spawn(async move { sink.send(FeedEvent::Malformed { reason: "second".into() }).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the second send waits for room");
        assert_eq!(rx.recv().await, Some(FeedEvent::Connected));
        assert_eq!(waiting.await.unwrap(), Ok(()));
        assert_eq!(sink.backpressure_waits(), 1);
        assert_eq!(rx.recv().await, Some(FeedEvent::Malformed { reason: "second".into() }));
        drop(rx);
        assert!(sink.is_closed());
        assert_eq!(sink.send(FeedEvent::Connected).await, Err(FeedError::SinkClosed));
    }
}
