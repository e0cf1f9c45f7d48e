//! Alert rules: list, create, delete.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use trader::alerts::AlertRule;
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::state::ControlState;
use crate::actors::alert_engine::AlertMsg;
use crate::ask;

/// The alert rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    #[schema(value_type = Vec<mirror_schemas::AlertRule>)]
    pub alerts: Vec<AlertRule>,
}

/// A deleted rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDeleted {
    pub id: String,
    /// Always true.
    pub deleted: bool,
}

/// Every alert rule.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", operation_id = "list_alerts",
    responses(
        (status = 200, description = "The rules.", body = AlertList),
        (status = 503, description = "The alert engine is not answering.", body = ApiErrorBody),
    ))]
pub async fn list(State(state): State<ControlState>) -> Result<Json<AlertList>, ApiError> {
    let alerts = ask!(state.services.slots.alerts, "alert engine", AlertMsg::List)?;
    Ok(Json(AlertList { alerts }))
}

/// Adds an alert rule.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", operation_id = "create_alert",
    request_body(content = mirror_schemas::AlertRule, content_type = "application/json"),
    responses(
        (status = 201, description = "The rule, as stored.", body = mirror_schemas::AlertRule),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 409, description = "A rule with this id exists, or the engine refused it.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The alert engine is not answering.", body = ApiErrorBody),
    ))]
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

/// Deletes an alert rule.
#[utoipa::path(delete, path = "/api/v1/alerts/{id}", tag = "alerts", operation_id = "delete_alert",
    params(("id" = String, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "Deleted.", body = AlertDeleted),
        (status = 404, description = "No such rule.", body = ApiErrorBody),
        (status = 503, description = "The alert engine is not answering.", body = ApiErrorBody),
    ))]
pub async fn delete(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<AlertDeleted>, ApiError> {
    ask!(state.services.slots.alerts, "alert engine", |reply| AlertMsg::Remove { id: id.clone(), reply })?
        .map_err(ApiError::not_found)?;
    Ok(Json(AlertDeleted { id, deleted: true }))
}
