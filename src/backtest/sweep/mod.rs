//! Parameter sweeps: a grid of `--param` values, every valid combination backtested in parallel,
//! the results ranked by a chosen statistic.

mod grid;
mod metric;
mod runner;

pub use grid::{combinations, is_sweep, parse_axes, ParamAxis, MAX_COMBINATIONS};
pub use metric::SortMetric;
pub use runner::{describe_pairs, plan_sweep, run_sweep, run_sweep_cancellable, SweepCase, SweepPlan, SweepRow};
