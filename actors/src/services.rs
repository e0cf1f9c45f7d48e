//! What every actor shares: configuration, the journal, the event bus, read-mostly boards, and the
//! slots through which actors reach each other across restarts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use trader::bars::BarAggregator;
use trader::config::TraderConfig;
use trader::model::{InstrumentRegistry, StrategyId};

use crate::actors::alert_engine::AlertMsg;
use crate::actors::feed_handler::FeedMsg;
use crate::actors::order_router::RouterMsg;
use crate::actors::risk_gate::RiskMsg;
use crate::actors::strategy_runner::StrategyMsg;
use crate::actors::supervisor::SupervisorMsg;
use crate::events::EventBus;
use crate::journal::JournalHandle;
use crate::queue::{ActorSlot, BoundedRef, QueueMeter};
use crate::quote_board::QuoteBoard;
use crate::status_board::StatusBoard;

/// The current reference of every actor, replaced by the supervisor on restart.
#[derive(Clone, Default)]
pub struct Slots {
    pub supervisor: ActorSlot<SupervisorMsg>,
    pub feed: ActorSlot<FeedMsg>,
    pub risk: ActorSlot<RiskMsg>,
    pub router: ActorSlot<RouterMsg>,
    pub alerts: ActorSlot<AlertMsg>,
    pub strategies: Arc<RwLock<BTreeMap<StrategyId, ActorSlot<StrategyMsg>>>>,
}

impl Slots {
    pub fn strategy(&self, id: &StrategyId) -> ActorSlot<StrategyMsg> {
        self.strategies.write().unwrap_or_else(|e| e.into_inner()).entry(id.clone()).or_default().clone()
    }

    pub fn strategy_ids(&self) -> Vec<StrategyId> {
        self.strategies.read().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect()
    }
}

#[derive(Clone)]
pub struct Services {
    pub config: Arc<TraderConfig>,
    pub instruments: Arc<InstrumentRegistry>,
    pub journal: JournalHandle,
    pub events: EventBus,
    pub quotes: Arc<QuoteBoard>,
    pub bars: Arc<Mutex<BarAggregator>>,
    pub status: Arc<StatusBoard>,
    pub slots: Slots,
    /// Order intents waiting at the risk gate: full → refused with a reason, never dropped.
    pub risk_queue: Arc<QueueMeter>,
    /// Approved orders waiting at the router.
    pub router_queue: Arc<QueueMeter>,
}

impl Services {
    pub fn risk(&self) -> BoundedRef<RiskMsg> {
        BoundedRef::new(self.slots.risk.clone(), Arc::clone(&self.risk_queue))
    }

    pub fn router(&self) -> BoundedRef<RouterMsg> {
        BoundedRef::new(self.slots.router.clone(), Arc::clone(&self.router_queue))
    }
}
