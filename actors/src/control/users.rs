//! Users and roles: created, listed and changed by an administrator.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::path_param;
use super::state::ControlState;
use crate::auth::name::check_name;
use crate::auth::password::check_policy;
use crate::auth::store::UserSummary;
use crate::auth::{Permission, Role};
use trader::time::Timestamp;

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
    /// A disabled user cannot log in; their sessions and API tokens were revoked when disabled.
    pub disabled: bool,
    /// False for a user who can only use API tokens (the first `admin`, until a password is set).
    pub has_password: bool,
    #[schema(value_type = mirror_schemas::Timestamp)]
    pub created: Timestamp,
    /// The last password login, if any.
    #[schema(value_type = Option<mirror_schemas::Timestamp>)]
    pub last_login: Option<Timestamp>,
}

impl From<UserSummary> for UserView {
    fn from(user: UserSummary) -> UserView {
        UserView {
            username: user.name,
            role: user.role,
            disabled: user.disabled,
            has_password: user.has_password,
            created: user.created,
            last_login: user.last_login,
        }
    }
}

/// Creates a user who can log in with the password given.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "users", operation_id = "create_user",
    request_body(content = CreateUserBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created (and journaled).", body = UserView),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 409, description = "A user or an active API token has this name (code `already_exists`).",
            body = ApiErrorBody),
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
    Ok((StatusCode::CREATED, Json(UserView::from(user))).into_response())
}

/// Every user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// By username.
    pub users: Vec<UserView>,
}

/// Lists every user, by name: role, whether disabled, when created and last logged in. Never a
/// password or hash.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "users", operation_id = "list_users",
    responses((status = 200, description = "Every user.", body = UserList)))]
pub async fn list(State(state): State<ControlState>) -> Json<UserList> {
    Json(UserList { users: state.auth.users().into_iter().map(UserView::from).collect() })
}

/// `PATCH /api/v1/admin/users/{username}`: every field optional, at least one given.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "risk", "disabled": false}))]
pub struct UpdateUserBody {
    pub role: Option<RoleName>,
    /// `true` disables the user at once: their sessions and the API tokens they own are revoked
    /// (and stay revoked if the user is enabled again).
    pub disabled: Option<bool>,
    /// A new password (at least 12 characters): every session of the user ends.
    pub password: Option<String>,
}

/// Changes a user's role, disables or enables them, or resets their password — all or nothing.
///
/// A role change applies to the user's next request, live sessions included, and revokes the API
/// tokens they own whose role the new one does not cover (disabling revokes all of them). No change
/// may leave the daemon without an enabled admin (409, code `last_admin`).
#[utoipa::path(patch, path = "/api/v1/admin/users/{username}", tag = "users", operation_id = "update_user",
    params(("username" = String, Path, description = "The user's name.")),
    request_body(content = UpdateUserBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed (and journaled); the user as now stored.", body = UserView),
        (status = 400, description = "Every bad field, named; `username` when it cannot be a username.",
            body = ApiErrorBody),
        (status = 404, description = "No such user.", body = ApiErrorBody),
        (status = 409, description = "The user is the last enabled admin (code `last_admin`).", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The journal cannot make the change durable.", body = ApiErrorBody),
    ))]
pub async fn update(
    State(state): State<ControlState>,
    Path(username): Path<String>,
    body: Bytes,
) -> Result<Json<UserView>, ApiError> {
    path_param::parse("username", &username, |s| check_name("username", s).map_err(|e| reason("username", e)))?;
    let mut f = Fields::parse(&body)?;
    let role = f.optional("role", |s| s.parse::<Role>().map_err(|e| reason("role", e)));
    let disabled = match f.raw("disabled").cloned() {
        None => None,
        Some(serde_json::Value::Bool(disabled)) => Some(disabled),
        Some(_) => {
            f.error("disabled", "must be true or false");
            None
        }
    };
    let password =
        f.optional("password", |s| check_policy(s).map(|()| s.to_owned()).map_err(|e| reason("password", e)));
    if f.errors.is_empty() && role.is_none() && disabled.is_none() && password.is_none() {
        f.error("body", "give at least one of role, disabled, password");
    }
    f.finish()?;
    let user = state.auth.update_user(&username, role, disabled, password).await?;
    tracing::info!(username = %user.name, role = %user.role, disabled = user.disabled, "user changed through the control plane");
    Ok(Json(UserView::from(user)))
}

/// A role and what it may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    #[schema(value_type = RoleName)]
    pub role: Role,
    /// The permissions of the role, from the one permission table every route is checked against.
    #[schema(value_type = Vec<PermissionName>)]
    pub permissions: Vec<Permission>,
}

/// Every role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    /// Least to most privileged.
    pub roles: Vec<RoleView>,
}

/// One permission a route may need (each route in this document names its own).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PermissionName {
    /// Read state: status, orders, positions, strategies, alerts, backtest results, metrics.
    Read,
    /// Place and modify orders.
    TradeOrders,
    /// Cancel open orders.
    CancelOrders,
    /// Start, stop and configure strategies.
    ManageStrategies,
    /// Add and remove alert rules.
    ManageAlerts,
    /// Submit backtest jobs.
    RunBacktests,
    /// Engage or release the kill switch.
    KillSwitch,
    /// Change risk limits.
    ManageRiskLimits,
    /// Create, disable and change users and API tokens.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Administer the daemon itself (config reload).
    Admin,
}

/// Lists the roles with their permissions, as the server checks them.
#[utoipa::path(get, path = "/api/v1/admin/roles", tag = "users", operation_id = "list_roles",
    responses((status = 200, description = "Every role and its permissions.", body = RoleList)))]
pub async fn roles() -> Json<RoleList> {
    Json(role_list())
}

fn role_list() -> RoleList {
    let roles = Role::ALL
        .into_iter()
        .map(|role| RoleView {
            role,
            permissions: Permission::ALL.into_iter().filter(|permission| role.allows(*permission)).collect(),
        })
        .collect();
    RoleList { roles }
}

/// The error's message without the `field: ` prefix the field map already says.
pub(super) fn reason(field: &str, error: impl std::fmt::Display) -> String {
    let message = error.to_string();
    message.strip_prefix(field).and_then(|rest| rest.strip_prefix(": ")).map(str::to_owned).unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_the_permission_table() {
        let list = role_list();
        let names: Vec<Role> = list.roles.iter().map(|r| r.role).collect();
        assert_eq!(names, Role::ALL);
        let risk = &list.roles[2];
        assert_eq!(
            risk.permissions,
            [Permission::Read, Permission::CancelOrders, Permission::KillSwitch, Permission::ManageRiskLimits]
        );
        assert_eq!(list.roles[0].permissions, [Permission::Read]);
        assert_eq!(list.roles[3].permissions, Permission::ALL);
        let json = serde_json::to_value(&list).unwrap();
        assert_eq!(json["roles"][2]["role"], "risk");
        assert_eq!(json["roles"][2]["permissions"][3], "manage_risk_limits");
    }

    #[test]
    fn documented_schemas_match_what_is_written() {
        use super::super::schema_check::{check, component};
        let doc = serde_json::to_value(super::super::openapi::document()).unwrap();
        let list = serde_json::to_value(role_list()).unwrap();
        assert!(check(&doc, component(&doc, "RoleList"), &list).is_empty());
        let user = UserView {
            username: "asha".into(),
            role: Role::Risk,
            disabled: true,
            has_password: true,
            created: Timestamp::from_nanos(5),
            last_login: None,
        };
        let user = serde_json::to_value(UserList { users: vec![user] }).unwrap();
        let errors = check(&doc, component(&doc, "UserList"), &user);
        assert!(errors.is_empty(), "{errors:#?}");
        let mut permissions: Vec<String> = Permission::ALL.iter().map(|p| p.as_str().to_owned()).collect();
        let mut documented: Vec<String> = component(&doc, "PermissionName")["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        permissions.sort();
        documented.sort();
        assert_eq!(permissions, documented);
    }
}
