//! The bar rules: what a working order does within one OHLC bar (see the module doc for the
//! rules in prose). A bar says nothing about size, so every fill is for the whole remainder.

use super::side_prices::{adverse_extreme, at_least_as_good, better, favourable_extreme, no_worse_than, slip};
use super::working::Phase;
use crate::model::{Bar, Side};
use crate::num::Price;

/// What happened to one order within one bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BarOutcome {
    /// A stop fired in this bar.
    pub(super) triggered: bool,
    /// The price the whole remainder filled at.
    pub(super) fill: Option<Price>,
}

/// Matches an order in `phase` against a consistent bar with a positive low.
pub(super) fn execute(side: Side, phase: Phase, tick: Price, slippage_ticks: u32, bar: &Bar) -> BarOutcome {
    match phase {
        Phase::Market => BarOutcome { triggered: false, fill: slip(side, bar.open, tick, slippage_ticks) },
        Phase::Limit(limit) => BarOutcome { triggered: false, fill: limit_from(side, limit, bar.open, bar) },
        Phase::Stop { trigger, limit } => {
            // The price the stop fires at: the open when the bar gaps through the trigger, else
            // the trigger itself, reached on the way to the bar's adverse extreme.
            let fired_at = if !better(side, bar.open, trigger) {
                bar.open
            } else if !better(side, adverse_extreme(side, bar), trigger) {
                trigger
            } else {
                return BarOutcome { triggered: false, fill: None };
            };
            let fill = match limit {
                None => slip(side, fired_at, tick, slippage_ticks),
                Some(limit) => stop_limit_from(side, limit, fired_at, tick, slippage_ticks, bar),
            };
            BarOutcome { triggered: true, fill }
        }
    }
}

/// A limit working from a price `start` onward in `bar`: fills at `start` if that is at least as
/// good as the limit, else at the limit if the rest of the bar trades through it.
fn limit_from(side: Side, limit: Price, start: Price, bar: &Bar) -> Option<Price> {
    if at_least_as_good(side, start, limit) {
        Some(start)
    } else if better(side, favourable_extreme(side, bar), limit) {
        Some(limit)
    } else {
        None
    }
}

/// An SL that fired at `fired_at`: marketable there, it fills as the SL-M would (with slippage)
/// but never worse than its limit; fired beyond its limit (a gap), it fills at the limit only if
/// the bar later trades back through it.
fn stop_limit_from(
    side: Side,
    limit: Price,
    fired_at: Price,
    tick: Price,
    slippage_ticks: u32,
    bar: &Bar,
) -> Option<Price> {
    if at_least_as_good(side, fired_at, limit) {
        // A slipped price that overflows or leaves no positive price is beyond the limit anyway.
        Some(slip(side, fired_at, tick, slippage_ticks).map_or(limit, |p| no_worse_than(side, p, limit)))
    } else {
        limit_from(side, limit, fired_at, bar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Side::{Buy, Sell};
    use crate::time::Timestamp;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    fn bar(open: &str, high: &str, low: &str, close: &str) -> Bar {
        let bar = Bar {
            ts: Timestamp::from_nanos(60),
            open: p(open),
            high: p(high),
            low: p(low),
            close: p(close),
            volume: 1,
        };
        assert!(bar.is_consistent());
        bar
    }

    fn tick() -> Price {
        p("0.05")
    }

    fn filled(price: &str) -> BarOutcome {
        BarOutcome { triggered: false, fill: Some(p(price)) }
    }

    fn fired(price: Option<&str>) -> BarOutcome {
        BarOutcome { triggered: true, fill: price.map(p) }
    }

    const NOTHING: BarOutcome = BarOutcome { triggered: false, fill: None };

    #[test]
    fn market_orders_fill_at_the_open_with_adverse_slippage() {
        let b = bar("100", "101", "99", "100.50");
        assert_eq!(execute(Buy, Phase::Market, tick(), 2, &b), filled("100.10"));
        assert_eq!(execute(Sell, Phase::Market, tick(), 2, &b), filled("99.90"));
        assert_eq!(execute(Buy, Phase::Market, tick(), 0, &b), filled("100"));
    }

    #[test]
    fn buy_limits_fill_at_a_better_open_or_at_the_limit_when_traded_through() {
        let limit = Phase::Limit(p("100"));
        // Gap open below the limit: the open is available, and better.
        assert_eq!(execute(Buy, limit, tick(), 5, &bar("99.50", "100.20", "99.40", "100")), filled("99.50"));
        assert_eq!(execute(Buy, limit, tick(), 5, &bar("100", "100.20", "99.40", "100")), filled("100"));
        assert_eq!(execute(Buy, limit, tick(), 5, &bar("101", "101.50", "99.95", "100")), filled("100"));
        // The low only touches the limit.
        assert_eq!(execute(Buy, limit, tick(), 5, &bar("101", "101.50", "100", "100.50")), NOTHING);
    }

    #[test]
    fn sell_limits_mirror_buy_limits() {
        let limit = Phase::Limit(p("100"));
        assert_eq!(execute(Sell, limit, tick(), 5, &bar("100.50", "100.60", "99.80", "100")), filled("100.50"));
        assert_eq!(execute(Sell, limit, tick(), 5, &bar("99", "100.05", "98.50", "99")), filled("100"));
        assert_eq!(execute(Sell, limit, tick(), 5, &bar("99", "100", "98.50", "99")), NOTHING);
    }

    #[test]
    fn stop_market_orders_fire_at_a_gap_open_or_at_the_trigger() {
        let stop = Phase::Stop { trigger: p("100"), limit: None };
        assert_eq!(execute(Buy, stop, tick(), 1, &bar("102", "103", "101.50", "102")), fired(Some("102.05")));
        assert_eq!(execute(Buy, stop, tick(), 1, &bar("98", "101", "97.50", "100")), fired(Some("100.05")));
        assert_eq!(execute(Buy, stop, tick(), 1, &bar("98", "100", "97.50", "99")), fired(Some("100.05")));
        assert_eq!(execute(Buy, stop, tick(), 1, &bar("98", "99.95", "97.50", "99")), NOTHING);
        assert_eq!(execute(Sell, stop, tick(), 1, &bar("98", "98.50", "97", "98")), fired(Some("97.95")));
        assert_eq!(execute(Sell, stop, tick(), 1, &bar("101", "101.50", "99.50", "100")), fired(Some("99.95")));
        assert_eq!(execute(Sell, stop, tick(), 1, &bar("101", "101.50", "100.05", "100.50")), NOTHING);
    }

    #[test]
    fn buy_stop_limits_fill_like_the_stop_market_capped_at_the_limit() {
        let sl = Phase::Stop { trigger: p("100"), limit: Some(p("100.50")) };
        // Fired within the bar at 100.00: 100.00 + 1 tick.
        assert_eq!(execute(Buy, sl, tick(), 1, &bar("99", "100.20", "98.80", "100")), fired(Some("100.05")));
        // 20 ticks of slippage would be 101.00, beyond the limit: capped at 100.50.
        assert_eq!(execute(Buy, sl, tick(), 20, &bar("99", "100.20", "98.80", "100")), fired(Some("100.50")));
        // Gap open between trigger and limit: the open + 1 tick.
        assert_eq!(execute(Buy, sl, tick(), 1, &bar("100.30", "100.60", "100.10", "100.40")), fired(Some("100.35")));
        // Gap open beyond the limit: fills at the limit only if the bar trades back below it.
        assert_eq!(execute(Buy, sl, tick(), 1, &bar("101", "101.50", "100.20", "100.80")), fired(Some("100.50")));
        assert_eq!(execute(Buy, sl, tick(), 1, &bar("101", "101.50", "100.50", "100.80")), fired(None));
        // Triggered but unfilled, it works as a plain limit on the next bar.
        assert_eq!(
            execute(Buy, Phase::Limit(p("100.50")), tick(), 1, &bar("100.40", "100.70", "100.30", "100.60")),
            filled("100.40")
        );
        assert_eq!(execute(Buy, sl, tick(), 1, &bar("99", "99.95", "98.80", "99.50")), NOTHING);
    }

    #[test]
    fn sell_stop_limits_mirror_buy_stop_limits() {
        let sl = Phase::Stop { trigger: p("100"), limit: Some(p("99.50")) };
        assert_eq!(execute(Sell, sl, tick(), 1, &bar("101", "101.20", "99.80", "100")), fired(Some("99.95")));
        assert_eq!(execute(Sell, sl, tick(), 20, &bar("101", "101.20", "99.80", "100")), fired(Some("99.50")));
        assert_eq!(execute(Sell, sl, tick(), 1, &bar("99", "99.60", "98.50", "99")), fired(Some("99.50")));
        assert_eq!(execute(Sell, sl, tick(), 1, &bar("99", "99.50", "98.50", "99")), fired(None));
    }
}
