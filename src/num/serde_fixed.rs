//! Serde glue shared by the fixed-point types: they travel as decimal strings (exact), and accept
//! JSON/TOML numbers on input for convenience.

use std::fmt;

use serde::de::{self, Visitor};

use super::decimal::{parse_f64_scaled, parse_scaled};

/// Deserialises a scaled integer from a decimal string, an integer, or a float.
pub(crate) struct ScaledVisitor {
    pub decimals: u32,
    pub expecting: &'static str,
}

impl Visitor<'_> for ScaledVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        parse_scaled(v, self.decimals).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        v.checked_mul(10i64.pow(self.decimals)).ok_or_else(|| E::custom(format!("`{v}` is out of range")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        let v = i64::try_from(v).map_err(|_| E::custom(format!("`{v}` is out of range")))?;
        self.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        parse_f64_scaled(v, self.decimals).map_err(E::custom)
    }
}
