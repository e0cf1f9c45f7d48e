//! Test support: a plain `StrategyView` and a loop that feeds bars and fills intents at the close.

use std::collections::BTreeMap;

use super::{Strategy, StrategyContext, StrategyView};
use crate::model::{Bar, InstrumentKey, OrderIntent, Quote, Side};
use crate::num::{Money, Price};
use crate::time::Timestamp;

/// Engine state as plain maps, set by hand in tests.
#[derive(Debug, Default)]
pub(crate) struct TestView {
    pub positions: BTreeMap<InstrumentKey, i64>,
    pub open_orders: BTreeMap<InstrumentKey, usize>,
    pub quotes: BTreeMap<InstrumentKey, Quote>,
    pub cash: Money,
    pub lot_size: u64,
}

impl TestView {
    pub fn with_cash(cash: &str) -> TestView {
        TestView { cash: cash.parse().unwrap(), lot_size: 1, ..TestView::default() }
    }
}

impl StrategyView for TestView {
    fn position(&self, instrument: &InstrumentKey) -> i64 {
        self.positions.get(instrument).copied().unwrap_or(0)
    }

    fn open_order_count(&self, instrument: &InstrumentKey) -> usize {
        self.open_orders.get(instrument).copied().unwrap_or(0)
    }

    fn last_quote(&self, instrument: &InstrumentKey) -> Option<&Quote> {
        self.quotes.get(instrument)
    }

    fn cash(&self) -> Money {
        self.cash
    }

    fn lot_size(&self, _instrument: &InstrumentKey) -> u64 {
        self.lot_size
    }
}

pub(crate) fn key(text: &str) -> InstrumentKey {
    InstrumentKey::new(text).unwrap()
}

pub(crate) fn price(text: &str) -> Price {
    text.parse().unwrap()
}

/// A bar at minute `i` with the given high, low and close (open = close).
pub(crate) fn bar(i: usize, high: &str, low: &str, close: &str) -> Bar {
    let close = price(close);
    Bar {
        ts: Timestamp::from_nanos(i as i64 * 60_000_000_000),
        open: close,
        high: price(high),
        low: price(low),
        close,
        volume: 1,
    }
}

/// A bar whose open, high, low and close are all `close`.
pub(crate) fn flat_bar(i: usize, close: &str) -> Bar {
    bar(i, close, close, close)
}

/// Feeds `bars` for `instrument` and fills every intent at once at its bar's close, moving the
/// position and cash as a frictionless broker would. Returns each intent with its bar's index.
pub(crate) fn run_and_fill(
    strategy: &mut dyn Strategy,
    view: &mut TestView,
    instrument: &InstrumentKey,
    bars: &[Bar],
) -> Vec<(usize, OrderIntent)> {
    let mut all = Vec::new();
    let mut intents = Vec::new();
    for (i, bar) in bars.iter().enumerate() {
        let mut ctx = StrategyContext::new(bar.ts, &*view, &mut intents);
        strategy.on_bar(&mut ctx, instrument, bar);
        for intent in intents.drain(..) {
            let units = intent.quantity.as_signed().unwrap();
            let signed = if intent.side == Side::Buy { units } else { -units };
            *view.positions.entry(intent.instrument.clone()).or_insert(0) += signed;
            view.cash -= bar.close.signed_notional(signed).unwrap();
            all.push((i, intent));
        }
    }
    all
}
