//! `SmaCross`: long-only moving-average crossover on bar closes.

use std::collections::BTreeMap;

use super::indicators::{compare_averages, Cross, CrossDetector, Sma};
use super::long_only::{enter, exit, holding, Holding};
use super::{SmaCrossParams, Strategy, StrategyContext};
use crate::model::{Bar, InstrumentKey};

/// Buys when the fast average of closes crosses strictly above the slow one while flat, and sells
/// the whole position when it crosses strictly below while long (crosses as backtesting.py's
/// `crossover`, decided in exact integers). Orders are DAY intraday market orders sized by the
/// params' `Sizing` at the bar's close. No signal is acted on while an order on the instrument is
/// open; such a signal is dropped, not deferred.
#[derive(Debug, Clone)]
pub struct SmaCross {
    params: SmaCrossParams,
    /// Empty averages, cloned for each instrument on its first bar (one allocation per
    /// instrument, never per bar).
    fresh: Averages,
    averages: BTreeMap<InstrumentKey, Averages>,
}

#[derive(Debug, Clone)]
struct Averages {
    fast: Sma,
    slow: Sma,
    cross: CrossDetector,
}

impl SmaCross {
    pub const KIND: &'static str = "sma_cross";

    /// # Panics
    /// When a window is 0 or above `indicators::MAX_WINDOW`: validate the params first.
    pub fn new(params: SmaCrossParams) -> SmaCross {
        let fresh = Averages { fast: Sma::new(params.fast), slow: Sma::new(params.slow), cross: CrossDetector::new() };
        SmaCross { params, fresh, averages: BTreeMap::new() }
    }

    pub fn params(&self) -> &SmaCrossParams {
        &self.params
    }
}

impl Strategy for SmaCross {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn on_bar(&mut self, ctx: &mut StrategyContext<'_>, instrument: &InstrumentKey, bar: &Bar) {
        if !self.averages.contains_key(instrument) {
            self.averages.insert(instrument.clone(), self.fresh.clone());
        }
        let Some(averages) = self.averages.get_mut(instrument) else { return };
        let fast_ready = averages.fast.push(bar.close);
        let slow_ready = averages.slow.push(bar.close);
        if !(fast_ready && slow_ready) {
            return;
        }
        let Some(cross) = averages.cross.update(compare_averages(&averages.fast, &averages.slow)) else { return };
        match (cross, holding(ctx.view, instrument)) {
            (Cross::Above, Some(Holding::Flat)) => enter(ctx, instrument, bar.close, &self.params.sizing),
            (Cross::Below, Some(Holding::Long(quantity))) => exit(ctx, instrument, quantity),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OrderIntent, OrderKind, Product, Side, Validity};
    use crate::num::Quantity;
    use crate::strategy::test_view::{flat_bar, key, run_and_fill, TestView};
    use crate::strategy::Sizing;

    fn strategy(fast: usize, slow: usize, sizing: Sizing) -> SmaCross {
        SmaCross::new(SmaCrossParams { fast, slow, sizing })
    }

    fn bars(closes: &[&str]) -> Vec<Bar> {
        closes.iter().enumerate().map(|(i, close)| flat_bar(i, close)).collect()
    }

    /// fast = 2, slow = 3. Averages (fast / slow) and ordering from bar 2 on:
    /// 2: 10 / 10 =   3: 9.5 / 9.67 <   4: 9 / 9.33 <   5: 10.5 / 10 > (cross above: buy at 12)
    /// 6: 12.5 / 11.33 >   7: 12 / 12 =   8: 10.5 / 11.33 < (through equality: no cross, stay long)
    /// 9: 11 / 11 =   10: 12.5 / 11.67 >   11: 11 / 11.33 < (cross below: sell at 9)
    /// 12: 8.5 / 10 <   13: 10 / 9.67 > (cross above: buy at 12)
    const CLOSES: [&str; 14] = ["10", "10", "10", "9", "9", "12", "13", "11", "10", "12", "13", "9", "8", "12"];

    #[test]
    fn buys_and_sells_on_the_exact_cross_bars() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("10000");
        let mut sma = strategy(2, 3, Sizing::AllIn { commission: "0.002".parse().unwrap() });
        let orders = run_and_fill(&mut sma, &mut view, &instrument, &bars(&CLOSES));
        // Bar 5: 10000 / (12 × 1.002) = 831.67 → 831; cash left 10000 − 9972 = 28.
        // Bar 11: sell 831 at 9 → cash 28 + 7479 = 7507.
        // Bar 13: 7507 / 12.024 = 624.33 → 624.
        let summary: Vec<(usize, Side, u64)> = orders.iter().map(|(i, o)| (*i, o.side, o.quantity.units())).collect();
        assert_eq!(summary, [(5, Side::Buy, 831), (11, Side::Sell, 831), (13, Side::Buy, 624)]);
        assert_eq!(view.positions[&instrument], 624);
        assert_eq!(view.cash.to_string(), "19.00");
        let (_, first) = &orders[0];
        assert_eq!(
            *first,
            OrderIntent {
                instrument: instrument.clone(),
                side: Side::Buy,
                quantity: Quantity::new(831),
                kind: OrderKind::Market,
                validity: Validity::Day,
                product: Product::Intraday,
            }
        );
    }

    #[test]
    fn all_in_quantity_at_101() {
        // Bar 4: fast 99 < slow 99.33; bar 5: fast (99 + 101) / 2 = 100 > slow 299 / 3 = 99.67.
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("10000");
        let mut sma = strategy(2, 3, Sizing::AllIn { commission: "0.002".parse().unwrap() });
        let orders =
            run_and_fill(&mut sma, &mut view, &instrument, &bars(&["100", "100", "100", "99", "99", "101.00"]));
        // floor(10000 / (101.00 × 1.002)) = floor(10000 / 101.202) = 98
        assert_eq!(orders.len(), 1);
        assert_eq!((orders[0].0, orders[0].1.quantity), (5, Quantity::new(98)));
    }

    #[test]
    fn fixed_sizing_buys_its_quantity_and_exit_sells_everything() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("0");
        let mut sma = strategy(2, 3, Sizing::Fixed { quantity: 10 });
        let orders = run_and_fill(&mut sma, &mut view, &instrument, &bars(&CLOSES));
        let summary: Vec<(usize, Side, u64)> = orders.iter().map(|(i, o)| (*i, o.side, o.quantity.units())).collect();
        assert_eq!(summary, [(5, Side::Buy, 10), (11, Side::Sell, 10), (13, Side::Buy, 10)]);
    }

    #[test]
    fn no_entry_while_an_order_is_open() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("10000");
        view.open_orders.insert(instrument.clone(), 1);
        let mut sma = strategy(2, 3, Sizing::ALL_IN);
        assert!(run_and_fill(&mut sma, &mut view, &instrument, &bars(&CLOSES)).is_empty());
    }

    #[test]
    fn a_signal_seen_while_an_order_is_open_is_dropped_not_deferred() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("10000");
        let mut sma = strategy(2, 3, Sizing::ALL_IN);
        let all = bars(&CLOSES);
        assert!(run_and_fill(&mut sma, &mut view, &instrument, &all[..5]).is_empty());
        view.open_orders.insert(instrument.clone(), 1);
        assert!(run_and_fill(&mut sma, &mut view, &instrument, &all[5..6]).is_empty(), "cross bar");
        view.open_orders.clear();
        // Bars 6..=12 bring no new cross above (and the strategy is flat, so the cross below is moot).
        assert!(run_and_fill(&mut sma, &mut view, &instrument, &all[6..13]).is_empty());
        let last = run_and_fill(&mut sma, &mut view, &instrument, &all[13..]);
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].1.side, Side::Buy);
    }

    #[test]
    fn zero_quantity_sends_nothing() {
        let instrument = key("NSE_EQ|INE002A01018");
        // 11.99 rupees cannot buy one unit at 12.
        let mut view = TestView::with_cash("11.99");
        let mut sma = strategy(2, 3, Sizing::ALL_IN);
        assert!(run_and_fill(&mut sma, &mut view, &instrument, &bars(&CLOSES)).is_empty());
    }

    #[test]
    fn a_short_position_is_left_alone() {
        let instrument = key("NSE_EQ|INE002A01018");
        let mut view = TestView::with_cash("10000");
        view.positions.insert(instrument.clone(), -5);
        let mut sma = strategy(2, 3, Sizing::ALL_IN);
        assert!(run_and_fill(&mut sma, &mut view, &instrument, &bars(&CLOSES)).is_empty());
    }

    #[test]
    fn instruments_keep_separate_averages() {
        let a = key("NSE_EQ|INE002A01018");
        let b = key("NSE_EQ|INE009A01021");
        let mut view = TestView::with_cash("1000000");
        let mut sma = strategy(2, 3, Sizing::Fixed { quantity: 1 });
        let mut orders = Vec::new();
        // Interleave A's crossing series with a constant B: only A trades, on A's own bars.
        for (i, close) in CLOSES.iter().enumerate() {
            orders
                .extend(run_and_fill(&mut sma, &mut view, &a, &[flat_bar(i, close)]).into_iter().map(|(_, o)| (i, o)));
            assert!(run_and_fill(&mut sma, &mut view, &b, &[flat_bar(i, "50")]).is_empty());
        }
        let at: Vec<(usize, &InstrumentKey)> = orders.iter().map(|(i, o)| (*i, &o.instrument)).collect();
        assert_eq!(at, [(5, &a), (11, &a), (13, &a)]);
    }

    #[test]
    #[should_panic(expected = "SMA window must be 1 to 100000, got 0")]
    fn unvalidated_zero_window_fails_at_construction() {
        strategy(0, 3, Sizing::ALL_IN);
    }
}
