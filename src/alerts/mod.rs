//! Alerts: rules on trades (price above, below, crossing, % move, volume spike), fired once or
//! repeatedly with a cooldown. Pure: the alert engine actor feeds quotes and delivers firings.

mod book;
mod history;
mod rule;

pub use book::{AlertBook, AlertBookError, AlertFiring};
pub use history::{AlertHistory, HISTORY_CAPACITY};
pub use rule::{check_rule_id, AlertCondition, AlertMode, AlertRule, BadRuleId, MAX_VOLUME_WINDOW};
