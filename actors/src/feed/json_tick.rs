//! Decoding one JSON tick frame into a `Quote`, naming the field and the reason when it cannot.

use serde_json::{Map, Value};
use thiserror::Error;
use trader::model::{InstrumentKey, Quote};
use trader::num::decimal::parse_scaled_rounded;
use trader::num::{Price, Quantity, PRICE_DECIMALS};
use trader::time::Timestamp;

/// Why a frame was not a tick.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("expected a JSON object, got {0}")]
    NotObject(&'static str),
    #[error("field `{field}`: {reason}")]
    Field { field: &'static str, reason: String },
}

/// Decodes `{"instrument":"NSE_EQ|…","ts":<epoch ms>,"last":"2450.05","last_quantity":10,
/// "bid":"2450.00","bid_quantity":5,"ask":"2450.10","ask_quantity":7,"volume":12345}`.
///
/// `instrument`, `ts` and `last` are required; prices may be strings or numbers (digits beyond
/// the sixth decimal, float noise, are rounded); `bid`/`ask` may be absent, null or 0 (no bid or
/// ask); quantities and `volume` (cumulative for the day) default to 0. Unknown fields are
/// ignored so the stream can grow. Never panics, and never echoes more than 40 characters.
pub fn parse_tick_frame(text: &str) -> Result<Quote, FrameError> {
    let value: Value = serde_json::from_str(text).map_err(|e| FrameError::NotJson(e.to_string()))?;
    let Value::Object(object) = value else { return Err(FrameError::NotObject(kind(&value))) };
    let fields = Fields(&object);
    let instrument = fields.required("instrument").and_then(|v| match v {
        Value::String(text) => InstrumentKey::new(text).map_err(|e| field_error("instrument", e.to_string())),
        other => Err(field_error(
            "instrument",
            format!("expected a string like \"NSE_EQ|INE002A01018\", got {}", kind(other)),
        )),
    })?;
    let ts = fields.required("ts").and_then(|v| {
        v.as_i64()
            .and_then(Timestamp::from_millis)
            .filter(|ts| ts.nanos() >= 0)
            .ok_or_else(|| field_error("ts", format!("expected whole epoch milliseconds, got {}", shown(v))))
    })?;
    let last = fields
        .required("last")
        .and_then(|v| price("last", v))?
        .ok_or_else(|| field_error("last", "must be positive".into()))?;
    Ok(Quote {
        instrument,
        ts,
        last,
        last_quantity: fields.quantity("last_quantity")?,
        bid: fields.optional("bid").map(|v| price("bid", v)).transpose()?.flatten(),
        bid_quantity: fields.quantity("bid_quantity")?,
        ask: fields.optional("ask").map(|v| price("ask", v)).transpose()?.flatten(),
        ask_quantity: fields.quantity("ask_quantity")?,
        volume: fields.quantity("volume")?.units(),
    })
}

struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    /// The field's value, treating null as absent.
    fn optional(&self, name: &'static str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    fn required(&self, name: &'static str) -> Result<&Value, FrameError> {
        self.optional(name).ok_or_else(|| field_error(name, "is missing".into()))
    }

    /// A whole, non-negative count (a number or a string of digits); absent is 0.
    fn quantity(&self, name: &'static str) -> Result<Quantity, FrameError> {
        let Some(value) = self.optional(name) else { return Ok(Quantity::ZERO) };
        let units = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(text) => text.parse::<Quantity>().ok().map(Quantity::units),
            _ => None,
        };
        units
            .map(Quantity::new)
            .ok_or_else(|| field_error(name, format!("expected a whole, non-negative number, got {}", shown(value))))
    }
}

/// A price from a string or number: `Some` if positive, `None` for 0 (an empty book side).
fn price(name: &'static str, value: &Value) -> Result<Option<Price>, FrameError> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(field_error(name, format!("expected a price as a string or number, got {}", kind(other)))),
    };
    let micros = parse_scaled_rounded(&text, PRICE_DECIMALS).map_err(|e| field_error(name, e.to_string()))?;
    match micros {
        0 => Ok(None),
        m if m > 0 => Ok(Some(Price::from_micros(m))),
        _ => Err(field_error(name, format!("{} is negative", shown(value)))),
    }
}

fn field_error(field: &'static str, reason: String) -> FrameError {
    FrameError::Field { field, reason }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as JSON text, cut to 40 characters.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{"instrument":"NSE_EQ|INE002A01018","ts":1764215100250,"last":"2450.05","last_quantity":10,
        "bid":"2450.00","bid_quantity":5,"ask":"2450.10","ask_quantity":7,"volume":12345}"#;

    fn reason(text: &str) -> String {
        parse_tick_frame(text).unwrap_err().to_string()
    }

    #[test]
    fn decodes_a_full_frame() {
        let quote = parse_tick_frame(FULL).unwrap();
        assert_eq!(quote.instrument.as_str(), "NSE_EQ|INE002A01018");
        assert_eq!(quote.ts.to_string(), "2025-11-27 09:15:00.250+05:30");
        assert_eq!(quote.last.to_string(), "2450.05");
        assert_eq!(
            (quote.last_quantity, quote.bid_quantity, quote.ask_quantity),
            (Quantity::new(10), Quantity::new(5), Quantity::new(7))
        );
        assert_eq!(
            (quote.bid.unwrap().to_string(), quote.ask.unwrap().to_string()),
            ("2450.00".into(), "2450.10".into())
        );
        assert_eq!(quote.volume, 12_345);
    }

    #[test]
    fn numbers_work_for_prices_and_optional_fields_may_be_absent_null_or_zero() {
        let quote = parse_tick_frame(
            r#"{"instrument":"NSE_EQ|INE009A01021","ts":0,"last":1500.35,"bid":null,"ask":0,"extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(quote.last, "1500.35".parse().unwrap());
        assert_eq!((quote.bid, quote.ask, quote.volume), (None, None, 0));
        assert_eq!(quote.last_quantity, Quantity::ZERO);
        let noisy =
            parse_tick_frame(r#"{"instrument":"NSE_EQ|INE009A01021","ts":1,"last":150.2899932861328,"volume":"42"}"#)
                .unwrap();
        assert_eq!((noisy.last.to_string(), noisy.volume), ("150.289993".into(), 42));
    }

    #[test]
    fn each_bad_field_is_named_with_the_reason() {
        let cases = [
            ("[1]", "expected a JSON object, got an array"),
            ("{", "not JSON: EOF while parsing an object at line 1 column 1"),
            (r#"{"ts":1,"last":"1"}"#, "field `instrument`: is missing"),
            (
                r#"{"instrument":"NSE|X","ts":1,"last":"1"}"#,
                "field `instrument`: invalid instrument key `NSE|X`: unknown segment",
            ),
            (
                r#"{"instrument":7,"ts":1,"last":"1"}"#,
                "field `instrument`: expected a string like \"NSE_EQ|INE002A01018\", got a number",
            ),
            (
                r#"{"instrument":"NSE_EQ|A","ts":"soon","last":"1"}"#,
                "field `ts`: expected whole epoch milliseconds, got \"soon\"",
            ),
            (
                r#"{"instrument":"NSE_EQ|A","ts":-5,"last":"1"}"#,
                "field `ts`: expected whole epoch milliseconds, got -5",
            ),
            (r#"{"instrument":"NSE_EQ|A","ts":1}"#, "field `last`: is missing"),
            (r#"{"instrument":"NSE_EQ|A","ts":1,"last":"24x"}"#, "field `last`: `24x` is not a decimal number"),
            (r#"{"instrument":"NSE_EQ|A","ts":1,"last":"0"}"#, "field `last`: must be positive"),
            (
                r#"{"instrument":"NSE_EQ|A","ts":1,"last":true}"#,
                "field `last`: expected a price as a string or number, got a boolean",
            ),
            (r#"{"instrument":"NSE_EQ|A","ts":1,"last":"1","bid":"-1"}"#, "field `bid`: \"-1\" is negative"),
            (
                r#"{"instrument":"NSE_EQ|A","ts":1,"last":"1","last_quantity":2.5}"#,
                "field `last_quantity`: expected a whole, non-negative number, got 2.5",
            ),
            (
                r#"{"instrument":"NSE_EQ|A","ts":1,"last":"1","volume":-3}"#,
                "field `volume`: expected a whole, non-negative number, got -3",
            ),
        ];
        for (frame, expected) in cases {
            let got = reason(frame);
            assert!(got.starts_with(expected), "{frame}: {got}");
        }
    }

    #[test]
    fn long_values_are_cut_in_reasons() {
        let long = format!(r#"{{"instrument":"NSE_EQ|A","ts":1,"last":"1","volume":"{}"}}"#, "9".repeat(500));
        let got = reason(&long);
        assert!(got.len() < 120 && got.ends_with('…'), "{got}");
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in [
            "",
            "null",
            "\"x\"",
            "{\"ts\":1e400}",
            "{\"last\":{}}",
            "{\"instrument\":\"NSE_EQ|A\",\"ts\":9223372036854775807,\"last\":1}",
        ] {
            assert!(parse_tick_frame(text).is_err(), "{text}");
        }
    }
}
