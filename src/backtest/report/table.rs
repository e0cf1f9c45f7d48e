//! Plain-text tables: one run's summary, and a sweep's ranked results.

use std::fmt::Write;

use crate::backtest::sweep::{SortMetric, SweepRow};
use crate::backtest::Summary;
use crate::strategy::{Sizing, StrategyParams};

/// The strategy and its parameters in words: `sma_cross fast=10 slow=20, all-in sizing with
/// commission 0.002`.
pub fn describe_strategy(params: &StrategyParams) -> String {
    let windows = match params {
        StrategyParams::SmaCross(p) => format!("fast={} slow={}", p.fast, p.slow),
        StrategyParams::Donchian(p) => format!("entry={} exit={}", p.entry, p.exit),
    };
    let sizing = match params.sizing() {
        Sizing::AllIn { commission } if commission.nanos() == 0 => "all-in sizing".to_owned(),
        Sizing::AllIn { commission } => format!("all-in sizing with commission {commission}"),
        Sizing::Fixed { quantity } => format!("fixed sizing of {quantity} units"),
    };
    format!("{} {windows}, {sizing}", params.kind())
}

fn number(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        Some(v) if v > 0.0 => "inf".to_owned(),
        Some(v) if v < 0.0 => "-inf".to_owned(),
        _ => "n/a".to_owned(),
    }
}

fn percent(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.2} %"),
        other => number(other, 2),
    }
}

/// The summary as labelled rows, in the order every report shows them.
pub fn summary_rows(summary: &Summary) -> Vec<(&'static str, String)> {
    let s = summary;
    vec![
        ("Instrument", s.instrument.clone()),
        ("Strategy", describe_strategy(&s.strategy)),
        ("Fill", s.fill.to_string()),
        ("Costs", s.costs.clone()),
        ("Start", s.start.clone()),
        ("End", s.end.clone()),
        ("Bars", s.bars.to_string()),
        ("Periods per year", number(s.periods_per_year, 1)),
        ("Initial cash", s.initial_cash.to_string()),
        ("Final equity", s.final_equity.to_string()),
        ("Total return", percent(Some(s.total_return_pct))),
        ("CAGR", percent(s.cagr_pct)),
        ("Annual volatility", percent(s.annual_volatility_pct)),
        ("Sharpe ratio", number(s.sharpe, 3)),
        ("Sortino ratio", number(s.sortino, 3)),
        ("Max drawdown", percent(Some(s.max_drawdown_pct))),
        (
            "Max drawdown duration",
            format!("{} bars ({:.1} days)", s.max_drawdown_duration_bars, s.max_drawdown_duration_days),
        ),
        ("Calmar ratio", number(s.calmar, 3)),
        ("Fills", s.fills.to_string()),
        ("Closed trades", s.closed_trades.to_string()),
        ("Win rate", percent(s.win_rate_pct)),
        ("Profit factor", number(s.profit_factor, 3)),
        ("Average trade", s.average_trade.map_or_else(|| "n/a".to_owned(), |m| m.to_string())),
        ("Exposure", percent(Some(s.exposure_pct))),
        ("Total charges", s.total_charges.to_string()),
        ("Open position", format!("{} units", s.open_position)),
        ("Orders refused (risk)", s.orders_refused.to_string()),
        ("Orders rejected (matcher)", s.orders_rejected.to_string()),
    ]
}

/// The summary as an aligned two-column table, one statistic per line.
pub fn summary_table(summary: &Summary) -> String {
    let rows = summary_rows(summary);
    let width = rows.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (label, value) in rows {
        let _ = writeln!(out, "{label:<width$}  {value}");
    }
    out
}

/// A sweep's rows as a ranked table: the parameters, then the main statistics. `top` limits the
/// rows shown (0 shows all); `skipped` invalid combinations are mentioned below the table.
pub fn sweep_table(rows: &[SweepRow], metric: SortMetric, top: usize, skipped: usize) -> String {
    let shown = if top == 0 { rows.len() } else { top.min(rows.len()) };
    let mut header: Vec<String> = vec!["rank".into()];
    if let Some(first) = rows.first() {
        header.extend(first.pairs.iter().map(|(key, _)| key.clone()));
    }
    let stats = ["sharpe", "sortino", "calmar", "return %", "cagr %", "max dd %", "trades", "win %", "final equity"];
    header.extend(stats.iter().map(|s| s.to_string()));
    let mut table: Vec<Vec<String>> = vec![header];
    for (rank, row) in rows.iter().take(shown).enumerate() {
        let s = &row.summary;
        let mut line = vec![(rank + 1).to_string()];
        line.extend(row.pairs.iter().map(|(_, value)| value.clone()));
        line.extend([
            number(s.sharpe, 3),
            number(s.sortino, 3),
            number(s.calmar, 3),
            number(Some(s.total_return_pct), 2),
            number(s.cagr_pct, 2),
            number(Some(s.max_drawdown_pct), 2),
            s.closed_trades.to_string(),
            number(s.win_rate_pct, 1),
            s.final_equity.to_string(),
        ]);
        table.push(line);
    }
    let columns = table.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| table.iter().filter_map(|line| line.get(c)).map(|cell| cell.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for line in &table {
        let cells: Vec<String> = line.iter().zip(&widths).map(|(cell, width)| format!("{cell:>width$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    let _ = write!(out, "{} runs ranked by {metric}", rows.len());
    if shown < rows.len() {
        let _ = write!(out, " (best {shown} shown)");
    }
    if skipped > 0 {
        let _ = write!(out, "; {skipped} invalid combinations skipped");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Rate;
    use crate::strategy::{DonchianParams, SmaCrossParams};

    #[test]
    fn strategies_in_words() {
        let sma = StrategyParams::SmaCross(SmaCrossParams {
            fast: 10,
            slow: 20,
            sizing: Sizing::AllIn { commission: Rate::from_bps(20) },
        });
        assert_eq!(describe_strategy(&sma), "sma_cross fast=10 slow=20, all-in sizing with commission 0.002");
        let donchian =
            StrategyParams::Donchian(DonchianParams { entry: 20, exit: 10, sizing: Sizing::Fixed { quantity: 5 } });
        assert_eq!(describe_strategy(&donchian), "donchian entry=20 exit=10, fixed sizing of 5 units");
    }

    #[test]
    fn numbers_show_undefined_and_infinite_values() {
        assert_eq!(number(Some(1.23456), 3), "1.235");
        assert_eq!(number(None, 3), "n/a");
        assert_eq!(number(Some(f64::NAN), 3), "n/a");
        assert_eq!(number(Some(f64::INFINITY), 3), "inf");
        assert_eq!(percent(Some(-3.0)), "-3.00 %");
    }
}
