//! Sessions: log in with a password, rotate a refresh token, log out; and a user's own password
//! change.
//!
//! These routes are public in the route table: each one authenticates by the credential it is
//! given (a password, a refresh token, or the token being revoked), and login and refresh are how a
//! client gets a bearer token in the first place.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth_gate::bearer;
use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::state::ControlState;
use crate::auth::password::check_policy;
use crate::auth::{Principal, Tokens, Via};

/// `POST /api/v1/auth/login`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "asha", "password": "correct horse battery staple"}))]
pub struct LoginBody {
    pub username: String,
    /// At least 12 characters.
    pub password: String,
}

/// `POST /api/v1/auth/refresh`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    /// The refresh token from the last login or refresh; it is spent by this request.
    pub refresh_token: String,
}

/// `POST /api/v1/auth/logout`: the session's refresh token, or no body to end the session of
/// the bearer access token.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutBody {
    pub refresh_token: Option<String>,
}

/// A new access token and refresh token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// A short-lived HS256 JWT: send it as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Exchange it at `/api/v1/auth/refresh` for a new pair before the session ends. Single use:
    /// presenting it twice revokes the session.
    pub refresh_token: String,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
}

impl From<Tokens> for TokenPair {
    fn from(tokens: Tokens) -> TokenPair {
        TokenPair {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
        }
    }
}

/// A logout's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedOut {
    /// Always true; logging out twice is not an error.
    pub logged_out: bool,
}

fn text(s: &str) -> Result<String, String> {
    Ok(s.to_owned())
}

/// Logs in with a username and password; starts a session.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    request_body(content = LoginBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A session started.", body = TokenPair),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 401, description = "Wrong username or password (code `invalid_credentials`); which one is \
            not said.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The journal cannot make the session durable.", body = ApiErrorBody),
    ))]
pub async fn login(State(state): State<ControlState>, body: Bytes) -> Result<Json<TokenPair>, ApiError> {
    let mut f = Fields::parse(&body)?;
    let username = f.required("username", text);
    let password = f.required("password", text);
    f.finish()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::invalid(Default::default()));
    };
    Ok(Json(state.auth.login(username, password).await?.into()))
}

/// Rotates a refresh token: the one sent is spent, a new pair is returned.
///
/// Presenting a refresh token that was already rotated revokes its whole session (code
/// `refresh_token_reused`): someone else may hold a copy.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", operation_id = "refresh",
    request_body(content = RefreshBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A new pair; the old refresh token is spent.", body = TokenPair),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The journal cannot make the rotation durable.", body = ApiErrorBody),
    ))]
pub async fn refresh(State(state): State<ControlState>, body: Bytes) -> Result<Json<TokenPair>, ApiError> {
    let mut f = Fields::parse(&body)?;
    let token = f.required("refresh_token", text);
    f.finish()?;
    let token = token.ok_or_else(|| ApiError::invalid(Default::default()))?;
    Ok(Json(state.auth.refresh(&token).await?.into()))
}

/// Ends a session: the one of `refresh_token` if given, else the one of the bearer access token
/// (which is revoked at once too).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    request_body(content = Option<LogoutBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "The session is revoked.", body = LoggedOut),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 401, description = "No token, or one that is not a session's.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The journal cannot make the revocation durable.", body = ApiErrorBody),
    ))]
pub async fn logout(
    State(state): State<ControlState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LoggedOut>, ApiError> {
    let from_body = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let mut f = Fields::parse(&body)?;
        let token = f.optional("refresh_token", text);
        f.finish()?;
        token
    };
    let Some(token) = from_body.or_else(|| bearer(&headers)) else {
        return Err(ApiError::unauthenticated(
            "unauthenticated",
            "send the session's refresh token in the body or its access token as `Authorization: Bearer`",
        ));
    };
    state.auth.logout(&token).await?;
    Ok(Json(LoggedOut { logged_out: true }))
}

/// `POST /api/v1/auth/password`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "correct horse battery staple",
    "new_password": "a longer and newer passphrase"}))]
pub struct ChangePasswordBody {
    /// The password now.
    pub current_password: String,
    /// At least 12 characters, and not the current one. Stored only as an argon2id hash.
    pub new_password: String,
}

/// A password change's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChanged {
    /// Always true.
    pub changed: bool,
}

/// Changes the caller's own password. The session the request comes from stays; every other
/// session of the user ends (their refresh tokens stop working). Needs an access token from a
/// password login: an API token has no password (403, code `session_required`).
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", operation_id = "change_password",
    request_body(content = ChangePasswordBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed (and journaled).", body = PasswordChanged),
        (status = 400, description = "Every bad field, named; a wrong `current_password` is code \
            `wrong_password`.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The journal cannot make the change durable.", body = ApiErrorBody),
    ))]
pub async fn change_password(
    State(state): State<ControlState>,
    caller: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PasswordChanged>, ApiError> {
    let mut f = Fields::parse(&body)?;
    let current = f.required("current_password", text);
    let new = f.required("new_password", |s| {
        check_policy(s).map(|()| s.to_owned()).map_err(|e| super::users::reason("password", e))
    });
    if let (Some(current), Some(new)) = (&current, &new) {
        if current == new {
            f.error("new_password", "must differ from the current password");
        }
    }
    f.finish()?;
    let (Some(current), Some(new)) = (current, new) else {
        return Err(ApiError::invalid(Default::default()));
    };
    // The gate put the caller there; without it the route was reached without the gate.
    let Some(Extension(caller)) = caller else {
        return Err(ApiError::unauthenticated("unauthenticated", "this route needs `Authorization: Bearer <token>`"));
    };
    let session = match (&caller.via, bearer(&headers)) {
        (Via::Session, Some(token)) => token,
        _ => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "session_required",
                "an API token has no password: log in as the user to change theirs, or have an admin reset it",
            ))
        }
    };
    state.auth.change_password(caller.name.clone(), &session, current, new).await?;
    tracing::info!(username = %caller.name, "password changed by its user");
    Ok(Json(PasswordChanged { changed: true }))
}
