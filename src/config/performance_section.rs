//! `[performance]`: how often the live equity curve is sampled and how much of it stays in memory
//! at full resolution.

use serde::{Deserialize, Serialize};

use super::{join, Problems};

/// Shortest sample interval accepted: every sample is a journal record.
pub const MIN_SAMPLE_INTERVAL_MS: u64 = 10;
/// Longest sample interval accepted: an hour still gives a few points per trading day.
pub const MAX_SAMPLE_INTERVAL_MS: u64 = 3_600_000;
/// Most days kept at full resolution (memory: a minute's sample is a few dozen bytes per strategy).
pub const MAX_DETAILED_DAYS: usize = 30;

/// `[performance]`: the live equity sampler. Every `sample_interval_ms` the portfolio's equity
/// and each strategy's net P&L are journaled (a sample equal to the previous one on the same IST
/// day is skipped, so a closed market does not pad the curve with zero returns), and always at the
/// start of an IST trading day. The last `detailed_days` IST days that have samples are kept at
/// full resolution; older days shrink to their last sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerformanceSection {
    pub sample_interval_ms: u64,
    pub detailed_days: usize,
}

impl Default for PerformanceSection {
    fn default() -> PerformanceSection {
        PerformanceSection { sample_interval_ms: 60_000, detailed_days: 5 }
    }
}

impl PerformanceSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(
            (MIN_SAMPLE_INTERVAL_MS..=MAX_SAMPLE_INTERVAL_MS).contains(&self.sample_interval_ms),
            join(path, "sample_interval_ms"),
            format!("must be {MIN_SAMPLE_INTERVAL_MS} to {MAX_SAMPLE_INTERVAL_MS} (one hour)"),
        );
        problems.require(
            (1..=MAX_DETAILED_DAYS).contains(&self.detailed_days),
            join(path, "detailed_days"),
            format!("must be 1 to {MAX_DETAILED_DAYS}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::TraderConfig;

    #[test]
    fn defaults_bounds_and_unknown_keys() {
        let config = TraderConfig::from_toml("").unwrap();
        assert_eq!((config.performance.sample_interval_ms, config.performance.detailed_days), (60_000, 5));
        let config = TraderConfig::from_toml("[performance]\nsample_interval_ms = 50\ndetailed_days = 2\n").unwrap();
        assert_eq!((config.performance.sample_interval_ms, config.performance.detailed_days), (50, 2));
        let problems =
            TraderConfig::from_toml("[performance]\nsample_interval_ms = 5\ndetailed_days = 0\n").unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["performance.sample_interval_ms", "performance.detailed_days"], "{problems}");
        assert!(TraderConfig::from_toml("[performance]\nsample_every = 1\n").is_err());
    }
}
