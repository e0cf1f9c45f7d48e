//! The control plane: axum on hyper, JSON everywhere, one error shape (ARCHITECTURE §6). It turns
//! requests into typed messages to the actors and answers from what they reply.
//!
//! Every route is a row of the table in [`routes`]: the router and the OpenAPI document
//! (`/api/v1/openapi.json`, rendered at `/docs`) are both built from it, so add routes there,
//! never with `.route(...)` here.
//!
//! Every route declares who may call it in the same table; one middleware ([`auth_gate`]) checks
//! the bearer token against it. Outside it, [`audit_layer`] records every mutating request, refused
//! or not, in the hash-chained audit log. The server still refuses any address that is not
//! loopback: remote access waits for TLS and rate limits.

mod admin;
mod alerts;
pub mod audit_layer;
mod audit_routes;
pub mod auth_gate;
pub mod auth_routes;
pub mod auth_service;
mod backtests;
mod body;
mod csp_hash;
mod docs;
pub mod error;
mod health;
mod market;
pub mod mirror_schemas;
pub mod openapi;
pub mod order_view;
mod orders;
mod portfolio;
pub mod request_bodies;
pub mod routes;
#[cfg(test)]
mod schema_check;
pub mod state;
mod status;
mod strategies;
mod stream;
pub mod users;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;

pub use state::ControlState;

/// Largest request body accepted: orders and alert rules are a few hundred bytes.
const BODY_LIMIT: usize = 64 * 1024;

/// The message of the 404 for a path no route matches (tests tell it from a handler's 404).
pub const NO_ROUTE: &str = "no such route";

/// The control plane's routes ([`routes::ROUTES`]) with the shared state, a JSON 404 for anything
/// else, and the body limit.
pub fn router(state: ControlState) -> Router {
    routes::api_router()
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth_gate::require_permission))
        // Outside the gate, so the gate's refusals are audited too.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), audit_layer::record_mutations))
        .fallback(|| async { error::ApiError::not_found(NO_ROUTE) })
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .with_state(state)
}

/// Why the control plane could not start.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("refusing to listen on {0}: not a loopback address, and the control plane has no TLS or rate limits yet")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {error}")]
    Io { addr: SocketAddr, error: std::io::Error },
}

/// Binds the listener (loopback only).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, BindError> {
    if !addr.ip().is_loopback() {
        return Err(BindError::NotLoopback(addr));
    }
    TcpListener::bind(addr).await.map_err(|error| BindError::Io { addr, error })
}

/// Serves until `shutdown` resolves.
pub async fn serve(listener: TcpListener, state: ControlState, shutdown: impl Future<Output = ()> + Send + 'static) {
    if let Err(e) = axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await {
        tracing::error!(error = %e, "control plane stopped");
    }
}
