//! `GET /api/v1/status`: trading state, actors, queues, journal lag, feed age.

use std::time::Instant;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::error::ApiError;
use super::state::ControlState;
use crate::actors::persistence::PersistenceMsg;
use crate::actors::risk_gate::RiskMsg;
use crate::ask;

pub async fn status(State(state): State<ControlState>) -> Result<Json<Value>, ApiError> {
    let services = &state.services;
    let trading_state = ask!(services.slots.risk, "risk gate", RiskMsg::GetTradingState)?;
    let journal = match state.persistence.call(PersistenceMsg::Stats, Some(super::state::ACTOR_TIMEOUT)).await {
        Ok(ractor::rpc::CallResult::Success(stats)) => stats,
        _ => services.journal.stats(),
    };
    let now = Instant::now();
    let feed_age: serde_json::Map<String, Value> =
        services.quotes.ages(now).into_iter().map(|(k, age)| (k.to_string(), json!(age.as_secs_f64()))).collect();
    let stale: Vec<String> =
        state.feed.stale.lock().unwrap_or_else(|e| e.into_inner()).iter().map(ToString::to_string).collect();
    let queues = json!([
        {"queue": services.risk_queue.name(), "depth": services.risk_queue.depth(), "capacity": services.risk_queue.capacity()},
        {"queue": services.router_queue.name(), "depth": services.router_queue.depth(), "capacity": services.router_queue.capacity()},
        {"queue": "journal", "depth": journal.queue_depth, "capacity": journal.queue_capacity},
    ]);
    Ok(Json(json!({
        "trading_state": trading_state,
        "actors": services.status.all(),
        "queues": queues,
        "journal": {
            "committed_sequence": journal.committed_sequence,
            "lag": journal.lag(),
            "last_batch_size": journal.last_batch_size,
            "last_commit_ms": journal.last_commit_duration.as_secs_f64() * 1e3,
            "refused_records": journal.refused_records,
            "failed_records": journal.failed_records,
        },
        "feed": {
            "connected": state.feed.connected.load(std::sync::atomic::Ordering::Acquire),
            "age_seconds": feed_age,
            "stale": stale,
        },
    })))
}
