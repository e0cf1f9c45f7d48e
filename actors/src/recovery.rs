//! Rebuilding the engine's state from the journal before the daemon reports ready.

use std::collections::BTreeMap;

use trader::alerts::AlertRule;
use trader::model::{ClientOrderId, Fill, Order, OrderEvent, OrderId, OrderStatus, Portfolio, StrategyId};
use trader::num::Money;
use trader::risk::TradingState;
use trader::time::Timestamp;

use crate::journal::{JournalError, JournalStore};
use crate::records::{decode_record, JournalRecord};

/// Everything the journal says, folded.
#[derive(Debug, Clone)]
pub struct RecoveredState {
    pub orders: BTreeMap<OrderId, Order>,
    pub by_client_id: BTreeMap<ClientOrderId, OrderId>,
    pub fills: Vec<Fill>,
    pub portfolio: Portfolio,
    pub trading_state: TradingState,
    /// Strategies an operator (or the supervisor) left stopped, or started, last.
    pub strategy_running: BTreeMap<StrategyId, bool>,
    pub alerts: BTreeMap<String, AlertRule>,
    pub last_sequence: u64,
    /// The IST date of the last day start journaled, if any.
    pub day: Option<trader::time::Date>,
    /// Authentication events in journal order, for `AuthState::apply`.
    pub auth_events: Vec<crate::auth::AuthEvent>,
    /// The last audit entries (at most `audit::RECENT_CAPACITY`), oldest first, for `AuditLog::new`.
    pub audit_recent: std::collections::VecDeque<crate::audit::AuditEntry>,
    /// Records that could not be applied (logged; recovery goes on so the operator can look).
    pub problems: Vec<String>,
    /// Alert rule ids whose last journaled change was a removal: a config rule with such an id
    /// stays removed.
    pub alerts_removed: std::collections::BTreeSet<String>,
    /// The last `trader::alerts::HISTORY_CAPACITY` alert firings.
    pub alert_history: trader::alerts::AlertHistory,
    /// Each rule's last firing since it was last added, changed, enabled or removed: a once-rule
    /// in here stays spent after a restart, a repeating one keeps its cooldown.
    pub alert_last_fired: BTreeMap<String, Timestamp>,
    /// The feed's subscription set as an operator last left it; `None` if never changed (then
    /// every configured instrument is subscribed).
    pub feed_subscriptions: Option<std::collections::BTreeSet<trader::model::InstrumentKey>>,
    /// Each order's changes, rebuilt from the records that rebuild the order (`OrderBook::history`).
    pub order_history: BTreeMap<OrderId, crate::engine::OrderHistory>,
    /// Holdings, P&L by day and by strategy, and the live equity curves.
    pub performance: crate::engine::PerformanceBook,
    /// Risk limits set through the API after the last config reload: they replace the config
    /// file's `[risk]` at start.
    pub risk_limits: Option<trader::risk::RiskLimits>,
    /// Strategy instances deployed, changed or removed over the API; laid over the config
    /// file's `[[strategies]]` at start (`StrategyDeployments::apply_to`).
    pub strategy_deployments: crate::actors::supervisor::deployments::StrategyDeployments,
}

impl RecoveredState {
    pub fn empty(cash: Money) -> RecoveredState {
        RecoveredState {
            orders: BTreeMap::new(),
            by_client_id: BTreeMap::new(),
            fills: Vec::new(),
            portfolio: Portfolio::new(cash),
            trading_state: TradingState::Active,
            strategy_running: BTreeMap::new(),
            alerts: BTreeMap::new(),
            last_sequence: 0,
            day: None,
            auth_events: Vec::new(),
            audit_recent: std::collections::VecDeque::new(),
            problems: Vec::new(),
            alerts_removed: std::collections::BTreeSet::new(),
            alert_history: trader::alerts::AlertHistory::default(),
            alert_last_fired: BTreeMap::new(),
            feed_subscriptions: None,
            order_history: BTreeMap::new(),
            performance: crate::engine::PerformanceBook::new(cash, trader::config::MAX_DETAILED_DAYS),
            risk_limits: None,
            strategy_deployments: Default::default(),
        }
    }

    /// Replays `store` from the start. An undecodable record stops recovery with its sequence
    /// number: starting to trade on a state we could not read would be worse than not starting.
    pub fn recover(store: &dyn JournalStore, cash: Money) -> Result<RecoveredState, JournalError> {
        let mut state = RecoveredState::empty(cash);
        store.replay(1, &mut |sequence, bytes| {
            let record = decode_record(bytes, sequence)?;
            state.apply(sequence, record);
            Ok(())
        })?;
        Ok(state)
    }

    /// Applies one record.
    pub fn apply(&mut self, sequence: u64, record: JournalRecord) {
        self.last_sequence = sequence;
        self.performance.observe(&record, &self.orders);
        match record {
            JournalRecord::OrderCreated { order } => {
                self.by_client_id.insert(order.request.client_order_id.clone(), order.id.clone());
                self.order_history.insert(order.id.clone(), crate::engine::OrderHistory::created(&order));
                self.orders.insert(order.id.clone(), order);
            }
            JournalRecord::OrderEvent { order_id, event, at } => match self.orders.get_mut(&order_id) {
                Some(order) => match order.apply(&event, at) {
                    Ok(status) => {
                        if let Some(history) = self.order_history.get_mut(&order_id) {
                            history.push(at, event, status);
                        }
                    }
                    Err(e) => self.problems.push(format!("record {sequence}: {e}")),
                },
                None => self.problems.push(format!("record {sequence}: event for unknown order {order_id}")),
            },
            JournalRecord::Fill { fill } => {
                match self.orders.get_mut(&fill.order_id) {
                    Some(order) => {
                        // A fill proves the broker accepted the order, even if that record was lost.
                        let mut history = self.order_history.get_mut(&fill.order_id);
                        if order.status() == OrderStatus::Pending {
                            if let (Ok(status), Some(history)) =
                                (order.apply(&OrderEvent::Accepted, fill.ts), history.as_deref_mut())
                            {
                                history.push(fill.ts, OrderEvent::Accepted, status);
                            }
                        }
                        let event = OrderEvent::Filled { quantity: fill.quantity, price: fill.price };
                        match order.apply(&event, fill.ts) {
                            Ok(status) => {
                                if let Some(history) = history {
                                    history.push(fill.ts, event, status);
                                }
                            }
                            Err(e) => self.problems.push(format!("record {sequence}: {e}")),
                        }
                    }
                    None => self
                        .problems
                        .push(format!("record {sequence}: fill {} of unknown order {}", fill.id, fill.order_id)),
                }
                // Money moved at the broker whatever the order book says: book it.
                if let Err(e) = self.portfolio.apply_fill(&fill) {
                    self.problems.push(format!("record {sequence}: {e}"));
                }
                self.fills.push(fill);
            }
            JournalRecord::TradingState { state, .. } => self.trading_state = state,
            JournalRecord::StrategyState { id, running, .. } => {
                self.strategy_running.insert(id, running);
            }
            JournalRecord::AlertAdded { rule_json } | JournalRecord::AlertUpdated { rule_json } => {
                match serde_json::from_str::<AlertRule>(&rule_json) {
                    Ok(rule) => {
                        self.alerts_removed.remove(&rule.id);
                        self.alert_last_fired.remove(&rule.id);
                        self.alerts.insert(rule.id.clone(), rule);
                    }
                    Err(e) => self.problems.push(format!("record {sequence}: alert rule unreadable: {e}")),
                }
            }
            JournalRecord::AlertRemoved { id } => {
                self.alert_last_fired.remove(&id);
                self.alerts.remove(&id);
                self.alerts_removed.insert(id);
            }
            JournalRecord::RunStarted { .. } => {}
            JournalRecord::DayStarted { date, start_equity } => {
                self.day = Some(date);
                self.portfolio.start_of_day_equity = start_equity;
            }
            JournalRecord::Auth { event } => self.auth_events.push(event),
            JournalRecord::Audit(entry) => {
                if self.audit_recent.len() == crate::audit::RECENT_CAPACITY {
                    self.audit_recent.pop_front();
                }
                self.audit_recent.push_back(entry);
            }
            JournalRecord::AlertFired { firing } => {
                self.alert_last_fired.insert(firing.rule_id.clone(), firing.at);
                self.alert_history.push(firing);
            }
            JournalRecord::FeedSubscriptions { instruments } => {
                self.feed_subscriptions = Some(instruments.into_iter().collect());
            }
            JournalRecord::EquitySample(_) => {}
            JournalRecord::RiskLimitsSet { limits_json, source, .. } => match source {
                crate::records::LimitsSource::ConfigReload => self.risk_limits = None,
                crate::records::LimitsSource::Api => match serde_json::from_str(&limits_json) {
                    Ok(limits) => self.risk_limits = Some(limits),
                    Err(e) => self.problems.push(format!("record {sequence}: risk limits unreadable: {e}")),
                },
            },
            JournalRecord::StrategyDeployed { spec_json } => {
                if let Err(e) = self.strategy_deployments.deployed(&spec_json) {
                    self.problems.push(format!("record {sequence}: {e}"));
                }
            }
            JournalRecord::StrategyParamsChanged { id, params_json } => {
                if let Err(e) = self.strategy_deployments.params_changed(&id, &params_json) {
                    self.problems.push(format!("record {sequence}: {e}"));
                }
            }
            JournalRecord::StrategyRemoved { id } => self.strategy_deployments.removed(&id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::MemoryStore;
    use trader::charges::ChargeBreakdown;
    use trader::model::{
        FillId, InstrumentKey, OrderEvent, OrderIntent, OrderOrigin, OrderRequest, OrderStatus, Product, Side,
    };
    use trader::num::{Price, Quantity};
    use trader::time::Timestamp;

    #[test]
    fn orders_fills_and_operator_actions_are_rebuilt() {
        let instrument = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        let request = OrderRequest {
            client_order_id: ClientOrderId::new("c-1").unwrap(),
            origin: OrderOrigin::Manual,
            intent: OrderIntent::market(instrument.clone(), Side::Buy, Quantity::new(10)),
            tag: None,
        };
        let order = Order::new(OrderId::new("o-1").unwrap(), request, Timestamp::from_nanos(1));
        let price = Price::from_micros(100_000_000);
        let fill = Fill {
            id: FillId::new("f-1").unwrap(),
            order_id: order.id.clone(),
            instrument: instrument.clone(),
            side: Side::Buy,
            product: Product::Intraday,
            quantity: Quantity::new(10),
            price,
            ts: Timestamp::from_nanos(3),
            charges: ChargeBreakdown::commission(Money::from_rupees(2).unwrap()),
        };
        let records = [
            JournalRecord::OrderCreated { order: order.clone() },
            JournalRecord::OrderEvent {
                order_id: order.id.clone(),
                event: OrderEvent::Accepted,
                at: Timestamp::from_nanos(2),
            },
            JournalRecord::Fill { fill },
            JournalRecord::TradingState {
                state: TradingState::Reducing,
                at: Timestamp::from_nanos(4),
                reason: "op".into(),
            },
            JournalRecord::DayStarted {
                date: "2026-11-27".parse().unwrap(),
                start_equity: Money::from_rupees(9_990).unwrap(),
            },
        ];
        let mut store = MemoryStore::default();
        let encoded: Vec<Vec<u8>> = records.iter().map(|r| r.encode().unwrap()).collect();
        crate::journal::JournalStore::append_batch(&mut store, &encoded).unwrap();
        let state = RecoveredState::recover(&store, Money::from_rupees(10_000).unwrap()).unwrap();
        assert_eq!(state.orders[&order.id].status(), OrderStatus::Filled);
        assert_eq!(state.by_client_id[&ClientOrderId::new("c-1").unwrap()], order.id);
        assert_eq!(state.portfolio.net_quantity(&instrument), 10);
        // 10,000 − 10 × 100 − 2 charges
        assert_eq!(state.portfolio.cash, Money::from_rupees(8_998).unwrap());
        assert_eq!(state.trading_state, TradingState::Reducing);
        assert_eq!(state.last_sequence, 5);
        // The day's start equity comes back, so a restart does not reset the daily loss.
        assert_eq!(state.day, Some("2026-11-27".parse().unwrap()));
        assert_eq!(state.portfolio.start_of_day_equity, Money::from_rupees(9_990).unwrap());
        assert!(state.problems.is_empty(), "{:?}", state.problems);
    }

    #[test]
    fn alert_changes_firings_and_feed_subscriptions_are_rebuilt() {
        let rule = |price: &str| -> AlertRule {
            serde_json::from_value(serde_json::json!({"id": "a", "instrument": "NSE_EQ|INE002A01018",
                "condition": {"kind": "price_above", "price": price}}))
            .unwrap()
        };
        let firing = |at: i64| trader::alerts::AlertFiring {
            rule_id: "a".into(),
            instrument: InstrumentKey::new("NSE_EQ|INE002A01018").unwrap(),
            price: Price::from_micros(1_000_000),
            at: Timestamp::from_nanos(at),
            message: "m".into(),
        };
        let infy = InstrumentKey::new("NSE_EQ|INE009A01021").unwrap();
        let mut state = RecoveredState::empty(Money::ZERO);
        assert_eq!(state.feed_subscriptions, None);
        state.apply(1, JournalRecord::alert_added(&rule("1")));
        state.apply(2, JournalRecord::alert_updated(&rule("2")));
        state.apply(3, JournalRecord::AlertRemoved { id: "cfg".into() });
        state.apply(4, JournalRecord::FeedSubscriptions { instruments: vec![infy.clone()] });
        for at in 0..trader::alerts::HISTORY_CAPACITY as i64 + 2 {
            state.apply(5, JournalRecord::AlertFired { firing: firing(at) });
        }
        assert_eq!(state.alerts["a"], rule("2"));
        assert!(state.alerts_removed.contains("cfg"));
        assert_eq!(state.feed_subscriptions, Some([infy].into_iter().collect()));
        assert_eq!(state.alert_history.len(), trader::alerts::HISTORY_CAPACITY);
        assert_eq!(state.alert_history.iter().next().map(|f| f.at.nanos()), Some(2), "the oldest two were dropped");
        let last = trader::alerts::HISTORY_CAPACITY as i64 + 1;
        assert_eq!(state.alert_last_fired.get("a"), Some(&Timestamp::from_nanos(last)), "the last firing counts");
        state.apply(6, JournalRecord::alert_updated(&rule("2")));
        assert!(state.alert_last_fired.is_empty(), "a change (or an enable) re-arms the rule");
        state.apply(6, JournalRecord::AlertFired { firing: firing(last + 1) });
        state.apply(6, JournalRecord::AlertRemoved { id: "a".into() });
        assert!(state.alert_last_fired.is_empty(), "a removed rule keeps no firing state");
        state.apply(7, JournalRecord::alert_added(&rule("3")));
        assert!(!state.alerts_removed.contains("a"), "added again after its removal");
        assert!(state.problems.is_empty(), "{:?}", state.problems);
    }

    #[test]
    fn a_fill_whose_acceptance_record_was_lost_still_recovers() {
        let instrument = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        let request = OrderRequest {
            client_order_id: ClientOrderId::new("c-2").unwrap(),
            origin: OrderOrigin::Manual,
            intent: OrderIntent::market(instrument.clone(), Side::Sell, Quantity::new(4)),
            tag: None,
        };
        let order = Order::new(OrderId::new("o-2").unwrap(), request, Timestamp::from_nanos(1));
        let fill = Fill {
            id: FillId::new("f-2").unwrap(),
            order_id: order.id.clone(),
            instrument: instrument.clone(),
            side: Side::Sell,
            product: Product::Intraday,
            quantity: Quantity::new(4),
            price: Price::from_micros(50_000_000),
            ts: Timestamp::from_nanos(3),
            charges: ChargeBreakdown::default(),
        };
        let mut state = RecoveredState::empty(Money::ZERO);
        state.apply(1, JournalRecord::OrderCreated { order: order.clone() });
        state.apply(2, JournalRecord::Fill { fill });
        assert_eq!(state.orders[&order.id].status(), OrderStatus::Filled);
        assert_eq!(state.portfolio.net_quantity(&instrument), -4);
        assert!(state.problems.is_empty(), "{:?}", state.problems);
    }

    #[test]
    fn risk_limits_from_the_api_last_until_a_config_reload() {
        use crate::records::LimitsSource;
        let record = |quantity: u64, source| {
            let limits = trader::risk::RiskLimits { max_order_quantity: quantity, ..Default::default() };
            let limits_json = serde_json::to_string(&limits).unwrap();
            JournalRecord::RiskLimitsSet { limits_json, source, at: Timestamp::from_nanos(1), by: "rhea".into() }
        };
        let mut state = RecoveredState::empty(Money::ZERO);
        assert_eq!(state.risk_limits, None);
        state.apply(1, record(7, LimitsSource::Api));
        assert_eq!(state.risk_limits.as_ref().map(|l| l.max_order_quantity), Some(7));
        state.apply(2, record(1000, LimitsSource::ConfigReload));
        assert_eq!(state.risk_limits, None, "the reloaded file wins, and is read again at start");
        state.apply(3, record(9, LimitsSource::Api));
        assert_eq!(state.risk_limits.as_ref().map(|l| l.max_order_quantity), Some(9));
        state.apply(
            4,
            JournalRecord::RiskLimitsSet {
                limits_json: "{".into(),
                source: LimitsSource::Api,
                at: Timestamp::from_nanos(2),
                by: "x".into(),
            },
        );
        assert_eq!(state.problems.len(), 1, "{:?}", state.problems);
    }
}
