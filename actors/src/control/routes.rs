//! The one table of routes. The router, the OpenAPI document and the authorisation gate are all
//! built from it, so the document lists exactly the routes the server has and every route declares
//! who may call it; a test checks that each handler's `#[utoipa::path]` names the same method and
//! path as its row.

use axum::Router;

use super::state::ControlState;
use super::{
    admin, alerts, analytics, audit_routes, auth_routes, backtests, docs, health, market, openapi, orders, portfolio,
    risk_limits, status, strategies, stream, tokens, users,
};
use crate::auth::Permission;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health checks, the documentation page (it asks for a token to fetch the document),
    /// and the routes that hand out tokens.
    Public,
    /// `/metrics`: `read`, unless the config sets `metrics.public = true`.
    Metrics,
    /// A bearer token whose role has this permission.
    Needs(Permission),
    /// Like `Needs`, and the token may also come as `?token=`: browsers cannot set headers on a
    /// WebSocket. Only for the stream, since URLs end up in logs.
    NeedsQueryTokenAllowed(Permission),
}

impl Access {
    /// The permission a caller needs, if any, given whether metrics are public.
    pub fn permission(self, metrics_public: bool) -> Option<Permission> {
        match self {
            Access::Public => None,
            Access::Metrics if metrics_public => None,
            Access::Metrics => Some(Permission::Read),
            Access::Needs(permission) | Access::NeedsQueryTokenAllowed(permission) => Some(permission),
        }
    }
}

const PUBLIC: Access = Access::Public;
const METRICS: Access = Access::Metrics;
const READ: Access = Access::Needs(Permission::Read);
const TRADE: Access = Access::Needs(Permission::TradeOrders);
const CANCEL: Access = Access::Needs(Permission::CancelOrders);
const STRATEGIES: Access = Access::Needs(Permission::ManageStrategies);
const ALERTS: Access = Access::Needs(Permission::ManageAlerts);
const BACKTESTS: Access = Access::Needs(Permission::RunBacktests);
const KILL_SWITCH: Access = Access::Needs(Permission::KillSwitch);
const RISK_LIMITS: Access = Access::Needs(Permission::ManageRiskLimits);
const ADMIN: Access = Access::Needs(Permission::Admin);
const USERS: Access = Access::Needs(Permission::ManageUsers);
const AUDIT: Access = Access::Needs(Permission::ReadAudit);
const STREAM: Access = Access::NeedsQueryTokenAllowed(Permission::Read);

/// Declares the table. Each row is `method "path" [access] => module::handler;`. A route whose
/// handler cannot carry `#[utoipa::path]` names its documentation item after `doc`:
/// `get "/api/v1/stream" [STREAM] => stream::stream, doc openapi::event_stream;`.
macro_rules! route_table {
    ($(
        $method:ident $path:literal [$access:expr] => $module:ident :: $handler:ident
            $(, doc $dmodule:ident :: $dhandler:ident)?;
    )*) => {
        /// Every route as (lowercase method, path), in table order.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        /// Every route as (lowercase method, path, access), in table order.
        pub const ROUTE_ACCESS: &[(&str, &str, Access)] = &[$((stringify!($method), $path, $access)),*];

        /// The router with every route of the table and no state yet.
        pub fn api_router() -> Router<ControlState> {
            Router::new()$(.route($path, axum::routing::$method($module::$handler)))*
        }

        route_docs!([] $($module::$handler $(, doc $dmodule::$dhandler)?;)*);
    };
}

/// The access of the route `path` (the route's template, as `MatchedPath` gives it) for `method`
/// (any case; `HEAD` is served by the `GET` route). `None` for a pair that is not in the table.
pub fn access(method: &str, path: &str) -> Option<Access> {
    let method = if method.eq_ignore_ascii_case("head") { "get" } else { method };
    ROUTE_ACCESS.iter().find(|(m, p, _)| m.eq_ignore_ascii_case(method) && *p == path).map(|(_, _, access)| *access)
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
    // health and documentation
    get "/healthz" [PUBLIC] => health::healthz;
    get "/readyz" [PUBLIC] => health::readyz;
    get "/metrics" [METRICS] => health::metrics;
    get "/api/v1/openapi.json" [READ] => openapi::document_json;
    get "/docs" [PUBLIC] => docs::page;
    get "/api/v1/status" [READ] => status::status;
    // market data
    get "/api/v1/instruments" [READ] => market::instruments;
    get "/api/v1/market/quotes" [READ] => market::quotes;
    get "/api/v1/market/bars/{instrument}" [READ] => market::bars;
    get "/api/v1/market/subscriptions" [READ] => market::subscriptions;
    post "/api/v1/market/subscriptions" [STRATEGIES] => market::subscribe;
    delete "/api/v1/market/subscriptions/{instrument}" [STRATEGIES] => market::unsubscribe;
    // orders
    get "/api/v1/orders" [READ] => orders::list;
    post "/api/v1/orders" [TRADE] => orders::place;
    post "/api/v1/orders/cancel-all" [CANCEL] => orders::cancel_all;
    get "/api/v1/orders/{order_id}" [READ] => orders::get;
    patch "/api/v1/orders/{order_id}" [TRADE] => orders::modify;
    delete "/api/v1/orders/{order_id}" [CANCEL] => orders::cancel;
    get "/api/v1/orders/{order_id}/history" [READ] => orders::history;
    // portfolio and analytics
    get "/api/v1/positions" [READ] => portfolio::positions;
    get "/api/v1/holdings" [READ] => portfolio::holdings;
    get "/api/v1/portfolio" [READ] => portfolio::portfolio;
    get "/api/v1/portfolio/pnl/daily" [READ] => portfolio::daily_pnl;
    get "/api/v1/portfolio/pnl/strategies" [READ] => portfolio::strategies_pnl;
    get "/api/v1/fills" [READ] => portfolio::fills;
    get "/api/v1/analytics/performance" [READ] => analytics::performance;
    get "/api/v1/analytics/strategies/{id}" [READ] => analytics::strategy;
    // strategies
    get "/api/v1/strategies" [READ] => strategies::list;
    post "/api/v1/strategies" [STRATEGIES] => strategies::deploy;
    delete "/api/v1/strategies/{id}" [STRATEGIES] => strategies::remove;
    post "/api/v1/strategies/{id}/start" [STRATEGIES] => strategies::start;
    post "/api/v1/strategies/{id}/stop" [STRATEGIES] => strategies::stop;
    patch "/api/v1/strategies/{id}/params" [STRATEGIES] => strategies::update_params;
    get "/api/v1/strategies/{id}/pnl" [READ] => portfolio::strategy_pnl;
    // alerts
    get "/api/v1/alerts" [READ] => alerts::list;
    post "/api/v1/alerts" [ALERTS] => alerts::create;
    get "/api/v1/alerts/history" [READ] => alerts::history;
    patch "/api/v1/alerts/{id}" [ALERTS] => alerts::update;
    delete "/api/v1/alerts/{id}" [ALERTS] => alerts::delete;
    post "/api/v1/alerts/{id}/enable" [ALERTS] => alerts::enable;
    post "/api/v1/alerts/{id}/disable" [ALERTS] => alerts::disable;
    // backtests
    get "/api/v1/backtests" [READ] => backtests::list;
    post "/api/v1/backtests" [BACKTESTS] => backtests::submit;
    get "/api/v1/backtests/{id}" [READ] => backtests::status;
    delete "/api/v1/backtests/{id}" [BACKTESTS] => backtests::cancel;
    get "/api/v1/backtests/{id}/report" [READ] => backtests::report;
    // the event stream
    get "/api/v1/stream" [STREAM] => stream::stream, doc openapi::event_stream;
    // sessions
    post "/api/v1/auth/login" [PUBLIC] => auth_routes::login;
    post "/api/v1/auth/refresh" [PUBLIC] => auth_routes::refresh;
    post "/api/v1/auth/logout" [PUBLIC] => auth_routes::logout;
    post "/api/v1/auth/password" [READ] => auth_routes::change_password;
    // admin: kill switch, limits, config, users, tokens, audit
    post "/api/v1/admin/kill-switch" [KILL_SWITCH] => admin::kill_switch;
    get "/api/v1/admin/risk-limits" [READ] => risk_limits::get;
    put "/api/v1/admin/risk-limits" [RISK_LIMITS] => risk_limits::put;
    post "/api/v1/admin/config/reload" [ADMIN] => admin::reload_config;
    get "/api/v1/admin/users" [USERS] => users::list;
    post "/api/v1/admin/users" [USERS] => users::create;
    patch "/api/v1/admin/users/{username}" [USERS] => users::update;
    get "/api/v1/admin/roles" [READ] => users::roles;
    get "/api/v1/admin/tokens" [USERS] => tokens::list;
    post "/api/v1/admin/tokens" [USERS] => tokens::create;
    delete "/api/v1/admin/tokens/{id}" [USERS] => tokens::revoke;
    get "/api/v1/admin/audit" [AUDIT] => audit_routes::list;
}
