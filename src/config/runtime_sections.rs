//! The runtime's smaller sections: `[journal]`, `[supervision]`, `[queues]`, `[shutdown]`.

use serde::{Deserialize, Serialize};

use super::{join, Problems};
use crate::num::Money;

/// `[account]`: the paper account's starting cash (a live broker reports its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountSection {
    pub initial_cash: Money,
}

impl Default for AccountSection {
    fn default() -> AccountSection {
        AccountSection { initial_cash: Money::from_rupees(1_000_000).expect("small") }
    }
}

impl AccountSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(!self.initial_cash.is_negative(), join(path, "initial_cash"), "must not be negative");
    }
}

/// `[journal]`: the persistence writer's bounded queue and group-commit batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JournalSection {
    /// Records waiting to be written; when full, new orders are refused, never lost.
    pub queue_capacity: usize,
    /// Most records committed in one durable transaction.
    pub max_batch: usize,
}

impl Default for JournalSection {
    fn default() -> JournalSection {
        JournalSection { queue_capacity: 8192, max_batch: 512 }
    }
}

impl JournalSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(self.queue_capacity >= 1, join(path, "queue_capacity"), "must be at least 1");
        problems.require(
            (1..=self.queue_capacity.max(1)).contains(&self.max_batch),
            join(path, "max_batch"),
            "must be 1 to queue_capacity",
        );
    }
}

/// `[supervision]`: restart budgets and the heartbeat behind the systemd watchdog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupervisionSection {
    /// Restarts allowed within `window_ms` before an actor stays stopped (strategies) or the
    /// engine halts (core actors).
    pub max_restarts: u32,
    pub window_ms: u64,
    /// How often the supervisor checks every actor answers.
    pub heartbeat_ms: u64,
}

impl Default for SupervisionSection {
    fn default() -> SupervisionSection {
        SupervisionSection { max_restarts: 3, window_ms: 60_000, heartbeat_ms: 1_000 }
    }
}

impl SupervisionSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(self.window_ms >= 1, join(path, "window_ms"), "must be positive");
        problems.require(
            (10..=60_000).contains(&self.heartbeat_ms),
            join(path, "heartbeat_ms"),
            "must be 10 to 60000 milliseconds",
        );
    }
}

/// `[queues]`: capacities of the bounded queues between actors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueuesSection {
    /// Order intents waiting at the risk gate and approved orders waiting at the router.
    pub orders: usize,
    /// Completed bars waiting per strategy and instrument (older ones are dropped and counted).
    pub bars: usize,
    /// Events buffered per event-stream subscriber.
    pub events: usize,
}

impl Default for QueuesSection {
    fn default() -> QueuesSection {
        QueuesSection { orders: 1024, bars: 256, events: 4096 }
    }
}

impl QueuesSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        for (key, value) in [("orders", self.orders), ("bars", self.bars), ("events", self.events)] {
            problems.require((1..=1_000_000).contains(&value), join(path, key), "must be 1 to 1000000");
        }
    }
}

/// What happens to open orders when the daemon stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenOrdersOnStop {
    /// Cancel them: nothing keeps working at the broker while nobody watches it.
    Cancel,
    /// Leave them working; they are reconciled on the next start.
    Leave,
}

/// `[shutdown]`: the drain on SIGTERM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShutdownSection {
    pub deadline_ms: u64,
    pub open_orders: OpenOrdersOnStop,
}

impl Default for ShutdownSection {
    fn default() -> ShutdownSection {
        ShutdownSection { deadline_ms: 5_000, open_orders: OpenOrdersOnStop::Cancel }
    }
}

impl ShutdownSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(
            (100..=300_000).contains(&self.deadline_ms),
            join(path, "deadline_ms"),
            "must be 100 to 300000 milliseconds",
        );
    }
}
