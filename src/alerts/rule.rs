//! Alert rules: a condition on one instrument's trades, and whether it fires once or repeats.

use serde::{Deserialize, Serialize};

use crate::config::{join, Problems};
use crate::model::InstrumentKey;
use crate::num::{Price, Rate};

/// What must happen for an alert to fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum AlertCondition {
    /// The last trade is strictly above `price`.
    PriceAbove { price: Price },
    /// The last trade is strictly below `price`.
    PriceBelow { price: Price },
    /// The last trade crosses `price` in either direction: the previous trade was on one side and
    /// this one is on the other side or at the level.
    PriceCrosses { price: Price },
    /// The last trade has moved at least `percent` (a fraction: 0.02 = 2 %) from `reference`.
    MoveFrom { reference: Price, percent: Rate },
    /// One trade's quantity is at least `factor` × the average of the previous `window` trades.
    VolumeSpike { factor: Rate, window: usize },
}

/// Once: fire the first time, then stay quiet until re-armed. Repeat: fire whenever the condition
/// holds, at most once per cooldown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode", deny_unknown_fields)]
pub enum AlertMode {
    #[default]
    Once,
    Repeat {
        cooldown_ms: u64,
    },
}

/// An alert rule as configured or created through the control plane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Unique name, chosen by whoever creates the rule (letters, digits, `-`, `_`).
    pub id: String,
    pub instrument: InstrumentKey,
    pub condition: AlertCondition,
    #[serde(default)]
    pub mode: AlertMode,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// Longest volume-spike window: the rule keeps that many quantities.
pub const MAX_VOLUME_WINDOW: usize = 10_000;

/// Why a text cannot be an alert rule id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 64 letters, digits, `-` or `_`")]
pub struct BadRuleId;

/// Ok if `id` could name a rule (what [`AlertRule::validate`] accepts for `id`).
pub fn check_rule_id(id: &str) -> Result<(), BadRuleId> {
    let ok = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(BadRuleId)
    }
}

impl AlertRule {
    /// Records every problem, each under `path` (e.g. `alerts[0]`).
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        if let Err(e) = check_rule_id(&self.id) {
            problems.push(join(path, "id"), e.to_string());
        }
        let condition = join(path, "condition");
        match self.condition {
            AlertCondition::PriceAbove { price }
            | AlertCondition::PriceBelow { price }
            | AlertCondition::PriceCrosses { price } => {
                problems.require(price.is_positive(), join(&condition, "price"), "must be positive");
            }
            AlertCondition::MoveFrom { reference, percent } => {
                problems.require(reference.is_positive(), join(&condition, "reference"), "must be positive");
                problems.require(
                    percent > Rate::ZERO && percent <= Rate::ONE,
                    join(&condition, "percent"),
                    "must be a fraction above 0 and at most 1 (0.02 = 2 %)",
                );
            }
            AlertCondition::VolumeSpike { factor, window } => {
                problems.require(factor > Rate::ONE, join(&condition, "factor"), "must be above 1");
                problems.require(
                    (1..=MAX_VOLUME_WINDOW).contains(&window),
                    join(&condition, "window"),
                    format!("must be 1 to {MAX_VOLUME_WINDOW} trades"),
                );
            }
        }
        if let AlertMode::Repeat { cooldown_ms } = self.mode {
            problems.require(cooldown_ms > 0, join(&join(path, "mode"), "cooldown_ms"), "must be positive");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_1_to_64_letters_digits_dashes_or_underscores() {
        assert_eq!(check_rule_id("nifty-above_24k"), Ok(()));
        assert_eq!(check_rule_id(&"a".repeat(64)), Ok(()));
        for bad in ["", "bad id", "é", "a/b"] {
            assert_eq!(check_rule_id(bad), Err(BadRuleId), "{bad:?}");
        }
        assert_eq!(check_rule_id(&"a".repeat(65)), Err(BadRuleId));
        assert_eq!(BadRuleId.to_string(), "must be 1 to 64 letters, digits, `-` or `_`");
    }
}
