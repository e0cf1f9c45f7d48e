//! Brokers behind one trait: the paper broker now, Upstox later. Errors are typed transient vs
//! permanent from the start, so a circuit breaker can wrap real broker calls.

mod paper;

pub use paper::PaperBroker;

use trader::model::{Instrument, Order, OrderId, OrderKind, Quote};
use trader::num::{Price, Quantity};
use trader::time::Timestamp;

/// What a broker tells us about an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerReport {
    Accepted {
        order_id: OrderId,
    },
    Rejected {
        order_id: OrderId,
        reason: String,
    },
    Fill {
        order_id: OrderId,
        quantity: Quantity,
        price: Price,
        ts: Timestamp,
    },
    Cancelled {
        order_id: OrderId,
        reason: String,
    },
    /// A modification took effect: the order now works with its new type, prices and quantity.
    Modified {
        order_id: OrderId,
    },
    /// A modification was refused; the order keeps working unchanged.
    ModifyRejected {
        order_id: OrderId,
        reason: String,
    },
}

impl BrokerReport {
    pub fn order_id(&self) -> &OrderId {
        match self {
            BrokerReport::Accepted { order_id }
            | BrokerReport::Rejected { order_id, .. }
            | BrokerReport::Fill { order_id, .. }
            | BrokerReport::Cancelled { order_id, .. }
            | BrokerReport::Modified { order_id }
            | BrokerReport::ModifyRejected { order_id, .. } => order_id,
        }
    }
}

/// A broker call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokerError {
    /// Worth retrying later: connectivity, timeouts, rate limits, broker outages.
    #[error("broker temporarily unavailable: {0}")]
    Transient(String),
    /// The broker refused for good: invalid order, insufficient funds, unknown order.
    #[error("broker refused: {0}")]
    Permanent(String),
}

/// A broker adapter. Calls return at once; what happens to an order arrives as reports, pushed
/// into `out` (the paper broker decides synchronously; a network broker reports later through
/// its own stream into the router).
pub trait Broker: Send + 'static {
    fn name(&self) -> &'static str;

    fn submit(
        &mut self,
        order: &Order,
        instrument: &Instrument,
        now: Timestamp,
        out: &mut Vec<BrokerReport>,
    ) -> Result<(), BrokerError>;

    fn cancel(&mut self, order_id: &OrderId, out: &mut Vec<BrokerReport>) -> Result<(), BrokerError>;

    /// Changes a working order to `kind` and `quantity` (the new total, filled part included).
    /// The outcome arrives as `Modified` or `ModifyRejected`, possibly followed by fills of the
    /// changed order. A broker that cannot modify refuses, and the order keeps working unchanged.
    fn modify(
        &mut self,
        order: &Order,
        _kind: OrderKind,
        _quantity: trader::num::Quantity,
        _instrument: &Instrument,
        _now: Timestamp,
        _out: &mut Vec<BrokerReport>,
    ) -> Result<(), BrokerError> {
        Err(BrokerError::Permanent(format!("the {} broker cannot modify order {}", self.name(), order.id)))
    }

    /// Market data, for brokers that match locally.
    fn on_quote(&mut self, _quote: &Quote, _out: &mut Vec<BrokerReport>) {}

    /// Resumes working an order recovered from the journal, without reporting it accepted again.
    fn restore(
        &mut self,
        order: &Order,
        instrument: &Instrument,
        now: Timestamp,
        out: &mut Vec<BrokerReport>,
    ) -> Result<(), BrokerError>;
}
