//! A fill (trade): part or all of an order executed at one price, with the charges it incurred.

use serde::{Deserialize, Serialize};

use super::ids::{FillId, InstrumentKey, OrderId};
use super::instrument::Exchange;
use super::order::{Product, Side};
use super::order_state::Order;
use crate::charges::{ChargeBreakdown, ChargeContext, ChargeError, CostModel};
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

/// One execution of an order, before it becomes a `Fill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Execution {
    pub quantity: Quantity,
    pub price: Price,
    pub ts: Timestamp,
}

impl Fill {
    /// The fill of `execution` on `order`, with no charges yet.
    pub fn of_execution(id: FillId, order: &Order, execution: Execution) -> Fill {
        let intent = &order.request.intent;
        Fill {
            id,
            order_id: order.id.clone(),
            instrument: intent.instrument.clone(),
            side: intent.side,
            product: intent.product,
            quantity: execution.quantity,
            price: execution.price,
            ts: execution.ts,
            charges: ChargeBreakdown::default(),
        }
    }

    /// The fill of `execution` on `order`, charged by `costs` as the order's next execution:
    /// `turnover_before` is the order's filled value before it (per-order brokerage caps). Live
    /// trading and backtests both charge through here, so they charge alike.
    pub fn charged(
        id: FillId,
        order: &Order,
        exchange: Exchange,
        execution: Execution,
        turnover_before: Money,
        costs: &CostModel,
    ) -> Result<Fill, ChargeError> {
        let mut fill = Fill::of_execution(id, order, execution);
        fill.charges = costs.try_charge(&ChargeContext {
            exchange,
            product: fill.product,
            side: fill.side,
            price: execution.price,
            quantity: execution.quantity,
            order_turnover_before: turnover_before,
        })?;
        Ok(fill)
    }

    /// Price × quantity, the fill's turnover.
    pub fn value(&self) -> Money {
        self.price.notional(self.quantity).expect("fill value overflow: quantity and price were checked at the edge")
    }

    /// Quantity with the side's sign: positive for buys.
    pub fn signed_quantity(&self) -> i64 {
        self.side.sign() * self.quantity.as_signed().expect("fill quantity fits i64")
    }
}
