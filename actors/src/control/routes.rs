//! The one table of routes. The router and the OpenAPI document are both built from it, so the
//! document lists exactly the routes the server has; a test checks that each handler's
//! `#[utoipa::path]` names the same method and path as its row.

use axum::Router;

use super::state::ControlState;
use super::{admin, alerts, backtests, docs, health, market, openapi, orders, portfolio, status, strategies, stream};

/// Declares the table. Each row is `method "path" => module::handler;`. A route whose handler
/// cannot carry `#[utoipa::path]` names its documentation item after `doc`:
/// `get "/api/v1/stream" => stream::stream, doc openapi::event_stream;`.
macro_rules! route_table {
    ($(
        $method:ident $path:literal => $module:ident :: $handler:ident $(, doc $dmodule:ident :: $dhandler:ident)?;
    )*) => {
        /// Every route as (lowercase method, path), in table order.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        /// The router with every route of the table and no state yet.
        pub fn api_router() -> Router<ControlState> {
            Router::new()$(.route($path, axum::routing::$method($module::$handler)))*
        }

        route_docs!([] $($module::$handler $(, doc $dmodule::$dhandler)?;)*);
    };
}

/// Collects each row's documentation item (its handler, or its `doc` item) into one
/// `#[openapi(paths(...))]`; attribute arguments cannot contain macro calls, hence the muncher.
macro_rules! route_docs {
    ([$($done:tt)*]) => {
        /// The `#[utoipa::path]` items of every route in the table.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($done)*))]
        pub struct RouteDocs;
    };
    ([$($done:tt)*] $module:ident :: $handler:ident, doc $dmodule:ident :: $dhandler:ident; $($rest:tt)*) => {
        route_docs!([$($done)* $dmodule::$dhandler,] $($rest)*);
    };
    ([$($done:tt)*] $module:ident :: $handler:ident; $($rest:tt)*) => {
        route_docs!([$($done)* $module::$handler,] $($rest)*);
    };
}

route_table! {
    get "/healthz" => health::healthz;
    get "/readyz" => health::readyz;
    get "/metrics" => health::metrics;
    get "/api/v1/status" => status::status;
    get "/api/v1/instruments" => market::instruments;
    get "/api/v1/market/quotes" => market::quotes;
    get "/api/v1/market/bars/{instrument}" => market::bars;
    get "/api/v1/orders" => orders::list;
    post "/api/v1/orders" => orders::place;
    get "/api/v1/orders/{order_id}" => orders::get;
    delete "/api/v1/orders/{order_id}" => orders::cancel;
    get "/api/v1/positions" => portfolio::positions;
    get "/api/v1/portfolio" => portfolio::portfolio;
    get "/api/v1/fills" => portfolio::fills;
    get "/api/v1/strategies" => strategies::list;
    post "/api/v1/strategies/{id}/start" => strategies::start;
    post "/api/v1/strategies/{id}/stop" => strategies::stop;
    get "/api/v1/alerts" => alerts::list;
    post "/api/v1/alerts" => alerts::create;
    delete "/api/v1/alerts/{id}" => alerts::delete;
    post "/api/v1/admin/kill-switch" => admin::kill_switch;
    post "/api/v1/backtests" => backtests::submit;
    get "/api/v1/backtests/{id}" => backtests::status;
    get "/api/v1/backtests/{id}/report" => backtests::report;
    get "/api/v1/stream" => stream::stream, doc openapi::event_stream;
    get "/api/v1/openapi.json" => openapi::document_json;
    get "/docs" => docs::page;
}
