//! Prices seen from one side of the market: what is better, what is adverse, which extreme of a
//! bar helps or hurts. Every rule is written once here for a buyer and mirrored for a seller.

use crate::model::{Bar, Side};
use crate::num::Price;

/// Whether `a` is strictly better than `b` for `side`: lower for a buyer, higher for a seller.
pub(super) fn better(side: Side, a: Price, b: Price) -> bool {
    match side {
        Side::Buy => a < b,
        Side::Sell => a > b,
    }
}

/// Whether `a` is at least as good as `b` for `side` (better or equal).
pub(super) fn at_least_as_good(side: Side, a: Price, b: Price) -> bool {
    !better(side, b, a)
}

/// `price` moved `ticks` whole ticks against `side` (up for a buyer, down for a seller); `None`
/// when that overflows or leaves no positive price, so no fill is ever made at a price ≤ 0.
pub(super) fn slip(side: Side, price: Price, tick: Price, ticks: u32) -> Option<Price> {
    price.offset_ticks(tick, i64::from(ticks) * side.sign()).filter(|p| p.is_positive())
}

/// The worse of `price` and `limit` is never taken: this returns whichever is better for `side`.
pub(super) fn no_worse_than(side: Side, price: Price, limit: Price) -> Price {
    if better(side, limit, price) {
        limit
    } else {
        price
    }
}

/// The extreme of a bar that favours `side`: the low for a buyer, the high for a seller.
pub(super) fn favourable_extreme(side: Side, bar: &Bar) -> Price {
    match side {
        Side::Buy => bar.low,
        Side::Sell => bar.high,
    }
}

/// The extreme of a bar that goes against `side`: the high for a buyer, the low for a seller.
pub(super) fn adverse_extreme(side: Side, bar: &Bar) -> Price {
    match side {
        Side::Buy => bar.high,
        Side::Sell => bar.low,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn better_is_lower_for_buyers_and_higher_for_sellers() {
        assert!(better(Side::Buy, p("99.95"), p("100")));
        assert!(!better(Side::Buy, p("100"), p("100")));
        assert!(better(Side::Sell, p("100.05"), p("100")));
        assert!(at_least_as_good(Side::Sell, p("100"), p("100")));
        assert!(!at_least_as_good(Side::Sell, p("99.95"), p("100")));
    }

    #[test]
    fn slippage_is_adverse_and_never_reaches_zero() {
        let tick = p("0.05");
        assert_eq!(slip(Side::Buy, p("100"), tick, 3), Some(p("100.15")));
        assert_eq!(slip(Side::Sell, p("100"), tick, 3), Some(p("99.85")));
        assert_eq!(slip(Side::Sell, p("0.10"), tick, 2), None);
        assert_eq!(slip(Side::Sell, p("0.10"), tick, 1), Some(p("0.05")));
        assert_eq!(slip(Side::Buy, Price::from_micros(i64::MAX), tick, 1), None);
    }

    #[test]
    fn capping_keeps_the_better_price() {
        assert_eq!(no_worse_than(Side::Buy, p("101"), p("100.50")), p("100.50"));
        assert_eq!(no_worse_than(Side::Buy, p("100.05"), p("100.50")), p("100.05"));
        assert_eq!(no_worse_than(Side::Sell, p("98"), p("99")), p("99"));
        assert_eq!(no_worse_than(Side::Sell, p("99.50"), p("99")), p("99.50"));
    }
}
