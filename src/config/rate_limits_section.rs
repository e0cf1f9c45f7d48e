//! `[api.rate_limits]`: how many requests the control plane accepts, per client IP and per user.

use serde::{Deserialize, Serialize};

use super::{join, Problems};

/// The unit of time a [`RateLimit`] counts requests in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Second,
    Minute,
    Hour,
}

impl Per {
    /// The unit's length in seconds.
    pub fn seconds(self) -> u64 {
        match self {
            Per::Second => 1,
            Per::Minute => 60,
            Per::Hour => 3_600,
        }
    }
}

/// `requests` per `per` on average, and up to `burst` at once after a quiet spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Per,
    pub burst: u32,
}

/// The largest `requests` or `burst` accepted: beyond it a limit is no limit.
const MOST: u32 = 1_000_000;

impl RateLimit {
    /// The time one request's allowance takes to refill, in nanoseconds (at least 1).
    pub fn period_nanos(&self) -> u64 {
        (self.per.seconds() * 1_000_000_000 / u64::from(self.requests.max(1))).max(1)
    }

    pub fn validate(&self, path: &str, problems: &mut Problems) {
        let range = 1..=MOST;
        problems.require(range.contains(&self.requests), join(path, "requests"), format!("must be 1 to {MOST}"));
        problems.require(range.contains(&self.burst), join(path, "burst"), format!("must be 1 to {MOST}"));
    }
}

/// One role's own limits; an absent one falls back to the section's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleRateLimits {
    /// Every request by a user of the role.
    pub default: Option<RateLimit>,
    /// `POST /api/v1/orders` by a user of the role.
    pub orders: Option<RateLimit>,
}

impl RoleRateLimits {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        for (key, limit) in [("default", &self.default), ("orders", &self.orders)] {
            if let Some(limit) = limit {
                limit.validate(&join(path, key), problems);
            }
        }
    }
}

/// `[api.rate_limits.roles]`: overrides by role (the names are the control plane's roles).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RolesRateLimits {
    pub viewer: RoleRateLimits,
    pub trader: RoleRateLimits,
    pub risk: RoleRateLimits,
    pub admin: RoleRateLimits,
}

/// `[api.rate_limits]`. Health checks are never limited. Exceeding a limit answers 429 with
/// `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitsSection {
    /// Every request, per client IP (before authentication) and per user (after).
    pub default: RateLimit,
    /// `POST /api/v1/auth/login`, per client IP: password guessing is slow by design.
    pub login: RateLimit,
    /// `POST /api/v1/orders`, per user.
    pub orders: RateLimit,
    pub roles: RolesRateLimits,
}

impl Default for RateLimitsSection {
    fn default() -> RateLimitsSection {
        RateLimitsSection {
            default: RateLimit { requests: 20, per: Per::Second, burst: 40 },
            login: RateLimit { requests: 5, per: Per::Minute, burst: 5 },
            orders: RateLimit { requests: 10, per: Per::Second, burst: 10 },
            roles: RolesRateLimits::default(),
        }
    }
}

impl RateLimitsSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        self.default.validate(&join(path, "default"), problems);
        self.login.validate(&join(path, "login"), problems);
        self.orders.validate(&join(path, "orders"), problems);
        let roles = join(path, "roles");
        for (role, limits) in [
            ("viewer", &self.roles.viewer),
            ("trader", &self.roles.trader),
            ("risk", &self.roles.risk),
            ("admin", &self.roles.admin),
        ] {
            limits.validate(&join(&roles, role), problems);
        }
    }

    /// The limits of the role named `role` (`viewer`, `trader`, `risk`, `admin`); unknown: none.
    pub fn role(&self, role: &str) -> RoleRateLimits {
        match role {
            "viewer" => self.roles.viewer.clone(),
            "trader" => self.roles.trader.clone(),
            "risk" => self.roles.risk.clone(),
            "admin" => self.roles.admin.clone(),
            _ => RoleRateLimits::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TraderConfig;

    #[test]
    fn defaults_and_overrides_load() {
        let config = TraderConfig::from_toml("").unwrap();
        assert_eq!(config.api.rate_limits, RateLimitsSection::default());
        assert_eq!(config.api.rate_limits.login.period_nanos(), 12_000_000_000, "5 a minute: one per 12 s");
        let text = "[api.rate_limits]\norders = { requests = 2, per = \"second\", burst = 3 }\n\
                    [api.rate_limits.roles.viewer]\ndefault = { requests = 1, per = \"hour\", burst = 1 }\n";
        let limits = TraderConfig::from_toml(text).unwrap().api.rate_limits;
        assert_eq!(limits.orders, RateLimit { requests: 2, per: Per::Second, burst: 3 });
        assert_eq!(limits.default, RateLimitsSection::default().default);
        assert_eq!(limits.role("viewer").default.map(|l| l.period_nanos()), Some(3_600_000_000_000));
        assert_eq!(limits.role("trader"), RoleRateLimits::default());
    }

    #[test]
    fn every_bad_limit_is_named() {
        let text = "[api.rate_limits]\ndefault = { requests = 0, per = \"second\", burst = 40 }\n\
                    login = { requests = 5, per = \"minute\", burst = 0 }\n\
                    [api.rate_limits.roles.trader]\norders = { requests = 2000000, per = \"second\", burst = 1 }\n";
        let problems = TraderConfig::from_toml(text).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "api.rate_limits.default.requests",
                "api.rate_limits.login.burst",
                "api.rate_limits.roles.trader.orders.requests"
            ],
            "{problems}"
        );
    }

    #[test]
    fn unknown_keys_and_roles_are_refused() {
        for (text, key) in [
            ("[api.rate_limits]\nlogins = { requests = 1, per = \"second\", burst = 1 }\n", "logins"),
            ("[api.rate_limits.roles.root]\n", "root"),
            ("[api.rate_limits]\norders = { requests = 1, per = \"day\", burst = 1 }\n", "day"),
            ("[api.rate_limits]\norders = { requests = 1, per = \"second\" }\n", "burst"),
        ] {
            let problems = TraderConfig::from_toml(text).unwrap_err();
            assert!(problems.to_string().contains(key), "{key}: {problems}");
        }
    }
}
