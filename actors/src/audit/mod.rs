//! The audit log: one hash-chained entry per mutating request (who, when, what, result), kept in
//! the journal as `JournalRecord::Audit`.
//!
//! - [`AuditEntry`]: one request's entry and its chain hash;
//! - [`verify`]: checks a chain and names the first entry that was changed, removed or reordered;
//! - [`AuditLog`]: the daemon's appender, which keeps the chain head and serialises appends;
//! - [`offline`]: `traderd audit verify`, reading the journal while the daemon is stopped.
//!
//! Limits, on purpose: the chain is unkeyed, so it proves that entries were not changed *by
//! accident or by someone who did not recompute every later hash*; anyone who can rewrite the
//! journal file can rebuild a consistent chain. Removing entries from the end (truncation) leaves
//! a valid shorter chain: it is detectable only against a copy of the head kept elsewhere, which
//! is why `traderd audit verify` prints the head's sequence and hash and accepts `--expect-head`.

mod entry;
mod log;
pub mod offline;
mod verify;

pub use entry::{AuditEntry, AuditOutcome, ChainHead, GENESIS_HASH};
pub use log::{AuditError, AuditLog, AuditRequest, RECENT_CAPACITY};
pub use verify::{verify, AuditBreak, VerifiedCount};
