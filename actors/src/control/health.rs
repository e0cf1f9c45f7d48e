//! `/healthz` (alive), `/readyz` (recovered, feed and journal up), `/metrics` (Prometheus text).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::state::ControlState;

/// The answer of `/healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    /// Always `alive`.
    #[schema(example = "alive")]
    pub status: &'static str,
}

/// The answer of `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// Why the daemon is not ready; absent when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<String>>,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", operation_id = "healthz",
    responses((status = 200, description = "The process is alive.", body = Liveness)))]
pub async fn healthz() -> Json<Liveness> {
    Json(Liveness { status: "alive" })
}

/// Readiness: the journal is recovered, every actor started, and the feed and journal are up.
#[utoipa::path(get, path = "/readyz", tag = "health", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready to trade.", body = Readiness),
        (status = 503, description = "Not ready; `reasons` says why.", body = Readiness,
            example = json!({"status": "not_ready", "reasons": ["feed not connected"]})),
    ))]
pub async fn readyz(State(state): State<ControlState>) -> Response {
    let mut reasons = state.services.status.not_ready();
    if !state.feed.connected.load(std::sync::atomic::Ordering::Acquire) {
        reasons.push("feed not connected".to_owned());
    }
    if state.services.journal.is_closed() {
        reasons.push("journal closed".to_owned());
    }
    let failed = state.services.journal.stats().failed_batches;
    if failed > 0 {
        reasons.push(format!("journal: {failed} commits failed; new orders are refused"));
    }
    if reasons.is_empty() {
        (StatusCode::OK, Json(Readiness { status: "ready", reasons: None })).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(Readiness { status: "not_ready", reasons: Some(reasons) }))
            .into_response()
    }
}

/// Prometheus metrics: queues, journal commits, tick-to-order latency, feed age, P&L and exposure.
#[utoipa::path(get, path = "/metrics", tag = "health", operation_id = "metrics",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4.", body = String,
        content_type = "text/plain; version=0.0.4")))]
pub async fn metrics(State(state): State<ControlState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}
