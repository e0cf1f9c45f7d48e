//! `WallTime`: a time of day on the exchange's clock (IST), written `HH:MM` in configuration.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// A time of day as whole minutes since midnight, 00:00 to 23:59.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WallTime {
    minutes: u16,
}

/// Why a time of day was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{text}` is not a time of day in 24-hour HH:MM form (e.g. 09:15)")]
pub struct WallTimeError {
    pub text: String,
}

impl WallTime {
    /// A time of day, if `hour` < 24 and `minute` < 60.
    pub fn new(hour: u32, minute: u32) -> Option<WallTime> {
        (hour < 24 && minute < 60).then(|| WallTime { minutes: (hour * 60 + minute) as u16 })
    }

    pub fn hour(self) -> u32 {
        u32::from(self.minutes / 60)
    }

    pub fn minute(self) -> u32 {
        u32::from(self.minutes % 60)
    }

    /// Seconds since midnight, the unit `Timestamp::ist()` reports.
    pub fn seconds_of_day(self) -> i64 {
        i64::from(self.minutes) * 60
    }
}

impl fmt::Display for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

impl FromStr for WallTime {
    type Err = WallTimeError;

    /// Exactly two digits, `:`, two digits: "9:15", "09:15:00" and "24:00" are refused, so a typo
    /// cannot silently move the session.
    fn from_str(s: &str) -> Result<WallTime, WallTimeError> {
        let refuse = || WallTimeError { text: s.chars().take(40).collect() };
        let b = s.as_bytes();
        if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
            return Err(refuse());
        }
        let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
        WallTime::new(two(0), two(3)).ok_or_else(refuse)
    }
}

impl Serialize for WallTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WallTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<WallTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strict_hh_mm() {
        let t: WallTime = "09:15".parse().unwrap();
        assert_eq!((t.hour(), t.minute(), t.seconds_of_day()), (9, 15, 33_300));
        assert_eq!("15:30".parse::<WallTime>().unwrap().seconds_of_day(), 55_800);
        assert_eq!("23:59".parse::<WallTime>().unwrap().to_string(), "23:59");
        assert_eq!("00:00".parse::<WallTime>().unwrap().seconds_of_day(), 0);
    }

    #[test]
    fn refuses_anything_else_with_the_text() {
        for bad in ["9:15", "09:15:00", "24:00", "09:60", "0915", "09-15", "", "+9:15", "٠٩:١٥", "09:1a", " 9:15"] {
            let err = bad.parse::<WallTime>().unwrap_err();
            assert_eq!(err.to_string(), format!("`{bad}` is not a time of day in 24-hour HH:MM form (e.g. 09:15)"));
        }
    }
}
