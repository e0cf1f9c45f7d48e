//! The kill switch.

use axum::body::Bytes;
use axum::extract::State;
use axum::Extension;
use axum::Json;
use serde::Serialize;
use trader::risk::TradingState;
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::request_bodies::KillSwitchBody;
use super::state::ControlState;
use crate::actors::order_router::RouterMsg;
use crate::actors::risk_gate::RiskMsg;
use crate::ask;
use crate::auth::Principal;

/// The trading state after a kill-switch request.
#[derive(Debug, Serialize, ToSchema)]
pub struct KillSwitchResult {
    #[schema(value_type = mirror_schemas::TradingState)]
    pub state: TradingState,
    /// Orders cancelled because `cancel_open_orders` was set.
    pub cancelled_orders: usize,
}

/// Sets the trading state: `halted` stops all new orders, `reducing` allows only orders that
/// shrink a position, `active` resumes. Optionally cancels every open order.
#[utoipa::path(post, path = "/api/v1/admin/kill-switch", tag = "admin", operation_id = "set_kill_switch",
    request_body(content = KillSwitchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The new state is in force (and journaled).", body = KillSwitchResult),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The risk gate or the order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn kill_switch(
    State(state): State<ControlState>,
    caller: Option<Extension<Principal>>,
    body: Bytes,
) -> Result<Json<KillSwitchResult>, ApiError> {
    let mut f = Fields::parse(&body)?;
    let next = f.required("state", |s| match s {
        "active" => Ok(TradingState::Active),
        "reducing" => Ok(TradingState::Reducing),
        "halted" => Ok(TradingState::Halted),
        _ => Err(format!("`{s}` is not active, reducing or halted")),
    });
    let cancel = f
        .optional("cancel_open_orders", |s| match s {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("`{s}` is not true or false")),
        })
        .unwrap_or(false);
    f.finish()?;
    let next = next.ok_or_else(|| ApiError::invalid(Default::default()))?;
    // Who pulled the switch goes into the journaled reason (the gate put the caller there).
    let reason = match caller {
        Some(Extension(principal)) => format!("set through the control plane by {}", principal.name),
        None => "set through the control plane".to_owned(),
    };
    ask!(state.services.slots.risk, "risk gate", |reply| RiskMsg::SetTradingState { state: next, reason, reply })?
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let cancelled = if cancel {
        ask!(state.services.slots.router, "order router", |reply| RouterMsg::CancelAll { reply })?
    } else {
        0
    };
    Ok(Json(KillSwitchResult { state: next, cancelled_orders: cancelled }))
}
