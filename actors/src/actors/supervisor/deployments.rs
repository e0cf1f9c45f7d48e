//! Strategy instances changed over the control plane: deployed, given new parameters, removed.
//!
//! Each change is journaled (durably, before the caller is answered) and folded at start into
//! [`StrategyDeployments`], which [`StrategyDeployments::apply_to`] lays over the config file's
//! `[[strategies]]`: for an id the journal knows, the journal wins. So a strategy deployed over
//! the API comes back after a restart, new parameters stay, and a strategy removed over the API
//! stays removed even though the config file still lists it (delete it from the file too, or
//! deploy it again over the API to bring it back).

use std::collections::BTreeMap;

use trader::config::TraderConfig;
use trader::model::{InstrumentKey, Order, OrderId, StrategyId};
use trader::strategy::{StrategyParams, StrategySpec};

use crate::actors::strategy_runner::{is_strategy_order, strategy_positions};
use crate::records::JournalRecord;
use crate::services::Services;

/// What the journal says about strategy instances, folded by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StrategyDeployments {
    changes: BTreeMap<StrategyId, Change>,
}

#[derive(Debug, Clone, PartialEq)]
enum Change {
    /// Deployed over the API (with any later parameters folded in).
    Deployed(StrategySpec),
    /// New parameters for an instance the config file defines.
    Params(StrategyParams),
    Removed,
}

impl StrategyDeployments {
    /// Folds a `StrategyDeployed` record.
    pub fn deployed(&mut self, spec_json: &str) -> Result<(), String> {
        let spec: StrategySpec =
            serde_json::from_str(spec_json).map_err(|e| format!("deployed strategy unreadable: {e}"))?;
        self.changes.insert(spec.id.clone(), Change::Deployed(spec));
        Ok(())
    }

    /// Folds a `StrategyParamsChanged` record.
    pub fn params_changed(&mut self, id: &StrategyId, params_json: &str) -> Result<(), String> {
        let params: StrategyParams =
            serde_json::from_str(params_json).map_err(|e| format!("parameters of `{id}` unreadable: {e}"))?;
        match self.changes.get_mut(id) {
            Some(Change::Deployed(spec)) => spec.params = params,
            Some(Change::Removed) => return Err(format!("parameters for `{id}`, which was removed")),
            Some(Change::Params(old)) => *old = params,
            None => {
                self.changes.insert(id.clone(), Change::Params(params));
            }
        }
        Ok(())
    }

    /// Folds a `StrategyRemoved` record.
    pub fn removed(&mut self, id: &StrategyId) {
        self.changes.insert(id.clone(), Change::Removed);
    }

    /// Whether the journal says anything about strategies.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Lays the journal's changes over `config.strategies`: removed ones are dropped, changed
    /// parameters replace the file's (unless the file now names another kind: then the file
    /// wins), and deployed ones are added (or replace the file's entry of the same id). A deployed
    /// strategy trading an instrument the file no longer lists is left out. Each such decision is
    /// logged.
    pub fn apply_to(&self, config: &mut TraderConfig) {
        let registry = config.registry();
        let mut strategies = Vec::with_capacity(config.strategies.len());
        for spec in std::mem::take(&mut config.strategies) {
            match self.changes.get(&spec.id) {
                None => strategies.push(spec),
                Some(Change::Removed) => {
                    tracing::info!(strategy = %spec.id, "strategy removed over the API: not started (the journal wins)")
                }
                Some(Change::Params(params)) if params.kind() == spec.params.kind() => {
                    strategies.push(StrategySpec { params: *params, ..spec })
                }
                Some(Change::Params(_)) => {
                    tracing::warn!(
                        strategy = %spec.id,
                        "the config file changed this strategy's kind: its parameters set over the API are dropped"
                    );
                    strategies.push(spec);
                }
                // Deployed below, in the file's place.
                Some(Change::Deployed(_)) => {}
            }
        }
        for change in self.changes.values() {
            let Change::Deployed(spec) = change else { continue };
            if let Some(key) = spec.instruments.iter().find(|k| registry.get(k).is_none()) {
                tracing::error!(
                    strategy = %spec.id,
                    instrument = %key,
                    "strategy deployed over the API trades an instrument no longer configured: not started"
                );
                continue;
            }
            strategies.push(spec.clone());
        }
        config.strategies = strategies;
    }
}

/// Why a change to a strategy instance was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("no strategy `{0}`")]
    NotFound(StrategyId),
    #[error("a strategy `{0}` already exists")]
    Duplicate(StrategyId),
    #[error("strategy `{0}` was added in code and has no parameters to change")]
    NoParams(StrategyId),
    #[error("strategy `{id}` is a {kind}; parameters of a {given} do not apply")]
    KindMismatch { id: StrategyId, kind: &'static str, given: &'static str },
    /// Removal refused: the instance still has orders working or a position.
    #[error("{}", describe_exposure(.id, .exposure, *.stopped))]
    Exposed { id: StrategyId, exposure: Exposure, stopped: bool },
    #[error("{0}")]
    Unavailable(String),
}

/// What an instance still has in the market: its open orders and its net positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exposure {
    pub open_orders: Vec<OrderId>,
    /// Non-zero net positions (signed units) built by its fills.
    pub positions: BTreeMap<InstrumentKey, i64>,
}

impl Exposure {
    /// The open orders and positions of strategy `id` among `orders` (every order of the book:
    /// positions are summed from each order's filled quantity, as the runner rebuilds them).
    pub fn of<'a>(id: &StrategyId, orders: impl IntoIterator<Item = &'a Order>) -> Exposure {
        let mine: Vec<&Order> = orders.into_iter().filter(|o| is_strategy_order(id, o)).collect();
        let open_orders = mine.iter().filter(|o| o.status().is_open()).map(|o| o.id.clone()).collect();
        Exposure { open_orders, positions: strategy_positions(id, mine) }
    }

    pub fn is_flat(&self) -> bool {
        self.open_orders.is_empty() && self.positions.is_empty()
    }
}

fn describe_exposure(id: &StrategyId, exposure: &Exposure, stopped: bool) -> String {
    let positions: Vec<String> = exposure.positions.iter().map(|(key, q)| format!("{q} in {key}")).collect();
    let positions = if positions.is_empty() { "no position".to_owned() } else { positions.join(", ") };
    let stopped = if stopped { " It is stopped now (it traded while being removed)." } else { "" };
    format!(
        "strategy `{id}` has {} open orders and {positions}; cancel its orders and close its positions first, or \
         remove it with ?force=true (which cancels its open orders and leaves its positions to you).{stopped}",
        exposure.open_orders.len()
    )
}

/// What a removal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Open orders of the instance whose cancel the router took (forced removal only).
    pub cancelled_orders: usize,
    /// Positions it leaves behind (forced removal only; a plain removal requires none).
    pub positions: BTreeMap<InstrumentKey, i64>,
}

/// Appends `record` and waits until it is durable: an operator's change is answered only once a
/// restart would keep it.
pub async fn journal_durably(services: &Services, record: &JournalRecord) -> Result<u64, LifecycleError> {
    let unavailable = |e: String| LifecycleError::Unavailable(format!("the journal did not take the change: {e}"));
    let bytes = record.encode().map_err(|e| unavailable(e.to_string()))?;
    let ack = services.journal.append(bytes).map_err(|e| unavailable(e.to_string()))?;
    ack.wait().await.map_err(|e| unavailable(e.to_string()))
}

/// `StrategyDeployed` for `spec`.
pub fn deployed_record(spec: &StrategySpec) -> Result<JournalRecord, LifecycleError> {
    let spec_json = serde_json::to_string(spec).map_err(|e| LifecycleError::Unavailable(e.to_string()))?;
    Ok(JournalRecord::StrategyDeployed { spec_json })
}

/// `StrategyParamsChanged` for `id`.
pub fn params_record(id: &StrategyId, params: &StrategyParams) -> Result<JournalRecord, LifecycleError> {
    let params_json = serde_json::to_string(params).map_err(|e| LifecycleError::Unavailable(e.to_string()))?;
    Ok(JournalRecord::StrategyParamsChanged { id: id.clone(), params_json })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trader::model::{ClientOrderId, OrderEvent, OrderIntent, OrderOrigin, OrderRequest, Side};
    use trader::num::{Price, Quantity};
    use trader::strategy::{DonchianParams, Sizing, SmaCrossParams};
    use trader::time::Timestamp;

    const CONFIG: &str = r#"
[[instruments]]
key = "NSE_EQ|INE002A01018"
symbol = "RELIANCE"

[[instruments]]
key = "NSE_EQ|INE009A01021"
symbol = "INFY"

[[strategies]]
id = "kept"
kind = "sma_cross"
instruments = ["NSE_EQ|INE002A01018"]
params = { fast = 2, slow = 5, sizing = { fixed = { quantity = 1 } } }

[[strategies]]
id = "tuned"
kind = "sma_cross"
instruments = ["NSE_EQ|INE002A01018"]
params = { fast = 2, slow = 5, sizing = { fixed = { quantity = 1 } } }

[[strategies]]
id = "dropped"
kind = "donchian"
instruments = ["NSE_EQ|INE009A01021"]
params = { entry = 20, exit = 10, sizing = { fixed = { quantity = 1 } } }
"#;

    fn id(text: &str) -> StrategyId {
        StrategyId::new(text).unwrap()
    }

    fn sma(fast: usize, slow: usize) -> StrategyParams {
        StrategyParams::SmaCross(SmaCrossParams { fast, slow, sizing: Sizing::Fixed { quantity: 3 } })
    }

    fn spec(name: &str, instrument: &str) -> StrategySpec {
        StrategySpec {
            id: id(name),
            instruments: vec![InstrumentKey::new(instrument).unwrap()],
            enabled: true,
            bar_interval: trader::bars::BarInterval::S1,
            params: StrategyParams::Donchian(DonchianParams { entry: 4, exit: 2, sizing: Sizing::ALL_IN }),
        }
    }

    /// Folds records as recovery does, through their journal encoding.
    fn fold(records: &[JournalRecord]) -> StrategyDeployments {
        let mut deployments = StrategyDeployments::default();
        for (i, record) in records.iter().enumerate() {
            let bytes = record.encode().unwrap();
            match crate::records::decode_record(&bytes, i as u64).unwrap() {
                JournalRecord::StrategyDeployed { spec_json } => deployments.deployed(&spec_json).unwrap(),
                JournalRecord::StrategyParamsChanged { id, params_json } => {
                    deployments.params_changed(&id, &params_json).unwrap()
                }
                JournalRecord::StrategyRemoved { id } => deployments.removed(&id),
                other => panic!("unexpected {other:?}"),
            }
        }
        deployments
    }

    #[test]
    fn the_journal_wins_over_the_config_file_for_every_id_it_knows() {
        let mut config = TraderConfig::from_toml(CONFIG).unwrap();
        let deployments = fold(&[
            deployed_record(&spec("fresh", "NSE_EQ|INE009A01021")).unwrap(),
            params_record(&id("tuned"), &sma(3, 8)).unwrap(),
            JournalRecord::StrategyRemoved { id: id("dropped") },
            // Deployed, tuned, then removed and deployed again: the last deployment counts.
            deployed_record(&spec("again", "NSE_EQ|INE002A01018")).unwrap(),
            params_record(
                &id("again"),
                &StrategyParams::Donchian(DonchianParams { entry: 9, exit: 3, sizing: Sizing::ALL_IN }),
            )
            .unwrap(),
            // Trades an instrument the file does not list (any more): left out.
            deployed_record(&spec("orphan", "NSE_EQ|INE467B01029")).unwrap(),
        ]);
        deployments.apply_to(&mut config);
        let ids: Vec<&str> = config.strategies.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["kept", "tuned", "again", "fresh"]);
        assert_eq!(config.strategies[1].params, sma(3, 8));
        assert_eq!(
            config.strategies[2].params,
            StrategyParams::Donchian(DonchianParams { entry: 9, exit: 3, sizing: Sizing::ALL_IN })
        );
        assert_eq!(config.strategies[3], spec("fresh", "NSE_EQ|INE009A01021"));
        assert!(config.validate().is_ok(), "{:?}", config.validate());

        // Removing a deployed one, and re-deploying a removed config one.
        let mut config = TraderConfig::from_toml(CONFIG).unwrap();
        let mut back = spec("dropped", "NSE_EQ|INE002A01018");
        back.enabled = false;
        fold(&[
            deployed_record(&spec("fresh", "NSE_EQ|INE009A01021")).unwrap(),
            JournalRecord::StrategyRemoved { id: id("fresh") },
            JournalRecord::StrategyRemoved { id: id("dropped") },
            deployed_record(&back).unwrap(),
        ])
        .apply_to(&mut config);
        let ids: Vec<&str> = config.strategies.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["kept", "tuned", "dropped"]);
        assert_eq!(config.strategies[2], back);
    }

    #[test]
    fn parameters_of_another_kind_leave_the_file_alone_and_removed_ones_take_none() {
        let mut config = TraderConfig::from_toml(CONFIG).unwrap();
        let mut deployments = fold(&[params_record(
            &id("dropped"),
            &sma(2, 9), // the file says donchian
        )
        .unwrap()]);
        deployments.removed(&id("gone"));
        let json = serde_json::to_string(&sma(1, 2)).unwrap();
        assert!(deployments.params_changed(&id("gone"), &json).is_err());
        assert!(deployments.params_changed(&id("x"), "{").is_err());
        let before = config.strategies.clone();
        deployments.apply_to(&mut config);
        assert_eq!(config.strategies, before);
    }

    #[test]
    fn exposure_counts_open_orders_and_nets_filled_quantities() {
        let reliance = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        let order = |n: u32, origin: OrderOrigin, side: Side, quantity: u64| {
            let request = OrderRequest {
                client_order_id: ClientOrderId::new(format!("c-{n}")).unwrap(),
                origin,
                intent: OrderIntent::market(reliance.clone(), side, Quantity::new(quantity)),
                tag: None,
            };
            Order::new(OrderId::new(format!("o-{n}")).unwrap(), request, Timestamp::from_nanos(1))
        };
        let mine = OrderOrigin::Strategy(id("s"));
        let fill = |mut o: Order, quantity: u64| {
            o.apply(&OrderEvent::Accepted, Timestamp::from_nanos(2)).unwrap();
            let price = Price::from_micros(1_000_000);
            o.apply(&OrderEvent::Filled { quantity: Quantity::new(quantity), price }, Timestamp::from_nanos(3))
                .unwrap();
            o
        };
        let orders = vec![
            fill(order(1, mine.clone(), Side::Buy, 5), 5),
            fill(order(2, mine.clone(), Side::Sell, 5), 2), // partly filled: open, net +3
            order(3, OrderOrigin::Manual, Side::Buy, 7),
            fill(order(4, OrderOrigin::Strategy(id("other")), Side::Buy, 1), 1),
        ];
        let exposure = Exposure::of(&id("s"), &orders);
        assert_eq!(exposure.open_orders, [OrderId::new("o-2").unwrap()]);
        assert_eq!(exposure.positions, BTreeMap::from([(reliance.clone(), 3)]));
        assert!(!exposure.is_flat());
        assert!(Exposure::of(&id("none"), &orders).is_flat());
        let flat = Exposure::of(
            &id("s"),
            &[fill(order(5, mine.clone(), Side::Buy, 2), 2), { fill(order(6, mine, Side::Sell, 2), 2) }],
        );
        assert!(flat.is_flat(), "{flat:?}");
        let message = LifecycleError::Exposed { id: id("s"), exposure, stopped: false }.to_string();
        assert!(message.starts_with("strategy `s` has 1 open orders and 3 in NSE_EQ|INE002A01018;"), "{message}");
    }
}
