//! Rebuilding the engine's state from the journal before the daemon reports ready.

use std::collections::BTreeMap;

use trader::alerts::AlertRule;
use trader::model::{ClientOrderId, Fill, Order, OrderEvent, OrderId, OrderStatus, Portfolio, StrategyId};
use trader::num::Money;
use trader::risk::TradingState;

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
        match record {
            JournalRecord::OrderCreated { order } => {
                self.by_client_id.insert(order.request.client_order_id.clone(), order.id.clone());
                self.orders.insert(order.id.clone(), order);
            }
            JournalRecord::OrderEvent { order_id, event, at } => match self.orders.get_mut(&order_id) {
                Some(order) => {
                    if let Err(e) = order.apply(&event, at) {
                        self.problems.push(format!("record {sequence}: {e}"));
                    }
                }
                None => self.problems.push(format!("record {sequence}: event for unknown order {order_id}")),
            },
            JournalRecord::Fill { fill } => {
                match self.orders.get_mut(&fill.order_id) {
                    Some(order) => {
                        // A fill proves the broker accepted the order, even if that record was lost.
                        if order.status() == OrderStatus::Pending {
                            let _ = order.apply(&OrderEvent::Accepted, fill.ts);
                        }
                        let event = OrderEvent::Filled { quantity: fill.quantity, price: fill.price };
                        if let Err(e) = order.apply(&event, fill.ts) {
                            self.problems.push(format!("record {sequence}: {e}"));
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
            JournalRecord::AlertAdded { rule_json } => match serde_json::from_str::<AlertRule>(&rule_json) {
                Ok(rule) => {
                    self.alerts.insert(rule.id.clone(), rule);
                }
                Err(e) => self.problems.push(format!("record {sequence}: alert rule unreadable: {e}")),
            },
            JournalRecord::AlertRemoved { id } => {
                self.alerts.remove(&id);
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
}
