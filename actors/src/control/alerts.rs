//! Alert rules: list, create, delete.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use trader::alerts::AlertRule;

use super::error::ApiError;
use super::state::ControlState;
use crate::actors::alert_engine::AlertMsg;
use crate::ask;

pub async fn list(State(state): State<ControlState>) -> Result<Json<Value>, ApiError> {
    let rules = ask!(state.services.slots.alerts, "alert engine", AlertMsg::List)?;
    Ok(Json(json!({ "alerts": rules })))
}

pub async fn create(State(state): State<ControlState>, body: Bytes) -> Result<Response, ApiError> {
    let rule: AlertRule = serde_json::from_slice(&body).map_err(|e| {
        let mut fields = std::collections::BTreeMap::new();
        fields.insert("body".to_owned(), e.to_string());
        ApiError::invalid(fields)
    })?;
    let mut problems = trader::config::Problems::new();
    rule.validate("", &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems.iter().map(|p| (p.path.clone(), p.reason.clone())).collect()));
    }
    let created = rule.clone();
    ask!(state.services.slots.alerts, "alert engine", |reply| AlertMsg::Add { rule, reply })?
        .map_err(|e| ApiError::new(StatusCode::CONFLICT, "alert_rejected", e))?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

pub async fn delete(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    ask!(state.services.slots.alerts, "alert engine", |reply| AlertMsg::Remove { id: id.clone(), reply })?
        .map_err(ApiError::not_found)?;
    Ok(Json(json!({ "id": id, "deleted": true })))
}
