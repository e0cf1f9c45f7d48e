//! `SortMetric`: the statistic a sweep's results are ranked by.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::backtest::Summary;

/// A statistic to rank runs by, best first. Every one is "higher is better" (the maximum drawdown
/// is negative, so the shallowest ranks first); undefined values rank last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortMetric {
    #[default]
    Sharpe,
    Sortino,
    Calmar,
    Return,
    Cagr,
    MaxDrawdown,
    WinRate,
    ProfitFactor,
    Trades,
    FinalEquity,
}

impl SortMetric {
    const ALL: [(SortMetric, &'static str); 10] = [
        (SortMetric::Sharpe, "sharpe"),
        (SortMetric::Sortino, "sortino"),
        (SortMetric::Calmar, "calmar"),
        (SortMetric::Return, "return"),
        (SortMetric::Cagr, "cagr"),
        (SortMetric::MaxDrawdown, "max_drawdown"),
        (SortMetric::WinRate, "win_rate"),
        (SortMetric::ProfitFactor, "profit_factor"),
        (SortMetric::Trades, "trades"),
        (SortMetric::FinalEquity, "final_equity"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(metric, _)| *metric == self).map_or("", |(_, name)| name)
    }

    /// The metric's value in `summary`, when defined.
    pub fn value(self, summary: &Summary) -> Option<f64> {
        match self {
            SortMetric::Sharpe => summary.sharpe,
            SortMetric::Sortino => summary.sortino,
            SortMetric::Calmar => summary.calmar,
            SortMetric::Return => Some(summary.total_return_pct),
            SortMetric::Cagr => summary.cagr_pct,
            SortMetric::MaxDrawdown => Some(summary.max_drawdown_pct),
            SortMetric::WinRate => summary.win_rate_pct,
            SortMetric::ProfitFactor => summary.profit_factor,
            SortMetric::Trades => Some(summary.closed_trades as f64),
            SortMetric::FinalEquity => Some(summary.final_equity.micros() as f64),
        }
        .filter(|value| !value.is_nan())
    }

    /// Best first: higher values, then undefined ones; ties are left to the caller.
    pub fn compare(self, a: &Summary, b: &Summary) -> Ordering {
        match (self.value(a), self.value(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
}

impl fmt::Display for SortMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SortMetric {
    type Err = String;

    fn from_str(text: &str) -> Result<SortMetric, String> {
        let wanted = text.replace('-', "_");
        Self::ALL.iter().find(|(_, name)| *name == wanted).map(|(metric, _)| *metric).ok_or_else(|| {
            let shown: String = text.chars().take(40).collect();
            let known: Vec<&str> = Self::ALL.iter().map(|(_, name)| *name).collect();
            format!("unknown metric `{shown}` (known: {})", known.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (metric, name) in SortMetric::ALL {
            assert_eq!(name.parse::<SortMetric>(), Ok(metric));
            assert_eq!(metric.to_string(), name);
        }
        assert_eq!("max-drawdown".parse(), Ok(SortMetric::MaxDrawdown));
        let err = "alpha".parse::<SortMetric>().unwrap_err();
        assert!(err.starts_with("unknown metric `alpha` (known: sharpe, sortino"), "{err}");
        assert_eq!(SortMetric::default(), SortMetric::Sharpe);
    }
}
