//! The control plane's one error shape (ARCHITECTURE §6):
//! `{"error": {"code": "...", "message": "...", "fields": {"path": "reason"}}}`.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer: its status and the body's fields.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError { status, code: code.into(), message: message.into(), fields: BTreeMap::new() }
    }

    /// 400 naming each bad field and why.
    pub fn invalid(fields: BTreeMap<String, String>) -> ApiError {
        let message = match fields.len() {
            1 => "1 field is invalid".to_owned(),
            n => format!("{n} fields are invalid"),
        };
        ApiError { status: StatusCode::BAD_REQUEST, code: "invalid_request".into(), message, fields }
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// 401: no credential, or one that does not verify. Answered with `WWW-Authenticate: Bearer`.
    pub fn unauthenticated(code: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: a verified caller whose role lacks the permission.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
}

/// The body of every error answer; the OpenAPI document describes errors with it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": {"code": "invalid_request", "message": "1 field is invalid",
    "fields": {"quantity": "`0` is not a positive whole number of units"}}}))]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorDetail {
    /// Stable and machine-readable, e.g. `invalid_request`, `not_found`, `unavailable`, or a risk
    /// refusal such as `max_order_notional`.
    pub code: String,
    /// For people; may change between versions.
    pub message: String,
    /// Each bad field (a JSON path or a query parameter) and why; empty unless the request was invalid.
    pub fields: BTreeMap<String, String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let body =
            ApiErrorBody { error: ApiErrorDetail { code: self.code, message: self.message, fields: self.fields } };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: a 401 names the scheme the client should use.
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// An actor call that did not answer in time or whose actor is down.
pub fn actor_unavailable(actor: &str) -> ApiError {
    ApiError::unavailable(format!("the {actor} is not answering; try again"))
}
