//! `RejectReason`: why the paper matcher refused an order at submission.

use thiserror::Error;

use crate::model::{InstrumentKey, InstrumentRuleError, OrderId, Side};
use crate::num::{Price, Quantity};

/// Why an order was rejected. The matcher is not the risk gate; it refuses only orders it could
/// not match correctly (or that an exchange would refuse outright), each reason naming the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RejectReason {
    #[error("nothing left to fill: quantity {quantity}, already filled {filled}")]
    NothingToFill { quantity: Quantity, filled: Quantity },
    #[error("order id {order_id} was already submitted to the paper matcher")]
    DuplicateId { order_id: OrderId },
    #[error("the order is for {order} but was submitted with instrument {given}")]
    InstrumentMismatch { order: InstrumentKey, given: InstrumentKey },
    #[error("{field}: {error}")]
    BadPrice { field: &'static str, error: InstrumentRuleError },
    #[error(
        "SL {side} order: limit price {price} is on the wrong side of its trigger price {trigger_price} \
         (a buy needs limit ≥ trigger, a sell limit ≤ trigger)"
    )]
    StopLimitInverted { side: Side, price: Price, trigger_price: Price },
    #[error("slippage of {slippage_ticks} ticks needs a positive tick size, but the instrument's is {tick}")]
    SlippageWithoutTick { slippage_ticks: u32, tick: Price },
    /// A modification for an order the matcher is not working (unknown, filled or cancelled).
    #[error("order {order_id} is not working in the paper matcher")]
    NotWorking { order_id: OrderId },
    /// A modification of the trigger of a stop that has already fired: it now works as a limit
    /// or market order, and its trigger means nothing any more.
    #[error("order {order_id}: the stop has already triggered, its trigger price cannot change")]
    AlreadyTriggered { order_id: OrderId },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_values() {
        let inverted = RejectReason::StopLimitInverted {
            side: Side::Buy,
            price: "99.50".parse().unwrap(),
            trigger_price: "100".parse().unwrap(),
        };
        assert!(inverted
            .to_string()
            .starts_with("SL buy order: limit price 99.50 is on the wrong side of its trigger price 100.00"));
        let price = RejectReason::BadPrice {
            field: "limit price",
            error: InstrumentRuleError::OffTick { price: "10.03".parse().unwrap(), tick: "0.05".parse().unwrap() },
        };
        assert_eq!(price.to_string(), "limit price: price 10.03 is not a multiple of the tick size 0.05");
    }
}
