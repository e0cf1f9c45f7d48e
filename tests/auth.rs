//! Authentication and authorisation end to end: a real daemon in process (cheap argon2 through
//! `AuthConfig::for_tests()`), plain HTTP, and the `traderd user add` binary. Every route refuses
//! an anonymous request unless it is public; roles get exactly their permissions; sessions rotate,
//! detect reuse and end; forged tokens fail; users survive a restart.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use support::{get, market_order, post, wait_for, Api, Reply, TempDir, RELIANCE};
use trader_actors::control::routes::ROUTE_ACCESS;
use trader_actors::daemon::Daemon;
use trader_actors::events::EngineEvent;

const BIN: &str = env!("CARGO_BIN_EXE_traderd");

async fn start(dir: &TempDir, extra_config: &str) -> Daemon {
    support::start_daemon(&support::config(extra_config), dir, Vec::new()).await
}

fn admin(daemon: &Daemon) -> Api {
    Api::admin(daemon.local_addr, &daemon.state_dir)
}

async fn create_user(admin: &Api, name: &str, role: &str) -> Reply {
    let body = json!({"username": name, "password": password(name), "role": role}).to_string();
    post(admin, "/api/v1/admin/users", &body).await
}

fn password(name: &str) -> String {
    format!("{name}-correct-horse-battery")
}

/// Logs `name` in; returns (access token, refresh token).
async fn login(api: &Api, name: &str) -> (String, String) {
    let body = json!({"username": name, "password": password(name)}).to_string();
    let reply = post(&Api::anonymous(&api.addr), "/api/v1/auth/login", &body).await;
    assert_eq!(reply.status, 200, "login as {name}: {}", reply.text);
    assert!(reply.body["expires_in"].as_u64().is_some_and(|s| s > 0), "{}", reply.text);
    token_pair(&reply)
}

fn token_pair(reply: &Reply) -> (String, String) {
    let text = |key: &str| reply.body[key].as_str().unwrap_or_else(|| panic!("{key} in {}", reply.text)).to_owned();
    (text("access_token"), text("refresh_token"))
}

async fn refresh(api: &Api, refresh_token: &str) -> Reply {
    post(&Api::anonymous(&api.addr), "/api/v1/auth/refresh", &json!({"refresh_token": refresh_token}).to_string()).await
}

fn assert_unauthenticated(reply: &Reply, code: &str, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {}", reply.text);
    assert_eq!(reply.body["error"]["code"], code, "{what}: {}", reply.text);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"), "{what}");
}

async fn wait_for_quotes(api: &Api) {
    wait_for("quotes", Duration::from_secs(10), || {
        let api = api.clone();
        async move { get(&api, "/api/v1/market/quotes").await.body["quotes"][0].is_object().then_some(()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_needs_a_token_unless_public() {
    let dir = TempDir::new("auth-routes");
    let daemon = start(&dir, "").await;
    let anonymous = Api::anonymous(daemon.local_addr);
    for (method, path, access) in ROUTE_ACCESS {
        let concrete = path.replace("{instrument}", "NSE_EQ%7CINE002A01018").replace("{order_id}", "o-1");
        let concrete = concrete.replace("{id}", "x");
        let body = (*method == "post").then_some("{}");
        let reply = support::http(&anonymous, &method.to_uppercase(), &concrete, body).await.expect("a reply");
        if access.permission(false).is_some() || *path == "/api/v1/auth/logout" {
            // Logout is public in the table but authenticates by the token it revokes.
            assert_unauthenticated(&reply, "unauthenticated", &format!("{method} {path}"));
        } else {
            assert_ne!(reply.status, 401, "{method} {path} is public: {}", reply.text);
        }
    }
    assert_eq!(get(&anonymous, "/healthz").await.status, 200);
    // A token that is not one, in either form, is refused the same way.
    for bad in ["nonsense", "trd_abc_def", "a.b.c"] {
        let reply = get(&anonymous.with_token(bad), "/api/v1/status").await;
        assert_eq!(reply.status, 401, "{bad}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_token", "{bad}");
    }
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_be_made_public() {
    let dir = TempDir::new("auth-metrics");
    let daemon = start(&dir, "[metrics]\npublic = true\n").await;
    let anonymous = Api::anonymous(daemon.local_addr);
    let reply = get(&anonymous, "/metrics").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.text.contains("traderd_"), "{}", reply.text);
    assert_eq!(get(&anonymous, "/api/v1/status").await.status, 401, "only /metrics is opened");
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_get_exactly_their_permissions() {
    let dir = TempDir::new("auth-roles");
    let daemon = start(&dir, "").await;
    let admin = admin(&daemon);
    assert_eq!(get(&admin, "/api/v1/status").await.status, 200, "the admin token file works");
    wait_for_quotes(&admin).await;

    for (name, role) in [("vera", "viewer"), ("tara", "trader"), ("rhea", "risk")] {
        let reply = create_user(&admin, name, role).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let user = &reply.body;
        assert_eq!((&user["username"], &user["role"], &user["disabled"]), (&json!(name), &json!(role), &json!(false)));
        assert_eq!((&user["has_password"], &user["last_login"]), (&json!(true), &Value::Null), "{}", reply.text);
    }
    let again = create_user(&admin, "vera", "admin").await;
    assert_eq!((again.status, again.body["error"]["code"].as_str()), (409, Some("already_exists")), "{}", again.text);
    let bad = post(&admin, "/api/v1/admin/users", r#"{"username": "x y", "password": "short", "role": "root"}"#).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    for field in ["username", "password", "role"] {
        assert!(bad.body["error"]["fields"][field].is_string(), "{field} named: {}", bad.text);
    }

    let viewer = admin.with_token(&login(&admin, "vera").await.0);
    let trader = admin.with_token(&login(&admin, "tara").await.0);
    let risk = admin.with_token(&login(&admin, "rhea").await.0);
    let halt = r#"{"state": "halted"}"#;
    let resume = r#"{"state": "active"}"#;

    // Viewer: reads, nothing else.
    assert_eq!(get(&viewer, "/api/v1/positions").await.status, 200);
    assert_eq!(get(&viewer, "/metrics").await.status, 200);
    let refused = post(&viewer, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "viewer-1")).await;
    assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (403, Some("forbidden")), "{}", refused.text);
    assert!(refused.body["error"]["message"].as_str().unwrap().contains("trade_orders"), "{}", refused.text);
    assert_eq!(post(&viewer, "/api/v1/admin/kill-switch", halt).await.status, 403);
    assert_eq!(create_user(&viewer, "eve", "admin").await.status, 403);

    // Trader: places orders; no kill switch, no users.
    let placed = post(&trader, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "trader-1")).await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    assert_eq!(post(&trader, "/api/v1/admin/kill-switch", halt).await.status, 403);
    assert_eq!(create_user(&trader, "eve", "admin").await.status, 403);

    // Risk: the kill switch, never an order.
    let refused = post(&risk, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "risk-1")).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let mut events = daemon.services.events.subscribe();
    let halted = post(&risk, "/api/v1/admin/kill-switch", halt).await;
    assert_eq!((halted.status, halted.body["state"].as_str()), (200, Some("halted")), "{}", halted.text);
    // The journaled reason names who pulled the switch.
    let reason = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(EngineEvent::TradingState { reason, .. }) = events.recv().await {
                return reason;
            }
        }
    })
    .await
    .expect("a trading state event");
    assert_eq!(reason, "set through the control plane by rhea");
    assert_eq!(post(&risk, "/api/v1/admin/kill-switch", resume).await.status, 200);
    assert_eq!(get(&risk, "/api/v1/positions").await.status, 200);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_rotate_detect_reuse_and_end() {
    let dir = TempDir::new("auth-sessions");
    let daemon = start(&dir, "").await;
    let admin = admin(&daemon);
    assert_eq!(create_user(&admin, "tara", "trader").await.status, 201);

    let wrong = post(
        &Api::anonymous(daemon.local_addr),
        "/api/v1/auth/login",
        r#"{"username": "tara", "password": "not-her-password"}"#,
    )
    .await;
    assert_unauthenticated(&wrong, "invalid_credentials", "a wrong password");
    let nobody =
        post(&Api::anonymous(daemon.local_addr), "/api/v1/auth/login", r#"{"username": "nobody", "password": "x"}"#)
            .await;
    assert_eq!(nobody.body, wrong.body, "an unknown user looks like a wrong password");

    // Rotation: each refresh spends the token it was given.
    let (access1, refresh1) = login(&admin, "tara").await;
    let rotated = refresh(&admin, &refresh1).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let (access2, refresh2) = token_pair(&rotated);
    assert_ne!(refresh2, refresh1);
    assert_eq!(get(&admin.with_token(&access2), "/api/v1/orders").await.status, 200);

    // Presenting the spent token again revokes the whole session: the newer tokens die with it.
    let reused = refresh(&admin, &refresh1).await;
    assert_unauthenticated(&reused, "refresh_token_reused", "a reused refresh token");
    assert_eq!(refresh(&admin, &refresh2).await.status, 401, "the newer refresh token is revoked");
    let revoked = get(&admin.with_token(&access2), "/api/v1/orders").await;
    assert_unauthenticated(&revoked, "token_revoked", "the newer access token");
    assert_eq!(get(&admin.with_token(&access1), "/api/v1/orders").await.status, 401);

    // Logout with the bearer access token ends that session at once.
    let (access, refresh_token) = login(&admin, "tara").await;
    let session = admin.with_token(&access);
    let out = post(&session, "/api/v1/auth/logout", "").await;
    assert_eq!((out.status, &out.body), (200, &json!({"logged_out": true})), "{}", out.text);
    assert_eq!(get(&session, "/api/v1/orders").await.status, 401);
    assert_eq!(refresh(&admin, &refresh_token).await.status, 401);

    // Logout with the refresh token in the body, no bearer needed; twice is fine.
    let (access, refresh_token) = login(&admin, "tara").await;
    let body = json!({"refresh_token": refresh_token}).to_string();
    assert_eq!(post(&Api::anonymous(daemon.local_addr), "/api/v1/auth/logout", &body).await.status, 200);
    assert_eq!(post(&Api::anonymous(daemon.local_addr), "/api/v1/auth/logout", &body).await.status, 200);
    assert_eq!(get(&admin.with_token(&access), "/api/v1/orders").await.status, 401);
    let nothing = post(&Api::anonymous(daemon.local_addr), "/api/v1/auth/logout", "").await;
    assert_unauthenticated(&nothing, "unauthenticated", "a logout without any token");
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tokens_are_refused() {
    let dir = TempDir::new("auth-forged");
    let daemon = start(&dir, "").await;
    let admin = admin(&daemon);
    assert_eq!(create_user(&admin, "tara", "trader").await.status, 201);
    let (access, _) = login(&admin, "tara").await;
    assert_eq!(get(&admin.with_token(&access), "/api/v1/orders").await.status, 200);

    let parts: Vec<&str> = access.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT");
    let mut header: Value = serde_json::from_slice(&base64url::decode(parts[0])).expect("a JSON header");
    let claims: Value = serde_json::from_slice(&base64url::decode(parts[1])).expect("JSON claims");
    assert_eq!(header["alg"], "HS256");

    // The same claims with `alg: none` and no signature (or the old one).
    header["alg"] = json!("none");
    let none_header = base64url::encode(header.to_string().as_bytes());
    for forged in [format!("{none_header}.{}.", parts[1]), format!("{none_header}.{}.{}", parts[1], parts[2])] {
        let reply = get(&admin.with_token(&forged), "/api/v1/orders").await;
        assert_unauthenticated(&reply, "invalid_token", "alg none");
    }

    // The same header and claims signed with another key.
    let mut other = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    other.typ = Some("at+jwt".to_owned());
    let key = jsonwebtoken::EncodingKey::from_secret(&[42; 32]);
    let forged = jsonwebtoken::encode(&other, &claims, &key).expect("signs");
    let reply = get(&admin.with_token(&forged), "/api/v1/orders").await;
    assert_unauthenticated(&reply, "invalid_token", "another key");

    // A changed role claim breaks the signature too.
    let mut elevated = claims.clone();
    elevated["role"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], base64url::encode(elevated.to_string().as_bytes()), parts[2]);
    assert_eq!(get(&admin.with_token(&tampered), "/api/v1/orders").await.status, 401);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refused_and_its_refresh_token_still_works() {
    let dir = TempDir::new("auth-expired");
    let daemon = start(&dir, "").await;
    let admin = admin(&daemon);
    assert_eq!(create_user(&admin, "esha", "viewer").await.status, 201);
    let (access, refresh_token) = login(&admin, "esha").await;
    let claims: Value =
        serde_json::from_slice(&base64url::decode(access.split('.').nth(1).expect("claims"))).expect("JSON claims");

    // Re-sign the token's own claims with the daemon's key (generated into the state directory):
    // unchanged they pass, which shows the signing matches; moved into the past they are refused.
    let key_text = std::fs::read_to_string(daemon.state_dir.join("jwt.key")).expect("the generated key");
    let key = jsonwebtoken::EncodingKey::from_secret(key_text.trim_end().as_bytes());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("at+jwt".to_owned());
    let resigned = jsonwebtoken::encode(&header, &claims, &key).expect("signs");
    assert_eq!(get(&admin.with_token(&resigned), "/api/v1/orders").await.status, 200);

    let mut expired = claims.clone();
    let issued = claims["iat"].as_u64().expect("iat");
    expired["iat"] = json!(issued - 3600);
    expired["exp"] = json!(issued - 1);
    let expired = jsonwebtoken::encode(&header, &expired, &key).expect("signs");
    let reply = get(&admin.with_token(&expired), "/api/v1/orders").await;
    assert_unauthenticated(&reply, "token_expired", "an expired access token");

    // The session itself is fine: its refresh token gives a fresh access token.
    let renewed = refresh(&admin, &refresh_token).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    let (fresh, _) = token_pair(&renewed);
    assert_eq!(get(&admin.with_token(&fresh), "/api/v1/orders").await.status, 200);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_the_admin_token_survive_a_restart() {
    let dir = TempDir::new("auth-restart");
    let state = dir.0.join("state");
    let daemon = start(&dir, "").await;
    let token_file = state.join("admin.token");
    let mode = std::fs::metadata(&token_file).expect("admin.token").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the admin token file is owner-only");
    let first_token = std::fs::read_to_string(&token_file).unwrap();
    let admin = admin(&daemon);
    assert_eq!(create_user(&admin, "vera", "viewer").await.status, 201);
    let (_, refresh_token) = login(&admin, "vera").await;
    assert!(daemon.shutdown().await.is_empty());

    let daemon = start(&dir, "").await;
    assert_eq!(std::fs::read_to_string(&token_file).unwrap(), first_token, "no second bootstrap");
    let admin = Api::admin(daemon.local_addr, &state);
    assert_eq!(get(&admin, "/api/v1/status").await.status, 200, "the admin token still works");
    let (access, _) = login(&admin, "vera").await;
    let viewer = admin.with_token(&access);
    assert_eq!(get(&viewer, "/api/v1/positions").await.status, 200);
    assert_eq!(post(&viewer, "/api/v1/admin/kill-switch", r#"{"state": "halted"}"#).await.status, 403);
    let rotated = refresh(&admin, &refresh_token).await;
    assert_eq!(rotated.status, 200, "a session from before the restart: {}", rotated.text);
    assert!(daemon.shutdown().await.is_empty());
}

fn user_add(state: &Path, name: &str, role: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(["user", "add", name, "--role", role, "--state-dir"])
        .arg(state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn traderd user add");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).expect("password written");
    child.wait_with_output().expect("traderd user add finishes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_works_offline_and_refuses_while_the_daemon_runs() {
    let dir = TempDir::new("auth-cli");
    let state = dir.0.join("state");
    let daemon = start(&dir, "").await;

    let held = user_add(&state, "otto", "trader", &password("otto"));
    assert!(!held.status.success());
    let stderr = String::from_utf8_lossy(&held.stderr);
    assert!(stderr.contains("traderd is running") && stderr.contains("/api/v1/admin/users"), "{stderr}");
    assert!(daemon.shutdown().await.is_empty());

    let added = user_add(&state, "otto", "trader", &password("otto"));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    assert!(String::from_utf8_lossy(&added.stdout).contains("user `otto` (trader) added"));
    let twice = user_add(&state, "otto", "viewer", &password("otto"));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already exists"), "{twice:?}");
    let short = user_add(&state, "ida", "viewer", "short");
    assert!(String::from_utf8_lossy(&short.stderr).contains("too short"), "{short:?}");

    let daemon = start(&dir, "").await;
    let (access, _) = login(&Api::anonymous(daemon.local_addr), "otto").await;
    wait_for_quotes(&Api::admin(daemon.local_addr, &state)).await;
    let placed =
        post(&Api::new(daemon.local_addr, &access), "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "otto-1"))
            .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    assert!(daemon.shutdown().await.is_empty());
}

/// Unpadded base64url (RFC 4648 §5), just enough to take a JWT apart and put it back together.
mod base64url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out
    }

    pub fn decode(text: &str) -> Vec<u8> {
        let values: Vec<u32> = text
            .bytes()
            .map(|c| ALPHABET.iter().position(|a| *a == c).expect("a base64url character") as u32)
            .collect();
        let mut out = Vec::new();
        for chunk in values.chunks(4) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, v)| n | v << (18 - 6 * i));
            for i in 0..chunk.len().saturating_sub(1) {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        out
    }

    #[test]
    fn round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "{\"alg\":\"HS256\"}"] {
            assert_eq!(decode(&encode(text.as_bytes())), text.as_bytes());
        }
        assert_eq!(encode(b"{\"alg\":\"none\"}"), "eyJhbGciOiJub25lIn0");
    }
}
