//! `TraderConfig`: the whole configuration file, typed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{
    join, AccountSection, ApiSection, DaemonSection, FeedSection, InstrumentSpec, JournalSection, MetricsSection,
    Problems, QueuesSection, ShutdownSection, SupervisionSection,
};
use crate::alerts::AlertRule;
use crate::charges::ChargesConfig;
use crate::model::InstrumentRegistry;
use crate::paper::PaperConfig;
use crate::risk::RiskLimits;
use crate::strategy::StrategySpec;

/// The configuration file. Every section is optional and has safe defaults; unknown keys anywhere
/// are errors, so a misspelt limit can never silently fall back to its default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraderConfig {
    #[serde(default)]
    pub instruments: Vec<InstrumentSpec>,
    #[serde(default)]
    pub risk: RiskLimits,
    #[serde(default)]
    pub charges: ChargesConfig,
    #[serde(default)]
    pub paper: PaperConfig,
    #[serde(default)]
    pub strategies: Vec<StrategySpec>,
    #[serde(default)]
    pub alerts: Vec<AlertRule>,
    #[serde(default)]
    pub account: AccountSection,
    #[serde(default)]
    pub daemon: DaemonSection,
    #[serde(default)]
    pub feed: FeedSection,
    #[serde(default)]
    pub journal: JournalSection,
    #[serde(default)]
    pub supervision: SupervisionSection,
    #[serde(default)]
    pub queues: QueuesSection,
    #[serde(default)]
    pub shutdown: ShutdownSection,
    #[serde(default)]
    pub metrics: MetricsSection,
    #[serde(default)]
    pub api: ApiSection,
    /// The live equity sampler behind daily P&L and live analytics.
    #[serde(default)]
    pub performance: super::PerformanceSection,
}

impl TraderConfig {
    /// Parses TOML text and validates it; on failure, every problem found, each with its key path.
    pub fn from_toml(text: &str) -> Result<TraderConfig, Problems> {
        let config = TraderConfig::parse_toml(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Parses TOML text without validating it (for callers that add checks of their own).
    pub fn parse_toml(text: &str) -> Result<TraderConfig, Problems> {
        toml::from_str(text).map_err(|e| toml_problem(text, &e))
    }

    /// Checks every section and the references between them, collecting all problems.
    pub fn validate(&self) -> Result<(), Problems> {
        let mut problems = Problems::new();
        let mut keys = BTreeSet::new();
        for (i, spec) in self.instruments.iter().enumerate() {
            let path = format!("instruments[{i}]");
            spec.validate(&path, &mut problems);
            if !keys.insert(&spec.key) {
                problems.push(join(&path, "key"), format!("`{}` is listed twice", spec.key));
            }
        }
        self.risk.validate("risk", &mut problems);
        self.charges.validate("charges", &mut problems);
        self.paper.validate("paper", &mut problems);
        let mut ids = BTreeSet::new();
        for (i, spec) in self.strategies.iter().enumerate() {
            let path = format!("strategies[{i}]");
            spec.validate(&path, &mut problems);
            if !ids.insert(&spec.id) {
                problems.push(join(&path, "id"), format!("`{}` is used by another strategy", spec.id));
            }
            for (j, key) in spec.instruments.iter().enumerate() {
                if !keys.contains(key) {
                    problems.push(format!("{path}.instruments[{j}]"), format!("`{key}` is not in [[instruments]]"));
                }
            }
        }
        let mut alert_ids = BTreeSet::new();
        for (i, rule) in self.alerts.iter().enumerate() {
            let path = format!("alerts[{i}]");
            rule.validate(&path, &mut problems);
            if !alert_ids.insert(&rule.id) {
                problems.push(join(&path, "id"), format!("`{}` is used by another alert", rule.id));
            }
            if !keys.contains(&rule.instrument) {
                problems.push(join(&path, "instrument"), format!("`{}` is not in [[instruments]]", rule.instrument));
            }
        }
        self.account.validate("account", &mut problems);
        self.daemon.validate("daemon", self.api.tls.is_some(), &mut problems);
        self.feed.validate("feed", &mut problems);
        self.journal.validate("journal", &mut problems);
        self.supervision.validate("supervision", &mut problems);
        self.queues.validate("queues", &mut problems);
        self.shutdown.validate("shutdown", &mut problems);
        self.api.validate("api", &mut problems);
        self.performance.validate("performance", &mut problems);
        problems.into_result()
    }

    /// The configured instruments, ready for lookups.
    pub fn registry(&self) -> InstrumentRegistry {
        self.instruments.iter().map(InstrumentSpec::to_instrument).collect()
    }
}

/// A TOML syntax or type error as a problem at `line:column`, with the key path when toml gives one.
fn toml_problem(text: &str, error: &toml::de::Error) -> Problems {
    let location = error.span().map_or_else(String::new, |span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {column}")
    });
    let mut problems = Problems::new();
    problems.push(if location.is_empty() { "config".to_owned() } else { location }, error.message().to_owned());
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[instruments]]
key = "NSE_EQ|INE002A01018"
symbol = "RELIANCE"

[[instruments]]
key = "NSE_INDEX|Nifty 50"
symbol = "NIFTY 50"

[risk]
max_order_quantity = 500

[[strategies]]
id = "sma_reliance"
kind = "sma_cross"
instruments = ["NSE_EQ|INE002A01018"]
[strategies.params]
fast = 10
slow = 20
sizing = { fixed = { quantity = 5 } }
"#;

    #[test]
    fn a_good_file_loads_with_defaults_filled_in() {
        let config = TraderConfig::from_toml(GOOD).unwrap();
        assert_eq!(config.risk.max_order_quantity, 500);
        assert_eq!(config.risk.max_orders_per_second, RiskLimits::default().max_orders_per_second);
        let registry = config.registry();
        let nifty = registry.iter().find(|i| i.trading_symbol == "NIFTY 50").unwrap();
        assert!(!nifty.tradable, "indices are never tradable");
        assert_eq!(config.strategies[0].id.as_str(), "sma_reliance");
        assert_eq!(TraderConfig::from_toml("").unwrap(), TraderConfig::default());
    }

    #[test]
    fn every_problem_is_listed_with_its_path() {
        let text = r#"
[[instruments]]
key = "NSE_EQ|INE002A01018"
symbol = ""
tick_size = "0"
lot_size = 0

[[instruments]]
key = "NSE_EQ|INE002A01018"
symbol = "DUP"
precision = 1

[[strategies]]
id = "s1"
kind = "sma_cross"
instruments = ["NSE_EQ|INE009A01021"]
[strategies.params]
fast = 30
slow = 20
sizing = { fixed = { quantity = 5 } }
"#;
        let problems = TraderConfig::from_toml(text).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        for expected in [
            "instruments[0].symbol",
            "instruments[0].tick_size",
            "instruments[0].lot_size",
            "instruments[1].key",
            "instruments[1].precision",
            "strategies[0].instruments[0]",
        ] {
            assert!(paths.contains(&expected), "missing {expected} in {paths:?}");
        }
        assert!(paths.iter().any(|p| p.starts_with("strategies[0].params")), "{paths:?}");
    }

    #[test]
    fn runtime_sections_validate() {
        let text =
            "[daemon]\nlisten = \"0.0.0.0:7800\"\n[feed.source]\nkind = \"websocket_json\"\nurl = \"http://x\"\n\
                    reconnect_base_ms = 500\nreconnect_max_ms = 100\n[journal]\nmax_batch = 0\n";
        let problems = TraderConfig::from_toml(text).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["daemon.listen", "feed.source.url", "feed.source.reconnect_max_ms", "journal.max_batch"],
            "{problems}"
        );
        assert!(problems.to_string().contains("not a loopback address"));
    }

    #[test]
    fn unknown_keys_and_bad_types_name_their_place() {
        let problems = TraderConfig::from_toml("[risk]\nmax_order_quantityy = 5\n").unwrap_err();
        let problem = problems.iter().next().unwrap();
        assert_eq!(problem.path, "line 2, column 1");
        assert!(problem.reason.contains("max_order_quantityy"), "{}", problem.reason);
        let problems = TraderConfig::from_toml("[risk]\nmax_order_quantity = \"many\"\n").unwrap_err();
        assert!(problems.to_string().starts_with("line 2"), "{problems}");
        assert!(TraderConfig::from_toml("nonsense = 1").is_err());
    }
}
