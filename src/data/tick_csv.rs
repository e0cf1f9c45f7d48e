//! Loading trade ticks (timestamp, price, quantity) from CSV text.

use serde::{Deserialize, Serialize};

use crate::num::decimal::parse_scaled_rounded;
use crate::num::{Price, Quantity, PRICE_DECIMALS};
use crate::time::Timestamp;

use super::csv_error::CsvError;
use super::csv_fields::{find_column, split_fields, HeaderIndex};
use super::datetime_text::parse_datetime;

/// One trade print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeTick {
    pub ts: Timestamp,
    pub price: Price,
    pub quantity: Quantity,
}

/// Parses tick CSV with columns `timestamp` (or time/datetime/date), `price` (or last/ltp) and
/// `quantity` (or qty/size/volume), in any order and case. Times must not go backwards (ticks may
/// share a timestamp).
pub fn parse_tick_csv(text: &str, naive_offset_seconds: i64) -> Result<Vec<TradeTick>, CsvError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| CsvError::file("the file is empty"))?;
    let header = HeaderIndex::new(header);
    let ts_col = find_column(&header, &["timestamp", "time", "datetime", "date"])
        .ok_or_else(|| CsvError::header_missing("timestamp"))?;
    let price_col = find_column(&header, &["price", "last", "ltp"]).ok_or_else(|| CsvError::header_missing("price"))?;
    let qty_col = find_column(&header, &["quantity", "qty", "size", "volume"])
        .ok_or_else(|| CsvError::header_missing("quantity"))?;

    let mut ticks: Vec<TradeTick> = Vec::new();
    let mut fields = Vec::with_capacity(header.len());
    for (index, line) in lines {
        let line_no = index + 1;
        split_fields(line, &mut fields);
        let field = |col: usize| -> Result<&str, CsvError> {
            fields.get(col).copied().ok_or_else(|| CsvError::row(line_no, header.name(col), "missing field"))
        };
        let ts = parse_datetime(field(ts_col)?, naive_offset_seconds)
            .map_err(|e| CsvError::row(line_no, header.name(ts_col), &e.to_string()))?;
        let price_text = field(price_col)?;
        let price = parse_scaled_rounded(price_text, PRICE_DECIMALS)
            .ok()
            .filter(|p| *p > 0)
            .map(Price::from_micros)
            .ok_or_else(|| {
                CsvError::row(line_no, header.name(price_col), &format!("`{price_text}` is not a positive price"))
            })?;
        let qty_text = field(qty_col)?;
        let quantity: Quantity = qty_text
            .parse()
            .map_err(|e: crate::num::QuantityError| CsvError::row(line_no, header.name(qty_col), &e.to_string()))?;
        if ticks.last().is_some_and(|t| ts < t.ts) {
            return Err(CsvError::row(line_no, header.name(ts_col), "timestamps must not go backwards"));
        }
        ticks.push(TradeTick { ts, price, quantity });
    }
    if ticks.is_empty() {
        return Err(CsvError::file("no data rows"));
    }
    Ok(ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_ticks_and_names_bad_fields() {
        let text =
            "timestamp,price,quantity\n2024-01-01T09:15:00+05:30,2450.05,10\n2024-01-01T09:15:00+05:30,2450.10,5\n";
        let ticks = parse_tick_csv(text, 0).unwrap();
        assert_eq!(ticks.len(), 2);
        assert_eq!(ticks[1].price.to_string(), "2450.10");
        assert_eq!(ticks[1].quantity, Quantity::new(5));
        let bad = "Time,LTP,Qty\n2024-01-01 09:15:00,2450.05,-3\n";
        let err = parse_tick_csv(bad, 0).unwrap_err();
        assert_eq!((err.line, err.column.as_deref()), (Some(2), Some("Qty")));
        let backwards = "time,price,qty\n2024-01-02,1,1\n2024-01-01,1,1\n";
        assert!(parse_tick_csv(backwards, 0).unwrap_err().to_string().contains("backwards"));
    }
}
