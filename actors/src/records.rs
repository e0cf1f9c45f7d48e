//! The daemon's journal records: every event worth keeping, encoded with postcard behind a
//! version byte (`journal::encode`). Recovery folds them back into state (`recovery`).

use serde::{Deserialize, Serialize};
use trader::alerts::AlertRule;
use trader::model::{Fill, Order, OrderEvent, OrderId, StrategyId};
use trader::num::Money;
use trader::risk::TradingState;
use trader::time::{Date, Timestamp};

use crate::audit::AuditEntry;
use crate::auth::AuthEvent;
use crate::journal::{encode, JournalError};

/// The record format version written by this build. Bump it, and teach `decode_record` the old
/// one, when a record's shape changes.
pub const RECORD_VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JournalRecord {
    /// A new order, as it entered the order book (pending, not yet at the broker).
    OrderCreated {
        order: Order,
    },
    /// A change to an order, as applied to its state machine.
    OrderEvent {
        order_id: OrderId,
        event: OrderEvent,
        at: Timestamp,
    },
    /// A fill with its charges.
    Fill {
        fill: Fill,
    },
    /// The kill switch.
    TradingState {
        state: TradingState,
        at: Timestamp,
        reason: String,
    },
    /// A strategy started or stopped by an operator (or stopped after its restart budget).
    StrategyState {
        id: StrategyId,
        running: bool,
        at: Timestamp,
        reason: String,
    },
    /// An alert rule added through the control plane. Kept as JSON because rules are internally
    /// tagged for config files, which postcard cannot read back.
    AlertAdded {
        rule_json: String,
    },
    AlertRemoved {
        id: String,
    },
    /// A daemon run began. Its sequence number is the run id in the order, fill and client
    /// order ids this run mints, so ids never repeat across restarts, even after a crash.
    RunStarted {
        at: Timestamp,
    },
    /// A new IST trading day began with this equity: day P&L and the daily loss limit count
    /// from here, across restarts.
    DayStarted {
        date: Date,
        start_equity: Money,
    },
    /// A change to users, sessions, API tokens or revocations. Last, so adding it kept every older
    /// record's postcard encoding (variants are encoded by index).
    Auth {
        event: AuthEvent,
    },
    /// One audited mutating request, hash-chained to the previous one. Last, for the same reason
    /// as `Auth`.
    Audit(AuditEntry),
    /// An alert rule changed through the control plane (its fields, or enabled/disabled): the
    /// whole rule as it now is, as JSON like `AlertAdded`. Overrides a config rule of the same id.
    AlertUpdated {
        rule_json: String,
    },
    /// An alert fired; the last `trader::alerts::HISTORY_CAPACITY` are the history after a restart.
    AlertFired {
        firing: trader::alerts::AlertFiring,
    },
    /// The whole set of instruments the feed is subscribed to, after an operator changed it.
    FeedSubscriptions {
        instruments: Vec<trader::model::InstrumentKey>,
    },
    /// A sample of the live equity curve: the portfolio's equity and each strategy's net P&L.
    EquitySample(crate::engine::EquitySample),
    /// Risk limits put in force through the control plane or by a config reload, as JSON like
    /// `AlertAdded` (so fields added to the limits later still read back). At start the last one
    /// is applied over the config file's `[risk]` only if it came from the API: the latest of an
    /// API update and a config reload wins.
    RiskLimitsSet {
        limits_json: String,
        source: LimitsSource,
        at: Timestamp,
        /// Who: the API caller, or `config reload by <caller>` / `SIGHUP`.
        by: String,
    },
    /// A strategy instance deployed through the control plane: its `[[strategies]]` entry as JSON
    /// (the spec is internally tagged by `kind`, which postcard cannot read back).
    StrategyDeployed {
        spec_json: String,
    },
    /// New parameters for a strategy instance, as JSON `{"kind": ..., "params": {...}}`.
    StrategyParamsChanged {
        id: StrategyId,
        params_json: String,
    },
    /// A strategy instance removed through the control plane: it stays removed after a restart
    /// even if the config file lists it.
    StrategyRemoved {
        id: StrategyId,
    },
}

/// Where a `RiskLimitsSet` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LimitsSource {
    /// `PUT /api/v1/admin/risk-limits`: survives restarts until the next config reload.
    Api,
    /// A config reload (SIGHUP or `POST /api/v1/admin/config/reload`): the file's `[risk]`.
    ConfigReload,
}

impl JournalRecord {
    pub fn encode(&self) -> Result<Vec<u8>, JournalError> {
        encode(RECORD_VERSION, self)
    }

    pub fn alert_added(rule: &AlertRule) -> JournalRecord {
        JournalRecord::AlertAdded { rule_json: serde_json::to_string(rule).unwrap_or_default() }
    }

    pub fn alert_updated(rule: &AlertRule) -> JournalRecord {
        JournalRecord::AlertUpdated { rule_json: serde_json::to_string(rule).unwrap_or_default() }
    }
}

/// Decodes one stored record.
pub fn decode_record(bytes: &[u8], sequence: u64) -> Result<JournalRecord, JournalError> {
    crate::journal::decode(bytes, RECORD_VERSION, sequence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trader::charges::ChargeBreakdown;
    use trader::model::{
        ClientOrderId, FillId, InstrumentKey, OrderIntent, OrderKind, OrderOrigin, OrderRequest, Product, Side,
    };
    use trader::num::{Money, Price, Quantity};

    #[test]
    fn every_record_survives_postcard() {
        let instrument = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        let mut intent = OrderIntent::market(instrument.clone(), Side::Buy, Quantity::new(10));
        intent.kind =
            OrderKind::StopLimit { price: "2450.05".parse().unwrap(), trigger_price: "2449.00".parse().unwrap() };
        let request = OrderRequest {
            client_order_id: ClientOrderId::new("c-1").unwrap(),
            origin: OrderOrigin::Strategy(StrategyId::new("s1").unwrap()),
            intent,
            tag: Some(trader::model::Tag::new("t").unwrap()),
        };
        let order = Order::new(OrderId::new("o-1").unwrap(), request, Timestamp::from_nanos(5));
        let fill = Fill {
            id: FillId::new("f-1").unwrap(),
            order_id: order.id.clone(),
            instrument,
            side: Side::Sell,
            product: Product::Delivery,
            quantity: Quantity::new(3),
            price: Price::from_micros(2_450_050_000),
            ts: Timestamp::from_nanos(9),
            charges: ChargeBreakdown::commission(Money::from_micros(123)),
        };
        let rule: AlertRule = toml::from_str(
            "id = \"a\"\ninstrument = \"NSE_EQ|INE002A01018\"\ncondition = { kind = \"price_above\", price = \"1\" }\n",
        )
        .unwrap();
        let records = [
            JournalRecord::OrderCreated { order: order.clone() },
            JournalRecord::OrderEvent {
                order_id: order.id.clone(),
                event: OrderEvent::Filled { quantity: Quantity::new(1), price: Price::from_micros(1) },
                at: Timestamp::from_nanos(1),
            },
            JournalRecord::Fill { fill },
            JournalRecord::TradingState {
                state: TradingState::Halted,
                at: Timestamp::from_nanos(2),
                reason: "x".into(),
            },
            JournalRecord::StrategyState {
                id: StrategyId::new("s1").unwrap(),
                running: false,
                at: Timestamp::from_nanos(3),
                reason: "y".into(),
            },
            JournalRecord::alert_added(&rule),
            JournalRecord::AlertRemoved { id: "a".into() },
            JournalRecord::DayStarted {
                date: "2026-11-27".parse().unwrap(),
                start_equity: Money::from_rupees(5).unwrap(),
            },
            JournalRecord::Auth {
                event: crate::auth::AuthEvent::SessionRevoked {
                    family: "f".into(),
                    reason: crate::auth::RevokeReason::Reuse,
                    at: Timestamp::from_nanos(4),
                },
            },
            JournalRecord::Audit(crate::audit::AuditEntry::chained(
                crate::audit::ChainHead::GENESIS,
                Timestamp::from_nanos(5),
                "admin".into(),
                Some(crate::auth::Role::Admin),
                "POST".into(),
                "/api/v1/orders".into(),
                201,
            )),
            JournalRecord::alert_updated(&rule),
            JournalRecord::AlertFired {
                firing: trader::alerts::AlertFiring {
                    rule_id: "a".into(),
                    instrument: InstrumentKey::new("NSE_EQ|INE002A01018").unwrap(),
                    price: Price::from_micros(2_450_050_000),
                    at: Timestamp::from_nanos(6),
                    message: "m".into(),
                },
            },
            JournalRecord::FeedSubscriptions { instruments: vec![InstrumentKey::new("NSE_EQ|INE009A01021").unwrap()] },
            JournalRecord::StrategyDeployed { spec_json: "{}".into() },
            JournalRecord::StrategyParamsChanged { id: StrategyId::new("s1").unwrap(), params_json: "{}".into() },
            JournalRecord::StrategyRemoved { id: StrategyId::new("s1").unwrap() },
            JournalRecord::RiskLimitsSet {
                limits_json: "{}".into(),
                source: LimitsSource::Api,
                at: Timestamp::from_nanos(7),
                by: "rhea".into(),
            },
            JournalRecord::EquitySample(crate::engine::EquitySample {
                at: Timestamp::from_nanos(6),
                equity: Money::from_rupees(7).unwrap(),
                books: vec![(None, Money::from_micros(-1)), (Some(StrategyId::new("s1").unwrap()), Money::ZERO)],
            }),
        ];
        for (i, record) in records.iter().enumerate() {
            let bytes = record.encode().unwrap();
            assert_eq!(bytes[0], RECORD_VERSION);
            assert_eq!(&decode_record(&bytes, i as u64).unwrap(), record);
        }
    }
}
