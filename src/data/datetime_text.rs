//! Parsing the date and datetime text found in market data files into `Timestamp`s.
//!
//! Accepted: `2017-04-19`, `2017-04-19 09:00`, `2017-04-19 09:00:00`, `2017-04-19T09:00:00.250`, each
//! optionally followed by `Z`, `+05:30`, `+0530` or `-04:00`; and integer epoch seconds or milliseconds
//! (ten or thirteen digits). Text without an offset is read in the caller's `naive_offset_seconds`.

use thiserror::Error;

use crate::time::{Date, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{text}` is not a date or datetime ({reason})")]
pub struct DateTimeError {
    pub text: String,
    pub reason: &'static str,
}

fn fail(text: &str, reason: &'static str) -> DateTimeError {
    DateTimeError { text: text.chars().take(40).collect(), reason }
}

fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses `text` into an instant; see the module docs for the forms.
pub fn parse_datetime(text: &str, naive_offset_seconds: i64) -> Result<Timestamp, DateTimeError> {
    let text = text.trim();
    if text.len() >= 10 && text.len() <= 13 && text.bytes().all(|b| b.is_ascii_digit()) {
        let value = digits(text).ok_or_else(|| fail(text, "epoch out of range"))?;
        let ts = if text.len() == 13 { Timestamp::from_millis(value) } else { Timestamp::from_seconds(value) };
        return ts.ok_or_else(|| fail(text, "epoch out of range"));
    }
    if text.len() < 10 || !text.is_char_boundary(10) {
        return Err(fail(text, "expected YYYY-MM-DD"));
    }
    let date: Date = text[..10].parse().map_err(|_| fail(text, "expected YYYY-MM-DD with a real date"))?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Timestamp::from_local(date, 0, naive_offset_seconds).ok_or_else(|| fail(text, "out of range"));
    }
    let rest = rest.strip_prefix(['T', ' ']).ok_or_else(|| fail(text, "expected `T` or a space after the date"))?;
    let (clock, offset) = split_offset(rest).ok_or_else(|| fail(text, "bad UTC offset"))?;
    let offset = offset.unwrap_or(naive_offset_seconds);
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let hour = parts.next().and_then(digits).filter(|h| *h < 24 && hms.len() >= 5);
    let minute = parts.next().and_then(digits).filter(|m| *m < 60);
    let second = match parts.next() {
        Some(s) => digits(s).filter(|s| *s < 60),
        None => Some(0),
    };
    let (Some(hour), Some(minute), Some(second), None) = (hour, minute, second, parts.next()) else {
        return Err(fail(text, "expected HH:MM or HH:MM:SS"));
    };
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{f:0<9}").parse::<i64>().map_err(|_| fail(text, "bad fraction of a second"))?
        }
        Some(_) => return Err(fail(text, "bad fraction of a second")),
    };
    Timestamp::from_local(date, hour * 3600 + minute * 60 + second, offset)
        .map(|t| t.saturating_add(nanos))
        .ok_or_else(|| fail(text, "out of range"))
}

/// Splits a trailing `Z` / `±HH:MM` / `±HHMM` off a clock time, returning the offset in seconds.
fn split_offset(clock: &str) -> Option<(&str, Option<i64>)> {
    if let Some(rest) = clock.strip_suffix('Z') {
        return Some((rest, Some(0)));
    }
    let Some(pos) = clock.rfind(['+', '-']) else {
        return Some((clock, None));
    };
    let (time, offset) = clock.split_at(pos);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let body = offset[1..].replace(':', "");
    if body.len() != 4 {
        return None;
    }
    let hours = digits(&body[..2]).filter(|h| *h <= 14)?;
    let minutes = digits(&body[2..]).filter(|m| *m < 60)?;
    Some((time, Some(sign * (hours * 3600 + minutes * 60))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::IST_OFFSET_SECONDS;

    fn utc(text: &str) -> i64 {
        parse_datetime(text, 0).unwrap().nanos()
    }

    #[test]
    fn accepts_common_forms() {
        let base = utc("2017-04-19 09:00:00");
        assert_eq!(base, 1_492_592_400 * 1_000_000_000);
        assert_eq!(utc("2017-04-19T09:00:00"), base);
        assert_eq!(utc("2017-04-19 09:00"), base);
        assert_eq!(utc("2017-04-19T09:00:00Z"), base);
        assert_eq!(utc("2017-04-19T14:30:00+05:30"), base);
        assert_eq!(utc("2017-04-19T14:30:00+0530"), base);
        assert_eq!(utc("2017-04-19T05:00:00-04:00"), base);
        assert_eq!(utc("2017-04-19 09:00:00.25"), base + 250_000_000);
        assert_eq!(utc("2017-04-19"), base - 9 * 3600 * 1_000_000_000);
        assert_eq!(utc("1492592400"), base);
        assert_eq!(utc("1492592400000"), base);
    }

    #[test]
    fn naive_text_uses_the_given_offset() {
        let ist = parse_datetime("2017-04-19 14:30:00", IST_OFFSET_SECONDS).unwrap();
        assert_eq!(ist.nanos(), utc("2017-04-19 09:00:00"));
    }

    #[test]
    fn refuses_malformed_text_with_a_reason() {
        for bad in [
            "",
            "2017-02-30",
            "2017-04-19X09:00",
            "2017-04-19 25:00",
            "2017-04-19 09:60",
            "2017-04-19 09:00:00+5",
            "2017-04-19 09:00:00.",
            "2017-04-19 09",
            "19/04/2017",
            "2017-04-19 09:00:00:00",
            "२०१७-04-19",
        ] {
            assert!(parse_datetime(bad, 0).is_err(), "{bad:?} should be refused");
        }
    }
}
