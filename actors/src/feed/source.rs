//! The contract every market data source implements: what it emits, what it is told, how it runs.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc;
use trader::model::{InstrumentKey, Quote};

use super::{FeedError, FeedSink};

/// What a source reports to the feed handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEvent {
    /// A quote for a subscribed instrument.
    Quote(Quote),
    /// The source is connected (for simulated and replayed data: has started) and will deliver
    /// quotes for the current subscriptions.
    Connected,
    /// The connection dropped or could not be made; the source keeps retrying unless its `run`
    /// returns. For replay, the data has run out.
    Disconnected { reason: String },
    /// A message could not be understood and was skipped; names the field and why. The
    /// connection carries on.
    Malformed { reason: String },
}

/// What the feed handler asks of a source. Subscriptions persist across reconnects: a source
/// re-subscribes the whole current set on every new connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedCommand {
    Subscribe(Vec<InstrumentKey>),
    Unsubscribe(Vec<InstrumentKey>),
}

/// The future a source runs as.
pub type FeedRun = Pin<Box<dyn Future<Output = Result<(), FeedError>> + Send>>;

/// A market data source: simulated, replayed, a JSON WebSocket, and later Upstox's v3 protobuf
/// feed (which authorises a fresh URL per connection, subscribes with binary JSON frames and
/// decodes protobuf — all inside its own `run`, so it fits this trait unchanged).
///
/// A source emits quotes only for subscribed instruments. Send the first `Subscribe` before (or
/// right after) spawning `run`; commands already queued are applied before the first quote.
pub trait FeedSource: Send + 'static {
    /// A short name for logs and metrics (`simulated`, `replay`, `websocket_json`).
    fn name(&self) -> &'static str;

    /// Runs until `commands` closes (`Ok`), a replay runs out of data (`Ok`, after
    /// `Disconnected`), the sink closes (`Err(SinkClosed)`), or a permanent error. Pushes into
    /// `out`, waiting when it is full (sources are back-pressured; conflation happens downstream).
    fn run(self: Box<Self>, out: FeedSink, commands: mpsc::Receiver<FeedCommand>) -> FeedRun;
}
