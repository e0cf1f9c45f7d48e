//! Backtest speed: the core loop (bars per second of `run_backtest` with `sma_cross` on a seeded
//! one-million-bar series) and the whole `traderd backtest` process on a one-million-bar CSV,
//! CSV parsing included. Figures and the machine they ran on live in `benches/README.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use trader::backtest::{backtest_instrument, run_backtest, BacktestConfig, FillConvention, DEFAULT_BACKTEST_KEY};
use trader::charges::CostModel;
use trader::model::{Bar, InstrumentKey, Product};
use trader::num::{Money, Price, Rate};
use trader::paper::PaperConfig;
use trader::strategy::{Sizing, SmaCrossParams, StrategyParams};
use trader::time::Timestamp;

const BARS: usize = 1_000_000;
const MINUTE: i64 = 60_000_000_000;

/// A deterministic random walk of one-minute bars on a 0.05 grid around ₹2,450, with opens,
/// highs and lows that differ from the closes (xorshift, fixed seed).
fn walk(len: usize) -> Vec<Bar> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let tick = 50_000i64;
    let mut close = 2_450_000_000i64;
    (0..len)
        .map(|i| {
            let open = (close + (next() % 3) as i64 * tick - tick).max(100 * tick);
            close = (open + (next() % 11) as i64 * tick - 5 * tick).max(100 * tick);
            let high = open.max(close) + (next() % 3) as i64 * tick;
            let low = (open.min(close) - (next() % 3) as i64 * tick).max(tick);
            Bar {
                ts: Timestamp::from_nanos(1_700_000_000_000_000_000 + i as i64 * MINUTE),
                open: Price::from_micros(open),
                high: Price::from_micros(high),
                low: Price::from_micros(low),
                close: Price::from_micros(close),
                volume: 1 + next() % 1000,
            }
        })
        .collect()
}

fn config(bars: &[Bar]) -> BacktestConfig {
    let commission = Rate::from_bps(20);
    let key = InstrumentKey::new(DEFAULT_BACKTEST_KEY).expect("the default key is valid");
    BacktestConfig {
        instrument: backtest_instrument(key, bars),
        strategy: StrategyParams::SmaCross(SmaCrossParams { fast: 10, slow: 30, sizing: Sizing::AllIn { commission } }),
        cash: Money::from_rupees(1_000_000).expect("small"),
        costs: CostModel::Commission(commission),
        product: Product::Intraday,
        fill: FillConvention::NextOpen,
        paper: PaperConfig::default(),
        utc_offset_seconds: 0,
    }
}

fn core_loop(c: &mut Criterion) {
    let bars = walk(BARS);
    let config = config(&bars);
    let fills = run_backtest(&config, &bars).expect("the bench backtest runs").fills.len();
    assert!(fills > 1_000, "the walk should trade often, got {fills} fills");
    let mut group = c.benchmark_group("backtest");
    group.throughput(Throughput::Elements(BARS as u64));
    group.sample_size(20);
    group.bench_function("core_loop_sma_cross_1m_bars", |b| {
        b.iter(|| black_box(run_backtest(&config, black_box(&bars)).map(|run| run.equity.len())))
    });
    group.finish();
}

/// The walk as CSV in the common layout: `2023-11-14 22:13:20,2450.05,2450.2,2449.9,2450.1,512`.
fn write_csv(path: &Path, bars: &[Bar]) {
    let mut text = String::with_capacity(bars.len() * 56);
    text.push_str("Date,Open,High,Low,Close,Volume\n");
    for bar in bars {
        let seconds = bar.ts.nanos() / 1_000_000_000;
        let date = trader::time::Date::from_days_since_epoch(seconds.div_euclid(86_400));
        let of_day = seconds.rem_euclid(86_400);
        let _ = writeln!(
            text,
            "{date} {:02}:{:02}:{:02},{},{},{},{},{}",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60,
            bar.open.format_with(0),
            bar.high.format_with(0),
            bar.low.format_with(0),
            bar.close.format_with(0),
            bar.volume
        );
    }
    std::fs::write(path, text).expect("the bench can write its CSV");
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn whole_process(c: &mut Criterion) {
    let dir = TempDir(std::env::temp_dir().join(format!("traderd-backtest-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("the bench can create its temp dir");
    let csv = dir.0.join("walk-1m.csv");
    write_csv(&csv, &walk(BARS));
    let run = |out: Option<&Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_traderd"));
        command.args(["backtest", "--data"]).arg(&csv).args([
            "--param",
            "fast=10",
            "--param",
            "slow=30",
            "--commission",
            "0.002",
            "--utc-offset",
            "Z",
        ]);
        if let Some(out) = out {
            command.arg("--out").arg(out);
        }
        let status = command.stdout(Stdio::null()).stderr(Stdio::null()).status().expect("traderd starts");
        assert!(status.success(), "traderd backtest failed: {status}");
    };
    let mut group = c.benchmark_group("backtest");
    group.sample_size(10);
    group.bench_function("traderd_process_1m_bar_csv", |b| b.iter(|| run(None)));
    let out = dir.0.join("out");
    group.bench_function("traderd_process_1m_bar_csv_with_out", |b| b.iter(|| run(Some(&out))));
    group.finish();
}

criterion_group!(benches, core_loop, whole_process);
criterion_main!(benches);
