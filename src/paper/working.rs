//! `WorkingOrder`: the part of an `Order` the matcher needs while the order rests with it.

use crate::model::{Instrument, InstrumentKey, Order, OrderId, OrderKind, Side, Validity};
use crate::num::{Price, Quantity};

/// What an order currently is, for matching: a stop becomes a market or limit order once it
/// triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Market,
    Limit(Price),
    /// Waiting for `trigger`; then a limit at `limit` (SL) or a market order (SL-M, `None`).
    Stop {
        trigger: Price,
        limit: Option<Price>,
    },
}

/// An accepted order the matcher is working, copied from the `Order` at submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WorkingOrder {
    pub(super) id: OrderId,
    pub(super) instrument: InstrumentKey,
    pub(super) side: Side,
    pub(super) kind: OrderKind,
    pub(super) validity: Validity,
    pub(super) remaining: Quantity,
    /// The instrument's tick, which slippage moves in.
    pub(super) tick: Price,
    pub(super) triggered: bool,
}

impl WorkingOrder {
    pub(super) fn new(order: &Order, instrument: &Instrument) -> WorkingOrder {
        let intent = &order.request.intent;
        WorkingOrder {
            id: order.id.clone(),
            instrument: intent.instrument.clone(),
            side: intent.side,
            kind: intent.kind,
            validity: intent.validity,
            remaining: order.remaining(),
            tick: instrument.tick_size,
            triggered: false,
        }
    }

    pub(super) fn phase(&self) -> Phase {
        match (self.kind, self.triggered) {
            (OrderKind::Market, _) | (OrderKind::StopMarket { .. }, true) => Phase::Market,
            (OrderKind::Limit { price }, _) | (OrderKind::StopLimit { price, .. }, true) => Phase::Limit(price),
            (OrderKind::StopLimit { price, trigger_price }, false) => {
                Phase::Stop { trigger: trigger_price, limit: Some(price) }
            }
            (OrderKind::StopMarket { trigger_price }, false) => Phase::Stop { trigger: trigger_price, limit: None },
        }
    }
}
