//! `BacktestView`: what a strategy sees during a single-instrument backtest, as plain fields.

use crate::model::{Bar, InstrumentKey, Quote};
use crate::num::{Money, Quantity};
use crate::strategy::StrategyView;

/// The strategy's view of a one-instrument account: kept as plain fields (no maps), updated by the
/// backtest loop after every fill and order change, so each bar costs a few stores.
#[derive(Debug, Clone)]
pub(super) struct BacktestView {
    pub(super) key: InstrumentKey,
    pub(super) cash: Money,
    /// Signed units held.
    pub(super) net: i64,
    /// Orders that can still fill.
    pub(super) open_orders: usize,
    pub(super) lot_size: u64,
    /// The latest bar's close as a last trade; `None` before the first bar.
    quote: Option<Quote>,
}

impl BacktestView {
    pub(super) fn new(key: InstrumentKey, cash: Money, lot_size: u64) -> BacktestView {
        BacktestView { key, cash, net: 0, open_orders: 0, lot_size, quote: None }
    }

    /// Makes `bar`'s close the last trade. The quote is built once and then updated in place, so
    /// the per-bar cost is a few stores and no allocation.
    pub(super) fn set_bar(&mut self, bar: &Bar) {
        match &mut self.quote {
            Some(quote) => {
                quote.ts = bar.ts;
                quote.last = bar.close;
                quote.volume = bar.volume;
            }
            None => {
                let mut quote = Quote::last_trade(self.key.clone(), bar.ts, bar.close, Quantity::ZERO);
                quote.volume = bar.volume;
                self.quote = Some(quote);
            }
        }
    }
}

impl StrategyView for BacktestView {
    fn position(&self, instrument: &InstrumentKey) -> i64 {
        if *instrument == self.key {
            self.net
        } else {
            0
        }
    }

    fn open_order_count(&self, instrument: &InstrumentKey) -> usize {
        if *instrument == self.key {
            self.open_orders
        } else {
            0
        }
    }

    fn last_quote(&self, instrument: &InstrumentKey) -> Option<&Quote> {
        self.quote.as_ref().filter(|_| *instrument == self.key)
    }

    fn cash(&self) -> Money {
        self.cash
    }

    fn lot_size(&self, _instrument: &InstrumentKey) -> u64 {
        self.lot_size
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Price;
    use crate::time::Timestamp;

    #[test]
    fn answers_for_its_instrument_only() {
        let key = InstrumentKey::new("NSE_EQ|BACKTEST").unwrap();
        let other = InstrumentKey::new("NSE_EQ|OTHER").unwrap();
        let mut view = BacktestView::new(key.clone(), Money::from_rupees(5).unwrap(), 1);
        view.net = 7;
        view.open_orders = 1;
        assert_eq!(view.last_quote(&key), None);
        let close = Price::from_units(101).unwrap();
        let bar = Bar { ts: Timestamp::from_nanos(9), open: close, high: close, low: close, close, volume: 3 };
        view.set_bar(&bar);
        view.set_bar(&Bar { ts: Timestamp::from_nanos(10), ..bar });
        let quote = view.last_quote(&key).unwrap();
        assert_eq!((quote.ts, quote.last, quote.volume), (Timestamp::from_nanos(10), close, 3));
        assert_eq!((view.position(&key), view.open_order_count(&key)), (7, 1));
        assert_eq!((view.position(&other), view.open_order_count(&other)), (0, 0));
        assert!(view.last_quote(&other).is_none());
        assert_eq!(view.cash().to_string(), "5.00");
    }
}
