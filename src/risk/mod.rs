//! Pre-trade risk: the checks every order passes before it may reach a broker.
//!
//! [`RiskGate::check`] is a plain function of its limits, its rate-limit state and a
//! [`RiskContext`] the caller supplies; it answers with a [`RiskApproved`] request or a typed
//! [`Refusal`] naming the rule, the limit and the value. Only this module can build a
//! `RiskApproved`, so code that sends orders and takes `RiskApproved<OrderRequest>` cannot be
//! handed one that skipped the gate (ARCHITECTURE §8). The rules and their order are documented
//! on [`RiskGate`].
//!
//! Layout: [`TradingState`] (active / reducing / halted), [`RiskLimits`] (configuration, with
//! the [`MarketCalendar`] and its [`WallTime`]s), [`TokenBucket`] (orders per second on injected
//! time), [`RiskContext`], [`Refusal`], [`RiskApproved`] and [`RiskGate`].

mod approved;
mod calendar;
mod context;
mod gate;
mod limits;
mod rate_limit;
mod refusal;
mod trading_state;
mod wall_time;

pub use approved::RiskApproved;
pub use calendar::MarketCalendar;
pub use context::RiskContext;
pub use gate::RiskGate;
pub use limits::{RiskLimits, RETAIL_MAX_ORDERS_PER_SECOND};
pub use rate_limit::TokenBucket;
pub use refusal::{NotTradable, PriceField, Refusal};
pub use trading_state::TradingState;
pub use wall_time::{WallTime, WallTimeError};
