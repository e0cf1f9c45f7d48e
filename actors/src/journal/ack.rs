//! The acknowledgement of one appended record: resolved once its batch is durable.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use super::JournalError;

/// What the writer sends back for one record: its sequence number, or why its batch failed.
pub(crate) type AckResult = Result<u64, JournalError>;

/// Resolves to the record's sequence number after the batch containing it has committed durably,
/// or to the error that failed that batch.
///
/// Await it (it is a future; [`PendingAck::wait`] reads better) when the caller may answer only
/// once the record is durable, e.g. an order submitted through the API. Drop it to append
/// fire-and-forget, e.g. a strategy's order that goes to the broker at once (ARCHITECTURE §4);
/// the writer then only logs and counts a failure.
#[must_use = "await the ack for durability, or drop it explicitly to append fire-and-forget"]
#[derive(Debug)]
pub struct PendingAck {
    receiver: oneshot::Receiver<AckResult>,
}

impl PendingAck {
    pub(crate) fn new(receiver: oneshot::Receiver<AckResult>) -> Self {
        PendingAck { receiver }
    }

    /// Waits until the record is durable and returns its sequence number.
    pub async fn wait(self) -> Result<u64, JournalError> {
        self.await
    }

    /// Blocks the current thread until the record is durable. For threads outside the async
    /// runtime only: calling it from async code panics (tokio refuses to block a runtime thread).
    pub fn blocking_wait(self) -> Result<u64, JournalError> {
        self.receiver.blocking_recv().unwrap_or(Err(JournalError::WriterStopped))
    }
}

impl Future for PendingAck {
    type Output = Result<u64, JournalError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The sender is dropped unsent only if the writer thread ended without committing.
        Pin::new(&mut self.receiver).poll(cx).map(|sent| sent.unwrap_or(Err(JournalError::WriterStopped)))
    }
}
