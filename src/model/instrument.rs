//! Instruments and the registry that holds them (later filled from Upstox's instrument master).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::ids::{InstrumentKey, Segment};
use crate::num::{Price, Quantity};

/// The exchange an instrument trades on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Exchange {
    Nse,
    Bse,
    Mcx,
    /// Anything outside Indian exchanges (global indices, FX data used in backtests).
    Other,
}

impl Exchange {
    pub fn of_segment(segment: Segment) -> Exchange {
        match segment {
            Segment::NseEq | Segment::NseFo | Segment::NseIndex | Segment::NseCom | Segment::NcdFo => Exchange::Nse,
            Segment::BseEq | Segment::BseFo | Segment::BseIndex | Segment::BcdFo => Exchange::Bse,
            Segment::McxFo | Segment::McxIndex => Exchange::Mcx,
            Segment::GlobalIndex | Segment::GlobalIndicator => Exchange::Other,
        }
    }
}

/// A tradable (or quote-only) instrument and the rules its orders must follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    pub key: InstrumentKey,
    pub trading_symbol: String,
    pub exchange: Exchange,
    pub segment: Segment,
    /// Smallest price step; every order price must be a multiple of it.
    pub tick_size: Price,
    /// Orders must be whole multiples of this many units (1 for cash equities).
    pub lot_size: u64,
    /// Largest quantity the exchange accepts in one order, if it sets one.
    pub freeze_quantity: Option<u64>,
    /// Decimal places used to display prices (2 for NSE equity, 4 for currency derivatives).
    pub precision: u32,
    /// False for indices and suspended instruments: quotes only.
    pub tradable: bool,
}

/// Why a price or quantity does not suit an instrument.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InstrumentRuleError {
    #[error("price {price} must be positive")]
    NonPositivePrice { price: Price },
    #[error("price {price} is not a multiple of the tick size {tick}")]
    OffTick { price: Price, tick: Price },
    #[error("quantity must be positive")]
    ZeroQuantity,
    #[error("quantity {quantity} is not a multiple of the lot size {lot_size}")]
    NotLotMultiple { quantity: Quantity, lot_size: u64 },
}

impl Instrument {
    /// A cash-equity instrument on NSE with the usual 0.05 tick, lot 1 and 2-decimal display.
    pub fn nse_equity(isin: &str, trading_symbol: &str) -> Result<Instrument, super::ids::IdError> {
        let key = InstrumentKey::new(&format!("NSE_EQ|{isin}"))?;
        Ok(Instrument {
            key,
            trading_symbol: trading_symbol.to_owned(),
            exchange: Exchange::Nse,
            segment: Segment::NseEq,
            tick_size: Price::from_micros(50_000),
            lot_size: 1,
            freeze_quantity: None,
            precision: 2,
            tradable: true,
        })
    }

    /// Refuses prices that are not positive or lie off the tick grid: the edge check for any
    /// price that arrives from a user, config or strategy.
    pub fn check_price(&self, price: Price) -> Result<(), InstrumentRuleError> {
        if !price.is_positive() {
            return Err(InstrumentRuleError::NonPositivePrice { price });
        }
        if !price.is_multiple_of(self.tick_size) {
            return Err(InstrumentRuleError::OffTick { price, tick: self.tick_size });
        }
        Ok(())
    }

    pub fn check_quantity(&self, quantity: Quantity) -> Result<(), InstrumentRuleError> {
        if quantity.is_zero() {
            return Err(InstrumentRuleError::ZeroQuantity);
        }
        if !quantity.is_multiple_of(self.lot_size) {
            return Err(InstrumentRuleError::NotLotMultiple { quantity, lot_size: self.lot_size });
        }
        Ok(())
    }
}

/// Every known instrument, by key.
#[derive(Debug, Clone, Default)]
pub struct InstrumentRegistry {
    by_key: BTreeMap<InstrumentKey, Instrument>,
}

impl InstrumentRegistry {
    pub fn new() -> InstrumentRegistry {
        InstrumentRegistry::default()
    }

    /// Adds or replaces an instrument (the daily master refresh replaces).
    pub fn insert(&mut self, instrument: Instrument) {
        self.by_key.insert(instrument.key.clone(), instrument);
    }

    pub fn get(&self, key: &InstrumentKey) -> Option<&Instrument> {
        self.by_key.get(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Instrument> {
        self.by_key.values()
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

impl FromIterator<Instrument> for InstrumentRegistry {
    fn from_iter<I: IntoIterator<Item = Instrument>>(iter: I) -> InstrumentRegistry {
        let mut registry = InstrumentRegistry::new();
        for instrument in iter {
            registry.insert(instrument);
        }
        registry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reliance() -> Instrument {
        Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap()
    }

    #[test]
    fn edge_checks_name_the_rule() {
        let r = reliance();
        assert_eq!(r.check_price("2450.05".parse().unwrap()), Ok(()));
        assert!(matches!(r.check_price("2450.03".parse().unwrap()), Err(InstrumentRuleError::OffTick { .. })));
        assert!(matches!(r.check_price(Price::ZERO), Err(InstrumentRuleError::NonPositivePrice { .. })));
        assert_eq!(r.check_quantity(Quantity::ZERO), Err(InstrumentRuleError::ZeroQuantity));
        let mut future = r.clone();
        future.lot_size = 75;
        assert!(future.check_quantity(Quantity::new(75)).is_ok());
        let err = future.check_quantity(Quantity::new(80)).unwrap_err();
        assert_eq!(err.to_string(), "quantity 80 is not a multiple of the lot size 75");
    }

    #[test]
    fn registry_finds_by_key() {
        let registry: InstrumentRegistry = [reliance()].into_iter().collect();
        let key = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        assert_eq!(registry.get(&key).unwrap().trading_symbol, "RELIANCE");
        assert_eq!(registry.len(), 1);
        assert_eq!(Exchange::of_segment(Segment::BseFo), Exchange::Bse);
    }
}
