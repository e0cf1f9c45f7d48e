//! Reading a backtest's market data: OHLCV bar CSV, or tick CSV run as one-price bars.

use crate::data::{parse_bar_csv, parse_tick_csv, CsvError, TradeTick};
use crate::model::Bar;

/// Which layout a CSV file has, told from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvLayout {
    /// Open/high/low/close (and optionally volume) columns.
    Bars,
    /// A price column (price, last or ltp) and no OHLC columns: one trade per row.
    Ticks,
}

/// The layout of CSV `text`: bars when the header names a `close` column, ticks when it names a
/// price column (`price`, `last`, `ltp`) instead, and bars otherwise (so the bar parser reports
/// what is missing).
pub fn detect_layout(text: &str) -> CsvLayout {
    let header = text.lines().find(|line| !line.trim().is_empty()).unwrap_or("");
    let names: Vec<String> = header
        .split(',')
        .map(|name| name.trim().trim_matches('"').trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let has = |candidates: &[&str]| names.iter().any(|name| candidates.contains(&name.as_str()));
    if !has(&["close"]) && has(&["price", "last", "ltp"]) {
        CsvLayout::Ticks
    } else {
        CsvLayout::Bars
    }
}

/// Each trade as a bar whose open, high, low and close are its price and whose volume is its
/// quantity, so a strategy sees every trade and `--fill next-open` fills at the next trade's price.
/// Trades may share a timestamp; the backtest does not need times to increase strictly.
pub fn bars_from_ticks(ticks: &[TradeTick]) -> Vec<Bar> {
    ticks
        .iter()
        .map(|tick| Bar {
            ts: tick.ts,
            open: tick.price,
            high: tick.price,
            low: tick.price,
            close: tick.price,
            volume: tick.quantity.units(),
        })
        .collect()
}

/// Parses CSV `text` of either layout into bars; times without an offset are read at
/// `naive_offset_seconds` from UTC. Errors name the line and column.
pub fn parse_market_csv(text: &str, naive_offset_seconds: i64) -> Result<Vec<Bar>, CsvError> {
    match detect_layout(text) {
        CsvLayout::Bars => parse_bar_csv(text, naive_offset_seconds),
        CsvLayout::Ticks => parse_tick_csv(text, naive_offset_seconds).map(|ticks| bars_from_ticks(&ticks)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_bars_from_ticks_by_the_header() {
        assert_eq!(detect_layout(",Open,High,Low,Close,Volume\n"), CsvLayout::Bars);
        assert_eq!(detect_layout("\n\"Timestamp\",\"LTP\",\"Qty\"\n"), CsvLayout::Ticks);
        assert_eq!(detect_layout("time,price,close\n"), CsvLayout::Bars);
        assert_eq!(detect_layout(""), CsvLayout::Bars);
    }

    #[test]
    fn ticks_become_one_price_bars() {
        let text =
            "timestamp,price,quantity\n2024-01-01T09:15:00+05:30,2450.05,10\n2024-01-01T09:15:00+05:30,2450.10,5\n";
        let bars = parse_market_csv(text, 0).unwrap();
        assert_eq!(bars.len(), 2);
        let second = bars[1];
        assert_eq!((second.open, second.high, second.low), (second.close, second.close, second.close));
        assert_eq!((second.close.to_string(), second.volume), ("2450.10".to_owned(), 5));
        assert_eq!(bars[0].ts, bars[1].ts, "trades may share a timestamp");
    }

    #[test]
    fn errors_name_the_line_and_column_in_either_layout() {
        let bars = "date,open,high,low,close\n2024-01-01,1,1,1,1\n2024-01-02,1,1,x,1\n";
        let err = parse_market_csv(bars, 0).unwrap_err();
        assert_eq!((err.line, err.column.as_deref()), (Some(3), Some("low")));
        let ticks = "time,price,qty\n2024-01-01,1,1\n2024-01-02,-1,1\n";
        let err = parse_market_csv(ticks, 0).unwrap_err();
        assert_eq!((err.line, err.column.as_deref()), (Some(3), Some("price")));
    }
}
