//! `Rate`: an exact dimensionless fraction (charge rates, commission, percentages).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::decimal::{format_scaled, parse_scaled, DecimalError};
use super::serde_fixed::{deserialize_scaled, serialize_scaled};

const RATE_DECIMALS: u32 = 9;

/// A fraction as an integer count of 10⁻⁹, so statutory rates such as 0.00297 % (0.0000297) are
/// exact. Written as a plain fraction: `"0.00025"` is 0.025 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(i64);

impl Rate {
    pub const SCALE: i64 = 1_000_000_000;
    pub const ZERO: Rate = Rate(0);
    pub const ONE: Rate = Rate(Self::SCALE);

    pub const fn from_nanos(nanos: i64) -> Rate {
        Rate(nanos)
    }

    pub const fn nanos(self) -> i64 {
        self.0
    }

    /// A rate from a whole number of basis points (1 bp = 0.01 %).
    pub const fn from_bps(bps: i64) -> Rate {
        Rate(bps * 100_000)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The rate as a float, for analytics only (never for money).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// Shown as a percentage, e.g. `0.025%`.
    pub fn as_percent(self) -> String {
        format!("{}%", format_scaled(self.0, RATE_DECIMALS - 2, 0))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_scaled(self.0, RATE_DECIMALS, 1))
    }
}

impl FromStr for Rate {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Rate, DecimalError> {
        parse_scaled(s, RATE_DECIMALS).map(Rate)
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_scaled(self.0, self, serializer)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rate, D::Error> {
        deserialize_scaled(deserializer, RATE_DECIMALS, "a fraction as a decimal string").map(Rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_statutory_rates() {
        let nse: Rate = "0.0000297".parse().unwrap();
        assert_eq!(nse.nanos(), 29_700);
        assert_eq!(nse.as_percent(), "0.00297%");
        assert_eq!(Rate::from_bps(5).to_string(), "0.0005");
        assert!("0.0000000001".parse::<Rate>().is_err());
    }
}
