//! API tokens for machines (Prometheus scrapes, scripts): named, one role, revocable.
//!
//! A token's secret is shown once, in the answer that creates it; the daemon keeps only its
//! SHA-256. The id in listings is the part of the token between `trd_` and the secret: it finds a
//! token, it does not authenticate.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use trader::time::Timestamp;
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::path_param;
use super::state::ControlState;
use super::users::{reason, RoleName};
use crate::auth::hex;
use crate::auth::name::check_name;
use crate::auth::store::ApiTokenSummary;
use crate::auth::{Principal, Role};

/// An API token as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenView {
    /// Finds the token (to revoke it); not a credential.
    pub id: String,
    pub name: String,
    #[schema(value_type = RoleName)]
    pub role: Role,
    /// The user it was created by and for: disabling that user revokes it.
    pub owner: String,
    #[schema(value_type = mirror_schemas::Timestamp)]
    pub created: Timestamp,
}

impl From<ApiTokenSummary> for ApiTokenView {
    fn from(token: ApiTokenSummary) -> ApiTokenView {
        ApiTokenView { id: token.id, name: token.name, role: token.role, owner: token.owner, created: token.created }
    }
}

/// Every active API token. Last use is not tracked: that would be a journal write per request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenList {
    /// By name.
    pub tokens: Vec<ApiTokenView>,
}

/// `POST /api/v1/admin/tokens`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "prometheus", "role": "viewer"}))]
pub struct CreateTokenBody {
    /// Unique among active tokens; 1 to 32 characters: ASCII letters, digits, `.`, `_` and `-`.
    pub name: String,
    pub role: RoleName,
}

/// A new API token, with its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiToken {
    /// `trd_<id>_<secret>`: send it as `Authorization: Bearer <token>`. Shown only here, once.
    pub token: String,
    #[serde(flatten)]
    pub details: ApiTokenView,
}

/// Lists the active API tokens: id, name, role, owner and creation time, never a secret.
#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "users", operation_id = "list_api_tokens",
    responses((status = 200, description = "Every active API token.", body = ApiTokenList)))]
pub async fn list(State(state): State<ControlState>) -> Json<ApiTokenList> {
    Json(ApiTokenList { tokens: state.auth.api_tokens().into_iter().map(ApiTokenView::from).collect() })
}

/// Creates an API token with one role, owned by the caller (for a caller using an API token: by
/// that token's owner). The answer is the only time the token is shown. The owner must be enabled
/// and have every permission of the token's role (403 otherwise): a token never outranks its
/// owner, and demoting the owner revokes the tokens the new role does not cover.
#[utoipa::path(post, path = "/api/v1/admin/tokens", tag = "users", operation_id = "create_api_token",
    request_body(content = CreateTokenBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created (and journaled); keep `token`, it is not shown again.",
            body = CreatedApiToken),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 409, description = "An active token or a user other than the owner has this name (code \
            `already_exists`): users and tokens share one name space.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The journal cannot make the token durable.", body = ApiErrorBody),
    ))]
pub async fn create(
    State(state): State<ControlState>,
    caller: Option<Extension<Principal>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut f = Fields::parse(&body)?;
    let name = f.required("name", |s| check_name("name", s).map(|()| s.to_owned()).map_err(|e| reason("name", e)));
    let role = f.required("role", |s| s.parse::<Role>().map_err(|e| reason("role", e)));
    f.finish()?;
    let (Some(name), Some(role)) = (name, role) else {
        return Err(ApiError::invalid(Default::default()));
    };
    let owner = caller.and_then(|Extension(principal)| state.auth.owner_of(&principal));
    // The gate let the caller through, so it has an owner, unless its token was revoked since.
    let Some(owner) = owner else {
        return Err(ApiError::unauthenticated("token_revoked", "token: revoked"));
    };
    let (token, details) = state.auth.create_api_token(&name, role, &owner).await?;
    tracing::info!(name = %details.name, role = %details.role, %owner, "API token created through the control plane");
    let created = CreatedApiToken { token, details: details.into() };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Bytes in an API token's id, written as twice as many lowercase hex digits (the id part of
/// `trd_<id>_<secret>`; a test below checks a minted token's id passes).
const TOKEN_ID_BYTES: usize = 16;

/// What a token id must be.
const TOKEN_ID_RULE: &str = "must be a token id: 32 lowercase hex digits, as listed";

/// Revokes an API token: the next request with it is refused (401).
#[utoipa::path(delete, path = "/api/v1/admin/tokens/{id}", tag = "users", operation_id = "revoke_api_token",
    params(("id" = String, Path, description = "The token's id, from the list.")),
    responses(
        (status = 200, description = "Revoked (and journaled); the token as it was.", body = ApiTokenView),
        (status = 400, description = "`id` cannot be a token id (32 lowercase hex digits).", body = ApiErrorBody),
        (status = 404, description = "No active token has this id.", body = ApiErrorBody),
        (status = 503, description = "The journal cannot make the revocation durable.", body = ApiErrorBody),
    ))]
pub async fn revoke(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<ApiTokenView>, ApiError> {
    path_param::parse("id", &id, |s| hex::decode::<TOKEN_ID_BYTES>(s).ok_or(TOKEN_ID_RULE))?;
    let token = state.auth.revoke_api_token(&id).await?;
    tracing::info!(name = %token.name, "API token revoked through the control plane");
    Ok(Json(token.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_are_told_from_text_that_cannot_be_one() {
        use crate::auth::opaque_token::OpaqueKind;
        let minted = OpaqueKind::Api.mint().unwrap();
        assert!(hex::decode::<TOKEN_ID_BYTES>(&minted.id).is_some(), "{}", minted.id);
        for bad in ["", "not an id?!", &"0".repeat(31), &"0".repeat(33), &"A".repeat(32), &minted.text] {
            assert!(hex::decode::<TOKEN_ID_BYTES>(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn documented_schemas_match_what_is_written() {
        use super::super::schema_check::{check, component};
        let doc = serde_json::to_value(super::super::openapi::document()).unwrap();
        let view = |owner: &str| ApiTokenView {
            id: "0a".repeat(16),
            name: "ci".into(),
            role: Role::Viewer,
            owner: owner.to_owned(),
            created: Timestamp::from_nanos(7),
        };
        let list = serde_json::to_value(ApiTokenList { tokens: vec![view("asha"), view("admin")] }).unwrap();
        let errors = check(&doc, component(&doc, "ApiTokenList"), &list);
        assert!(errors.is_empty(), "{errors:#?}");
        let created = CreatedApiToken { token: "trd_x_y".into(), details: view("asha") };
        let created = serde_json::to_value(created).unwrap();
        assert_eq!(created["token"], "trd_x_y");
        assert_eq!(created["owner"], "asha");
        let errors = check(&doc, component(&doc, "CreatedApiToken"), &created);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
