//! The JSON bodies clients send, for the OpenAPI document.
//!
//! The handlers read bodies field by field (`body::Fields`) so that a 400 names every bad field
//! at once; these types only describe what they accept. Unknown fields are refused, hence
//! `deny_unknown_fields` (documented as `additionalProperties: false`). Decimal fields accept a
//! string or a JSON number and are read exactly.

use utoipa::ToSchema;

use super::mirror_schemas;

/// A new order. It passes through the same risk gate as a strategy's orders.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"instrument": "NSE_EQ|INE002A01018", "side": "buy", "quantity": 10,
    "order_type": "limit", "price": "2450.05", "validity": "day", "product": "intraday",
    "client_order_id": "desk-2026-11-27-001"}))]
pub struct PlaceOrderBody {
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: String,
    #[schema(value_type = mirror_schemas::Side)]
    pub side: String,
    /// Whole units, at least 1 (a multiple of the lot size for F&O); a string is accepted too.
    #[schema(minimum = 1)]
    pub quantity: u64,
    #[schema(value_type = super::order_view::OrderType)]
    pub order_type: String,
    /// Required for `limit` and `sl`; refused for `market` and `sl-m`. Positive, on the tick grid.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub price: Option<String>,
    /// Required for `sl` and `sl-m`; refused otherwise.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub trigger_price: Option<String>,
    /// Default `day`.
    #[schema(value_type = Option<mirror_schemas::Validity>)]
    pub validity: Option<String>,
    /// Default `intraday`.
    #[schema(value_type = Option<mirror_schemas::Product>)]
    pub product: Option<String>,
    /// Idempotency key (at most 40 plain characters): sending the same id again returns the
    /// existing order (200) instead of placing a second one. Generated when absent.
    #[schema(max_length = 40)]
    pub client_order_id: Option<String>,
    /// A free label shown in order books (at most 40 plain characters).
    #[schema(max_length = 40)]
    pub tag: Option<String>,
}

/// A change of trading state.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "halted", "cancel_open_orders": true}))]
pub struct KillSwitchBody {
    #[schema(value_type = mirror_schemas::TradingState)]
    pub state: String,
    /// Also cancel every open order; default false.
    pub cancel_open_orders: Option<bool>,
    /// Why, in the operator's words (one line, at most 200 characters); journaled and logged with
    /// the caller's name.
    pub reason: Option<String>,
}

/// A backtest job: the parameters of `traderd backtest`, as JSON.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"data": "reliance_1d.csv", "instrument": "NSE_EQ|INE002A01018", "strategy": "sma_cross",
    "params": {"fast": 10, "slow": "20..60:10"}, "cash": "100000", "charges": "india-delivery"}))]
pub struct BacktestBody {
    /// A bar or tick CSV file name inside `<state-dir>/data` (no directories, no `..`).
    pub data: String,
    /// The instrument the data trades as; default `NSE_EQ|BACKTEST`.
    #[schema(value_type = Option<mirror_schemas::InstrumentKey>)]
    pub instrument: Option<String>,
    /// `sma_cross` (params `fast`, `slow`) or `donchian` (params `entry`, `exit`); default `sma_cross`.
    #[schema(example = "sma_cross")]
    pub strategy: Option<String>,
    /// Strategy parameters by name. A value that is a range `5..30:5` or a list `5,10,20` makes
    /// the job a sweep over the grid. Sizing: `quantity` (fixed) or `commission` (all-in).
    #[schema(value_type = Option<Object>, additional_properties = true)]
    pub params: Option<String>,
    /// Starting cash; default `10000`.
    #[schema(value_type = Option<mirror_schemas::Money>)]
    pub cash: Option<String>,
    /// Charge this fraction of traded value on every fill; not with `charges`.
    #[schema(value_type = Option<mirror_schemas::Rate>)]
    pub commission: Option<String>,
    /// Charge the Indian equity schedule; not with `commission`.
    #[schema(value_type = Option<BacktestCharges>)]
    pub charges: Option<String>,
    /// When orders fill; default `next-open`.
    #[schema(value_type = Option<BacktestFill>)]
    pub fill: Option<String>,
    /// Adverse slippage in ticks on market orders; default 0.
    pub slippage_ticks: Option<u32>,
    /// UTC offset of times in the data written without one; default `+05:30`.
    #[schema(example = "+05:30")]
    pub utc_offset: Option<String>,
    /// Sweeps: rank by `sharpe` (default), `sortino`, `calmar`, `return`, `cagr`, `max_drawdown`,
    /// `win_rate`, `profit_factor`, `trades` or `final_equity`.
    pub sort: Option<String>,
}

/// The charge schedule of a backtest.
#[derive(ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BacktestCharges {
    IndiaIntraday,
    IndiaDelivery,
}

/// `next-open` fills at the next bar's open; `close` at the deciding bar's close.
#[derive(ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BacktestFill {
    NextOpen,
    Close,
}

/// A change to an open order: its type stays the same. At least one field.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"quantity": 15, "price": "2448.50"}))]
pub struct ModifyOrderBody {
    /// The new total quantity, above what has already filled; a string is accepted too.
    #[schema(minimum = 1)]
    pub quantity: Option<u64>,
    /// The new limit price; only for `limit` and `sl` orders. Positive, on the tick grid.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub price: Option<String>,
    /// The new trigger price; only for `sl` and `sl-m` orders, and not once the stop has triggered.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub trigger_price: Option<String>,
}

/// Which open orders a cancel-all cancels; every filter given must hold. No body: all of them.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"instrument": "NSE_EQ|INE002A01018", "strategy": "manual"}))]
pub struct CancelAllBody {
    /// Only this instrument's orders.
    #[schema(value_type = Option<mirror_schemas::InstrumentKey>)]
    pub instrument: Option<String>,
    /// Only this strategy's orders, or `manual` for the orders placed through the API.
    #[schema(example = "manual")]
    pub strategy: Option<String>,
}
