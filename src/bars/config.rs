//! `BarsConfig`: which intervals the aggregator builds and how many completed bars it keeps.

use serde::{Deserialize, Serialize};

use super::BarInterval;
use crate::config::{join, Problems};

/// The most completed bars kept per instrument and interval: a week of one-second bars is far
/// beyond what any built-in strategy looks back over, and a typo cannot reserve gigabytes.
pub const MAX_HISTORY: usize = 100_000;

/// Settings of the bar aggregator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BarsConfig {
    /// The intervals built for every instrument that quotes. Default `["1m"]`.
    pub intervals: Vec<BarInterval>,
    /// Completed bars kept per instrument and interval (a ring: the oldest goes first). Default 1000.
    pub history: usize,
}

impl Default for BarsConfig {
    fn default() -> BarsConfig {
        BarsConfig { intervals: vec![BarInterval::M1], history: 1000 }
    }
}

impl BarsConfig {
    /// Records every problem under `path` (e.g. `bars`).
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(
            (1..=MAX_HISTORY).contains(&self.history),
            join(path, "history"),
            format!("{} bars is outside 1 to {MAX_HISTORY}", self.history),
        );
        problems.require(!self.intervals.is_empty(), join(path, "intervals"), "list at least one interval");
        for (i, interval) in self.intervals.iter().enumerate() {
            problems.require(
                !self.intervals[..i].contains(interval),
                format!("{}[{i}]", join(path, "intervals")),
                format!("`{interval}` is listed twice"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_keys() {
        let empty: BarsConfig = toml::from_str("").unwrap();
        assert_eq!(empty, BarsConfig { intervals: vec![BarInterval::M1], history: 1000 });
        let custom: BarsConfig = toml::from_str("intervals = [\"1s\", \"5m\"]\nhistory = 20").unwrap();
        assert_eq!(custom.intervals, [BarInterval::S1, BarInterval::M5]);
        let err = toml::from_str::<BarsConfig>("interval = [\"1m\"]").unwrap_err();
        assert!(err.to_string().contains("unknown field `interval`"), "{err}");
        assert!(toml::from_str::<BarsConfig>("intervals = [\"2m\"]").is_err());
    }

    #[test]
    fn validation_reports_every_problem_with_its_path() {
        let mut problems = Problems::new();
        BarsConfig::default().validate("bars", &mut problems);
        assert!(problems.is_empty());
        let bad = BarsConfig { intervals: vec![BarInterval::M1, BarInterval::H1, BarInterval::M1], history: 0 };
        bad.validate("bars", &mut problems);
        assert_eq!(
            problems.to_string(),
            "bars.history: 0 bars is outside 1 to 100000\nbars.intervals[2]: `1m` is listed twice"
        );
        let mut problems = Problems::new();
        BarsConfig { intervals: vec![], history: MAX_HISTORY + 1 }.validate("bars", &mut problems);
        assert_eq!(problems.len(), 2);
        assert!(problems.to_string().contains("bars.intervals: list at least one interval"));
    }
}
