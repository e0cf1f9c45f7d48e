//! `StrategyView`: the read-only slice of engine state a strategy may consult.

use crate::model::{InstrumentKey, Quote};
use crate::num::Money;

/// What a strategy can see while it decides: its positions, its open orders, the latest quotes
/// and its cash. The runner implements it over its own state (live) or the backtest's; strategies
/// never reach the portfolio, the order book or a clock directly.
pub trait StrategyView {
    /// Filled position in units: positive long, negative short, 0 flat.
    fn position(&self, instrument: &InstrumentKey) -> i64;

    /// Orders on `instrument` that can still fill (any non-terminal status).
    fn open_order_count(&self, instrument: &InstrumentKey) -> usize;

    /// The latest quote seen for `instrument`, if any.
    fn last_quote(&self, instrument: &InstrumentKey) -> Option<&Quote>;

    /// Cash available to the strategy.
    fn cash(&self) -> Money;

    /// The instrument's lot size (1 for cash equities); sizing rounds quantities down to whole
    /// lots. The default suits views that only carry cash equities.
    fn lot_size(&self, _instrument: &InstrumentKey) -> u64 {
        1
    }
}
