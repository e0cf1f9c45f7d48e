//! `Donchian`: long-only channel breakout on bar highs, lows and closes.

use std::collections::BTreeMap;

use super::indicators::RollingExtreme;
use super::long_only::{enter, exit, holding, Holding};
use super::{DonchianParams, Strategy, StrategyContext};
use crate::model::{Bar, InstrumentKey};

/// Buys when, flat, a bar closes strictly above the highest high of the previous `entry` bars;
/// sells the whole position when, long, a bar closes strictly below the lowest low of the previous
/// `exit` bars. "Previous" excludes the bar itself, which could otherwise never close beyond its
/// own range. No signal before a full lookback; none acted on while an order on the instrument is
/// open. Orders are DAY intraday market orders sized by the params' `Sizing` at the bar's close.
#[derive(Debug, Clone)]
pub struct Donchian {
    params: DonchianParams,
    /// An empty channel, cloned for each instrument on its first bar (one allocation per
    /// instrument, never per bar).
    fresh: Channel,
    channels: BTreeMap<InstrumentKey, Channel>,
}

#[derive(Debug, Clone)]
struct Channel {
    highest_high: RollingExtreme,
    lowest_low: RollingExtreme,
}

impl Donchian {
    pub const KIND: &'static str = "donchian";

    /// # Panics
    /// When a lookback is 0 or above `indicators::MAX_WINDOW`: validate the params first.
    pub fn new(params: DonchianParams) -> Donchian {
        let fresh =
            Channel { highest_high: RollingExtreme::max(params.entry), lowest_low: RollingExtreme::min(params.exit) };
        Donchian { params, fresh, channels: BTreeMap::new() }
    }

    pub fn params(&self) -> &DonchianParams {
        &self.params
    }
}

impl Strategy for Donchian {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn on_bar(&mut self, ctx: &mut StrategyContext<'_>, instrument: &InstrumentKey, bar: &Bar) {
        if !self.channels.contains_key(instrument) {
            self.channels.insert(instrument.clone(), self.fresh.clone());
        }
        let Some(channel) = self.channels.get_mut(instrument) else { return };
        // Read the channel of the previous bars before this bar joins it.
        let upper = channel.highest_high.value();
        let lower = channel.lowest_low.value();
        channel.highest_high.push(bar.high);
        channel.lowest_low.push(bar.low);
        match holding(ctx.view, instrument) {
            Some(Holding::Flat) if upper.is_some_and(|upper| bar.close > upper) => {
                enter(ctx, instrument, bar.close, &self.params.sizing);
            }
            Some(Holding::Long(quantity)) if lower.is_some_and(|lower| bar.close < lower) => {
                exit(ctx, instrument, quantity);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Side;
    use crate::strategy::test_view::{bar, key, run_and_fill, TestView};
    use crate::strategy::Sizing;

    fn strategy(entry: usize, exit: usize) -> Donchian {
        Donchian::new(DonchianParams { entry, exit, sizing: Sizing::Fixed { quantity: 5 } })
    }

    fn bars(rows: &[(&str, &str, &str)]) -> Vec<Bar> {
        rows.iter().enumerate().map(|(i, (high, low, close))| bar(i, high, low, close)).collect()
    }

    /// entry = 3, exit = 2; (high, low, close):
    const ROWS: [(&str, &str, &str); 10] = [
        ("10.5", "9.5", "10"),
        ("11", "10", "10.5"),
        ("10.8", "9.8", "10.2"),
        // upper = max(10.5, 11, 10.8) = 11 < 11.1: buy (its own high 11.2 is not in the channel)
        ("11.2", "10.6", "11.1"),
        // lower = min(9.8, 10.6) = 9.8 ≤ 11.4: hold
        ("11.5", "10.9", "11.4"),
        // lower = min(10.6, 10.9) = 10.6 ≤ 11.2: hold
        ("11.6", "11.0", "11.2"),
        // lower = min(10.9, 11.0) = 10.9 > 10.8: sell (its own low 10.5 is not in the channel)
        ("11.3", "10.5", "10.8"),
        // upper = max(11.5, 11.6, 11.3) = 11.6 ≥ 10.9: stay flat
        ("11.0", "10.4", "10.9"),
        // upper = max(11.6, 11.3, 11.0) = 11.6: a close equal to it is no breakout
        ("11.7", "11.0", "11.6"),
        // upper = max(11.3, 11.0, 11.7) = 11.7 < 11.8: buy
        ("11.9", "11.2", "11.8"),
    ];

    #[test]
    fn enters_and_exits_on_the_exact_breakout_bars() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("100000");
        let orders = run_and_fill(&mut strategy(3, 2), &mut view, &instrument, &bars(&ROWS));
        let summary: Vec<(usize, Side, u64)> = orders.iter().map(|(i, o)| (*i, o.side, o.quantity.units())).collect();
        assert_eq!(summary, [(3, Side::Buy, 5), (6, Side::Sell, 5), (9, Side::Buy, 5)]);
        assert_eq!(view.positions[&instrument], 5);
    }

    #[test]
    fn no_breakout_before_a_full_lookback() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("100000");
        // Bar 1 closes above bar 0's high and bar 2 above both, but entry = 3 needs three prior bars.
        let rows = [("10", "9", "9.5"), ("11", "10", "10.5"), ("12", "11", "11.5"), ("13", "12", "12.5")];
        let orders = run_and_fill(&mut strategy(3, 2), &mut view, &instrument, &bars(&rows));
        let at: Vec<usize> = orders.iter().map(|(i, _)| *i).collect();
        assert_eq!(at, [3], "bar 3 closes at 12.5 above max(10, 11, 12) = 12");
    }

    #[test]
    fn no_orders_while_one_is_open() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("100000");
        view.open_orders.insert(instrument.clone(), 2);
        assert!(run_and_fill(&mut strategy(3, 2), &mut view, &instrument, &bars(&ROWS)).is_empty());
    }

    #[test]
    fn a_long_opened_elsewhere_is_exited_on_breakdown() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("0");
        view.positions.insert(instrument.clone(), 7);
        // exit = 2: bar 2 closes at 8.9 below min(9, 9.5) = 9.
        let rows = [("10", "9", "9.5"), ("10", "9.5", "9.8"), ("9.5", "8.5", "8.9")];
        let orders = run_and_fill(&mut strategy(3, 2), &mut view, &instrument, &bars(&rows));
        assert_eq!(orders.len(), 1);
        assert_eq!((orders[0].0, orders[0].1.side, orders[0].1.quantity.units()), (2, Side::Sell, 7));
    }
}
