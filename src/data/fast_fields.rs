//! Fast paths for the field forms nearly every market data file uses: plain decimal prices,
//! whole volumes and `YYYY-MM-DD[ T]HH:MM[:SS]` times without an offset. Each returns `None` for
//! any other text, and the caller then runs the general parser, which reads the same text to the
//! same value (or names the problem): these change how fast a file loads, never what it means.

use crate::num::PRICE_DECIMALS;
use crate::time::{Date, Timestamp};

/// `digits[.digits]` with 1 to 12 integer digits and at most `PRICE_DECIMALS` fraction digits, as
/// micros: exactly what `parse_scaled(text, PRICE_DECIMALS)` gives for such text.
pub(super) fn plain_micros(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let mut value: i64 = 0;
    let mut i = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        value = value * 10 + i64::from(bytes[i] - b'0');
        i += 1;
        // 12 integer and 6 fraction digits stay below 10¹⁸, inside i64.
        if i > 12 {
            return None;
        }
    }
    if i == 0 {
        return None;
    }
    let mut decimals = 0;
    if i < bytes.len() {
        if bytes[i] != b'.' {
            return None;
        }
        for &b in &bytes[i + 1..] {
            if !b.is_ascii_digit() || decimals == PRICE_DECIMALS {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
            decimals += 1;
        }
    }
    Some(value * 10i64.pow(PRICE_DECIMALS - decimals))
}

/// Digits only, within `i64`: the value `parse_scaled_rounded(text, 0)` gives for such text.
pub(super) fn plain_whole(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &b in text.as_bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    u64::try_from(value).ok()
}

/// The last calendar date parsed and its day number: consecutive rows mostly share a date.
#[derive(Debug, Default)]
pub(super) struct DayCache {
    text: [u8; 10],
    days: Option<i64>,
}

fn two_digits(bytes: &[u8], at: usize) -> Option<i64> {
    let (a, b) = (*bytes.get(at)?, *bytes.get(at + 1)?);
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` (`T` or a space between date and
/// time), read at `naive_offset_seconds` from UTC: what `parse_datetime` gives for such text.
pub(super) fn plain_datetime(text: &str, naive_offset_seconds: i64, cache: &mut DayCache) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    if !matches!(bytes.len(), 10 | 16 | 19) || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let days = match cache.days {
        Some(days) if cache.text == bytes[..10] => days,
        _ => {
            let year = two_digits(bytes, 0)? * 100 + two_digits(bytes, 2)?;
            let date = Date::new(year as i32, two_digits(bytes, 5)? as u32, two_digits(bytes, 8)? as u32).ok()?;
            let days = date.days_since_epoch();
            cache.text.copy_from_slice(&bytes[..10]);
            cache.days = Some(days);
            days
        }
    };
    let mut seconds_of_day = 0;
    if bytes.len() > 10 {
        if !matches!(bytes[10], b' ' | b'T') || bytes[13] != b':' {
            return None;
        }
        let (hour, minute) = (two_digits(bytes, 11)?, two_digits(bytes, 14)?);
        let second = if bytes.len() == 19 {
            if bytes[16] != b':' {
                return None;
            }
            two_digits(bytes, 17)?
        } else {
            0
        };
        if hour >= 24 || minute >= 60 || second >= 60 {
            return None;
        }
        seconds_of_day = hour * 3600 + minute * 60 + second;
    }
    Timestamp::from_seconds(days.checked_mul(86_400)?.checked_add(seconds_of_day)?.checked_sub(naive_offset_seconds)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::datetime_text::parse_datetime;
    use crate::num::decimal::{parse_scaled, parse_scaled_rounded};
    use proptest::prelude::*;

    #[test]
    fn common_forms_take_the_fast_path() {
        assert_eq!(plain_micros("2450.05"), Some(2_450_050_000));
        assert_eq!(plain_micros("1.07083"), Some(1_070_830));
        assert_eq!(plain_micros("7"), Some(7_000_000));
        assert_eq!(plain_micros("12."), Some(12_000_000));
        assert_eq!(plain_whole("1413"), Some(1413));
        let mut cache = DayCache::default();
        let ts = plain_datetime("2017-04-19 09:00:00", 0, &mut cache).unwrap();
        assert_eq!(ts.nanos(), 1_492_592_400 * 1_000_000_000);
        assert_eq!(plain_datetime("2017-04-19T09:00", 0, &mut cache), Some(ts));
    }

    #[test]
    fn anything_else_goes_to_the_general_parser() {
        for text in ["", ".5", "-1", "+1", "1.0000001", "1e5", " 1", "1 ", "\"1\"", "1234567890123", "1,5"] {
            assert_eq!(plain_micros(text), None, "{text:?}");
        }
        for text in ["", "1.0", "-3", "99999999999999999999", "9223372036854775808"] {
            assert_eq!(plain_whole(text), None, "{text:?}");
        }
        let mut cache = DayCache::default();
        for text in [
            "2017-04-19 09:00:00Z",
            "2017-04-19T09:00:00+05:30",
            "2017-04-19 09:00:00.25",
            "1492592400",
            "2017-02-30",
            "2017-04-19 24:00:00",
            "2017-04-19 9:00:00",
            "2017-04-19X09:00:00",
            "2017/04/19 09:00",
        ] {
            assert_eq!(plain_datetime(text, 0, &mut cache), None, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_general_parser(
            int in "[0-9]{1,13}",
            frac in proptest::option::of("[0-9]{0,8}"),
            y in 1900i32..2100, mo in 0u32..14, d in 0u32..33, h in 0i64..26, mi in 0i64..62, s in 0i64..62,
            form in 0usize..3, sep in any::<bool>(), offset in -50_400i64..50_400,
        ) {
            let text = match &frac { Some(f) => format!("{int}.{f}"), None => int.clone() };
            if let Some(micros) = plain_micros(&text) {
                prop_assert_eq!(parse_scaled(&text, PRICE_DECIMALS), Ok(micros));
            }
            if let Some(units) = plain_whole(&text) {
                prop_assert_eq!(parse_scaled_rounded(&text, 0).map(|v| v as u64), Ok(units));
            }
            let date = format!("{y:04}-{mo:02}-{d:02}");
            let sep = if sep { 'T' } else { ' ' };
            let text = match form {
                0 => date,
                1 => format!("{date}{sep}{h:02}:{mi:02}"),
                _ => format!("{date}{sep}{h:02}:{mi:02}:{s:02}"),
            };
            let mut cache = DayCache::default();
            match plain_datetime(&text, offset, &mut cache) {
                Some(ts) => prop_assert_eq!(parse_datetime(&text, offset), Ok(ts)),
                None => prop_assert!(parse_datetime(&text, offset).is_err(), "{} is valid but missed", text),
            }
        }
    }
}
