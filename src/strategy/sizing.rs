//! `Sizing`: how many units an entry buys.

use serde::{Deserialize, Serialize};

use crate::config::{join, Problems};
use crate::num::{Money, Price, Quantity, Rate};

/// How a strategy sizes an entry.
///
/// In TOML: `sizing = { all_in = { commission = "0.002" } }` or `sizing = { fixed = { quantity = 10 } }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Sizing {
    /// Spend the available cash: the most whole units (whole lots) whose cost, with `commission`
    /// added on top of the price, the cash covers.
    AllIn { commission: Rate },
    /// The same number of units on every entry (given as is: it must already be a lot multiple).
    Fixed { quantity: u64 },
}

impl Sizing {
    /// All-in sizing with no commission (the command line's default).
    pub const ALL_IN: Sizing = Sizing::AllIn { commission: Rate::ZERO };

    /// Units to buy at `price` with `cash` available. Zero means "do not enter".
    pub fn quantity(&self, cash: Money, price: Price, lot_size: u64) -> Quantity {
        match *self {
            Sizing::Fixed { quantity } => Quantity::new(quantity),
            Sizing::AllIn { commission } => all_in_quantity(cash, price, commission, lot_size),
        }
    }

    /// Records every problem under `path` (the `sizing` key's path).
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        let problem = match *self {
            Sizing::AllIn { commission } => {
                commission_problem(commission).map(|p| (join(path, "all_in.commission"), p))
            }
            Sizing::Fixed { quantity } => quantity_problem(quantity).map(|p| (join(path, "fixed.quantity"), p)),
        };
        if let Some((path, reason)) = problem {
            problems.push(path, reason);
        }
    }
}

/// Why an all-in commission is unusable: it must be a fraction in [0, 1).
pub(crate) fn commission_problem(commission: Rate) -> Option<String> {
    let ok = (0..Rate::SCALE).contains(&commission.nanos());
    (!ok).then(|| format!("must be at least 0 and below 1, got {commission}"))
}

/// Why a fixed quantity is unusable: positions are `i64` units, so it must be 1 to `i64::MAX`.
pub(crate) fn quantity_problem(quantity: u64) -> Option<String> {
    let ok = quantity >= 1 && i64::try_from(quantity).is_ok();
    (!ok).then(|| format!("must be 1 to {}, got {quantity}", i64::MAX))
}

fn all_in_quantity(cash: Money, price: Price, commission: Rate, lot_size: u64) -> Quantity {
    if cash.micros() <= 0 || price.micros() <= 0 {
        return Quantity::ZERO;
    }
    // The rule (ARCHITECTURE §5), in exact integers:
    //   units = floor(cash / (price × (1 + commission)))
    //         = floor(cash_micros × Rate::SCALE / (price_micros × (Rate::SCALE + commission_nanos)))
    // then rounded down to whole lots. Both sides are i128: the numerator is below 2⁶³ × 2³⁰.
    let numerator = i128::from(cash.micros()) * i128::from(Rate::SCALE);
    let per_unit = i128::from(Rate::SCALE) + i128::from(commission.nanos());
    let denominator = match i128::from(price.micros()).checked_mul(per_unit) {
        Some(d) if d > 0 => d,
        // A cost per unit beyond i128 dwarfs any cash (the numerator is below 2⁹³); a
        // non-positive one comes only from a commission of −100 % or less, which validation refuses.
        _ => return Quantity::ZERO,
    };
    let lot = i128::from(lot_size.max(1));
    let units = numerator / denominator;
    let units = units - units % lot;
    // Both operands are positive, so units ≥ 0; with a commission ≥ 0, units ≤ cash_micros /
    // price_micros ≤ i64::MAX, the most a position can hold. Only a negative commission (refused by
    // validation) could go past that, and then nothing is traded.
    match i64::try_from(units) {
        Ok(units) => Quantity::new(units.unsigned_abs()),
        Err(_) => Quantity::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }
    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }
    fn all_in(commission: &str) -> Sizing {
        Sizing::AllIn { commission: commission.parse().unwrap() }
    }

    #[test]
    fn all_in_buys_whole_units_after_commission() {
        // 10000 / (101.00 × 1.002) = 10000 / 101.202 = 98.81… → 98
        assert_eq!(all_in("0.002").quantity(m("10000"), p("101.00"), 1), Quantity::new(98));
        // Exactly affordable: 10000 / 100 = 100; a commission of 10⁻⁹ makes the 100th unit unaffordable.
        assert_eq!(Sizing::ALL_IN.quantity(m("10000"), p("100"), 1), Quantity::new(100));
        assert_eq!(all_in("0.000000001").quantity(m("10000"), p("100"), 1), Quantity::new(99));
    }

    #[test]
    fn all_in_rounds_down_to_whole_lots() {
        // 100000 / 101 = 990.09 → 990 units → 13 lots of 75 = 975
        assert_eq!(Sizing::ALL_IN.quantity(m("100000"), p("101"), 75), Quantity::new(975));
        assert_eq!(Sizing::ALL_IN.quantity(m("100000"), p("101"), 0), Quantity::new(990));
        assert_eq!(Sizing::ALL_IN.quantity(m("7000"), p("101"), 75), Quantity::ZERO);
    }

    #[test]
    fn all_in_without_cash_or_price_buys_nothing() {
        assert_eq!(Sizing::ALL_IN.quantity(Money::ZERO, p("101"), 1), Quantity::ZERO);
        assert_eq!(Sizing::ALL_IN.quantity(m("-500"), p("101"), 1), Quantity::ZERO);
        assert_eq!(Sizing::ALL_IN.quantity(m("100.99"), p("101"), 1), Quantity::ZERO);
        assert_eq!(Sizing::ALL_IN.quantity(m("1000"), Price::ZERO, 1), Quantity::ZERO);
        assert_eq!(Sizing::ALL_IN.quantity(m("1000"), p("-1"), 1), Quantity::ZERO);
    }

    #[test]
    fn all_in_survives_absurd_inputs() {
        let huge = Sizing::AllIn { commission: Rate::from_nanos(i64::MAX) };
        assert_eq!(huge.quantity(Money::from_micros(i64::MAX), Price::from_micros(i64::MAX), 1), Quantity::ZERO);
        let free = Sizing::AllIn { commission: Rate::from_nanos(-Rate::SCALE) };
        assert_eq!(free.quantity(m("1000"), p("1"), 1), Quantity::ZERO);
        // A commission of −50 % would buy 2 × i64::MAX units: past any position, so nothing.
        let half_off = Sizing::AllIn { commission: Rate::from_nanos(-Rate::SCALE / 2) };
        assert_eq!(half_off.quantity(Money::from_micros(i64::MAX), Price::from_micros(1), 1), Quantity::ZERO);
        // The largest cash at the smallest price still fits.
        let most = Sizing::ALL_IN.quantity(Money::from_micros(i64::MAX), Price::from_micros(1), 1);
        assert_eq!(most, Quantity::new(i64::MAX as u64));
    }

    #[test]
    fn fixed_ignores_cash_and_price() {
        let fixed = Sizing::Fixed { quantity: 10 };
        assert_eq!(fixed.quantity(Money::ZERO, p("101"), 1), Quantity::new(10));
    }

    #[test]
    fn validation_names_the_key_and_value() {
        let mut problems = Problems::new();
        all_in("1").validate("strategies[0].params.sizing", &mut problems);
        all_in("-0.001").validate("s", &mut problems);
        all_in("0").validate("s", &mut problems);
        all_in("0.999999999").validate("s", &mut problems);
        Sizing::Fixed { quantity: 0 }.validate("s", &mut problems);
        Sizing::Fixed { quantity: u64::MAX }.validate("s", &mut problems);
        Sizing::Fixed { quantity: 1 }.validate("s", &mut problems);
        let listed: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            listed,
            [
                "strategies[0].params.sizing.all_in.commission: must be at least 0 and below 1, got 1.0",
                "s.all_in.commission: must be at least 0 and below 1, got -0.001",
                "s.fixed.quantity: must be 1 to 9223372036854775807, got 0",
                "s.fixed.quantity: must be 1 to 9223372036854775807, got 18446744073709551615",
            ]
        );
    }

    #[test]
    fn toml_shapes() {
        #[derive(Deserialize)]
        struct Holder {
            sizing: Sizing,
        }
        let parse = |text: &str| toml::from_str::<Holder>(text).map(|h| h.sizing);
        assert_eq!(parse("sizing = { all_in = { commission = \"0.002\" } }").unwrap(), all_in("0.002"));
        assert_eq!(parse("sizing = { fixed = { quantity = 10 } }").unwrap(), Sizing::Fixed { quantity: 10 });
        let unknown = parse("sizing = { fixed = { quantity = 10, lots = 2 } }").unwrap_err().to_string();
        assert!(unknown.contains("unexpected keys in table: lots"), "{unknown}");
        assert!(parse("sizing = { half_in = {} }").is_err());
        assert!(parse("sizing = { fixed = { quantity = -1 } }").is_err());
    }

    proptest! {
        #[test]
        fn all_in_is_the_largest_affordable_quantity(
            cash in 0i64..1_000_000_000_000_000,
            price in 1i64..10_000_000_000_000,
            commission in 0i64..Rate::SCALE,
        ) {
            let sizing = Sizing::AllIn { commission: Rate::from_nanos(commission) };
            let units = i128::from(sizing.quantity(Money::from_micros(cash), Price::from_micros(price), 1).units());
            // cost(units) ≤ cash < cost(units + 1), with cost(n) = n × price × (1 + commission),
            // everything scaled by Rate::SCALE to stay in integers.
            let budget = i128::from(cash) * i128::from(Rate::SCALE);
            let per_unit = i128::from(price) * (i128::from(Rate::SCALE) + i128::from(commission));
            prop_assert!(units * per_unit <= budget);
            prop_assert!((units + 1) * per_unit > budget);
        }
    }
}
