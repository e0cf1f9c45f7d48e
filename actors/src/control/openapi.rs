//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and the
//! route table, and served at `GET /api/v1/openapi.json`.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;

use super::error::ApiErrorBody;
use super::rate_limit;
use super::routes::{Access, RouteDocs, ROUTE_ACCESS};

/// The document's description (Markdown): what holds for every route.
const INTRO: &str = "The control plane of traderd, a trading daemon for NSE and BSE.

- JSON everywhere. Prices, amounts and rates are exact decimal strings such as `\"2450.05\"`; \
request fields also accept a JSON number and read it exactly.
- Market-data instants are UTC epoch nanoseconds; order times are shown in IST (UTC+05:30).
- Every error has one shape, `ApiErrorBody`: `{\"error\": {\"code\", \"message\", \"fields\"}}`. \
A 400 names every bad field and why; unknown body fields and query parameters are refused.
- Request bodies are limited to 64 KiB (413).
- Every route but `/healthz`, `/readyz`, the `/docs` page (which asks for a token to fetch this \
document) and `/api/v1/auth/login`, `refresh` and `logout` needs `Authorization: Bearer <token>`: an access token from `POST /api/v1/auth/login`, or an \
API token (`trd_...`; the first one is written to `<state-dir>/admin.token` on first start; admins \
make more at `/api/v1/admin/tokens`). `/metrics` needs one \
too unless the config sets `metrics.public = true`. No or a bad token: 401; a role without the \
route's permission: 403.
- Roles: `viewer` reads; `trader` also places and cancels orders and runs strategies, alerts and \
backtests; `risk` also cancels orders, uses the kill switch and sets risk limits, but never places \
orders; `admin` does everything, including users, API tokens and the config reload \
(`GET /api/v1/admin/roles` lists each role's permissions).
- Requests are rate limited per client address and, once authenticated, per user (`[api.rate_limits]`; \
stricter for login attempts and order placement). Over a limit: 429 with `Retry-After` in seconds. \
`/healthz` and `/readyz` are never limited.
- Without `[api.tls]` the server speaks plain HTTP on loopback only (reach it remotely through an \
SSH tunnel). With `[api.tls]` it speaks HTTPS only (TLS 1.2 or 1.3), sends `Strict-Transport-Security` \
on every answer, may listen on any address, and reloads its certificate on SIGHUP.";

/// The document's title, description and tag descriptions; the paths come from [`RouteDocs`].
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "traderd control plane",
        description = INTRO,
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "health", description = "Liveness, readiness and Prometheus metrics."),
        (name = "status", description = "The engine at a glance."),
        (name = "market", description = "Instruments, quotes and bars from the feed, and which instruments \
            the feed delivers (changing that needs the strategies permission: strategies trade on it)."),
        (name = "orders", description = "Manual orders: they pass the same risk gate as strategies' orders."),
        (name = "portfolio", description = "Positions, cash, P&L and fills."),
        (name = "analytics", description = "Live performance: the backtest statistics on the live equity curve, \
            overall and per strategy."),
        (name = "strategies", description = "Strategy instances: list, deploy, start, stop, change parameters, remove."),
        (name = "alerts", description = "Alert rules on trades, and the history of their firings."),
        (name = "admin", description = "The kill switch, risk limits and the config reload."),
        (name = "auth", description = "Log in, rotate refresh tokens, log out, change your own password."),
        (name = "users", description = "Users, roles and API tokens (admin only, but anyone who reads may \
            list the roles)."),
        (name = "backtests", description = "Backtests and parameter sweeps on a bounded pool."),
        (name = "stream", description = "Engine events over a WebSocket."),
        (name = "docs", description = "This document and a page that renders it."),
    ),
)]
struct ApiInfo;

/// Builds the document: the info and tags above, every route of the table, and the schemas the
/// routes use.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = ApiInfo::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.merge(RouteDocs::openapi());
    secure(&mut doc);
    doc
}

/// Declares bearer authentication and adds `security`, 401 and 403 to every route the route table
/// protects, and 429 to every rate-limited route, so the table stays the one place a route's access
/// is written. `/metrics` is documented as protected, the default.
fn secure(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
    let mut scheme = Http::new(HttpAuthScheme::Bearer);
    scheme.bearer_format = Some("JWT access token, or an API token trd_...".to_owned());
    doc.components.get_or_insert_with(Default::default).add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    for (method, path, access) in ROUTE_ACCESS {
        let Some(item) = doc.paths.paths.get_mut(*path) else { continue };
        let operation = match *method {
            "get" => item.get.as_mut(),
            "post" => item.post.as_mut(),
            "delete" => item.delete.as_mut(),
            "patch" => item.patch.as_mut(),
            "put" => item.put.as_mut(),
            _ => None,
        };
        let Some(operation) = operation else { continue };
        if rate_limit::is_limited(path) {
            let responses = &mut operation.responses.responses;
            responses.entry("429".to_owned()).or_insert_with(|| rate_limited_response(method, path, *access));
        }
        let Some(permission) = access.permission(false) else { continue };
        operation.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
        let responses = &mut operation.responses.responses;
        responses.entry("401".to_owned()).or_insert_with(|| {
            error_response("No token, or one that is invalid, expired or revoked (`WWW-Authenticate: Bearer`).")
        });
        responses.entry("403".to_owned()).or_insert_with(|| {
            error_response(&format!("The token's role lacks the `{permission}` permission (code `forbidden`)."))
        });
    }
}

/// The 429 of a rate-limited route: which limits apply, and the `Retry-After` header.
fn rate_limited_response(
    method: &str,
    path: &str,
    access: Access,
) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{Content, HeaderBuilder, ObjectBuilder, Ref, ResponseBuilder, Type};
    let limits = if rate_limit::is_login(method, path) {
        "the per-address limit or the stricter login limit per address (`api.rate_limits.login`)"
    } else if rate_limit::is_order_route(method, path) {
        "the per-address limit, the caller's limit, or the stricter order limit per user (`api.rate_limits.orders`)"
    } else if access.permission(false).is_some() {
        "the per-address limit or the caller's limit (`api.rate_limits.default`, per role)"
    } else {
        "the per-address limit (`api.rate_limits.default`)"
    };
    let description = format!("Over {limits} (code `rate_limited`); retry after `Retry-After` seconds.");
    let seconds = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).build();
    let header = HeaderBuilder::new().schema(Some(seconds)).description(Some("Seconds to wait, rounded up.")).build();
    let content = Content::new(Some(Ref::from_schema_name("ApiErrorBody")));
    ResponseBuilder::new()
        .description(description)
        .header("Retry-After", header)
        .content("application/json", content)
        .build()
        .into()
}

/// The name of the bearer security scheme.
const BEARER: &str = "bearer";

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{Content, Ref, ResponseBuilder};
    let content = Content::new(Some(Ref::from_schema_name("ApiErrorBody")));
    ResponseBuilder::new().description(description).content("application/json", content).build().into()
}

/// The document as JSON, built once: it depends only on the code.
fn document_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        document().to_json().unwrap_or_else(|error| {
            // Serialising plain structs cannot fail; if it ever does, say so in a valid document.
            tracing::error!(%error, "the OpenAPI document could not be serialised");
            r#"{"openapi": "3.1.0", "info": {"title": "traderd control plane", "version": "unknown"}, "paths": {}}"#
                .to_owned()
        })
    })
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "docs", operation_id = "get_openapi_document",
    responses((status = 200, description = "The OpenAPI 3.1 document.", body = Object,
        content_type = "application/json")))]
pub async fn document_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], document_text())
        .into_response()
}

/// An event stream topic.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StreamTopic {
    /// Order updates.
    Orders,
    /// Fills.
    Fills,
    /// Risk refusals and trading-state changes.
    Risk,
    /// Alert firings and system alerts.
    Alerts,
    /// Strategy runners starting and stopping.
    Strategies,
}

/// Engine events over a WebSocket.
///
/// The request upgrades to a WebSocket (RFC 6455). Every text frame is one JSON object
/// `{"topic": "...", "event": {"type": "...", ...}}`; the first, right after the upgrade, is
/// `{"topic": "control", "event": {"type": "subscribed", "topics": [...]}}`. A client that falls
/// so far behind that it would miss events is disconnected with close code 1008 and a reason
/// (`too slow: N events missed`) instead of slowing the engine; it can reconnect and read current
/// state from the REST routes.
// Documentation only: the handler lives in `stream.rs`, and the route table points here.
#[utoipa::path(get, path = "/api/v1/stream", tag = "stream", operation_id = "stream_events",
    params(
        ("topics" = inline(Option<Vec<StreamTopic>>), Query, style = Form, explode = false,
            description = "Comma-separated topics to receive (repeatable); every topic when absent.",
            example = json!(["orders", "fills"])),
        ("token" = Option<String>, Query,
            description = "An access token, for browsers that cannot set `Authorization` on a WebSocket."),
    ),
    responses(
        (status = 101, description = "Switching Protocols: the connection is now a WebSocket carrying JSON \
            text frames."),
        (status = 400, description = "An unknown topic or parameter, or not a WebSocket upgrade request \
            (code `websocket_required`).", body = ApiErrorBody),
        (status = 426, description = "The connection cannot be upgraded (code `websocket_required`).",
            body = ApiErrorBody),
    ))]
pub async fn event_stream() {}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::net::SocketAddr;

    use serde_json::Value;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::super::routes::ROUTES;
    use super::super::schema_check::check;
    use super::super::NO_ROUTE;
    use super::*;

    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    fn doc() -> Value {
        serde_json::from_str(document_text()).expect("the served document is JSON")
    }

    /// Every (method, path) operation of the document.
    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths is an object") {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    out.push((method.to_owned(), path.clone(), op));
                }
            }
        }
        out
    }

    /// Every `$ref` in `value`, with where it was found.
    fn refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match (key.as_str(), child) {
                        ("$ref", Value::String(target)) => out.push((at.clone(), target.as_str())),
                        _ => refs(child, format!("{at}/{key}"), out),
                    }
                }
            }
            Value::Array(list) => list.iter().enumerate().for_each(|(i, child)| refs(child, format!("{at}/{i}"), out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_and_well_formed() {
        let doc = doc();
        let version = doc["openapi"].as_str().expect("openapi is a string");
        assert!(version.starts_with("3.1"), "openapi is {version}");
        assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

        let declared_tags: BTreeSet<&str> =
            doc["tags"].as_array().expect("tags").iter().filter_map(|t| t["name"].as_str()).collect();
        let mut operation_ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            assert!(path.starts_with('/'), "{path}");
            for key in item.as_object().expect("a path item is an object").keys() {
                assert!(METHODS.contains(&key.as_str()) || key == "parameters", "{path}: unexpected key {key}");
            }
        }
        for (method, path, op) in operations(&doc) {
            let at = format!("{method} {path}");
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                !id.is_empty() && operation_ids.insert(id.to_owned()),
                "{at}: operationId `{id}` missing or repeated"
            );
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{at}: no summary");
            for tag in op["tags"].as_array().expect("tags").iter().filter_map(Value::as_str) {
                assert!(declared_tags.contains(tag), "{at}: tag {tag} is not declared");
            }

            // Path templating: every `{name}` has a required path parameter, and nothing else is one.
            let templated: BTreeSet<&str> =
                path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut seen = BTreeSet::new();
            let mut in_path = BTreeSet::new();
            for p in &params {
                let (name, place) = (p["name"].as_str().unwrap_or_default(), p["in"].as_str().unwrap_or_default());
                assert!(["query", "header", "path", "cookie"].contains(&place), "{at}: parameter {name} in `{place}`");
                assert!(seen.insert((name.to_owned(), place.to_owned())), "{at}: parameter {name} twice");
                assert!(p.get("schema").is_some(), "{at}: parameter {name} has no schema");
                if place == "path" {
                    assert_eq!(p["required"], true, "{at}: path parameter {name} must be required");
                    in_path.insert(name.to_owned());
                }
            }
            assert_eq!(in_path, templated.iter().map(|s| s.to_string()).collect(), "{at}: path parameters");

            if let Some(body) = op.get("requestBody") {
                assert!(
                    body["content"].as_object().is_some_and(|c| !c.is_empty()),
                    "{at}: request body without content"
                );
            }
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{at}: no responses");
            for (status, response) in responses {
                let valid = status == "default"
                    || (status.len() == 3
                        && matches!(status.as_bytes()[0], b'1'..=b'5')
                        && status[1..].bytes().all(|b| b.is_ascii_digit() || b == b'X'));
                assert!(valid, "{at}: response key {status}");
                assert!(response["description"].is_string(), "{at} {status}: no description");
            }
        }

        // Every $ref resolves, and every component is used.
        let schemas = doc["components"]["schemas"].as_object().expect("components.schemas");
        let mut found = Vec::new();
        refs(&doc, "#".to_owned(), &mut found);
        let mut used = BTreeSet::new();
        for (at, target) in &found {
            let name = target.strip_prefix("#/components/schemas/");
            assert!(name.is_some_and(|n| schemas.contains_key(n)), "{at}: $ref {target} does not resolve");
            used.extend(name);
        }
        let unused: Vec<&String> = schemas.keys().filter(|k| !used.contains(k.as_str())).collect();
        assert!(unused.is_empty(), "components nothing refers to: {unused:?}");
    }

    #[test]
    fn the_document_lists_exactly_the_routes_the_router_serves() {
        let table: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        assert_eq!(table.len(), ROUTES.len(), "a route appears twice in the table");
        let documented: BTreeSet<(String, String)> = operations(&doc()).into_iter().map(|(m, p, _)| (m, p)).collect();
        let missing: Vec<_> = table.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&table).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "served but undocumented: {missing:?}; documented but not served: {extra:?}"
        );
    }

    /// One HTTP/1.1 exchange on a fresh connection: (status, content type, body).
    async fn send(
        addr: SocketAddr,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, String, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connects");
        let body = body.unwrap_or("");
        let authorization = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        let request = format!(
            "{} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n\
             {authorization}Content-Length: {}\r\n\r\n{body}",
            method.to_uppercase(),
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("writes");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("reads");
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, rest) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let header = |name: &str| {
            head.lines()
                .find_map(|l| {
                    l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned())
                })
                .unwrap_or_default()
        };
        let body =
            if header("transfer-encoding").eq_ignore_ascii_case("chunked") { dechunk(rest) } else { rest.to_owned() };
        (status, header("content-type"), body)
    }

    fn dechunk(mut rest: &str) -> String {
        let mut out = String::new();
        while let Some((size, after)) = rest.split_once("\r\n") {
            let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
            if size == 0 || after.len() < size {
                break;
            }
            out.push_str(&after[..size]);
            rest = after[size..].trim_start_matches("\r\n");
        }
        out
    }

    /// Checks one answer against the document: its status is documented for the operation, its
    /// content type is the documented one, and a JSON body satisfies the documented schema.
    fn conforms(doc: &Value, method: &str, path: &str, answer: &(u16, String, String)) -> Result<(), String> {
        let (status, content_type, body) = answer;
        let at = format!("{method} {path} answered {status}");
        let op = &doc["paths"][path][method];
        let Some(response) = op["responses"].get(status.to_string()) else {
            return Err(format!("{at}, which the document does not list: {body}"));
        };
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return Ok(()); // documented without a body (e.g. 413 from the body limit)
        };
        let essence = |t: &str| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let Some((_, media)) = content.iter().find(|(t, _)| essence(t) == essence(content_type)) else {
            return Err(format!("{at} with content type {content_type}, documented: {:?}", content.keys()));
        };
        if essence(content_type) == "application/json" {
            let value: Value = serde_json::from_str(body).map_err(|e| format!("{at}: not JSON ({e}): {body}"))?;
            let errors = check(doc, &media["schema"], &value);
            if !errors.is_empty() {
                return Err(format!("{at}; the body does not match the documented schema: {errors:#?}\n{body}"));
            }
        }
        Ok(())
    }

    const CONFIG: &str = r#"
[feed.source]
kind = "simulated"
seed = 11
interval_ms = 5

[[instruments]]
key = "NSE_EQ|INE002A01018"
symbol = "RELIANCE"

[risk.market_hours]
always_open = true

[[strategies]]
id = "sma_reliance"
kind = "sma_cross"
instruments = ["NSE_EQ|INE002A01018"]
bar_interval = "1s"
[strategies.params]
fast = 3
slow = 8
sizing = { fixed = { quantity = 1 } }

[[alerts]]
id = "reliance_above"
instrument = "NSE_EQ|INE002A01018"
condition = { kind = "price_above", price = "100000" }

# The probe sends a hundred requests at once from one address; the limits are tested elsewhere.
[api.rate_limits]
default = { requests = 100000, per = "second", burst = 100000 }
login = { requests = 100000, per = "second", burst = 100000 }
"#;

    /// Sends a request to every route of the table on a real daemon, without a token and with the
    /// admin token: none is unrouted (404 from the fallback) or of the wrong method (405), every
    /// protected route refuses the request without a token (401), and every answer — its status,
    /// content type and body — is one the document describes. A few more requests reach the
    /// success answers.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_documented_route_is_served_as_documented() {
        let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("traderd-openapi-{}-{unique}", std::process::id()));
        let options = crate::daemon::DaemonOptions {
            config: trader::config::TraderConfig::from_toml(CONFIG).expect("valid test config"),
            state_dir: dir.join("state"),
            listen: "127.0.0.1:0".parse().expect("an address"),
            extra_strategies: Vec::new(),
            notify_systemd: false,
            auth: crate::auth::AuthConfig::for_tests(),
        };
        let daemon = crate::daemon::Daemon::start(options).await.expect("the daemon starts");
        let addr = daemon.local_addr;
        let token = std::fs::read_to_string(dir.join("state").join("admin.token")).expect("the admin token file");
        let token = Some(token.trim());
        let doc = doc();
        let mut failures = Vec::new();

        for (method, path) in ROUTES {
            let concrete = path.replace("{instrument}", "NSE_EQ%7CINE002A01018").replace("{order_id}", "nope");
            let concrete = concrete.replace("{id}", "nope");
            let body = (*method == "post").then_some("{}");
            let anonymous = send(addr, None, method, &concrete, body).await;
            let protected = super::super::routes::access(method, path).and_then(|a| a.permission(false)).is_some();
            if protected && anonymous.0 != 401 {
                failures.push(format!("{method} {path}: answered {} without a token, not 401", anonymous.0));
            }
            let answer = send(addr, token, method, &concrete, body).await;
            for answer in [anonymous, answer] {
                if answer.0 == 405 || (answer.0 == 404 && answer.2.contains(NO_ROUTE)) {
                    failures.push(format!("{method} {path}: not routed ({})", answer.0));
                } else if let Err(problem) = conforms(&doc, method, path, &answer) {
                    failures.push(problem);
                }
            }
        }

        let order = r#"{"instrument": "NSE_EQ|INE002A01018", "side": "buy", "quantity": 1, "order_type": "market",
            "client_order_id": "openapi-probe"}"#;
        let alert = r#"{"id": "probe", "instrument": "NSE_EQ|INE002A01018",
            "condition": {"kind": "price_below", "price": "1"}}"#;
        let user = r#"{"username": "probe", "password": "probe-password-1", "role": "viewer"}"#;
        let extra = [
            ("post", "/api/v1/orders", "/api/v1/orders", Some(order)),
            ("get", "/api/v1/orders", "/api/v1/orders?status=open", None),
            ("get", "/api/v1/orders", "/api/v1/orders?bogus=1", None),
            ("post", "/api/v1/alerts", "/api/v1/alerts", Some(alert)),
            ("delete", "/api/v1/alerts/{id}", "/api/v1/alerts/probe", None),
            ("post", "/api/v1/strategies/{id}/stop", "/api/v1/strategies/sma_reliance/stop", None),
            ("post", "/api/v1/strategies/{id}/start", "/api/v1/strategies/sma_reliance/start", None),
            ("post", "/api/v1/admin/kill-switch", "/api/v1/admin/kill-switch", Some(r#"{"state": "active"}"#)),
            ("get", "/api/v1/market/bars/{instrument}", "/api/v1/market/bars/NSE_EQ%7CINE002A01018?interval=1s", None),
            ("get", "/api/v1/market/quotes", "/api/v1/market/quotes?instruments=NSE_EQ%7CINE002A01018", None),
            ("post", "/api/v1/backtests", "/api/v1/backtests", Some(r#"{"data": "missing.csv"}"#)),
            ("post", "/api/v1/admin/users", "/api/v1/admin/users", Some(user)),
            ("post", "/api/v1/admin/users", "/api/v1/admin/users", Some(user)),
            ("post", "/api/v1/auth/login", "/api/v1/auth/login", Some(r#"{"username": "probe", "password": "wrong"}"#)),
            ("post", "/api/v1/auth/refresh", "/api/v1/auth/refresh", Some(r#"{"refresh_token": "x.y"}"#)),
            ("post", "/api/v1/auth/logout", "/api/v1/auth/logout", Some(r#"{"refresh_token": "x.y"}"#)),
            // After the order: a fill and a position to check against their schemas.
            ("get", "/api/v1/fills", "/api/v1/fills?limit=10", None),
            ("get", "/api/v1/positions", "/api/v1/positions", None),
            ("get", "/api/v1/portfolio", "/api/v1/portfolio", None),
            ("get", "/api/v1/portfolio/pnl/strategies", "/api/v1/portfolio/pnl/strategies", None),
            ("get", "/api/v1/strategies/{id}/pnl", "/api/v1/strategies/sma_reliance/pnl", None),
            ("get", "/api/v1/analytics/strategies/{id}", "/api/v1/analytics/strategies/sma_reliance", None),
            ("get", "/api/v1/portfolio/pnl/daily", "/api/v1/portfolio/pnl/daily?from=x", None),
            ("get", "/api/v1/fills", "/api/v1/fills?limit=0", None),
        ];
        for (method, path, concrete, body) in extra {
            if let Err(problem) = conforms(&doc, method, path, &send(addr, token, method, concrete, body).await) {
                failures.push(problem);
            }
        }
        // A session of the user created above: login, refresh and logout succeed as documented.
        let login = r#"{"username": "probe", "password": "probe-password-1"}"#;
        let answer = send(addr, None, "post", "/api/v1/auth/login", Some(login)).await;
        failures.extend(conforms(&doc, "post", "/api/v1/auth/login", &answer).err());
        let tokens: Value = serde_json::from_str(&answer.2).unwrap_or_default();
        let refresh = format!(r#"{{"refresh_token": {}}}"#, tokens["refresh_token"]);
        let answer = send(addr, None, "post", "/api/v1/auth/refresh", Some(&refresh)).await;
        failures.extend(conforms(&doc, "post", "/api/v1/auth/refresh", &answer).err());
        let tokens: Value = serde_json::from_str(&answer.2).unwrap_or_default();
        let access = tokens["access_token"].as_str().unwrap_or_default();
        let answer = send(addr, Some(access), "post", "/api/v1/auth/logout", None).await;
        failures.extend(conforms(&doc, "post", "/api/v1/auth/logout", &answer).err());
        if answer.0 != 200 {
            failures.push(format!("logout with the bearer answered {}: {}", answer.0, answer.2));
        }

        daemon.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    #[test]
    fn protected_routes_document_bearer_security_401_and_403() {
        let doc = doc();
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        for (method, path, access) in super::super::routes::ROUTE_ACCESS {
            let op = &doc["paths"][path][method];
            let protected = access.permission(false).is_some();
            assert_eq!(op["security"] == serde_json::json!([{"bearer": []}]), protected, "{method} {path}: security");
            assert_eq!(op["responses"].get("401").is_some(), protected || path.starts_with("/api/v1/auth/"), "{path}");
            assert_eq!(op["responses"].get("403").is_some(), protected, "{method} {path}: 403");
            let limited = !["/healthz", "/readyz"].contains(path);
            assert_eq!(op["responses"].get("429").is_some(), limited, "{method} {path}: 429");
            if limited {
                assert_eq!(op["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"], "integer", "{path}");
            }
        }
    }

    /// The documented topics are the stream's. Until the stream route is in the table the schema
    /// is not in the document, so this reads it directly.
    #[test]
    fn stream_topics_are_documented() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(StreamTopic::schema()).expect("serialises");
        assert_eq!(schema["enum"], serde_json::json!(crate::events::EngineEvent::TOPICS));
    }
}
