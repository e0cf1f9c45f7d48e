//! `MatchEvent`: what the matcher decided, one event per change to an order.

use super::RejectReason;
use crate::model::{OrderEvent, OrderId};
use crate::num::{Price, Quantity};
use crate::time::Timestamp;

/// Why an order stopped resting without filling completely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// The caller asked (`PaperMatcher::cancel`).
    Requested,
    /// The unfilled rest of an IOC order after its one matching attempt.
    IocUnfilled,
}

/// One decision of the matcher about one order, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchEvent {
    Accepted {
        order_id: OrderId,
    },
    Rejected {
        order_id: OrderId,
        reason: RejectReason,
    },
    /// A stop (SL or SL-M) fired at `ts`; it now works as a limit or market order. Informational:
    /// the order state machine has no such state, so this maps to no `OrderEvent`.
    Triggered {
        order_id: OrderId,
        ts: Timestamp,
    },
    Fill {
        order_id: OrderId,
        quantity: Quantity,
        price: Price,
        ts: Timestamp,
    },
    Cancelled {
        order_id: OrderId,
        remaining: Quantity,
        reason: CancelReason,
    },
}

impl MatchEvent {
    pub fn order_id(&self) -> &OrderId {
        match self {
            MatchEvent::Accepted { order_id }
            | MatchEvent::Rejected { order_id, .. }
            | MatchEvent::Triggered { order_id, .. }
            | MatchEvent::Fill { order_id, .. }
            | MatchEvent::Cancelled { order_id, .. } => order_id,
        }
    }

    /// The event to feed to `Order::apply`, or `None` for `Triggered`.
    pub fn order_event(&self) -> Option<OrderEvent> {
        match self {
            MatchEvent::Accepted { .. } => Some(OrderEvent::Accepted),
            MatchEvent::Rejected { reason, .. } => Some(OrderEvent::Rejected { reason: reason.to_string() }),
            MatchEvent::Triggered { .. } => None,
            MatchEvent::Fill { quantity, price, .. } => Some(OrderEvent::Filled { quantity: *quantity, price: *price }),
            MatchEvent::Cancelled { .. } => Some(OrderEvent::Cancelled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_onto_order_events() {
        let order_id = OrderId::new("o1").unwrap();
        let fill = MatchEvent::Fill {
            order_id: order_id.clone(),
            quantity: Quantity::new(3),
            price: "100.05".parse().unwrap(),
            ts: Timestamp::from_nanos(7),
        };
        assert_eq!(
            fill.order_event(),
            Some(OrderEvent::Filled { quantity: Quantity::new(3), price: Price::from_micros(100_050_000) })
        );
        let rejected = MatchEvent::Rejected {
            order_id: order_id.clone(),
            reason: RejectReason::DuplicateId { order_id: order_id.clone() },
        };
        assert_eq!(
            rejected.order_event(),
            Some(OrderEvent::Rejected { reason: "order id o1 was already submitted to the paper matcher".into() })
        );
        let cancelled = MatchEvent::Cancelled {
            order_id: order_id.clone(),
            remaining: Quantity::new(2),
            reason: CancelReason::IocUnfilled,
        };
        assert_eq!(cancelled.order_event(), Some(OrderEvent::Cancelled));
        let triggered = MatchEvent::Triggered { order_id: order_id.clone(), ts: Timestamp::from_nanos(1) };
        assert_eq!(triggered.order_event(), None);
        assert_eq!(triggered.order_id(), &order_id);
    }
}
