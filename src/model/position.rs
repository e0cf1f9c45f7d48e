//! A position in one instrument: its signed size, the cost basis of what is still open, realised
//! P&L and the charges its fills paid.
//!
//! Cost basis is average cost: reducing a position removes cost in proportion to the quantity
//! closed, rounded half away from zero to the money scale, and closing it completely removes all
//! the cost that is left. So rounding never leaks: over a round trip the realised P&L is exactly
//! proceeds minus outlay.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::fill::Fill;
use super::ids::{FillId, InstrumentKey};
use crate::num::decimal::div_round_half_away;
use crate::num::{Money, Price};

/// A position: what is held in one instrument and what it has earned so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub instrument: InstrumentKey,
    /// Signed units: positive long, negative short, zero flat.
    pub net: i64,
    /// Cost basis of the open quantity: Σ signed quantity × entry price of what is still open
    /// (negative for a short). Zero when flat.
    pub cost: Money,
    /// Realised P&L, gross of charges.
    pub realised: Money,
    /// Everything the fills paid in charges.
    pub charges: Money,
    /// How many fills were applied.
    pub fills: u64,
}

/// Why a fill could not be applied to a position; the position is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PositionError {
    #[error("fill {fill} is for {fill_instrument}, not for the position in {position}")]
    WrongInstrument { fill: FillId, fill_instrument: InstrumentKey, position: InstrumentKey },
    #[error("fill {fill} has zero quantity")]
    ZeroQuantity { fill: FillId },
    #[error("fill {fill} would take the {what} of {instrument} out of range")]
    Overflow { fill: FillId, instrument: InstrumentKey, what: &'static str },
}

impl Position {
    /// A flat position with no history.
    pub fn new(instrument: InstrumentKey) -> Position {
        Position { instrument, net: 0, cost: Money::ZERO, realised: Money::ZERO, charges: Money::ZERO, fills: 0 }
    }

    /// Applies one fill: adding in the position's direction adds to the cost basis; trading
    /// against it closes up to the open quantity (realising proceeds minus the cost removed) and
    /// opens whatever is left at the fill price, so a flip starts afresh at that price.
    pub fn apply_fill(&mut self, fill: &Fill) -> Result<(), PositionError> {
        if fill.instrument != self.instrument {
            return Err(PositionError::WrongInstrument {
                fill: fill.id.clone(),
                fill_instrument: fill.instrument.clone(),
                position: self.instrument.clone(),
            });
        }
        if fill.quantity.is_zero() {
            return Err(PositionError::ZeroQuantity { fill: fill.id.clone() });
        }
        let overflow =
            |what| PositionError::Overflow { fill: fill.id.clone(), instrument: self.instrument.clone(), what };
        let units = fill.quantity.as_signed().ok_or_else(|| overflow("quantity"))?;
        let signed = fill.side.sign() * units;

        // Work on copies and commit at the end, so an error leaves the position untouched.
        let (mut net, mut cost, mut realised) = (self.net, self.cost, self.realised);
        let mut opening = signed;
        if net != 0 && (net > 0) != (signed > 0) {
            let open = net.unsigned_abs();
            let closed = units.unsigned_abs().min(open);
            // closed ≤ units ≤ i64::MAX, so it converts back losslessly.
            let closing = signed.signum() * closed as i64;
            // Closing everything removes all the cost (the proportional formula gives the same,
            // but saying so makes the round trip's exactness plain).
            let removed = if closed == open {
                cost
            } else {
                // |cost × closed / open| ≤ |cost|, so the quotient fits.
                let share = div_round_half_away(i128::from(cost.micros()) * i128::from(closed), i128::from(open));
                Money::from_micros(share as i64)
            };
            // Closing units trade at the fill price: realised += −(closing × price) − removed cost.
            let traded = i128::from(fill.price.micros()) * i128::from(closing);
            let gain = -traded - i128::from(removed.micros());
            realised = i64::try_from(i128::from(realised.micros()) + gain)
                .map(Money::from_micros)
                .map_err(|_| overflow("realised P&L"))?;
            cost = cost.checked_sub(removed).ok_or_else(|| overflow("cost basis"))?;
            net += closing; // moves toward zero, never past it
            opening = signed - closing;
        }
        if opening != 0 {
            let outlay = fill.price.signed_notional(opening).ok_or_else(|| overflow("cost basis"))?;
            cost = cost.checked_add(outlay).ok_or_else(|| overflow("cost basis"))?;
            net = net.checked_add(opening).ok_or_else(|| overflow("net quantity"))?;
        }
        let charges = fill
            .charges
            .checked_total()
            .and_then(|paid| self.charges.checked_add(paid))
            .ok_or_else(|| overflow("charges"))?;
        let fills = self.fills.checked_add(1).ok_or_else(|| overflow("fill count"))?;

        self.net = net;
        self.cost = cost;
        self.realised = realised;
        self.charges = charges;
        self.fills = fills;
        Ok(())
    }

    /// Whether nothing is open.
    pub fn is_flat(&self) -> bool {
        self.net == 0
    }

    /// Average entry price of the open quantity (cost ÷ net, rounded half away from zero to the
    /// price scale); `None` when flat.
    pub fn average_price(&self) -> Option<Price> {
        if self.net == 0 {
            return None;
        }
        let average = div_round_half_away(i128::from(self.cost.micros()), i128::from(self.net));
        // |cost ÷ net| ≤ |cost| because |net| ≥ 1.
        Some(Price::from_micros(average as i64))
    }

    /// The open quantity valued at `mark` (negative for a short), saturating at the `Money` range.
    pub fn market_value(&self, mark: Price) -> Money {
        Money::saturating_from_micros(i128::from(mark.micros()) * i128::from(self.net))
    }

    /// Unrealised P&L at `mark`: mark × net − cost, saturating at the `Money` range.
    pub fn unrealised(&self, mark: Price) -> Money {
        Money::saturating_from_micros(i128::from(mark.micros()) * i128::from(self.net) - i128::from(self.cost.micros()))
    }

    /// Realised P&L after charges, saturating at the `Money` range.
    pub fn realised_net(&self) -> Money {
        Money::saturating_from_micros(i128::from(self.realised.micros()) - i128::from(self.charges.micros()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::charges::{ChargeBreakdown, ChargeContext, CostModel};
    use crate::model::ids::OrderId;
    use crate::model::{Exchange, Product, Side};
    use crate::num::Quantity;
    use crate::time::Timestamp;
    use proptest::prelude::*;

    pub(crate) fn key(text: &str) -> InstrumentKey {
        InstrumentKey::new(text).unwrap()
    }

    fn reliance() -> InstrumentKey {
        key("NSE_EQ|INE002A01018")
    }

    fn price(text: &str) -> Price {
        text.parse().unwrap()
    }

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    /// A fill with explicit charges.
    pub(crate) fn fill_with(
        instrument: &InstrumentKey,
        side: Side,
        quantity: u64,
        at: Price,
        charges: ChargeBreakdown,
    ) -> Fill {
        Fill {
            id: FillId::new("f1").unwrap(),
            order_id: OrderId::new("o1").unwrap(),
            instrument: instrument.clone(),
            side,
            product: Product::Intraday,
            quantity: Quantity::new(quantity),
            price: at,
            ts: Timestamp::from_nanos(0),
            charges,
        }
    }

    /// A fill charged by the real India cost model as a whole intraday order on NSE.
    pub(crate) fn india_fill(instrument: &InstrumentKey, side: Side, quantity: u64, at: Price) -> Fill {
        let context = ChargeContext::first_fill(Exchange::Nse, Product::Intraday, side, at, Quantity::new(quantity));
        let charges = CostModel::India(Default::default()).charge(&context);
        fill_with(instrument, side, quantity, at, charges)
    }

    fn free_fill(side: Side, quantity: u64, at: &str) -> Fill {
        fill_with(&reliance(), side, quantity, price(at), ChargeBreakdown::default())
    }

    fn apply(position: &mut Position, fills: &[Fill]) {
        for fill in fills {
            position.apply_fill(fill).unwrap();
        }
    }

    #[test]
    fn adding_averages_and_reducing_removes_cost_proportionally() {
        let mut p = Position::new(reliance());
        // 10 @ 100 + 10 @ 110: cost 1000 + 1100 = 2100, average 2100 / 20 = 105.
        apply(&mut p, &[free_fill(Side::Buy, 10, "100"), free_fill(Side::Buy, 10, "110")]);
        assert_eq!((p.net, p.cost, p.average_price()), (20, money("2100"), Some(price("105"))));
        // Sell 5 @ 120: removed 2100 × 5 / 20 = 525; realised 600 − 525 = 75; cost 1575, still 105 avg.
        apply(&mut p, &[free_fill(Side::Sell, 5, "120")]);
        assert_eq!((p.net, p.cost, p.realised), (15, money("1575"), money("75")));
        assert_eq!(p.average_price(), Some(price("105")));
        // At 100 the 15 open are 15 × 100 − 1575 = −75 under water; worth 1500.
        assert_eq!(p.unrealised(price("100")), money("-75"));
        assert_eq!(p.market_value(price("100")), money("1500"));
        assert_eq!(p.fills, 3);
    }

    #[test]
    fn proportional_rounding_never_leaks_over_a_round_trip() {
        let mut p = Position::new(reliance());
        // 1 @ 10.00 + 2 @ 10.01: cost 30.02 over 3 units.
        apply(&mut p, &[free_fill(Side::Buy, 1, "10.00"), free_fill(Side::Buy, 2, "10.01")]);
        // Sell 1 @ 10: removed 30.02 / 3 = 10.0066666… → 10.006667; realised 10 − 10.006667.
        apply(&mut p, &[free_fill(Side::Sell, 1, "10.00")]);
        assert_eq!(p.realised, money("-0.006667"));
        assert_eq!(p.cost, money("20.013333"));
        assert_eq!(p.average_price(), Some(price("10.006667")), "20.013333 / 2 = 10.0066665 → half away");
        // Sell the last 2 @ 10: all remaining cost goes, so realised is exactly 30.00 − 30.02.
        apply(&mut p, &[free_fill(Side::Sell, 2, "10.00")]);
        assert_eq!((p.net, p.cost, p.realised), (0, Money::ZERO, money("-0.02")));
        assert!(p.is_flat());
        assert_eq!(p.average_price(), None);
    }

    #[test]
    fn short_positions_gain_when_the_price_falls() {
        let mut p = Position::new(reliance());
        // Short 10 @ 200: cost −2000. Cover 4 @ 190: removed −2000 × 4 / 10 = −800;
        // realised −(4 × 190) − (−800) = 40; cost −1200; average 200.
        apply(&mut p, &[free_fill(Side::Sell, 10, "200"), free_fill(Side::Buy, 4, "190")]);
        assert_eq!((p.net, p.cost, p.realised), (-6, money("-1200"), money("40")));
        assert_eq!(p.average_price(), Some(price("200")));
        // At 210: −6 × 210 − (−1200) = −60; the short is worth −1260.
        assert_eq!(p.unrealised(price("210")), money("-60"));
        assert_eq!(p.market_value(price("210")), money("-1260"));
    }

    #[test]
    fn a_flip_closes_the_old_side_and_opens_the_rest_at_the_fill_price() {
        let mut p = Position::new(reliance());
        // Long 10 @ 100, sell 15 @ 90: realise (90 − 100) × 10 = −100, then short 5 @ 90 (cost −450).
        apply(&mut p, &[free_fill(Side::Buy, 10, "100"), free_fill(Side::Sell, 15, "90")]);
        assert_eq!((p.net, p.cost, p.realised), (-5, money("-450"), money("-100")));
        assert_eq!(p.average_price(), Some(price("90")));
        // And back: buy 7 @ 80 covers 5 (gain (90 − 80) × 5 = 50) and opens 2 long at 80.
        apply(&mut p, &[free_fill(Side::Buy, 7, "80")]);
        assert_eq!((p.net, p.cost, p.realised), (2, money("160"), money("-50")));
    }

    #[test]
    fn charges_accumulate_beside_gross_realised() {
        let mut p = Position::new(reliance());
        let at = price("2450.00");
        // Intraday buy then sell 100 @ 2450 on NSE: 39.84 + 93.74 = 133.58 in charges (see the
        // worked examples in charges::model), no gross P&L.
        apply(&mut p, &[india_fill(&reliance(), Side::Buy, 100, at), india_fill(&reliance(), Side::Sell, 100, at)]);
        assert_eq!(p.charges, money("133.58"));
        assert_eq!(p.realised, Money::ZERO);
        assert_eq!(p.realised_net(), money("-133.58"));
    }

    #[test]
    fn refused_fills_leave_the_position_unchanged() {
        let mut p = Position::new(reliance());
        apply(&mut p, &[free_fill(Side::Buy, 10, "100")]);
        let before = p.clone();
        let other = fill_with(&key("NSE_EQ|INE009A01021"), Side::Buy, 1, price("1"), ChargeBreakdown::default());
        let err = p.apply_fill(&other).unwrap_err();
        assert_eq!(err.to_string(), "fill f1 is for NSE_EQ|INE009A01021, not for the position in NSE_EQ|INE002A01018");
        assert!(matches!(p.apply_fill(&free_fill(Side::Buy, 0, "1")), Err(PositionError::ZeroQuantity { .. })));
        let huge = fill_with(&reliance(), Side::Buy, 2, Price::from_micros(i64::MAX), ChargeBreakdown::default());
        assert!(matches!(p.apply_fill(&huge), Err(PositionError::Overflow { what: "cost basis", .. })));
        let too_many = fill_with(&reliance(), Side::Buy, u64::MAX, price("1"), ChargeBreakdown::default());
        assert!(matches!(p.apply_fill(&too_many), Err(PositionError::Overflow { what: "quantity", .. })));
        let costly = ChargeBreakdown {
            brokerage: Money::from_micros(i64::MAX),
            gst: Money::from_micros(1),
            ..ChargeBreakdown::default()
        };
        let costly = fill_with(&reliance(), Side::Sell, 1, price("100"), costly);
        assert!(matches!(p.apply_fill(&costly), Err(PositionError::Overflow { what: "charges", .. })));
        assert_eq!(p, before);
    }

    #[test]
    fn valuations_saturate_instead_of_panicking() {
        let mut p = Position::new(reliance());
        apply(&mut p, &[free_fill(Side::Buy, 10, "100")]);
        assert_eq!(p.market_value(Price::from_micros(i64::MAX)), Money::from_micros(i64::MAX));
        assert_eq!(p.unrealised(Price::from_micros(i64::MIN)), Money::from_micros(i64::MIN));
    }

    #[test]
    fn deserialises_from_toml() {
        let text = r#"
            instrument = "NSE_EQ|INE002A01018"
            net = -6
            cost = "-1200"
            realised = "40.5"
            charges = "1.25"
            fills = 2
        "#;
        let p: Position = toml::from_str(text).unwrap();
        assert_eq!((p.net, p.cost, p.realised_net()), (-6, money("-1200"), money("39.25")));
    }

    /// Prices on the 0.05 tick between 0.05 and 50,000.
    pub(crate) fn any_price() -> impl Strategy<Value = Price> {
        (1i64..=1_000_000).prop_map(|ticks| Price::from_micros(ticks * 50_000))
    }

    fn round_trip(open: Side, quantity: u64, entry: Price, exit: Price) -> Result<(), TestCaseError> {
        let mut p = Position::new(reliance());
        let first = india_fill(&reliance(), open, quantity, entry);
        let second = india_fill(&reliance(), open.opposite(), quantity, exit);
        apply(&mut p, &[first.clone(), second.clone()]);
        let q = quantity as i128;
        let gross = i128::from(exit.micros() - entry.micros()) * q * i128::from(open.sign());
        let charges = i128::from(first.charges.total().micros() + second.charges.total().micros());
        prop_assert_eq!(i128::from(p.realised_net().micros()), gross - charges);
        prop_assert_eq!(i128::from(p.realised.micros()), gross);
        prop_assert!(p.is_flat());
        prop_assert_eq!(p.cost, Money::ZERO);
        Ok(())
    }

    proptest! {
        #[test]
        fn long_round_trip_is_exact(quantity in 1u64..100_000, entry in any_price(), exit in any_price()) {
            round_trip(Side::Buy, quantity, entry, exit)?;
        }

        #[test]
        fn short_round_trip_is_exact(quantity in 1u64..100_000, entry in any_price(), exit in any_price()) {
            round_trip(Side::Sell, quantity, entry, exit)?;
        }

        #[test]
        fn partial_exits_sum_exactly(
            short in any::<bool>(),
            entry in any_price(),
            exits in proptest::collection::vec((1u64..5_000, any_price()), 1..8),
        ) {
            let open = if short { Side::Sell } else { Side::Buy };
            let total: u64 = exits.iter().map(|(q, _)| q).sum();
            let mut p = Position::new(reliance());
            let first = india_fill(&reliance(), open, total, entry);
            let mut charges = i128::from(first.charges.total().micros());
            apply(&mut p, &[first]);
            // Gross P&L of a long: Σ exit proceeds − outlay; a short is the negative.
            let mut gross = -i128::from(entry.micros()) * i128::from(total);
            for (quantity, exit) in &exits {
                let fill = india_fill(&reliance(), open.opposite(), *quantity, *exit);
                charges += i128::from(fill.charges.total().micros());
                gross += i128::from(exit.micros()) * i128::from(*quantity);
                apply(&mut p, &[fill]);
            }
            let gross = gross * i128::from(open.sign());
            prop_assert!(p.is_flat());
            prop_assert_eq!(p.cost, Money::ZERO);
            prop_assert_eq!(i128::from(p.realised.micros()), gross);
            prop_assert_eq!(i128::from(p.realised_net().micros()), gross - charges);
        }

        #[test]
        fn flips_open_the_rest_at_the_fill_price(
            a in 1u64..10_000,
            extra in 1u64..10_000,
            p1 in any_price(),
            p2 in any_price(),
        ) {
            let b = a + extra;
            let mut p = Position::new(reliance());
            apply(&mut p, &[india_fill(&reliance(), Side::Buy, a, p1), india_fill(&reliance(), Side::Sell, b, p2)]);
            prop_assert_eq!(p.net, a as i64 - b as i64);
            prop_assert_eq!(p.average_price(), Some(p2));
            let expected = i128::from(p2.micros() - p1.micros()) * i128::from(a);
            prop_assert_eq!(i128::from(p.realised.micros()), expected);
        }

        #[test]
        fn average_stays_within_the_entry_prices(
            short in any::<bool>(),
            entries in proptest::collection::vec((1u64..10_000, any_price()), 1..10),
        ) {
            let side = if short { Side::Sell } else { Side::Buy };
            let mut p = Position::new(reliance());
            let (mut low, mut high) = (Price::from_micros(i64::MAX), Price::ZERO);
            for (quantity, at) in &entries {
                apply(&mut p, &[india_fill(&reliance(), side, *quantity, *at)]);
                low = low.min(*at);
                high = high.max(*at);
                let average = p.average_price().unwrap();
                prop_assert!(low <= average && average <= high, "{} outside {}..={}", average, low, high);
            }
            prop_assert_eq!(p.realised, Money::ZERO);
        }
    }
}
