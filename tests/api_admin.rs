//! The admin domain end to end on a real daemon: risk limits read and replaced (and in force for
//! the next order, and kept across a restart), users listed, changed and disabled (the last admin
//! stays), a user's own password change, and API tokens created, listed and revoked. Each route
//! also answers 400, 401, 403 and 404 where it can.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{get, market_order, post, wait_for, Api, Reply, TempDir, RELIANCE};
use trader_actors::daemon::Daemon;
use trader_actors::events::EngineEvent;

async fn start(dir: &TempDir) -> Daemon {
    support::start_daemon(&support::config(""), dir, Vec::new()).await
}

fn admin(daemon: &Daemon) -> Api {
    Api::admin(daemon.local_addr, &daemon.state_dir)
}

fn password(name: &str) -> String {
    format!("{name}-correct-horse-battery")
}

async fn create_user(admin: &Api, name: &str, role: &str) {
    let body = json!({"username": name, "password": password(name), "role": role}).to_string();
    let reply = post(admin, "/api/v1/admin/users", &body).await;
    assert_eq!(reply.status, 201, "create {name}: {}", reply.text);
}

async fn login_with(api: &Api, name: &str, password: &str) -> Reply {
    let body = json!({"username": name, "password": password}).to_string();
    post(&Api::anonymous(&api.addr), "/api/v1/auth/login", &body).await
}

/// Logs `name` in; returns (an Api with its access token, its refresh token).
async fn login(api: &Api, name: &str) -> (Api, String) {
    let reply = login_with(api, name, &password(name)).await;
    assert_eq!(reply.status, 200, "login as {name}: {}", reply.text);
    let access = reply.body["access_token"].as_str().expect("access_token");
    let refresh = reply.body["refresh_token"].as_str().expect("refresh_token");
    (api.with_token(access), refresh.to_owned())
}

async fn refresh(api: &Api, refresh_token: &str) -> Reply {
    post(&Api::anonymous(&api.addr), "/api/v1/auth/refresh", &json!({"refresh_token": refresh_token}).to_string()).await
}

async fn put(api: &Api, path: &str, body: &str) -> Reply {
    support::http(api, "PUT", path, Some(body)).await.expect("PUT")
}

async fn patch(api: &Api, path: &str, body: &str) -> Reply {
    support::http(api, "PATCH", path, Some(body)).await.expect("PATCH")
}

fn code(reply: &Reply) -> Option<&str> {
    reply.body["error"]["code"].as_str()
}

fn assert_status(reply: &Reply, status: u16, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.text);
}

async fn wait_for_quotes(api: &Api) {
    wait_for("quotes", Duration::from_secs(10), || {
        let api = api.clone();
        async move { get(&api, "/api/v1/market/quotes").await.body["quotes"][0].is_object().then_some(()) }
    })
    .await;
}

const LIMITS: &str = "/api/v1/admin/risk-limits";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risk_limits_put_takes_effect_at_once() {
    let dir = TempDir::new("admin-limits");
    let daemon = start(&dir).await;
    let admin = admin(&daemon);
    wait_for_quotes(&admin).await;
    for (name, role) in [("rhea", "risk"), ("tara", "trader"), ("vera", "viewer")] {
        create_user(&admin, name, role).await;
    }
    let (risk, _) = login(&admin, "rhea").await;
    let (trader, _) = login(&admin, "tara").await;
    let (viewer, _) = login(&admin, "vera").await;

    // Anyone who reads may read the limits: the config's, with its always-open market.
    let limits = get(&viewer, LIMITS).await;
    assert_status(&limits, 200, "viewer reads the limits");
    assert_eq!(limits.body["max_order_quantity"], 1000);
    assert_eq!(limits.body["max_daily_loss"], "10000.00");
    assert_eq!(limits.body["market_hours"]["always_open"], true);
    assert_status(&get(&Api::anonymous(daemon.local_addr), LIMITS).await, 401, "anonymous GET");

    let mut body = limits.body.clone();
    body["max_order_quantity"] = 3.into();
    let body = body.to_string();
    let refused = put(&trader, LIMITS, &body).await;
    assert_eq!((refused.status, code(&refused)), (403, Some("forbidden")), "trader PUT: {}", refused.text);
    assert_status(&put(&viewer, LIMITS, &body).await, 403, "viewer PUT");
    assert_status(&put(&Api::anonymous(daemon.local_addr), LIMITS, &body).await, 401, "anonymous PUT");

    // A bad body names every bad key and changes nothing.
    let mut bad = limits.body.clone();
    bad["max_order_quantity"] = 0.into();
    bad["max_order_qty"] = 5.into();
    bad.as_object_mut().unwrap().remove("price_band");
    bad["market_hours"]["close"] = "08:00".into();
    let bad = put(&risk, LIMITS, &bad.to_string()).await;
    assert_status(&bad, 400, "bad limits");
    let fields = &bad.body["error"]["fields"];
    for key in ["max_order_qty", "price_band"] {
        assert!(fields[key].is_string(), "{key} named: {}", bad.text);
    }
    // Unknown and missing keys are reported first; the config's checks run on a complete body.
    let mut invalid = limits.body.clone();
    invalid["max_order_quantity"] = 0.into();
    invalid["market_hours"]["close"] = "08:00".into();
    let invalid = put(&risk, LIMITS, &invalid.to_string()).await;
    assert_status(&invalid, 400, "invalid limits");
    let fields = &invalid.body["error"]["fields"];
    assert!(fields["max_order_quantity"].as_str().is_some_and(|r| r.starts_with("must be positive")), "{fields}");
    assert!(fields["market_hours.close"].is_string(), "{fields}");
    assert_eq!(get(&viewer, LIMITS).await.body["max_order_quantity"], 1000, "nothing applied");

    // The risk role may; the change is announced and in force for the next order.
    let mut events = daemon.services.events.subscribe();
    let done = put(&risk, LIMITS, &body).await;
    assert_status(&done, 200, "risk PUT");
    assert_eq!(done.body["changed"], json!(["max_order_quantity"]));
    assert_eq!(done.body["limits"]["max_order_quantity"], 3);
    let announced = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(EngineEvent::SystemAlert { source, message }) = events.recv().await {
                if source == "risk_limits" {
                    return message;
                }
            }
        }
    })
    .await
    .expect("the change is on the event stream");
    assert!(announced.contains("rhea") && announced.contains("max_order_quantity"), "{announced}");
    assert_eq!(get(&viewer, LIMITS).await.body["max_order_quantity"], 3);
    let over = post(&trader, "/api/v1/orders", &market_order(RELIANCE, "buy", 4, "over-1")).await;
    assert_eq!((over.status, code(&over)), (422, Some("max_order_quantity")), "{}", over.text);
    let within = post(&trader, "/api/v1/orders", &market_order(RELIANCE, "buy", 3, "within-1")).await;
    assert_status(&within, 201, "an order within the new limit");
    // The admin may too.
    let mut back = limits.body.clone();
    back["max_order_quantity"] = 2.into();
    assert_status(&put(&admin, LIMITS, &back.to_string()).await, 200, "admin PUT");
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_listed_changed_and_disabled_and_one_admin_always_remains() {
    let dir = TempDir::new("admin-users");
    let daemon = start(&dir).await;
    let admin = admin(&daemon);
    create_user(&admin, "alice", "trader").await;
    create_user(&admin, "bob", "viewer").await;
    let (alice, alice_refresh) = login(&admin, "alice").await;
    let (bob, _) = login(&admin, "bob").await;

    // The list: every user, never a hash.
    let users = get(&admin, "/api/v1/admin/users").await;
    assert_status(&users, 200, "list users");
    let names: Vec<&str> =
        users.body["users"].as_array().unwrap().iter().filter_map(|u| u["username"].as_str()).collect();
    assert_eq!(names, ["admin", "alice", "bob"]);
    let listed_alice = &users.body["users"][1];
    assert_eq!(listed_alice["role"], "trader");
    assert_eq!(listed_alice["disabled"], false);
    assert!(listed_alice["created"].as_i64().is_some_and(|t| t > 0), "{}", users.text);
    assert!(listed_alice["last_login"].as_i64().is_some_and(|t| t >= listed_alice["created"].as_i64().unwrap()));
    assert_eq!(users.body["users"][0]["last_login"], Value::Null, "the first admin never logged in");
    assert_eq!(users.body["users"][0]["has_password"], false);
    assert!(!users.text.contains("argon2"), "no hashes: {}", users.text);
    assert_status(&get(&alice, "/api/v1/admin/users").await, 403, "trader lists users");
    assert_status(&get(&Api::anonymous(daemon.local_addr), "/api/v1/admin/users").await, 401, "anonymous list");

    // Roles: the permission table, for anyone who reads.
    let roles = get(&bob, "/api/v1/admin/roles").await;
    assert_status(&roles, 200, "viewer lists roles");
    assert_eq!(
        roles.body["roles"][2],
        json!({"role": "risk", "permissions":
        ["read", "cancel_orders", "kill_switch", "manage_risk_limits"]})
    );
    assert_status(&get(&Api::anonymous(daemon.local_addr), "/api/v1/admin/roles").await, 401, "anonymous roles");

    // Validation, 404, 403, 401.
    let bad = patch(&admin, "/api/v1/admin/users/bob", r#"{"role": "root", "disabled": "yes", "colour": 1}"#).await;
    assert_status(&bad, 400, "bad PATCH");
    for field in ["role", "disabled", "colour"] {
        assert!(bad.body["error"]["fields"][field].is_string(), "{field} named: {}", bad.text);
    }
    let empty = patch(&admin, "/api/v1/admin/users/bob", "{}").await;
    assert_status(&empty, 400, "empty PATCH");
    let short = patch(&admin, "/api/v1/admin/users/bob", r#"{"password": "short"}"#).await;
    assert!(short.body["error"]["fields"]["password"].is_string(), "{}", short.text);
    let missing = patch(&admin, "/api/v1/admin/users/nobody", r#"{"role": "risk"}"#).await;
    assert_eq!((missing.status, code(&missing)), (404, Some("not_found")), "{}", missing.text);
    assert_status(&patch(&alice, "/api/v1/admin/users/bob", r#"{"role": "admin"}"#).await, 403, "trader PATCH");
    let anonymous = patch(&Api::anonymous(daemon.local_addr), "/api/v1/admin/users/bob", r#"{"role": "risk"}"#).await;
    assert_status(&anonymous, 401, "anonymous PATCH");

    // A role change applies to the live session at once.
    let changed = patch(&admin, "/api/v1/admin/users/bob", r#"{"role": "risk"}"#).await;
    assert_status(&changed, 200, "role change");
    assert_eq!((changed.body["username"].as_str(), changed.body["role"].as_str()), (Some("bob"), Some("risk")));
    let limits = get(&bob, LIMITS).await.body;
    assert_status(&put(&bob, LIMITS, &limits.to_string()).await, 200, "bob, now risk, sets limits");

    // Disabling ends the user's sessions at once and refuses their logins.
    let disabled = patch(&admin, "/api/v1/admin/users/alice", r#"{"disabled": true}"#).await;
    assert_status(&disabled, 200, "disable");
    assert_eq!(disabled.body["disabled"], true);
    assert_eq!(get(&alice, "/api/v1/status").await.status, 401, "the disabled user's access token");
    assert_eq!(refresh(&admin, &alice_refresh).await.status, 401, "the disabled user's refresh token");
    assert_eq!(login_with(&admin, "alice", &password("alice")).await.status, 401, "the disabled user's login");
    // Enabled again, she logs in; the old session stays dead.
    assert_status(&patch(&admin, "/api/v1/admin/users/alice", r#"{"disabled": false}"#).await, 200, "enable");
    assert_eq!(get(&alice, "/api/v1/status").await.status, 401);
    let (alice, _) = login(&admin, "alice").await;
    assert_eq!(get(&alice, "/api/v1/status").await.status, 200);

    // The last enabled admin can be neither disabled nor demoted.
    for body in [r#"{"disabled": true}"#, r#"{"role": "viewer"}"#] {
        let refused = patch(&admin, "/api/v1/admin/users/admin", body).await;
        assert_eq!((refused.status, code(&refused)), (409, Some("last_admin")), "{body}: {}", refused.text);
    }
    // With a second admin, the first may go; its API token (owned by it) stops working.
    create_user(&admin, "carol", "admin").await;
    let (carol, _) = login(&admin, "carol").await;
    assert_status(&patch(&carol, "/api/v1/admin/users/admin", r#"{"disabled": true}"#).await, 200, "disable admin");
    assert_eq!(get(&admin, "/api/v1/status").await.status, 401, "the disabled admin's API token");
    let alone = patch(&carol, "/api/v1/admin/users/carol", r#"{"role": "trader"}"#).await;
    assert_eq!((alone.status, code(&alone)), (409, Some("last_admin")), "{}", alone.text);

    // All of it survives a restart.
    assert!(daemon.shutdown().await.is_empty());
    let daemon = start(&dir).await;
    let (carol, _) = login(&Api::anonymous(daemon.local_addr), "carol").await;
    let users = get(&carol, "/api/v1/admin/users").await;
    let by_name = |name: &str| users.body["users"].as_array().unwrap().iter().find(|u| u["username"] == name).cloned();
    assert_eq!(by_name("admin").unwrap()["disabled"], true);
    assert_eq!(by_name("bob").unwrap()["role"], "risk");
    assert_eq!(get(&Api::admin(daemon.local_addr, &daemon.state_dir), "/api/v1/status").await.status, 401);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_changes_their_own_password() {
    let dir = TempDir::new("admin-password");
    let daemon = start(&dir).await;
    let admin = admin(&daemon);
    create_user(&admin, "vera", "viewer").await;
    let (here, here_refresh) = login(&admin, "vera").await;
    let (elsewhere, elsewhere_refresh) = login(&admin, "vera").await;
    let path = "/api/v1/auth/password";
    let new_password = "a-much-newer-passphrase";
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new}).to_string();

    let wrong = post(&here, path, &change("not-her-password-at-all", new_password)).await;
    assert_eq!((wrong.status, code(&wrong)), (400, Some("wrong_password")), "{}", wrong.text);
    assert!(wrong.body["error"]["fields"]["current_password"].is_string());
    let bad = post(&here, path, r#"{"current_password": 5, "new_password": "short", "extra": true}"#).await;
    assert_status(&bad, 400, "bad body");
    for field in ["new_password", "extra"] {
        assert!(bad.body["error"]["fields"][field].is_string(), "{field} named: {}", bad.text);
    }
    let same = post(&here, path, &change(&password("vera"), &password("vera"))).await;
    assert!(same.body["error"]["fields"]["new_password"].is_string(), "{}", same.text);
    let anonymous = post(&Api::anonymous(daemon.local_addr), path, &change(&password("vera"), new_password)).await;
    assert_status(&anonymous, 401, "anonymous");
    // An API token has no password to change.
    let token = post(&admin, path, &change("whatever-it-may-be", new_password)).await;
    assert_eq!((token.status, code(&token)), (403, Some("session_required")), "{}", token.text);

    let done = post(&here, path, &change(&password("vera"), new_password)).await;
    assert_status(&done, 200, "change");
    assert_eq!(done.body, json!({"changed": true}));
    // The old password fails, the new one works.
    assert_eq!(login_with(&admin, "vera", &password("vera")).await.status, 401);
    assert_eq!(login_with(&admin, "vera", new_password).await.status, 200);
    // The other session is over; this one goes on.
    assert_eq!(get(&elsewhere, "/api/v1/status").await.status, 401);
    assert_eq!(refresh(&admin, &elsewhere_refresh).await.status, 401);
    assert_eq!(get(&here, "/api/v1/status").await.status, 200);
    assert_eq!(refresh(&admin, &here_refresh).await.status, 200);

    // An admin resets a password: every session of the user ends.
    let reset = patch(&admin, "/api/v1/admin/users/vera", r#"{"password": "reset-by-the-admin-1"}"#).await;
    assert_status(&reset, 200, "reset");
    assert_eq!(get(&here, "/api/v1/status").await.status, 401);
    assert_eq!(login_with(&admin, "vera", "reset-by-the-admin-1").await.status, 200);

    // It survives a restart.
    assert!(daemon.shutdown().await.is_empty());
    let daemon = start(&dir).await;
    assert_eq!(login_with(&Api::anonymous(daemon.local_addr), "vera", "reset-by-the-admin-1").await.status, 200);
    assert_eq!(login_with(&Api::anonymous(daemon.local_addr), "vera", new_password).await.status, 401);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_are_created_listed_and_revoked() {
    let dir = TempDir::new("admin-tokens");
    let daemon = start(&dir).await;
    let admin = admin(&daemon);
    let tokens = "/api/v1/admin/tokens";

    let created = post(&admin, tokens, r#"{"name": "prometheus", "role": "viewer"}"#).await;
    assert_status(&created, 201, "create");
    let secret = created.body["token"].as_str().expect("the token").to_owned();
    assert!(secret.starts_with("trd_"), "{secret}");
    let id = created.body["id"].as_str().expect("an id").to_owned();
    assert!(secret.contains(&id));
    assert_eq!((created.body["name"].as_str(), created.body["role"].as_str()), (Some("prometheus"), Some("viewer")));
    assert_eq!(created.body["owner"], "admin");

    // It works, with its role.
    let prometheus = admin.with_token(&secret);
    assert_eq!(get(&prometheus, "/metrics").await.status, 200);
    assert_eq!(get(&prometheus, tokens).await.status, 403, "a viewer token lists no tokens");

    // Listed without the secret.
    let list = get(&admin, tokens).await;
    assert_status(&list, 200, "list");
    let names: Vec<&str> = list.body["tokens"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["admin", "prometheus"]);
    assert!(!list.text.contains(&secret[secret.len() - 64..]), "no secret in {}", list.text);
    assert!(list.body["tokens"][1]["created"].as_i64().is_some_and(|t| t > 0));

    // 400, 409, 401, 403.
    let bad = post(&admin, tokens, r#"{"name": "has space", "role": "root", "ttl": 5}"#).await;
    assert_status(&bad, 400, "bad token body");
    for field in ["name", "role", "ttl"] {
        assert!(bad.body["error"]["fields"][field].is_string(), "{field} named: {}", bad.text);
    }
    let again = post(&admin, tokens, r#"{"name": "prometheus", "role": "admin"}"#).await;
    assert_eq!((again.status, code(&again)), (409, Some("already_exists")), "{}", again.text);
    let anonymous = Api::anonymous(daemon.local_addr);
    assert_status(&get(&anonymous, tokens).await, 401, "anonymous list");
    assert_status(&post(&anonymous, tokens, r#"{"name": "x", "role": "viewer"}"#).await, 401, "anonymous create");
    assert_status(&support::delete(&anonymous, &format!("{tokens}/{id}")).await, 401, "anonymous revoke");
    create_user(&admin, "tara", "trader").await;
    let (trader, _) = login(&admin, "tara").await;
    assert_status(&post(&trader, tokens, r#"{"name": "x", "role": "admin"}"#).await, 403, "trader create");
    assert_status(&support::delete(&trader, &format!("{tokens}/{id}")).await, 403, "trader revoke");

    // A token made by a logged-in admin is theirs; it survives a restart.
    create_user(&admin, "carol", "admin").await;
    let (carol, _) = login(&admin, "carol").await;
    let script = post(&carol, tokens, r#"{"name": "script", "role": "trader"}"#).await;
    assert_status(&script, 201, "carol's token");
    assert_eq!(script.body["owner"], "carol");
    let script = admin.with_token(script.body["token"].as_str().unwrap());

    // Revoked: the next request with it is refused.
    let missing = support::delete(&admin, &format!("{tokens}/{}", "0".repeat(32))).await;
    assert_eq!((missing.status, code(&missing)), (404, Some("not_found")), "{}", missing.text);
    let revoked = support::delete(&admin, &format!("{tokens}/{id}")).await;
    assert_status(&revoked, 200, "revoke");
    assert_eq!(revoked.body["name"], "prometheus");
    assert_eq!(get(&prometheus, "/metrics").await.status, 401, "the revoked token");
    assert_eq!(support::delete(&admin, &format!("{tokens}/{id}")).await.status, 404, "revoked twice");

    assert!(daemon.shutdown().await.is_empty());
    let daemon = start(&dir).await;
    let addr = daemon.local_addr.to_string();
    let (prometheus, script) = (Api { addr: addr.clone(), ..prometheus }, Api { addr, ..script });
    assert_eq!(get(&prometheus, "/metrics").await.status, 401, "still revoked after a restart");
    assert_eq!(get(&script, "/api/v1/status").await.status, 200, "still valid after a restart");
    let names: Vec<String> = get(&Api::admin(daemon.local_addr, &daemon.state_dir), tokens).await.body["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, ["admin", "script"]);
    assert!(daemon.shutdown().await.is_empty());
}

/// `start` with the config in a file the daemon reloads from.
async fn start_with_file(dir: &TempDir, path: &std::path::Path) -> Daemon {
    let text = std::fs::read_to_string(path).expect("the config file");
    let daemon = support::start_daemon(&text, dir, Vec::new()).await;
    daemon.config_reload.set_path(Some(path.to_owned()));
    daemon
}

const RELOAD: &str = "/api/v1/admin/config/reload";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_reload_applies_the_files_limits_and_refuses_a_broken_file() {
    let dir = TempDir::new("admin-reload");
    let path = dir.0.join("traderd.toml");
    std::fs::write(&path, support::config("")).unwrap();
    let daemon = start_with_file(&dir, &path).await;
    let admin = admin(&daemon);
    wait_for_quotes(&admin).await;
    create_user(&admin, "rhea", "risk").await;
    let (risk, _) = login(&admin, "rhea").await;

    // Nothing changed yet; the file's limits are the ones in force.
    let same = post(&admin, RELOAD, "").await;
    assert_status(&same, 200, "reload of an unchanged file");
    assert_eq!(same.body["risk_limits_changed"], json!([]));
    assert_eq!(same.body["restart_required"], json!([]));
    assert_eq!(same.body["path"], path.display().to_string());

    // A lower limit in the file: in force after the reload.
    std::fs::write(&path, support::config("[risk]\nmax_order_quantity = 5\n")).unwrap();
    let reloaded = post(&admin, RELOAD, "").await;
    assert_status(&reloaded, 200, "reload");
    assert_eq!(reloaded.body["risk_limits_changed"], json!(["risk.max_order_quantity"]));
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 5);
    let over = post(&admin, "/api/v1/orders", &market_order(RELIANCE, "buy", 6, "reload-over")).await;
    assert_eq!((over.status, code(&over)), (422, Some("max_order_quantity")), "{}", over.text);

    // A broken file is refused, naming each key, and changes nothing.
    std::fs::write(&path, support::config("[risk]\nmax_order_quantity = 0\nmax_orders_per_second = 50\n")).unwrap();
    let broken = post(&admin, RELOAD, "").await;
    assert_eq!((broken.status, code(&broken)), (422, Some("invalid_config")), "{}", broken.text);
    let fields = &broken.body["error"]["fields"];
    assert!(fields["risk.max_order_quantity"].as_str().is_some_and(|r| r.starts_with("must be positive")), "{fields}");
    assert!(fields["risk.max_orders_per_second"].is_string(), "{fields}");
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 5, "nothing applied");
    std::fs::write(&path, "[risk\n").unwrap();
    let unparsable = post(&admin, RELOAD, "").await;
    assert_eq!((unparsable.status, code(&unparsable)), (422, Some("invalid_config")), "{}", unparsable.text);
    std::fs::remove_file(&path).unwrap();
    let gone = post(&admin, RELOAD, "").await;
    assert_eq!((gone.status, code(&gone)), (422, Some("config_unreadable")), "{}", gone.text);

    // Sections that need a restart are named, not applied.
    std::fs::write(&path, support::config("[risk]\nmax_order_quantity = 5\n[feed]\nbar_history = 7\n")).unwrap();
    let restart = post(&admin, RELOAD, "").await;
    assert_status(&restart, 200, "reload with a feed change");
    assert_eq!(restart.body["restart_required"], json!(["feed"]));

    // Only admins reload; no token, no reload.
    let refused = post(&risk, RELOAD, "").await;
    assert_eq!((refused.status, code(&refused)), (403, Some("forbidden")), "{}", refused.text);
    assert_status(&post(&Api::anonymous(daemon.local_addr), RELOAD, "").await, 401, "anonymous reload");
    assert!(daemon.shutdown().await.is_empty());

    // Without a file there is nothing to reload.
    let dir = TempDir::new("admin-reload-none");
    let daemon = start(&dir).await;
    let none = post(&Api::admin(daemon.local_addr, &daemon.state_dir), RELOAD, "").await;
    assert_eq!((none.status, code(&none)), (409, Some("no_config_file")), "{}", none.text);
    assert!(daemon.shutdown().await.is_empty());
}

/// The latest of an API update and a reload of an edited `[risk]` wins, across restarts too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risk_limits_set_through_the_api_survive_a_restart_until_a_reload() {
    let dir = TempDir::new("admin-limits-restart");
    let path = dir.0.join("traderd.toml");
    std::fs::write(&path, support::config("")).unwrap();
    let daemon = start_with_file(&dir, &path).await;
    let admin = admin(&daemon);
    let mut limits = get(&admin, LIMITS).await.body;
    limits["max_order_quantity"] = 7.into();
    assert_status(&put(&admin, LIMITS, &limits.to_string()).await, 200, "PUT");
    assert!(daemon.shutdown().await.is_empty());

    // Restarted on the same file: the API's limit is back in force, and refuses orders above it.
    let daemon = start_with_file(&dir, &path).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 7, "the API's limit after a restart");
    wait_for_quotes(&admin).await;
    let over = post(&admin, "/api/v1/orders", &market_order(RELIANCE, "buy", 8, "restart-over")).await;
    assert_eq!((over.status, code(&over)), (422, Some("max_order_quantity")), "{}", over.text);

    // Reloading an edited `[risk]` puts the file's limits in force, and they stay after the next
    // restart. (An unchanged `[risk]` would keep the API's limit: see the next test.)
    std::fs::write(&path, support::config("[risk]\nmax_order_quantity = 900\n")).unwrap();
    let reloaded = post(&admin, RELOAD, "").await;
    assert_status(&reloaded, 200, "reload");
    assert_eq!(reloaded.body["risk_limits_changed"], json!(["risk.max_order_quantity"]));
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 900);
    assert!(daemon.shutdown().await.is_empty());
    let daemon = start_with_file(&dir, &path).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 900, "the file's limit after a restart");
    assert!(daemon.shutdown().await.is_empty());
}

// -- finding 7 (signals.rs): a reload applies `[risk]` only when the file's `[risk]` changed.

/// A reload for another reason (a renewed certificate, a feed change) keeps the limits set through
/// the API; editing the file's `[risk]` puts the file's limits in force, and the report says which.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_keeps_api_limits_unless_the_files_risk_changed() {
    let dir = TempDir::new("admin-reload-keeps-api-limits");
    let path = dir.0.join("traderd.toml");
    std::fs::write(&path, support::config("")).unwrap();
    let daemon = start_with_file(&dir, &path).await;
    let admin = admin(&daemon);
    let mut limits = get(&admin, LIMITS).await.body;
    limits["max_order_quantity"] = 7.into();
    assert_status(&put(&admin, LIMITS, &limits.to_string()).await, 200, "PUT");

    // The file's `[risk]` is what was loaded at start: the API's limit stays.
    let same = post(&admin, RELOAD, "").await;
    assert_status(&same, 200, "reload of an unchanged file");
    assert_eq!(same.body["risk_limits_applied"], false, "{}", same.text);
    assert_eq!(same.body["risk_limits_changed"], json!([]));
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 7, "the API's limit after the reload");
    // Another section changed, `[risk]` not: still kept.
    std::fs::write(&path, support::config("[feed]\nbar_history = 7\n")).unwrap();
    let other = post(&admin, RELOAD, "").await;
    assert_status(&other, 200, "reload with a feed change");
    assert_eq!(other.body["risk_limits_applied"], false, "{}", other.text);
    assert_eq!(other.body["restart_required"], json!(["feed"]));
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 7);

    // The file's `[risk]` edited: in force, and reported.
    std::fs::write(&path, support::config("[risk]\nmax_order_quantity = 9\n")).unwrap();
    let applied = post(&admin, RELOAD, "").await;
    assert_status(&applied, 200, "reload with a `[risk]` change");
    assert_eq!(applied.body["risk_limits_applied"], true, "{}", applied.text);
    assert_eq!(applied.body["risk_limits_changed"], json!(["risk.max_order_quantity"]));
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 9);

    // Set through the API again, then the same file reloaded: the API's limit stays.
    limits["max_order_quantity"] = 3.into();
    assert_status(&put(&admin, LIMITS, &limits.to_string()).await, 200, "PUT");
    let again = post(&admin, RELOAD, "").await;
    assert_eq!(again.body["risk_limits_applied"], false, "{}", again.text);
    assert_eq!(get(&admin, LIMITS).await.body["max_order_quantity"], 3);
    assert!(daemon.shutdown().await.is_empty());
}

// -- security review findings 1, 2 and 9 (auth store): a token never outranks its owner, and
// users and tokens share one name space.

/// Bob, admin, makes an admin token; demoted to viewer, that token no longer works (so he cannot
/// make himself admin again with it), while his viewer token stays; a restart changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demoted_owners_admin_token_stops_working() {
    let dir = TempDir::new("admin-demoted-owner");
    let daemon = start(&dir).await;
    let admin = admin(&daemon);
    let tokens = "/api/v1/admin/tokens";
    create_user(&admin, "bob", "admin").await;
    let (bob, _) = login(&admin, "bob").await;
    let ci = post(&bob, tokens, r#"{"name": "ci", "role": "admin"}"#).await;
    assert_status(&ci, 201, "bob's admin token");
    let ci = admin.with_token(ci.body["token"].as_str().unwrap());
    let dash = post(&bob, tokens, r#"{"name": "dash", "role": "viewer"}"#).await;
    assert_status(&dash, 201, "bob's viewer token");
    let dash = admin.with_token(dash.body["token"].as_str().unwrap());
    assert_status(&get(&ci, tokens).await, 200, "the admin token works while bob is admin");

    assert_status(&patch(&admin, "/api/v1/admin/users/bob", r#"{"role": "viewer"}"#).await, 200, "demote bob");
    let again = patch(&ci, "/api/v1/admin/users/bob", r#"{"role": "admin"}"#).await;
    assert_eq!((again.status, code(&again)), (401, Some("invalid_token")), "{}", again.text);
    assert_eq!(get(&admin, "/api/v1/admin/users").await.body["users"][1]["role"], "viewer", "bob is still a viewer");
    assert_status(&get(&dash, "/api/v1/status").await, 200, "a viewer token is within a viewer's role");
    let names: Vec<String> = get(&admin, tokens).await.body["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, ["admin", "dash"], "the admin token was revoked with the demotion");

    // Promoted again, bob does not get the revoked token back; nor after a restart.
    assert_status(&patch(&admin, "/api/v1/admin/users/bob", r#"{"role": "admin"}"#).await, 200, "promote bob");
    assert_status(&get(&ci, tokens).await, 401, "revoked for good");
    assert!(daemon.shutdown().await.is_empty());
    let daemon = start(&dir).await;
    let ci = Api { addr: daemon.local_addr.to_string(), ..ci };
    assert_status(&get(&ci, tokens).await, 401, "revoked after a restart");
    assert!(daemon.shutdown().await.is_empty());
}

/// A token cannot take a user's name and a user cannot take an active token's name (audit records
/// and rate limits are keyed by name); a disabled owner's token gets nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_tokens_cannot_share_a_name() {
    let dir = TempDir::new("admin-name-space");
    let daemon = start(&dir).await;
    let admin = admin(&daemon);
    let tokens = "/api/v1/admin/tokens";
    create_user(&admin, "bob", "trader").await;
    let clash = post(&admin, tokens, r#"{"name": "bob", "role": "viewer"}"#).await;
    assert_eq!((clash.status, code(&clash)), (409, Some("already_exists")), "{}", clash.text);
    assert!(clash.body["error"]["fields"]["name"].is_string(), "{}", clash.text);
    assert_status(&post(&admin, tokens, r#"{"name": "grafana", "role": "viewer"}"#).await, 201, "token");
    let body = json!({"username": "grafana", "password": password("grafana"), "role": "viewer"}).to_string();
    let clash = post(&admin, "/api/v1/admin/users", &body).await;
    assert_eq!((clash.status, code(&clash)), (409, Some("already_exists")), "{}", clash.text);
    assert!(clash.body["error"]["fields"]["username"].is_string(), "{}", clash.text);

    // Carol (admin) is disabled: the token she made is refused, and it cannot mint another.
    create_user(&admin, "carol", "admin").await;
    let (carol, _) = login(&admin, "carol").await;
    let script = post(&carol, tokens, r#"{"name": "script", "role": "admin"}"#).await;
    assert_status(&script, 201, "carol's token");
    let script = admin.with_token(script.body["token"].as_str().unwrap());
    assert_status(&patch(&admin, "/api/v1/admin/users/carol", r#"{"disabled": true}"#).await, 200, "disable carol");
    assert_status(&post(&script, tokens, r#"{"name": "late", "role": "admin"}"#).await, 401, "disabled owner");
    assert!(daemon.shutdown().await.is_empty());
}

/// A reload adds `[[alerts]]` rules new to the file, not ones unchanged since the last load: a config
/// rule an operator removed through the API stays removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_adds_new_file_alert_rules_but_not_ones_removed_through_the_api() {
    let rule = |id: &str| {
        format!("[[alerts]]\nid = \"{id}\"\ninstrument = \"{RELIANCE}\"\ncondition = {{ kind = \"price_above\", price = \"100000\" }}\n")
    };
    let dir = TempDir::new("admin-reload-alerts");
    let path = dir.0.join("traderd.toml");
    std::fs::write(&path, support::config(&rule("cfg_rule"))).unwrap();
    let daemon = start_with_file(&dir, &path).await;
    let admin = admin(&daemon);
    let ids = |reply: Reply| -> Vec<String> {
        reply.body["alerts"]
            .as_array()
            .unwrap_or_else(|| panic!("alerts in {}", reply.text))
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(ids(get(&admin, "/api/v1/alerts").await), ["cfg_rule"]);
    assert_status(&support::delete(&admin, "/api/v1/alerts/cfg_rule").await, 200, "delete the config rule");

    let unchanged = post(&admin, RELOAD, "").await;
    assert_status(&unchanged, 200, "reload of the same file");
    assert_eq!(unchanged.body["alert_rules_added"], json!([]), "{}", unchanged.text);
    assert!(ids(get(&admin, "/api/v1/alerts").await).is_empty(), "the removed rule stays removed");

    std::fs::write(&path, support::config(&format!("{}{}", rule("cfg_rule"), rule("cfg_new")))).unwrap();
    let added = post(&admin, RELOAD, "").await;
    assert_status(&added, 200, "reload with a new rule");
    assert_eq!(added.body["alert_rules_added"], json!(["cfg_new"]), "{}", added.text);
    assert_eq!(ids(get(&admin, "/api/v1/alerts").await), ["cfg_new"]);
    assert!(daemon.shutdown().await.is_empty());
}
