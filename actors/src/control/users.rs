//! Users: created by an administrator.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::state::ControlState;
use crate::auth::name::check_name;
use crate::auth::password::check_policy;
use crate::auth::Role;

/// A role: what a user may do.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    /// Reads state: status, orders, positions, strategies, alerts, metrics.
    Viewer,
    /// Reads, places and cancels orders, runs strategies, alerts and backtests.
    Trader,
    /// Reads, cancels orders, the kill switch and risk limits; never places orders.
    Risk,
    /// Everything, including users.
    Admin,
}

/// `POST /api/v1/admin/users`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "asha", "password": "correct horse battery staple", "role": "trader"}))]
pub struct CreateUserBody {
    /// 1 to 32 characters: ASCII letters, digits, `.`, `_` and `-`.
    pub username: String,
    /// At least 12 characters. Stored only as an argon2id hash.
    pub password: String,
    pub role: RoleName,
}

/// A user as stored (never the password or its hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    #[schema(value_type = RoleName)]
    pub role: Role,
    pub disabled: bool,
}

/// Creates a user who can log in with the password given.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "users", operation_id = "create_user",
    request_body(content = CreateUserBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created (and journaled).", body = UserView),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 409, description = "A user with this name exists (code `already_exists`).", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The journal cannot make the user durable.", body = ApiErrorBody),
    ))]
pub async fn create(State(state): State<ControlState>, body: Bytes) -> Result<Response, ApiError> {
    let mut f = Fields::parse(&body)?;
    // Every field is checked here, so one 400 names all that is wrong.
    let username =
        f.required("username", |s| check_name("username", s).map(|()| s.to_owned()).map_err(|e| reason("username", e)));
    let password =
        f.required("password", |s| check_policy(s).map(|()| s.to_owned()).map_err(|e| reason("password", e)));
    let role = f.required("role", |s| s.parse::<Role>().map_err(|e| reason("role", e)));
    f.finish()?;
    let (Some(username), Some(password), Some(role)) = (username, password, role) else {
        return Err(ApiError::invalid(Default::default()));
    };
    let user = state.auth.add_user(username, password, role).await?;
    tracing::info!(username = %user.name, role = %user.role, "user created through the control plane");
    let view = UserView { username: user.name, role: user.role, disabled: user.disabled };
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// The error's message without the `field: ` prefix the field map already says.
fn reason(field: &str, error: impl std::fmt::Display) -> String {
    let message = error.to_string();
    message.strip_prefix(field).and_then(|rest| rest.strip_prefix(": ")).map(str::to_owned).unwrap_or(message)
}
