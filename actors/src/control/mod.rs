//! The control plane: axum on hyper, JSON everywhere, one error shape (ARCHITECTURE §6). It turns
//! requests into typed messages to the actors and answers from what they reply.
//!
//! Authentication arrives with the API issue; until then the server refuses any address that is
//! not loopback.

mod admin;
mod alerts;
mod backtests;
mod body;
pub mod error;
mod health;
mod market;
pub mod order_view;
mod orders;
mod portfolio;
pub mod state;
mod status;
mod strategies;

use std::future::Future;
use std::net::SocketAddr;

use axum::routing::{delete, get, post};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;

pub use state::ControlState;

/// Largest request body accepted: orders and alert rules are a few hundred bytes.
const BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: ControlState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/status", get(status::status))
        .route("/api/v1/instruments", get(market::instruments))
        .route("/api/v1/market/quotes", get(market::quotes))
        .route("/api/v1/market/bars/{instrument}", get(market::bars))
        .route("/api/v1/orders", get(orders::list).post(orders::place))
        .route("/api/v1/orders/{order_id}", get(orders::get).delete(orders::cancel))
        .route("/api/v1/positions", get(portfolio::positions))
        .route("/api/v1/portfolio", get(portfolio::portfolio))
        .route("/api/v1/fills", get(portfolio::fills))
        .route("/api/v1/strategies", get(strategies::list))
        .route("/api/v1/strategies/{id}/start", post(strategies::start))
        .route("/api/v1/strategies/{id}/stop", post(strategies::stop))
        .route("/api/v1/alerts", get(alerts::list).post(alerts::create))
        .route("/api/v1/alerts/{id}", delete(alerts::delete))
        .route("/api/v1/admin/kill-switch", post(admin::kill_switch))
        .route("/api/v1/backtests", post(backtests::submit))
        .route("/api/v1/backtests/{id}", get(backtests::status))
        .route("/api/v1/backtests/{id}/report", get(backtests::report))
        .fallback(|| async { error::ApiError::not_found("no such route") })
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .with_state(state)
}

/// Why the control plane could not start.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("refusing to listen on {0}: not a loopback address, and the control plane has no authentication yet")]
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
