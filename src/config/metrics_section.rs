//! `[metrics]`: who may read `/metrics`.

use serde::{Deserialize, Serialize};

/// `[metrics]`: by default `/metrics` needs a token with the `read` permission, like every other
/// route that shows state (positions and P&L are in it). `public = true` opens it to anyone who
/// can reach the port, for scrapers that cannot send a bearer token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSection {
    /// Serve `/metrics` without a token.
    pub public: bool,
}

#[cfg(test)]
mod tests {
    use crate::config::TraderConfig;

    #[test]
    fn metrics_are_protected_unless_made_public() {
        assert!(!TraderConfig::from_toml("").unwrap().metrics.public);
        assert!(TraderConfig::from_toml("[metrics]\npublic = true\n").unwrap().metrics.public);
        let problems = TraderConfig::from_toml("[metrics]\npublik = true\n").unwrap_err();
        assert!(problems.to_string().contains("publik"), "{problems}");
    }
}
