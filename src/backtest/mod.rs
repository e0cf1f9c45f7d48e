//! Backtests: the live strategy, risk gate and paper matcher driven synchronously over historical
//! bars on a simulated clock (the bars' own timestamps), without actors, so a run is
//! deterministic and fast.
//!
//! - [`run_backtest`]: one run of a [`BacktestConfig`] over bars → a [`BacktestRun`] (equity per
//!   bar, fills, closed trades, refused and rejected orders).
//! - [`Summary`]: its statistics, defined as empyrical / quantstats define them.
//! - [`report`]: the summary table, `fills.csv`, `equity.csv`, `report.html` as strings.
//! - [`sweep`]: parameter grids run in parallel and ranked.
//! - [`parse_market_csv`] and [`backtest_instrument`]: bars from bar or tick CSV, and the
//!   instrument they trade as (tick size inferred from the prices).

mod config;
mod engine;
mod error;
mod input;
mod instrument;
mod params;
pub mod report;
mod run;
mod summary;
pub mod sweep;
mod time_text;
mod trades;
mod view;

pub use config::{BacktestConfig, FillConvention};
pub use engine::{
    backtest_limits, run_backtest, run_backtest_cancellable, run_strategy, CANCEL_CHECK_BARS, MAX_ORDERS_PER_BAR,
};
pub use error::BacktestError;
pub use input::{bars_from_ticks, detect_layout, parse_market_csv, CsvLayout};
pub use instrument::{backtest_instrument, infer_tick_size, DEFAULT_BACKTEST_KEY};
pub use params::strategy_params;
pub use run::{BacktestRun, FillRecord, RefusedOrder, RejectedOrder};
pub use summary::{describe_costs, Summary};
pub use time_text::{format_timestamp, parse_utc_offset, push_timestamp};
pub use trades::ClosedTrade;
