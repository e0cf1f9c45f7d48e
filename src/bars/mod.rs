//! Bars from quotes: OHLCV aggregation per instrument and interval, aligned to IST, with a bounded
//! history per series. Pure: the runtime feeds quotes and timer instants in; nothing here reads a
//! clock.

mod aggregator;
mod config;
mod forming;
mod interval;
mod series;
mod volume;

pub use aggregator::{AggregatorStats, BarAggregator, CompletedBar};
pub use config::{BarsConfig, MAX_HISTORY};
pub use interval::{BarInterval, BarIntervalError};
