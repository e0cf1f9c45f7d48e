//! The supervisor: spawns every actor linked to itself, respawns one that panics with the same
//! arguments, and enforces restart budgets (ARCHITECTURE §2).
//!
//! ractor cannot restart an actor in place, and its default `handle_supervisor_evt` stops the
//! supervisor when a child exits, so this actor overrides it: a strategy past its budget stays
//! stopped (its status says why, an alert fires) while everything else trades on; a core actor
//! past its budget halts trading. A heartbeat checks every core actor answers; only then does it
//! tell systemd the engine is alive (`WATCHDOG=1`), so a wedged engine gets restarted.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use trader::alerts::AlertBook;
use trader::model::StrategyId;
use trader::risk::TradingState;
use trader::time::{Clock, LiveClock};

use super::alert_engine::{AlertArgs, AlertEngine, AlertMsg};
use super::feed_handler::{FeedHandler, FeedHandlerArgs, FeedMsg, FeedShared, MarketSubscriber};
use super::order_router::{OrderRouter, RouterArgs, RouterCore, RouterMsg};
use super::risk_gate::{RiskGateActor, RiskGateArgs, RiskMsg};
use super::strategy_runner::{StrategyArgs, StrategyMsg, StrategyRunner};
use crate::events::EngineEvent;
use crate::metrics_names::ACTOR_RESTARTS_TOTAL;
use crate::queue::MarketInbox;
use crate::records::JournalRecord;
use crate::services::Services;
use crate::status_board::{ActorState, ActorStatus};

pub enum SupervisorMsg {
    Heartbeat,
    StartStrategy {
        id: StrategyId,
        reply: RpcReplyPort<Result<(), String>>,
    },
    StopStrategy {
        id: StrategyId,
        reply: RpcReplyPort<Result<(), String>>,
    },
    /// Stops every child (strategies first, the router last) within `deadline`; replies with
    /// the names of those that did not stop in time.
    Shutdown {
        deadline: Duration,
        cancel_open_orders: bool,
        reply: RpcReplyPort<Vec<String>>,
    },
}

/// One strategy instance the supervisor can (re)start.
#[derive(Clone)]
pub struct StrategyChild {
    pub id: StrategyId,
    pub args: StrategyArgs,
    pub interval: trader::bars::BarInterval,
    /// Whether it should run at start (config `enabled` and the journal's last operator action).
    pub start: bool,
}

pub struct SupervisorArgs {
    pub services: Services,
    pub feed_shared: Arc<FeedShared>,
    pub router_core: Arc<Mutex<RouterCore>>,
    pub router_inbox: Arc<MarketInbox>,
    pub alert_book: Arc<Mutex<AlertBook>>,
    pub alert_inbox: Arc<MarketInbox>,
    pub risk_core: Arc<Mutex<super::risk_gate::RiskCore>>,
    pub strategies: Vec<StrategyChild>,
    /// Called after every heartbeat that every core actor answered (systemd's watchdog).
    pub on_alive: Arc<dyn Fn() + Send + Sync>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Child {
    Feed,
    Risk,
    Router,
    Alerts,
    Strategy(usize),
}

pub struct Supervisor;

pub struct SupervisorState {
    args: SupervisorArgs,
    running: BTreeMap<ActorId, Child>,
    restarts: BTreeMap<Child, VecDeque<Instant>>,
    /// Strategies being stopped on purpose: their exit is not a failure.
    stopping: Vec<usize>,
    shutting_down: bool,
}

impl Actor for Supervisor {
    type Msg = SupervisorMsg;
    type State = SupervisorState;
    type Arguments = SupervisorArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<SupervisorMsg>,
        args: SupervisorArgs,
    ) -> Result<SupervisorState, ActorProcessingErr> {
        let mut state = SupervisorState {
            args,
            running: BTreeMap::new(),
            restarts: BTreeMap::new(),
            stopping: Vec::new(),
            shutting_down: false,
        };
        // Order matters: the router first (strategies rebuild their view from it), then the gate,
        // the alert engine, the strategies, and the feed last so no tick finds a consumer missing.
        for child in [Child::Router, Child::Risk, Child::Alerts] {
            state.spawn(&myself, child).await?;
        }
        for index in 0..state.args.strategies.len() {
            if state.args.strategies[index].start {
                state.spawn(&myself, Child::Strategy(index)).await?;
            } else {
                let id = state.args.strategies[index].id.to_string();
                state.args.services.status.set(
                    &format!("strategy:{id}"),
                    ActorStatus {
                        state: ActorState::Stopped("stopped by an operator".into()),
                        restarts: 0,
                        last_error: None,
                    },
                );
            }
        }
        state.spawn(&myself, Child::Feed).await?;
        let heartbeat = Duration::from_millis(state.args.services.config.supervision.heartbeat_ms);
        myself.send_interval(heartbeat, || SupervisorMsg::Heartbeat);
        state.args.services.slots.router.cast(RouterMsg::Restore);
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<SupervisorMsg>,
        message: SupervisorMsg,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SupervisorMsg::Heartbeat => state.heartbeat(),
            SupervisorMsg::StartStrategy { id, reply } => {
                let result = match state.strategy_index(&id) {
                    None => Err(format!("no strategy `{id}`")),
                    Some(index) if state.is_running(Child::Strategy(index)) => Ok(()),
                    Some(index) => {
                        state.restarts.remove(&Child::Strategy(index));
                        let spawned = state.spawn(&myself, Child::Strategy(index)).await.map_err(|e| e.to_string());
                        if spawned.is_ok() {
                            state.journal_strategy(&id, true, "started by an operator");
                        }
                        spawned
                    }
                };
                let _ = reply.send(result);
            }
            SupervisorMsg::StopStrategy { id, reply } => {
                let result = match state.strategy_index(&id) {
                    None => Err(format!("no strategy `{id}`")),
                    Some(index) => {
                        state.journal_strategy(&id, false, "stopped by an operator");
                        state.set_status(Child::Strategy(index), ActorState::Stopped("stopped by an operator".into()));
                        if let Some(actor) = state.args.services.slots.strategy(&id).get() {
                            state.stopping.push(index);
                            actor.stop(Some("stopped by an operator".into()));
                        }
                        Ok(())
                    }
                };
                let _ = reply.send(result);
            }
            SupervisorMsg::Shutdown { deadline, cancel_open_orders, reply } => {
                state.shutting_down = true;
                let _ = reply.send(state.stop_all(deadline, cancel_open_orders).await);
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<SupervisorMsg>,
        event: SupervisionEvent,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, error) = match event {
            SupervisionEvent::ActorFailed(cell, error) => (cell, error.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) => (cell, reason.unwrap_or_else(|| "stopped".into())),
            _ => return Ok(()),
        };
        let Some(child) = state.running.remove(&cell.get_id()) else { return Ok(()) };
        if state.shutting_down {
            return Ok(());
        }
        if let Child::Strategy(index) = child {
            if let Some(pos) = state.stopping.iter().position(|i| *i == index) {
                state.stopping.remove(pos);
                state.args.services.slots.strategy(&state.args.strategies[index].id).set(None);
                state.unsubscribe(index);
                return Ok(());
            }
        }
        state.on_failure(&myself, child, error).await;
        Ok(())
    }
}

impl SupervisorState {
    fn name(&self, child: Child) -> String {
        match child {
            Child::Feed => "feed_handler".into(),
            Child::Risk => "risk_gate".into(),
            Child::Router => "order_router".into(),
            Child::Alerts => "alert_engine".into(),
            Child::Strategy(i) => format!("strategy:{}", self.args.strategies[i].id),
        }
    }

    fn is_running(&self, child: Child) -> bool {
        self.running.values().any(|c| *c == child)
    }

    fn strategy_index(&self, id: &StrategyId) -> Option<usize> {
        self.args.strategies.iter().position(|s| &s.id == id)
    }

    fn set_status(&self, child: Child, actor_state: ActorState) {
        self.args.services.status.update(&self.name(child), |s| s.state = actor_state);
    }

    fn unsubscribe(&self, index: usize) {
        self.args.feed_shared.unsubscribe(&self.name(Child::Strategy(index)));
    }

    async fn spawn(&mut self, myself: &ActorRef<SupervisorMsg>, child: Child) -> Result<(), ActorProcessingErr> {
        let services = self.args.services.clone();
        let name = self.name(child);
        let cell: ActorCell = match child {
            Child::Feed => {
                let args = FeedHandlerArgs { services: services.clone(), shared: Arc::clone(&self.args.feed_shared) };
                let (actor, _) = Actor::spawn_linked(None, FeedHandler, args, myself.get_cell()).await?;
                services.slots.feed.set(Some(actor.clone()));
                actor.get_cell()
            }
            Child::Risk => {
                let args = RiskGateArgs { services: services.clone(), core: Arc::clone(&self.args.risk_core) };
                let (actor, _) = Actor::spawn_linked(None, RiskGateActor, args, myself.get_cell()).await?;
                services.slots.risk.set(Some(actor.clone()));
                actor.get_cell()
            }
            Child::Router => {
                let args = RouterArgs {
                    services: services.clone(),
                    core: Arc::clone(&self.args.router_core),
                    inbox: Arc::clone(&self.args.router_inbox),
                };
                let (actor, _) = Actor::spawn_linked(None, OrderRouter, args, myself.get_cell()).await?;
                services.slots.router.set(Some(actor.clone()));
                let slot = services.slots.router.clone();
                self.args.feed_shared.subscribe(MarketSubscriber {
                    name: name.clone(),
                    instruments: None,
                    interval: None,
                    inbox: Arc::clone(&self.args.router_inbox),
                    wake: Arc::new(move || slot.cast(RouterMsg::MarketWake)),
                });
                actor.get_cell()
            }
            Child::Alerts => {
                let args = AlertArgs {
                    services: services.clone(),
                    book: Arc::clone(&self.args.alert_book),
                    inbox: Arc::clone(&self.args.alert_inbox),
                };
                let (actor, _) = Actor::spawn_linked(None, AlertEngine, args, myself.get_cell()).await?;
                services.slots.alerts.set(Some(actor.clone()));
                let slot = services.slots.alerts.clone();
                self.args.feed_shared.subscribe(MarketSubscriber {
                    name: name.clone(),
                    instruments: None,
                    interval: None,
                    inbox: Arc::clone(&self.args.alert_inbox),
                    wake: Arc::new(move || slot.cast(AlertMsg::MarketWake)),
                });
                actor.get_cell()
            }
            Child::Strategy(index) => {
                let spec = self.args.strategies[index].clone();
                let (actor, _) =
                    Actor::spawn_linked(None, StrategyRunner, spec.args.clone(), myself.get_cell()).await?;
                let slot = services.slots.strategy(&spec.id);
                slot.set(Some(actor.clone()));
                let wake_slot = slot.clone();
                self.args.feed_shared.subscribe(MarketSubscriber {
                    name: name.clone(),
                    instruments: Some(spec.args.instruments.iter().cloned().collect()),
                    interval: Some(spec.interval),
                    inbox: Arc::clone(&spec.args.inbox),
                    wake: Arc::new(move || wake_slot.cast(StrategyMsg::MarketWake)),
                });
                services.events.publish(EngineEvent::StrategyStatus { id: spec.id.clone(), status: "running".into() });
                actor.get_cell()
            }
        };
        self.running.insert(cell.get_id(), child);
        let restarts = self.restarts.get(&child).map_or(0, |r| r.len() as u32);
        self.args.services.status.update(&name, |s| {
            s.state = ActorState::Running;
            s.restarts = restarts;
        });
        Ok(())
    }

    async fn on_failure(&mut self, myself: &ActorRef<SupervisorMsg>, child: Child, error: String) {
        let name = self.name(child);
        let config = &self.args.services.config.supervision;
        let window = Duration::from_millis(config.window_ms);
        let budget = config.max_restarts as usize;
        let now = Instant::now();
        let history = self.restarts.entry(child).or_default();
        history.retain(|t| now.duration_since(*t) <= window);
        history.push_back(now);
        let count = history.len();
        self.args.services.status.update(&name, |s| s.last_error = Some(error.clone()));
        tracing::error!(actor = %name, %error, restarts_in_window = count, "actor failed");
        if count <= budget {
            metrics::counter!(ACTOR_RESTARTS_TOTAL, "actor" => name.clone()).increment(1);
            if let Err(e) = self.spawn(myself, child).await {
                tracing::error!(actor = %name, error = %e, "respawn failed");
            } else {
                tracing::warn!(actor = %name, "respawned");
                return;
            }
        }
        let reason = format!("failed {count} times within {} s; last error: {error}", window.as_secs());
        self.set_status(child, ActorState::Failed(reason.clone()));
        self.args.services.events.publish(EngineEvent::SystemAlert { source: name.clone(), message: reason.clone() });
        match child {
            Child::Strategy(index) => {
                let id = self.args.strategies[index].id.clone();
                tracing::error!(strategy = %id, "strategy stopped for good: {reason}");
                self.args.services.slots.strategy(&id).set(None);
                self.unsubscribe(index);
                self.journal_strategy(&id, false, &reason);
                self.args
                    .services
                    .events
                    .publish(EngineEvent::StrategyStatus { id, status: format!("failed: {reason}") });
            }
            core => {
                tracing::error!(actor = ?core, "core actor past its restart budget: halting trading");
                let risk = self.args.services.slots.risk.clone();
                let reason = format!("{name} {reason}");
                tokio::spawn(async move {
                    if let Some(risk) = risk.get() {
                        let _ = risk
                            .call(
                                |reply| RiskMsg::SetTradingState { state: TradingState::Halted, reason, reply },
                                Some(Duration::from_secs(5)),
                            )
                            .await;
                    }
                });
            }
        }
    }

    /// Stops children in dependency order: strategies and the feed (no new intents), then the
    /// alert engine and risk gate, the router last (it books the final broker reports).
    async fn stop_all(&mut self, deadline: Duration, cancel_open_orders: bool) -> Vec<String> {
        let until = Instant::now() + deadline;
        let mut order: Vec<(ActorId, Child)> = self.running.iter().map(|(id, c)| (*id, *c)).collect();
        let rank = |c: &Child| match c {
            Child::Strategy(_) => 0,
            Child::Feed => 1,
            Child::Alerts => 2,
            Child::Risk => 3,
            Child::Router => 4,
        };
        order.sort_by_key(|(_, c)| rank(c));
        let mut not_stopped = Vec::new();
        for (_, child) in order {
            let Some(cell) = self.cell_of(child) else { continue };
            let left = until.saturating_duration_since(Instant::now());
            // Cancel once nothing can place new orders (strategies, feed, gate stopped), while the
            // router is still there to send the cancels and book their answers.
            if child == Child::Router && cancel_open_orders {
                match self.args.services.slots.router.get() {
                    Some(router) => match router.call(|reply| RouterMsg::CancelAll { reply }, Some(left / 2)).await {
                        Ok(ractor::rpc::CallResult::Success(n)) => {
                            tracing::info!(cancelled = n, "open orders cancelled")
                        }
                        _ => tracing::error!("open orders could not be cancelled before the deadline"),
                    },
                    None => tracing::error!("no router to cancel open orders"),
                }
            }
            let left = until.saturating_duration_since(Instant::now());
            if cell.stop_and_wait(Some("shutdown".into()), Some(left)).await.is_err() {
                not_stopped.push(self.name(child));
            }
        }
        not_stopped
    }

    fn cell_of(&self, child: Child) -> Option<ActorCell> {
        let slots = &self.args.services.slots;
        match child {
            Child::Feed => slots.feed.get().map(|a| a.get_cell()),
            Child::Risk => slots.risk.get().map(|a| a.get_cell()),
            Child::Router => slots.router.get().map(|a| a.get_cell()),
            Child::Alerts => slots.alerts.get().map(|a| a.get_cell()),
            Child::Strategy(i) => slots.strategy(&self.args.strategies[i].id).get().map(|a| a.get_cell()),
        }
    }

    fn journal_strategy(&self, id: &StrategyId, running: bool, reason: &str) {
        let record =
            JournalRecord::StrategyState { id: id.clone(), running, at: LiveClock.now(), reason: reason.to_owned() };
        match record.encode().map(|bytes| self.args.services.journal.append(bytes)) {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(strategy = %id, error = %e, "strategy state not journaled"),
            Err(e) => tracing::error!(strategy = %id, error = %e, "strategy state not encoded"),
        }
    }

    /// Asks every core actor and running strategy to answer; tells systemd only if all do.
    fn heartbeat(&self) {
        let slots = self.args.services.slots.clone();
        let strategies: Vec<_> = self
            .running
            .values()
            .filter_map(|c| match c {
                Child::Strategy(i) => Some(self.args.services.slots.strategy(&self.args.strategies[*i].id)),
                _ => None,
            })
            .collect();
        let on_alive = Arc::clone(&self.args.on_alive);
        let timeout = Some(Duration::from_millis(self.args.services.config.supervision.heartbeat_ms));
        tokio::spawn(async move {
            let mut alive = true;
            macro_rules! ping {
                ($slot:expr, $msg:path) => {
                    alive &= match $slot.get() {
                        Some(actor) => {
                            matches!(actor.call($msg, timeout).await, Ok(ractor::rpc::CallResult::Success(())))
                        }
                        None => false,
                    };
                };
            }
            ping!(slots.feed, FeedMsg::Ping);
            ping!(slots.risk, RiskMsg::Ping);
            ping!(slots.router, RouterMsg::Ping);
            ping!(slots.alerts, AlertMsg::Ping);
            for strategy in strategies {
                ping!(strategy, StrategyMsg::Ping);
            }
            if alive {
                on_alive();
            }
        });
    }
}

/// A fresh id counter for a strategy's client order ids.
pub fn order_counter() -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(0))
}
