//! `Timestamp`: an instant as UTC epoch nanoseconds; exchange-local (IST) views on demand.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Date;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;
/// India Standard Time is UTC+05:30 all year (no daylight saving).
pub const IST_OFFSET_SECONDS: i64 = 19_800;

/// An instant, stored as nanoseconds since the Unix epoch in UTC (ARCHITECTURE §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

/// A span of time in nanoseconds (may be negative when clocks disagree).
pub type Nanos = i64;

impl Timestamp {
    pub const fn from_nanos(nanos: i64) -> Timestamp {
        Timestamp(nanos)
    }

    pub const fn nanos(self) -> i64 {
        self.0
    }

    pub fn from_millis(millis: i64) -> Option<Timestamp> {
        millis.checked_mul(1_000_000).map(Timestamp)
    }

    pub fn from_seconds(seconds: i64) -> Option<Timestamp> {
        seconds.checked_mul(NANOS_PER_SECOND).map(Timestamp)
    }

    /// UTC midnight of `date` plus `seconds_of_day`, shifted by `offset_seconds` (the local
    /// offset the wall time was written in), checked.
    pub fn from_local(date: Date, seconds_of_day: i64, offset_seconds: i64) -> Option<Timestamp> {
        let seconds = date.days_since_epoch().checked_mul(86_400)?.checked_add(seconds_of_day)?;
        Timestamp::from_seconds(seconds.checked_sub(offset_seconds)?)
    }

    pub fn saturating_add(self, nanos: Nanos) -> Timestamp {
        Timestamp(self.0.saturating_add(nanos))
    }

    /// `self − earlier` in nanoseconds, saturating.
    pub fn since(self, earlier: Timestamp) -> Nanos {
        self.0.saturating_sub(earlier.0)
    }

    /// The IST calendar date and seconds since IST midnight of this instant.
    pub fn ist(self) -> (Date, i64) {
        let local = self.0 + IST_OFFSET_SECONDS * NANOS_PER_SECOND;
        let days = local.div_euclid(NANOS_PER_DAY);
        let seconds = local.rem_euclid(NANOS_PER_DAY) / NANOS_PER_SECOND;
        (Date::from_days_since_epoch(days), seconds)
    }
}

impl fmt::Display for Timestamp {
    /// Rendered in IST, the exchange's time, e.g. `2026-11-27 09:15:00.250+05:30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (date, secs) = self.ist();
        let millis = self.0.rem_euclid(NANOS_PER_SECOND) / 1_000_000;
        write!(f, "{date} {:02}:{:02}:{:02}.{millis:03}+05:30", secs / 3600, secs % 3600 / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ist_view_of_utc_instant() {
        // 2026-11-27 03:45:00 UTC is 09:15 IST.
        let date: Date = "2026-11-27".parse().unwrap();
        let t = Timestamp::from_local(date, 3 * 3600 + 45 * 60, 0).unwrap();
        assert_eq!(t.ist(), (date, 9 * 3600 + 15 * 60));
        assert_eq!(t.to_string(), "2026-11-27 09:15:00.000+05:30");
        assert_eq!(Timestamp::from_local(date, 9 * 3600 + 15 * 60, IST_OFFSET_SECONDS), Some(t));
    }

    #[test]
    fn ist_date_rolls_over_before_utc() {
        // 20:00 UTC is 01:30 the next day in IST.
        let date: Date = "2026-11-27".parse().unwrap();
        let t = Timestamp::from_local(date, 20 * 3600, 0).unwrap();
        assert_eq!(t.ist(), ("2026-11-28".parse().unwrap(), 5400));
    }
}
