//! `report.html`: one self-contained page (inline CSS and SVG, no script, no network) with the
//! equity curve, the drawdown chart, the summary table, refused orders and closed trades.

use std::fmt::Write;

use super::svg::line_chart;
use super::table::{describe_strategy, summary_rows};
use crate::analytics::drawdown_series;
use crate::backtest::time_text::format_timestamp;
use crate::backtest::{BacktestRun, Summary};
use crate::model::{Bar, Instrument, Side};

/// At most this many refused orders and closed trades are listed; the counts are always complete.
const MAX_LISTED: usize = 500;

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;\
max-width:1000px;padding:0 1rem;color:#222}h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;\
margin-top:2rem}p.sub{color:#555;margin-top:0}table{border-collapse:collapse;font-size:.9rem}\
td,th{padding:.25rem .8rem;border-bottom:1px solid #e5e5e5;text-align:left}td.num{text-align:right;\
font-variant-numeric:tabular-nums}.axis{font-size:12px;fill:#555}footer{margin-top:2rem;color:#777;\
font-size:.8rem}";

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn short_date(text: &str) -> &str {
    text.get(..10).unwrap_or(text)
}

/// The report page for one run. `source` names the data (e.g. the CSV file's name).
pub fn html_report(
    summary: &Summary,
    bars: &[Bar],
    run: &BacktestRun,
    instrument: &Instrument,
    source: &str,
    utc_offset_seconds: i64,
) -> String {
    let title = format!("Backtest: {} on {}", describe_strategy(&summary.strategy), summary.instrument);
    let mut page = String::with_capacity(64 * 1024);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title>\
         <style>{STYLE}</style></head><body>\n<h1>{}</h1>\n<p class=\"sub\">{} · {} to {} · {} bars · fill {}</p>\n",
        escape(&title),
        escape(&title),
        escape(source),
        escape(&summary.start),
        escape(&summary.end),
        summary.bars,
        summary.fill
    );

    let equity: Vec<f64> = run.equity.iter().map(|m| m.micros() as f64 / 1e6).collect();
    let drawdown: Vec<f64> = drawdown_series(&equity).into_iter().map(|d| d * 100.0).collect();
    let (first, last) = (short_date(&summary.start), short_date(&summary.end));
    page.push_str("<h2>Equity</h2>\n");
    page.push_str(&line_chart(&equity, 320.0, &|v| format!("{v:.2}"), first, last, false));
    page.push_str("\n<h2>Drawdown</h2>\n");
    page.push_str(&line_chart(&drawdown, 200.0, &|v| format!("{v:.2} %"), first, last, true));

    page.push_str("\n<h2>Summary</h2>\n<table>\n");
    for (label, value) in summary_rows(summary) {
        let _ = writeln!(page, "<tr><th>{}</th><td>{}</td></tr>", escape(label), escape(&value));
    }
    page.push_str("</table>\n");

    if !run.refused.is_empty() || !run.rejected.is_empty() {
        page.push_str("<h2>Orders not placed</h2>\n<table>\n<tr><th>bar</th><th>time</th><th>order</th><th>by</th><th>reason</th></tr>\n");
        let refused = run.refused.iter().map(|r| (r.bar, r.ts, r.side, r.quantity, "risk gate", r.refusal.to_string()));
        let rejected = run.rejected.iter().map(|r| (r.bar, r.ts, r.side, r.quantity, "matcher", r.reason.to_string()));
        let mut all: Vec<_> = refused.chain(rejected).collect();
        all.sort_by_key(|(bar, ..)| *bar);
        for (bar, ts, side, quantity, by, reason) in all.iter().take(MAX_LISTED) {
            let _ = writeln!(
                page,
                "<tr><td class=\"num\">{bar}</td><td>{}</td><td>{side} {quantity}</td><td>{by}</td><td>{}</td></tr>",
                escape(&format_timestamp(*ts, utc_offset_seconds)),
                escape(reason)
            );
        }
        page.push_str("</table>\n");
        if all.len() > MAX_LISTED {
            let _ = writeln!(page, "<p>The first {MAX_LISTED} of {} are listed.</p>", all.len());
        }
    }

    let _ = writeln!(page, "<h2>Closed trades ({})</h2>", run.trades.len());
    if !run.trades.is_empty() {
        page.push_str(
            "<table>\n<tr><th>#</th><th>side</th><th>entry</th><th>entry price</th><th>exit</th>\
             <th>exit price</th><th>units</th><th>net P&amp;L</th></tr>\n",
        );
        for (n, trade) in run.trades.iter().take(MAX_LISTED).enumerate() {
            let side = if trade.direction == Side::Buy { "long" } else { "short" };
            let _ = writeln!(
                page,
                "<tr><td class=\"num\">{}</td><td>{side}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                n + 1,
                escape(&format_timestamp(trade.entry_ts, utc_offset_seconds)),
                trade.entry_price.format_with(instrument.precision),
                escape(&format_timestamp(trade.exit_ts, utc_offset_seconds)),
                trade.exit_price.format_with(instrument.precision),
                trade.max_units,
                trade.pnl
            );
        }
        page.push_str("</table>\n");
        if run.trades.len() > MAX_LISTED {
            let _ = writeln!(page, "<p>The first {MAX_LISTED} of {} trades are listed.</p>", run.trades.len());
        }
    }
    let _ = write!(
        page,
        "<footer>traderd backtest · {} bars of {} · every statistic is defined in the README's \
         “Backtests” section (empyrical / quantstats definitions).</footer>\n</body></html>\n",
        bars.len(),
        escape(&summary.instrument)
    );
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(short_date("2017-04-19T09:00:00Z"), "2017-04-19");
        assert_eq!(short_date("n/a"), "n/a");
    }
}
