//! The audit middleware: every mutating request (POST, PUT, PATCH, DELETE) to a route of the table
//! becomes one audit entry after its handler (or the auth gate's refusal) answered.
//!
//! It wraps the auth gate, so refusals (401, 403) are recorded too; the gate leaves the verified
//! [`Principal`] in the response's extensions for it. Recorded: who, role, method, the route's
//! template (never the raw URI, which may carry a `?token=`), status and outcome — never bodies.
//! Requests no route matches (the JSON 404) are not audited: they reach no handler.

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use trader::time::{Clock, LiveClock};

use super::state::ControlState;
use crate::audit::AuditRequest;
use crate::auth::Principal;

/// The name recorded for a request without a verified principal.
pub const ANONYMOUS: &str = "anonymous";

/// Whether requests with `method` change something and so are audited.
pub fn is_mutating(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
}

/// The middleware (`axum::middleware::from_fn_with_state`, as a route layer outside the gate).
///
/// The response waits until the entry is durable ("audited before answered"). The append runs in
/// its own task so a client that hangs up after the handler ran cannot cancel the entry. If the
/// journal refuses it the response still goes out — the action already happened — and the
/// failure is logged as an error.
pub async fn record_mutations(
    State(state): State<ControlState>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    if !is_mutating(request.method()) {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let path = matched.map_or_else(|| "(unmatched)".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    let (who, role) = match response.extensions().get::<Principal>() {
        Some(principal) => (principal.name.clone(), Some(principal.role)),
        None => (ANONYMOUS.to_owned(), None),
    };
    let entry = AuditRequest { who, role, method, path, status: response.status().as_u16() };
    let audit = std::sync::Arc::clone(&state.audit);
    let task = tokio::spawn(async move {
        let (method, path) = (entry.method.clone(), entry.path.clone());
        if let Err(error) = audit.record(entry, LiveClock.now()).await {
            tracing::error!(%error, %method, %path, "mutating request not audited");
        }
    });
    let _ = task.await;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_mutating_methods_are_audited() {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(is_mutating(&method), "{method}");
        }
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert!(!is_mutating(&method), "{method}");
        }
    }
}
