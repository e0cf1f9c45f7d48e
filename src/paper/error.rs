//! `MarketDataError`: market data the matcher refuses to match against.

use thiserror::Error;

use crate::model::InstrumentKey;
use crate::num::Price;
use crate::time::Timestamp;

/// Bars and trades that would let a fill land outside what the market could have traded. The
/// matcher matches nothing against them and leaves every order as it was.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarketDataError {
    #[error(
        "bar at {ts} for {instrument} is inconsistent or not positive: open {open}, high {high}, low {low}, close {close}"
    )]
    BadBar { instrument: InstrumentKey, ts: Timestamp, open: Price, high: Price, low: Price, close: Price },
    #[error("trade at {ts} for {instrument} has a non-positive price {price}")]
    BadTrade { instrument: InstrumentKey, ts: Timestamp, price: Price },
}
