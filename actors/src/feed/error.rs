//! `FeedError`: why a feed source stopped, split into transient and permanent.

use thiserror::Error;

/// Why a feed source's `run` returned an error. Sources retry transient trouble themselves (a
/// WebSocket reconnects with backoff and reports `FeedEvent::Disconnected`), so an error that
/// reaches the supervisor is usually permanent; [`FeedError::is_transient`] says which is which.
///
/// Reasons never carry a URL's query string: feed URLs can hold single-use credentials.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FeedError {
    /// The feed handler dropped its receiver, so nobody is listening; the source stops.
    #[error("the feed handler stopped listening")]
    SinkClosed,
    /// A connection could not be made or broke; trying again later may work.
    #[error("connection to {endpoint} failed: {reason}")]
    Connection { endpoint: String, reason: String },
    /// The server refused us in a way retrying will not fix (e.g. HTTP 401, 403, 404).
    #[error("{endpoint} refused the connection: {reason}")]
    Refused { endpoint: String, reason: String },
    /// A setting cannot work; names the setting and why.
    #[error("feed setting `{field}`: {reason}")]
    Config { field: &'static str, reason: String },
    /// Replay data could not be loaded; names the instrument, and the line and column.
    #[error("replay data for {instrument}: {reason}")]
    Data { instrument: String, reason: String },
}

impl FeedError {
    /// Whether waiting and trying again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, FeedError::Connection { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connection_trouble_is_transient() {
        let connection = FeedError::Connection { endpoint: "ws://127.0.0.1:9/feed".into(), reason: "refused".into() };
        assert!(connection.is_transient());
        assert_eq!(connection.to_string(), "connection to ws://127.0.0.1:9/feed failed: refused");
        let permanent = [
            FeedError::SinkClosed,
            FeedError::Refused { endpoint: "ws://h/".into(), reason: "HTTP 401 Unauthorized".into() },
            FeedError::Config { field: "url", reason: "x".into() },
            FeedError::Data { instrument: "NSE_EQ|INE002A01018".into(), reason: "line 2".into() },
        ];
        assert!(permanent.iter().all(|e| !e.is_transient()));
    }
}
