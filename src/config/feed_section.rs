//! `[feed]`: which market data source the feed handler runs.

use serde::{Deserialize, Serialize};

use super::{join, Problems};
use crate::num::Rate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedSection {
    pub source: FeedSourceConfig,
    /// Completed bars kept per instrument and interval for the control plane.
    pub bar_history: usize,
}

impl Default for FeedSection {
    fn default() -> FeedSection {
        FeedSection { source: FeedSourceConfig::default(), bar_history: 500 }
    }
}

/// The feed source, by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum FeedSourceConfig {
    /// A seeded, deterministic random walk over the configured instruments, trading around the clock.
    Simulated {
        #[serde(default = "default_seed")]
        seed: u64,
        #[serde(default = "default_interval_ms")]
        interval_ms: u64,
        /// Where each instrument's walk starts; instruments not listed start at ₹1,000.
        #[serde(default)]
        start_prices: std::collections::BTreeMap<crate::model::InstrumentKey, crate::num::Price>,
    },
    /// Replays a CSV of bars or ticks; `speed` is a factor of real time (absent: as fast as possible).
    Replay {
        path: String,
        instrument: crate::model::InstrumentKey,
        #[serde(default)]
        speed: Option<Rate>,
    },
    /// A JSON tick stream over WebSocket, with reconnects.
    WebsocketJson {
        url: String,
        #[serde(default = "default_reconnect_base_ms")]
        reconnect_base_ms: u64,
        #[serde(default = "default_reconnect_max_ms")]
        reconnect_max_ms: u64,
        #[serde(default = "default_connect_timeout_ms")]
        connect_timeout_ms: u64,
    },
}

fn default_seed() -> u64 {
    7
}

fn default_interval_ms() -> u64 {
    5
}

fn default_reconnect_base_ms() -> u64 {
    200
}

fn default_reconnect_max_ms() -> u64 {
    10_000
}

fn default_connect_timeout_ms() -> u64 {
    10_000
}

impl Default for FeedSourceConfig {
    fn default() -> FeedSourceConfig {
        FeedSourceConfig::Simulated {
            seed: default_seed(),
            interval_ms: default_interval_ms(),
            start_prices: std::collections::BTreeMap::new(),
        }
    }
}

impl FeedSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(
            (1..=100_000).contains(&self.bar_history),
            join(path, "bar_history"),
            "must be 1 to 100000 bars",
        );
        let source = join(path, "source");
        match &self.source {
            FeedSourceConfig::Simulated { interval_ms, start_prices, .. } => {
                problems.require(
                    (1..=60_000).contains(interval_ms),
                    join(&source, "interval_ms"),
                    "must be 1 to 60000 milliseconds",
                );
                for (key, price) in start_prices {
                    problems.require(
                        price.is_positive(),
                        format!("{}.start_prices.\"{key}\"", source),
                        "must be positive",
                    );
                }
            }
            FeedSourceConfig::Replay { path: file, speed, .. } => {
                problems.require(!file.is_empty(), join(&source, "path"), "must name a CSV file");
                if let Some(speed) = speed {
                    problems.require(
                        *speed > Rate::ZERO,
                        join(&source, "speed"),
                        "must be positive (omit it for as fast as possible)",
                    );
                }
            }
            FeedSourceConfig::WebsocketJson { url, reconnect_base_ms, reconnect_max_ms, connect_timeout_ms } => {
                problems.require(*connect_timeout_ms >= 1, join(&source, "connect_timeout_ms"), "must be positive");
                problems.require(
                    url.starts_with("ws://") || url.starts_with("wss://"),
                    join(&source, "url"),
                    "must start with ws:// or wss://",
                );
                problems.require(*reconnect_base_ms >= 1, join(&source, "reconnect_base_ms"), "must be positive");
                problems.require(
                    reconnect_max_ms >= reconnect_base_ms,
                    join(&source, "reconnect_max_ms"),
                    "must be at least reconnect_base_ms",
                );
            }
        }
    }
}
