//! The last quote of every instrument, written by the feed handler alone and read by the risk gate
//! (price band, staleness) and the control plane. A read-mostly board rather than messages,
//! because every order check needs the latest price and a stale copy would be worse.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use trader::model::{InstrumentKey, Quote};
use trader::num::Price;
use trader::time::Timestamp;

#[derive(Debug, Clone)]
pub struct BoardEntry {
    pub quote: Quote,
    /// When the feed handler received it (monotonic), for feed age.
    pub received: Instant,
    /// When it arrived by the daemon's wall clock, for staleness checks against `now`.
    pub received_at: Timestamp,
}

#[derive(Debug, Default)]
pub struct QuoteBoard {
    entries: RwLock<BTreeMap<InstrumentKey, BoardEntry>>,
}

impl QuoteBoard {
    pub fn update(&self, quote: Quote, received: Instant, received_at: Timestamp) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.insert(quote.instrument.clone(), BoardEntry { quote, received, received_at });
    }

    pub fn get(&self, key: &InstrumentKey) -> Option<BoardEntry> {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    /// The last trade price and the instant we received it: what the risk gate checks.
    pub fn last_trade(&self, key: &InstrumentKey) -> Option<(Price, Timestamp)> {
        self.get(key).map(|e| (e.quote.last, e.received_at))
    }

    pub fn all(&self) -> Vec<BoardEntry> {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect()
    }

    /// Time since each instrument's last tick.
    pub fn ages(&self, now: Instant) -> Vec<(InstrumentKey, Duration)> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.iter().map(|(k, e)| (k.clone(), now.saturating_duration_since(e.received))).collect()
    }
}
