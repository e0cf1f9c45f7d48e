//! `Refusal`: why the risk gate turned an order down, one variant per rule.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{InstrumentKey, Side, StrategyId};
use crate::num::{Money, Price, Quantity, Rate};
use crate::time::Timestamp;

/// A typed refusal. Each message names the limit and the value that broke it; `code()` is the
/// stable machine name (metric label, API error code, and the `code` tag when serialised).
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
    #[error("trading is halted: no order is accepted")]
    Halted,
    /// `open` is the quantity already working on the order's side: it counts, because if it fills
    /// too the position would flip.
    #[error(
        "trading is reducing-only: a {side} of {quantity}, with {open} more open on that side, does not reduce \
         the position {position}"
    )]
    ReducingOnly { position: i64, side: Side, quantity: Quantity, open: u64 },
    #[error("{instrument} is not tradable: {reason}")]
    InstrumentNotTradable { instrument: InstrumentKey, reason: NotTradable },
    /// The caller passed the context of another instrument: a bug upstream, refused rather than
    /// checked against the wrong tick, lot and position.
    #[error("the risk context describes {context}, not the order's instrument {instrument}")]
    ContextMismatch { instrument: InstrumentKey, context: InstrumentKey },
    #[error("order quantity {quantity} is not a positive multiple of the lot size {lot_size}")]
    LotSize { quantity: Quantity, lot_size: u64 },
    #[error("{field} {price} is not a positive multiple of the tick size {tick}")]
    TickSize { field: PriceField, price: Price, tick: Price },
    #[error("order quantity {quantity} exceeds the exchange freeze quantity {freeze}")]
    FreezeQuantity { quantity: Quantity, freeze: u64 },
    #[error("order quantity {quantity} exceeds the limit {limit}")]
    MaxOrderQuantity { quantity: Quantity, limit: u64 },
    #[error("the market is closed at {at}")]
    MarketClosed { at: Timestamp },
    #[error("no last trade price for {instrument}")]
    NoQuote { instrument: InstrumentKey },
    #[error("the last trade of {instrument} is {age_ms} ms old, older than the limit {limit_ms} ms")]
    StaleQuote { instrument: InstrumentKey, age_ms: u64, limit_ms: u64 },
    #[error("{field} {price} is more than {} away from the last trade {last}", band.as_percent())]
    PriceBand { field: PriceField, price: Price, last: Price, band: Rate },
    /// `notional` saturates at the largest `Money` when price × quantity overflows.
    #[error("order notional {notional} exceeds the limit {limit}")]
    MaxOrderNotional { notional: Money, limit: Money },
    /// `resulting` is the worst case: the position if this order and every open order on the same
    /// side filled.
    #[error("the worst-case position {resulting} in {instrument} would exceed the limit {limit}")]
    MaxPosition { instrument: InstrumentKey, resulting: i64, limit: u64 },
    #[error("gross exposure {resulting} after this order would exceed the limit {limit}")]
    MaxGrossExposure { resulting: Money, limit: Money },
    #[error("today's loss {loss} has reached the limit {limit}: only orders that reduce a position are accepted")]
    DailyLoss { loss: Money, limit: Money },
    #[error("strategy {strategy} exceeds its limit of {per_second} orders per second")]
    StrategyRate { strategy: StrategyId, per_second: u32 },
    #[error("the overall limit of {per_second} orders per second is exceeded")]
    OverallRate { per_second: u32 },
}

impl Refusal {
    /// The stable snake_case name of the rule (equal to the serialised `code` tag).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Halted => "halted",
            Refusal::ReducingOnly { .. } => "reducing_only",
            Refusal::InstrumentNotTradable { .. } => "instrument_not_tradable",
            Refusal::ContextMismatch { .. } => "context_mismatch",
            Refusal::LotSize { .. } => "lot_size",
            Refusal::TickSize { .. } => "tick_size",
            Refusal::FreezeQuantity { .. } => "freeze_quantity",
            Refusal::MaxOrderQuantity { .. } => "max_order_quantity",
            Refusal::MarketClosed { .. } => "market_closed",
            Refusal::NoQuote { .. } => "no_quote",
            Refusal::StaleQuote { .. } => "stale_quote",
            Refusal::PriceBand { .. } => "price_band",
            Refusal::MaxOrderNotional { .. } => "max_order_notional",
            Refusal::MaxPosition { .. } => "max_position",
            Refusal::MaxGrossExposure { .. } => "max_gross_exposure",
            Refusal::DailyLoss { .. } => "daily_loss",
            Refusal::StrategyRate { .. } => "strategy_rate",
            Refusal::OverallRate { .. } => "overall_rate",
        }
    }
}

/// Which price of an order a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceField {
    /// The limit price of a LIMIT or SL order.
    LimitPrice,
    /// The trigger price of an SL or SL-M order.
    TriggerPrice,
}

impl fmt::Display for PriceField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PriceField::LimitPrice => "limit price",
            PriceField::TriggerPrice => "trigger price",
        })
    }
}

/// Why an instrument cannot be traded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotTradable {
    /// Not in the instrument registry.
    Unknown,
    /// Indices are quoted, never traded.
    Index,
    /// Marked not tradable (suspended, or quote-only).
    Suspended,
}

impl fmt::Display for NotTradable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotTradable::Unknown => "unknown instrument",
            NotTradable::Index => "an index is quoted, never traded",
            NotTradable::Suspended => "marked not tradable (suspended or quote-only)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialised_tag_is_the_code() {
        let refusal: Refusal = toml::from_str("code = \"max_order_quantity\"\nquantity = 600\nlimit = 500").unwrap();
        assert_eq!(refusal, Refusal::MaxOrderQuantity { quantity: Quantity::new(600), limit: 500 });
        assert_eq!(refusal.code(), "max_order_quantity");
        assert_eq!(refusal.to_string(), "order quantity 600 exceeds the limit 500");
        let band: Refusal = toml::from_str(
            "code = \"price_band\"\nfield = \"trigger_price\"\nprice = \"110\"\nlast = \"100\"\nband = \"0.05\"",
        )
        .unwrap();
        assert_eq!(band.code(), "price_band");
        assert_eq!(band.to_string(), "trigger price 110.00 is more than 5% away from the last trade 100.00");
        assert_eq!(toml::from_str::<Refusal>("code = \"halted\"").unwrap(), Refusal::Halted);
    }
}
