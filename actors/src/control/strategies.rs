//! Strategies: list, start, stop.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use trader::bars::BarInterval;
use trader::model::{InstrumentKey, StrategyId};
use trader::strategy::StrategyParams;
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::state::ControlState;
use crate::actors::supervisor::SupervisorMsg;
use crate::ask;
use crate::status_board::ActorStatus;

/// The configured strategies.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyList {
    pub strategies: Vec<StrategyView>,
}

/// One configured strategy instance and its runner's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyView {
    #[schema(value_type = String, example = "sma_reliance")]
    pub id: StrategyId,
    /// The built-in strategy, e.g. `sma_cross` or `donchian`.
    #[schema(example = "sma_cross")]
    pub kind: &'static str,
    #[schema(value_type = Vec<mirror_schemas::InstrumentKey>)]
    pub instruments: Vec<InstrumentKey>,
    #[schema(value_type = mirror_schemas::BarInterval)]
    pub bar_interval: BarInterval,
    #[schema(value_type = mirror_schemas::StrategyParams)]
    pub params: StrategyParams,
    /// The runner's state; null for a disabled strategy that was never started.
    #[schema(value_type = Option<mirror_schemas::ActorStatus>)]
    pub status: Option<ActorStatus>,
}

/// A strategy's new state.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyState {
    #[schema(value_type = String)]
    pub id: StrategyId,
    /// `running` or `stopped`.
    #[schema(example = "running")]
    pub status: &'static str,
}

/// Every configured strategy with its parameters and its runner's state.
#[utoipa::path(get, path = "/api/v1/strategies", tag = "strategies", operation_id = "list_strategies",
    responses((status = 200, description = "The strategies.", body = StrategyList)))]
pub async fn list(State(state): State<ControlState>) -> Json<StrategyList> {
    let statuses = state.services.status.all();
    let strategies = state
        .services
        .config
        .strategies
        .iter()
        .map(|spec| StrategyView {
            id: spec.id.clone(),
            kind: spec.params.kind(),
            instruments: spec.instruments.clone(),
            bar_interval: spec.bar_interval,
            params: spec.params,
            status: statuses.get(&format!("strategy:{}", spec.id)).cloned(),
        })
        .collect();
    Json(StrategyList { strategies })
}

fn strategy_id(state: &ControlState, text: &str) -> Result<StrategyId, ApiError> {
    let id = StrategyId::new(text).map_err(|e| ApiError::not_found(e.to_string()))?;
    if state.services.config.strategies.iter().any(|s| s.id == id) {
        Ok(id)
    } else {
        Err(ApiError::not_found(format!("no strategy `{id}`")))
    }
}

/// Starts (or restarts) a configured strategy's runner.
#[utoipa::path(post, path = "/api/v1/strategies/{id}/start", tag = "strategies", operation_id = "start_strategy",
    params(("id" = String, Path, description = "The strategy's id.")),
    responses(
        (status = 200, description = "The runner is running.", body = StrategyState),
        (status = 404, description = "No such strategy.", body = ApiErrorBody),
        (status = 503, description = "The supervisor could not start it.", body = ApiErrorBody),
    ))]
pub async fn start(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<StrategyState>, ApiError> {
    let id = strategy_id(&state, &id)?;
    ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::StartStrategy {
        id: id.clone(),
        reply
    })?
    .map_err(ApiError::unavailable)?;
    Ok(Json(StrategyState { id, status: "running" }))
}

/// Stops a strategy's runner; its open orders stay open.
#[utoipa::path(post, path = "/api/v1/strategies/{id}/stop", tag = "strategies", operation_id = "stop_strategy",
    params(("id" = String, Path, description = "The strategy's id.")),
    responses(
        (status = 200, description = "The runner is stopped.", body = StrategyState),
        (status = 404, description = "No such strategy.", body = ApiErrorBody),
        (status = 503, description = "The supervisor could not stop it.", body = ApiErrorBody),
    ))]
pub async fn stop(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<StrategyState>, ApiError> {
    let id = strategy_id(&state, &id)?;
    ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::StopStrategy { id: id.clone(), reply })?
        .map_err(ApiError::unavailable)?;
    Ok(Json(StrategyState { id, status: "stopped" }))
}
