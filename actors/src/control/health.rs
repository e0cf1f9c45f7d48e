//! `/healthz` (alive), `/readyz` (recovered, feed and journal up), `/metrics` (Prometheus text).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::state::ControlState;

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "alive"}))
}

pub async fn readyz(State(state): State<ControlState>) -> Response {
    let mut reasons = state.services.status.not_ready();
    if !state.feed.connected.load(std::sync::atomic::Ordering::Acquire) {
        reasons.push("feed not connected".to_owned());
    }
    if state.services.journal.is_closed() {
        reasons.push("journal closed".to_owned());
    }
    if reasons.is_empty() {
        (StatusCode::OK, Json(json!({"status": "ready"}))).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "not_ready", "reasons": reasons}))).into_response()
    }
}

pub async fn metrics(State(state): State<ControlState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}
