//! Strategies: list, start, stop.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use trader::model::StrategyId;

use super::error::ApiError;
use super::state::ControlState;
use crate::actors::supervisor::SupervisorMsg;
use crate::ask;

pub async fn list(State(state): State<ControlState>) -> Json<Value> {
    let statuses = state.services.status.all();
    let list: Vec<Value> = state
        .services
        .config
        .strategies
        .iter()
        .map(|spec| {
            let status = statuses.get(&format!("strategy:{}", spec.id));
            json!({
                "id": spec.id,
                "kind": spec.params.kind(),
                "instruments": spec.instruments,
                "bar_interval": spec.bar_interval,
                "params": spec.params,
                "status": status,
            })
        })
        .collect();
    Json(json!({ "strategies": list }))
}

fn strategy_id(state: &ControlState, text: &str) -> Result<StrategyId, ApiError> {
    let id = StrategyId::new(text).map_err(|e| ApiError::not_found(e.to_string()))?;
    if state.services.config.strategies.iter().any(|s| s.id == id) {
        Ok(id)
    } else {
        Err(ApiError::not_found(format!("no strategy `{id}`")))
    }
}

pub async fn start(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = strategy_id(&state, &id)?;
    ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::StartStrategy {
        id: id.clone(),
        reply
    })?
    .map_err(ApiError::unavailable)?;
    Ok(Json(json!({ "id": id, "status": "running" })))
}

pub async fn stop(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = strategy_id(&state, &id)?;
    ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::StopStrategy { id: id.clone(), reply })?
        .map_err(ApiError::unavailable)?;
    Ok(Json(json!({ "id": id, "status": "stopped" })))
}
