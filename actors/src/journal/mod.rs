//! The durable journal (ARCHITECTURE §4): an append-only log of encoded records that survives
//! `kill -9` at any moment — a record whose ack resolved is durable.
//!
//! - [`codec`]: a record is `[version byte][postcard bytes]`; reading refuses unknown versions
//!   and undecodable bytes with an error naming the sequence number.
//! - [`JournalStore`]: storage behind a trait; [`RedbStore`] (one redb file, one durable
//!   transaction per batch) and [`MemoryStore`] (tests).
//! - [`JournalWriter`]: a dedicated OS thread that owns the store and group-commits a bounded
//!   queue: it takes one record, drains what else is queued up to `max_batch`, commits once, then
//!   resolves every ack of the batch — with its sequence number, or with the commit's error.
//! - [`JournalHandle`]: clone it into every actor that appends. `append` never blocks: a full
//!   queue is refused at once ([`AppendError::Full`]) so the caller refuses the order rather than
//!   lose it. The [`PendingAck`] is awaited where durability must precede the answer (API
//!   orders) and dropped where it must not sit on the hot path (strategy orders).
//!
//! The journal is generic over the record type: the daemon defines its record enum and encodes it
//! with [`encode`] before appending; recovery replays the store and [`decode`]s each record.

mod ack;
pub mod codec;
mod config;
mod error;
mod handle;
mod memory_store;
mod redb_store;
mod stats;
mod store;
mod telemetry;
mod writer;

#[cfg(test)]
mod crash_tests;
#[cfg(test)]
mod test_store;

pub use ack::PendingAck;
pub use codec::{decode, encode, version_of};
pub use config::JournalConfig;
pub use error::{AppendError, JournalError};
pub use handle::JournalHandle;
pub use memory_store::MemoryStore;
pub use redb_store::RedbStore;
pub use stats::JournalStats;
pub use store::{JournalStore, ReplayFn};
pub use telemetry::JournalMetricNames;
pub use writer::JournalWriter;
