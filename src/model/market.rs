//! Market data as the core sees it: quotes (ticks with top of book) and OHLCV bars.

use serde::{Deserialize, Serialize};

use super::ids::InstrumentKey;
use crate::num::{Price, Quantity};
use crate::time::Timestamp;

/// The latest trade and top of book for one instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub instrument: InstrumentKey,
    /// Exchange time of the last trade or book change.
    pub ts: Timestamp,
    pub last: Price,
    pub last_quantity: Quantity,
    pub bid: Option<Price>,
    pub bid_quantity: Quantity,
    pub ask: Option<Price>,
    pub ask_quantity: Quantity,
    /// Cumulative traded volume for the day.
    pub volume: u64,
}

impl Quote {
    /// A quote that carries only a last trade (replayed ticks, bar-derived prices).
    pub fn last_trade(instrument: InstrumentKey, ts: Timestamp, last: Price, last_quantity: Quantity) -> Quote {
        Quote {
            instrument,
            ts,
            last,
            last_quantity,
            bid: None,
            bid_quantity: Quantity::ZERO,
            ask: None,
            ask_quantity: Quantity::ZERO,
            volume: 0,
        }
    }
}

/// One OHLCV bar. `ts` is the bar's opening instant. Small and `Copy` so the backtest loop moves
/// bars without allocation; the instrument travels beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub ts: Timestamp,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: u64,
}

impl Bar {
    /// Whether the bar is internally consistent (low ≤ open, close ≤ high; low ≤ high).
    pub fn is_consistent(&self) -> bool {
        self.low <= self.high
            && (self.low..=self.high).contains(&self.open)
            && (self.low..=self.high).contains(&self.close)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_consistency() {
        let p = |s: &str| s.parse::<Price>().unwrap();
        let bar =
            Bar { ts: Timestamp::from_nanos(0), open: p("10"), high: p("12"), low: p("9"), close: p("11"), volume: 5 };
        assert!(bar.is_consistent());
        assert!(!Bar { high: p("10.5"), ..bar }.is_consistent());
    }
}
