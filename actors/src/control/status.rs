//! `GET /api/v1/status`: trading state, actors, queues, journal lag, feed age.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use trader::risk::TradingState;
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::state::ControlState;
use crate::actors::persistence::PersistenceMsg;
use crate::actors::risk_gate::RiskMsg;
use crate::ask;
use crate::status_board::ActorStatus;

/// The engine at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusBody {
    #[schema(value_type = mirror_schemas::TradingState)]
    pub trading_state: TradingState,
    /// Every supervised actor by name, e.g. `risk_gate`, `strategy:sma_reliance`.
    #[schema(value_type = BTreeMap<String, mirror_schemas::ActorStatus>)]
    pub actors: BTreeMap<String, ActorStatus>,
    pub queues: Vec<QueueDepth>,
    pub journal: JournalProgress,
    pub feed: FeedHealth,
}

/// One bounded queue's fill level.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueDepth {
    #[schema(example = "risk_gate")]
    pub queue: &'static str,
    pub depth: usize,
    pub capacity: usize,
}

/// How far the journal is behind.
#[derive(Debug, Serialize, ToSchema)]
pub struct JournalProgress {
    /// Sequence number of the last durable record.
    pub committed_sequence: u64,
    /// Records accepted but not yet durable.
    pub lag: u64,
    pub last_batch_size: usize,
    /// How long the last group commit took, in milliseconds.
    pub last_commit_ms: f64,
    /// Records refused because the journal queue was full, since start.
    pub refused_records: u64,
    /// Records whose commit failed, since start.
    pub failed_records: u64,
}

/// The market-data feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedHealth {
    pub connected: bool,
    /// Seconds since each instrument's last tick, by instrument key.
    pub age_seconds: BTreeMap<String, f64>,
    /// Instruments whose quotes are too old to trade on.
    pub stale: Vec<String>,
}

/// Trading state, actors, queues, journal progress and feed age.
#[utoipa::path(get, path = "/api/v1/status", tag = "status", operation_id = "get_status",
    responses(
        (status = 200, description = "The engine's state.", body = StatusBody),
        (status = 503, description = "The risk gate is not answering.", body = ApiErrorBody),
    ))]
pub async fn status(State(state): State<ControlState>) -> Result<Json<StatusBody>, ApiError> {
    let services = &state.services;
    let trading_state = ask!(services.slots.risk, "risk gate", RiskMsg::GetTradingState)?;
    let journal = match state.persistence.call(PersistenceMsg::Stats, Some(super::state::ACTOR_TIMEOUT)).await {
        Ok(ractor::rpc::CallResult::Success(stats)) => stats,
        _ => services.journal.stats(),
    };
    let now = Instant::now();
    let age_seconds =
        services.quotes.ages(now).into_iter().map(|(k, age)| (k.to_string(), age.as_secs_f64())).collect();
    let stale = state.feed.stale.lock().unwrap_or_else(|e| e.into_inner()).iter().map(ToString::to_string).collect();
    let queues = vec![
        QueueDepth {
            queue: services.risk_queue.name(),
            depth: services.risk_queue.depth(),
            capacity: services.risk_queue.capacity(),
        },
        QueueDepth {
            queue: services.router_queue.name(),
            depth: services.router_queue.depth(),
            capacity: services.router_queue.capacity(),
        },
        QueueDepth { queue: "journal", depth: journal.queue_depth, capacity: journal.queue_capacity },
    ];
    Ok(Json(StatusBody {
        trading_state,
        actors: services.status.all(),
        queues,
        journal: JournalProgress {
            committed_sequence: journal.committed_sequence,
            lag: journal.lag(),
            last_batch_size: journal.last_batch_size,
            last_commit_ms: journal.last_commit_duration.as_secs_f64() * 1e3,
            refused_records: journal.refused_records,
            failed_records: journal.failed_records,
        },
        feed: FeedHealth {
            connected: state.feed.connected.load(std::sync::atomic::Ordering::Acquire),
            age_seconds,
            stale,
        },
    }))
}
