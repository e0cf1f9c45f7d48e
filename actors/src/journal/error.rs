//! What can go wrong in the journal, typed so callers can refuse an order with the real reason.

use thiserror::Error;

/// A journal failure: encoding, decoding a stored record, storage, or the writer thread.
///
/// `Clone` because one failed commit fails every acknowledgement in its batch, and each waiting
/// caller receives its own copy. Storage errors therefore carry the backend's message as text
/// rather than the backend's (non-`Clone`) error value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JournalError {
    /// The record could not be serialised (postcard refuses, e.g., sequences of unknown length).
    #[error("journal record could not be encoded: {reason}")]
    Encode {
        /// The serialiser's message.
        reason: String,
    },
    /// A stored record has no bytes at all, so not even a version byte.
    #[error("journal record {sequence}: empty, it has no version byte")]
    EmptyRecord {
        /// Sequence number of the record.
        sequence: u64,
    },
    /// A stored record was written in a format version this build does not read.
    #[error(
        "journal record {sequence}: format version {found} is not supported (this build reads version {expected})"
    )]
    UnsupportedVersion {
        /// Sequence number of the record.
        sequence: u64,
        /// The version byte found in the record.
        found: u8,
        /// The version the caller asked to decode.
        expected: u8,
    },
    /// A stored record's body does not decode as the expected type.
    #[error("journal record {sequence}: body does not decode as version {version}: {reason}")]
    Decode {
        /// Sequence number of the record.
        sequence: u64,
        /// The record's version byte.
        version: u8,
        /// The deserialiser's message.
        reason: String,
    },
    /// A stored record decoded but bytes were left over, so it is not the type it was read as.
    #[error("journal record {sequence}: {count} bytes left over after decoding the record")]
    TrailingBytes {
        /// Sequence number of the record.
        sequence: u64,
        /// How many bytes were left.
        count: usize,
    },
    /// The storage backend failed.
    #[error("journal storage failed to {operation}: {reason}")]
    Storage {
        /// What the journal was doing, e.g. `"commit a batch"`.
        operation: &'static str,
        /// The backend's message.
        reason: String,
    },
    /// The writer thread stopped (it panicked, or the journal closed) before confirming this record.
    /// The record may or may not be durable; treat it as not durable.
    #[error("journal writer stopped before confirming the record; treat it as not durable")]
    WriterStopped,
    /// The writer thread could not be started.
    #[error("journal writer thread could not start: {reason}")]
    Spawn {
        /// The operating system's message.
        reason: String,
    },
}

impl JournalError {
    /// A storage error from any backend error type.
    pub fn storage(operation: &'static str, error: impl std::fmt::Display) -> Self {
        JournalError::Storage { operation, reason: error.to_string() }
    }
}

/// Why [`JournalHandle::append`](super::JournalHandle::append) refused a record at once.
///
/// Either way nothing was queued: the caller must refuse the order with this reason rather than
/// proceed with a record that will never be durable (ARCHITECTURE §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AppendError {
    /// The bounded queue is full: the journal cannot keep up, so it applies backpressure.
    #[error("journal queue is full ({capacity} records waiting to be committed)")]
    Full {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The journal was closed, or its writer thread has stopped.
    #[error("journal is closed; no record can be made durable")]
    Closed,
}
