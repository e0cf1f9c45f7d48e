//! CSV text: `fills.csv`, `equity.csv` and a sweep's `sweep.csv`.

use std::fmt::Write;

use crate::backtest::sweep::SweepRow;
use crate::backtest::time_text::{push_padded, push_timestamp};
use crate::backtest::BacktestRun;
use crate::model::{Bar, Instrument};
use crate::num::Money;

/// Appends `money` exactly, as `Money`'s `Display` shows it (at least two decimals, no trailing
/// zeros beyond), without allocating: `equity.csv` writes one per bar.
pub(super) fn push_money(out: &mut String, money: Money) {
    let micros = money.micros();
    if micros < 0 {
        out.push('-');
    }
    let magnitude = micros.unsigned_abs();
    push_padded(out, magnitude / 1_000_000, 1);
    let mut fraction = magnitude % 1_000_000;
    let mut digits = 6;
    while digits > 2 && fraction.is_multiple_of(10) {
        fraction /= 10;
        digits -= 1;
    }
    out.push('.');
    push_padded(out, fraction, digits);
}

/// `bar,timestamp,side,quantity,price,charges`: one line per fill, in the order they happened.
/// Prices show the instrument's precision; charges are exact.
pub fn fills_csv(run: &BacktestRun, instrument: &Instrument, utc_offset_seconds: i64) -> String {
    let mut out = String::with_capacity(64 * (run.fills.len() + 1));
    out.push_str("bar,timestamp,side,quantity,price,charges\n");
    for fill in &run.fills {
        let _ = write!(out, "{},", fill.bar);
        push_timestamp(&mut out, fill.ts, utc_offset_seconds);
        let _ = write!(out, ",{},{},{},", fill.side, fill.quantity, fill.price.format_with(instrument.precision));
        push_money(&mut out, fill.charges);
        out.push('\n');
    }
    out
}

/// `timestamp,equity`: the equity at every bar's close.
pub fn equity_csv(bars: &[Bar], run: &BacktestRun, utc_offset_seconds: i64) -> String {
    let mut out = String::with_capacity(48 * (bars.len() + 1));
    out.push_str("timestamp,equity\n");
    for (bar, equity) in bars.iter().zip(&run.equity) {
        push_timestamp(&mut out, bar.ts, utc_offset_seconds);
        out.push(',');
        push_money(&mut out, *equity);
        out.push('\n');
    }
    out
}

fn optional(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or_else(String::new, |v| v.to_string())
}

/// Every run of a sweep, ranked: the rank, the parameters, then the statistics (full precision;
/// an undefined statistic is an empty field).
pub fn sweep_csv(rows: &[SweepRow]) -> String {
    let mut out = String::from("rank");
    if let Some(first) = rows.first() {
        for (key, _) in &first.pairs {
            let _ = write!(out, ",{key}");
        }
    }
    out.push_str(
        ",sharpe,sortino,calmar,total_return_pct,cagr_pct,annual_volatility_pct,max_drawdown_pct,\
         closed_trades,win_rate_pct,profit_factor,exposure_pct,total_charges,final_equity\n",
    );
    for (rank, row) in rows.iter().enumerate() {
        let s = &row.summary;
        let _ = write!(out, "{}", rank + 1);
        for (_, value) in &row.pairs {
            let _ = write!(out, ",{value}");
        }
        let _ = writeln!(
            out,
            ",{},{},{},{},{},{},{},{},{},{},{},{},{}",
            optional(s.sharpe),
            optional(s.sortino),
            optional(s.calmar),
            s.total_return_pct,
            optional(s.cagr_pct),
            optional(s.annual_volatility_pct),
            s.max_drawdown_pct,
            s.closed_trades,
            optional(s.win_rate_pct),
            optional(s.profit_factor),
            s.exposure_pct,
            s.total_charges,
            s.final_equity,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_text_matches_display() {
        for text in ["0", "10000", "-1.5", "9999.9979", "0.000001", "-0.01", "123.456789"] {
            let money: Money = text.parse().unwrap();
            let mut out = String::new();
            push_money(&mut out, money);
            assert_eq!(out, money.to_string(), "{text}");
        }
        let mut out = String::new();
        push_money(&mut out, Money::from_micros(i64::MIN));
        assert_eq!(out, "-9223372036854.775808");
    }
}
