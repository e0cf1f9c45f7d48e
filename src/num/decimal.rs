//! Exact decimal text ⇄ scaled integer conversion shared by every fixed-point type.
//!
//! Parsing never rounds: a string with more fractional digits than the type holds is an error,
//! because silently rounding a price or an amount of money is a bug we cannot see later.

use thiserror::Error;

/// Why a decimal string was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecimalError {
    #[error("empty number")]
    Empty,
    #[error("`{text}` is not a decimal number (digits, one optional `.`, optional leading sign)")]
    Malformed { text: String },
    #[error("`{text}` has more than {max_decimals} decimal places")]
    TooPrecise { text: String, max_decimals: u32 },
    #[error("`{text}` is out of range")]
    Overflow { text: String },
    #[error("{what} must not be negative, got `{text}`")]
    Negative { what: &'static str, text: String },
    #[error("number is not finite")]
    NotFinite,
}

/// Parses `text` into an integer scaled by 10^`decimals`. Accepts an optional sign, digits, and an
/// optional fraction; rejects exponents, spaces, and anything that would need rounding.
pub fn parse_scaled(text: &str, decimals: u32) -> Result<i64, DecimalError> {
    if text.is_empty() {
        return Err(DecimalError::Empty);
    }
    // Keep error text bounded: parsers never echo megabytes of hostile input back.
    let shown = || text.chars().take(40).collect::<String>();
    let malformed = || DecimalError::Malformed { text: shown() };
    let (negative, body) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part) || !frac_part.is_none_or(all_digits) {
        return Err(malformed());
    }
    let frac = frac_part.unwrap_or("");
    if int_part.is_empty() && frac.is_empty() {
        return Err(malformed());
    }
    // Trailing zeros beyond the scale are exact, so they are allowed ("1.2500" at 2 decimals).
    let frac_significant = frac.trim_end_matches('0');
    if frac_significant.len() > decimals as usize {
        return Err(DecimalError::TooPrecise { text: shown(), max_decimals: decimals });
    }
    let overflow = || DecimalError::Overflow { text: shown() };
    let mut value: i128 = 0;
    for b in int_part.bytes() {
        value = value * 10 + i128::from(b - b'0');
        if value > i128::from(i64::MAX) + 1 {
            return Err(overflow());
        }
    }
    for i in 0..decimals as usize {
        let digit = frac_significant.as_bytes().get(i).map_or(0, |b| b - b'0');
        value = value * 10 + i128::from(digit);
        if value > i128::from(i64::MAX) + 1 {
            return Err(overflow());
        }
    }
    let signed = if negative { -value } else { value };
    i64::try_from(signed).map_err(|_| overflow())
}

/// Like [`parse_scaled`], but rounds digits beyond `decimals` half away from zero instead of
/// refusing them. Only for market data files, whose prices often carry float noise
/// (`150.2899932861328`); never for prices a user or strategy asks to trade at.
pub fn parse_scaled_rounded(text: &str, decimals: u32) -> Result<i64, DecimalError> {
    match parse_scaled(text, decimals) {
        Err(DecimalError::TooPrecise { .. }) => {}
        other => return other,
    }
    let (int_part, frac) = text.split_once('.').unwrap_or((text, ""));
    let keep = &frac[..decimals as usize];
    let round_up = frac.as_bytes()[decimals as usize] >= b'5';
    let truncated = parse_scaled(&format!("{int_part}.{keep}"), decimals)?;
    let step = if text.starts_with('-') { -1 } else { 1 };
    if round_up {
        truncated.checked_add(step).ok_or_else(|| DecimalError::Overflow { text: text.chars().take(40).collect() })
    } else {
        Ok(truncated)
    }
}

/// Formats an integer scaled by 10^`decimals`, dropping trailing fractional zeros but keeping at
/// least `min_decimals` of them (never more than `decimals`).
pub fn format_scaled(value: i64, decimals: u32, min_decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let magnitude = value.unsigned_abs() as u128;
    let int_part = magnitude / scale;
    let mut frac = format!("{:0width$}", magnitude % scale, width = decimals as usize);
    let keep = min_decimals.min(decimals) as usize;
    while frac.len() > keep && frac.ends_with('0') {
        frac.pop();
    }
    let sign = if value < 0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac}")
    }
}

/// Converts an `f64` taken from JSON or TOML into the scaled integer its shortest decimal text
/// names, so `2450.05` means exactly 2450.05 and not the nearest binary fraction.
pub fn parse_f64_scaled(value: f64, decimals: u32) -> Result<i64, DecimalError> {
    if !value.is_finite() {
        return Err(DecimalError::NotFinite);
    }
    // `{}` on f64 prints the shortest text that round-trips, never in exponent form.
    parse_scaled(&format!("{value}"), decimals)
}

/// Divides with rounding half away from zero, the rule used for every derived amount of money.
pub fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator != 0);
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator.abs() {
        quotient + if (numerator < 0) == (denominator < 0) { 1 } else { -1 }
    } else {
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_exact_values() {
        assert_eq!(parse_scaled("2450.05", 6), Ok(2_450_050_000));
        assert_eq!(parse_scaled("-0.5", 6), Ok(-500_000));
        assert_eq!(parse_scaled("+7", 2), Ok(700));
        assert_eq!(parse_scaled(".25", 2), Ok(25));
        assert_eq!(parse_scaled("3.", 2), Ok(300));
        assert_eq!(parse_scaled("1.2500", 2), Ok(125));
    }

    #[test]
    fn refuses_what_would_need_rounding_or_is_not_a_number() {
        assert!(matches!(parse_scaled("1.005", 2), Err(DecimalError::TooPrecise { max_decimals: 2, .. })));
        for bad in ["", ".", "-", "1e5", " 1", "1 ", "1.2.3", "0x10", "--1", "1,5", "١"] {
            assert!(parse_scaled(bad, 6).is_err(), "{bad:?} should be refused");
        }
        assert!(matches!(parse_scaled("9223372036854.775808", 6), Err(DecimalError::Overflow { .. })));
        assert_eq!(parse_scaled("-9223372036854.775808", 6), Ok(i64::MIN));
        assert!(matches!(parse_scaled("99999999999999999999999999", 0), Err(DecimalError::Overflow { .. })));
    }

    #[test]
    fn data_parsing_rounds_float_noise_half_away() {
        assert_eq!(parse_scaled_rounded("150.2899932861328", 6), Ok(150_289_993));
        assert_eq!(parse_scaled_rounded("1.0000005", 6), Ok(1_000_001));
        assert_eq!(parse_scaled_rounded("-1.0000005", 6), Ok(-1_000_001));
        assert_eq!(parse_scaled_rounded("1.0000004", 6), Ok(1_000_000));
        assert_eq!(parse_scaled_rounded("1.5", 0), Ok(2));
        assert!(parse_scaled_rounded("1.5x", 0).is_err());
    }

    #[test]
    fn formats_with_minimum_decimals() {
        assert_eq!(format_scaled(2_450_050_000, 6, 2), "2450.05");
        assert_eq!(format_scaled(2_450_000_000, 6, 2), "2450.00");
        assert_eq!(format_scaled(-500_000, 6, 0), "-0.5");
        assert_eq!(format_scaled(1_070_830, 6, 2), "1.07083");
        assert_eq!(format_scaled(i64::MIN, 6, 2), "-9223372036854.775808");
    }

    #[test]
    fn floats_convert_through_their_shortest_text() {
        assert_eq!(parse_f64_scaled(2450.05, 6), Ok(2_450_050_000));
        assert!(parse_f64_scaled(0.1 + 0.2, 2).is_err(), "0.30000000000000004 needs rounding");
        assert_eq!(parse_f64_scaled(f64::NAN, 6), Err(DecimalError::NotFinite));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round_half_away(5, 2), 3);
        assert_eq!(div_round_half_away(-5, 2), -3);
        assert_eq!(div_round_half_away(4, 3), 1);
        assert_eq!(div_round_half_away(-4, 3), -1);
        assert_eq!(div_round_half_away(7, -2), -4);
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(value in any::<i64>(), decimals in 0u32..=9, min in 0u32..=9) {
            let text = format_scaled(value, decimals, min);
            prop_assert_eq!(parse_scaled(&text, decimals), Ok(value));
        }

        #[test]
        fn parse_never_panics_and_never_wraps(text in "\\PC{0,30}") {
            if let Ok(value) = parse_scaled(&text, 6) {
                // Whatever parsed must print back to the same number.
                prop_assert_eq!(parse_scaled(&format_scaled(value, 6, 0), 6), Ok(value));
            }
        }

        #[test]
        fn digit_strings_parse_exactly_or_report_overflow(int in "[0-9]{1,22}", frac in "[0-9]{0,6}") {
            let text = format!("{int}.{frac}");
            let exact: i128 = format!("{int}{frac:0<6}").parse().unwrap();
            match parse_scaled(&text, 6) {
                Ok(v) => prop_assert_eq!(i128::from(v), exact),
                Err(DecimalError::Overflow { .. }) => prop_assert!(exact > i128::from(i64::MAX)),
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
    }
}
