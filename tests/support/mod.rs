//! Shared helpers for the end-to-end tests: a small HTTP client that carries a bearer token,
//! temporary state directories, configs, and waiting for a condition with a deadline instead of
//! sleeping a fixed time.

#![allow(dead_code)]

use std::fmt::Display;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An HTTP response: status and JSON body (Null when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
    /// Header lines as sent (`Name: value`).
    pub headers: Vec<String>,
}

impl Reply {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|line| {
            line.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
        })
    }
}

/// Where the daemon listens and the bearer token requests carry (none: anonymous).
#[derive(Debug, Clone)]
pub struct Api {
    pub addr: String,
    pub token: Option<String>,
}

impl Api {
    /// Requests with `token`.
    pub fn new(addr: impl Display, token: &str) -> Api {
        Api { addr: addr.to_string(), token: Some(token.to_owned()) }
    }

    /// Requests without a token.
    pub fn anonymous(addr: impl Display) -> Api {
        Api { addr: addr.to_string(), token: None }
    }

    /// Requests with the admin API token the daemon wrote to `<state_dir>/admin.token` on first start.
    pub fn admin(addr: impl Display, state_dir: &Path) -> Api {
        Api::new(addr, &admin_token(state_dir))
    }

    /// The same address with another token.
    pub fn with_token(&self, token: &str) -> Api {
        Api::new(&self.addr, token)
    }
}

/// The admin API token from `<state_dir>/admin.token`.
pub fn admin_token(state_dir: &Path) -> String {
    let path = state_dir.join("admin.token");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.trim().to_owned()
}

/// One HTTP/1.1 request with `Connection: close`; enough for a JSON API on loopback.
pub async fn http(api: &Api, method: &str, path: &str, body: Option<&str>) -> std::io::Result<Reply> {
    http_with_headers(api, method, path, body, &[]).await
}

/// [`http`] with more request headers (`(name, value)`).
pub async fn http_with_headers(
    api: &Api,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> std::io::Result<Reply> {
    let addr = &api.addr;
    let mut stream = TcpStream::connect(addr).await?;
    let body = body.unwrap_or("");
    let mut authorization = api.token.as_ref().map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    for (name, value) in headers {
        authorization.push_str(&format!("{name}: {value}\r\n"));
    }
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n{authorization}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let text =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(rest) } else { rest.to_owned() };
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    let headers = head.lines().skip(1).map(str::to_owned).collect();
    Ok(Reply { status, body, text, headers })
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

pub async fn get(api: &Api, path: &str) -> Reply {
    http(api, "GET", path, None).await.expect("GET")
}

pub async fn post(api: &Api, path: &str, body: &str) -> Reply {
    http(api, "POST", path, Some(body)).await.expect("POST")
}

pub async fn delete(api: &Api, path: &str) -> Reply {
    http(api, "DELETE", path, None).await.expect("DELETE")
}

/// Polls `check` until it returns `Some`, or panics naming `what` after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let unique = format!(
            "traderd-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
        );
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub const RELIANCE: &str = "NSE_EQ|INE002A01018";
pub const INFY: &str = "NSE_EQ|INE009A01021";

/// Rate limits no test reaches: tests poll and probe far faster than people do. The limits
/// themselves are tested with [`config_with_limits`].
pub const UNREACHABLE_LIMITS: &str = r#"
[api.rate_limits]
default = { requests = 100000, per = "second", burst = 100000 }
login = { requests = 100000, per = "second", burst = 100000 }
orders = { requests = 100000, per = "second", burst = 100000 }
"#;

/// A paper session on the simulated feed with two instruments, always open, no strategies, and
/// [`UNREACHABLE_LIMITS`]; `extra` is appended (more sections or strategies).
pub fn config(extra: &str) -> String {
    config_with_limits(UNREACHABLE_LIMITS, extra)
}

/// [`config`] with `limits` (an `[api.rate_limits]` section, or nothing for the defaults) instead
/// of [`UNREACHABLE_LIMITS`].
pub fn config_with_limits(limits: &str, extra: &str) -> String {
    format!(
        r#"
[feed.source]
kind = "simulated"
seed = 11
interval_ms = 5

[[instruments]]
key = "{RELIANCE}"
symbol = "RELIANCE"

[[instruments]]
key = "{INFY}"
symbol = "INFY"

[risk.market_hours]
always_open = true

{extra}

{limits}
"#
    )
}

/// A market order body.
pub fn market_order(instrument: &str, side: &str, quantity: u64, client_order_id: &str) -> String {
    format!(
        r#"{{"instrument": "{instrument}", "side": "{side}", "quantity": {quantity}, "order_type": "market", "client_order_id": "{client_order_id}"}}"#
    )
}

/// Starts the real engine in process on `config` (TOML text), listening on a free loopback port,
/// with its journal under `dir`, cheap password hashing, and `extra` strategies.
pub async fn start_daemon(
    config: &str,
    dir: &TempDir,
    extra: Vec<trader_actors::daemon::ExtraStrategy>,
) -> trader_actors::daemon::Daemon {
    let config = trader::config::TraderConfig::from_toml(config).expect("valid test config");
    let options = trader_actors::daemon::DaemonOptions {
        config,
        state_dir: dir.0.join("state"),
        listen: "127.0.0.1:0".parse().expect("loopback address"),
        extra_strategies: extra,
        notify_systemd: false,
        auth: trader_actors::auth::AuthConfig::for_tests(),
    };
    trader_actors::daemon::Daemon::start(options).await.expect("daemon starts")
}
