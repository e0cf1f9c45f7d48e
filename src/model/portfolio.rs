//! The portfolio: cash, every position, the latest marks, and the day's starting equity.
//!
//! Accounting identity, kept exactly by construction (and checked by property tests):
//! `equity − initial cash == realised + unrealised − charges paid`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fill::Fill;
use super::ids::InstrumentKey;
use super::order::Side;
use super::position::{Position, PositionError};
use crate::num::{Money, Price};

/// Cash and positions of one account, valued at the latest marks.
///
/// Valuations (`equity`, exposures, P&L sums) are computed exactly in i128 and saturate at the
/// `Money` range, so an absurd mark gives an absurd value (which trips risk limits) rather than a
/// panic. A position whose instrument has no mark is valued at its cost basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portfolio {
    pub cash: Money,
    /// Every instrument ever traded, flat ones included: they hold the realised P&L.
    pub positions: BTreeMap<InstrumentKey, Position>,
    /// Latest known price per instrument.
    pub marks: BTreeMap<InstrumentKey, Price>,
    /// Every charge every fill paid.
    pub charges_paid: Money,
    /// Equity when the trading day began (see [`Portfolio::roll_day`]).
    pub start_of_day_equity: Money,
}

impl Portfolio {
    /// An account holding only `cash`, at the start of its first day.
    pub fn new(cash: Money) -> Portfolio {
        Portfolio {
            cash,
            positions: BTreeMap::new(),
            marks: BTreeMap::new(),
            charges_paid: Money::ZERO,
            start_of_day_equity: cash,
        }
    }

    /// Books a fill: the position changes, cash pays for buys and receives for sells, charges are
    /// paid from cash either way, and the instrument is marked at the fill price if it had no mark
    /// yet. On error nothing changes.
    pub fn apply_fill(&mut self, fill: &Fill) -> Result<(), PositionError> {
        let mut position =
            self.positions.get(&fill.instrument).cloned().unwrap_or_else(|| Position::new(fill.instrument.clone()));
        position.apply_fill(fill)?;
        let overflow =
            |what| PositionError::Overflow { fill: fill.id.clone(), instrument: fill.instrument.clone(), what };
        // Both were already checked by the position, but stay checked rather than assumed.
        let value = fill.price.notional(fill.quantity).ok_or_else(|| overflow("cash"))?;
        let paid = fill.charges.checked_total().ok_or_else(|| overflow("charges"))?;
        let cash = match fill.side {
            Side::Buy => self.cash.checked_sub(value),
            Side::Sell => self.cash.checked_add(value),
        }
        .and_then(|cash| cash.checked_sub(paid))
        .ok_or_else(|| overflow("cash"))?;
        let charges_paid = self.charges_paid.checked_add(paid).ok_or_else(|| overflow("charges paid"))?;

        self.positions.insert(fill.instrument.clone(), position);
        self.cash = cash;
        self.charges_paid = charges_paid;
        self.marks.entry(fill.instrument.clone()).or_insert(fill.price);
        Ok(())
    }

    /// Records the latest price of an instrument.
    pub fn mark(&mut self, instrument: &InstrumentKey, price: Price) {
        self.marks.insert(instrument.clone(), price);
    }

    pub fn position(&self, instrument: &InstrumentKey) -> Option<&Position> {
        self.positions.get(instrument)
    }

    /// Signed units held (0 when never traded).
    pub fn net_quantity(&self, instrument: &InstrumentKey) -> i64 {
        self.positions.get(instrument).map_or(0, |p| p.net)
    }

    /// Each position's value in 10⁻⁶ ₹: net × mark, or its cost basis when unmarked.
    fn values(&self) -> impl Iterator<Item = (&Position, i128)> {
        self.positions.values().map(|p| {
            let value = match self.marks.get(&p.instrument) {
                Some(mark) => i128::from(mark.micros()) * i128::from(p.net),
                None => i128::from(p.cost.micros()),
            };
            (p, value)
        })
    }

    fn equity_exact(&self) -> i128 {
        i128::from(self.cash.micros()) + self.values().map(|(_, v)| v).sum::<i128>()
    }

    /// Cash plus every position at its mark.
    pub fn equity(&self) -> Money {
        Money::saturating_from_micros(self.equity_exact())
    }

    /// Σ |position value|: longs and shorts both count.
    pub fn gross_exposure(&self) -> Money {
        Money::saturating_from_micros(self.values().map(|(_, v)| v.abs()).sum())
    }

    /// Σ position value: shorts offset longs.
    pub fn net_exposure(&self) -> Money {
        Money::saturating_from_micros(self.values().map(|(_, v)| v).sum())
    }

    /// Realised P&L of every position, gross of charges.
    pub fn realised(&self) -> Money {
        Money::saturating_from_micros(self.positions.values().map(|p| i128::from(p.realised.micros())).sum())
    }

    /// Unrealised P&L of every position at its mark (zero for unmarked ones, valued at cost).
    pub fn unrealised(&self) -> Money {
        Money::saturating_from_micros(self.values().map(|(p, v)| v - i128::from(p.cost.micros())).sum())
    }

    /// Equity gained (or lost) since the day began.
    pub fn day_pnl(&self) -> Money {
        Money::saturating_from_micros(self.equity_exact() - i128::from(self.start_of_day_equity.micros()))
    }

    /// Starts a new trading day at the current equity.
    pub fn roll_day(&mut self) {
        self.start_of_day_equity = self.equity();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charges::ChargeBreakdown;
    use crate::model::position::tests::{any_price, fill_with, india_fill, key};
    use proptest::prelude::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn price(text: &str) -> Price {
        text.parse().unwrap()
    }

    fn charged(brokerage: &str) -> ChargeBreakdown {
        ChargeBreakdown::commission(money(brokerage))
    }

    #[test]
    fn books_cash_positions_marks_and_pnl() {
        let tcs = key("NSE_EQ|INE467B01029");
        let mut p = Portfolio::new(money("100000"));
        // Buy 100 @ 500 paying 23.60: cash 100000 − 50000 − 23.60 = 49976.40; marked at 500.
        p.apply_fill(&fill_with(&tcs, Side::Buy, 100, price("500"), charged("23.60"))).unwrap();
        assert_eq!(p.cash, money("49976.40"));
        assert_eq!(p.marks.get(&tcs), Some(&price("500")));
        assert_eq!(p.equity(), money("99976.40"));
        assert_eq!(p.day_pnl(), money("-23.60"));
        // Mark 510: equity 49976.40 + 51000 = 100976.40; unrealised 100 × 10 = 1000.
        p.mark(&tcs, price("510"));
        assert_eq!(p.equity(), money("100976.40"));
        assert_eq!(p.unrealised(), money("1000"));
        assert_eq!((p.gross_exposure(), p.net_exposure()), (money("51000"), money("51000")));
        // Sell 40 @ 520 paying 10: cash + 20800 − 10 = 70766.40; realised 40 × (520 − 500) = 800.
        // The existing mark (510) is kept: a fill only marks an unmarked instrument.
        p.apply_fill(&fill_with(&tcs, Side::Sell, 40, price("520"), charged("10"))).unwrap();
        assert_eq!(p.cash, money("70766.40"));
        assert_eq!(p.marks.get(&tcs), Some(&price("510")));
        assert_eq!(p.net_quantity(&tcs), 60);
        assert_eq!(p.realised(), money("800"));
        assert_eq!(p.charges_paid, money("33.60"));
        // Equity 70766.40 + 60 × 510 = 101366.40 = 100000 + 800 + 600 − 33.60.
        assert_eq!(p.equity(), money("101366.40"));
        assert_eq!(p.unrealised(), money("600"));
        assert_eq!(p.day_pnl(), money("1366.40"));
        p.roll_day();
        assert_eq!(p.start_of_day_equity, money("101366.40"));
        assert_eq!(p.day_pnl(), Money::ZERO);
    }

    #[test]
    fn shorts_offset_longs_in_net_exposure_only() {
        let (a, b) = (key("NSE_EQ|INE467B01029"), key("NSE_EQ|INE009A01021"));
        let mut p = Portfolio::new(money("10000"));
        p.apply_fill(&fill_with(&a, Side::Buy, 10, price("300"), ChargeBreakdown::default())).unwrap();
        p.apply_fill(&fill_with(&b, Side::Sell, 10, price("100"), ChargeBreakdown::default())).unwrap();
        // Cash 10000 − 3000 + 1000 = 8000; values +3000 and −1000.
        assert_eq!(p.cash, money("8000"));
        assert_eq!(p.gross_exposure(), money("4000"));
        assert_eq!(p.net_exposure(), money("2000"));
        assert_eq!(p.equity(), money("10000"));
        assert_eq!(p.net_quantity(&b), -10);
        assert_eq!(p.net_quantity(&key("NSE_EQ|INE002A01018")), 0);
        // The short loses when its price rises: 10 × (100 − 120) = −200.
        p.mark(&b, price("120"));
        assert_eq!(p.unrealised(), money("-200"));
        assert_eq!(p.equity(), money("9800"));
    }

    #[test]
    fn unmarked_positions_are_valued_at_cost() {
        let a = key("NSE_EQ|INE467B01029");
        let mut p = Portfolio::new(money("10000"));
        p.apply_fill(&fill_with(&a, Side::Buy, 10, price("300"), charged("5"))).unwrap();
        p.marks.clear();
        // 10000 − 3000 − 5 + cost 3000.
        assert_eq!(p.equity(), money("9995"));
        assert_eq!(p.unrealised(), Money::ZERO);
        assert_eq!(p.gross_exposure(), money("3000"));
    }

    #[test]
    fn refused_fills_change_nothing() {
        let a = key("NSE_EQ|INE467B01029");
        let mut p = Portfolio::new(Money::from_micros(i64::MAX - 5));
        let before = p.clone();
        let sale = fill_with(&a, Side::Sell, 1, price("100"), ChargeBreakdown::default());
        assert!(matches!(p.apply_fill(&sale), Err(PositionError::Overflow { what: "cash", .. })));
        let empty = fill_with(&a, Side::Buy, 0, price("100"), ChargeBreakdown::default());
        assert!(matches!(p.apply_fill(&empty), Err(PositionError::ZeroQuantity { .. })));
        assert_eq!(p, before);
        assert!(p.positions.is_empty() && p.marks.is_empty());
    }

    #[test]
    fn valuations_saturate() {
        let a = key("NSE_EQ|INE467B01029");
        let mut p = Portfolio::new(money("1000"));
        p.apply_fill(&fill_with(&a, Side::Buy, 10, price("1"), ChargeBreakdown::default())).unwrap();
        p.mark(&a, Price::from_micros(i64::MAX));
        assert_eq!(p.equity(), Money::from_micros(i64::MAX));
        assert_eq!(p.gross_exposure(), Money::from_micros(i64::MAX));
    }

    #[test]
    fn deserialises_from_the_journal_form() {
        let text = r#"
            cash = "8000.5"
            charges_paid = "0.5"
            start_of_day_equity = "10000"
            [marks]
            "NSE_EQ|INE467B01029" = "310"
            [positions."NSE_EQ|INE467B01029"]
            instrument = "NSE_EQ|INE467B01029"
            net = 10
            cost = "3000"
            realised = "0"
            charges = "0.5"
            fills = 1
        "#;
        let p: Portfolio = toml::from_str(text).unwrap();
        // 8000.50 + 10 × 310.
        assert_eq!(p.equity(), money("11100.5"));
        assert!(toml::from_str::<Portfolio>(&text.replace("cash =", "cassh =")).is_err());
    }

    proptest! {
        #[test]
        fn equity_identity_holds_for_any_fills(
            fills in proptest::collection::vec((0usize..3, any::<bool>(), 1u64..2_000, any_price()), 1..30),
        ) {
            let keys = [key("NSE_EQ|INE467B01029"), key("NSE_EQ|INE009A01021"), key("BSE_EQ|INE002A01018")];
            let initial = money("1000000");
            let mut p = Portfolio::new(initial);
            for (which, buy, quantity, at) in fills {
                let side = if buy { Side::Buy } else { Side::Sell };
                p.apply_fill(&india_fill(&keys[which], side, quantity, at)).unwrap();
                p.mark(&keys[which], at);
                prop_assert_eq!(p.equity() - initial, p.realised() + p.unrealised() - p.charges_paid);
                let charged: Money = p.positions.values().map(|pos| pos.charges).sum();
                prop_assert_eq!(charged, p.charges_paid);
            }
        }
    }
}
