//! Turning the command line into a checked plan, listing every problem at once.

use trader::backtest::sweep::{is_sweep, parse_axes, plan_sweep, SortMetric, SweepCase, SweepPlan};
use trader::backtest::{parse_utc_offset, strategy_params, FillConvention};
use trader::charges::{ChargesConfig, CostModel};
use trader::config::Problems;
use trader::model::{InstrumentKey, Product};
use trader::num::{Money, Rate};
use trader::paper::{PaperConfig, MAX_SLIPPAGE_TICKS};

use super::args::{BacktestArgs, ChargesArg, FillArg};

/// Everything the arguments say, checked.
#[derive(Debug, Clone)]
pub(super) struct Setup {
    pub key: InstrumentKey,
    pub cash: Money,
    pub costs: CostModel,
    pub product: Product,
    pub fill: FillConvention,
    pub paper: PaperConfig,
    pub utc_offset_seconds: i64,
    /// One case for a single run; the grid's valid cases for a sweep.
    pub plan: SweepPlan,
    pub sweep: bool,
    pub metric: SortMetric,
    pub threads: usize,
}

/// Checks every argument and returns every problem found, each under the option or parameter
/// it concerns.
pub(super) fn check(args: &BacktestArgs) -> Result<Setup, Problems> {
    let mut problems = Problems::new();
    let key = match InstrumentKey::new(&args.instrument) {
        Ok(key) if key.segment().is_index() => {
            problems.push("instrument", format!("{key} is an index: indices are quoted, never traded"));
            None
        }
        Ok(key) => Some(key),
        Err(error) => {
            problems.push("instrument", error.to_string());
            None
        }
    };
    let cash = match args.cash.parse::<Money>() {
        Ok(cash) if cash > Money::ZERO => Some(cash),
        Ok(cash) => {
            problems.push("cash", format!("must be a positive amount, got {cash}"));
            None
        }
        Err(error) => {
            problems.push("cash", error.to_string());
            None
        }
    };
    let commission = match args.commission.as_deref().map(str::parse::<Rate>) {
        None => None,
        Some(Ok(rate)) if (0..Rate::SCALE).contains(&rate.nanos()) => Some(rate),
        Some(Ok(rate)) => {
            problems.push("commission", format!("must be at least 0 and below 1, got {rate}"));
            None
        }
        Some(Err(error)) => {
            problems.push("commission", error.to_string());
            None
        }
    };
    let (costs, product) = match (args.charges, commission) {
        (Some(ChargesArg::IndiaIntraday), _) => (CostModel::India(ChargesConfig::default()), Product::Intraday),
        (Some(ChargesArg::IndiaDelivery), _) => (CostModel::India(ChargesConfig::default()), Product::Delivery),
        (None, Some(rate)) if rate.nanos() > 0 => (CostModel::Commission(rate), Product::Intraday),
        (None, _) => (CostModel::Free, Product::Intraday),
    };
    let paper = PaperConfig { slippage_ticks: args.slippage_ticks };
    problems.require(
        args.slippage_ticks <= MAX_SLIPPAGE_TICKS,
        "slippage-ticks",
        format!("{} ticks exceeds the limit {MAX_SLIPPAGE_TICKS}", args.slippage_ticks),
    );
    let utc_offset_seconds = parse_utc_offset(&args.utc_offset);
    if utc_offset_seconds.is_none() {
        let shown: String = args.utc_offset.chars().take(40).collect();
        problems.push("utc-offset", format!("`{shown}` is not a UTC offset such as +05:30, Z or -04:00"));
    }
    let metric = args.sort.parse::<SortMetric>().map_err(|reason| problems.push("sort", reason)).ok();
    if args.threads == Some(0) {
        problems.push("threads", "must be at least 1");
    }

    let mut pairs = Vec::with_capacity(args.params.len());
    for param in &args.params {
        match param.split_once('=') {
            Some((key, value)) => pairs.push((key.trim().to_owned(), value.trim().to_owned())),
            None => {
                let shown: String = param.chars().take(40).collect();
                problems.push("param", format!("`{shown}` is not KEY=VALUE"));
            }
        }
    }
    let plan = match parse_axes(&pairs) {
        Err(axis_problems) => {
            axis_problems.iter().for_each(|p| problems.push(p.path.clone(), p.reason.clone()));
            None
        }
        Ok(axes) if is_sweep(&axes) => match plan_sweep(&args.strategy, &axes, commission) {
            Ok(plan) => Some((plan, true)),
            Err(plan_problems) => {
                plan_problems.iter().for_each(|p| problems.push(p.path.clone(), p.reason.clone()));
                None
            }
        },
        Ok(_) => match strategy_params(&args.strategy, &pairs, commission) {
            Ok(params) => Some((
                SweepPlan { cases: vec![SweepCase { index: 0, pairs, params }], skipped: 0, first_skip: None },
                false,
            )),
            Err(param_problems) => {
                param_problems.iter().for_each(|p| problems.push(p.path.clone(), p.reason.clone()));
                None
            }
        },
    };

    match (key, cash, utc_offset_seconds, metric, plan) {
        (Some(key), Some(cash), Some(utc_offset_seconds), Some(metric), Some((plan, sweep))) if problems.is_empty() => {
            let threads = args
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
            Ok(Setup {
                key,
                cash,
                costs,
                product,
                fill: match args.fill {
                    FillArg::NextOpen => FillConvention::NextOpen,
                    FillArg::Close => FillConvention::Close,
                },
                paper,
                utc_offset_seconds,
                plan,
                sweep,
                metric,
                threads,
            })
        }
        _ => Err(problems),
    }
}
