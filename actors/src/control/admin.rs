//! The kill switch and the config reload. (Risk limits: `risk_limits`; users and tokens:
//! `users`, `tokens`.)

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
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
use crate::signals::{ReloadError, ReloadReport};

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
    let why = f.optional("reason", operator_reason);
    f.finish()?;
    let next = next.ok_or_else(|| ApiError::invalid(Default::default()))?;
    // Who pulled the switch goes into the journaled reason (the gate put the caller there).
    let mut reason = match caller {
        Some(Extension(principal)) => format!("set through the control plane by {}", principal.name),
        None => "set through the control plane".to_owned(),
    };
    if let Some(why) = why {
        reason = format!("{reason}: {why}");
    }
    ask!(state.services.slots.risk, "risk gate", |reply| RiskMsg::SetTradingState { state: next, reason, reply })?
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let cancelled = if cancel {
        ask!(state.services.slots.router, "order router", |reply| RouterMsg::CancelAll { reply })?
    } else {
        0
    };
    Ok(Json(KillSwitchResult { state: next, cancelled_orders: cancelled }))
}

/// The longest operator note the kill switch takes: it goes into the journal, logs and status.
const MAX_REASON_CHARS: usize = 200;

/// An operator's note on why the switch was pulled: one line of printable text.
fn operator_reason(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        Err("must not be empty when given".to_owned())
    } else if text.chars().count() > MAX_REASON_CHARS {
        Err(format!("is longer than {MAX_REASON_CHARS} characters"))
    } else if text.chars().any(char::is_control) {
        Err("must be one line of printable text".to_owned())
    } else {
        Ok(text.to_owned())
    }
}

/// Reloads the config file the daemon was started with, as SIGHUP does: if the file's `[risk]`
/// differs from what was last loaded from it, its limits are put in force (replacing limits set
/// through the API; journaled) — an unchanged `[risk]` leaves them alone, so a reload for another
/// reason (a renewed certificate) never undoes a change made through the API — and `[[alerts]]`
/// rules new to the file (or edited in it) since it was last loaded are added (an unchanged one is
/// not: a rule removed through the API stays removed). Other sections take effect at the next restart and are listed. A file
/// with problems changes nothing: the answer names each problem by its key path. The body is
/// ignored.
#[utoipa::path(post, path = "/api/v1/admin/config/reload", tag = "admin", operation_id = "reload_config",
    responses(
        (status = 200, description = "Reloaded; what changed.", body = ReloadReport),
        (status = 409, description = "The daemon was started without a config file (code `no_config_file`).",
            body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 422, description = "The file cannot be read (code `config_unreadable`) or has problems (code \
            `invalid_config`; `fields` maps each key path, e.g. `risk.max_order_quantity`, to its problem); \
            nothing was applied.", body = ApiErrorBody),
        (status = 503, description = "The risk gate is not answering or the journal refused the change.",
            body = ApiErrorBody),
    ))]
pub async fn reload_config(
    State(state): State<ControlState>,
    caller: Option<Extension<Principal>>,
) -> Result<Json<ReloadReport>, ApiError> {
    let reloader = &state.config_reload;
    let by = caller.map_or_else(|| "the control plane".to_owned(), |Extension(principal)| principal.name);
    reloader.reload_config(&by).await.map(Json).map_err(reload_error)
}

/// The API's answer to a failed reload.
pub fn reload_error(error: ReloadError) -> ApiError {
    match error {
        ReloadError::NoConfigFile => ApiError::new(StatusCode::CONFLICT, "no_config_file", error.to_string()),
        ReloadError::Unreadable { .. } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "config_unreadable", error.to_string())
        }
        ReloadError::Invalid { ref path, ref problems } => {
            let message = format!("{}: {} problem(s); nothing was applied", path.display(), problems.len());
            let mut api = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_config", message);
            api.fields = super::risk_limits::problem_fields(problems);
            api
        }
        ReloadError::Unavailable(unavailable) => unavailable.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_reason_is_one_trimmed_printable_line_of_bounded_length() {
        assert_eq!(operator_reason("  broker outage  "), Ok("broker outage".to_owned()));
        assert!(operator_reason("   ").unwrap_err().contains("empty"));
        assert!(operator_reason("two\nlines").unwrap_err().contains("one line"));
        assert_eq!(operator_reason(&"x".repeat(200)).map(|r| r.len()), Ok(200));
        assert!(operator_reason(&"x".repeat(201)).unwrap_err().contains("200"));
    }
}
