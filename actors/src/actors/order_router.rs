//! The order router actor: keeps the order book of record, sends approved orders to the broker,
//! books what the broker reports, and tells everyone.
//!
//! Durability (ARCHITECTURE §4): an order's record is appended to the journal before the order
//! goes to the broker, and an API submitter is answered only once that record is durable. A
//! strategy's order goes to the broker at once, its record committed alongside, so tick-to-order
//! latency never includes an fsync. Broker reports are journaled as they are applied.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use trader::model::{Fill, Order, OrderEvent, OrderId, OrderOrigin, OrderRequest, OrderStatus};
use trader::num::Quantity;
use trader::risk::RiskApproved;
use trader::time::{Clock, LiveClock, Timestamp};

use super::risk_gate::RiskMsg;
use super::strategy_runner::StrategyMsg;
use crate::broker::{Broker, BrokerReport};
use crate::engine::{Applied, Created, ExposureSnapshot, OrderBook, OrderFilter, OrderHistory, OrderPage};
use crate::events::EngineEvent;
use crate::metrics_names::{
    CHARGES_RUPEES, EQUITY_RUPEES, FILLS_TOTAL, GROSS_EXPOSURE_RUPEES, NET_EXPOSURE_RUPEES, ORDERS_TOTAL,
    PNL_REALISED_RUPEES, PNL_UNREALISED_RUPEES, TICK_TO_ORDER_SECONDS,
};
use crate::queue::{MarketBatch, MarketInbox, Permit};
use crate::records::JournalRecord;
use crate::services::Services;
use crate::submit_error::SubmitError;

pub enum RouterMsg {
    Submit {
        approved: RiskApproved<OrderRequest>,
        approval: u64,
        tick_received: Option<Instant>,
        reply: Option<RpcReplyPort<Result<Order, SubmitError>>>,
        permit: Permit,
    },
    Cancel {
        order_id: OrderId,
        reply: RpcReplyPort<Result<Order, SubmitError>>,
    },
    CancelAll {
        reply: RpcReplyPort<usize>,
    },
    /// Cancels every open order `filter` keeps; replies with the ids of those now cancelled or
    /// pending cancel, oldest first (an order whose cancel the broker refused is left out).
    CancelMatching {
        filter: OrderFilter,
        reply: RpcReplyPort<Vec<OrderId>>,
    },
    /// Changes an open order to the approved request's type and prices and to `quantity` in
    /// total (the approval was checked for what would remain). Replies once the change is
    /// durable; a broker refusal comes back as `SubmitError::BrokerRefused`. `seen_kind` and
    /// `seen_quantity` are the order's type and total as the caller read them: if the order
    /// changed since (another modification), the change is refused rather than overwrite it.
    Modify {
        order_id: OrderId,
        approved: RiskApproved<OrderRequest>,
        quantity: Quantity,
        seen_kind: trader::model::OrderKind,
        seen_quantity: Quantity,
        approval: u64,
        reply: RpcReplyPort<Result<Order, SubmitError>>,
        permit: Permit,
    },
    /// One page of the order list (`OrderBook::page`).
    ListOrders {
        filter: OrderFilter,
        after: Option<OrderId>,
        limit: usize,
        reply: RpcReplyPort<OrderPage>,
    },
    /// An order and its history, if it exists.
    History {
        id: OrderId,
        reply: RpcReplyPort<Option<(Order, OrderHistory)>>,
    },
    /// Quotes are waiting in the router's inbox (the paper broker matches against them).
    MarketWake,
    Query(RouterQuery),
    /// Send pending orders to the broker and resume working open ones, once after recovery.
    Restore,
    Ping(RpcReplyPort<()>),
}

pub enum RouterQuery {
    Orders {
        open_only: bool,
        reply: RpcReplyPort<Vec<Order>>,
    },
    Order {
        id: OrderId,
        reply: RpcReplyPort<Option<Order>>,
    },
    /// One strategy's open orders and the positions its fills built, computed in the router
    /// (no copy of the order history crosses the mailbox).
    StrategyExposure {
        id: trader::model::StrategyId,
        reply: RpcReplyPort<super::supervisor::deployments::Exposure>,
    },
    Portfolio(RpcReplyPort<trader::model::Portfolio>),
    Fills {
        limit: usize,
        reply: RpcReplyPort<Vec<Fill>>,
    },
    ByClientId {
        id: trader::model::ClientOrderId,
        reply: RpcReplyPort<Option<Order>>,
    },
    /// The fills after `after` with their books, the portfolio and the day, for the performance book.
    Performance {
        after: Option<trader::model::FillId>,
        reply: RpcReplyPort<crate::engine::RouterSnapshot>,
    },
}

/// What survives a router restart: the book and the broker, behind a lock only the router takes.
pub struct RouterCore {
    pub book: OrderBook,
    pub broker: Box<dyn Broker>,
    pub approvals_seen: u64,
    /// The IST date day P&L counts from (journaled, so a restart does not reset the daily loss).
    pub day: Option<trader::time::Date>,
    /// Instruments quoted since this process started: a day starts only once every open
    /// position is marked at a current price, never at the stale marks recovery leaves.
    pub marked: std::collections::BTreeSet<trader::model::InstrumentKey>,
}

pub struct RouterArgs {
    pub services: Services,
    pub core: Arc<Mutex<RouterCore>>,
    pub inbox: Arc<MarketInbox>,
}

pub struct OrderRouter;

pub struct RouterState {
    services: Services,
    core: Arc<Mutex<RouterCore>>,
    inbox: Arc<MarketInbox>,
    batch: MarketBatch,
    reports: Vec<BrokerReport>,
    /// The ack of the last record `journal_or_log` appended: a modification is answered once its
    /// last record is durable (the writer commits in order, so the earlier ones are too).
    last_ack: Option<crate::journal::PendingAck>,
    /// How many records `journal_or_log` could not append: a modification whose records did not
    /// all reach the journal is not answered as done (a restart would not know it happened).
    journal_failures: u64,
}

impl Actor for OrderRouter {
    type Msg = RouterMsg;
    type State = RouterState;
    type Arguments = RouterArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<RouterMsg>,
        args: RouterArgs,
    ) -> Result<RouterState, ActorProcessingErr> {
        // A predecessor may have died holding the inbox's wake-up: take what waits now.
        args.inbox.rearm();
        let _ = myself.cast(RouterMsg::MarketWake);
        Ok(RouterState {
            services: args.services,
            core: args.core,
            inbox: args.inbox,
            batch: MarketBatch::default(),
            reports: Vec::with_capacity(16),
            last_ack: None,
            journal_failures: 0,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<RouterMsg>,
        message: RouterMsg,
        state: &mut RouterState,
    ) -> Result<(), ActorProcessingErr> {
        let core = Arc::clone(&state.core);
        let mut core = core.lock().unwrap_or_else(|e| e.into_inner());
        match message {
            RouterMsg::Submit { approved, approval, tick_received, reply, permit } => {
                drop(permit);
                core.approvals_seen = core.approvals_seen.max(approval);
                state.submit(&mut core, approved, tick_received, reply);
                state.publish_exposure(&core);
            }
            RouterMsg::Cancel { order_id, reply } => {
                let result = state.cancel(&mut core, &order_id);
                let _ = reply.send(result);
                state.publish_exposure(&core);
            }
            RouterMsg::CancelAll { reply } => {
                let _ = reply.send(state.cancel_all(&mut core));
                state.publish_exposure(&core);
            }
            RouterMsg::CancelMatching { filter, reply } => {
                let _ = reply.send(state.cancel_matching(&mut core, &filter));
                state.publish_exposure(&core);
            }
            RouterMsg::Modify { order_id, approved, quantity, seen_kind, seen_quantity, approval, reply, permit } => {
                drop(permit);
                core.approvals_seen = core.approvals_seen.max(approval);
                state.modify(&mut core, &order_id, approved, quantity, (seen_kind, seen_quantity), reply);
                state.publish_exposure(&core);
            }
            RouterMsg::ListOrders { filter, after, limit, reply } => {
                let _ = reply.send(core.book.page(&filter, after.as_ref(), limit));
            }
            RouterMsg::History { id, reply } => {
                let found = core.book.order(&id).cloned().zip(core.book.history(&id).cloned());
                let _ = reply.send(found);
            }
            RouterMsg::MarketWake => {
                state.inbox.take(&mut state.batch);
                let quotes = std::mem::take(&mut state.batch.quotes);
                state.batch.bars.clear();
                for received in &quotes {
                    core.book.portfolio_mut().mark(&received.quote.instrument, received.quote.last);
                    if !core.marked.contains(&received.quote.instrument) {
                        core.marked.insert(received.quote.instrument.clone());
                    }
                    let mut reports = std::mem::take(&mut state.reports);
                    core.broker.on_quote(&received.quote, &mut reports);
                    state.apply_reports(&mut core, &mut reports, None);
                    state.reports = reports;
                }
                state.batch.quotes = quotes;
                state.batch.quotes.clear();
                state.roll_day_if_new(&mut core);
                state.publish_exposure(&core);
                record_portfolio_gauges(&core.book);
            }
            RouterMsg::Query(query) => match query {
                RouterQuery::Orders { open_only, reply } => {
                    let orders = core.book.orders().filter(|o| !open_only || o.status().is_open()).cloned().collect();
                    let _ = reply.send(orders);
                }
                RouterQuery::Order { id, reply } => {
                    let _ = reply.send(core.book.order(&id).cloned());
                }
                RouterQuery::StrategyExposure { id, reply } => {
                    let _ = reply.send(super::supervisor::deployments::Exposure::of(&id, core.book.orders()));
                }
                RouterQuery::Portfolio(reply) => {
                    let _ = reply.send(core.book.portfolio().clone());
                }
                RouterQuery::ByClientId { id, reply } => {
                    let _ = reply.send(core.book.by_client_id(&id).cloned());
                }
                RouterQuery::Fills { limit, reply } => {
                    let mut fills: Vec<Fill> = core.book.fills().rev().take(limit).cloned().collect();
                    fills.reverse();
                    let _ = reply.send(fills);
                }
                RouterQuery::Performance { after, reply } => {
                    let _ = reply.send(crate::engine::RouterSnapshot::take(&core.book, core.day, after.as_ref()));
                }
            },
            RouterMsg::Ping(reply) => {
                let _ = reply.send(());
            }
            RouterMsg::Restore => {
                state.restore(&mut core);
                state.publish_exposure(&core);
            }
        }
        Ok(())
    }
}

fn now() -> Timestamp {
    LiveClock.now()
}

impl RouterState {
    fn journal(&self, record: &JournalRecord) -> Result<crate::journal::PendingAck, SubmitError> {
        let bytes = record.encode()?;
        Ok(self.services.journal.append(bytes)?)
    }

    /// At the first event of a new IST day, day P&L starts again from the current equity.
    fn roll_day_if_new(&mut self, core: &mut RouterCore) {
        let today = now().ist().0;
        if core.day == Some(today) {
            return;
        }
        let portfolio = core.book.portfolio();
        let unmarked = portfolio.positions.values().any(|p| p.net != 0 && !core.marked.contains(&p.instrument));
        if unmarked {
            return;
        }
        core.book.portfolio_mut().roll_day();
        core.day = Some(today);
        let start_equity = core.book.portfolio().start_of_day_equity;
        tracing::info!(date = %today, %start_equity, "new trading day");
        if let Err(e) = self.journal(&JournalRecord::DayStarted { date: today, start_equity }) {
            tracing::error!(error = %e, "day start not journaled");
        }
    }

    /// Appends without waiting; a refusal is logged loudly (recovery reconciles what is missing).
    fn journal_or_log(&mut self, record: &JournalRecord) {
        match self.journal(record) {
            Ok(ack) => self.last_ack = Some(ack),
            Err(e) => {
                self.journal_failures += 1;
                tracing::error!(error = %e, "record not journaled; recovery will reconcile");
            }
        }
    }

    /// Why new risk may not be taken now, judged by the journal: nothing that cannot be made
    /// durable is traded, and broker reports of orders already out keep the last quarter of the
    /// queue for themselves.
    fn journal_refusal(&self) -> Option<String> {
        let journal = self.services.journal.stats();
        if journal.failed_batches > 0 {
            Some(format!("the journal failed {} commits; new orders are refused", journal.failed_batches))
        } else if journal.queue_depth * 4 >= journal.queue_capacity * 3 {
            Some(format!(
                "the journal is falling behind ({} of {} records waiting); new orders are refused",
                journal.queue_depth, journal.queue_capacity
            ))
        } else {
            None
        }
    }

    fn submit(
        &mut self,
        core: &mut RouterCore,
        approved: RiskApproved<OrderRequest>,
        tick_received: Option<Instant>,
        reply: Option<RpcReplyPort<Result<Order, SubmitError>>>,
    ) {
        // New orders stop while the journal queue is three quarters full, keeping room for the
        // broker reports of orders already out: those must never be the records refused.
        // After a failed commit (redb fails every later one too) nothing new can be made
        // durable, so nothing new is traded.
        if let Some(refusal) = self.journal_refusal() {
            let e = SubmitError::Journal(refusal);
            tracing::error!(client_order_id = %approved.client_order_id, "{e}");
            if let Some(reply) = reply {
                let _ = reply.send(Err(e));
            }
            return;
        }
        let (order, record) = match core.book.create(approved, now()) {
            Created::Existing(order) => {
                if let Some(reply) = reply {
                    let _ = reply.send(Ok(order));
                }
                return;
            }
            Created::New(order) => {
                let record = JournalRecord::OrderCreated { order: order.clone() };
                (order, record)
            }
        };
        let ack = match self.journal(&record) {
            Ok(ack) => ack,
            Err(e) => {
                // Not durable, so it never existed: refuse it rather than trade on it.
                core.book.forget(&order.id);
                tracing::error!(order_id = %order.id, error = %e, "order refused: journal unavailable");
                self.services
                    .events
                    .publish(EngineEvent::SystemAlert { source: "journal".into(), message: e.to_string() });
                if let Some(reply) = reply {
                    let _ = reply.send(Err(e));
                }
                return;
            }
        };
        tracing::info!(order_id = %order.id, client_order_id = %order.request.client_order_id,
            instrument = %order.request.intent.instrument, side = %order.request.intent.side,
            quantity = %order.request.intent.quantity, kind = order.request.intent.kind.name(), "order created");
        self.send_to_broker(core, &order, tick_received);
        if let Some(reply) = reply {
            let id = order.id.clone();
            let latest = core.book.order(&id).cloned().unwrap_or(order);
            tokio::spawn(async move {
                let answer = ack.wait().await.map(|_| latest).map_err(SubmitError::from);
                let _ = reply.send(answer);
            });
        }
    }

    fn send_to_broker(&mut self, core: &mut RouterCore, order: &Order, tick_received: Option<Instant>) {
        let mut reports = std::mem::take(&mut self.reports);
        let instrument = core.book.instruments().get(&order.request.intent.instrument).cloned();
        let result = match &instrument {
            Some(instrument) => core.broker.submit(order, instrument, now(), &mut reports),
            None => Err(crate::broker::BrokerError::Permanent(format!(
                "unknown instrument {}",
                order.request.intent.instrument
            ))),
        };
        if let Err(e) = result {
            tracing::warn!(order_id = %order.id, error = %e, "broker did not take the order");
            reports.push(BrokerReport::Rejected { order_id: order.id.clone(), reason: e.to_string() });
        }
        self.apply_reports(core, &mut reports, tick_received);
        self.reports = reports;
    }

    fn apply_reports(
        &mut self,
        core: &mut RouterCore,
        reports: &mut Vec<BrokerReport>,
        tick_received: Option<Instant>,
    ) {
        for report in reports.drain(..) {
            if let (BrokerReport::Accepted { .. }, Some(received)) = (&report, tick_received) {
                metrics::histogram!(TICK_TO_ORDER_SECONDS).record(received.elapsed().as_secs_f64());
            }
            let applied = core.book.apply_report(report, now());
            self.publish(core, applied);
        }
    }

    fn publish(&mut self, core: &RouterCore, applied: Applied) {
        if let Some(problem) = &applied.problem {
            tracing::error!("{problem}");
        }
        for record in &applied.records {
            self.journal_or_log(record);
        }
        let cash = core.book.portfolio().cash;
        if let Some(order) = applied.order {
            metrics::counter!(ORDERS_TOTAL, "status" => order.status().as_str()).increment(1);
            tracing::info!(order_id = %order.id, status = order.status().as_str(), filled = %order.filled(), "order update");
            if let OrderOrigin::Strategy(id) = &order.request.origin {
                self.services.slots.strategy(id).cast(StrategyMsg::OrderUpdate(order.clone()));
                if let Some(fill) = &applied.fill {
                    self.services.slots.strategy(id).cast(StrategyMsg::Fill { fill: fill.clone(), cash });
                }
            }
            self.services.events.publish(EngineEvent::Order { order });
        }
        if let Some(fill) = applied.fill {
            metrics::counter!(FILLS_TOTAL).increment(1);
            tracing::info!(order_id = %fill.order_id, fill_id = %fill.id, side = %fill.side, quantity = %fill.quantity,
                price = %fill.price, charges = %fill.charges.total(), "fill");
            self.services.events.publish(EngineEvent::Fill { fill });
            record_portfolio_gauges(&core.book);
        }
    }

    /// Modifies an open order: `ModifyRequested` is journaled before the broker hears of it, the
    /// broker's answer (`Modified` or `ModifyRejected`, and any fills of the changed order) is
    /// applied and journaled, and the submitter is answered once the last of those records is
    /// durable. A restart in between finds the order `PendingModify` and settles it refused
    /// (`restore`), so an answered modification is never lost and an unanswered one never half
    /// applied.
    fn modify(
        &mut self,
        core: &mut RouterCore,
        id: &OrderId,
        approved: RiskApproved<OrderRequest>,
        quantity: Quantity,
        seen: (trader::model::OrderKind, Quantity),
        reply: RpcReplyPort<Result<Order, SubmitError>>,
    ) {
        let result = self.modify_now(core, id, approved.into_inner().intent.kind, quantity, seen);
        match result {
            Ok((order, ack)) => {
                tokio::spawn(async move {
                    let _ = reply.send(ack.wait().await.map(|_| order).map_err(SubmitError::from));
                });
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    fn modify_now(
        &mut self,
        core: &mut RouterCore,
        id: &OrderId,
        kind: trader::model::OrderKind,
        quantity: Quantity,
        (seen_kind, seen_quantity): (trader::model::OrderKind, Quantity),
    ) -> Result<(Order, crate::journal::PendingAck), SubmitError> {
        let Some(current) = core.book.order(id) else {
            return Err(SubmitError::UnknownOrder(id.clone()));
        };
        // The new kind and total were computed from the caller's copy, and the risk gate took
        // that copy's remainder out of the open quantity: applied to a changed order they would
        // overwrite the other change and misjudge the position limit.
        if current.request.intent.kind != seen_kind || current.quantity() != seen_quantity {
            return Err(SubmitError::Changed(id.clone()));
        }
        if let Some(refusal) = self.journal_refusal() {
            return Err(SubmitError::Journal(refusal));
        }
        // Not durable, not applied: a request the journal refused leaves the order (and its
        // history) as it was, and nothing reaches the broker.
        let (order, requested) = core
            .book
            .apply_event_durably(id, OrderEvent::ModifyRequested { kind, quantity }, now(), |record| {
                self.journal(record)
            })
            .map_err(|e| SubmitError::Invalid(e.to_string()))?
            .inspect_err(
                |e| tracing::error!(order_id = %id, error = %e, "modification refused: journal unavailable"),
            )?;
        self.services.events.publish(EngineEvent::Order { order: order.clone() });
        let instrument = core.book.instruments().get(&order.request.intent.instrument).cloned();
        let mut reports = std::mem::take(&mut self.reports);
        let sent = match &instrument {
            Some(instrument) => core.broker.modify(&order, kind, quantity, instrument, now(), &mut reports),
            None => Err(crate::broker::BrokerError::Permanent(format!(
                "unknown instrument {}",
                order.request.intent.instrument
            ))),
        };
        if let Err(e) = sent {
            reports.push(BrokerReport::ModifyRejected { order_id: id.clone(), reason: e.to_string() });
        }
        let refused = reports.iter().find_map(|r| match r {
            BrokerReport::ModifyRejected { order_id, reason } if order_id == id => Some(reason.clone()),
            _ => None,
        });
        self.last_ack = None;
        let failures = self.journal_failures;
        self.apply_reports(core, &mut reports, None);
        self.reports = reports;
        if self.journal_failures != failures {
            // The broker changed the order but the journal does not say so: after a restart
            // the order would come back as it was and the broker's fills would overfill it.
            let message =
                format!("order {id} was changed at the broker but the change could not be journaled; check the order");
            tracing::error!(order_id = %id, "{message}");
            self.services
                .events
                .publish(EngineEvent::SystemAlert { source: "journal".into(), message: message.clone() });
            return Err(SubmitError::Journal(message));
        }
        if let Some(reason) = refused {
            tracing::info!(order_id = %id, %reason, "modification refused by the broker");
            return Err(SubmitError::BrokerRefused(reason));
        }
        tracing::info!(order_id = %id, %quantity, kind = kind.name(), "order modified");
        let latest = core.book.order(id).cloned().ok_or_else(|| SubmitError::UnknownOrder(id.clone()))?;
        // Every record of this change was appended after `ModifyRequested`: the last one's ack
        // covers them all. A broker that confirms later leaves only `ModifyRequested` to wait for.
        Ok((latest, self.last_ack.take().unwrap_or(requested)))
    }

    /// Cancels every open order; how many are now cancelled or pending cancel.
    fn cancel_all(&mut self, core: &mut RouterCore) -> usize {
        let open: Vec<OrderId> = core.book.open_orders().map(|o| o.id.clone()).collect();
        open.iter().filter(|id| self.cancel_took(core, id)).count()
    }

    /// Cancels the open orders `filter` keeps (only open ones are looked at, never the whole
    /// history); the ids of those now cancelled or pending cancel, oldest first.
    fn cancel_matching(&mut self, core: &mut RouterCore, filter: &OrderFilter) -> Vec<OrderId> {
        let open: Vec<OrderId> = core
            .book
            .open_orders_oldest_first()
            .into_iter()
            .filter(|o| filter.matches(o))
            .map(|o| o.id.clone())
            .collect();
        open.into_iter().filter(|id| self.cancel_took(core, id)).collect()
    }

    /// Cancels `id`; true if it is now cancelled or pending cancel (not if the broker refused).
    fn cancel_took(&mut self, core: &mut RouterCore, id: &OrderId) -> bool {
        self.cancel(core, id)
            .is_ok_and(|order| matches!(order.status(), OrderStatus::Cancelled | OrderStatus::PendingCancel))
    }

    fn cancel(&mut self, core: &mut RouterCore, id: &OrderId) -> Result<Order, SubmitError> {
        let order = core.book.order(id).ok_or_else(|| SubmitError::UnknownOrder(id.clone()))?;
        if order.status() == OrderStatus::Pending {
            let (order, record) = core
                .book
                .apply_event(id, OrderEvent::Cancelled, now())
                .map_err(|e| SubmitError::Invalid(e.to_string()))?;
            self.journal_or_log(&record);
            return Ok(order);
        }
        let (_, record) = core
            .book
            .apply_event(id, OrderEvent::CancelRequested, now())
            .map_err(|e| SubmitError::Invalid(e.to_string()))?;
        // A cancel reduces risk: it goes to the broker even if the journal cannot take its record.
        self.journal_or_log(&record);
        let mut reports = std::mem::take(&mut self.reports);
        if let Err(e) = core.broker.cancel(id, &mut reports) {
            if let Ok((_, record)) =
                core.book.apply_event(id, OrderEvent::CancelRejected { reason: e.to_string() }, now())
            {
                self.journal_or_log(&record);
            }
        }
        self.apply_reports(core, &mut reports, None);
        self.reports = reports;
        core.book.order(id).cloned().ok_or_else(|| SubmitError::UnknownOrder(id.clone()))
    }

    fn restore(&mut self, core: &mut RouterCore) {
        let open: Vec<Order> = core.book.open_orders().cloned().collect();
        for order in open {
            let id = order.id.clone();
            match order.status() {
                // Durable but never sent (the daemon stopped in between): send it now.
                OrderStatus::Pending => {
                    self.send_to_broker(core, &order, None);
                    continue;
                }
                // The cancel was asked for before the restart: finish it rather than resume work.
                OrderStatus::PendingCancel => {
                    self.settle(core, &id, OrderEvent::Cancelled);
                    continue;
                }
                OrderStatus::PendingModify => {
                    self.settle(core, &id, OrderEvent::ModifyRejected { reason: "the daemon restarted".into() });
                }
                _ => {}
            }
            let Some(order) = core.book.order(&id).cloned() else { continue };
            let instrument = core.book.instruments().get(&order.request.intent.instrument).cloned();
            let mut reports = std::mem::take(&mut self.reports);
            let resumed = match &instrument {
                Some(instrument) => core.broker.restore(&order, instrument, now(), &mut reports),
                None => Err(crate::broker::BrokerError::Permanent(format!(
                    "instrument {} is no longer configured",
                    order.request.intent.instrument
                ))),
            };
            match resumed {
                Ok(()) => tracing::info!(order_id = %id, "open order resumed after restart"),
                Err(e) => {
                    // Nothing works the order any more: say so instead of leaving it open forever.
                    tracing::error!(order_id = %id, error = %e, "open order could not be resumed; cancelling it");
                    self.settle(core, &id, OrderEvent::Cancelled);
                }
            }
            self.apply_reports(core, &mut reports, None);
            self.reports = reports;
        }
    }

    /// Applies an event of our own to an order, journals and publishes it.
    fn settle(&mut self, core: &mut RouterCore, id: &OrderId, event: OrderEvent) {
        match core.book.apply_event(id, event, now()) {
            Ok((order, record)) => {
                self.journal_or_log(&record);
                self.services.events.publish(EngineEvent::Order { order });
            }
            Err(e) => tracing::error!(order_id = %id, error = %e, "order could not be settled"),
        }
    }

    fn publish_exposure(&self, core: &RouterCore) {
        let portfolio = core.book.portfolio();
        let mut snapshot = ExposureSnapshot {
            approvals_seen: core.approvals_seen,
            gross_exposure: portfolio.gross_exposure(),
            day_pnl: portfolio.day_pnl(),
            ..ExposureSnapshot::default()
        };
        for (key, position) in &portfolio.positions {
            snapshot.instruments.entry(key.clone()).or_default().position = position.net;
        }
        for order in core.book.open_orders() {
            let entry = snapshot.instruments.entry(order.request.intent.instrument.clone()).or_default();
            match order.request.intent.side {
                trader::model::Side::Buy => entry.open_buy += order.remaining().units(),
                trader::model::Side::Sell => entry.open_sell += order.remaining().units(),
            }
        }
        self.services.slots.risk.cast(RiskMsg::Exposure(snapshot));
    }
}

fn rupees(m: trader::num::Money) -> f64 {
    m.micros() as f64 / 1e6
}

fn record_portfolio_gauges(book: &OrderBook) {
    let p = book.portfolio();
    metrics::gauge!(EQUITY_RUPEES).set(rupees(p.equity()));
    metrics::gauge!(PNL_REALISED_RUPEES).set(rupees(p.realised()));
    metrics::gauge!(PNL_UNREALISED_RUPEES).set(rupees(p.unrealised()));
    metrics::gauge!(GROSS_EXPOSURE_RUPEES).set(rupees(p.gross_exposure()));
    metrics::gauge!(NET_EXPOSURE_RUPEES).set(rupees(p.net_exposure()));
    metrics::gauge!(CHARGES_RUPEES).set(rupees(p.charges_paid));
}

#[cfg(test)]
pub(crate) mod tests {
    use std::num::NonZeroUsize;

    use trader::model::{
        ClientOrderId, Instrument, InstrumentRegistry, OrderIntent, OrderKind, OrderOrigin, Product, Side, Validity,
    };
    use trader::num::{Money, Price};

    use super::*;
    use crate::broker::{BrokerError, PaperBroker};
    use crate::engine::{OrderFilter, StatusFilter};
    use crate::journal::{JournalConfig, JournalHandle, JournalWriter, MemoryStore};
    use crate::recovery::RecoveredState;

    pub(crate) fn reliance() -> Instrument {
        Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap()
    }

    pub(crate) fn limit(rupees: i64) -> OrderKind {
        OrderKind::Limit { price: Price::from_micros(rupees * 1_000_000) }
    }

    /// A broker that works orders like the paper broker, with a hook on modify and cancel.
    struct TestBroker {
        inner: PaperBroker,
        /// Closed right after the broker confirms a modification, before the router journals it.
        close_on_modify: Option<JournalHandle>,
        refuse_cancel: bool,
    }

    impl Broker for TestBroker {
        fn name(&self) -> &'static str {
            "test"
        }
        fn submit(
            &mut self,
            order: &Order,
            instrument: &trader::model::Instrument,
            now: Timestamp,
            out: &mut Vec<BrokerReport>,
        ) -> Result<(), crate::broker::BrokerError> {
            self.inner.submit(order, instrument, now, out)
        }
        fn cancel(&mut self, order_id: &OrderId, out: &mut Vec<BrokerReport>) -> Result<(), BrokerError> {
            if self.refuse_cancel {
                return Err(BrokerError::Permanent(format!("order {order_id} is at the exchange's auction")));
            }
            self.inner.cancel(order_id, out)
        }
        fn modify(
            &mut self,
            order: &Order,
            kind: OrderKind,
            quantity: Quantity,
            instrument: &trader::model::Instrument,
            now: Timestamp,
            out: &mut Vec<BrokerReport>,
        ) -> Result<(), BrokerError> {
            let result = self.inner.modify(order, kind, quantity, instrument, now, out);
            if let Some(journal) = &self.close_on_modify {
                journal.close();
            }
            result
        }
        fn restore(
            &mut self,
            order: &Order,
            instrument: &trader::model::Instrument,
            now: Timestamp,
            out: &mut Vec<BrokerReport>,
        ) -> Result<(), BrokerError> {
            self.inner.restore(order, instrument, now, out)
        }
    }

    struct Harness {
        state: RouterState,
        core: RouterCore,
        journal: JournalHandle,
    }

    /// A journal in memory.
    pub(crate) fn memory_journal() -> JournalHandle {
        let config =
            JournalConfig { queue_capacity: NonZeroUsize::new(64).unwrap(), max_batch: NonZeroUsize::new(16).unwrap() };
        JournalWriter::start(MemoryStore::new(), config).unwrap().0
    }

    /// Services on `journal` with RELIANCE as the one instrument and empty slots.
    pub(crate) fn services(journal: JournalHandle) -> Services {
        let mut registry = InstrumentRegistry::new();
        registry.insert(reliance());
        Services {
            config: Arc::new(trader::config::TraderConfig::default()),
            instruments: Arc::new(registry),
            journal,
            events: crate::events::EventBus::new(64),
            quotes: Arc::new(crate::quote_board::QuoteBoard::default()),
            bars: Arc::new(Mutex::new(trader::bars::BarAggregator::new(&trader::bars::BarsConfig::default()))),
            status: Arc::new(crate::status_board::StatusBoard::default()),
            slots: crate::services::Slots::default(),
            risk_queue: crate::queue::QueueMeter::new("risk_gate", 16),
            router_queue: crate::queue::QueueMeter::new("order_router", 16),
        }
    }

    /// An empty book of `services`' instruments.
    pub(crate) fn empty_core(services: &Services) -> RouterCore {
        RouterCore {
            book: OrderBook::new(
                RecoveredState::empty(Money::from_rupees(1_000_000).unwrap()),
                (*services.instruments).clone(),
                trader::charges::CostModel::Commission(trader::num::Rate::ZERO),
            ),
            broker: Box::new(PaperBroker::new(Default::default())),
            approvals_seen: 0,
            day: None,
            marked: Default::default(),
        }
    }

    /// A router with `count` accepted limit buys of 10 RELIANCE at ₹100 (ids `o1-1`, `o1-2`, …)
    /// working at the broker, and an in-memory journal.
    fn harness(count: u64, broker: impl FnOnce(&JournalHandle) -> TestBroker) -> Harness {
        let journal = memory_journal();
        let instrument = reliance();
        let services = services(journal.clone());
        let registry = (*services.instruments).clone();
        let mut recovered = RecoveredState::empty(Money::from_rupees(1_000_000).unwrap());
        let at = Timestamp::from_seconds(1_800_000_000).unwrap();
        for n in 1..=count {
            let request = OrderRequest {
                client_order_id: ClientOrderId::new(format!("c{n}")).unwrap(),
                origin: OrderOrigin::Manual,
                intent: OrderIntent {
                    instrument: instrument.key.clone(),
                    side: Side::Buy,
                    quantity: Quantity::new(10),
                    kind: limit(100),
                    validity: Validity::Day,
                    product: Product::Intraday,
                },
                tag: None,
            };
            let id = OrderId::new(format!("o1-{n}")).unwrap();
            let mut order = Order::new(id.clone(), request, at);
            order.apply(&OrderEvent::Accepted, at).unwrap();
            recovered.by_client_id.insert(order.request.client_order_id.clone(), id.clone());
            recovered.order_history.insert(id.clone(), crate::engine::OrderHistory::created(&order));
            recovered.orders.insert(id, order);
        }
        let book = OrderBook::new(recovered, registry, trader::charges::CostModel::Commission(trader::num::Rate::ZERO));
        let mut core = RouterCore {
            book,
            broker: Box::new(broker(&journal)),
            approvals_seen: 0,
            day: None,
            marked: Default::default(),
        };
        let mut state = RouterState {
            // The actor's own core; these tests hand theirs to the methods directly.
            core: Arc::new(Mutex::new(empty_core(&services))),
            services,
            inbox: Arc::new(MarketInbox::new("order_router", 16)),
            batch: MarketBatch::default(),
            reports: Vec::new(),
            last_ack: None,
            journal_failures: 0,
        };
        state.restore(&mut core);
        Harness { state, core, journal }
    }

    fn paper(_: &JournalHandle) -> TestBroker {
        TestBroker { inner: PaperBroker::new(Default::default()), close_on_modify: None, refuse_cancel: false }
    }

    fn id(n: u64) -> OrderId {
        OrderId::new(format!("o1-{n}")).unwrap()
    }

    #[tokio::test]
    async fn a_modification_computed_from_a_stale_read_is_refused_and_the_first_stays() {
        let mut h = harness(1, paper);
        let read = h.core.book.order(&id(1)).cloned().unwrap();
        let seen = (read.request.intent.kind, read.quantity());
        // Both callers read ₹100 × 10; the first moves the price, the second the quantity.
        let (first, ack) = h.state.modify_now(&mut h.core, &id(1), limit(101), Quantity::new(10), seen).unwrap();
        ack.wait().await.unwrap();
        assert_eq!(first.request.intent.kind, limit(101));
        let second = h.state.modify_now(&mut h.core, &id(1), limit(100), Quantity::new(40), seen);
        match second {
            Err(e @ SubmitError::Changed(_)) => assert!(e.to_string().contains("changed since it was read"), "{e}"),
            other => panic!("expected a refusal, got {:?}", other.map(|(o, _)| o)),
        }
        let now = h.core.book.order(&id(1)).unwrap();
        assert_eq!(now.request.intent.kind, limit(101));
        assert_eq!(now.quantity(), Quantity::new(10));
        assert_eq!(now.status(), OrderStatus::Accepted);
        // A caller who read the changed order may change it.
        let fresh = (limit(101), Quantity::new(10));
        let (third, _) = h.state.modify_now(&mut h.core, &id(1), limit(102), Quantity::new(20), fresh).unwrap();
        assert_eq!((third.request.intent.kind, third.quantity()), (limit(102), Quantity::new(20)));
    }

    #[tokio::test]
    async fn a_modification_whose_confirmation_was_not_journaled_is_not_answered_ok() {
        let mut h = harness(1, |journal| TestBroker { close_on_modify: Some(journal.clone()), ..paper(journal) });
        let seen = (limit(100), Quantity::new(10));
        let answer = h.state.modify_now(&mut h.core, &id(1), limit(101), Quantity::new(10), seen);
        match answer {
            Err(SubmitError::Journal(message)) => assert!(message.contains("could not be journaled"), "{message}"),
            other => panic!("expected a journal error, got {:?}", other.map(|(o, _)| o)),
        }
    }

    #[tokio::test]
    async fn a_modification_request_the_journal_refused_leaves_the_order_untouched() {
        let mut h = harness(1, paper);
        let before = h.core.book.order(&id(1)).cloned().unwrap();
        let history_before = h.core.book.history(&id(1)).cloned().unwrap();
        h.journal.close();
        let answer =
            h.state.modify_now(&mut h.core, &id(1), limit(101), Quantity::new(10), (limit(100), Quantity::new(10)));
        assert!(matches!(answer, Err(SubmitError::Journal(_))), "{:?}", answer.map(|(o, _)| o));
        // No rejection was made up for a request that never was: the order and its history are
        // exactly as they were, and nothing failed to journal along the way.
        assert_eq!(h.core.book.order(&id(1)), Some(&before));
        assert_eq!(h.core.book.history(&id(1)), Some(&history_before));
        assert_eq!(h.state.journal_failures, 0);
    }

    #[tokio::test]
    async fn cancel_all_lists_only_orders_whose_cancel_took_oldest_first() {
        let mut h = harness(11, paper);
        let all = OrderFilter { status: StatusFilter::Open, ..OrderFilter::default() };
        let cancelled = h.state.cancel_matching(&mut h.core, &all);
        // Creation order: o1-2 … o1-9 before o1-10 and o1-11, though their text sorts after.
        assert_eq!(cancelled, (1..=11).map(id).collect::<Vec<_>>());

        let mut h = harness(2, |journal| TestBroker { refuse_cancel: true, ..paper(journal) });
        assert_eq!(h.state.cancel_matching(&mut h.core, &all), Vec::<OrderId>::new());
        assert_eq!(h.state.cancel_all(&mut h.core), 0);
        assert_eq!(h.core.book.order(&id(1)).unwrap().status(), OrderStatus::Accepted);
    }
}
