//! A fill (trade): part or all of an order executed at one price, with the charges it incurred.

use serde::{Deserialize, Serialize};

use super::ids::{FillId, InstrumentKey, OrderId};
use super::order::{Product, Side};
use crate::charges::ChargeBreakdown;
use crate::num::{Money, Price, Quantity};
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub id: FillId,
    pub order_id: OrderId,
    pub instrument: InstrumentKey,
    pub side: Side,
    pub product: Product,
    pub quantity: Quantity,
    pub price: Price,
    pub ts: Timestamp,
    /// Every fill carries its charges, so P&L after costs is exact per trade.
    pub charges: ChargeBreakdown,
}

impl Fill {
    /// Price × quantity, the fill's turnover.
    pub fn value(&self) -> Money {
        self.price.notional(self.quantity).expect("fill value overflow: quantity and price were checked at the edge")
    }

    /// Quantity with the side's sign: positive for buys.
    pub fn signed_quantity(&self) -> i64 {
        self.side.sign() * self.quantity.as_signed().expect("fill quantity fits i64")
    }
}
