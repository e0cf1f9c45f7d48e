//! `BarInterval`: the bar lengths traderd builds, and the IST-aligned buckets they cut time into.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::time::{Timestamp, IST_OFFSET_SECONDS};

const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// The length of a bar. Buckets are aligned to India Standard Time: a `1d` bar is one IST calendar
/// day (00:00–24:00 IST, NSE's day), and `1h` bars start on the IST hour (09:00, 10:00, …).
///
/// We do not follow the broker convention of hourly bars anchored at the 09:15 open (09:15–10:15,
/// 10:15–11:15, …): our first hourly bar of a session covers 09:15–10:00 (45 minutes of trading)
/// and the last 15:00–15:30. Every interval up to 15 minutes divides 19,800 s (the IST offset), so
/// for those the IST and UTC grids coincide.
///
/// `1s` bars exist for fast simulated sessions and tests; live NSE strategies usually want `1m`+.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BarInterval {
    #[serde(rename = "1s")]
    S1,
    #[serde(rename = "1m")]
    M1,
    #[serde(rename = "5m")]
    M5,
    #[serde(rename = "15m")]
    M15,
    #[serde(rename = "1h")]
    H1,
    #[serde(rename = "1d")]
    D1,
}

/// Why a bar interval's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{text}` is not a bar interval (expected one of 1s, 1m, 5m, 15m, 1h, 1d)")]
pub struct BarIntervalError {
    pub text: String,
}

impl BarInterval {
    /// Every interval, shortest first.
    pub const ALL: [BarInterval; 6] =
        [BarInterval::S1, BarInterval::M1, BarInterval::M5, BarInterval::M15, BarInterval::H1, BarInterval::D1];

    /// The interval's name as configuration and the API spell it (`1m`, `1d`).
    pub const fn as_str(self) -> &'static str {
        match self {
            BarInterval::S1 => "1s",
            BarInterval::M1 => "1m",
            BarInterval::M5 => "5m",
            BarInterval::M15 => "15m",
            BarInterval::H1 => "1h",
            BarInterval::D1 => "1d",
        }
    }

    /// The interval's length in nanoseconds.
    pub const fn nanos(self) -> i64 {
        let seconds = match self {
            BarInterval::S1 => 1,
            BarInterval::M1 => 60,
            BarInterval::M5 => 300,
            BarInterval::M15 => 900,
            BarInterval::H1 => 3_600,
            BarInterval::D1 => 86_400,
        };
        seconds * NANOS_PER_SECOND
    }

    /// The opening instant of the IST-aligned bucket that contains `ts`.
    pub fn bucket_start(self, ts: Timestamp) -> Timestamp {
        // i128 so that no instant, however extreme, can overflow the shift into IST and back.
        let offset = i128::from(IST_OFFSET_SECONDS * NANOS_PER_SECOND);
        let length = i128::from(self.nanos());
        let start = (i128::from(ts.nanos()) + offset).div_euclid(length) * length - offset;
        Timestamp::from_nanos(start.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    /// The first instant after the bucket that opens at `start` (exclusive end), saturating.
    pub fn bucket_end(self, start: Timestamp) -> Timestamp {
        start.saturating_add(self.nanos())
    }
}

impl fmt::Display for BarInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BarInterval {
    type Err = BarIntervalError;

    fn from_str(s: &str) -> Result<BarInterval, BarIntervalError> {
        BarInterval::ALL
            .into_iter()
            .find(|interval| interval.as_str() == s)
            .ok_or_else(|| BarIntervalError { text: s.chars().take(40).collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    /// The instant `hh:mm:ss` IST on 2026-11-27.
    fn ist(h: i64, m: i64, s: i64) -> Timestamp {
        let date: Date = "2026-11-27".parse().unwrap();
        Timestamp::from_local(date, h * 3600 + m * 60 + s, IST_OFFSET_SECONDS).unwrap()
    }

    #[test]
    fn parses_displays_and_serialises_the_short_names() {
        for interval in BarInterval::ALL {
            assert_eq!(interval.as_str().parse::<BarInterval>(), Ok(interval));
            assert_eq!(interval.to_string(), interval.as_str());
        }
        let err = "2m".parse::<BarInterval>().unwrap_err();
        assert_eq!(err.to_string(), "`2m` is not a bar interval (expected one of 1s, 1m, 5m, 15m, 1h, 1d)");
        assert!("1M".parse::<BarInterval>().is_err(), "names are case-sensitive: 1M could mean a month");

        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Row {
            interval: BarInterval,
        }
        assert_eq!(toml::from_str::<Row>("interval = \"15m\"").unwrap(), Row { interval: BarInterval::M15 });
        assert!(toml::from_str::<Row>("interval = \"15\"").is_err());
    }

    #[test]
    fn minute_buckets_hold_their_start_and_exclude_their_end() {
        assert_eq!(BarInterval::M1.bucket_start(ist(9, 15, 0)), ist(9, 15, 0));
        assert_eq!(BarInterval::M1.bucket_start(ist(9, 15, 59).saturating_add(999_999_999)), ist(9, 15, 0));
        assert_eq!(BarInterval::M5.bucket_start(ist(9, 19, 59)), ist(9, 15, 0));
        assert_eq!(BarInterval::M5.bucket_start(ist(9, 20, 0)), ist(9, 20, 0));
        assert_eq!(BarInterval::M15.bucket_start(ist(9, 29, 59)), ist(9, 15, 0));
        assert_eq!(BarInterval::S1.bucket_start(ist(9, 15, 7).saturating_add(500_000_000)), ist(9, 15, 7));
        assert_eq!(BarInterval::M5.bucket_end(ist(9, 15, 0)), ist(9, 20, 0));
    }

    #[test]
    fn hourly_buckets_start_on_the_ist_hour_not_the_utc_hour_nor_0915() {
        // 09:15 IST is 03:45 UTC: the UTC grid would open the bar at 09:30 IST, the broker's at 09:15.
        assert_eq!(BarInterval::H1.bucket_start(ist(9, 15, 0)), ist(9, 0, 0));
        assert_eq!(BarInterval::H1.bucket_start(ist(10, 14, 59)), ist(10, 0, 0));
        assert_eq!(BarInterval::H1.bucket_start(ist(15, 29, 59)), ist(15, 0, 0));
    }

    #[test]
    fn daily_buckets_are_ist_calendar_days() {
        // 23:59 IST on the 27th is 18:29 UTC the 27th; 00:30 IST on the 28th is 19:00 UTC the 27th:
        // the same UTC day, different IST days.
        let late = ist(23, 59, 0);
        let after_midnight = ist(24, 30, 0);
        assert_eq!(BarInterval::D1.bucket_start(late), ist(0, 0, 0));
        assert_eq!(BarInterval::D1.bucket_start(after_midnight), ist(24, 0, 0));
        assert_eq!(BarInterval::D1.bucket_start(ist(0, 0, 0)).ist().1, 0, "the bucket opens at IST midnight");
    }

    #[test]
    fn extreme_instants_do_not_overflow() {
        for interval in BarInterval::ALL {
            let low = interval.bucket_start(Timestamp::from_nanos(i64::MIN));
            assert_eq!(low, Timestamp::from_nanos(i64::MIN), "clamped");
            let high = interval.bucket_start(Timestamp::from_nanos(i64::MAX));
            assert!(high.nanos() > i64::MAX - interval.nanos(), "the last whole bucket");
            assert_eq!(interval.bucket_end(high), Timestamp::from_nanos(i64::MAX));
        }
    }
}
