//! Identifier newtypes: one per concept, validated where they enter, so a strategy id can never be
//! passed where an order id belongs and hostile text never reaches a log or the journal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {kind} `{text}`: {reason}")]
pub struct IdError {
    pub kind: &'static str,
    pub text: String,
    pub reason: &'static str,
}

fn id_error(kind: &'static str, text: &str, reason: &'static str) -> IdError {
    IdError { kind, text: text.chars().take(64).collect(), reason }
}

/// Letters, digits, `-` and `_`: safe in URLs, logs, CSV and broker tags.
fn is_plain_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

macro_rules! plain_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Longest accepted identifier, in bytes.
            pub const MAX_LEN: usize = $max;

            pub fn new(text: impl Into<String>) -> Result<Self, IdError> {
                let text = text.into();
                if text.is_empty() {
                    return Err(id_error($kind, &text, "must not be empty"));
                }
                if text.len() > Self::MAX_LEN {
                    return Err(id_error($kind, &text, concat!("longer than ", stringify!($max), " characters")));
                }
                if !text.chars().all(is_plain_id_char) {
                    return Err(id_error($kind, &text, "only letters, digits, `-` and `_` are allowed"));
                }
                Ok(Self(text))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::new(text).map_err(serde::de::Error::custom)
            }
        }
    };
}

plain_id!(
    /// Our id for an order, assigned when the order is first recorded.
    OrderId, "order id", 64
);
plain_id!(
    /// The submitter's idempotency key: a repeated client order id returns the existing order.
    /// Sent to the broker as the order's tag, which is how a restart reconciles (ARCHITECTURE §4).
    ClientOrderId, "client order id", 40
);
plain_id!(
    /// A strategy instance's name, e.g. `sma_reliance`.
    StrategyId, "strategy id", 48
);
plain_id!(
    /// A fill (trade) id: the broker's trade id, or the paper broker's own.
    FillId, "fill id", 64
);

/// The market segment part of an instrument key, as Upstox names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Segment {
    #[serde(rename = "NSE_EQ")]
    NseEq,
    #[serde(rename = "NSE_FO")]
    NseFo,
    #[serde(rename = "NSE_INDEX")]
    NseIndex,
    #[serde(rename = "NSE_COM")]
    NseCom,
    #[serde(rename = "BSE_EQ")]
    BseEq,
    #[serde(rename = "BSE_FO")]
    BseFo,
    #[serde(rename = "BSE_INDEX")]
    BseIndex,
    #[serde(rename = "MCX_FO")]
    McxFo,
    #[serde(rename = "MCX_INDEX")]
    McxIndex,
    #[serde(rename = "NCD_FO")]
    NcdFo,
    #[serde(rename = "BCD_FO")]
    BcdFo,
    #[serde(rename = "GLOBAL_INDEX")]
    GlobalIndex,
    #[serde(rename = "GLOBAL_INDICATOR")]
    GlobalIndicator,
}

impl Segment {
    const ALL: [(Segment, &'static str); 13] = [
        (Segment::NseEq, "NSE_EQ"),
        (Segment::NseFo, "NSE_FO"),
        (Segment::NseIndex, "NSE_INDEX"),
        (Segment::NseCom, "NSE_COM"),
        (Segment::BseEq, "BSE_EQ"),
        (Segment::BseFo, "BSE_FO"),
        (Segment::BseIndex, "BSE_INDEX"),
        (Segment::McxFo, "MCX_FO"),
        (Segment::McxIndex, "MCX_INDEX"),
        (Segment::NcdFo, "NCD_FO"),
        (Segment::BcdFo, "BCD_FO"),
        (Segment::GlobalIndex, "GLOBAL_INDEX"),
        (Segment::GlobalIndicator, "GLOBAL_INDICATOR"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(s, _)| *s == self).map_or("", |(_, name)| name)
    }

    pub fn parse(text: &str) -> Option<Segment> {
        Self::ALL.iter().find(|(_, name)| *name == text).map(|(s, _)| *s)
    }

    /// Indices are quoted but never traded.
    pub fn is_index(self) -> bool {
        matches!(
            self,
            Segment::NseIndex | Segment::BseIndex | Segment::McxIndex | Segment::GlobalIndex | Segment::GlobalIndicator
        )
    }
}

/// An instrument in Upstox's form `SEGMENT|identifier`: `NSE_EQ|INE002A01018` (ISIN),
/// `NSE_INDEX|Nifty 50` (index name), `NSE_FO|43919` (exchange token).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstrumentKey {
    text: String,
    segment: Segment,
}

impl InstrumentKey {
    const MAX_IDENTIFIER_LEN: usize = 64;

    pub fn new(text: &str) -> Result<InstrumentKey, IdError> {
        let err = |reason| id_error("instrument key", text, reason);
        let (segment, identifier) = text.split_once('|').ok_or_else(|| err("expected SEGMENT|identifier"))?;
        let segment =
            Segment::parse(segment).ok_or_else(|| err("unknown segment (e.g. NSE_EQ, NSE_FO, BSE_EQ, NSE_INDEX)"))?;
        if identifier.is_empty() || identifier.len() > Self::MAX_IDENTIFIER_LEN {
            return Err(err("identifier must be 1 to 64 characters"));
        }
        // Index names carry spaces ("Nifty 50"), so allow them inside but not at the ends.
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '&' | '.');
        if !identifier.chars().all(allowed) || identifier.trim() != identifier {
            return Err(err("identifier has characters other than letters, digits, space, `-`, `_`, `&`, `.`"));
        }
        Ok(InstrumentKey { text: text.to_owned(), segment })
    }

    pub fn segment(&self) -> Segment {
        self.segment
    }

    /// The part after `|`: an ISIN, index name or exchange token.
    pub fn identifier(&self) -> &str {
        &self.text[self.segment.as_str().len() + 1..]
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for InstrumentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for InstrumentKey {
    type Err = IdError;
    fn from_str(s: &str) -> Result<InstrumentKey, IdError> {
        InstrumentKey::new(s)
    }
}

impl Serialize for InstrumentKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for InstrumentKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<InstrumentKey, D::Error> {
        let text = String::deserialize(deserializer)?;
        InstrumentKey::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_upstox_keys() {
        for text in
            ["NSE_EQ|INE002A01018", "NSE_INDEX|Nifty 50", "NSE_FO|43919", "MCX_FO|434855", "BSE_EQ|INE009A01021"]
        {
            let key = InstrumentKey::new(text).unwrap();
            assert_eq!(key.to_string(), text);
        }
        let key = InstrumentKey::new("NSE_INDEX|Nifty Bank").unwrap();
        assert_eq!(key.segment(), Segment::NseIndex);
        assert_eq!(key.identifier(), "Nifty Bank");
    }

    #[test]
    fn refuses_malformed_keys_with_reason() {
        for (text, reason) in [
            ("INE002A01018", "SEGMENT|identifier"),
            ("XYZ_EQ|INE002A01018", "unknown segment"),
            ("NSE_EQ|", "1 to 64"),
            ("NSE_EQ|INE002A01018|x", "characters other"),
            ("NSE_EQ| INE", "characters other"),
            ("NSE_EQ|a\nb", "characters other"),
        ] {
            let err = InstrumentKey::new(text).unwrap_err();
            assert!(err.to_string().contains(reason), "{text:?}: {err}");
        }
    }

    #[test]
    fn plain_ids_validate() {
        assert!(OrderId::new("ord-1_A").is_ok());
        assert!(OrderId::new("").unwrap_err().to_string().contains("must not be empty"));
        assert!(ClientOrderId::new("a b").is_err());
        assert!(StrategyId::new("x".repeat(49)).is_err());
        let id: FillId = serde_json_like_roundtrip(FillId::new("T1").unwrap());
        assert_eq!(id.as_str(), "T1");
    }

    fn serde_json_like_roundtrip(id: FillId) -> FillId {
        #[derive(Serialize, Deserialize)]
        struct W {
            id: FillId,
        }
        toml::from_str::<W>(&format!("id = \"{}\"", W { id }.id)).unwrap().id
    }

    proptest! {
        #[test]
        fn key_parsing_never_panics(text in "\\PC{0,80}") {
            if let Ok(key) = InstrumentKey::new(&text) {
                prop_assert_eq!(key.as_str(), text.as_str());
            }
        }
    }
}
