//! P&L attribution: which strategy made what. Every fill belongs to the book of the order that
//! caused it — a strategy instance, or the manual book for orders placed by operators — and each
//! book keeps its own positions, so a strategy's P&L is what its own fills earned at the current
//! marks, whatever the other books did in the same instrument.
//!
//! The books add up to the account exactly. For any position, average-cost accounting moves cost
//! and realised P&L in step, so `realised − cost = −Σ signed quantity × price` over its fills;
//! realised + unrealised at a mark (`mark × net − cost`) is therefore linear in the fills, and
//! splitting the fills between books splits the account's P&L without remainder. How it splits
//! into realised and unrealised may differ (a strategy's buy closed by a manual sell stays open in
//! both books, long in one and short in the other), so only the net sum is an identity.

use std::collections::BTreeMap;

use crate::model::{Fill, InstrumentKey, Position, PositionError, StrategyId};
use crate::num::{Money, Price};

/// Who a fill's P&L belongs to: `Some(strategy)`, or `None` for the manual book.
pub type BookId = Option<StrategyId>;

/// Every book's positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    books: BTreeMap<BookId, BTreeMap<InstrumentKey, Position>>,
}

/// One open position of a book, valued at the current mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPosition {
    pub instrument: InstrumentKey,
    /// Signed units: positive long, negative short.
    pub quantity: i64,
    pub average_price: Option<Price>,
    /// `None` when the instrument has no mark (the position is then valued at cost).
    pub last_price: Option<Price>,
    pub unrealised: Money,
}

/// A book's P&L at the current marks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookPnl {
    /// Realised P&L, gross of charges.
    pub realised: Money,
    /// Open quantity at the marks minus its cost (zero for an unmarked instrument, which the
    /// portfolio values at cost).
    pub unrealised: Money,
    pub charges: Money,
    /// realised + unrealised − charges.
    pub net: Money,
    pub fills: u64,
    pub open_positions: Vec<OpenPosition>,
}

impl Attribution {
    /// Books `fill` to `book`. On error nothing changes.
    pub fn apply(&mut self, book: &BookId, fill: &Fill) -> Result<(), PositionError> {
        let positions = self.books.entry(book.clone()).or_default();
        let mut position =
            positions.get(&fill.instrument).cloned().unwrap_or_else(|| Position::new(fill.instrument.clone()));
        position.apply_fill(fill)?;
        positions.insert(fill.instrument.clone(), position);
        Ok(())
    }

    /// Every book with at least one fill, manual first.
    pub fn books(&self) -> impl Iterator<Item = &BookId> {
        self.books.keys()
    }

    /// Whether `book` has any fill.
    pub fn contains(&self, book: &BookId) -> bool {
        self.books.contains_key(book)
    }

    /// `book`'s P&L at `marks`; all zero for a book without fills.
    pub fn pnl(&self, book: &BookId, marks: &BTreeMap<InstrumentKey, Price>) -> BookPnl {
        let Some(positions) = self.books.get(book) else {
            return BookPnl::default();
        };
        let (mut realised, mut unrealised, mut charges, mut fills) = (0i128, 0i128, 0i128, 0u64);
        let mut open_positions = Vec::new();
        for position in positions.values() {
            let mark = marks.get(&position.instrument).copied();
            let open = mark.map_or(0, |m| i128::from(position.unrealised(m).micros()));
            realised += i128::from(position.realised.micros());
            charges += i128::from(position.charges.micros());
            unrealised += open;
            fills = fills.saturating_add(position.fills);
            if !position.is_flat() {
                open_positions.push(OpenPosition {
                    instrument: position.instrument.clone(),
                    quantity: position.net,
                    average_price: position.average_price(),
                    last_price: mark,
                    unrealised: Money::saturating_from_micros(open),
                });
            }
        }
        BookPnl {
            realised: Money::saturating_from_micros(realised),
            unrealised: Money::saturating_from_micros(unrealised),
            charges: Money::saturating_from_micros(charges),
            net: Money::saturating_from_micros(realised + unrealised - charges),
            fills,
            open_positions,
        }
    }

    /// Every book's net P&L at `marks`, manual first.
    pub fn net_by_book(&self, marks: &BTreeMap<InstrumentKey, Price>) -> Vec<(BookId, Money)> {
        self.books.keys().map(|book| (book.clone(), self.pnl(book, marks).net)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charges::ChargeBreakdown;
    use crate::model::position::tests::{any_price, fill_with, india_fill, key};
    use crate::model::{Portfolio, Side};
    use proptest::prelude::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn price(text: &str) -> Price {
        text.parse().unwrap()
    }

    fn strategy(id: &str) -> BookId {
        Some(StrategyId::new(id).unwrap())
    }

    #[test]
    fn a_strategy_buy_closed_by_a_manual_sell_stays_open_in_both_books() {
        let reliance = key("NSE_EQ|INE002A01018");
        let mut books = Attribution::default();
        let buy = fill_with(&reliance, Side::Buy, 10, price("100"), ChargeBreakdown::commission(money("1")));
        let sell = fill_with(&reliance, Side::Sell, 10, price("110"), ChargeBreakdown::commission(money("2")));
        books.apply(&strategy("s1"), &buy).unwrap();
        books.apply(&None, &sell).unwrap();
        let marks = [(reliance.clone(), price("105"))].into_iter().collect();
        // s1: long 10 @ 100 marked 105 → +50 unrealised, −1 charges.
        let s1 = books.pnl(&strategy("s1"), &marks);
        assert_eq!(
            (s1.realised, s1.unrealised, s1.charges, s1.net),
            (Money::ZERO, money("50"), money("1"), money("49"))
        );
        assert_eq!(s1.open_positions.len(), 1);
        assert_eq!((s1.open_positions[0].quantity, s1.open_positions[0].average_price), (10, Some(price("100"))));
        // manual: short 10 @ 110 marked 105 → +50, −2 charges.
        let manual = books.pnl(&None, &marks);
        assert_eq!((manual.unrealised, manual.net, manual.fills), (money("50"), money("48"), 1));
        // The account realised 100 and paid 3: 97 = 49 + 48.
        assert_eq!(books.net_by_book(&marks), vec![(None, money("48")), (strategy("s1"), money("49"))]);
        assert_eq!(books.pnl(&strategy("nobody"), &marks), BookPnl::default());
        assert!(books.contains(&None) && !books.contains(&strategy("nobody")));
    }

    proptest! {
        /// Whatever the fills and whoever placed them, the books' net P&L adds up to the
        /// portfolio's realised + unrealised − charges, to the micro-rupee, and so do the charges
        /// and the fill counts.
        #[test]
        fn books_sum_to_the_portfolio(
            fills in proptest::collection::vec((0usize..3, 0usize..3, any::<bool>(), 1u64..2_000, any_price()), 1..40),
            marks in proptest::collection::vec(any_price(), 3),
        ) {
            let keys = [key("NSE_EQ|INE467B01029"), key("NSE_EQ|INE009A01021"), key("BSE_EQ|INE002A01018")];
            let owners = [None, strategy("s1"), strategy("s2")];
            let mut portfolio = Portfolio::new(money("1000000"));
            let mut books = Attribution::default();
            for (which, owner, buy, quantity, at) in fills {
                let side = if buy { Side::Buy } else { Side::Sell };
                let fill = india_fill(&keys[which], side, quantity, at);
                portfolio.apply_fill(&fill).unwrap();
                books.apply(&owners[owner], &fill).unwrap();
            }
            for (instrument, mark) in keys.iter().zip(&marks) {
                if portfolio.positions.contains_key(instrument) {
                    portfolio.mark(instrument, *mark);
                }
            }
            let expected = portfolio.realised() + portfolio.unrealised() - portfolio.charges_paid;
            let pnls: Vec<BookPnl> = books.books().map(|b| books.pnl(b, &portfolio.marks)).collect();
            prop_assert_eq!(pnls.iter().map(|p| p.net).sum::<Money>(), expected);
            prop_assert_eq!(pnls.iter().map(|p| p.charges).sum::<Money>(), portfolio.charges_paid);
            let fills: u64 = portfolio.positions.values().map(|p| p.fills).sum();
            prop_assert_eq!(pnls.iter().map(|p| p.fills).sum::<u64>(), fills);
            let net_total: Money = books.net_by_book(&portfolio.marks).into_iter().map(|(_, n)| n).sum();
            prop_assert_eq!(net_total, expected);
        }
    }
}
