//! Roles and the one permission table every route is checked against.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user or API token may do, as a fixed set of roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads state: status, orders, positions, strategies, alerts, metrics.
    Viewer,
    /// Trades: orders, strategies, alerts and backtests.
    Trader,
    /// Guards the book: kill switch, risk limits, and cancelling orders.
    Risk,
    /// Everything, including users, API tokens and the audit log.
    Admin,
}

/// One thing a route may need. Each route declares exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read state: status, orders, positions, strategies, alerts, backtest results, metrics.
    Read,
    /// Place and modify orders.
    TradeOrders,
    /// Cancel open orders.
    CancelOrders,
    /// Start, stop and configure strategies.
    ManageStrategies,
    /// Add and remove alert rules.
    ManageAlerts,
    /// Submit backtest jobs.
    RunBacktests,
    /// Engage or release the kill switch.
    KillSwitch,
    /// Change risk limits.
    ManageRiskLimits,
    /// Create, disable and change users and API tokens.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Administer the daemon itself (reload, shutdown and the like).
    Admin,
}

impl Role {
    /// Every role, least to most privileged.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Trader, Role::Risk, Role::Admin];

    /// The permission table: whether this role may do `permission`.
    ///
    /// Risk may cancel orders: cancelling only ever reduces exposure, and a risk officer must be
    /// able to pull a runaway strategy's orders without stopping all trading with the kill switch.
    /// Risk may not place orders, and traders may not touch the kill switch or limits that bind them.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Viewer => matches!(permission, P::Read),
            Role::Trader => matches!(
                permission,
                P::Read | P::TradeOrders | P::CancelOrders | P::ManageStrategies | P::ManageAlerts | P::RunBacktests
            ),
            Role::Risk => matches!(permission, P::Read | P::CancelOrders | P::KillSwitch | P::ManageRiskLimits),
        }
    }

    /// Whether this role may do everything `other` may: a user of this role may hold an API token
    /// of role `other` (a token never grants more than its owner has).
    pub fn covers(self, other: Role) -> bool {
        Permission::ALL.into_iter().all(|permission| !other.allows(permission) || self.allows(permission))
    }

    /// The lowercase name used in JSON, the CLI and tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Trader => "trader",
            Role::Risk => "risk",
            Role::Admin => "admin",
        }
    }
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 11] = [
        Permission::Read,
        Permission::TradeOrders,
        Permission::CancelOrders,
        Permission::ManageStrategies,
        Permission::ManageAlerts,
        Permission::RunBacktests,
        Permission::KillSwitch,
        Permission::ManageRiskLimits,
        Permission::ManageUsers,
        Permission::ReadAudit,
        Permission::Admin,
    ];

    /// The snake_case name used in JSON and in 403 messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::TradeOrders => "trade_orders",
            Permission::CancelOrders => "cancel_orders",
            Permission::ManageStrategies => "manage_strategies",
            Permission::ManageAlerts => "manage_alerts",
            Permission::RunBacktests => "run_backtests",
            Permission::KillSwitch => "kill_switch",
            Permission::ManageRiskLimits => "manage_risk_limits",
            Permission::ManageUsers => "manage_users",
            Permission::ReadAudit => "read_audit",
            Permission::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the four roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role: unknown role `{0}`, expected viewer, trader, risk or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    /// Exact lowercase names only, as in JSON, so a typo never maps to a different role.
    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        Role::ALL.into_iter().find(|role| role.as_str() == text).ok_or_else(|| UnknownRole(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_table_per_role() {
        use Permission as P;
        // (permission, viewer, trader, risk, admin), written out by hand so a change to `allows`
        // has to be made here too.
        let table: [(Permission, [bool; 4]); 11] = [
            (P::Read, [true, true, true, true]),
            (P::TradeOrders, [false, true, false, true]),
            (P::CancelOrders, [false, true, true, true]),
            (P::ManageStrategies, [false, true, false, true]),
            (P::ManageAlerts, [false, true, false, true]),
            (P::RunBacktests, [false, true, false, true]),
            (P::KillSwitch, [false, false, true, true]),
            (P::ManageRiskLimits, [false, false, true, true]),
            (P::ManageUsers, [false, false, false, true]),
            (P::ReadAudit, [false, false, false, true]),
            (P::Admin, [false, false, false, true]),
        ];
        assert_eq!(table.len(), Permission::ALL.len(), "every permission has a row");
        for (permission, expected) in table {
            for (role, allowed) in Role::ALL.into_iter().zip(expected) {
                assert_eq!(role.allows(permission), allowed, "{role} / {permission}");
            }
        }
    }

    #[test]
    fn covers_means_every_permission_of_the_other_role() {
        use Role::*;
        // (owner, token roles it covers), by hand: risk and trader are not ordered.
        let table = [
            (Viewer, vec![Viewer]),
            (Trader, vec![Viewer, Trader]),
            (Risk, vec![Viewer, Risk]),
            (Admin, vec![Viewer, Trader, Risk, Admin]),
        ];
        for (owner, covered) in table {
            for token in Role::ALL {
                assert_eq!(owner.covers(token), covered.contains(&token), "{owner} covers {token}");
            }
        }
    }

    #[test]
    fn role_names_round_trip_and_typos_are_refused() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
            assert_eq!(serde_json::from_str::<Role>(&format!("\"{role}\"")).unwrap(), role);
        }
        let err = "Admin".parse::<Role>().unwrap_err();
        assert_eq!(err.to_string(), "role: unknown role `Admin`, expected viewer, trader, risk or admin");
        assert!("".parse::<Role>().is_err());
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
    }

    #[test]
    fn permission_names_match_serde() {
        for permission in Permission::ALL {
            assert_eq!(serde_json::to_string(&permission).unwrap(), format!("\"{permission}\""));
        }
    }
}
