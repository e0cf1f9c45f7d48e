//! The alert engine actor: evaluates the alert rules on every instrument's latest trade and
//! delivers firings to the log, metrics and the event stream. Rules come from config and the
//! control plane; changes made through the control plane are journaled and survive restarts.

use std::sync::{Arc, Mutex};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use trader::alerts::{AlertBook, AlertRule};

use crate::events::EngineEvent;
use crate::metrics_names::ALERTS_FIRED_TOTAL;
use crate::queue::{MarketBatch, MarketInbox};
use crate::records::JournalRecord;
use crate::services::Services;

pub enum AlertMsg {
    MarketWake,
    Add { rule: AlertRule, reply: RpcReplyPort<Result<(), String>> },
    Remove { id: String, reply: RpcReplyPort<Result<(), String>> },
    List(RpcReplyPort<Vec<AlertRule>>),
    Ping(RpcReplyPort<()>),
}

pub struct AlertArgs {
    pub services: Services,
    /// The rules and their firing state, kept across restarts of this actor.
    pub book: Arc<Mutex<AlertBook>>,
    pub inbox: Arc<MarketInbox>,
}

pub struct AlertEngine;

pub struct AlertState {
    args: AlertArgs,
    batch: MarketBatch,
}

impl Actor for AlertEngine {
    type Msg = AlertMsg;
    type State = AlertState;
    type Arguments = AlertArgs;

    async fn pre_start(&self, myself: ActorRef<AlertMsg>, args: AlertArgs) -> Result<AlertState, ActorProcessingErr> {
        // A predecessor may have died holding the inbox's wake-up: take what waits now.
        args.inbox.rearm();
        let _ = myself.cast(AlertMsg::MarketWake);
        Ok(AlertState { args, batch: MarketBatch::default() })
    }

    async fn handle(
        &self,
        _myself: ActorRef<AlertMsg>,
        message: AlertMsg,
        state: &mut AlertState,
    ) -> Result<(), ActorProcessingErr> {
        let book = Arc::clone(&state.args.book);
        let mut book = book.lock().unwrap_or_else(|e| e.into_inner());
        match message {
            AlertMsg::MarketWake => {
                state.args.inbox.take(&mut state.batch);
                state.batch.bars.clear();
                let mut firings = Vec::new();
                for received in state.batch.quotes.drain(..) {
                    book.on_quote(&received.quote, &mut firings);
                }
                for firing in firings {
                    metrics::counter!(ALERTS_FIRED_TOTAL, "rule" => firing.rule_id.clone()).increment(1);
                    tracing::warn!(rule = %firing.rule_id, "alert: {}", firing.message);
                    state.args.services.events.publish(EngineEvent::Alert { firing });
                }
            }
            AlertMsg::Add { rule, reply } => {
                let mut problems = trader::config::Problems::new();
                rule.validate("rule", &mut problems);
                let result = if !problems.is_empty() {
                    Err(problems.to_string())
                } else if state.args.services.instruments.get(&rule.instrument).is_none() {
                    Err(format!("rule.instrument: `{}` is not a configured instrument", rule.instrument))
                } else {
                    // Into the book first (it refuses duplicates), then the journal; a rule the
                    // journal cannot take is taken back out.
                    let record = JournalRecord::alert_added(&rule);
                    let id = rule.id.clone();
                    book.add(rule).map_err(|e| e.to_string()).and_then(|()| {
                        journal(&state.args.services, &record).inspect_err(|_| {
                            let _ = book.remove(&id);
                        })
                    })
                };
                let _ = reply.send(result);
            }
            AlertMsg::Remove { id, reply } => {
                let result = book
                    .remove(&id)
                    .map_err(|e| e.to_string())
                    .and_then(|_| journal(&state.args.services, &JournalRecord::AlertRemoved { id }));
                let _ = reply.send(result);
            }
            AlertMsg::List(reply) => {
                let _ = reply.send(book.rules().cloned().collect());
            }
            AlertMsg::Ping(reply) => {
                let _ = reply.send(());
            }
        }
        Ok(())
    }
}

fn journal(services: &Services, record: &JournalRecord) -> Result<(), String> {
    let bytes = record.encode().map_err(|e| e.to_string())?;
    services.journal.append(bytes).map(|_| ()).map_err(|e| e.to_string())
}
