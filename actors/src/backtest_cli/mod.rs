//! `traderd backtest`: loads a CSV file, runs the backtest (or a parameter sweep) in the core,
//! prints the summary, and writes the reports the core builds. Everything that decides a number
//! lives in `trader::backtest`; this module only reads arguments and files and writes files.
//!
//! Exit codes: 0 success; 2 bad arguments or bad data (every argument problem is listed; a bad
//! CSV row is named by line and column); 1 when a run stops on an error or a file cannot be written.

mod args;
mod output;
mod setup;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use thiserror::Error;
use trader::backtest::report::{equity_csv, fills_csv, html_report, summary_table, sweep_csv, sweep_table};
use trader::backtest::sweep::{run_sweep_cancellable, SweepRow};
use trader::backtest::{
    backtest_instrument, parse_market_csv, run_backtest_cancellable, BacktestConfig, BacktestError, Summary,
};
use trader::config::Problems;
use trader::data::CsvError;
use trader::model::Bar;

pub use args::{BacktestArgs, ChargesArg, FillArg};

use setup::Setup;

/// Why `traderd backtest` failed.
#[derive(Debug, Error)]
pub enum CliError {
    #[error("invalid arguments:\n{}", indent(.0))]
    Usage(Problems),
    #[error("cannot read {}: {error}", path.display())]
    Read { path: PathBuf, error: io::Error },
    #[error("{}: {error}", path.display())]
    Data { path: PathBuf, error: CsvError },
    #[error("backtest failed: {0}")]
    Run(BacktestError),
    #[error("cannot write {}: {error}", path.display())]
    Write { path: PathBuf, error: io::Error },
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl CliError {
    /// 2 for what the user can fix in the arguments or the data, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Read { .. } | CliError::Data { .. } => 2,
            CliError::Run(BacktestError::Invalid(_)) | CliError::Run(BacktestError::NoBars) => 2,
            CliError::Run(_) | CliError::Write { .. } | CliError::Json(_) => 1,
        }
    }
}

fn indent(problems: &Problems) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}

/// Runs `traderd backtest`: results to stdout, notes and errors to stderr.
pub fn run(args: BacktestArgs) -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    match execute(&args, &mut stdout.lock(), &mut stderr.lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(stderr.lock(), "error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// The command, writing results to `out` and notes (what was written, refused orders, skipped
/// combinations) to `notes`.
pub fn execute(args: &BacktestArgs, out: &mut dyn Write, notes: &mut dyn Write) -> Result<(), CliError> {
    execute_cancellable(args, out, notes, &AtomicBool::new(false))
}

/// [`execute`], stopping with `CliError::Run(BacktestError::Cancelled { .. })` soon after
/// `cancel` is set (between bars of a run, and between the runs of a sweep).
pub fn execute_cancellable(
    args: &BacktestArgs,
    out: &mut dyn Write,
    notes: &mut dyn Write,
    cancel: &AtomicBool,
) -> Result<(), CliError> {
    let setup = setup::check(args).map_err(CliError::Usage)?;
    let path = &args.data;
    let text = fs::read_to_string(path).map_err(|error| CliError::Read { path: path.clone(), error })?;
    let bars = parse_market_csv(&text, setup.utc_offset_seconds)
        .map_err(|error| CliError::Data { path: path.clone(), error })?;
    drop(text);
    let Some(first) = setup.plan.cases.first() else {
        return Err(CliError::Usage(Problems::new()));
    };
    let config = BacktestConfig {
        instrument: backtest_instrument(setup.key.clone(), &bars),
        strategy: first.params,
        cash: setup.cash,
        costs: setup.costs.clone(),
        product: setup.product,
        fill: setup.fill,
        paper: setup.paper.clone(),
        utc_offset_seconds: setup.utc_offset_seconds,
    };
    let source = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    if setup.sweep {
        sweep(args, &setup, &config, &bars, out, notes, cancel)
    } else {
        single(args, &config, &bars, &source, out, notes, cancel)
    }
}

fn print(out: &mut dyn Write, text: &str) -> Result<(), CliError> {
    out.write_all(text.as_bytes()).map_err(|error| CliError::Write { path: PathBuf::from("<stdout>"), error })
}

fn note(notes: &mut dyn Write, text: &str) {
    // Notes are advisory: a closed stderr must not fail the run.
    let _ = writeln!(notes, "{text}");
}

fn single(
    args: &BacktestArgs,
    config: &BacktestConfig,
    bars: &[Bar],
    source: &str,
    out: &mut dyn Write,
    notes: &mut dyn Write,
    cancel: &AtomicBool,
) -> Result<(), CliError> {
    let run = run_backtest_cancellable(config, bars, cancel).map_err(CliError::Run)?;
    let summary = Summary::compute(config, bars, &run);
    let json = serde_json::to_string_pretty(&summary)? + "\n";
    print(out, &if args.json { json.clone() } else { summary_table(&summary) })?;
    if let Some(first) = run.refused.first() {
        note(notes, &format!("note: the risk gate refused {} orders; the first: {}", run.refused.len(), first.refusal));
    }
    if let Some(first) = run.rejected.first() {
        note(
            notes,
            &format!("note: the paper matcher rejected {} orders; the first: {}", run.rejected.len(), first.reason),
        );
    }
    if let Some(dir) = &args.out {
        let offset = config.utc_offset_seconds;
        let files = [
            ("fills.csv", fills_csv(&run, &config.instrument, offset)),
            ("equity.csv", equity_csv(bars, &run, offset)),
            ("summary.json", json),
            ("report.html", html_report(&summary, bars, &run, &config.instrument, source, offset)),
        ];
        written(notes, dir, &files)?;
    }
    Ok(())
}

fn sweep(
    args: &BacktestArgs,
    setup: &Setup,
    template: &BacktestConfig,
    bars: &[Bar],
    out: &mut dyn Write,
    notes: &mut dyn Write,
    cancel: &AtomicBool,
) -> Result<(), CliError> {
    let plan = &setup.plan;
    let rows =
        run_sweep_cancellable(template, plan, bars, setup.threads, setup.metric, cancel).map_err(CliError::Run)?;
    let json = sweep_json(&rows)? + "\n";
    print(out, &if args.json { json.clone() } else { sweep_table(&rows, setup.metric, args.top, plan.skipped) })?;
    if let Some(example) = &plan.first_skip {
        note(notes, &format!("note: skipped {} invalid combinations, e.g. {example}", plan.skipped));
    }
    if let Some(dir) = &args.out {
        written(notes, dir, &[("sweep.csv", sweep_csv(&rows)), ("sweep.json", json)])?;
    }
    Ok(())
}

/// The sweep's rows as JSON: `[{"rank": 1, "params": {"fast": "10", …}, "summary": {…}}, …]`.
fn sweep_json(rows: &[SweepRow]) -> Result<String, serde_json::Error> {
    let list: Vec<serde_json::Value> = rows
        .iter()
        .enumerate()
        .map(|(rank, row)| {
            let params: serde_json::Map<String, serde_json::Value> =
                row.pairs.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            Ok(serde_json::json!({ "rank": rank + 1, "params": params, "summary": serde_json::to_value(&row.summary)? }))
        })
        .collect::<Result<_, serde_json::Error>>()?;
    serde_json::to_string_pretty(&list)
}

fn written(notes: &mut dyn Write, dir: &Path, files: &[(&str, String)]) -> Result<(), CliError> {
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(name, text)| (*name, text.as_str())).collect();
    for path in output::write_all(dir, &borrowed)? {
        note(notes, &format!("wrote {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
