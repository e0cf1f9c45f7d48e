//! Rendering instants at a fixed UTC offset, as reports show them: `2017-04-19T09:00:00+05:30`.

use crate::time::{Date, Timestamp};

const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// Appends `value` in decimal, zero-padded to at least `width` digits. Reports write one or more
/// per bar, so this avoids the formatting machinery.
pub(super) fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut rest = value;
    while rest > 0 || n < width.max(1) {
        digits[n] = b'0' + (rest % 10) as u8;
        rest /= 10;
        n += 1;
    }
    for &digit in digits[..n].iter().rev() {
        out.push(char::from(digit));
    }
}

/// Appends `ts` as RFC 3339 local time at `offset_seconds` from UTC: whole seconds, a fraction
/// only when the instant has one (trailing zeros dropped), then the offset (`Z` for UTC).
pub fn push_timestamp(out: &mut String, ts: Timestamp, offset_seconds: i64) {
    let local = ts.nanos().saturating_add(offset_seconds.saturating_mul(NANOS_PER_SECOND));
    let seconds = local.div_euclid(NANOS_PER_SECOND);
    let nanos = local.rem_euclid(NANOS_PER_SECOND);
    let date = Date::from_days_since_epoch(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400) as u64;
    push_padded(out, u64::try_from(date.year()).unwrap_or(0), 4);
    out.push('-');
    push_padded(out, u64::from(date.month()), 2);
    out.push('-');
    push_padded(out, u64::from(date.day()), 2);
    out.push('T');
    push_padded(out, of_day / 3600, 2);
    out.push(':');
    push_padded(out, of_day % 3600 / 60, 2);
    out.push(':');
    push_padded(out, of_day % 60, 2);
    if nanos != 0 {
        let mut fraction = nanos as u64;
        let mut width = 9;
        while fraction.is_multiple_of(10) {
            fraction /= 10;
            width -= 1;
        }
        out.push('.');
        push_padded(out, fraction, width);
    }
    if offset_seconds == 0 {
        out.push('Z');
    } else {
        out.push(if offset_seconds < 0 { '-' } else { '+' });
        let magnitude = offset_seconds.unsigned_abs();
        push_padded(out, magnitude / 3600, 2);
        out.push(':');
        push_padded(out, magnitude % 3600 / 60, 2);
    }
}

/// `ts` as [`push_timestamp`] renders it.
pub fn format_timestamp(ts: Timestamp, offset_seconds: i64) -> String {
    let mut out = String::with_capacity(25);
    push_timestamp(&mut out, ts, offset_seconds);
    out
}

/// Parses a UTC offset as `+05:30`, `-04:00`, `+0530`, `Z` or `UTC` into seconds east of UTC.
pub fn parse_utc_offset(text: &str) -> Option<i64> {
    if text == "Z" || text.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body: String = text[1..].chars().filter(|c| *c != ':').collect();
    if body.len() != 4 || !body.bytes().all(|b| b.is_ascii_digit()) || text[1..].len() > 5 {
        return None;
    }
    let hours: i64 = body[..2].parse().ok()?;
    let minutes: i64 = body[2..].parse().ok()?;
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::parse_datetime;

    #[test]
    fn renders_at_the_offset_the_data_was_read_in() {
        let ts = parse_datetime("2017-04-19 09:00:00", 19_800).unwrap();
        assert_eq!(format_timestamp(ts, 19_800), "2017-04-19T09:00:00+05:30");
        assert_eq!(format_timestamp(ts, 0), "2017-04-19T03:30:00Z");
        assert_eq!(format_timestamp(ts, -4 * 3600), "2017-04-18T23:30:00-04:00");
        let fraction = parse_datetime("2017-04-19 09:00:00.25", 0).unwrap();
        assert_eq!(format_timestamp(fraction, 0), "2017-04-19T09:00:00.25Z");
        let before_epoch = Timestamp::from_nanos(-1);
        assert_eq!(format_timestamp(before_epoch, 0), "1969-12-31T23:59:59.999999999Z");
    }

    #[test]
    fn rendered_text_parses_back_to_the_same_instant() {
        for offset in [0, 19_800, -14_400] {
            let ts = parse_datetime("2024-02-29T23:59:59.5+05:30", 0).unwrap();
            assert_eq!(parse_datetime(&format_timestamp(ts, offset), 0), Ok(ts));
        }
    }

    #[test]
    fn pads_digits() {
        let mut out = String::new();
        for (value, width) in [(0, 2), (7, 2), (2017, 4), (123, 2), (0, 0), (u64::MAX, 1)] {
            push_padded(&mut out, value, width);
            out.push(' ');
        }
        assert_eq!(out, "00 07 2017 123 0 18446744073709551615 ");
    }

    #[test]
    fn parses_offsets() {
        assert_eq!(parse_utc_offset("+05:30"), Some(19_800));
        assert_eq!(parse_utc_offset("+0530"), Some(19_800));
        assert_eq!(parse_utc_offset("-04:00"), Some(-14_400));
        assert_eq!(parse_utc_offset("Z"), Some(0));
        assert_eq!(parse_utc_offset("utc"), Some(0));
        for bad in ["", "05:30", "+5:30", "+15:00", "+05:60", "+05::30", "+0530x", "+٠٥:٣٠"] {
            assert_eq!(parse_utc_offset(bad), None, "{bad:?}");
        }
    }
}
