//! `Quantity`: a whole, non-negative number of units (shares, contracts).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A non-negative whole number of units. NSE and BSE trade equities and F&O in whole units (F&O
/// in lot multiples), so the fixed-point scale of a quantity is 10⁰; direction lives in `Side`,
/// and a position's signed size is an `i64` of units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Quantity(u64);

impl Quantity {
    pub const ZERO: Quantity = Quantity(0);

    pub const fn new(units: u64) -> Quantity {
        Quantity(units)
    }

    pub const fn units(self) -> u64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.0.checked_add(other.0).map(Quantity)
    }

    pub fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        self.0.checked_sub(other.0).map(Quantity)
    }

    pub fn saturating_sub(self, other: Quantity) -> Quantity {
        Quantity(self.0.saturating_sub(other.0))
    }

    pub fn min(self, other: Quantity) -> Quantity {
        Quantity(self.0.min(other.0))
    }

    /// The units as a signed count, if they fit.
    pub fn as_signed(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }

    /// Whether this is a whole number of lots of `lot_size` (a lot size of 0 or 1 accepts all).
    pub fn is_multiple_of(self, lot_size: u64) -> bool {
        lot_size <= 1 || self.0.is_multiple_of(lot_size)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a quantity's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a whole, non-negative number of units")]
pub struct QuantityError {
    pub text: String,
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(QuantityError { text: s.chars().take(40).collect() });
        }
        s.parse::<u64>().map(Quantity).map_err(|_| QuantityError { text: s.chars().take(40).collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_lots() {
        assert_eq!("75".parse::<Quantity>().unwrap(), Quantity::new(75));
        assert!("-1".parse::<Quantity>().is_err());
        assert!("1.5".parse::<Quantity>().is_err());
        assert!("99999999999999999999".parse::<Quantity>().is_err());
        assert!(Quantity::new(150).is_multiple_of(75));
        assert!(!Quantity::new(100).is_multiple_of(75));
        assert!(Quantity::new(7).is_multiple_of(1));
        assert_eq!(Quantity::new(3).checked_sub(Quantity::new(4)), None);
    }
}
