//! The kill switch.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use trader::risk::TradingState;

use super::body::Fields;
use super::error::ApiError;
use super::state::ControlState;
use crate::actors::order_router::RouterMsg;
use crate::actors::risk_gate::RiskMsg;
use crate::ask;

pub async fn kill_switch(State(state): State<ControlState>, body: Bytes) -> Result<Json<Value>, ApiError> {
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
    let reason = "set through the control plane".to_owned();
    ask!(state.services.slots.risk, "risk gate", |reply| RiskMsg::SetTradingState { state: next, reason, reply })?
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let cancelled = if cancel {
        ask!(state.services.slots.router, "order router", |reply| RouterMsg::CancelAll { reply })?
    } else {
        0
    };
    Ok(Json(json!({ "state": next, "cancelled_orders": cancelled })))
}
