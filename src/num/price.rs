//! `Price`: an exact price in rupees (or the instrument's quote currency).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::decimal::{format_scaled, parse_scaled, DecimalError};
use super::serde_fixed::{deserialize_scaled, serialize_scaled};
use super::{Money, Quantity};

/// Decimal places every price carries internally. Six covers NSE equity (0.05 ticks), currency
/// derivatives (0.0025) and five-decimal FX quotes, so prices of different instruments share one
/// scale and compare without rescaling. An instrument's own precision governs display and its tick
/// size governs which values are legal (see `Instrument::check_price`).
pub const PRICE_DECIMALS: u32 = 6;
pub(crate) const PRICE_SCALE: i64 = 1_000_000;

/// A price as an integer count of 10⁻⁶ units. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Price(i64);

impl Price {
    pub const ZERO: Price = Price(0);

    /// A price from its raw count of 10⁻⁶ units.
    pub const fn from_micros(micros: i64) -> Price {
        Price(micros)
    }

    /// The raw count of 10⁻⁶ units.
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// A whole number of rupees, checked.
    pub fn from_units(units: i64) -> Option<Price> {
        units.checked_mul(PRICE_SCALE).map(Price)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn checked_add(self, other: Price) -> Option<Price> {
        self.0.checked_add(other.0).map(Price)
    }

    pub fn checked_sub(self, other: Price) -> Option<Price> {
        self.0.checked_sub(other.0).map(Price)
    }

    /// This price moved by `ticks` steps of `tick` (negative moves down), checked.
    pub fn offset_ticks(self, tick: Price, ticks: i64) -> Option<Price> {
        tick.0.checked_mul(ticks).and_then(|d| self.0.checked_add(d)).map(Price)
    }

    /// Whether this price lies on the grid of `tick` (a zero tick accepts every price).
    pub fn is_multiple_of(self, tick: Price) -> bool {
        tick.0 == 0 || self.0 % tick.0 == 0
    }

    /// The value of `quantity` units at this price, checked.
    pub fn notional(self, quantity: Quantity) -> Option<Money> {
        let units = i64::try_from(quantity.units()).ok()?;
        self.0.checked_mul(units).map(Money::from_micros)
    }

    /// The value of a signed number of units at this price (negative for short), checked.
    pub fn signed_notional(self, units: i64) -> Option<Money> {
        self.0.checked_mul(units).map(Money::from_micros)
    }

    /// Formats with exactly `decimals` places, as an instrument with that precision displays it.
    pub fn format_with(self, decimals: u32) -> String {
        format_scaled(self.0, PRICE_DECIMALS, decimals.min(PRICE_DECIMALS))
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_scaled(self.0, PRICE_DECIMALS, 2))
    }
}

impl FromStr for Price {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Price, DecimalError> {
        parse_scaled(s, PRICE_DECIMALS).map(Price)
    }
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_scaled(self.0, self, serializer)
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Price, D::Error> {
        deserialize_scaled(deserializer, PRICE_DECIMALS, "a price as a decimal string").map(Price)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_exactly() {
        let p: Price = "2450.05".parse().unwrap();
        assert_eq!(p.micros(), 2_450_050_000);
        assert_eq!(p.to_string(), "2450.05");
        assert_eq!("1.07083".parse::<Price>().unwrap().to_string(), "1.07083");
        assert_eq!(p.format_with(4), "2450.0500");
    }

    #[test]
    fn tick_grid_and_offsets() {
        let tick: Price = "0.05".parse().unwrap();
        assert!("2450.05".parse::<Price>().unwrap().is_multiple_of(tick));
        assert!(!"2450.07".parse::<Price>().unwrap().is_multiple_of(tick));
        let up = "100.00".parse::<Price>().unwrap().offset_ticks(tick, 3).unwrap();
        assert_eq!(up.to_string(), "100.15");
        assert_eq!(Price::from_micros(i64::MAX).offset_ticks(tick, 1), None);
    }

    #[test]
    fn notional_is_checked() {
        let p: Price = "2450.05".parse().unwrap();
        assert_eq!(p.notional(Quantity::new(10)).unwrap().to_string(), "24500.50");
        assert_eq!(Price::from_micros(i64::MAX).notional(Quantity::new(2)), None);
        assert_eq!(p.notional(Quantity::new(u64::MAX)), None);
    }

    #[test]
    fn deserialises_strings_and_numbers() {
        #[derive(Deserialize)]
        struct Row {
            p: Price,
        }
        let from_str: Row = toml::from_str("p = \"2450.05\"").unwrap();
        let from_float: Row = toml::from_str("p = 2450.05").unwrap();
        let from_int: Row = toml::from_str("p = 2450").unwrap();
        assert_eq!(from_str.p, from_float.p);
        assert_eq!(from_int.p.to_string(), "2450.00");
        assert!(toml::from_str::<Row>("p = \"24x\"").is_err());
    }
}
