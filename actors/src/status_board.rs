//! What the supervisor knows about every actor, for `/api/v1/status` and `/readyz`.

use std::collections::BTreeMap;
use std::sync::RwLock;

use serde::Serialize;

/// The life of one supervised actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum ActorState {
    Running,
    /// Stopped by an operator.
    Stopped(String),
    /// Stopped for good after exhausting its restart budget.
    Failed(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct ActorStatus {
    pub state: ActorState,
    pub restarts: u32,
    pub last_error: Option<String>,
}

/// Shared, read-mostly: the supervisor writes, the control plane reads.
#[derive(Debug, Default)]
pub struct StatusBoard {
    actors: RwLock<BTreeMap<String, ActorStatus>>,
    ready: RwLock<Vec<String>>,
}

impl StatusBoard {
    pub fn set(&self, name: &str, status: ActorStatus) {
        self.actors.write().unwrap_or_else(|e| e.into_inner()).insert(name.to_owned(), status);
    }

    pub fn update(&self, name: &str, change: impl FnOnce(&mut ActorStatus)) {
        let mut actors = self.actors.write().unwrap_or_else(|e| e.into_inner());
        let status = actors.entry(name.to_owned()).or_insert(ActorStatus {
            state: ActorState::Running,
            restarts: 0,
            last_error: None,
        });
        change(status);
    }

    pub fn get(&self, name: &str) -> Option<ActorStatus> {
        self.actors.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    pub fn all(&self) -> BTreeMap<String, ActorStatus> {
        self.actors.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reasons the daemon is not ready; empty when it is.
    pub fn not_ready(&self) -> Vec<String> {
        self.ready.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_not_ready(&self, reasons: Vec<String>) {
        *self.ready.write().unwrap_or_else(|e| e.into_inner()) = reasons;
    }
}
