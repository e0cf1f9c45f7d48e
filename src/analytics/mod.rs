//! Performance analytics over equity curves and closed trades. Statistics are `f64` (they are
//! ratios, not money) and follow empyrical's definitions; money amounts stay fixed-point.

mod attribution;
mod calmar;
mod curve_stats;
mod drawdown;
mod returns;
mod trades;

pub use attribution::{Attribution, BookId, BookPnl, OpenPosition};
pub use calmar::calmar_ratio;
pub(crate) use curve_stats::{percent, total_return_pct};
pub use curve_stats::{CurveStats, MIN_SAMPLES};
pub use drawdown::{drawdown, drawdown_series, Drawdown};
pub use returns::{annual_volatility, cagr, periods_per_year, sharpe_ratio, simple_returns, sortino_ratio};
pub use trades::{trade_stats, TradeStats};
