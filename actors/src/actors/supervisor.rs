//! The supervisor: spawns every actor linked to itself, respawns one that panics with the same
//! arguments, and enforces restart budgets (ARCHITECTURE §2).
//!
//! ractor cannot restart an actor in place, and its default `handle_supervisor_evt` stops the
//! supervisor when a child exits, so this actor overrides it: a strategy past its budget stays
//! stopped (its status says why, an alert fires) while everything else trades on; a core actor
//! past its budget halts trading. A heartbeat checks every core actor answers; only then does it
//! tell systemd the engine is alive (`WATCHDOG=1`), so a wedged engine gets restarted.
//!
//! Strategy instances can also be deployed, given new parameters and removed while the engine
//! runs (`deployments`): each change is journaled before it is answered.

pub mod deployments;

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use trader::alerts::AlertBook;
use trader::model::{OrderId, OrderOrigin, StrategyId};
use trader::risk::TradingState;
use trader::strategy::{StrategyParams, StrategySpec};
use trader::time::{Clock, LiveClock};

use super::alert_engine::{AlertArgs, AlertEngine, AlertMsg};
use super::feed_handler::{FeedHandler, FeedHandlerArgs, FeedMsg, FeedShared, MarketSubscriber};
use super::order_router::RouterQuery;
use super::order_router::{OrderRouter, RouterArgs, RouterCore, RouterMsg};
use super::risk_gate::{RiskGateActor, RiskGateArgs, RiskMsg};
use super::strategy_runner::{StrategyArgs, StrategyFactory, StrategyMsg, StrategyRunner};
use crate::engine::{OrderFilter, StatusFilter};
use crate::events::EngineEvent;
use crate::metrics_names::ACTOR_RESTARTS_TOTAL;
use crate::queue::MarketInbox;
use crate::records::JournalRecord;
use crate::services::Services;
use crate::status_board::{ActorState, ActorStatus};
use deployments::{deployed_record, journal_durably, params_record, Exposure, LifecycleError, Removal};

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
    /// The configuration of every strategy instance (those added in code have none and are
    /// left out), in the order they were added.
    ListStrategies(RpcReplyPort<Vec<StrategySpec>>),
    /// Adds a new instance (journaled first) and starts it if `spec.enabled`.
    Deploy {
        spec: StrategySpec,
        reply: RpcReplyPort<Result<(), LifecycleError>>,
    },
    /// New parameters (journaled first); a running instance is restarted with them.
    UpdateParams {
        id: StrategyId,
        params: StrategyParams,
        reply: RpcReplyPort<Result<StrategySpec, LifecycleError>>,
    },
    /// Stops and removes an instance (journaled). Refused while it has open orders or a position,
    /// unless `force`: then its open orders are cancelled and its positions left as they are.
    Remove {
        id: StrategyId,
        force: bool,
        reply: RpcReplyPort<Result<Removal, LifecycleError>>,
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

/// How long a strategy runner may take to stop before a parameter change or a removal kills it.
const RUNNER_STOP_WAIT: Duration = Duration::from_secs(2);
/// How long the supervisor waits for the router when removing a strategy.
const ROUTER_WAIT: Duration = Duration::from_secs(2);

/// What the supervisor knows about a strategy instance beyond how to start it.
struct StrategyMeta {
    /// Its configuration; `None` for an instance added in code.
    spec: Option<StrategySpec>,
    /// Removed over the API: never started again; its index is not reused, so client order ids
    /// stay unique.
    removed: bool,
}

pub struct SupervisorState {
    args: SupervisorArgs,
    /// Parallel to `args.strategies`.
    meta: Vec<StrategyMeta>,
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
        let meta = args
            .strategies
            .iter()
            .map(|child| StrategyMeta {
                spec: args.services.config.strategies.iter().find(|spec| spec.id == child.id).cloned(),
                removed: false,
            })
            .collect();
        let mut state = SupervisorState {
            args,
            meta,
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
                        state
                            .args
                            .services
                            .events
                            .publish(EngineEvent::StrategyStatus { id: id.clone(), status: "stopped".into() });
                        if let Some(actor) = state.args.services.slots.strategy(&id).get() {
                            state.stopping.push(index);
                            actor.stop(Some("stopped by an operator".into()));
                        }
                        Ok(())
                    }
                };
                let _ = reply.send(result);
            }
            SupervisorMsg::ListStrategies(reply) => {
                let specs = state.meta.iter().filter(|m| !m.removed).filter_map(|m| m.spec.clone()).collect();
                let _ = reply.send(specs);
            }
            SupervisorMsg::Deploy { spec, reply } => {
                let _ = reply.send(state.deploy(&myself, spec).await);
            }
            SupervisorMsg::UpdateParams { id, params, reply } => {
                let _ = reply.send(state.update_params(&myself, &id, params).await);
            }
            SupervisorMsg::Remove { id, force, reply } => {
                let _ = reply.send(state.remove(&id, force).await);
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

    /// The live (not removed) instance `id`.
    fn strategy_index(&self, id: &StrategyId) -> Option<usize> {
        self.args.strategies.iter().zip(&self.meta).position(|(s, m)| &s.id == id && !m.removed)
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

impl SupervisorState {
    /// Journals a new instance, then adds it and starts it if it is enabled.
    async fn deploy(&mut self, myself: &ActorRef<SupervisorMsg>, spec: StrategySpec) -> Result<(), LifecycleError> {
        if self.strategy_index(&spec.id).is_some() {
            return Err(LifecycleError::Duplicate(spec.id));
        }
        // The record's sequence is unique, so it serves as this instance's run id in client order
        // ids until the next restart gives it the new run's.
        let run = journal_durably(&self.args.services, &deployed_record(&spec)?).await?;
        let index = self.args.strategies.len();
        let services = self.args.services.clone();
        self.args.strategies.push(StrategyChild {
            id: spec.id.clone(),
            args: StrategyArgs {
                id: spec.id.clone(),
                instruments: spec.instruments.clone(),
                factory: factory(spec.params),
                inbox: Arc::new(MarketInbox::new("strategy", services.config.queues.bars)),
                run,
                index,
                next_order: order_counter(),
                services,
            },
            interval: spec.bar_interval,
            start: spec.enabled,
        });
        let enabled = spec.enabled;
        let id = spec.id.clone();
        self.meta.push(StrategyMeta { spec: Some(spec), removed: false });
        tracing::info!(strategy = %id, enabled, "strategy deployed");
        if enabled {
            self.spawn(myself, Child::Strategy(index))
                .await
                .map_err(|e| LifecycleError::Unavailable(format!("deployed, but it did not start: {e}")))?;
        } else {
            self.set_status(Child::Strategy(index), ActorState::Stopped("deployed stopped".into()));
            self.args.services.events.publish(EngineEvent::StrategyStatus { id, status: "stopped".into() });
        }
        Ok(())
    }

    /// Journals new parameters, then restarts the runner with them if it runs. The new runner
    /// rebuilds its positions and open orders from the router, as after a crash; its indicators
    /// start empty.
    async fn update_params(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
        id: &StrategyId,
        params: StrategyParams,
    ) -> Result<StrategySpec, LifecycleError> {
        let index = self.strategy_index(id).ok_or_else(|| LifecycleError::NotFound(id.clone()))?;
        let Some(spec) = self.meta[index].spec.clone() else { return Err(LifecycleError::NoParams(id.clone())) };
        if spec.params.kind() != params.kind() {
            return Err(LifecycleError::KindMismatch {
                id: id.clone(),
                kind: spec.params.kind(),
                given: params.kind(),
            });
        }
        journal_durably(&self.args.services, &params_record(id, &params)?).await?;
        let spec = StrategySpec { params, ..spec };
        self.meta[index].spec = Some(spec.clone());
        self.args.strategies[index].args.factory = factory(params);
        tracing::info!(strategy = %id, "strategy parameters changed");
        if self.stop_runner(index, "restarting with new parameters").await {
            self.restarts.remove(&Child::Strategy(index));
            self.spawn(myself, Child::Strategy(index)).await.map_err(|e| {
                LifecycleError::Unavailable(format!("parameters saved, but the runner did not restart: {e}"))
            })?;
        }
        Ok(spec)
    }

    /// Removes an instance: refused while it has open orders or a position unless `force`.
    /// Checked before stopping it (a refusal leaves it running, indicators intact) and again
    /// after (it may have traded in between; then it stays stopped and the removal is refused).
    async fn remove(&mut self, id: &StrategyId, force: bool) -> Result<Removal, LifecycleError> {
        let index = self.strategy_index(id).ok_or_else(|| LifecycleError::NotFound(id.clone()))?;
        if !force {
            let exposure = self.exposure(id).await?;
            if !exposure.is_flat() {
                return Err(LifecycleError::Exposed { id: id.clone(), exposure, stopped: false });
            }
        }
        let was_running = self.stop_runner(index, "removed by an operator").await;
        let result = self.remove_stopped(index, id, force).await;
        if let Err(e) = &result {
            // The runner is gone whatever went wrong: say so (status, journal, stream) rather than
            // leave a strategy that looks running but trades nothing, and comes back after a restart.
            let reason = match e {
                LifecycleError::Exposed { .. } => "stopped while being removed: it traded in between".to_owned(),
                other => format!("stopped; its removal failed: {other}"),
            };
            if was_running {
                self.journal_strategy(id, false, &reason);
            }
            self.set_status(Child::Strategy(index), ActorState::Stopped(reason));
            self.args.services.events.publish(EngineEvent::StrategyStatus { id: id.clone(), status: "stopped".into() });
        }
        result.map_err(|e| match e {
            LifecycleError::Exposed { id, exposure, .. } => {
                LifecycleError::Exposed { id, exposure, stopped: was_running }
            }
            other => other,
        })
    }

    /// The part of a removal after the runner stopped: waits until every order the runner sent
    /// reached the book, checks again, cancels (with `force`) and journals the removal.
    async fn remove_stopped(&mut self, index: usize, id: &StrategyId, force: bool) -> Result<Removal, LifecycleError> {
        self.drain_order_pipeline().await?;
        let exposure = self.exposure(id).await?;
        if !force && !exposure.is_flat() {
            return Err(LifecycleError::Exposed { id: id.clone(), exposure, stopped: true });
        }
        let cancelled_orders = self.cancel_open_orders(id, &exposure.open_orders).await;
        journal_durably(&self.args.services, &JournalRecord::StrategyRemoved { id: id.clone() }).await?;
        self.meta[index].removed = true;
        self.set_status(Child::Strategy(index), ActorState::Stopped("removed by an operator".into()));
        self.args.services.events.publish(EngineEvent::StrategyStatus { id: id.clone(), status: "removed".into() });
        tracing::info!(strategy = %id, force, cancelled_orders, "strategy removed");
        Ok(Removal { cancelled_orders, positions: exposure.positions })
    }

    /// Cancels every open order of strategy `id` in one router call; returns how many the router
    /// took. `open` (the orders seen open) names those left working in the log.
    async fn cancel_open_orders(&self, id: &StrategyId, open: &[OrderId]) -> usize {
        if open.is_empty() {
            return 0;
        }
        let filter = OrderFilter {
            status: StatusFilter::Open,
            origin: Some(OrderOrigin::Strategy(id.clone())),
            ..OrderFilter::default()
        };
        let answer = match self.args.services.slots.router.get() {
            Some(router) => {
                router.call(|reply| RouterMsg::CancelMatching { filter, reply }, Some(ROUTER_WAIT)).await.ok()
            }
            None => None,
        };
        let cancelled = match answer {
            Some(ractor::rpc::CallResult::Success(cancelled)) => cancelled,
            _ => Vec::new(),
        };
        for order_id in open.iter().filter(|o| !cancelled.contains(o)) {
            tracing::error!(strategy = %id, order = %order_id, "open order of a removed strategy not cancelled");
        }
        cancelled.len()
    }

    /// Stops the runner of `index` and waits for it, so a successor never shares its inbox;
    /// false if it was not running. Its exit is then not a failure (it is no longer `running`).
    async fn stop_runner(&mut self, index: usize, reason: &str) -> bool {
        let child = Child::Strategy(index);
        let cells: Vec<ActorId> = self.running.iter().filter(|(_, c)| **c == child).map(|(id, _)| *id).collect();
        if cells.is_empty() {
            return false;
        }
        for cell in cells {
            self.running.remove(&cell);
        }
        self.stopping.retain(|i| *i != index);
        let slot = self.args.services.slots.strategy(&self.args.strategies[index].id);
        if let Some(actor) = slot.get() {
            if actor.stop_and_wait(Some(reason.to_owned()), Some(RUNNER_STOP_WAIT)).await.is_err() {
                tracing::warn!(strategy = %self.args.strategies[index].id, "runner did not stop in time: killed");
                actor.kill();
            }
        }
        slot.set(None);
        self.unsubscribe(index);
        true
    }

    /// The open orders and positions of strategy `id`, from the router's book.
    async fn exposure(&self, id: &StrategyId) -> Result<Exposure, LifecycleError> {
        let unavailable = || LifecycleError::Unavailable("the order router is not answering; try again".into());
        let router = self.args.services.slots.router.get().ok_or_else(unavailable)?;
        let exposure = router
            .call(|reply| RouterMsg::Query(RouterQuery::StrategyExposure { id: id.clone(), reply }), Some(ROUTER_WAIT))
            .await;
        match exposure {
            Ok(ractor::rpc::CallResult::Success(exposure)) => Ok(exposure),
            _ => Err(unavailable()),
        }
    }

    /// Returns once everything sent to the risk gate before now has reached the router's book:
    /// an order a stopped runner sent just before it stopped may still wait in the gate's queue
    /// (mailboxes are first in, first out, so a ping answered means everything before it was
    /// handled, and the gate forwards to the router before it answers the ping).
    async fn drain_order_pipeline(&self) -> Result<(), LifecycleError> {
        let slots = &self.args.services.slots;
        let unavailable = |who: &str| LifecycleError::Unavailable(format!("the {who} is not answering; try again"));
        let risk = slots.risk.get().ok_or_else(|| unavailable("risk gate"))?;
        match risk.call(RiskMsg::Ping, Some(ROUTER_WAIT)).await {
            Ok(ractor::rpc::CallResult::Success(())) => {}
            _ => return Err(unavailable("risk gate")),
        }
        let router = slots.router.get().ok_or_else(|| unavailable("order router"))?;
        match router.call(RouterMsg::Ping, Some(ROUTER_WAIT)).await {
            Ok(ractor::rpc::CallResult::Success(())) => Ok(()),
            _ => Err(unavailable("order router")),
        }
    }
}

/// Builds `params`' strategy on every (re)start.
fn factory(params: StrategyParams) -> StrategyFactory {
    Arc::new(move || params.build())
}

/// A fresh id counter for a strategy's client order ids.
pub fn order_counter() -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(0))
}

#[cfg(test)]
mod tests {
    use trader::model::{ClientOrderId, OrderIntent, OrderOrigin, OrderRequest, OrderStatus, Product, Side, Validity};
    use trader::num::{Money, Price, Quantity};
    use trader::risk::{MarketCalendar, RiskApproved, RiskContext, RiskGate, RiskLimits};

    use super::*;
    use crate::actors::order_router::tests::{empty_core, limit, memory_journal, reliance, services};
    use crate::journal::JournalHandle;

    struct Idle;
    impl trader::strategy::Strategy for Idle {
        fn kind(&self) -> &'static str {
            "idle"
        }
    }

    /// A risk gate with one approved order of the strategy still in its queue: like the real
    /// gate, it forwards it to the router before it answers a ping queued after it.
    struct QueuedGate;

    impl Actor for QueuedGate {
        type Msg = RiskMsg;
        type State = (Services, Option<RiskApproved<OrderRequest>>);
        type Arguments = (Services, Option<RiskApproved<OrderRequest>>);

        async fn pre_start(
            &self,
            _myself: ActorRef<RiskMsg>,
            args: Self::Arguments,
        ) -> Result<Self::State, ActorProcessingErr> {
            Ok(args)
        }

        async fn handle(
            &self,
            _myself: ActorRef<RiskMsg>,
            message: RiskMsg,
            (services, queued): &mut Self::State,
        ) -> Result<(), ActorProcessingErr> {
            if let RiskMsg::Ping(reply) = message {
                if let Some(approved) = queued.take() {
                    let sent = services.router().try_send(|permit| RouterMsg::Submit {
                        approved,
                        approval: 1,
                        tick_received: None,
                        reply: None,
                        permit,
                    });
                    assert!(sent.is_ok(), "the router took the queued order");
                }
                let _ = reply.send(());
            }
            Ok(())
        }
    }

    /// A limit buy of 1 RELIANCE at ₹99 by strategy `s1`, approved by the core gate.
    fn approved_order() -> RiskApproved<OrderRequest> {
        let instrument = reliance();
        let now = LiveClock.now();
        let ctx = RiskContext {
            now,
            trading_state: TradingState::Active,
            instrument: Some(&instrument),
            position: 0,
            open_buy_quantity: 0,
            open_sell_quantity: 0,
            last_trade: Some((Price::from_micros(100_000_000), now)),
            gross_exposure: Money::ZERO,
            day_pnl: Money::ZERO,
        };
        let request = OrderRequest {
            client_order_id: ClientOrderId::new("s1-0-1").unwrap(),
            origin: OrderOrigin::Strategy(StrategyId::new("s1").unwrap()),
            intent: OrderIntent {
                instrument: instrument.key.clone(),
                side: Side::Buy,
                quantity: Quantity::new(1),
                kind: limit(99),
                validity: Validity::Day,
                product: Product::Intraday,
            },
            tag: None,
        };
        let limits = RiskLimits { market_hours: MarketCalendar::always_open(), ..RiskLimits::default() };
        RiskGate::new(limits).check(&ctx, request).unwrap()
    }

    /// A supervisor state with strategy `s1` (not running), a real router with an empty book and
    /// a gate holding `queued`; nothing else runs.
    async fn supervisor(journal: JournalHandle, queued: Option<RiskApproved<OrderRequest>>) -> SupervisorState {
        let services = services(journal);
        let (router, _) = Actor::spawn(
            None,
            OrderRouter,
            RouterArgs {
                services: services.clone(),
                core: Arc::new(Mutex::new(empty_core(&services))),
                inbox: Arc::new(MarketInbox::new("order_router", 16)),
            },
        )
        .await
        .unwrap();
        services.slots.router.set(Some(router));
        let (gate, _) = Actor::spawn(None, QueuedGate, (services.clone(), queued)).await.unwrap();
        services.slots.risk.set(Some(gate));
        let id = StrategyId::new("s1").unwrap();
        let strategy = StrategyChild {
            id: id.clone(),
            args: StrategyArgs {
                services: services.clone(),
                id,
                instruments: vec![reliance().key],
                factory: Arc::new(|| Box::new(Idle)),
                inbox: Arc::new(MarketInbox::new("strategy", 16)),
                run: 1,
                index: 0,
                next_order: order_counter(),
            },
            interval: trader::bars::BarInterval::M1,
            start: true,
        };
        let args = SupervisorArgs {
            services: services.clone(),
            feed_shared: Arc::new(FeedShared::default()),
            router_core: Arc::new(Mutex::new(empty_core(&services))),
            router_inbox: Arc::new(MarketInbox::new("order_router", 16)),
            alert_book: Arc::new(Mutex::new(AlertBook::default())),
            alert_inbox: Arc::new(MarketInbox::new("alert_engine", 16)),
            risk_core: Arc::new(Mutex::new(super::super::risk_gate::RiskCore::new(
                RiskLimits::default(),
                TradingState::Active,
            ))),
            strategies: vec![strategy],
            on_alive: Arc::new(|| {}),
        };
        services.status.set("strategy:s1", ActorStatus { state: ActorState::Running, restarts: 0, last_error: None });
        SupervisorState {
            args,
            meta: vec![StrategyMeta { spec: None, removed: false }],
            running: BTreeMap::new(),
            restarts: BTreeMap::new(),
            stopping: Vec::new(),
            shutting_down: false,
        }
    }

    #[tokio::test]
    async fn a_forced_removal_cancels_the_order_the_strategy_sent_just_before_it_stopped() {
        let mut state = supervisor(memory_journal(), Some(approved_order())).await;
        let id = StrategyId::new("s1").unwrap();
        let removal = state.remove(&id, true).await.unwrap();
        assert_eq!(removal.cancelled_orders, 1);
        let router = state.args.services.slots.router.get().unwrap();
        let orders = router
            .call(|reply| RouterMsg::Query(RouterQuery::Orders { open_only: false, reply }), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].status(), OrderStatus::Cancelled);
    }

    #[tokio::test]
    async fn an_unforced_removal_refuses_when_the_last_order_arrives_after_the_runner_stopped() {
        let mut state = supervisor(memory_journal(), Some(approved_order())).await;
        let id = StrategyId::new("s1").unwrap();
        match state.remove(&id, false).await {
            Err(LifecycleError::Exposed { exposure, .. }) => assert_eq!(exposure.open_orders.len(), 1),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(state.strategy_index(&id).is_some(), "not removed");
    }

    #[tokio::test]
    async fn a_removal_that_fails_after_the_runner_stopped_says_the_strategy_is_stopped() {
        let journal = memory_journal();
        let mut state = supervisor(journal.clone(), None).await;
        let mut events = state.args.services.events.subscribe();
        let id = StrategyId::new("s1").unwrap();
        // The removal record cannot be journaled.
        journal.close();
        assert!(state.remove(&id, true).await.is_err());
        let status = state.args.services.status.get("strategy:s1").unwrap();
        assert!(
            matches!(&status.state, ActorState::Stopped(reason) if reason.contains("removal failed")),
            "{status:?}"
        );
        let mut published = Vec::new();
        while let Ok(event) = events.try_recv() {
            if let EngineEvent::StrategyStatus { id, status } = event {
                published.push((id.to_string(), status));
            }
        }
        assert_eq!(published, vec![("s1".to_owned(), "stopped".to_owned())]);
        assert!(state.strategy_index(&id).is_some(), "still there to be removed again");
    }
}
