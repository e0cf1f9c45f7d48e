//! The control plane's outer layers end to end, on a real daemon over plain HTTP: rate limits
//! (429 with `Retry-After`, per address and per user), security headers on every kind of answer,
//! and CORS only when configured.

mod support;

use std::time::Duration;

use serde_json::json;
use support::{get, http_with_headers, market_order, post, wait_for, Api, Reply, TempDir, RELIANCE};
use trader_actors::daemon::Daemon;

/// The section with a default no test reaches (waiting for quotes polls quickly); each test adds
/// the limit it checks.
const DEFAULT: &str = "[api.rate_limits]\ndefault = { requests = 100000, per = \"second\", burst = 100000 }\n";

async fn start(dir: &TempDir, config: &str) -> Daemon {
    support::start_daemon(config, dir, Vec::new()).await
}

fn admin(daemon: &Daemon) -> Api {
    Api::admin(daemon.local_addr, &daemon.state_dir)
}

fn assert_rate_limited(reply: &Reply, what: &str, most_seconds: u64) {
    assert_eq!(reply.status, 429, "{what}: {}", reply.text);
    assert_eq!(reply.body["error"]["code"], "rate_limited", "{what}: {}", reply.text);
    let retry: u64 = reply.header("retry-after").and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!((1..=most_seconds).contains(&retry), "{what}: Retry-After {retry}, expected 1 to {most_seconds}");
}

fn assert_security_headers(reply: &Reply, what: &str) {
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(reply.header(name), Some(value), "{what}: {name} in {:?}", reply.headers);
        let count = reply.headers.iter().filter(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:"))).count();
        assert_eq!(count, 1, "{what}: {name} sent {count} times");
    }
    assert_eq!(reply.header("strict-transport-security"), None, "{what}: HSTS over plain HTTP");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_from_one_address_are_limited_with_retry_after() {
    let dir = TempDir::new("limits-login");
    // Two attempts at once, then one a minute.
    let limits = format!("{DEFAULT}login = {{ requests = 1, per = \"minute\", burst = 2 }}\n");
    let daemon = start(&dir, &support::config_with_limits(&limits, "")).await;
    let anonymous = Api::anonymous(daemon.local_addr);
    let wrong = json!({"username": "admin", "password": "not-the-password"}).to_string();
    for attempt in 1..=2 {
        let reply = post(&anonymous, "/api/v1/auth/login", &wrong).await;
        assert_eq!(reply.status, 401, "attempt {attempt}: {}", reply.text);
    }
    let reply = post(&anonymous, "/api/v1/auth/login", &wrong).await;
    assert_rate_limited(&reply, "third login", 60);
    assert_security_headers(&reply, "the 429");
    // Only login is that strict: the address may still reach the public pages.
    assert_eq!(get(&anonymous, "/docs").await.status, 200);
    assert_eq!(get(&anonymous, "/healthz").await.status, 200);
    let metrics = get(&admin(&daemon), "/metrics").await;
    assert!(metrics.text.contains("traderd_api_rate_limited_total{limit=\"login\"}"), "{}", metrics.text);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_limited_per_user() {
    let dir = TempDir::new("limits-orders");
    let limits = format!("{DEFAULT}orders = {{ requests = 1, per = \"hour\", burst = 2 }}\n");
    let daemon = start(&dir, &support::config_with_limits(&limits, "")).await;
    let admin = admin(&daemon);
    let mut traders = Vec::new();
    for name in ["alice", "bob"] {
        let password = format!("{name}-correct-horse-battery");
        let body = json!({"username": name, "password": password, "role": "trader"}).to_string();
        assert_eq!(post(&admin, "/api/v1/admin/users", &body).await.status, 201);
        let login = json!({"username": name, "password": password}).to_string();
        let reply = post(&Api::anonymous(daemon.local_addr), "/api/v1/auth/login", &login).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        traders.push(admin.with_token(reply.body["access_token"].as_str().expect("an access token")));
    }
    wait_for("quotes", Duration::from_secs(10), || {
        let admin = admin.clone();
        async move { get(&admin, "/api/v1/market/quotes").await.body["quotes"][0].is_object().then_some(()) }
    })
    .await;
    let (alice, bob) = (&traders[0], &traders[1]);
    for n in 1..=2 {
        let reply = post(alice, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, &format!("alice-{n}"))).await;
        assert_eq!(reply.status, 201, "alice's order {n}: {}", reply.text);
    }
    let reply = post(alice, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "alice-3")).await;
    assert_rate_limited(&reply, "alice's third order", 3_600);
    assert_eq!(get(alice, "/api/v1/orders").await.status, 200, "reading is not placing");
    let reply = post(bob, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "bob-1")).await;
    assert_eq!(reply.status, 201, "bob has his own bucket: {}", reply.text);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let dir = TempDir::new("headers");
    let daemon = start(&dir, &support::config("")).await;
    let admin = admin(&daemon);

    let json = get(&admin, "/api/v1/status").await;
    assert_eq!(json.status, 200);
    assert_security_headers(&json, "JSON");
    assert_eq!(json.header("content-security-policy"), None, "CSP is for HTML");

    let html = get(&Api::anonymous(daemon.local_addr), "/docs").await;
    assert_eq!(html.status, 200);
    assert_security_headers(&html, "the docs page");
    let csps: Vec<&String> =
        html.headers.iter().filter(|l| l.to_ascii_lowercase().starts_with("content-security-policy:")).collect();
    assert_eq!(csps.len(), 1, "{csps:?}");
    assert!(csps[0].contains("script-src 'sha256-"), "the docs page keeps its own CSP: {}", csps[0]);

    for (reply, what) in [
        (get(&Api::anonymous(daemon.local_addr), "/api/v1/status").await, "a 401"),
        (get(&admin, "/api/v1/nowhere").await, "the fallback 404"),
        (get(&admin, "/api/v1/orders/nope").await, "a handler's 404"),
    ] {
        assert!(reply.status >= 400, "{what}: {}", reply.status);
        assert_security_headers(&reply, what);
    }
    daemon.shutdown().await;
}

async fn with_origin(api: &Api, method: &str, path: &str, origin: &str) -> Reply {
    let headers = [("Origin", origin), ("Access-Control-Request-Method", "POST")];
    http_with_headers(api, method, path, None, &headers).await.expect("a request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_off_by_default() {
    let dir = TempDir::new("cors-off");
    let daemon = start(&dir, &support::config("")).await;
    let admin = admin(&daemon);
    for method in ["GET", "OPTIONS"] {
        let reply = with_origin(&admin, method, "/api/v1/status", "https://desk.example.in").await;
        let cors: Vec<&String> =
            reply.headers.iter().filter(|l| l.to_ascii_lowercase().starts_with("access-control-")).collect();
        assert!(cors.is_empty(), "{method}: {cors:?}");
    }
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_only_the_configured_origins() {
    let dir = TempDir::new("cors-on");
    let daemon = start(&dir, &support::config("[api.cors]\nallowed_origins = [\"https://desk.example.in\"]\n")).await;
    let admin = admin(&daemon);
    let reply = with_origin(&admin, "GET", "/api/v1/status", "https://desk.example.in").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some("https://desk.example.in"));
    assert_eq!(reply.header("access-control-allow-credentials"), None, "bearer tokens only, never cookies");
    let preflight =
        with_origin(&Api::anonymous(daemon.local_addr), "OPTIONS", "/api/v1/orders", "https://desk.example.in").await;
    assert_eq!(preflight.status, 200, "{}", preflight.text);
    let methods = preflight.header("access-control-allow-methods").unwrap_or_default().to_owned();
    assert!(methods.contains("POST") && methods.contains("DELETE"), "{methods}");
    assert_security_headers(&preflight, "the preflight");
    let other = with_origin(&admin, "GET", "/api/v1/status", "https://evil.example").await;
    assert_eq!(other.header("access-control-allow-origin"), None);
    daemon.shutdown().await;
}
