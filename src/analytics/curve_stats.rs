//! The statistics of an equity curve sampled at arbitrary instants: the same definitions, and
//! the same functions, as a backtest's summary (`backtest::Summary`), so live performance and a
//! backtest of the same strategy are read the same way.

use serde::Serialize;

use super::{
    annual_volatility, cagr, calmar_ratio, drawdown, periods_per_year, sharpe_ratio, simple_returns, sortino_ratio,
};
use crate::num::Money;
use crate::time::Timestamp;

const NANOS_PER_DAY: f64 = 86_400.0 * 1e9;

/// Fewer samples than this give no statistics: two returns are the least a sample standard
/// deviation (and so volatility, Sharpe and Sortino) needs.
pub const MIN_SAMPLES: usize = 3;

/// An equity curve's statistics. Percentages are the empyrical fraction × 100; `None` where the
/// statistic is undefined (e.g. Sharpe of returns that never vary).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveStats {
    /// Samples per year observed in the data: (samples − 1) / years elapsed (365.25-day years);
    /// the annualisation factor of every annualised statistic.
    pub periods_per_year: Option<f64>,
    /// (last / first − 1) × 100.
    pub total_return_pct: f64,
    /// empyrical `cagr` of the sample returns × 100.
    pub cagr_pct: Option<f64>,
    /// empyrical `annual_volatility` × 100.
    pub annual_volatility_pct: Option<f64>,
    /// empyrical `sharpe_ratio`, risk-free rate 0.
    pub sharpe: Option<f64>,
    /// empyrical `sortino_ratio`, required return 0.
    pub sortino: Option<f64>,
    /// empyrical `max_drawdown` × 100 (0 or negative).
    pub max_drawdown_pct: f64,
    /// The longest time under water, in samples.
    pub max_drawdown_duration_samples: usize,
    /// The same stretch in calendar days.
    pub max_drawdown_duration_days: f64,
    /// empyrical `calmar_ratio`: CAGR / |max drawdown|.
    pub calmar: Option<f64>,
}

impl CurveStats {
    /// The statistics of `curve` (instants in order, equity at each); `None` with fewer than
    /// [`MIN_SAMPLES`] samples.
    pub fn compute(curve: &[(Timestamp, Money)]) -> Option<CurveStats> {
        if curve.len() < MIN_SAMPLES {
            return None;
        }
        let times: Vec<Timestamp> = curve.iter().map(|(t, _)| *t).collect();
        let equity: Vec<Money> = curve.iter().map(|(_, m)| *m).collect();
        Some(CurveStats::of(&times, &equity))
    }

    /// The statistics of `equity` sampled at `times` (in order, one instant per sample), with no
    /// minimum: what is undefined for so few samples comes out `None` (or 0). The one definition
    /// live performance ([`CurveStats::compute`]) and a backtest's summary both use; the summary
    /// keeps its own total return, measured from the initial cash.
    pub(crate) fn of(times: &[Timestamp], equity: &[Money]) -> CurveStats {
        let values: Vec<f64> = equity.iter().map(|m| to_f64(*m)).collect();
        let returns = simple_returns(&values);
        let (first, last) = match (times.first(), times.last()) {
            (Some(first), Some(last)) => (*first, *last),
            _ => Default::default(),
        };
        let per_year = periods_per_year(first.nanos(), last.nanos(), times.len());
        let annual_return = match (values.first(), values.last()) {
            (Some(&start), Some(&end)) => per_year.and_then(|ppy| cagr(start, end, returns.len(), ppy)),
            _ => None,
        };
        let dd = drawdown(&values);
        let dd_end = (dd.longest_start + dd.longest_periods).min(times.len().saturating_sub(1));
        let dd_days = match (times.get(dd.longest_start), times.get(dd_end)) {
            (Some(from), Some(to)) => to.since(*from) as f64 / NANOS_PER_DAY,
            _ => 0.0,
        };
        let total_return_pct = match (equity.first(), equity.last()) {
            (Some(start), Some(end)) => total_return_pct(*start, *end),
            _ => 0.0,
        };
        CurveStats {
            periods_per_year: per_year,
            total_return_pct,
            cagr_pct: annual_return.map(percent),
            annual_volatility_pct: per_year.and_then(|ppy| annual_volatility(&returns, ppy)).map(percent),
            sharpe: per_year.and_then(|ppy| sharpe_ratio(&returns, ppy)),
            sortino: per_year.and_then(|ppy| sortino_ratio(&returns, ppy)),
            max_drawdown_pct: percent(dd.max),
            max_drawdown_duration_samples: dd.longest_periods,
            max_drawdown_duration_days: dd_days,
            calmar: annual_return.and_then(|r| calmar_ratio(r, dd.max)),
        }
    }
}

/// (end / start − 1) × 100; 0 from a start of 0.
pub(crate) fn total_return_pct(start: Money, end: Money) -> f64 {
    let (start, end) = (to_f64(start), to_f64(end));
    if start != 0.0 {
        (end / start - 1.0) * 100.0
    } else {
        0.0
    }
}

fn to_f64(money: Money) -> f64 {
    money.micros() as f64 / 1e6
}

/// A fraction as a percentage, as every `_pct` statistic is shown.
pub(crate) fn percent(fraction: f64) -> f64 {
    fraction * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// A quarter of a 365.25-day year, in nanoseconds: four samples a year.
    const QUARTER: i64 = 7_889_400 * 1_000_000_000;

    #[test]
    fn the_backtest_summary_example_by_hand() {
        // The curve of backtest::summary's worked example: 100, 110, 99, 108.9 a quarter apart.
        let curve: Vec<(Timestamp, Money)> = ["100", "110", "99", "108.9"]
            .iter()
            .enumerate()
            .map(|(i, m)| (Timestamp::from_nanos(i as i64 * QUARTER), m.parse().unwrap()))
            .collect();
        let s = CurveStats::compute(&curve).unwrap();
        assert!(close(s.periods_per_year.unwrap(), 4.0));
        assert!(close(s.total_return_pct, 8.9));
        let std = (0.12f64 / 9.0).sqrt();
        let cagr = 1.089f64.powf(4.0 / 3.0) - 1.0;
        assert!(close(s.cagr_pct.unwrap(), cagr * 100.0));
        assert!(close(s.annual_volatility_pct.unwrap(), std * 2.0 * 100.0));
        assert!(close(s.sharpe.unwrap(), (0.1 / 3.0) / std * 2.0));
        assert!(close(s.sortino.unwrap(), (0.1 / 3.0 * 4.0) / ((0.01f64 / 3.0).sqrt() * 2.0)));
        // 110 → 99 is −10 %; under water for the last two samples, half a year.
        assert!(close(s.max_drawdown_pct, -10.0));
        assert_eq!(s.max_drawdown_duration_samples, 2);
        assert!(close(s.max_drawdown_duration_days, 182.625));
        assert!(close(s.calmar.unwrap(), cagr / 0.1));
    }

    #[test]
    fn too_few_samples_give_none_and_a_flat_curve_gives_undefined_ratios() {
        let at = |i: i64, m: &str| (Timestamp::from_nanos(i * QUARTER), m.parse::<Money>().unwrap());
        assert_eq!(CurveStats::compute(&[at(0, "100"), at(1, "101")]), None);
        let flat = CurveStats::compute(&[at(0, "100"), at(1, "100"), at(2, "100")]).unwrap();
        assert_eq!((flat.sharpe, flat.sortino, flat.calmar), (None, None, None));
        assert_eq!((flat.total_return_pct, flat.max_drawdown_pct), (0.0, 0.0));
    }
}
