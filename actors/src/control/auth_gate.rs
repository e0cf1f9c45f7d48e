//! The authorisation gate: one middleware in front of every route. It looks up the route's
//! [`Access`] in the route table, verifies the bearer token, and answers 401 (no or bad token) or
//! 403 (the role lacks the permission) before the handler runs. Handlers that need to know who
//! called read the [`Principal`] from the request's extensions; the audit layer outside this gate
//! reads it from the response's (set on 403s too).

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::routes::{self, Access};
use super::state::ControlState;
use crate::auth::{Permission, Principal};

/// The middleware (`axum::middleware::from_fn_with_state`). A route missing from the table —
/// which the router never produces — needs the `admin` permission, so a gap fails closed.
pub async fn require_permission(
    State(state): State<ControlState>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let access = matched
        .as_ref()
        .and_then(|path| routes::access(request.method().as_str(), path.as_str()))
        .unwrap_or(Access::Needs(Permission::Admin));
    let Some(permission) = access.permission(state.auth.metrics_public) else {
        return next.run(request).await;
    };
    let query_token = match access {
        Access::NeedsQueryTokenAllowed(_) => query_token(request.uri().query()),
        _ => None,
    };
    let Some(token) = bearer(request.headers()).or(query_token) else {
        return ApiError::unauthenticated("unauthenticated", "this route needs `Authorization: Bearer <token>`")
            .into_response();
    };
    let principal = match state.auth.verify_bearer(&token) {
        Ok(principal) => principal,
        Err(error) => return ApiError::unauthenticated(error.code(), error.to_string()).into_response(),
    };
    if !principal.allows(permission) {
        let mut response = forbidden(&principal, permission).into_response();
        response.extensions_mut().insert(principal);
        return response;
    }
    request.extensions_mut().insert(principal.clone());
    let mut response = next.run(request).await;
    // For the audit layer outside this gate: who the request acted as. Extensions are never sent.
    response.extensions_mut().insert(principal);
    response
}

fn forbidden(principal: &Principal, permission: Permission) -> ApiError {
    ApiError::forbidden(format!("role `{}` lacks the permission `{permission}` this route needs", principal.role))
}

/// The credential of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235), if the
/// header is present and well-formed.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The `token` query parameter, percent-decoded. Never logged.
fn query_token(query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(query?)?;
    pairs.into_iter().find(|(key, value)| key == "token" && !value.is_empty()).map(|(_, value)| value)
}

/// Parses a query string the way axum's `Query` does.
fn serde_urlencoded_pairs(query: &str) -> Option<Vec<(String, String)>> {
    let uri: axum::http::Uri = format!("/?{query}").parse().ok()?;
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri).ok().map(|axum::extract::Query(pairs)| pairs)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_reads_only_the_bearer_scheme() {
        assert_eq!(bearer(&headers("Bearer abc.def")), Some("abc.def".to_owned()));
        assert_eq!(bearer(&headers("bearer  trd_x_y ")), Some("trd_x_y".to_owned()));
        assert_eq!(bearer(&headers("Basic YWRtaW46cHc=")), None);
        assert_eq!(bearer(&headers("Bearer")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn query_token_is_decoded_and_empty_is_none() {
        assert_eq!(query_token(Some("topics=orders&token=a%2Bb.c")), Some("a+b.c".to_owned()));
        assert_eq!(query_token(Some("token=")), None);
        assert_eq!(query_token(Some("topics=orders")), None);
        assert_eq!(query_token(None), None);
    }

    #[test]
    fn every_route_but_the_public_ones_needs_a_permission() {
        use crate::auth::Permission as P;
        let public: Vec<&str> = routes::ROUTE_ACCESS
            .iter()
            .filter(|(_, _, access)| access.permission(false).is_none())
            .map(|(_, path, _)| *path)
            .collect();
        assert_eq!(
            public,
            ["/healthz", "/readyz", "/docs", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"]
        );
        assert_eq!(routes::access("get", "/metrics").and_then(|a| a.permission(false)), Some(P::Read));
        assert_eq!(routes::access("get", "/metrics").and_then(|a| a.permission(true)), None);
        assert_eq!(routes::access("HEAD", "/api/v1/orders").and_then(|a| a.permission(false)), Some(P::Read));
        assert_eq!(routes::access("post", "/api/v1/orders").and_then(|a| a.permission(false)), Some(P::TradeOrders));
        assert_eq!(
            routes::access("post", "/api/v1/admin/kill-switch").and_then(|a| a.permission(false)),
            Some(P::KillSwitch)
        );
        assert_eq!(
            routes::access("post", "/api/v1/admin/users").and_then(|a| a.permission(false)),
            Some(P::ManageUsers)
        );
        assert_eq!(routes::access("put", "/api/v1/orders"), None);
    }
}
