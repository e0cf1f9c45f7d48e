//! `MarketCalendar`: when the exchange takes orders, on its own clock (IST).

use serde::{Deserialize, Serialize};

use super::WallTime;
use crate::config::{join, Problems};
use crate::time::{Date, Timestamp};

/// The regular trading session: weekdays that are not holidays, from `open` (inclusive) to
/// `close` (exclusive), IST. Defaults to NSE's cash-market session 09:15–15:30.
///
/// Special sessions (Muhurat trading on a holiday evening) are not modelled; set `always_open`
/// for them or for the simulated feed, which trades around the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketCalendar {
    /// First minute orders are accepted, IST.
    pub open: WallTime,
    /// First minute orders are no longer accepted, IST.
    pub close: WallTime,
    /// Exchange holidays (from the exchange's published list; weekends need not be listed).
    pub holidays: Vec<Date>,
    /// Ignore days and hours entirely (simulated markets, tests).
    pub always_open: bool,
}

impl Default for MarketCalendar {
    fn default() -> MarketCalendar {
        MarketCalendar {
            open: WallTime::new(9, 15).expect("09:15 is a time of day"),
            close: WallTime::new(15, 30).expect("15:30 is a time of day"),
            holidays: Vec::new(),
            always_open: false,
        }
    }
}

impl MarketCalendar {
    /// A calendar that is open at every instant.
    pub fn always_open() -> MarketCalendar {
        MarketCalendar { always_open: true, ..MarketCalendar::default() }
    }

    /// Whether the exchange takes orders at `at`: Monday to Friday, not a holiday, and
    /// open ≤ IST time of day < close.
    pub fn is_open(&self, at: Timestamp) -> bool {
        if self.always_open {
            return true;
        }
        let (date, seconds) = at.ist();
        !date.is_weekend()
            && !self.holidays.contains(&date)
            && self.open.seconds_of_day() <= seconds
            && seconds < self.close.seconds_of_day()
    }

    /// Records every problem, each under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(
            self.open < self.close,
            join(path, "close"),
            format!("the session must close after it opens, got open {} and close {}", self.open, self.close),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::IST_OFFSET_SECONDS;

    /// An instant given as an IST wall time.
    fn ist(date: &str, h: i64, m: i64, s: i64) -> Timestamp {
        Timestamp::from_local(date.parse().unwrap(), h * 3600 + m * 60 + s, IST_OFFSET_SECONDS).unwrap()
    }

    // 2026-11-27 is a Friday, 2026-11-28 a Saturday, 2026-11-29 a Sunday.

    #[test]
    fn weekday_session_is_half_open() {
        let nse = MarketCalendar::default();
        assert!(nse.is_open(ist("2026-11-27", 9, 15, 0)));
        assert!(nse.is_open(ist("2026-11-27", 12, 0, 0)));
        assert!(nse.is_open(ist("2026-11-27", 15, 29, 59)));
        assert!(!nse.is_open(ist("2026-11-27", 9, 14, 59)));
        assert!(!nse.is_open(ist("2026-11-27", 15, 30, 0)));
        assert!(!nse.is_open(ist("2026-11-27", 3, 45, 0)), "03:45 IST is not 09:15 UTC+0");
    }

    #[test]
    fn sub_second_instants_just_before_the_open_are_closed() {
        let nse = MarketCalendar::default();
        let almost = ist("2026-11-27", 9, 15, 0).saturating_add(-1);
        assert!(!nse.is_open(almost));
    }

    #[test]
    fn weekends_and_holidays_are_closed() {
        let mut nse = MarketCalendar::default();
        assert!(!nse.is_open(ist("2026-11-28", 10, 0, 0)), "Saturday");
        assert!(!nse.is_open(ist("2026-11-29", 10, 0, 0)), "Sunday");
        nse.holidays.push("2026-11-27".parse().unwrap());
        assert!(!nse.is_open(ist("2026-11-27", 10, 0, 0)), "holiday");
        assert!(nse.is_open(ist("2026-11-30", 10, 0, 0)), "Monday after");
    }

    #[test]
    fn always_open_ignores_days_and_hours() {
        let sim = MarketCalendar::always_open();
        assert!(sim.is_open(ist("2026-11-28", 2, 0, 0)));
        assert!(sim.is_open(ist("2026-11-27", 23, 59, 59)));
    }

    #[test]
    fn reads_toml_and_refuses_unknown_keys_and_bad_times() {
        let cal: MarketCalendar =
            toml::from_str("open = \"09:00\"\nclose = \"17:00\"\nholidays = [\"2026-01-26\"]").unwrap();
        assert_eq!(cal.open, WallTime::new(9, 0).unwrap());
        assert_eq!(cal.holidays, vec!["2026-01-26".parse::<Date>().unwrap()]);
        assert!(!cal.always_open);
        assert_eq!(toml::from_str::<MarketCalendar>("").unwrap(), MarketCalendar::default());
        let unknown = toml::from_str::<MarketCalendar>("opens = \"09:15\"").unwrap_err().to_string();
        assert!(unknown.contains("unknown field `opens`"), "{unknown}");
        let bad = toml::from_str::<MarketCalendar>("open = \"9:15\"").unwrap_err().to_string();
        assert!(bad.contains("`9:15` is not a time of day"), "{bad}");
    }

    #[test]
    fn validation_requires_close_after_open() {
        let cal = MarketCalendar {
            open: WallTime::new(15, 30).unwrap(),
            close: WallTime::new(9, 15).unwrap(),
            ..MarketCalendar::default()
        };
        let mut problems = Problems::new();
        cal.validate("risk.market_hours", &mut problems);
        assert_eq!(
            problems.to_string(),
            "risk.market_hours.close: the session must close after it opens, got open 15:30 and close 09:15"
        );
        let mut none = Problems::new();
        MarketCalendar::default().validate("risk.market_hours", &mut none);
        assert!(none.is_empty());
    }
}
