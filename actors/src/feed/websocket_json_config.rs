//! `WebsocketJsonConfig`: where the JSON tick stream is and how patiently to reconnect to it.

use std::fmt;

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use trader::config::{join, Problems};

/// The longest first reconnect delay accepted; beyond it a value is almost surely a typo.
pub const MAX_RECONNECT_BASE_MS: u64 = 60_000;
/// The longest delay between reconnect attempts accepted (ten minutes).
pub const MAX_RECONNECT_MAX_MS: u64 = 600_000;
/// The longest connect timeout accepted.
pub const MAX_CONNECT_TIMEOUT_MS: u64 = 120_000;

/// Settings of the JSON WebSocket feed. `Debug` shows the URL without its query string, which
/// can carry credentials.
/// Built from the `[feed.source]` section (`trader::config::FeedSourceConfig::WebsocketJson`);
/// `validate` adds what only the runtime knows, such as the missing TLS support.
#[derive(Clone, PartialEq, Eq)]
pub struct WebsocketJsonConfig {
    /// `ws://host:port/path`.
    pub url: String,
    /// The first reconnect delay; each failure doubles it (with jitter) up to the max. Default 500.
    pub reconnect_base_ms: u64,
    /// The longest delay between reconnect attempts. Default 30,000.
    pub reconnect_max_ms: u64,
    /// How long a connection attempt (TCP and WebSocket handshake) may take. Default 10,000.
    pub connect_timeout_ms: u64,
}

fn default_reconnect_base_ms() -> u64 {
    500
}

fn default_reconnect_max_ms() -> u64 {
    30_000
}

fn default_connect_timeout_ms() -> u64 {
    10_000
}

impl WebsocketJsonConfig {
    /// `url` with the default timings.
    pub fn new(url: impl Into<String>) -> WebsocketJsonConfig {
        WebsocketJsonConfig {
            url: url.into(),
            reconnect_base_ms: default_reconnect_base_ms(),
            reconnect_max_ms: default_reconnect_max_ms(),
            connect_timeout_ms: default_connect_timeout_ms(),
        }
    }

    /// The URL without query string or fragment: safe for logs and errors.
    pub fn endpoint(&self) -> String {
        self.url.split(['?', '#']).next().unwrap_or_default().to_owned()
    }

    /// Records every problem under `path` (e.g. `feed.websocket_json`).
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        let url_path = join(path, "url");
        match self.url.as_str().into_client_request() {
            Err(error) => problems.push(&url_path, format!("`{}` is not a URL: {error}", self.endpoint())),
            Ok(request) => match request.uri().scheme_str() {
                Some("ws") if request.uri().host().is_some_and(|h| !h.is_empty()) => {}
                Some("ws") => problems.push(&url_path, "has no host"),
                // This build has no TLS (tokio-tungstenite without a TLS feature): refuse here
                // rather than fail every reconnect. Adding a TLS feature lifts this.
                Some("wss") => problems.push(&url_path, "wss:// needs TLS support, which this build does not include"),
                _ => problems.push(&url_path, "must start with ws://"),
            },
        }
        let base = self.reconnect_base_ms;
        problems.require(
            (1..=MAX_RECONNECT_BASE_MS).contains(&base),
            join(path, "reconnect_base_ms"),
            format!("{base} ms is outside 1 to {MAX_RECONNECT_BASE_MS}"),
        );
        let max = self.reconnect_max_ms;
        problems.require(
            (base..=MAX_RECONNECT_MAX_MS).contains(&max),
            join(path, "reconnect_max_ms"),
            format!("{max} ms must be at least reconnect_base_ms ({base}) and at most {MAX_RECONNECT_MAX_MS}"),
        );
        let timeout = self.connect_timeout_ms;
        problems.require(
            (1..=MAX_CONNECT_TIMEOUT_MS).contains(&timeout),
            join(path, "connect_timeout_ms"),
            format!("{timeout} ms is outside 1 to {MAX_CONNECT_TIMEOUT_MS}"),
        );
    }
}

impl fmt::Debug for WebsocketJsonConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebsocketJsonConfig")
            .field("url", &self.endpoint())
            .field("reconnect_base_ms", &self.reconnect_base_ms)
            .field("reconnect_max_ms", &self.reconnect_max_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(config: &WebsocketJsonConfig) -> String {
        let mut problems = Problems::new();
        config.validate("feed", &mut problems);
        problems.to_string()
    }

    #[test]
    fn validation_names_each_field_and_why() {
        let config = WebsocketJsonConfig {
            url: "wss://feed.example.com/v1?token=secret".into(),
            reconnect_base_ms: 0,
            reconnect_max_ms: 700_000,
            connect_timeout_ms: 0,
        };
        assert_eq!(
            problems(&config),
            "feed.url: wss:// needs TLS support, which this build does not include\n\
             feed.reconnect_base_ms: 0 ms is outside 1 to 60000\n\
             feed.reconnect_max_ms: 700000 ms must be at least reconnect_base_ms (0) and at most 600000\n\
             feed.connect_timeout_ms: 0 ms is outside 1 to 120000"
        );
        let below = WebsocketJsonConfig {
            reconnect_base_ms: 1000,
            reconnect_max_ms: 999,
            ..WebsocketJsonConfig::new("ws://h/")
        };
        assert!(problems(&below).starts_with("feed.reconnect_max_ms: 999 ms must be at least reconnect_base_ms (1000)"));
        assert_eq!(problems(&WebsocketJsonConfig::new("http://h/")), "feed.url: must start with ws://");
        assert!(problems(&WebsocketJsonConfig::new("not a url")).starts_with("feed.url: `not a url` is not a URL"));
    }

    #[test]
    fn the_query_string_never_shows() {
        let config = WebsocketJsonConfig::new("ws://h:1/feed?code=secret#x");
        assert_eq!(config.endpoint(), "ws://h:1/feed");
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret"), "{shown}");
        let bad = WebsocketJsonConfig::new("ws://h:99999/feed?code=secret");
        assert!(!problems(&bad).contains("secret"));
    }
}
