//! `Book`: what one quote (or one trade) offers, less what paper fills have already taken, so two
//! paper orders can never both take the same quoted size.

use crate::model::{Quote, Side};
use crate::num::{Price, Quantity};

/// Size still available at a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pool {
    /// The size is unknown (a last-trade quantity of 0) or declared unlimited (`on_trade`).
    Unlimited,
    Left(Quantity),
}

impl Pool {
    /// Takes up to `want` and returns what was granted.
    pub(super) fn take(&mut self, want: Quantity) -> Quantity {
        match self {
            Pool::Unlimited => want,
            Pool::Left(left) => {
                let granted = want.min(*left);
                *left = left.saturating_sub(granted);
                granted
            }
        }
    }
}

/// The best bid or ask and the size still available there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Touch {
    pub(super) price: Price,
    pub(super) left: Quantity,
}

impl Touch {
    /// A side of the book counts only with a positive price and a positive size: feeds send 0
    /// for a missing level, and filling against it would invent liquidity.
    fn quoted(price: Option<Price>, quantity: Quantity) -> Option<Touch> {
        price.filter(|p| p.is_positive() && !quantity.is_zero()).map(|price| Touch { price, left: quantity })
    }

    fn take(&mut self, want: Quantity) -> Quantity {
        let granted = want.min(self.left);
        self.left = self.left.saturating_sub(granted);
        granted
    }
}

/// The market for one instrument as the matcher last saw it. `Copy` and key-free, so replacing it
/// on every quote allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Book {
    /// The last trade, if it has a positive price.
    pub(super) last: Option<Price>,
    pub(super) last_left: Pool,
    pub(super) bid: Option<Touch>,
    pub(super) ask: Option<Touch>,
}

impl Book {
    pub(super) fn from_quote(quote: &Quote) -> Book {
        Book {
            last: Some(quote.last).filter(|p| p.is_positive()),
            last_left: if quote.last_quantity.is_zero() { Pool::Unlimited } else { Pool::Left(quote.last_quantity) },
            bid: Touch::quoted(quote.bid, quote.bid_quantity),
            ask: Touch::quoted(quote.ask, quote.ask_quantity),
        }
    }

    /// A single trade of unlimited size and no book (`on_trade`).
    pub(super) fn from_trade(price: Price) -> Book {
        Book { last: Some(price).filter(|p| p.is_positive()), last_left: Pool::Unlimited, bid: None, ask: None }
    }

    /// The touch an order of `side` trades against: the ask for a buy, the bid for a sell.
    pub(super) fn opposite_touch(&self, side: Side) -> Option<Touch> {
        match side {
            Side::Buy => self.ask,
            Side::Sell => self.bid,
        }
    }

    /// Takes up to `want` from the touch opposite `side`; returns what was granted.
    pub(super) fn take_touch(&mut self, side: Side, want: Quantity) -> Quantity {
        let touch = match side {
            Side::Buy => &mut self.ask,
            Side::Sell => &mut self.bid,
        };
        touch.as_mut().map_or(Quantity::ZERO, |t| t.take(want))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstrumentKey;
    use crate::time::Timestamp;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn missing_or_empty_levels_are_not_quoted() {
        let key = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        let mut quote = Quote::last_trade(key, Timestamp::from_nanos(5), p("100"), Quantity::ZERO);
        quote.bid = Some(p("99.95"));
        quote.bid_quantity = Quantity::ZERO;
        quote.ask = Some(Price::ZERO);
        quote.ask_quantity = Quantity::new(10);
        let book = Book::from_quote(&quote);
        assert_eq!(book.bid, None);
        assert_eq!(book.ask, None);
        assert_eq!(book.last, Some(p("100")));
        assert_eq!(book.last_left, Pool::Unlimited);
        quote.last = Price::ZERO;
        assert_eq!(Book::from_quote(&quote).last, None);
    }

    #[test]
    fn takes_never_exceed_what_is_left() {
        let mut pool = Pool::Left(Quantity::new(5));
        assert_eq!(pool.take(Quantity::new(3)), Quantity::new(3));
        assert_eq!(pool.take(Quantity::new(3)), Quantity::new(2));
        assert_eq!(pool.take(Quantity::new(3)), Quantity::ZERO);
        assert_eq!(Pool::Unlimited.take(Quantity::new(1_000_000)), Quantity::new(1_000_000));

        let mut book = Book::from_trade(p("100"));
        book.ask = Some(Touch { price: p("100.05"), left: Quantity::new(4) });
        assert_eq!(book.take_touch(Side::Buy, Quantity::new(10)), Quantity::new(4));
        assert_eq!(book.opposite_touch(Side::Buy).map(|t| t.left), Some(Quantity::ZERO));
        assert_eq!(book.take_touch(Side::Sell, Quantity::new(10)), Quantity::ZERO, "no bid quoted");
    }
}
