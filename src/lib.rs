//! `trader`: the pure, deterministic core of traderd.
//!
//! The same code runs in live trading (driven by the actors in `trader-actors`) and in backtests
//! (driven synchronously by a simulated clock), so nothing here performs I/O, spawns tasks or
//! reads the wall clock outside `time::LiveClock`.
//!
//! Layout:
//! - [`alerts`]: alert rules on trades and their firing state.
//! - [`analytics`]: return, drawdown and trade statistics (empyrical definitions).
//! - [`bars`]: OHLCV bars aggregated from quotes per instrument and IST-aligned interval.
//! - [`num`]: fixed-point `Price`, `Quantity`, `Money`, `Rate`; exact decimal parse and format.
//! - [`time`]: UTC-nanosecond timestamps, calendar dates, IST views, the `Clock` trait.
//! - [`model`]: identifiers, instruments, quotes and bars, orders and their state machine, fills,
//!   positions, the portfolio.
//! - [`charges`]: the Indian cost model every fill is charged by.
//! - [`risk`]: pre-trade checks; only a `RiskApproved` request can reach a broker.
//! - [`paper`]: the deterministic paper matching engine.
//! - [`strategy`]: the `Strategy` trait, incremental indicators and the built-in strategies.
//! - [`data`]: bar and tick CSV parsing for backtests and replay.
//! - [`backtest`]: the backtest loop over bars, its statistics, reports and parameter sweeps.
//! - [`config`]: typed configuration that rejects unknown keys and reports every error at once.

pub mod alerts;
pub mod analytics;
pub mod backtest;
pub mod bars;
pub mod charges;
pub mod config;
pub mod data;
pub mod model;
pub mod num;
pub mod paper;
pub mod risk;
pub mod strategy;
pub mod time;
