//! The quote rules: whether a stop fires on a last trade, and what a working order executes
//! against a `Book` (see the module doc for the rules in prose).

use super::book::Book;
use super::side_prices::{at_least_as_good, better, slip};
use super::working::Phase;
use crate::model::Side;
use crate::num::{Price, Quantity};

/// One execution: a positive quantity at a positive price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Execution {
    pub(super) quantity: Quantity,
    pub(super) price: Price,
}

/// How an order may use the last trade of a book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LastTrade {
    /// The trade printed while the order rested: a limit may fill when it trades through.
    PrintedAfter,
    /// The trade printed before the order existed (matching at submission): it can price a
    /// market order with no book, but it is no evidence a seller would meet our limit.
    PrintedBefore,
}

/// Whether a stop of `side` at `trigger` fires on a last trade at `last`: a buy stop when the
/// trade is at or above the trigger, a sell stop at or below.
pub(super) fn stop_fires(side: Side, trigger: Price, last: Price) -> bool {
    !better(side, last, trigger)
}

/// What an order in `phase` executes against `book`, taking the size it uses out of the book.
/// Stops that have not triggered execute nothing.
pub(super) fn execute(
    side: Side,
    phase: Phase,
    remaining: Quantity,
    tick: Price,
    slippage_ticks: u32,
    book: &mut Book,
    last_trade: LastTrade,
) -> Option<Execution> {
    match phase {
        Phase::Stop { .. } => None,
        Phase::Market => match book.opposite_touch(side) {
            Some(touch) => take_touch(side, remaining, touch.price, book),
            None => {
                let price = slip(side, book.last?, tick, slippage_ticks)?;
                take_last(remaining, price, book)
            }
        },
        Phase::Limit(limit) => {
            if let Some(touch) = book.opposite_touch(side) {
                if at_least_as_good(side, touch.price, limit) {
                    return take_touch(side, remaining, touch.price, book);
                }
            }
            // Trading through, not touching, proves our limit would have been reached: at an
            // equal price the queue ahead of us may have taken the whole trade.
            let traded_through = book.last.is_some_and(|last| better(side, last, limit));
            if last_trade == LastTrade::PrintedAfter && traded_through {
                take_last(remaining, limit, book)
            } else {
                None
            }
        }
    }
}

fn take_touch(side: Side, remaining: Quantity, price: Price, book: &mut Book) -> Option<Execution> {
    let quantity = book.take_touch(side, remaining);
    (!quantity.is_zero()).then_some(Execution { quantity, price })
}

fn take_last(remaining: Quantity, price: Price, book: &mut Book) -> Option<Execution> {
    let quantity = book.last_left.take(remaining);
    (!quantity.is_zero()).then_some(Execution { quantity, price })
}

#[cfg(test)]
mod tests {
    use super::super::book::{Pool, Touch};
    use super::*;
    use crate::model::Side::{Buy, Sell};

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    fn q(units: u64) -> Quantity {
        Quantity::new(units)
    }

    fn tick() -> Price {
        p("0.05")
    }

    /// Last 100.00 × `last_qty`, bid 99.95 × 10, ask 100.05 × 10.
    fn book(last_qty: u64) -> Book {
        let mut book = Book::from_trade(p("100"));
        book.last_left = if last_qty == 0 { Pool::Unlimited } else { Pool::Left(q(last_qty)) };
        book.bid = Some(Touch { price: p("99.95"), left: q(10) });
        book.ask = Some(Touch { price: p("100.05"), left: q(10) });
        book
    }

    fn exec(quantity: u64, price: &str) -> Option<Execution> {
        Some(Execution { quantity: q(quantity), price: p(price) })
    }

    #[test]
    fn market_orders_take_the_touch_and_its_size() {
        let mut b = book(0);
        assert_eq!(execute(Buy, Phase::Market, q(4), tick(), 3, &mut b, LastTrade::PrintedAfter), exec(4, "100.05"));
        assert_eq!(execute(Buy, Phase::Market, q(9), tick(), 3, &mut b, LastTrade::PrintedAfter), exec(6, "100.05"));
        // The ask is used up: no fallback to the last price, which would be a better price.
        assert_eq!(execute(Buy, Phase::Market, q(9), tick(), 3, &mut b, LastTrade::PrintedAfter), None);
        assert_eq!(execute(Sell, Phase::Market, q(12), tick(), 3, &mut b, LastTrade::PrintedAfter), exec(10, "99.95"));
    }

    #[test]
    fn market_orders_without_a_book_use_the_last_trade_with_slippage() {
        let mut b = book(5);
        b.bid = None;
        b.ask = None;
        assert_eq!(execute(Buy, Phase::Market, q(3), tick(), 2, &mut b, LastTrade::PrintedBefore), exec(3, "100.10"));
        assert_eq!(execute(Sell, Phase::Market, q(3), tick(), 2, &mut b, LastTrade::PrintedBefore), exec(2, "99.90"));
        assert_eq!(execute(Sell, Phase::Market, q(3), tick(), 2, &mut b, LastTrade::PrintedBefore), None);
        b.last = None;
        b.last_left = Pool::Unlimited;
        assert_eq!(execute(Buy, Phase::Market, q(3), tick(), 2, &mut b, LastTrade::PrintedAfter), None);
    }

    #[test]
    fn marketable_limits_fill_at_the_touch() {
        let mut b = book(0);
        assert_eq!(
            execute(Buy, Phase::Limit(p("101")), q(3), tick(), 5, &mut b, LastTrade::PrintedBefore),
            exec(3, "100.05")
        );
        assert_eq!(
            execute(Buy, Phase::Limit(p("100.05")), q(3), tick(), 5, &mut b, LastTrade::PrintedBefore),
            exec(3, "100.05")
        );
        assert_eq!(
            execute(Sell, Phase::Limit(p("99.95")), q(3), tick(), 5, &mut b, LastTrade::PrintedBefore),
            exec(3, "99.95")
        );
    }

    #[test]
    fn resting_limits_fill_at_the_limit_only_when_traded_through() {
        // Ask 100.05 is above a 100.00 limit, and the last trade at 100.00 only touches it.
        let mut b = book(4);
        assert_eq!(execute(Buy, Phase::Limit(p("100")), q(6), tick(), 0, &mut b, LastTrade::PrintedAfter), None);
        // Ask 100.10 is above a 100.05 limit, but the last trade at 100.00 went through it.
        b.ask = Some(Touch { price: p("100.10"), left: q(10) });
        assert_eq!(
            execute(Buy, Phase::Limit(p("100.05")), q(6), tick(), 0, &mut b, LastTrade::PrintedAfter),
            exec(4, "100.05"),
            "at the limit, not the better last, for the last trade's size"
        );
        // Sells mirror it: bid 99.95 is below a 100.00 limit and the last only touches it ...
        let mut b = book(0);
        assert_eq!(execute(Sell, Phase::Limit(p("100")), q(6), tick(), 0, &mut b, LastTrade::PrintedAfter), None);
        // ... while a 99.95 limit meets the bid, and below a lower bid the last trades through.
        assert_eq!(
            execute(Sell, Phase::Limit(p("99.95")), q(6), tick(), 0, &mut b, LastTrade::PrintedAfter),
            exec(6, "99.95")
        );
        b.bid = Some(Touch { price: p("99.85"), left: q(10) });
        assert_eq!(
            execute(Sell, Phase::Limit(p("99.95")), q(6), tick(), 0, &mut b, LastTrade::PrintedAfter),
            exec(6, "99.95"),
            "last 100.00 > 99.95 with unknown size fills all"
        );
    }

    #[test]
    fn a_trade_before_the_order_existed_does_not_fill_a_limit() {
        let mut b = book(0);
        b.ask = None;
        assert_eq!(execute(Buy, Phase::Limit(p("100.50")), q(6), tick(), 0, &mut b, LastTrade::PrintedBefore), None);
        assert_eq!(
            execute(Buy, Phase::Limit(p("100.50")), q(6), tick(), 0, &mut b, LastTrade::PrintedAfter),
            exec(6, "100.50")
        );
    }

    #[test]
    fn stops_fire_at_or_beyond_the_trigger_and_execute_nothing_before() {
        assert!(stop_fires(Buy, p("100"), p("100")));
        assert!(stop_fires(Buy, p("100"), p("100.05")));
        assert!(!stop_fires(Buy, p("100"), p("99.95")));
        assert!(stop_fires(Sell, p("100"), p("100")));
        assert!(stop_fires(Sell, p("100"), p("99.95")));
        assert!(!stop_fires(Sell, p("100"), p("100.05")));
        let mut b = book(0);
        let stop = Phase::Stop { trigger: p("90"), limit: None };
        assert_eq!(execute(Buy, stop, q(1), tick(), 0, &mut b, LastTrade::PrintedAfter), None);
    }
}
