//! `TradingState`: the engine-wide switch an operator (or the supervisor) flips to stop new risk.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much trading the risk gate allows right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TradingState {
    /// Every order that passes the limits is accepted.
    #[default]
    Active,
    /// Only orders that shrink an existing position towards zero: never one that opens a
    /// position or flips it to the other side (see `RiskGate::check` for the exact rule).
    Reducing,
    /// No order at all.
    Halted,
}

impl fmt::Display for TradingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TradingState::Active => "active",
            TradingState::Reducing => "reducing",
            TradingState::Halted => "halted",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Row {
        state: TradingState,
    }

    #[test]
    fn defaults_to_active_and_reads_lowercase() {
        assert_eq!(TradingState::default(), TradingState::Active);
        assert_eq!(toml::from_str::<Row>("state = \"reducing\"").unwrap().state, TradingState::Reducing);
        assert_eq!(toml::from_str::<Row>("state = \"halted\"").unwrap().state, TradingState::Halted);
        assert!(toml::from_str::<Row>("state = \"Halted\"").is_err());
        assert_eq!(TradingState::Reducing.to_string(), "reducing");
    }
}
