//! The order record and its state machine. Every change goes through `Order::apply`, which either
//! moves the order along a legal edge or returns an error and leaves it untouched.
//!
//! ```text
//!  Pending ──accept──▶ Accepted ──fill──▶ PartiallyFilled ──fill──▶ Filled
//!     │                 │  ▲  │                 │  ▲  │
//!   reject/cancel   cancel│  │modify       cancel│  │modify
//!     ▼                 ▼  │  ▼                 ▼  │  ▼
//!  Rejected/Cancelled  PendingCancel / PendingModify ──▶ Cancelled / Expired / back
//! ```
//! Fills may race a cancel or modify request, so they are legal in the pending states; the
//! state to return to after a refused cancel or modify is derived from the filled quantity.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::ids::OrderId;
use super::order::{OrderKind, OrderRequest};
use crate::num::{Money, Price, Quantity};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Durable in our journal, not yet acknowledged by the broker.
    Pending,
    Accepted,
    PartiallyFilled,
    Filled,
    Cancelled,
    Rejected,
    Expired,
    PendingCancel,
    PendingModify,
}

impl OrderStatus {
    /// Terminal states never change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, OrderStatus::Filled | OrderStatus::Cancelled | OrderStatus::Rejected | OrderStatus::Expired)
    }

    /// Open orders can still fill.
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Accepted => "accepted",
            OrderStatus::PartiallyFilled => "partially_filled",
            OrderStatus::Filled => "filled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Expired => "expired",
            OrderStatus::PendingCancel => "pending_cancel",
            OrderStatus::PendingModify => "pending_modify",
        }
    }
}

/// Something that happens to an order: a broker report or our own request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEvent {
    Accepted,
    Rejected {
        reason: String,
    },
    Filled {
        quantity: Quantity,
        price: Price,
    },
    CancelRequested,
    /// Cancelled by request, by the broker or exchange, or the unfilled rest of an IOC.
    Cancelled,
    CancelRejected {
        reason: String,
    },
    ModifyRequested {
        kind: OrderKind,
        quantity: Quantity,
    },
    Modified,
    ModifyRejected {
        reason: String,
    },
    Expired,
}

impl OrderEvent {
    pub fn name(&self) -> &'static str {
        match self {
            OrderEvent::Accepted => "accepted",
            OrderEvent::Rejected { .. } => "rejected",
            OrderEvent::Filled { .. } => "filled",
            OrderEvent::CancelRequested => "cancel_requested",
            OrderEvent::Cancelled => "cancelled",
            OrderEvent::CancelRejected { .. } => "cancel_rejected",
            OrderEvent::ModifyRequested { .. } => "modify_requested",
            OrderEvent::Modified => "modified",
            OrderEvent::ModifyRejected { .. } => "modify_rejected",
            OrderEvent::Expired => "expired",
        }
    }
}

/// An event that does not fit the order's state. The order is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("order {order_id}: `{event}` is not allowed in state {from:?}")]
    Illegal { order_id: OrderId, from: OrderStatus, event: &'static str },
    #[error("order {order_id}: fill of {fill} would exceed the order quantity {quantity} (already filled {filled})")]
    Overfill { order_id: OrderId, quantity: Quantity, filled: Quantity, fill: Quantity },
    #[error("order {order_id}: a fill must have a positive quantity and price")]
    EmptyFill { order_id: OrderId },
    #[error("order {order_id}: new quantity {quantity} is below the filled quantity {filled}")]
    ModifyBelowFilled { order_id: OrderId, quantity: Quantity, filled: Quantity },
}

/// An order of record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub request: OrderRequest,
    status: OrderStatus,
    filled: Quantity,
    /// Σ price × quantity of fills, exact, so the average fill price needs no running rounding.
    filled_value: Money,
    /// The change asked for while `PendingModify`, applied on `Modified`.
    pending_modify: Option<(OrderKind, Quantity)>,
    pub reject_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Order {
    /// A new order in `Pending`, as recorded before it reaches the broker.
    pub fn new(id: OrderId, request: OrderRequest, at: Timestamp) -> Order {
        Order {
            id,
            request,
            status: OrderStatus::Pending,
            filled: Quantity::ZERO,
            filled_value: Money::ZERO,
            pending_modify: None,
            reject_reason: None,
            created_at: at,
            updated_at: at,
        }
    }

    pub fn status(&self) -> OrderStatus {
        self.status
    }

    pub fn quantity(&self) -> Quantity {
        self.request.intent.quantity
    }

    pub fn filled(&self) -> Quantity {
        self.filled
    }

    /// Σ price × quantity of the fills so far (the order's turnover, for per-order brokerage).
    pub fn filled_value(&self) -> Money {
        self.filled_value
    }

    pub fn remaining(&self) -> Quantity {
        self.quantity().saturating_sub(self.filled)
    }

    /// Volume-weighted average fill price, rounded half away from zero to the price scale.
    pub fn average_fill_price(&self) -> Option<Price> {
        let filled = i128::from(self.filled.units());
        (filled > 0).then(|| {
            let avg = crate::num::decimal::div_round_half_away(i128::from(self.filled_value.micros()), filled);
            Price::from_micros(avg as i64)
        })
    }

    /// Where a refused cancel or modify returns to, derived from what has filled.
    fn working_status(&self) -> OrderStatus {
        if self.filled.is_zero() {
            OrderStatus::Accepted
        } else {
            OrderStatus::PartiallyFilled
        }
    }

    /// Applies `event` at `at`, or explains why it cannot and changes nothing.
    pub fn apply(&mut self, event: &OrderEvent, at: Timestamp) -> Result<OrderStatus, TransitionError> {
        use OrderStatus as S;
        let illegal = || TransitionError::Illegal { order_id: self.id.clone(), from: self.status, event: event.name() };
        if self.status.is_terminal() {
            return Err(illegal());
        }
        let next = match (self.status, event) {
            (S::Pending, OrderEvent::Accepted) => S::Accepted,
            // A broker may reject after acknowledging, but only before anything filled.
            (S::Pending, OrderEvent::Rejected { reason }) | (S::Accepted, OrderEvent::Rejected { reason }) => {
                self.reject_reason = Some(reason.clone());
                S::Rejected
            }
            (
                S::Accepted | S::PartiallyFilled | S::PendingCancel | S::PendingModify,
                OrderEvent::Filled { quantity, price },
            ) => {
                self.record_fill(*quantity, *price)?;
                if self.remaining().is_zero() {
                    self.pending_modify = None;
                    S::Filled
                } else if matches!(self.status, S::PendingCancel | S::PendingModify) {
                    self.status
                } else {
                    S::PartiallyFilled
                }
            }
            (S::Accepted | S::PartiallyFilled, OrderEvent::CancelRequested) => S::PendingCancel,
            (S::Accepted | S::PartiallyFilled, OrderEvent::ModifyRequested { kind, quantity }) => {
                if *quantity <= self.filled {
                    return Err(TransitionError::ModifyBelowFilled {
                        order_id: self.id.clone(),
                        quantity: *quantity,
                        filled: self.filled,
                    });
                }
                self.pending_modify = Some((*kind, *quantity));
                S::PendingModify
            }
            // Cancelled before it reached the broker, by request, by the broker, or IOC rest.
            (
                S::Pending | S::Accepted | S::PartiallyFilled | S::PendingCancel | S::PendingModify,
                OrderEvent::Cancelled,
            ) => {
                self.pending_modify = None;
                S::Cancelled
            }
            (S::PendingCancel, OrderEvent::CancelRejected { .. }) => self.working_status(),
            (S::PendingModify, OrderEvent::Modified) => {
                let (kind, quantity) = self.pending_modify.take().ok_or_else(illegal)?;
                if quantity < self.filled {
                    self.pending_modify = Some((kind, quantity));
                    return Err(TransitionError::ModifyBelowFilled {
                        order_id: self.id.clone(),
                        quantity,
                        filled: self.filled,
                    });
                }
                self.request.intent.kind = kind;
                self.request.intent.quantity = quantity;
                if self.remaining().is_zero() {
                    S::Filled
                } else {
                    self.working_status()
                }
            }
            (S::PendingModify, OrderEvent::ModifyRejected { .. }) => {
                self.pending_modify = None;
                self.working_status()
            }
            (S::Accepted | S::PartiallyFilled | S::PendingCancel | S::PendingModify, OrderEvent::Expired) => S::Expired,
            _ => return Err(illegal()),
        };
        self.status = next;
        self.updated_at = at;
        Ok(next)
    }

    fn record_fill(&mut self, quantity: Quantity, price: Price) -> Result<(), TransitionError> {
        if quantity.is_zero() || !price.is_positive() {
            return Err(TransitionError::EmptyFill { order_id: self.id.clone() });
        }
        let overfill = || TransitionError::Overfill {
            order_id: self.id.clone(),
            quantity: self.quantity(),
            filled: self.filled,
            fill: quantity,
        };
        let filled = self.filled.checked_add(quantity).filter(|f| *f <= self.quantity()).ok_or_else(overfill)?;
        let value = price.notional(quantity).and_then(|v| self.filled_value.checked_add(v)).ok_or_else(overfill)?;
        self.filled = filled;
        self.filled_value = value;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::{ClientOrderId, InstrumentKey};
    use crate::model::order::{OrderIntent, OrderOrigin, Side};
    use proptest::prelude::*;

    fn order(quantity: u64) -> Order {
        let intent =
            OrderIntent::market(InstrumentKey::new("NSE_EQ|INE002A01018").unwrap(), Side::Buy, Quantity::new(quantity));
        let request = OrderRequest {
            client_order_id: ClientOrderId::new("c1").unwrap(),
            origin: OrderOrigin::Manual,
            intent,
            tag: None,
        };
        Order::new(OrderId::new("o1").unwrap(), request, Timestamp::from_nanos(0))
    }

    fn t(n: i64) -> Timestamp {
        Timestamp::from_nanos(n)
    }

    fn fill(quantity: u64, price: &str) -> OrderEvent {
        OrderEvent::Filled { quantity: Quantity::new(quantity), price: price.parse().unwrap() }
    }

    fn reason() -> String {
        "r".to_owned()
    }

    #[test]
    fn happy_path_accept_partial_full() {
        let mut o = order(10);
        assert_eq!(o.apply(&OrderEvent::Accepted, t(1)), Ok(OrderStatus::Accepted));
        assert_eq!(o.apply(&fill(4, "100"), t(2)), Ok(OrderStatus::PartiallyFilled));
        assert_eq!(o.apply(&fill(6, "101"), t(3)), Ok(OrderStatus::Filled));
        assert_eq!(o.average_fill_price().unwrap().to_string(), "100.60");
        assert_eq!(o.updated_at, t(3));
    }

    #[test]
    fn pending_can_be_rejected_or_cancelled_but_not_filled() {
        let mut o = order(10);
        assert!(matches!(
            o.apply(&fill(1, "1"), t(1)),
            Err(TransitionError::Illegal { from: OrderStatus::Pending, .. })
        ));
        assert_eq!(o.clone().apply(&OrderEvent::Cancelled, t(1)), Ok(OrderStatus::Cancelled));
        assert_eq!(o.apply(&OrderEvent::Rejected { reason: "margin".into() }, t(1)), Ok(OrderStatus::Rejected));
        assert_eq!(o.reject_reason.as_deref(), Some("margin"));
    }

    #[test]
    fn rejection_after_a_fill_is_illegal() {
        let mut o = order(10);
        o.apply(&OrderEvent::Accepted, t(1)).unwrap();
        o.apply(&fill(1, "1"), t(2)).unwrap();
        assert!(o.apply(&OrderEvent::Rejected { reason: reason() }, t(3)).is_err());
        assert_eq!(o.status(), OrderStatus::PartiallyFilled);
    }

    #[test]
    fn cancel_request_then_confirm_or_refusal() {
        let mut o = order(10);
        o.apply(&OrderEvent::Accepted, t(1)).unwrap();
        assert_eq!(o.apply(&OrderEvent::CancelRequested, t(2)), Ok(OrderStatus::PendingCancel));
        assert_eq!(o.clone().apply(&OrderEvent::Cancelled, t(3)), Ok(OrderStatus::Cancelled));
        // A fill racing the cancel is kept; a refused cancel returns to the derived working state.
        assert_eq!(o.apply(&fill(3, "1"), t(3)), Ok(OrderStatus::PendingCancel));
        assert_eq!(o.apply(&OrderEvent::CancelRejected { reason: reason() }, t(4)), Ok(OrderStatus::PartiallyFilled));
        assert!(o.apply(&OrderEvent::CancelRejected { reason: reason() }, t(5)).is_err());
    }

    #[test]
    fn fill_completing_during_pending_cancel_is_filled() {
        let mut o = order(5);
        o.apply(&OrderEvent::Accepted, t(1)).unwrap();
        o.apply(&OrderEvent::CancelRequested, t(2)).unwrap();
        assert_eq!(o.apply(&fill(5, "1"), t(3)), Ok(OrderStatus::Filled));
    }

    #[test]
    fn modify_request_then_confirm_or_refusal() {
        let mut o = order(10);
        o.apply(&OrderEvent::Accepted, t(1)).unwrap();
        let limit = OrderKind::Limit { price: "99.95".parse().unwrap() };
        let modify = OrderEvent::ModifyRequested { kind: limit, quantity: Quantity::new(20) };
        assert_eq!(o.apply(&modify, t(2)), Ok(OrderStatus::PendingModify));
        let mut refused = o.clone();
        assert_eq!(refused.apply(&OrderEvent::ModifyRejected { reason: reason() }, t(3)), Ok(OrderStatus::Accepted));
        assert_eq!(refused.quantity(), Quantity::new(10));
        assert_eq!(o.apply(&OrderEvent::Modified, t(3)), Ok(OrderStatus::Accepted));
        assert_eq!(o.quantity(), Quantity::new(20));
        assert_eq!(o.request.intent.kind, limit);
        assert!(o.apply(&OrderEvent::Modified, t(4)).is_err(), "no modify is pending");
    }

    #[test]
    fn modify_below_filled_is_refused() {
        let mut o = order(10);
        o.apply(&OrderEvent::Accepted, t(1)).unwrap();
        o.apply(&fill(6, "1"), t(2)).unwrap();
        let modify = OrderEvent::ModifyRequested { kind: OrderKind::Market, quantity: Quantity::new(6) };
        assert!(matches!(o.apply(&modify, t(3)), Err(TransitionError::ModifyBelowFilled { .. })));
        assert_eq!(o.status(), OrderStatus::PartiallyFilled);
    }

    #[test]
    fn fills_racing_a_modify_can_complete_it() {
        let mut o = order(10);
        o.apply(&OrderEvent::Accepted, t(1)).unwrap();
        o.apply(&OrderEvent::ModifyRequested { kind: OrderKind::Market, quantity: Quantity::new(8) }, t(2)).unwrap();
        assert_eq!(o.apply(&fill(8, "1"), t(3)), Ok(OrderStatus::PendingModify));
        assert_eq!(o.apply(&OrderEvent::Modified, t(4)), Ok(OrderStatus::Filled));
    }

    #[test]
    fn expiry_from_every_working_state() {
        for setup in [vec![], vec![OrderEvent::CancelRequested], vec![fill(1, "1")]] {
            let mut o = order(10);
            o.apply(&OrderEvent::Accepted, t(1)).unwrap();
            for e in &setup {
                o.apply(e, t(2)).unwrap();
            }
            assert_eq!(o.apply(&OrderEvent::Expired, t(3)), Ok(OrderStatus::Expired));
        }
        assert!(order(1).apply(&OrderEvent::Expired, t(1)).is_err(), "a pending order cannot expire");
    }

    #[test]
    fn overfill_and_empty_fill_are_refused() {
        let mut o = order(10);
        o.apply(&OrderEvent::Accepted, t(1)).unwrap();
        assert!(matches!(o.apply(&fill(11, "1"), t(2)), Err(TransitionError::Overfill { .. })));
        assert!(matches!(o.apply(&fill(0, "1"), t(2)), Err(TransitionError::EmptyFill { .. })));
        assert!(matches!(o.apply(&fill(1, "0"), t(2)), Err(TransitionError::EmptyFill { .. })));
        assert_eq!(o.filled(), Quantity::ZERO);
        assert_eq!(o.status(), OrderStatus::Accepted);
    }

    #[test]
    fn terminal_states_reject_everything() {
        let mut o = order(1);
        o.apply(&OrderEvent::Accepted, t(1)).unwrap();
        o.apply(&fill(1, "1"), t(2)).unwrap();
        for e in [
            OrderEvent::Accepted,
            OrderEvent::Cancelled,
            OrderEvent::Expired,
            OrderEvent::CancelRequested,
            fill(1, "1"),
        ] {
            assert!(o.apply(&e, t(3)).is_err());
        }
        assert_eq!(o.updated_at, t(2));
    }

    fn any_event() -> impl Strategy<Value = OrderEvent> {
        let kind = prop_oneof![
            Just(OrderKind::Market),
            (1i64..1000).prop_map(|p| OrderKind::Limit { price: Price::from_micros(p * 50_000) }),
        ];
        prop_oneof![
            Just(OrderEvent::Accepted),
            Just(OrderEvent::Rejected { reason: "x".into() }),
            (0u64..8, 0i64..5).prop_map(|(q, p)| OrderEvent::Filled {
                quantity: Quantity::new(q),
                price: Price::from_micros(p * 1_000_000)
            }),
            Just(OrderEvent::CancelRequested),
            Just(OrderEvent::Cancelled),
            Just(OrderEvent::CancelRejected { reason: "x".into() }),
            (kind, 0u64..20).prop_map(|(kind, q)| OrderEvent::ModifyRequested { kind, quantity: Quantity::new(q) }),
            Just(OrderEvent::Modified),
            Just(OrderEvent::ModifyRejected { reason: "x".into() }),
            Just(OrderEvent::Expired),
        ]
    }

    proptest! {
        #[test]
        fn any_event_sequence_keeps_the_order_valid(quantity in 1u64..15, events in proptest::collection::vec(any_event(), 0..40)) {
            let mut o = order(quantity);
            for (i, event) in events.iter().enumerate() {
                let before = o.clone();
                match o.apply(event, t(i as i64 + 1)) {
                    Ok(_) => prop_assert!(!before.status().is_terminal(), "a terminal state changed"),
                    Err(_) => prop_assert_eq!(&o, &before, "a refused event changed the order"),
                }
                prop_assert!(o.filled() <= o.quantity(), "filled exceeds quantity");
                if o.status() == OrderStatus::Filled {
                    prop_assert!(o.remaining().is_zero());
                }
                if o.status().is_open() {
                    prop_assert!(!o.remaining().is_zero(), "an open order with nothing left to fill");
                }
                if o.status() == OrderStatus::PartiallyFilled {
                    prop_assert!(!o.filled().is_zero() && !o.remaining().is_zero());
                }
                if o.status() == OrderStatus::Accepted {
                    prop_assert!(o.filled().is_zero());
                }
                if o.status() == OrderStatus::Rejected {
                    prop_assert!(o.filled().is_zero());
                }
            }
        }
    }
}
