//! The engine's event stream: what operators see on the WebSocket stream and in logs.
//!
//! A `tokio::sync::broadcast` channel: bounded, and a subscriber that falls behind loses events
//! (and is told how many) instead of slowing the engine.

use serde::Serialize;
use tokio::sync::broadcast;
use trader::alerts::AlertFiring;
use trader::model::{Fill, Order, StrategyId};
use trader::risk::TradingState;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    Order {
        order: Order,
    },
    Fill {
        fill: Fill,
    },
    Refusal {
        client_order_id: String,
        origin: String,
        code: &'static str,
        message: String,
    },
    Alert {
        firing: AlertFiring,
    },
    /// An engine condition worth an operator's attention (a strategy stopped, a stale feed, a full queue).
    SystemAlert {
        source: String,
        message: String,
    },
    TradingState {
        state: TradingState,
        reason: String,
    },
    StrategyStatus {
        id: StrategyId,
        status: String,
    },
}

impl EngineEvent {
    /// Every topic an event can carry, in the order the stream lists them.
    pub const TOPICS: [&'static str; 5] = ["orders", "fills", "risk", "alerts", "strategies"];

    /// The topic a stream subscriber filters on.
    pub fn topic(&self) -> &'static str {
        match self {
            EngineEvent::Order { .. } => "orders",
            EngineEvent::Fill { .. } => "fills",
            EngineEvent::Refusal { .. } => "risk",
            EngineEvent::Alert { .. } | EngineEvent::SystemAlert { .. } => "alerts",
            EngineEvent::TradingState { .. } => "risk",
            EngineEvent::StrategyStatus { .. } => "strategies",
        }
    }
}

/// Publishes engine events; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<EngineEvent>,
}

impl EventBus {
    pub fn new(capacity: usize) -> EventBus {
        EventBus { sender: broadcast::channel(capacity.max(1)).0 }
    }

    /// Sends to whoever listens; nobody listening is fine.
    pub fn publish(&self, event: EngineEvent) {
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.sender.subscribe()
    }
}
