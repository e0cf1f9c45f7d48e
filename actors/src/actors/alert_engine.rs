//! The alert engine actor: evaluates the alert rules on every instrument's latest trade and
//! delivers firings to the log, metrics, the event stream and the journal (the history of
//! firings). Rules come from config and the control plane; changes made through the control plane
//! (add, update, enable, disable, remove) are journaled and survive restarts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use trader::alerts::{AlertBook, AlertFiring, AlertRule};

use crate::events::EngineEvent;
use crate::journal::PendingAck;
use crate::metrics_names::ALERTS_FIRED_TOTAL;
use crate::queue::{MarketBatch, MarketInbox};
use crate::records::JournalRecord;
use crate::recovery::RecoveredState;
use crate::services::Services;

/// Computes a rule's new version from its current one, or names every bad field.
pub type RuleChange = Box<dyn FnOnce(&AlertRule) -> Result<AlertRule, BTreeMap<String, String>> + Send>;

/// A changed rule, and the ack of its journal record (`None` when nothing changed): await it
/// before answering, so the change is durable.
pub type RuleChanged = (AlertRule, Option<PendingAck>);

/// Why a rule was not changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleChangeError {
    #[error("no alert rule has id `{0}`")]
    Unknown(String),
    /// Each bad field (path → reason).
    #[error("invalid rule: {0:?}")]
    Invalid(BTreeMap<String, String>),
    #[error("the change could not be journaled: {0}")]
    Journal(String),
}

pub enum AlertMsg {
    MarketWake,
    Add {
        rule: AlertRule,
        reply: RpcReplyPort<Result<(), String>>,
    },
    Remove {
        id: String,
        reply: RpcReplyPort<Result<(), String>>,
    },
    List(RpcReplyPort<Vec<AlertRule>>),
    Ping(RpcReplyPort<()>),
    /// Applies `change` to rule `id` atomically: the new rule keeps its id, is validated and must
    /// be on a configured instrument; it replaces the old one and starts afresh.
    Update {
        id: String,
        change: RuleChange,
        reply: RpcReplyPort<Result<RuleChanged, RuleChangeError>>,
    },
    /// Enables (re-arming a spent once-rule) or disables rule `id`.
    SetEnabled {
        id: String,
        enabled: bool,
        reply: RpcReplyPort<Result<RuleChanged, RuleChangeError>>,
    },
    /// Up to `limit` recent firings, newest first, of rule `rule` only when given.
    History {
        rule: Option<String>,
        limit: usize,
        reply: RpcReplyPort<Vec<AlertFiring>>,
    },
}

/// The book a daemon starts with: the config's rules, except those an operator removed, with
/// the rules operators added or changed (the journal's version wins over the config's), and the
/// recent firings. Takes the alert parts out of `recovered`.
pub fn recovered_book(config: &[AlertRule], recovered: &mut RecoveredState) -> AlertBook {
    let journaled = std::mem::take(&mut recovered.alerts);
    let removed = std::mem::take(&mut recovered.alerts_removed);
    let mut book = AlertBook::new();
    let from_config = config.iter().filter(|r| !journaled.contains_key(&r.id) && !removed.contains(&r.id));
    for rule in from_config.chain(journaled.values()) {
        if let Err(e) = book.add(rule.clone()) {
            tracing::warn!("alert rule skipped: {e}");
        }
    }
    book.restore_history(std::mem::take(&mut recovered.alert_history));
    for (id, at) in std::mem::take(&mut recovered.alert_last_fired) {
        book.restore_last_firing(&id, at);
    }
    book
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
                    // Fire-and-forget: the history is worth keeping, not worth delaying alerts for.
                    if let Err(error) =
                        journal(&state.args.services, &JournalRecord::AlertFired { firing: firing.clone() })
                    {
                        tracing::warn!(rule = %firing.rule_id, %error, "alert firing not journaled");
                    }
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
            AlertMsg::Update { id, change, reply } => {
                let _ = reply.send(update(&state.args.services, &mut book, &id, change));
            }
            AlertMsg::SetEnabled { id, enabled, reply } => {
                let _ = reply.send(set_enabled(&state.args.services, &mut book, &id, enabled));
            }
            AlertMsg::History { rule, limit, reply } => {
                let _ = reply.send(book.history().newest_first(rule.as_deref(), limit));
            }
            AlertMsg::Ping(reply) => {
                let _ = reply.send(());
            }
        }
        Ok(())
    }
}

fn journal(services: &Services, record: &JournalRecord) -> Result<(), String> {
    journal_acked(services, record).map(drop)
}

fn journal_acked(services: &Services, record: &JournalRecord) -> Result<PendingAck, String> {
    let bytes = record.encode().map_err(|e| e.to_string())?;
    services.journal.append(bytes).map_err(|e| e.to_string())
}

fn update(
    services: &Services,
    book: &mut AlertBook,
    id: &str,
    change: RuleChange,
) -> Result<RuleChanged, RuleChangeError> {
    let current = book.get(id).ok_or_else(|| RuleChangeError::Unknown(id.to_owned()))?.clone();
    let rule = change(&current).map_err(RuleChangeError::Invalid)?;
    let mut fields = BTreeMap::new();
    if rule.id != current.id {
        fields.insert("id".to_owned(), "cannot be changed".to_owned());
    }
    let mut problems = trader::config::Problems::new();
    rule.validate("", &mut problems);
    fields.extend(problems.iter().map(|p| (p.path.clone(), p.reason.clone())));
    if services.instruments.get(&rule.instrument).is_none() {
        fields.insert("instrument".to_owned(), format!("`{}` is not a configured instrument", rule.instrument));
    }
    if !fields.is_empty() {
        return Err(RuleChangeError::Invalid(fields));
    }
    if rule == current {
        return Ok((rule, None));
    }
    // Journal first: a change the journal refuses is not made.
    let ack = journal_acked(services, &JournalRecord::alert_updated(&rule)).map_err(RuleChangeError::Journal)?;
    book.replace(rule.clone()).map_err(|e| RuleChangeError::Unknown(e.to_string()))?;
    Ok((rule, Some(ack)))
}

fn set_enabled(
    services: &Services,
    book: &mut AlertBook,
    id: &str,
    enabled: bool,
) -> Result<RuleChanged, RuleChangeError> {
    let current = book.get(id).ok_or_else(|| RuleChangeError::Unknown(id.to_owned()))?.clone();
    // Enabling is journaled even when the rule is enabled already: it re-arms a spent once-rule,
    // and recovery must know the rule fired before that, not after.
    let ack = if current.enabled == enabled && !enabled {
        None
    } else {
        let rule = AlertRule { enabled, ..current };
        Some(journal_acked(services, &JournalRecord::alert_updated(&rule)).map_err(RuleChangeError::Journal)?)
    };
    // Also when unchanged: enabling a spent once-rule re-arms it.
    book.set_enabled(id, enabled).map_err(|e| RuleChangeError::Unknown(e.to_string()))?;
    let rule = book.get(id).ok_or_else(|| RuleChangeError::Unknown(id.to_owned()))?.clone();
    Ok((rule, ack))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, price: &str) -> AlertRule {
        serde_json::from_value(serde_json::json!({"id": id, "instrument": "NSE_EQ|INE002A01018",
            "condition": {"kind": "price_above", "price": price}}))
        .unwrap()
    }

    #[test]
    fn the_journal_overrides_and_removes_config_rules_and_brings_back_the_history() {
        let config = [rule("cfg_kept", "1"), rule("cfg_changed", "2"), rule("cfg_removed", "3")];
        let mut recovered = RecoveredState::empty(trader::num::Money::ZERO);
        recovered.alerts.insert("cfg_changed".into(), rule("cfg_changed", "20"));
        recovered.alerts.insert("api".into(), rule("api", "4"));
        recovered.alerts_removed.insert("cfg_removed".into());
        recovered.alert_history.push(AlertFiring {
            rule_id: "api".into(),
            instrument: trader::model::InstrumentKey::new("NSE_EQ|INE002A01018").unwrap(),
            price: "5".parse().unwrap(),
            at: trader::time::Timestamp::from_nanos(1),
            message: "m".into(),
        });
        let book = recovered_book(&config, &mut recovered);
        let rules: Vec<AlertRule> = book.rules().cloned().collect();
        assert_eq!(rules, [rule("api", "4"), rule("cfg_changed", "20"), rule("cfg_kept", "1")]);
        assert_eq!(book.history().len(), 1);
        assert!(recovered.alerts.is_empty() && recovered.alert_history.is_empty(), "taken out");
    }

    #[test]
    fn a_once_rule_that_fired_before_a_restart_stays_quiet_after_it() {
        let mut recovered = RecoveredState::empty(trader::num::Money::ZERO);
        recovered.alert_last_fired.insert("cfg_kept".into(), trader::time::Timestamp::from_nanos(1));
        let mut book = recovered_book(&[rule("cfg_kept", "1"), rule("fresh", "1")], &mut recovered);
        let quote = trader::model::Quote::last_trade(
            trader::model::InstrumentKey::new("NSE_EQ|INE002A01018").unwrap(),
            trader::time::Timestamp::from_nanos(2),
            "5".parse().unwrap(),
            trader::num::Quantity::new(1),
        );
        let mut fired = Vec::new();
        book.on_quote(&quote, &mut fired);
        let ids: Vec<&str> = fired.iter().map(|f| f.rule_id.as_str()).collect();
        assert_eq!(ids, ["fresh"], "the rule that fired before the restart is spent");
        assert!(recovered.alert_last_fired.is_empty(), "taken out");
    }
}
