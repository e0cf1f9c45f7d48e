//! Round-trip trades: from the fill that takes a position away from flat to the fill that brings
//! it back (or flips it).

use serde::Serialize;

use crate::model::Side;
use crate::num::{Money, Price};
use crate::time::Timestamp;

/// One closed round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClosedTrade {
    /// `Buy` for a long trade, `Sell` for a short one.
    pub direction: Side,
    pub entry_bar: usize,
    pub entry_ts: Timestamp,
    /// Price of the fill that opened the trade.
    pub entry_price: Price,
    pub exit_bar: usize,
    pub exit_ts: Timestamp,
    /// Price of the fill that closed the trade.
    pub exit_price: Price,
    /// The largest absolute position the trade reached, in units.
    pub max_units: u64,
    /// Realised P&L after charges: every fill of the trade, entry and exit charges included.
    pub pnl: Money,
}

/// A trade still open: where it started and the realised P&L (after charges) before it did.
#[derive(Debug, Clone, Copy)]
struct OpenTrade {
    direction: Side,
    entry_bar: usize,
    entry_ts: Timestamp,
    entry_price: Price,
    max_units: u64,
    baseline: Money,
}

/// One fill as the tracker needs it: where the position was and went, and the position's realised
/// P&L after charges before and after the fill.
#[derive(Debug, Clone, Copy)]
pub(super) struct PositionChange {
    pub(super) bar: usize,
    pub(super) ts: Timestamp,
    pub(super) price: Price,
    pub(super) net_before: i64,
    pub(super) net_after: i64,
    pub(super) realised_net_before: Money,
    pub(super) realised_net_after: Money,
}

/// Turns fills into closed trades. A trade's P&L is the change in the position's realised P&L
/// after charges from just before its opening fill to just after its closing fill, so it includes
/// every charge of its fills. A fill that flips the position closes the old trade (its P&L takes
/// the flip fill's charges) and opens a new one at the same price.
#[derive(Debug, Clone, Default)]
pub(super) struct TradeTracker {
    open: Option<OpenTrade>,
    closed: Vec<ClosedTrade>,
}

impl TradeTracker {
    pub(super) fn record(&mut self, change: PositionChange) {
        let PositionChange { bar, ts, price, net_before, net_after, realised_net_before, realised_net_after } = change;
        let flipped = net_before != 0 && net_after != 0 && net_before.signum() != net_after.signum();
        if net_before != 0 && (net_after == 0 || flipped) {
            if let Some(open) = self.open.take() {
                self.closed.push(ClosedTrade {
                    direction: open.direction,
                    entry_bar: open.entry_bar,
                    entry_ts: open.entry_ts,
                    entry_price: open.entry_price,
                    exit_bar: bar,
                    exit_ts: ts,
                    exit_price: price,
                    max_units: open.max_units,
                    pnl: realised_net_after.checked_sub(open.baseline).unwrap_or(Money::ZERO),
                });
            }
        }
        if net_after != 0 && (net_before == 0 || flipped) {
            self.open = Some(OpenTrade {
                direction: if net_after > 0 { Side::Buy } else { Side::Sell },
                entry_bar: bar,
                entry_ts: ts,
                entry_price: price,
                max_units: net_after.unsigned_abs(),
                // A flip's charges went to the trade it closed.
                baseline: if flipped { realised_net_after } else { realised_net_before },
            });
        } else if let Some(open) = &mut self.open {
            open.max_units = open.max_units.max(net_after.unsigned_abs());
        }
    }

    /// The closed trades, in the order they closed.
    pub(super) fn into_closed(self) -> Vec<ClosedTrade> {
        self.closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn change(bar: usize, price: &str, nets: (i64, i64), realised: (&str, &str)) -> PositionChange {
        PositionChange {
            bar,
            ts: Timestamp::from_nanos(bar as i64),
            price: price.parse().unwrap(),
            net_before: nets.0,
            net_after: nets.1,
            realised_net_before: m(realised.0),
            realised_net_after: m(realised.1),
        }
    }

    #[test]
    fn a_round_trip_counts_entry_and_exit_charges() {
        let mut tracker = TradeTracker::default();
        // Buy 10 paying 2 in charges (realised net 0 → −2), add 5 (−2 → −3), sell 15 realising
        // +50 gross and paying 4: −3 + 50 − 4 = 43. The trade's P&L is 43 − 0.
        tracker.record(change(1, "100", (0, 10), ("0", "-2")));
        tracker.record(change(2, "101", (10, 15), ("-2", "-3")));
        tracker.record(change(5, "104", (15, 0), ("-3", "43")));
        let trades = tracker.into_closed();
        assert_eq!(trades.len(), 1);
        let t = trades[0];
        assert_eq!((t.direction, t.entry_bar, t.exit_bar, t.max_units, t.pnl), (Side::Buy, 1, 5, 15, m("43")));
        assert_eq!((t.entry_price.to_string(), t.exit_price.to_string()), ("100.00".into(), "104.00".into()));
    }

    #[test]
    fn a_flip_closes_one_trade_and_opens_the_next() {
        let mut tracker = TradeTracker::default();
        // Earlier trades left realised net at 7. Long 10; the flip sells 15 (realised 7 → 7 − 30 − 1 = −24),
        // the short 5 is covered for a 9 gain less 1 (−24 → −16).
        tracker.record(change(0, "50", (0, 10), ("7", "7")));
        tracker.record(change(3, "47", (10, -5), ("7", "-24")));
        tracker.record(change(4, "45", (-5, 0), ("-24", "-16")));
        let trades = tracker.into_closed();
        let summary: Vec<(Side, usize, usize, Money)> =
            trades.iter().map(|t| (t.direction, t.entry_bar, t.exit_bar, t.pnl)).collect();
        assert_eq!(summary, [(Side::Buy, 0, 3, m("-31")), (Side::Sell, 3, 4, m("8"))]);
    }

    #[test]
    fn an_open_trade_is_not_closed() {
        let mut tracker = TradeTracker::default();
        tracker.record(change(0, "50", (0, 10), ("0", "0")));
        assert!(tracker.into_closed().is_empty());
    }
}
