//! `BacktestArgs`: the `traderd backtest` command line.

use std::path::PathBuf;

use trader::backtest::DEFAULT_BACKTEST_KEY;

/// Backtest a strategy on historical bars (or ticks) from a CSV file, or sweep a grid of its
/// parameters.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct BacktestArgs {
    /// Bar CSV (a date or datetime first column, named or not; open/high/low/close and optional
    /// volume columns in any case) or tick CSV (timestamp, price, quantity).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,

    /// The instrument the data is traded as, in Upstox form SEGMENT|identifier. The segment picks
    /// the exchange the Indian charges use; the tick size is inferred from the prices.
    #[arg(long, value_name = "KEY", default_value = DEFAULT_BACKTEST_KEY)]
    pub instrument: String,

    /// The strategy: sma_cross (params fast, slow) or donchian (params entry, exit).
    #[arg(long, default_value = "sma_cross")]
    pub strategy: String,

    /// A strategy parameter, repeatable: `fast=10`; for a sweep, `fast=5..30:5` (inclusive
    /// range with a step) or `fast=5,10,20`. Sizing: `quantity=N` (fixed) or `commission=R`
    /// (all-in, reserving R); default all-in.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,

    /// Starting cash.
    #[arg(long, default_value = "10000", allow_hyphen_values = true)]
    pub cash: String,

    /// Charge R × traded value on every fill (e.g. 0.002); all-in sizing then reserves R.
    #[arg(long, value_name = "R", conflicts_with = "charges", allow_hyphen_values = true)]
    pub commission: Option<String>,

    /// Charge the Indian equity schedule (brokerage, STT, exchange, SEBI, stamp duty, GST) for
    /// intraday (MIS) or delivery (CNC) orders.
    #[arg(long, value_enum)]
    pub charges: Option<ChargesArg>,

    /// When orders fill: next-open (the next bar's open) or close (the deciding bar's close).
    #[arg(long, value_enum, default_value_t = FillArg::NextOpen)]
    pub fill: FillArg,

    /// Adverse slippage, in ticks, on market orders filled from a bar's open or a trade.
    #[arg(long, value_name = "TICKS", default_value_t = 0)]
    pub slippage_ticks: u32,

    /// UTC offset of times written without one in the data, also used to show times
    /// (`+05:30`, `Z`, `-04:00`).
    #[arg(long, value_name = "OFFSET", default_value = "+05:30", allow_hyphen_values = true)]
    pub utc_offset: String,

    /// Write fills.csv, equity.csv, summary.json and report.html (sweeps: sweep.csv and
    /// sweep.json) into this directory, creating it if needed.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print the summary (or the sweep's results) as JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Sweeps: rank by this statistic (sharpe, sortino, calmar, return, cagr, max_drawdown,
    /// win_rate, profit_factor, trades, final_equity), best first.
    #[arg(long, value_name = "METRIC", default_value = "sharpe")]
    pub sort: String,

    /// Sweeps: show the best N runs in the table (0 shows all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,

    /// Sweeps: worker threads (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// `--charges`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChargesArg {
    IndiaIntraday,
    IndiaDelivery,
}

/// `--fill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FillArg {
    NextOpen,
    Close,
}
