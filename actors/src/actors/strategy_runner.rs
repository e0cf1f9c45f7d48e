//! A strategy runner: one actor per strategy instance. It feeds its `Strategy` the quotes and
//! bars of its instruments (conflated: a slow strategy sees the latest quote, never a backlog),
//! its own orders' updates and fills, and a timer; and sends the intents it emits to the risk gate.
//!
//! A panic in any handler stops this actor only; the supervisor respawns it with the same
//! arguments (so the same inbox and id sequence) until its restart budget is spent.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ractor::{Actor, ActorProcessingErr, ActorRef};
use trader::model::{ClientOrderId, Fill, InstrumentKey, Order, OrderOrigin, OrderRequest, Quote, StrategyId};
use trader::num::Money;
use trader::strategy::{Strategy, StrategyContext, StrategyView};
use trader::time::{Clock, LiveClock};

use super::order_router::{RouterMsg, RouterQuery};
use super::risk_gate::RiskMsg;
use crate::events::EngineEvent;
use crate::queue::{MarketBatch, MarketInbox};
use crate::services::Services;

/// Builds a fresh strategy value; called on every (re)start.
pub type StrategyFactory = Arc<dyn Fn() -> Box<dyn Strategy> + Send + Sync>;

pub enum StrategyMsg {
    /// Quotes or bars are waiting in the inbox.
    MarketWake,
    OrderUpdate(Order),
    Fill {
        fill: Fill,
        cash: Money,
    },
    Timer,
    Ping(ractor::RpcReplyPort<()>),
}

#[derive(Clone)]
pub struct StrategyArgs {
    pub services: Services,
    pub id: StrategyId,
    pub instruments: Vec<InstrumentKey>,
    pub factory: StrategyFactory,
    pub inbox: Arc<MarketInbox>,
    /// Client order ids are `s<run>-<index>-<n>`: unique across strategies, restarts of this
    /// actor (the counter outlives it) and daemon runs (the run is the journal's sequence at start).
    pub run: u64,
    pub index: usize,
    pub next_order: Arc<AtomicU64>,
}

/// What the strategy may read: its own positions and open orders, the last quotes, the cash.
#[derive(Default)]
struct RunnerView {
    positions: BTreeMap<InstrumentKey, i64>,
    open_orders: BTreeMap<InstrumentKey, BTreeMap<trader::model::OrderId, ()>>,
    quotes: BTreeMap<InstrumentKey, Quote>,
    cash: Money,
}

impl StrategyView for RunnerView {
    fn position(&self, instrument: &InstrumentKey) -> i64 {
        self.positions.get(instrument).copied().unwrap_or(0)
    }

    fn open_order_count(&self, instrument: &InstrumentKey) -> usize {
        self.open_orders.get(instrument).map_or(0, BTreeMap::len)
    }

    fn last_quote(&self, instrument: &InstrumentKey) -> Option<&Quote> {
        self.quotes.get(instrument)
    }

    fn cash(&self) -> Money {
        self.cash
    }
}

impl RunnerView {
    fn track(&mut self, order: &Order) {
        let orders = self.open_orders.entry(order.request.intent.instrument.clone()).or_default();
        if order.status().is_open() {
            orders.insert(order.id.clone(), ());
        } else {
            orders.remove(&order.id);
        }
    }

    fn book(&mut self, fill: &Fill) {
        *self.positions.entry(fill.instrument.clone()).or_insert(0) += fill.signed_quantity();
    }
}

/// Whether `order` was sent by strategy `id`.
pub fn is_strategy_order(id: &StrategyId, order: &Order) -> bool {
    matches!(&order.request.origin, OrderOrigin::Strategy(s) if s == id)
}

/// The non-zero net positions (signed units) of strategy `id`, summed from the filled quantity
/// of each of its `orders`: the book keeps every order, while only recent fills stay in memory.
pub fn strategy_positions<'a>(
    id: &StrategyId,
    orders: impl IntoIterator<Item = &'a Order>,
) -> BTreeMap<InstrumentKey, i64> {
    let mut positions = BTreeMap::new();
    for order in orders.into_iter().filter(|o| is_strategy_order(id, o)) {
        let filled = order.filled().as_signed().unwrap_or(i64::MAX);
        let entry = positions.entry(order.request.intent.instrument.clone()).or_insert(0i64);
        *entry = entry.saturating_add(order.request.intent.side.sign().saturating_mul(filled));
    }
    positions.retain(|_, quantity| *quantity != 0);
    positions
}

pub struct StrategyRunner;

pub struct RunnerState {
    args: StrategyArgs,
    strategy: Box<dyn Strategy>,
    view: RunnerView,
    batch: MarketBatch,
    intents: Vec<trader::model::OrderIntent>,
}

impl Actor for StrategyRunner {
    type Msg = StrategyMsg;
    type State = RunnerState;
    type Arguments = StrategyArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<StrategyMsg>,
        args: StrategyArgs,
    ) -> Result<RunnerState, ActorProcessingErr> {
        let mut state = RunnerState {
            strategy: (args.factory)(),
            view: RunnerView::default(),
            batch: MarketBatch::default(),
            intents: Vec::new(),
            args,
        };
        state.rebuild_view().await;
        myself.send_interval(Duration::from_secs(1), || StrategyMsg::Timer);
        state.run(|strategy, ctx| strategy.on_start(ctx), None);
        // A predecessor may have died holding the inbox's wake-up: take what waits now.
        state.args.inbox.rearm();
        let _ = myself.cast(StrategyMsg::MarketWake);
        Ok(state)
    }

    async fn handle(
        &self,
        _myself: ActorRef<StrategyMsg>,
        message: StrategyMsg,
        state: &mut RunnerState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            StrategyMsg::MarketWake => {
                state.args.inbox.take(&mut state.batch);
                let mut batch = std::mem::take(&mut state.batch);
                for received in batch.quotes.drain(..) {
                    state.view.quotes.insert(received.quote.instrument.clone(), received.quote.clone());
                    state.run(|strategy, ctx| strategy.on_quote(ctx, &received.quote), Some(received.received));
                }
                for (instrument, bar, received) in batch.bars.drain(..) {
                    state.run(|strategy, ctx| strategy.on_bar(ctx, &instrument, &bar), Some(received));
                }
                state.batch = batch;
            }
            StrategyMsg::OrderUpdate(order) => {
                state.view.track(&order);
                state.run(|strategy, ctx| strategy.on_order_update(ctx, &order), None);
            }
            StrategyMsg::Fill { fill, cash } => {
                state.view.book(&fill);
                state.view.cash = cash;
                state.run(|strategy, ctx| strategy.on_fill(ctx, &fill), None);
            }
            StrategyMsg::Ping(reply) => {
                let _ = reply.send(());
            }
            StrategyMsg::Timer => {
                let now = LiveClock.now();
                state.run(|strategy, ctx| strategy.on_timer(ctx, now), None);
            }
        }
        Ok(())
    }
}

impl RunnerState {
    /// Calls the strategy, then sends what it asked for to the risk gate.
    fn run(&mut self, call: impl FnOnce(&mut dyn Strategy, &mut StrategyContext<'_>), tick_received: Option<Instant>) {
        self.intents.clear();
        let mut ctx = StrategyContext::new(LiveClock.now(), &self.view, &mut self.intents);
        call(self.strategy.as_mut(), &mut ctx);
        for intent in self.intents.drain(..) {
            let n = self.args.next_order.fetch_add(1, Ordering::Relaxed) + 1;
            let id = format!("s{}-{}-{n}", self.args.run, self.args.index);
            let Ok(client_order_id) = ClientOrderId::new(id) else { continue };
            let request = OrderRequest {
                client_order_id,
                origin: OrderOrigin::Strategy(self.args.id.clone()),
                intent,
                tag: None,
            };
            let sent = self.args.services.risk().try_send(|permit| RiskMsg::Intent {
                request,
                tick_received,
                reply: None,
                permit,
            });
            if let Err(e) = sent {
                // Never dropped silently: the strategy's order is refused, loudly.
                tracing::error!(strategy = %self.args.id, error = %e, "strategy order refused: risk queue");
                self.args.services.events.publish(EngineEvent::SystemAlert {
                    source: format!("strategy {}", self.args.id),
                    message: format!("order refused: {e}"),
                });
            }
        }
    }

    /// Rebuilds positions, open orders and cash from the router, so a respawned runner knows
    /// where it stands.
    async fn rebuild_view(&mut self) {
        let Some(router) = self.args.services.slots.router.get() else { return };
        let timeout = Some(Duration::from_secs(2));
        let orders =
            router.call(|reply| RouterMsg::Query(RouterQuery::Orders { open_only: false, reply }), timeout).await;
        let portfolio = router.call(|reply| RouterMsg::Query(RouterQuery::Portfolio(reply)), timeout).await;
        if let Ok(ractor::rpc::CallResult::Success(orders)) = orders {
            for order in orders.iter().filter(|o| is_strategy_order(&self.args.id, o)) {
                self.view.track(order);
            }
            self.view.positions = strategy_positions(&self.args.id, &orders);
        }
        if let Ok(ractor::rpc::CallResult::Success(portfolio)) = portfolio {
            self.view.cash = portfolio.cash;
        }
    }
}
