//! End-to-end tests of the command: real files in a temporary directory, the entry point as the
//! binary calls it (minus the process).

use std::path::{Path, PathBuf};

use clap::Parser;

use super::{execute, BacktestArgs, CliError};

const EURUSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/eurusd-h1.csv");

#[derive(Parser)]
struct Command {
    #[command(flatten)]
    args: BacktestArgs,
}

fn args(list: &[&str]) -> BacktestArgs {
    let argv = std::iter::once("traderd").chain(list.iter().copied());
    match Command::try_parse_from(argv) {
        Ok(command) => command.args,
        Err(error) => panic!("{error}"),
    }
}

/// A directory under the system temp dir, unique to this test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("traderd-backtest-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the command; returns (stdout, notes) or the error.
fn run(list: &[&str]) -> Result<(String, String), CliError> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    execute(&args(list), &mut out, &mut notes)?;
    Ok((String::from_utf8(out).unwrap(), String::from_utf8(notes).unwrap()))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_shared_eurusd_file_backtests_end_to_end_with_identical_outputs() {
    let dir = TempDir::new("eurusd");
    let (first, second) = (dir.path("first"), dir.path("second"));
    let common = [
        "--data",
        EURUSD,
        "--param",
        "fast=10",
        "--param",
        "slow=20",
        "--commission",
        "0.0001",
        "--utc-offset",
        "Z",
        "--out",
    ];
    let with_out = |out: &Path| {
        let mut list = common.to_vec();
        list.push(out.to_str().unwrap());
        run(&list).unwrap()
    };
    let (table, notes) = with_out(&first);
    assert!(table.contains("Bars                       5000\n"), "{table}");
    assert!(table.contains("Start                      2017-04-19T09:00:00Z\n"), "{table}");
    assert!(notes.contains("wrote ") && notes.contains("report.html"), "{notes}");
    let (again, _) = with_out(&second);
    assert_eq!(table, again);
    for name in ["fills.csv", "equity.csv", "summary.json", "report.html"] {
        let bytes = read(&first.join(name));
        assert!(!bytes.is_empty(), "{name} is empty");
        assert_eq!(bytes, read(&second.join(name)), "{name} differs between identical runs");
    }

    let summary: serde_json::Value = serde_json::from_slice(&read(&first.join("summary.json"))).unwrap();
    assert_eq!(summary["bars"], 5000);
    assert_eq!(summary["instrument"], "NSE_EQ|BACKTEST");
    let fills = summary["fills"].as_u64().unwrap();
    assert!(fills > 10, "sma_cross 10/20 trades on 5000 hourly bars: {fills}");
    let equity = String::from_utf8(read(&first.join("equity.csv"))).unwrap();
    assert_eq!(equity.lines().count(), 5001);
    assert_eq!(equity.lines().nth(1), Some("2017-04-19T09:00:00Z,10000.00"));
    let fills_csv = String::from_utf8(read(&first.join("fills.csv"))).unwrap();
    assert_eq!(fills_csv.lines().next(), Some("bar,timestamp,side,quantity,price,charges"));
    assert_eq!(fills_csv.lines().count() as u64, fills + 1);
    let html = String::from_utf8(read(&first.join("report.html"))).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.matches("<svg").count() == 2);
    assert!(!html.contains("<script") && !html.contains("http://") || html.contains("http://www.w3.org/2000/svg"));
    assert!(!html.contains("https://"), "the report must not reach the network");

    // --json prints exactly what summary.json holds.
    let mut list = common[..common.len() - 1].to_vec();
    list.push("--json");
    let (json, _) = run(&list).unwrap();
    assert_eq!(json.as_bytes(), read(&first.join("summary.json")));
}

#[test]
fn a_bad_row_is_named_by_line_and_column_with_exit_code_2() {
    let dir = TempDir::new("bad-row");
    let csv = dir.path("bad.csv");
    std::fs::write(&csv, "Date,Open,High,Low,Close\n2024-01-01,10,11,9,10\n2024-01-02,10,11,nine,10\n").unwrap();
    let err = run(&["--data", csv.to_str().unwrap(), "--param", "fast=2", "--param", "slow=3"]).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let message = err.to_string();
    assert!(message.ends_with("bad.csv: line 3, column `Low`: `nine` is not a decimal number (digits, one optional `.`, optional leading sign)"), "{message}");
    let missing = run(&["--data", dir.path("absent.csv").to_str().unwrap(), "--param", "fast=2", "--param", "slow=3"]);
    let err = missing.unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().starts_with("cannot read "), "{err}");
}

#[test]
fn every_argument_problem_is_listed_at_once() {
    let err = run(&[
        "--data",
        EURUSD,
        "--instrument",
        "NSE_INDEX|Nifty 50",
        "--cash",
        "-5",
        "--commission",
        "1.5",
        "--utc-offset",
        "IST",
        "--sort",
        "alpha",
        "--param",
        "fast=x",
        "--param",
        "slwo=3",
        "--param",
        "oops",
    ])
    .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert_eq!(
        err.to_string(),
        "invalid arguments:\n\
         \x20 instrument: NSE_INDEX|Nifty 50 is an index: indices are quoted, never traded\n\
         \x20 cash: must be a positive amount, got -5.00\n\
         \x20 commission: must be at least 0 and below 1, got 1.5\n\
         \x20 utc-offset: `IST` is not a UTC offset such as +05:30, Z or -04:00\n\
         \x20 sort: unknown metric `alpha` (known: sharpe, sortino, calmar, return, cagr, max_drawdown, win_rate, \
         profit_factor, trades, final_equity)\n\
         \x20 param: `oops` is not KEY=VALUE\n\
         \x20 fast: `x` is not a whole number\n\
         \x20 slwo: unknown parameter for sma_cross (known: fast, slow, quantity, commission)\n\
         \x20 slow: is required"
    );
    let both =
        Command::try_parse_from(["traderd", "--data", "x", "--commission", "0.1", "--charges", "india-intraday"]);
    assert!(both.is_err(), "--commission and --charges exclude each other");
}

#[test]
fn a_sweep_ranks_the_same_whatever_the_thread_count() {
    let dir = TempDir::new("sweep");
    let grid = ["--data", EURUSD, "--param", "fast=5..25:10", "--param", "slow=10..30:10", "--sort", "return"];
    let with_threads = |threads: &str, json: bool| {
        let mut list = grid.to_vec();
        list.extend(["--threads", threads]);
        if json {
            list.push("--json");
        }
        run(&list).unwrap()
    };
    let (one, notes) = with_threads("1", true);
    let (four, _) = with_threads("4", true);
    assert_eq!(one, four);
    // fast 5, 15, 25 × slow 10, 20, 30: fast ≥ slow skips 15/10, 25/10 and 25/20.
    assert!(
        notes.contains(
            "skipped 3 invalid combinations, e.g. fast=15 slow=10: slow: must be greater than fast (15), got 10"
        ),
        "{notes}"
    );
    let rows: serde_json::Value = serde_json::from_str(&one).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    let returns: Vec<f64> = rows.iter().map(|r| r["summary"]["total_return_pct"].as_f64().unwrap()).collect();
    assert!(returns.windows(2).all(|w| w[0] >= w[1]), "ranked by return, best first: {returns:?}");
    assert_eq!(rows[0]["rank"], 1);

    let (table, _) = with_threads("2", false);
    assert!(table.contains("6 runs ranked by return; 3 invalid combinations skipped"), "{table}");
    let mut list = grid.to_vec();
    let out = dir.path("out");
    list.extend(["--out", out.to_str().unwrap()]);
    run(&list).unwrap();
    let csv = String::from_utf8(read(&out.join("sweep.csv"))).unwrap();
    assert_eq!(csv.lines().count(), 7);
    assert!(csv.starts_with("rank,fast,slow,sharpe,"), "{csv}");
}

#[test]
fn a_grid_without_a_valid_combination_is_an_argument_error() {
    let err = run(&["--data", EURUSD, "--param", "fast=30,40", "--param", "slow=10,20"]).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("slow: must be greater than fast (30), got 10"), "{err}");
}

#[test]
fn tick_csv_runs_as_one_price_bars() {
    let dir = TempDir::new("ticks");
    let csv = dir.path("ticks.csv");
    let mut text = String::from("timestamp,price,quantity\n");
    for (i, price) in
        ["10", "10", "10", "9", "9", "12", "13", "11", "10", "12", "13", "9", "8", "12"].iter().enumerate()
    {
        text.push_str(&format!("2024-01-01T09:{:02}:00+05:30,{price},5\n", 15 + i));
    }
    std::fs::write(&csv, text).unwrap();
    let list = ["--data", csv.to_str().unwrap(), "--param", "fast=2", "--param", "slow=3", "--fill", "close", "--json"];
    let (json, _) = run(&list).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    // The sma_cross series: buy 833 at 12, sell at 9, buy 625 at 12 (see the core's engine tests).
    assert_eq!((summary["bars"].as_u64(), summary["fills"].as_u64()), (Some(14), Some(3)));
    assert_eq!(summary["final_equity"], "7501.00");
    assert_eq!(summary["start"], "2024-01-01T09:15:00+05:30");
}
