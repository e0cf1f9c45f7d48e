//! What an order asks for: side, type, validity, product, and the request that carries them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ids::{ClientOrderId, IdError, InstrumentKey, StrategyId};
use crate::num::{Price, Quantity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// +1 for buys, −1 for sells: the sign a fill gives a position.
    pub fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
        }
    }

    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        })
    }
}

/// The order type with exactly the prices it needs, so a market order with a limit price or a
/// stop without a trigger cannot be built. Externally tagged, so the journal's binary format can
/// read it; the API has its own request shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrderKind {
    Market,
    Limit {
        price: Price,
    },
    /// SL: once the trigger trades, becomes a limit order at `price`.
    #[serde(rename = "sl")]
    StopLimit {
        price: Price,
        trigger_price: Price,
    },
    /// SL-M: once the trigger trades, becomes a market order.
    #[serde(rename = "sl-m")]
    StopMarket {
        trigger_price: Price,
    },
}

impl OrderKind {
    pub fn limit_price(&self) -> Option<Price> {
        match *self {
            OrderKind::Limit { price } | OrderKind::StopLimit { price, .. } => Some(price),
            OrderKind::Market | OrderKind::StopMarket { .. } => None,
        }
    }

    pub fn trigger_price(&self) -> Option<Price> {
        match *self {
            OrderKind::StopLimit { trigger_price, .. } | OrderKind::StopMarket { trigger_price } => Some(trigger_price),
            OrderKind::Market | OrderKind::Limit { .. } => None,
        }
    }

    /// Upstox's name for the type.
    pub fn name(&self) -> &'static str {
        match self {
            OrderKind::Market => "MARKET",
            OrderKind::Limit { .. } => "LIMIT",
            OrderKind::StopLimit { .. } => "SL",
            OrderKind::StopMarket { .. } => "SL-M",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Validity {
    /// Rests until filled, cancelled or the session ends.
    #[default]
    Day,
    /// Immediate or cancel: whatever does not fill at once is cancelled.
    Ioc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// MIS: squared off the same day; cheaper statutory charges.
    #[default]
    Intraday,
    /// CNC: delivery into the demat account.
    Delivery,
}

/// What a strategy (or an operator) wants traded; the runner turns it into an `OrderRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderIntent {
    pub instrument: InstrumentKey,
    pub side: Side,
    pub quantity: Quantity,
    pub kind: OrderKind,
    pub validity: Validity,
    pub product: Product,
}

impl OrderIntent {
    /// A DAY intraday market order, the most common intent.
    pub fn market(instrument: InstrumentKey, side: Side, quantity: Quantity) -> OrderIntent {
        OrderIntent {
            instrument,
            side,
            quantity,
            kind: OrderKind::Market,
            validity: Validity::Day,
            product: Product::Intraday,
        }
    }
}

/// Where an order came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderOrigin {
    Strategy(StrategyId),
    Manual,
}

/// A request to trade, as it enters the risk gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub client_order_id: ClientOrderId,
    pub origin: OrderOrigin,
    pub intent: OrderIntent,
    pub tag: Option<Tag>,
}

/// A free label the submitter attaches (shown in order books; at most 40 plain characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub const MAX_LEN: usize = 40;

    pub fn new(text: impl Into<String>) -> Result<Tag, IdError> {
        let text = text.into();
        let bad = |reason| IdError { kind: "tag", text: text.chars().take(64).collect(), reason };
        if text.len() > Self::MAX_LEN {
            return Err(bad("longer than 40 characters"));
        }
        if !text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.' | ':')) {
            return Err(bad("only letters, digits, space, `-`, `_`, `.` and `:` are allowed"));
        }
        Ok(Tag(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = IdError;
    fn try_from(text: String) -> Result<Tag, IdError> {
        Tag::new(text)
    }
}

impl From<Tag> for String {
    fn from(tag: Tag) -> String {
        tag.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_carry_only_their_prices() {
        let p: Price = "100.05".parse().unwrap();
        assert_eq!(OrderKind::Market.limit_price(), None);
        assert_eq!(OrderKind::Limit { price: p }.limit_price(), Some(p));
        assert_eq!(OrderKind::StopMarket { trigger_price: p }.trigger_price(), Some(p));
        assert_eq!(OrderKind::StopLimit { price: p, trigger_price: p }.name(), "SL");
        assert_eq!(Side::Sell.sign(), -1);
        assert_eq!(Side::Buy.opposite(), Side::Sell);
    }

    #[test]
    fn tags_are_validated() {
        assert!(Tag::new("momentum run 3").is_ok());
        assert!(Tag::new("x".repeat(41)).is_err());
        assert!(Tag::new("<script>").is_err());
    }
}
