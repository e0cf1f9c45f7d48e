//! Running a parameter grid: every valid combination is one independent backtest; they run on
//! worker threads and are ranked afterwards, so the result never depends on the thread count.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::grid::{combinations, ParamAxis};
use super::SortMetric;
use crate::backtest::{run_backtest_cancellable, strategy_params, BacktestConfig, BacktestError, Summary};
use crate::config::Problems;
use crate::model::Bar;
use crate::num::Rate;
use crate::strategy::StrategyParams;

/// One combination the grid holds and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepCase {
    /// Position in grid order (the first `--param` varies slowest): the tie-break when ranking.
    pub index: usize,
    pub pairs: Vec<(String, String)>,
    pub params: StrategyParams,
}

/// The valid combinations of a grid, and how many were skipped as invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepPlan {
    pub cases: Vec<SweepCase>,
    /// Combinations whose parameters are invalid (e.g. `fast` ≥ `slow`).
    pub skipped: usize,
    /// The first skipped combination and why, e.g. `fast=30 slow=30: slow: must be greater …`.
    pub first_skip: Option<String>,
}

/// Turns the grid into cases for `kind`. Invalid combinations are skipped and counted; when no
/// combination is valid, every distinct problem is returned instead.
pub fn plan_sweep(kind: &str, axes: &[ParamAxis], commission: Option<Rate>) -> Result<SweepPlan, Problems> {
    let mut plan = SweepPlan { cases: Vec::new(), skipped: 0, first_skip: None };
    let mut seen = BTreeSet::new();
    let mut distinct = Problems::new();
    for (index, pairs) in combinations(axes).into_iter().enumerate() {
        match strategy_params(kind, &pairs, commission) {
            Ok(params) => plan.cases.push(SweepCase { index, pairs, params }),
            Err(problems) => {
                plan.skipped += 1;
                if plan.first_skip.is_none() {
                    let shown = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                    plan.first_skip = Some(format!("{}: {shown}", describe_pairs(&pairs)));
                }
                for problem in problems.iter() {
                    if seen.insert(problem.to_string()) {
                        distinct.push(problem.path.clone(), problem.reason.clone());
                    }
                }
            }
        }
    }
    if plan.cases.is_empty() {
        return Err(distinct);
    }
    Ok(plan)
}

/// `fast=5 slow=20`.
pub fn describe_pairs(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(" ")
}

/// One finished run of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub index: usize,
    pub pairs: Vec<(String, String)>,
    pub summary: Summary,
}

/// Runs every case of `plan` on `threads` worker threads (at least one), each with `template`'s
/// settings and the case's strategy parameters, and returns the rows ranked by `metric`, best
/// first, ties in grid order. Each run is deterministic and independent, and rows are ranked only
/// after all have finished, so the result is the same for any thread count. If runs fail, the
/// error of the first failing case in grid order is returned.
pub fn run_sweep(
    template: &BacktestConfig,
    plan: &SweepPlan,
    bars: &[Bar],
    threads: usize,
    metric: SortMetric,
) -> Result<Vec<SweepRow>, BacktestError> {
    run_sweep_cancellable(template, plan, bars, threads, metric, &AtomicBool::new(false))
}

/// Like [`run_sweep`], but stops soon after `cancel` is set: no new case starts, and running
/// ones stop at their next check; the result is then [`BacktestError::Cancelled`].
pub fn run_sweep_cancellable(
    template: &BacktestConfig,
    plan: &SweepPlan,
    bars: &[Bar],
    threads: usize,
    metric: SortMetric,
    cancel: &AtomicBool,
) -> Result<Vec<SweepRow>, BacktestError> {
    let threads = threads.clamp(1, plan.cases.len().max(1));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let slot = next.fetch_add(1, Ordering::Relaxed);
            let Some(case) = plan.cases.get(slot) else { break };
            if cancel.load(Ordering::Relaxed) {
                done.push((slot, Err(BacktestError::Cancelled { bar: 0 })));
                break;
            }
            let config = BacktestConfig { strategy: case.params, ..template.clone() };
            let result =
                run_backtest_cancellable(&config, bars, cancel).map(|run| Summary::compute(&config, bars, &run));
            done.push((slot, result));
        }
        done
    };
    let mut results: Vec<(usize, Result<Summary, BacktestError>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    results.sort_by_key(|(slot, _)| *slot);
    if cancel.load(Ordering::Relaxed) {
        return Err(BacktestError::Cancelled { bar: 0 });
    }
    let mut rows = Vec::with_capacity(results.len());
    for (slot, result) in results {
        let case = &plan.cases[slot];
        rows.push(SweepRow { index: case.index, pairs: case.pairs.clone(), summary: result? });
    }
    rows.sort_by(|a, b| metric.compare(&a.summary, &b.summary).then(a.index.cmp(&b.index)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::run_backtest;
    use crate::backtest::sweep::parse_axes;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn invalid_combinations_are_skipped_and_counted() {
        let axes = parse_axes(&pairs(&[("fast", "10..30:10"), ("slow", "20,30")])).unwrap();
        let plan = plan_sweep("sma_cross", &axes, None).unwrap();
        // fast 10: slow 20, 30 valid; fast 20: slow 30 valid, 20 not; fast 30: neither.
        let valid: Vec<String> = plan.cases.iter().map(|c| describe_pairs(&c.pairs)).collect();
        assert_eq!(valid, ["fast=10 slow=20", "fast=10 slow=30", "fast=20 slow=30"]);
        assert_eq!(plan.cases.iter().map(|c| c.index).collect::<Vec<_>>(), [0, 1, 3]);
        assert_eq!(plan.skipped, 3);
        assert_eq!(plan.first_skip.as_deref(), Some("fast=20 slow=20: slow: must be greater than fast (20), got 20"));
    }

    #[test]
    fn results_are_identical_whatever_the_thread_count() {
        use crate::backtest::{backtest_instrument, parse_market_csv, FillConvention};
        use crate::charges::CostModel;
        use crate::model::{InstrumentKey, Product};
        use crate::paper::PaperConfig;

        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/eurusd-h1.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let bars = parse_market_csv(&text, 0).unwrap();
        let axes = parse_axes(&pairs(&[("fast", "5..20:5"), ("slow", "10..40:10")])).unwrap();
        let plan = plan_sweep("sma_cross", &axes, None).unwrap();
        let template = BacktestConfig {
            instrument: backtest_instrument(InstrumentKey::new("NSE_EQ|BACKTEST").unwrap(), &bars),
            strategy: plan.cases[0].params,
            cash: "10000".parse().unwrap(),
            costs: CostModel::Free,
            product: Product::Intraday,
            fill: FillConvention::NextOpen,
            paper: PaperConfig::default(),
            utc_offset_seconds: 0,
        };
        // A cancelled sweep returns no rows, whatever had finished.
        let cancelled = run_sweep_cancellable(&template, &plan, &bars, 2, SortMetric::Sharpe, &AtomicBool::new(true));
        assert_eq!(cancelled.unwrap_err(), BacktestError::Cancelled { bar: 0 });
        let one = run_sweep(&template, &plan, &bars, 1, SortMetric::Sharpe).unwrap();
        let four = run_sweep(&template, &plan, &bars, 4, SortMetric::Sharpe).unwrap();
        assert_eq!(one, four);
        // 4 × 4 combinations; fast ≥ slow skipped: 10/10, 15/10, 20/10 and 20/20.
        assert_eq!((one.len(), plan.skipped), (12, 4));
        let sharpes: Vec<f64> = one.iter().map(|row| row.summary.sharpe.unwrap_or(f64::NEG_INFINITY)).collect();
        assert!(sharpes.windows(2).all(|w| w[0] >= w[1]), "best first: {sharpes:?}");
        // Each row is the run its parameters describe.
        let best = &one[0];
        let single =
            BacktestConfig { strategy: plan.cases.iter().find(|c| c.index == best.index).unwrap().params, ..template };
        let run = run_backtest(&single, &bars).unwrap();
        assert_eq!(Summary::compute(&single, &bars, &run), best.summary);
    }

    #[test]
    fn a_grid_with_no_valid_combination_lists_every_distinct_problem() {
        let axes = parse_axes(&pairs(&[("fast", "5,6"), ("slwo", "3")])).unwrap();
        let problems = plan_sweep("sma_cross", &axes, None).unwrap_err();
        assert_eq!(
            problems.to_string(),
            "slwo: unknown parameter for sma_cross (known: fast, slow, quantity, commission)\nslow: is required"
        );
    }
}
