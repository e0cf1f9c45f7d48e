//! `Money`: an exact amount of rupees (cash, P&L, charges, notional).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::decimal::{div_round_half_away, format_scaled, parse_scaled, DecimalError};
use super::serde_fixed::{deserialize_scaled, serialize_scaled};
use super::Rate;

/// Decimal places of `Money`: the same scale as `Price`, so price × whole quantity is money with
/// no rescaling and no rounding.
pub const MONEY_DECIMALS: u32 = 6;
const MONEY_SCALE: i64 = 1_000_000;
const PAISA: i64 = MONEY_SCALE / 100;

/// An amount of money as an integer count of 10⁻⁶ rupees. Signed: losses and outflows are negative.
///
/// The operators (`+`, `-`) panic on overflow in every build: ±9.2 × 10¹² rupees is far beyond any
/// account, so reaching it is a bug to stop on, never a value to wrap. Use the `checked_` forms
/// where the operands come from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_micros(micros: i64) -> Money {
        Money(micros)
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    /// An exact amount of micros clamped to the `Money` range: valuations and sums computed in
    /// i128 come back as the nearest amount `Money` holds rather than a panic.
    pub fn saturating_from_micros(micros: i128) -> Money {
        Money(micros.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    /// Whole rupees, checked.
    pub fn from_rupees(rupees: i64) -> Option<Money> {
        rupees.checked_mul(MONEY_SCALE).map(Money)
    }

    /// Paise (1/100 rupee), checked.
    pub fn from_paise(paise: i64) -> Option<Money> {
        paise.checked_mul(PAISA).map(Money)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    pub fn abs(self) -> Money {
        Money(self.0.checked_abs().expect("money magnitude overflow"))
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self × rate`, rounded half away from zero to the money scale.
    pub fn times_rate(self, rate: Rate) -> Money {
        let product = i128::from(self.0) * i128::from(rate.nanos());
        let scaled = div_round_half_away(product, i128::from(Rate::SCALE));
        Money(i64::try_from(scaled).expect("money × rate overflow"))
    }

    /// Rounded half away from zero to whole paise, as contract notes state each charge.
    pub fn round_to_paise(self) -> Money {
        Money(div_round_half_away(i128::from(self.0), i128::from(PAISA)) as i64 * PAISA)
    }

    /// Rounded half away from zero to whole rupees (STT and stamp duty are levied in rupees on
    /// contract notes; the charges model decides where to use it).
    pub fn round_to_rupee(self) -> Money {
        Money(div_round_half_away(i128::from(self.0), i128::from(MONEY_SCALE)) as i64 * MONEY_SCALE)
    }

    /// Formats with exactly `decimals` places (at most six).
    pub fn format_with(self, decimals: u32) -> String {
        format_scaled(self.0, MONEY_DECIMALS, decimals.min(MONEY_DECIMALS))
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        self.checked_add(other).expect("money overflow")
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        self.checked_sub(other).expect("money overflow")
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = *self + other;
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, other: Money) {
        *self = *self - other;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(self.0.checked_neg().expect("money overflow"))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_scaled(self.0, MONEY_DECIMALS, 2))
    }
}

impl FromStr for Money {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Money, DecimalError> {
        parse_scaled(s, MONEY_DECIMALS).map(Money)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_scaled(self.0, self, serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        deserialize_scaled(deserializer, MONEY_DECIMALS, "an amount as a decimal string").map(Money)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn arithmetic_and_display() {
        assert_eq!((m("10.50") + m("0.25")).to_string(), "10.75");
        assert_eq!((m("1") - m("2.5")).to_string(), "-1.50");
        assert_eq!([m("1"), m("2"), m("3.333")].into_iter().sum::<Money>().to_string(), "6.333");
        assert_eq!(Money::from_micros(i64::MAX).checked_add(m("0.000001")), None);
    }

    #[test]
    #[should_panic(expected = "money overflow")]
    fn operator_overflow_stops_instead_of_wrapping() {
        let _ = Money::from_micros(i64::MAX) + Money::from_micros(1);
    }

    #[test]
    fn saturating_from_micros_clamps_to_the_range() {
        assert_eq!(Money::saturating_from_micros(-1_500_000), m("-1.5"));
        assert_eq!(Money::saturating_from_micros(i128::from(i64::MAX)), Money::from_micros(i64::MAX));
        assert_eq!(Money::saturating_from_micros(i128::from(i64::MAX) + 1), Money::from_micros(i64::MAX));
        assert_eq!(Money::saturating_from_micros(i128::from(i64::MIN) - 1), Money::from_micros(i64::MIN));
        assert_eq!(Money::saturating_from_micros(i128::MAX), Money::from_micros(i64::MAX));
    }

    #[test]
    fn rate_and_rounding() {
        let rate: Rate = "0.00025".parse().unwrap(); // 0.025%
        assert_eq!(m("100000").times_rate(rate).to_string(), "25.00");
        assert_eq!(m("0.125").round_to_paise().to_string(), "0.13");
        assert_eq!(m("-0.125").round_to_paise().to_string(), "-0.13");
        assert_eq!(m("0.124999").round_to_paise().to_string(), "0.12");
        assert_eq!(m("12.50").round_to_rupee().to_string(), "13.00");
        assert_eq!(m("12.49").round_to_rupee().to_string(), "12.00");
    }
}
