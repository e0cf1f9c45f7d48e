//! The control plane: axum on hyper, JSON everywhere, one error shape (ARCHITECTURE §6). It turns
//! requests into typed messages to the actors and answers from what they reply.
//!
//! Every route is a row of the table in [`routes`]: the router and the OpenAPI document
//! (`/api/v1/openapi.json`, rendered at `/docs`) are both built from it, so add routes there,
//! never with `.route(...)` here.
//!
//! Every route declares who may call it in the same table; one middleware ([`auth_gate`]) checks
//! the bearer token against it. Rate limits ([`rate_limit`]) run per client IP before the gate and
//! per user after it; between the IP limits and the gate, [`audit_layer`] records every mutating
//! request, refused or not, in the hash-chained audit log; security headers ([`security_headers`]) go
//! on every answer. With `[api.tls]` the same router is served over HTTPS ([`tls`]; the certificate
//! reloads on SIGHUP, [`cert_store`]) with HSTS, and may listen beyond loopback; without it the
//! server refuses any address that is not loopback.

mod admin;
mod alerts;
mod analytics;
pub mod audit_layer;
mod audit_routes;
pub mod auth_gate;
pub mod auth_routes;
pub mod auth_service;
mod backtests;
mod body;
pub mod body_deadline;
pub mod cert_store;
mod cors;
mod csp_hash;
mod docs;
pub mod error;
mod health;
mod market;
pub mod mirror_schemas;
pub mod openapi;
pub mod order_view;
mod orders;
mod path_param;
mod portfolio;
pub mod rate_limit;
pub mod request_bodies;
pub mod risk_limits;
pub mod routes;
#[cfg(test)]
mod schema_check;
pub mod security_headers;
pub mod state;
mod status;
mod strategies;
mod stream;
pub mod tls;
pub mod tokens;
pub mod users;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::middleware::{from_fn_with_state, map_response_with_state};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;

pub use security_headers::SecurityHeaders;
pub use state::ControlState;

/// Largest request body accepted: orders and alert rules are a few hundred bytes.
const BODY_LIMIT: usize = 64 * 1024;

/// The message of the 404 for a path no route matches (tests tell it from a handler's 404).
pub const NO_ROUTE: &str = "no such route";

/// The control plane over plain HTTP: [`router_with`] without HSTS.
pub fn router(state: ControlState) -> Router {
    router_with(state, SecurityHeaders::plain_http())
}

/// The control plane's routes ([`routes::ROUTES`]) with the shared state, a JSON 404 for anything
/// else, the body limit, rate limits, CORS when configured, and `headers` on every answer.
///
/// A request passes, outermost first: the security headers, CORS, the body limit, then (routed
/// requests only) the per-IP limits, the auth gate, the per-user limits, and the handler. Between
/// the body limit and the routing, the body is read within [`body_deadline::BODY_READ_TIMEOUT`].
pub fn router_with(state: ControlState, headers: SecurityHeaders) -> Router {
    let cors = cors::layer(&state.api.cors);
    let mut router = routes::api_router()
        .route_layer(from_fn_with_state(state.clone(), rate_limit::limit_by_user))
        .route_layer(from_fn_with_state(state.clone(), auth_gate::require_permission))
        // Outside the gate, so its refusals are audited too; inside the per-IP limits, so a flood
        // refused with 429 cannot make the journal write an entry per request.
        .route_layer(from_fn_with_state(state.clone(), audit_layer::record_mutations))
        .route_layer(from_fn_with_state(state.clone(), rate_limit::limit_by_client))
        .fallback(|| async { error::ApiError::not_found(NO_ROUTE) })
        // Inside the size limit: what it reads is already bounded.
        .layer(from_fn_with_state(body_deadline::BODY_READ_TIMEOUT, body_deadline::read_within))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT));
    if let Some(cors) = cors {
        router = router.layer(cors);
    }
    router.layer(map_response_with_state(Arc::new(headers), security_headers::add)).with_state(state)
}

/// Why the control plane could not start.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("refusing to listen: {0}")]
    NotLoopback(String),
    #[error("cannot listen on {addr}: {error}")]
    Io { addr: SocketAddr, error: std::io::Error },
}

/// [`bind`]'s check alone, so the daemon can refuse before it starts anything.
pub fn check_listen(addr: SocketAddr, tls: bool) -> Result<(), BindError> {
    trader::config::listen_exposure(addr, tls).map_err(BindError::NotLoopback)
}

/// Binds the listener: loopback always, any other address only when `tls` is on
/// ([`trader::config::listen_exposure`], the same rule the config file is checked against).
pub async fn bind(addr: SocketAddr, tls: bool) -> Result<TcpListener, BindError> {
    check_listen(addr, tls)?;
    TcpListener::bind(addr).await.map_err(|error| BindError::Io { addr, error })
}

/// Serves until `shutdown` resolves — over HTTPS with HSTS when `tls` is given, else plain HTTP —
/// recording each connection's peer address for the per-IP rate limits and dropping idle
/// rate-limit buckets every [`rate_limit::RETAIN_EVERY`].
pub async fn serve(
    listener: TcpListener,
    state: ControlState,
    tls: Option<tls::TlsServer>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = Arc::clone(&state.limits);
    let sweeper = tokio::spawn(async move {
        let mut every = tokio::time::interval(rate_limit::RETAIN_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            limits.retain_recent();
        }
    });
    match tls {
        Some(tls) => {
            let app = router_with(state, SecurityHeaders::over_tls(tls.hsts_max_age));
            tls::serve(listener, app, tls.config, shutdown).await;
        }
        None => {
            let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                tracing::error!(error = %e, "control plane stopped");
            }
        }
    }
    sweeper.abort();
}
