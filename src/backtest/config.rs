//! `BacktestConfig`: everything one backtest run needs besides its bars.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::charges::CostModel;
use crate::config::{join, Problems};
use crate::model::{Instrument, Product};
use crate::num::Money;
use crate::paper::PaperConfig;
use crate::strategy::StrategyParams;

/// When an order decided on a bar executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FillConvention {
    /// At the next bar's open: the strategy decides on bar t's close, the paper matcher sees bar
    /// t + 1 (backtesting.py's default, and what a live order placed after the close gets).
    #[default]
    NextOpen,
    /// At bar t's own close: after the strategy decides, the matcher sees one trade at the close
    /// (backtesting.py's `trade_on_close=True`).
    Close,
}

impl FillConvention {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FillConvention::NextOpen => "next-open",
            FillConvention::Close => "close",
        }
    }
}

impl fmt::Display for FillConvention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FillConvention {
    type Err = String;

    fn from_str(text: &str) -> Result<FillConvention, String> {
        match text {
            "next-open" => Ok(FillConvention::NextOpen),
            "close" => Ok(FillConvention::Close),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(format!("unknown fill convention `{shown}` (known: next-open, close)"))
            }
        }
    }
}

/// One backtest: the instrument the bars belong to, the strategy, the account and the costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacktestConfig {
    /// The instrument every bar is for (see `backtest_instrument` for one built from the data).
    pub instrument: Instrument,
    pub strategy: StrategyParams,
    /// Starting cash.
    pub cash: Money,
    /// How each fill is charged.
    pub costs: CostModel,
    /// The product every order is placed and charged as. Strategies ask for intraday orders; the
    /// backtest sets this product on each one, so `--charges india-delivery` charges delivery.
    pub product: Product,
    pub fill: FillConvention,
    /// The paper matcher's settings (slippage).
    pub paper: PaperConfig,
    /// The UTC offset reports render timestamps in (the offset naive CSV times were read in).
    pub utc_offset_seconds: i64,
}

impl BacktestConfig {
    /// Records every problem, each under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        self.validate_setup(path, problems);
        self.strategy.validate(&join(path, "strategy"), problems);
    }

    /// Everything but the strategy parameters (for runs of a strategy given as a value).
    pub(super) fn validate_setup(&self, path: &str, problems: &mut Problems) {
        let instrument = &self.instrument;
        problems.require(
            !instrument.segment.is_index() && !instrument.key.segment().is_index(),
            join(path, "instrument"),
            format!("{} is an index: indices are quoted, never traded", instrument.key),
        );
        problems.require(instrument.tradable, join(path, "instrument"), format!("{} is not tradable", instrument.key));
        problems.require(
            instrument.tick_size.is_positive(),
            join(path, "instrument.tick_size"),
            format!("must be positive, got {}", instrument.tick_size),
        );
        problems.require(
            self.cash > Money::ZERO,
            join(path, "cash"),
            format!("must be a positive amount, got {}", self.cash),
        );
        problems.require(
            self.utc_offset_seconds.abs() <= 14 * 3600,
            join(path, "utc_offset"),
            format!("must be within ±14:00, got {} seconds", self.utc_offset_seconds),
        );
        self.costs.validate(&join(path, "costs"), problems);
        self.paper.validate(&join(path, "paper"), problems);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InstrumentKey, Segment};
    use crate::strategy::{Sizing, SmaCrossParams};

    fn config() -> BacktestConfig {
        BacktestConfig {
            instrument: Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap(),
            strategy: StrategyParams::SmaCross(SmaCrossParams { fast: 2, slow: 3, sizing: Sizing::ALL_IN }),
            cash: "10000".parse().unwrap(),
            costs: CostModel::Free,
            product: Product::Intraday,
            fill: FillConvention::NextOpen,
            paper: PaperConfig::default(),
            utc_offset_seconds: 19_800,
        }
    }

    #[test]
    fn fill_conventions_parse_and_print() {
        assert_eq!("next-open".parse(), Ok(FillConvention::NextOpen));
        assert_eq!("close".parse(), Ok(FillConvention::Close));
        assert_eq!(FillConvention::default().to_string(), "next-open");
        assert!("open".parse::<FillConvention>().unwrap_err().contains("known: next-open, close"));
    }

    #[test]
    fn validation_lists_every_problem() {
        let mut problems = Problems::new();
        config().validate("backtest", &mut problems);
        assert!(problems.is_empty(), "{problems}");

        let mut bad = config();
        bad.instrument.key = InstrumentKey::new("NSE_INDEX|Nifty 50").unwrap();
        bad.instrument.segment = Segment::NseIndex;
        bad.instrument.tick_size = crate::num::Price::ZERO;
        bad.cash = Money::ZERO;
        bad.costs = CostModel::Commission("-0.1".parse().unwrap());
        bad.strategy = StrategyParams::SmaCross(SmaCrossParams { fast: 5, slow: 5, sizing: Sizing::ALL_IN });
        let mut problems = Problems::new();
        bad.validate("", &mut problems);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["instrument", "instrument.tick_size", "cash", "costs.commission", "strategy.slow"]);
        assert!(problems.to_string().contains("NSE_INDEX|Nifty 50 is an index"), "{problems}");
    }
}
