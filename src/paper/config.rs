//! `PaperConfig`: how pessimistic the paper matcher is about market-order prices.

use serde::{Deserialize, Serialize};

use crate::config::{join, Problems};

/// The most adverse slippage accepted; beyond this a setting is almost surely a typo.
pub const MAX_SLIPPAGE_TICKS: u32 = 1000;

/// Settings of the paper matching engine.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaperConfig {
    /// Whole ticks of adverse slippage for executions with no quoted book to price them: market
    /// (and triggered SL-M) orders filled from a last trade or a bar open, and SL orders triggered
    /// on a bar (see the module doc). Fills at a quoted bid or ask never slip. Default 0.
    pub slippage_ticks: u32,
}

impl PaperConfig {
    /// Records every problem under `path` (e.g. `paper`).
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(
            self.slippage_ticks <= MAX_SLIPPAGE_TICKS,
            join(path, "slippage_ticks"),
            format!("{} ticks exceeds the limit {MAX_SLIPPAGE_TICKS}", self.slippage_ticks),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_no_slippage_and_refuses_unknown_keys() {
        let empty: PaperConfig = toml::from_str("").unwrap();
        assert_eq!(empty, PaperConfig { slippage_ticks: 0 });
        let two: PaperConfig = toml::from_str("slippage_ticks = 2").unwrap();
        assert_eq!(two.slippage_ticks, 2);
        let err = toml::from_str::<PaperConfig>("slippage = 2").unwrap_err();
        assert!(err.to_string().contains("unknown field `slippage`"), "{err}");
        assert!(toml::from_str::<PaperConfig>("slippage_ticks = -1").is_err());
    }

    #[test]
    fn validation_names_the_key_and_the_value() {
        let mut problems = Problems::new();
        PaperConfig { slippage_ticks: 1000 }.validate("paper", &mut problems);
        assert!(problems.is_empty());
        PaperConfig { slippage_ticks: 1001 }.validate("paper", &mut problems);
        assert_eq!(problems.to_string(), "paper.slippage_ticks: 1001 ticks exceeds the limit 1000");
    }
}
