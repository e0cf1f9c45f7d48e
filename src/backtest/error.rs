//! `BacktestError`: why a backtest could not run or stopped.

use thiserror::Error;

use crate::charges::ChargeError;
use crate::config::Problems;
use crate::model::{PositionError, TransitionError};
use crate::paper::MarketDataError;

/// A backtest that could not start (bad configuration, no data) or that stopped on a bar because
/// the accounting refused something (an amount out of range, a strategy that never stops ordering).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BacktestError {
    #[error("invalid backtest configuration:\n{0}")]
    Invalid(Problems),
    #[error("the data holds no bars")]
    NoBars,
    #[error("bar {bar}: {error}")]
    MarketData { bar: usize, error: MarketDataError },
    #[error("bar {bar}: {error}")]
    Order { bar: usize, error: TransitionError },
    #[error("bar {bar}: {error}")]
    Charges { bar: usize, error: ChargeError },
    #[error("bar {bar}: {error}")]
    Accounting { bar: usize, error: PositionError },
    #[error("bar {bar}: the strategy submitted more than {limit} orders on one bar")]
    RunawayStrategy { bar: usize, limit: usize },
    #[error("bar {bar}: {what} is out of range")]
    Overflow { bar: usize, what: &'static str },
    /// Stopped on request (`run_backtest_cancellable`) before bar `bar`.
    #[error("cancelled before bar {bar}")]
    Cancelled { bar: usize },
}
