//! How types defined outside the control plane look in JSON, for the OpenAPI document.
//!
//! The core crate `trader` must not depend on utoipa, and the status board and backtest jobs
//! keep their types free of documentation concerns, so these types describe the JSON that the
//! real types' `Serialize` impls write; nothing constructs them. The tests serialise real values
//! and check them against these schemas, so a change that is not mirrored here fails a test.

use utoipa::ToSchema;

/// An exact decimal price as a string (JSON numbers lose precision); input also accepts a number.
#[derive(ToSchema)]
#[schema(example = "2450.05")]
pub struct Price(pub String);

/// An exact amount of rupees as a decimal string.
#[derive(ToSchema)]
#[schema(example = "-1234.50")]
pub struct Money(pub String);

/// An exact fraction as a decimal string: `0.02` is 2 %.
#[derive(ToSchema)]
#[schema(example = "0.02")]
pub struct Rate(pub String);

/// An instant: nanoseconds since the Unix epoch, UTC.
#[derive(ToSchema)]
#[schema(example = 1_764_215_100_250_000_000_i64)]
pub struct Timestamp(pub i64);

/// An Upstox instrument key: segment, `|`, then the ISIN or exchange token.
#[derive(ToSchema)]
#[schema(example = "NSE_EQ|INE002A01018")]
pub struct InstrumentKey(pub String);

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

/// `day` rests until filled, cancelled or the session ends; `ioc` cancels whatever does not fill at once.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Validity {
    Day,
    Ioc,
}

/// `intraday` (MIS) is squared off the same day; `delivery` (CNC) goes to the demat account.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    Intraday,
    Delivery,
}

/// `active` accepts orders within the limits; `reducing` only orders that shrink a position;
/// `halted` none.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TradingState {
    Active,
    Reducing,
    Halted,
}

/// A bar length; buckets are aligned to India Standard Time.
#[derive(ToSchema)]
pub enum BarInterval {
    #[serde(rename = "1s")]
    S1,
    #[serde(rename = "1m")]
    M1,
    #[serde(rename = "5m")]
    M5,
    #[serde(rename = "15m")]
    M15,
    #[serde(rename = "1h")]
    H1,
    #[serde(rename = "1d")]
    D1,
}

#[derive(ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Exchange {
    Nse,
    Bse,
    Mcx,
    Other,
}

/// The market segment part of an instrument key, as Upstox names it.
#[derive(ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Segment {
    NseEq,
    NseFo,
    NseIndex,
    NseCom,
    BseEq,
    BseFo,
    BseIndex,
    McxFo,
    McxIndex,
    NcdFo,
    BcdFo,
    GlobalIndex,
    GlobalIndicator,
}

/// A tradable (or quote-only) instrument and the rules its orders must follow.
#[derive(ToSchema)]
pub struct Instrument {
    #[schema(value_type = InstrumentKey)]
    pub key: String,
    pub trading_symbol: String,
    #[schema(value_type = Exchange)]
    pub exchange: String,
    #[schema(value_type = Segment)]
    pub segment: String,
    /// Smallest price step; every order price must be a multiple of it.
    #[schema(value_type = Price)]
    pub tick_size: String,
    /// Orders must be whole multiples of this many units (1 for cash equities).
    pub lot_size: u64,
    /// Largest quantity the exchange accepts in one order, if it sets one.
    pub freeze_quantity: Option<u64>,
    /// Decimal places used to display prices.
    pub precision: u32,
    /// False for indices and suspended instruments: quotes only.
    pub tradable: bool,
}

/// The latest trade and top of book for one instrument.
#[derive(ToSchema)]
pub struct Quote {
    #[schema(value_type = InstrumentKey)]
    pub instrument: String,
    /// Exchange time of the last trade or book change.
    #[schema(value_type = Timestamp)]
    pub ts: i64,
    #[schema(value_type = Price)]
    pub last: String,
    pub last_quantity: u64,
    #[schema(value_type = Option<Price>)]
    pub bid: Option<String>,
    pub bid_quantity: u64,
    #[schema(value_type = Option<Price>)]
    pub ask: Option<String>,
    pub ask_quantity: u64,
    /// Cumulative traded volume for the day.
    pub volume: u64,
}

/// One OHLCV bar; `ts` is its opening instant.
#[derive(ToSchema)]
pub struct Bar {
    #[schema(value_type = Timestamp)]
    pub ts: i64,
    #[schema(value_type = Price)]
    pub open: String,
    #[schema(value_type = Price)]
    pub high: String,
    #[schema(value_type = Price)]
    pub low: String,
    #[schema(value_type = Price)]
    pub close: String,
    pub volume: u64,
}

/// What one fill paid, by component.
#[derive(ToSchema)]
pub struct ChargeBreakdown {
    /// Broker's fee.
    #[schema(value_type = Money)]
    pub brokerage: String,
    /// Securities transaction tax.
    #[schema(value_type = Money)]
    pub stt: String,
    /// Exchange transaction charges.
    #[schema(value_type = Money)]
    pub exchange: String,
    /// SEBI turnover fee.
    #[schema(value_type = Money)]
    pub sebi: String,
    /// Stamp duty, levied on buys only.
    #[schema(value_type = Money)]
    pub stamp_duty: String,
    /// GST on brokerage, exchange and SEBI charges.
    #[schema(value_type = Money)]
    pub gst: String,
}

/// One execution of an order.
#[derive(ToSchema)]
pub struct Fill {
    pub id: String,
    pub order_id: String,
    #[schema(value_type = InstrumentKey)]
    pub instrument: String,
    #[schema(value_type = Side)]
    pub side: String,
    #[schema(value_type = Product)]
    pub product: String,
    pub quantity: u64,
    #[schema(value_type = Price)]
    pub price: String,
    #[schema(value_type = Timestamp)]
    pub ts: i64,
    #[schema(value_type = ChargeBreakdown)]
    pub charges: String,
}

/// What must happen for an alert to fire.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum AlertCondition {
    /// The last trade is strictly above `price`.
    PriceAbove {
        #[schema(value_type = Price)]
        price: String,
    },
    /// The last trade is strictly below `price`.
    PriceBelow {
        #[schema(value_type = Price)]
        price: String,
    },
    /// The last trade crosses `price` in either direction.
    PriceCrosses {
        #[schema(value_type = Price)]
        price: String,
    },
    /// The last trade has moved at least `percent` (a fraction) from `reference`.
    MoveFrom {
        #[schema(value_type = Price)]
        reference: String,
        #[schema(value_type = Rate)]
        percent: String,
    },
    /// One trade's quantity is at least `factor` × the average of the previous `window` trades.
    VolumeSpike {
        #[schema(value_type = Rate)]
        factor: String,
        window: u64,
    },
}

/// `once` fires the first time, then stays quiet; `repeat` fires at most once per cooldown.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case", tag = "mode", deny_unknown_fields)]
pub enum AlertMode {
    Once,
    Repeat { cooldown_ms: u64 },
}

/// An alert rule on one instrument's trades.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "reliance-above-3000", "instrument": "NSE_EQ|INE002A01018",
    "condition": {"kind": "price_above", "price": "3000"}, "mode": {"mode": "once"}, "enabled": true}))]
pub struct AlertRule {
    /// Unique name (letters, digits, `-`, `_`).
    pub id: String,
    #[schema(value_type = InstrumentKey)]
    pub instrument: String,
    #[schema(value_type = AlertCondition)]
    pub condition: String,
    /// Default `{"mode": "once"}`.
    #[serde(default)]
    #[schema(value_type = AlertMode)]
    pub mode: String,
    /// Default true.
    #[serde(default)]
    pub enabled: bool,
}

/// How many units a strategy enters with.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Sizing {
    /// Spend the available cash: the most whole units (lots) the cash covers, `commission` added.
    AllIn {
        #[schema(value_type = Rate)]
        commission: String,
    },
    /// The same number of units on every entry.
    Fixed { quantity: u64 },
}

/// A built-in strategy and its parameters.
#[derive(ToSchema)]
#[serde(tag = "kind", content = "params", rename_all = "snake_case", deny_unknown_fields)]
pub enum StrategyParams {
    SmaCross(SmaCrossParams),
    Donchian(DonchianParams),
}

/// Moving-average cross: window lengths in bars.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmaCrossParams {
    pub fast: u64,
    pub slow: u64,
    pub sizing: Sizing,
}

/// Donchian breakout: lookbacks in bars.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DonchianParams {
    /// Enter above the highest high of this many previous bars.
    pub entry: u64,
    /// Exit below the lowest low of this many previous bars.
    pub exit: u64,
    pub sizing: Sizing,
}

/// The life of one supervised actor; `reason` says why it stopped.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum ActorState {
    Running,
    /// Stopped by an operator.
    Stopped(String),
    /// Stopped for good after exhausting its restart budget.
    Failed(String),
}

/// What the supervisor knows about one actor.
#[derive(ToSchema)]
pub struct ActorStatus {
    #[schema(inline)]
    pub state: ActorState,
    pub restarts: u32,
    pub last_error: Option<String>,
}

/// Where a backtest job is; `done` carries the summary (a sweep's ranked runs), `failed` the error.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum BacktestProgress {
    Queued,
    Running,
    Done {
        /// The statistics `traderd backtest --json` prints: returns, drawdown, Sharpe, trades.
        #[schema(value_type = Object)]
        summary: String,
    },
    Failed {
        error: String,
    },
    /// Cancelled before it finished; it wrote no outputs.
    Cancelled,
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::{json, Value};
    use trader::bars::BarInterval as CoreBarInterval;
    use trader::model::{
        Bar as CoreBar, Exchange as CoreExchange, Fill as CoreFill, FillId, Instrument as CoreInstrument,
        InstrumentKey as CoreKey, OrderId, OrderStatus as CoreOrderStatus, Product as CoreProduct, Quote as CoreQuote,
        Segment as CoreSegment, Side as CoreSide, Validity as CoreValidity,
    };
    use trader::num::Quantity;
    use trader::risk::TradingState as CoreTradingState;
    use trader::time::Timestamp as CoreTimestamp;

    use super::super::schema_check::{check, component};
    use crate::backtest_jobs::JobStatus;
    use crate::status_board::{ActorState as CoreActorState, ActorStatus as CoreActorStatus};

    /// Every variant of a fieldless enum. The match fails to compile when the enum gains a
    /// variant, so the list (and the mirror) is revisited.
    macro_rules! every {
        ($ty:ty: $($variant:path),+ $(,)?) => {{
            fn _exhaustive(value: &$ty) {
                match value {
                    $($variant)|+ => {}
                }
            }
            vec![$($variant),+]
        }};
    }

    fn doc() -> Value {
        serde_json::to_value(super::super::openapi::document()).expect("the document serialises")
    }

    /// Asserts that `value`, serialised as the server does, satisfies the component `name`.
    fn conforms(doc: &Value, name: &str, value: &impl Serialize) {
        let json = serde_json::to_value(value).expect("serialises");
        let errors = check(doc, component(doc, name), &json);
        assert!(errors.is_empty(), "{name} does not describe {json}: {errors:#?}");
    }

    /// Asserts that the component `name` lists exactly the strings `values` serialise to.
    fn same_enum<T: Serialize>(doc: &Value, name: &str, values: &[T]) {
        let mut written: Vec<Value> = values.iter().map(|v| serde_json::to_value(v).expect("serialises")).collect();
        let mut documented = component(doc, name)["enum"].as_array().cloned().unwrap_or_default();
        written.sort_by_key(Value::to_string);
        documented.sort_by_key(Value::to_string);
        assert_eq!(documented, written, "{name}");
    }

    fn key(text: &str) -> CoreKey {
        CoreKey::new(text).unwrap()
    }

    #[test]
    fn enums_list_exactly_the_values_the_core_writes() {
        let doc = doc();
        same_enum(&doc, "Side", &every!(CoreSide: CoreSide::Buy, CoreSide::Sell));
        same_enum(&doc, "Validity", &every!(CoreValidity: CoreValidity::Day, CoreValidity::Ioc));
        same_enum(&doc, "Product", &every!(CoreProduct: CoreProduct::Intraday, CoreProduct::Delivery));
        same_enum(
            &doc,
            "TradingState",
            &every!(CoreTradingState: CoreTradingState::Active, CoreTradingState::Reducing, CoreTradingState::Halted),
        );
        use CoreBarInterval as I;
        same_enum(&doc, "BarInterval", &every!(I: I::S1, I::M1, I::M5, I::M15, I::H1, I::D1));
        use CoreExchange as E;
        same_enum(&doc, "Exchange", &every!(E: E::Nse, E::Bse, E::Mcx, E::Other));
        use CoreSegment as S;
        same_enum(
            &doc,
            "Segment",
            &every!(S: S::NseEq, S::NseFo, S::NseIndex, S::NseCom, S::BseEq, S::BseFo, S::BseIndex, S::McxFo,
                S::McxIndex, S::NcdFo, S::BcdFo, S::GlobalIndex, S::GlobalIndicator),
        );
        use CoreOrderStatus as O;
        let statuses = every!(O: O::Pending, O::Accepted, O::PartiallyFilled, O::Filled, O::Cancelled, O::Rejected,
            O::Expired, O::PendingCancel, O::PendingModify);
        same_enum(&doc, "OrderStatus", &statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    }

    #[test]
    fn market_data_mirrors_match_real_values() {
        let doc = doc();
        let instrument = CoreInstrument {
            key: key("NSE_FO|43650"),
            trading_symbol: "NIFTY 26NOV 24000 CE".to_owned(),
            exchange: CoreExchange::Nse,
            segment: CoreSegment::NseFo,
            tick_size: "0.05".parse().unwrap(),
            lot_size: 75,
            freeze_quantity: Some(1800),
            precision: 2,
            tradable: true,
        };
        conforms(&doc, "Instrument", &instrument);
        conforms(&doc, "Instrument", &CoreInstrument { freeze_quantity: None, tradable: false, ..instrument });
        let ts = CoreTimestamp::from_nanos(1_764_215_100_250_000_000);
        let last = CoreQuote::last_trade(key("NSE_EQ|INE002A01018"), ts, "2450.05".parse().unwrap(), Quantity::new(10));
        conforms(&doc, "Quote", &last);
        conforms(
            &doc,
            "Quote",
            &CoreQuote {
                bid: Some("2450".parse().unwrap()),
                ask: Some("2450.10".parse().unwrap()),
                volume: 99,
                ..last
            },
        );
        let bar = CoreBar {
            ts,
            open: "1.00".parse().unwrap(),
            high: "2.00".parse().unwrap(),
            low: "0.50".parse().unwrap(),
            close: "1.50".parse().unwrap(),
            volume: 7,
        };
        conforms(&doc, "Bar", &bar);
    }

    #[test]
    fn a_fill_mirror_matches_a_real_fill() {
        let fill = CoreFill {
            id: FillId::new("paper-1").unwrap(),
            order_id: OrderId::new("o-1").unwrap(),
            instrument: key("NSE_EQ|INE002A01018"),
            side: CoreSide::Sell,
            product: CoreProduct::Delivery,
            quantity: Quantity::new(3),
            price: "2450.05".parse().unwrap(),
            ts: CoreTimestamp::from_nanos(1),
            charges: trader::charges::ChargeBreakdown::commission("12.34".parse().unwrap()),
        };
        conforms(&doc(), "Fill", &fill);
    }

    #[test]
    fn every_alert_condition_and_mode_is_mirrored() {
        let doc = doc();
        let conditions = [
            json!({"kind": "price_above", "price": "3000"}),
            json!({"kind": "price_below", "price": "2000.5"}),
            json!({"kind": "price_crosses", "price": "2500"}),
            json!({"kind": "move_from", "reference": "2450", "percent": "0.02"}),
            json!({"kind": "volume_spike", "factor": "3", "window": 20}),
        ];
        let modes = [json!({"mode": "once"}), json!({"mode": "repeat", "cooldown_ms": 60000})];
        for condition in &conditions {
            for mode in &modes {
                let rule: trader::alerts::AlertRule = serde_json::from_value(json!({
                    "id": "a-1", "instrument": "NSE_EQ|INE002A01018", "condition": condition, "mode": mode,
                }))
                .expect("a valid rule");
                conforms(&doc, "AlertRule", &rule);
            }
        }
        // One variant per core condition: a new core condition is a new `kind` the mirror lacks.
        let mirrored = component(&doc, "AlertCondition")["oneOf"].as_array().map_or(0, Vec::len);
        assert_eq!(mirrored, conditions.len());
    }

    #[test]
    fn strategy_params_and_sizing_are_mirrored() {
        let doc = doc();
        for params in [
            json!({"kind": "sma_cross", "params": {"fast": 3, "slow": 8, "sizing": {"fixed": {"quantity": 10}}}}),
            json!({"kind": "donchian", "params": {"entry": 5, "exit": 3, "sizing": {"all_in": {"commission": "0.002"}}}}),
        ] {
            let parsed: trader::strategy::StrategyParams = serde_json::from_value(params).expect("valid params");
            conforms(&doc, "StrategyParams", &parsed);
        }
    }

    #[test]
    fn actor_and_job_states_are_mirrored() {
        let doc = doc();
        let states = [
            CoreActorState::Running,
            CoreActorState::Stopped("by hand".into()),
            CoreActorState::Failed("panic".into()),
        ];
        for state in states {
            // Exhaustive: a new state fails to compile here until it is listed and mirrored.
            match &state {
                CoreActorState::Running | CoreActorState::Stopped(_) | CoreActorState::Failed(_) => {}
            }
            conforms(&doc, "ActorStatus", &CoreActorStatus { state, restarts: 2, last_error: Some("boom".into()) });
        }
        conforms(
            &doc,
            "ActorStatus",
            &CoreActorStatus { state: CoreActorState::Running, restarts: 0, last_error: None },
        );
        let jobs = [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Done { summary: json!({"sharpe": 1.2}) },
            JobStatus::Failed { error: "no data".into() },
            JobStatus::Cancelled,
        ];
        for status in jobs {
            // Exhaustive, as above.
            match &status {
                JobStatus::Queued
                | JobStatus::Running
                | JobStatus::Done { .. }
                | JobStatus::Failed { .. }
                | JobStatus::Cancelled => {}
            }
            conforms(&doc, "BacktestStatus", &super::super::backtests::BacktestStatus { id: 4, status });
        }
    }
}
