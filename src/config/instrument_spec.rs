//! An instrument as written in config, before it becomes a `model::Instrument`.

use serde::{Deserialize, Serialize};

use super::{join, Problems};
use crate::model::{Exchange, Instrument, InstrumentKey};
use crate::num::{Price, PRICE_DECIMALS};

/// `[[instruments]]`: the exchange and segment come from the key, so they cannot disagree with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentSpec {
    pub key: InstrumentKey,
    pub symbol: String,
    #[serde(default = "InstrumentSpec::default_tick")]
    pub tick_size: Price,
    #[serde(default = "InstrumentSpec::default_lot")]
    pub lot_size: u64,
    #[serde(default)]
    pub freeze_quantity: Option<u64>,
    #[serde(default = "InstrumentSpec::default_precision")]
    pub precision: u32,
    /// Defaults to true, except for index segments, which are never tradable.
    #[serde(default)]
    pub tradable: Option<bool>,
}

impl InstrumentSpec {
    fn default_tick() -> Price {
        Price::from_micros(50_000)
    }

    fn default_lot() -> u64 {
        1
    }

    fn default_precision() -> u32 {
        2
    }

    pub fn validate(&self, path: &str, problems: &mut Problems) {
        let symbol_ok = !self.symbol.is_empty()
            && self.symbol.len() <= 40
            && self.symbol.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '&' | ' ' | '.'));
        problems.require(symbol_ok, join(path, "symbol"), "must be 1 to 40 letters, digits, space, `-`, `_`, `&`, `.`");
        problems.require(self.tick_size.is_positive(), join(path, "tick_size"), "must be positive");
        problems.require(self.lot_size >= 1, join(path, "lot_size"), "must be at least 1");
        problems.require(self.freeze_quantity != Some(0), join(path, "freeze_quantity"), "must be positive when set");
        if self.precision > PRICE_DECIMALS {
            problems.push(join(path, "precision"), format!("must be at most {PRICE_DECIMALS}"));
        } else if self.tick_size.is_positive()
            && !self.tick_size.is_multiple_of(Price::from_micros(10i64.pow(PRICE_DECIMALS - self.precision)))
        {
            problems.push(
                join(path, "precision"),
                format!("{} decimals cannot show the tick size {}", self.precision, self.tick_size),
            );
        }
        if self.tradable == Some(true) && self.key.segment().is_index() {
            problems.push(join(path, "tradable"), "an index cannot be traded");
        }
    }

    pub fn to_instrument(&self) -> Instrument {
        let segment = self.key.segment();
        Instrument {
            key: self.key.clone(),
            trading_symbol: self.symbol.clone(),
            exchange: Exchange::of_segment(segment),
            segment,
            tick_size: self.tick_size,
            lot_size: self.lot_size,
            freeze_quantity: self.freeze_quantity,
            precision: self.precision,
            tradable: self.tradable.unwrap_or(!segment.is_index()),
        }
    }
}
