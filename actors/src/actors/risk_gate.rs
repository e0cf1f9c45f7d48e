//! The risk gate actor: every order intent, from strategies and the API alike, passes the core's
//! `RiskGate` here. Approved orders go on to the router; refusals go back to the submitter (API),
//! to the log and metrics, and to the event stream.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use trader::model::{ClientOrderId, Order, OrderKind, OrderOrigin, OrderRequest};
use trader::num::Quantity;
use trader::risk::{Refusal, RiskGate, RiskLimits, TradingState};
use trader::time::{Clock, LiveClock};

use super::order_router::RouterMsg;
use crate::engine::{ExposureSnapshot, RiskView};
use crate::events::EngineEvent;
use crate::metrics_names::{RISK_REFUSALS_TOTAL, TRADING_STATE};
use crate::queue::Permit;
use crate::records::JournalRecord;
use crate::services::Services;
use crate::submit_error::SubmitError;

pub enum RiskMsg {
    /// An order to check. API orders carry a reply port and get their order back once durable.
    Intent {
        request: OrderRequest,
        /// When the tick that led to it arrived (strategy orders), for tick-to-order latency.
        tick_received: Option<Instant>,
        reply: Option<RpcReplyPort<Result<Order, SubmitError>>>,
        permit: Permit,
    },
    /// A change to an open order (`order`, as the submitter last saw it) to `kind` and
    /// `quantity` in total. Checked like a new order for what would remain, with the order's
    /// current remainder no longer counted as open; goes on to the router, which answers once
    /// the change is durable.
    Modify {
        order: Box<Order>,
        kind: OrderKind,
        quantity: Quantity,
        reply: RpcReplyPort<Result<Order, SubmitError>>,
        permit: Permit,
    },
    /// The router's view after a change.
    Exposure(ExposureSnapshot),
    /// The kill switch. Journaled before it takes effect; replies once durable.
    SetTradingState {
        state: TradingState,
        reason: String,
        reply: RpcReplyPort<Result<(), SubmitError>>,
    },
    GetTradingState(RpcReplyPort<TradingState>),
    /// SIGHUP reload.
    SetLimits(RiskLimits),
    /// The limits in force (config reload and `PUT /api/v1/admin/risk-limits` read them).
    GetLimits(RpcReplyPort<RiskLimits>),
    Ping(RpcReplyPort<()>),
}

pub struct RiskGateActor;

/// What survives a risk gate restart: the kill switch, the (reloaded) limits with their rate
/// buckets, and the exposure view with its in-flight approvals.
pub struct RiskCore {
    pub gate: RiskGate,
    pub view: RiskView,
    pub trading_state: TradingState,
}

impl RiskCore {
    pub fn new(limits: RiskLimits, trading_state: TradingState) -> RiskCore {
        RiskCore { gate: RiskGate::new(limits), view: RiskView::default(), trading_state }
    }
}

pub struct RiskGateArgs {
    pub services: Services,
    pub core: Arc<Mutex<RiskCore>>,
}

pub struct RiskGateState {
    services: Services,
    core: Arc<Mutex<RiskCore>>,
}

pub fn trading_state_gauge(state: TradingState) -> f64 {
    match state {
        TradingState::Active => 0.0,
        TradingState::Reducing => 1.0,
        TradingState::Halted => 2.0,
    }
}

impl Actor for RiskGateActor {
    type Msg = RiskMsg;
    type State = RiskGateState;
    type Arguments = RiskGateArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<RiskMsg>,
        args: RiskGateArgs,
    ) -> Result<RiskGateState, ActorProcessingErr> {
        let state = args.core.lock().unwrap_or_else(|e| e.into_inner()).trading_state;
        metrics::gauge!(TRADING_STATE).set(trading_state_gauge(state));
        Ok(RiskGateState { services: args.services, core: args.core })
    }

    async fn handle(
        &self,
        _myself: ActorRef<RiskMsg>,
        message: RiskMsg,
        state: &mut RiskGateState,
    ) -> Result<(), ActorProcessingErr> {
        let core = Arc::clone(&state.core);
        let mut core = core.lock().unwrap_or_else(|e| e.into_inner());
        match message {
            RiskMsg::Intent { request, tick_received, reply, permit } => {
                drop(permit);
                state.check(&mut core, request, tick_received, reply);
            }
            RiskMsg::Modify { order, kind, quantity, reply, permit } => {
                drop(permit);
                state.check_modify(&mut core, &order, kind, quantity, reply);
            }
            RiskMsg::Exposure(snapshot) => core.view.update(snapshot),
            RiskMsg::SetTradingState { state: next, reason, reply } => {
                let record = JournalRecord::TradingState { state: next, at: LiveClock.now(), reason: reason.clone() };
                let ack = record
                    .encode()
                    .map_err(SubmitError::from)
                    .and_then(|bytes| state.services.journal.append(bytes).map_err(SubmitError::from));
                match ack {
                    Ok(ack) => {
                        // Takes effect at once; the operator's answer waits for durability.
                        core.trading_state = next;
                        metrics::gauge!(TRADING_STATE).set(trading_state_gauge(next));
                        tracing::warn!(state = %next, %reason, "trading state changed");
                        state.services.events.publish(EngineEvent::TradingState { state: next, reason });
                        tokio::spawn(async move {
                            let _ = reply.send(ack.wait().await.map(|_| ()).map_err(SubmitError::from));
                        });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            RiskMsg::Ping(reply) => {
                let _ = reply.send(());
            }
            RiskMsg::GetTradingState(reply) => {
                let _ = reply.send(core.trading_state);
            }
            RiskMsg::GetLimits(reply) => {
                let _ = reply.send(core.gate.limits().clone());
            }
            RiskMsg::SetLimits(limits) => {
                tracing::info!("risk limits reloaded");
                core.gate.set_limits(limits);
            }
        }
        Ok(())
    }
}

impl RiskGateState {
    /// A modification passes every rule a new order does, spending a rate token too; the core's
    /// `RiskGate::check_modify` checks the order as it would stand. A total not above what has
    /// filled is no change the gate can judge: it is invalid.
    fn check_modify(
        &mut self,
        core: &mut RiskCore,
        order: &Order,
        kind: OrderKind,
        quantity: Quantity,
        reply: RpcReplyPort<Result<Order, SubmitError>>,
    ) {
        if quantity <= order.filled() {
            let message = format!("new quantity {quantity} must be above the filled quantity {}", order.filled());
            let _ = reply.send(Err(SubmitError::Invalid(message)));
            return;
        }
        let key = order.request.intent.instrument.clone();
        let side = order.request.intent.side;
        let instrument = self.services.instruments.get(&key);
        let now = LiveClock.now();
        let last_trade = self.services.quotes.last_trade(&key);
        let ctx = core.view.context(&key, instrument, last_trade, core.trading_state, now);
        let approved = match core.gate.check_modify(&ctx, order, kind, quantity) {
            Ok(approved) => approved,
            Err(refusal) => {
                self.refused(&order.request.client_order_id, &order.request.origin, &refusal);
                let _ = reply.send(Err(SubmitError::Refused(refusal)));
                return;
            }
        };
        // Until the router has seen it, the increase of what is open counts as in flight.
        let increase = approved.intent.quantity.units().saturating_sub(order.remaining().units());
        let approval = core.view.approved(key, side, increase);
        let mut reply = Some(reply);
        let order_id = order.id.clone();
        let sent = self.services.router().try_send(|permit| RouterMsg::Modify {
            order_id,
            approved,
            quantity,
            seen_kind: order.request.intent.kind,
            seen_quantity: order.quantity(),
            approval,
            reply: reply.take().expect("taken once"),
            permit,
        });
        if let Err(e) = sent {
            core.view.withdraw(approval);
            tracing::error!(order_id = %order.id, error = %e, "approved modification refused by the router queue");
            if let Some(reply) = reply {
                let _ = reply.send(Err(SubmitError::Queue(e)));
            }
        }
    }

    /// Counts, logs and publishes a refusal.
    fn refused(&self, client_order_id: &ClientOrderId, origin: &OrderOrigin, refusal: &Refusal) {
        let origin = match origin {
            OrderOrigin::Strategy(id) => id.to_string(),
            OrderOrigin::Manual => "manual".to_owned(),
        };
        metrics::counter!(RISK_REFUSALS_TOTAL, "reason" => refusal.code()).increment(1);
        tracing::info!(%client_order_id, %origin, code = refusal.code(), "order refused: {refusal}");
        self.services.events.publish(EngineEvent::Refusal {
            client_order_id: client_order_id.to_string(),
            origin,
            code: refusal.code(),
            message: refusal.to_string(),
        });
    }

    fn check(
        &mut self,
        core: &mut RiskCore,
        request: OrderRequest,
        tick_received: Option<Instant>,
        reply: Option<RpcReplyPort<Result<Order, SubmitError>>>,
    ) {
        let key = request.intent.instrument.clone();
        let instrument = self.services.instruments.get(&key);
        let now = LiveClock.now();
        let last_trade = self.services.quotes.last_trade(&key);
        let ctx = core.view.context(&key, instrument, last_trade, core.trading_state, now);
        let client_order_id = request.client_order_id.clone();
        // Kept for a refusal's report: the gate takes the request.
        let origin = request.origin.clone();
        let (side, quantity) = (request.intent.side, request.intent.quantity.units());
        match core.gate.check(&ctx, request) {
            Ok(approved) => {
                let approval = core.view.approved(key, side, quantity);
                let router = self.services.router();
                let mut reply = reply;
                let sent = router.try_send(|permit| RouterMsg::Submit {
                    approved,
                    approval,
                    tick_received,
                    reply: reply.take(),
                    permit,
                });
                if let Err(e) = sent {
                    core.view.withdraw(approval);
                    tracing::error!(client_order_id = %client_order_id, error = %e, "approved order refused by the router queue");
                    self.services
                        .events
                        .publish(EngineEvent::SystemAlert { source: "router".into(), message: e.to_string() });
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(SubmitError::Queue(e)));
                    }
                }
            }
            Err(refusal) => {
                self.refused(&client_order_id, &origin, &refusal);
                if let Some(reply) = reply {
                    let _ = reply.send(Err(SubmitError::Refused(refusal)));
                }
            }
        }
    }
}
