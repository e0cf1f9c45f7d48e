//! Loading OHLCV bars from CSV text in the layouts people actually have: a date or datetime first
//! column (named or unnamed), and Open/High/Low/Close/Volume columns in any letter case and order.

use crate::model::Bar;
use crate::num::decimal::parse_scaled_rounded;
use crate::num::{Price, PRICE_DECIMALS};

use super::csv_error::CsvError;
use super::csv_fields::{find_column, split_fields, HeaderIndex};
use super::datetime_text::parse_datetime;
use super::fast_fields::{plain_datetime, plain_micros, plain_whole, DayCache};

const TIME_NAMES: &[&str] = &["", "date", "datetime", "time", "timestamp", "index", "date_time"];

/// Parses bar CSV `text`. Times without an offset are read at `naive_offset_seconds` from UTC.
/// Rows must be in strictly increasing time order and internally consistent (low ≤ open, close ≤
/// high); the first bad row stops the load with an error naming its line and column.
pub fn parse_bar_csv(text: &str, naive_offset_seconds: i64) -> Result<Vec<Bar>, CsvError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| CsvError::file("the file is empty"))?;
    let header = HeaderIndex::new(header);
    let time_col =
        find_column(&header, TIME_NAMES).filter(|i| *i == 0 || !header.name(*i).is_empty()).ok_or_else(|| {
            CsvError::header(
                "no date or datetime column (expected the first column, or one named date/datetime/timestamp)",
            )
        })?;
    let need = |name: &'static str| find_column(&header, &[name]).ok_or_else(|| CsvError::header_missing(name));
    let (open, high, low, close) = (need("open")?, need("high")?, need("low")?, need("close")?);
    let volume = find_column(&header, &["volume", "vol"]);

    let columns = Columns { time: time_col, open, high, low, close, volume };
    let mut day_cache = DayCache::default();
    let mut bars = Vec::with_capacity(text.len() / 48);
    let mut fields = Vec::with_capacity(header.len());
    for (index, line) in lines {
        let line_no = index + 1;
        // Most rows are plain; any other row takes the general path below, which reads it the same
        // way or names what is wrong with it.
        if let Some(bar) = plain_row(line, &columns, naive_offset_seconds, &mut day_cache) {
            if bar.is_consistent() && bars.last().is_none_or(|previous: &Bar| bar.ts > previous.ts) {
                bars.push(bar);
                continue;
            }
        }
        split_fields(line, &mut fields);
        let field = |col: usize| -> Result<&str, CsvError> {
            fields.get(col).copied().ok_or_else(|| CsvError::row(line_no, header.name(col), "missing field"))
        };
        let price = |col: usize| -> Result<Price, CsvError> {
            let text = field(col)?;
            let micros = parse_scaled_rounded(text, PRICE_DECIMALS)
                .map_err(|e| CsvError::row(line_no, header.name(col), &e.to_string()))?;
            if micros <= 0 {
                return Err(CsvError::row(line_no, header.name(col), &format!("price `{text}` must be positive")));
            }
            Ok(Price::from_micros(micros))
        };
        let ts = parse_datetime(field(time_col)?, naive_offset_seconds)
            .map_err(|e| CsvError::row(line_no, header.name(time_col), &e.to_string()))?;
        let volume = match volume {
            None => 0,
            Some(col) => {
                let text = field(col)?;
                parse_scaled_rounded(text, 0)
                    .ok()
                    .and_then(|v| u64::try_from(v).ok())
                    .ok_or_else(|| CsvError::row(line_no, header.name(col), &format!("`{text}` is not a volume")))?
            }
        };
        let bar = Bar { ts, open: price(open)?, high: price(high)?, low: price(low)?, close: price(close)?, volume };
        if !bar.is_consistent() {
            return Err(CsvError::row(line_no, "high/low", "low must be ≤ open and close, which must be ≤ high"));
        }
        if let Some(previous) = bars.last().map(|b: &Bar| b.ts) {
            if bar.ts <= previous {
                return Err(CsvError::row(line_no, header.name(time_col), "timestamps must strictly increase"));
            }
        }
        bars.push(bar);
    }
    if bars.is_empty() {
        return Err(CsvError::file("no data rows"));
    }
    Ok(bars)
}

/// Where each field of a bar row is.
struct Columns {
    time: usize,
    open: usize,
    high: usize,
    low: usize,
    close: usize,
    volume: Option<usize>,
}

/// The most columns a row may have for the fast path to look at it.
const PLAIN_FIELDS: usize = 16;

/// A row of plain fields (no quotes or spaces, see `fast_fields`) as a bar, or `None`.
fn plain_row(line: &str, columns: &Columns, naive_offset_seconds: i64, cache: &mut DayCache) -> Option<Bar> {
    let mut fields = [""; PLAIN_FIELDS];
    let mut count = 0;
    let mut start = 0;
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if b == b',' {
            *fields.get_mut(count)? = &line[start..i];
            count += 1;
            start = i + 1;
        }
    }
    *fields.get_mut(count)? = &line[start..];
    let price = |col: usize| plain_micros(fields[col]).filter(|micros| *micros > 0).map(Price::from_micros);
    let volume = match columns.volume {
        Some(col) => plain_whole(fields[col])?,
        None => 0,
    };
    Some(Bar {
        ts: plain_datetime(fields[columns.time], naive_offset_seconds, cache)?,
        open: price(columns.open)?,
        high: price(columns.high)?,
        low: price(columns.low)?,
        close: price(columns.close)?,
        volume,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_an_unnamed_first_column_in_any_case() {
        let text = ",Open,High,Low,Close,Volume\n\
                    2017-04-19 09:00:00,1.0716,1.0722,1.07083,1.07219,1413\n\
                    2017-04-19 10:00:00,1.07214,1.07296,1.07214,1.0726,1241\n";
        let bars = parse_bar_csv(text, 0).unwrap();
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[0].low.to_string(), "1.07083");
        assert_eq!(bars[1].volume, 1241);
        assert_eq!(bars[1].ts.since(bars[0].ts), 3_600_000_000_000);
    }

    #[test]
    fn loads_named_columns_in_another_order_without_volume() {
        let text = "Date,close,LOW,high,open\n2024-01-01,101,99,102,100\n2024-01-02,103.5,100.25,104,101\n";
        let bars = parse_bar_csv(text, 0).unwrap();
        assert_eq!(bars[1].close.to_string(), "103.50");
        assert_eq!(bars[1].volume, 0);
    }

    #[test]
    fn a_bad_row_names_its_line_and_column() {
        let text = "date,open,high,low,close,volume\n2024-01-01,100,102,99,101,5\n2024-01-02,100,10x,99,101,5\n";
        let err = parse_bar_csv(text, 0).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert_eq!(err.column.as_deref(), Some("high"));
        assert!(err.to_string().starts_with("line 3, column `high`:"), "{err}");
    }

    #[test]
    fn refuses_inconsistent_unordered_and_missing() {
        let inconsistent = "date,open,high,low,close\n2024-01-01,100,99,98,99\n";
        assert!(parse_bar_csv(inconsistent, 0).unwrap_err().to_string().contains("line 2"));
        let unordered = "date,open,high,low,close\n2024-01-02,1,1,1,1\n2024-01-01,1,1,1,1\n";
        assert!(parse_bar_csv(unordered, 0).unwrap_err().to_string().contains("strictly increase"));
        let short = "date,open,high,low,close\n2024-01-02,1,1,1\n";
        assert!(parse_bar_csv(short, 0).unwrap_err().to_string().contains("missing field"));
        assert!(parse_bar_csv("date,open,high,close\n", 0).unwrap_err().to_string().contains("`low`"));
        assert!(parse_bar_csv("", 0).is_err());
        let negative = "date,open,high,low,close\n2024-01-02,1,1,-1,1\n";
        assert!(parse_bar_csv(negative, 0).unwrap_err().to_string().contains("must be positive"));
    }

    #[test]
    fn the_shared_eurusd_file_loads() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/eurusd-h1.csv");
        let Ok(text) = std::fs::read_to_string(path) else {
            panic!("the shared EURUSD data should be beside the project at {path}");
        };
        let bars = parse_bar_csv(&text, 0).unwrap();
        assert_eq!(bars.len(), 5000);
        assert_eq!(bars[0].open.to_string(), "1.0716");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,200}") {
            let _ = parse_bar_csv(&text, 0);
        }
    }
}
