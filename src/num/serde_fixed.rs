//! Serde glue shared by the fixed-point types. In human-readable formats (JSON, TOML) they travel
//! as exact decimal strings and accept numbers on input; in binary formats (postcard, for the
//! journal) as their raw scaled integer, because those formats cannot ask "string or number?".

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serializer};

/// Serialises a scaled integer: its decimal text for people, the raw integer for machines.
pub(crate) fn serialize_scaled<S: Serializer>(
    raw: i64,
    text: &dyn fmt::Display,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.collect_str(text)
    } else {
        serializer.serialize_i64(raw)
    }
}

/// The inverse of [`serialize_scaled`].
pub(crate) fn deserialize_scaled<'de, D: Deserializer<'de>>(
    deserializer: D,
    decimals: u32,
    expecting: &'static str,
) -> Result<i64, D::Error> {
    if deserializer.is_human_readable() {
        deserializer.deserialize_any(ScaledVisitor { decimals, expecting })
    } else {
        i64::deserialize(deserializer)
    }
}

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
