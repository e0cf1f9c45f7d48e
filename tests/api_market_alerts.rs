//! Feed subscriptions and alert rules end to end: a real daemon in process on the simulated feed,
//! plain HTTP. Subscribing starts an instrument's quotes and unsubscribing stops them; an
//! instrument a strategy or an open position needs is kept unless forced. Alert rules change,
//! stop and start firing as told, and their firings are listed. Subscriptions, rule changes and
//! the history of firings survive a restart. Every route refuses bad input (400), strangers (401),
//! roles without the permission (403) and unknown ids (404).

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{delete, get, http, market_order, post, wait_for, Api, Reply, TempDir, INFY, RELIANCE};
use trader_actors::daemon::Daemon;

const SUBSCRIPTIONS: &str = "/api/v1/market/subscriptions";
/// Configured in `support::config` but not there: TCS.
const TCS: &str = "NSE_EQ|INE467B01029";
const WAIT: Duration = Duration::from_secs(20);

/// A strategy on RELIANCE (so RELIANCE is needed), a config alert rule that never fires, and a
/// short staleness limit.
fn config() -> String {
    support::config(
        r#"
[risk]
stale_quote_after_ms = 400

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
id = "cfg_rule"
instrument = "NSE_EQ|INE002A01018"
condition = { kind = "price_above", price = "100000" }
"#,
    )
}

async fn start(dir: &TempDir) -> Daemon {
    support::start_daemon(&config(), dir, Vec::new()).await
}

fn admin(daemon: &Daemon) -> Api {
    Api::admin(daemon.local_addr, &daemon.state_dir)
}

async fn patch(api: &Api, path: &str, body: &str) -> Reply {
    http(api, "PATCH", path, Some(body)).await.expect("PATCH")
}

/// `|` in a path segment, as clients send it.
fn segment(key: &str) -> String {
    key.replace('|', "%7C")
}

/// The time of `key`'s latest quote, if it has one.
async fn quote_ts(api: &Api, key: &str) -> Option<i64> {
    let reply = get(api, &format!("/api/v1/market/quotes?instruments={}", segment(key))).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["quotes"].as_array()?.iter().find(|q| q["instrument"] == key)?["ts"].as_i64()
}

/// Waits until RELIANCE (always subscribed here) has quotes at least `millis` of feed time later
/// than now: whatever was in flight has arrived by then.
async fn let_feed_run(api: &Api, millis: i64) {
    let from = wait_for("a RELIANCE quote", WAIT, || async { quote_ts(api, RELIANCE).await }).await;
    wait_for("RELIANCE quotes to move on", WAIT, || async {
        quote_ts(api, RELIANCE).await.filter(|ts| *ts >= from + millis * 1_000_000)
    })
    .await;
}

fn keys(list: &Value) -> Vec<&str> {
    list.as_array().unwrap_or_else(|| panic!("a list: {list}")).iter().filter_map(Value::as_str).collect()
}

fn assert_subscriptions(reply: &Reply, subscribed: &[&str], unsubscribed: &[&str]) {
    assert_eq!(keys(&reply.body["subscribed"]), subscribed, "{}", reply.text);
    assert_eq!(keys(&reply.body["unsubscribed"]), unsubscribed, "{}", reply.text);
}

fn assert_invalid(reply: &Reply, field: &str, what: &str) {
    assert_eq!(reply.status, 400, "{what}: {}", reply.text);
    assert_eq!(reply.body["error"]["code"], "invalid_request", "{what}: {}", reply.text);
    assert!(reply.body["error"]["fields"][field].is_string(), "{what}: field {field} not named: {}", reply.text);
}

async fn token_for(admin: &Api, name: &str, role: &str) -> Api {
    let password = format!("{name}-correct-horse-battery");
    let body = json!({"username": name, "password": password, "role": role}).to_string();
    assert_eq!(post(admin, "/api/v1/admin/users", &body).await.status, 201);
    let body = json!({"username": name, "password": password}).to_string();
    let reply = post(&Api::anonymous(&admin.addr), "/api/v1/auth/login", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    admin.with_token(reply.body["access_token"].as_str().expect("an access token"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_start_and_stop_quotes_keep_what_is_needed_and_survive_a_restart() {
    let dir = TempDir::new("market-subscriptions");
    let daemon = start(&dir).await;
    let api = admin(&daemon);
    let infy = format!("{SUBSCRIPTIONS}/{}", segment(INFY));

    // Every configured instrument is subscribed on first start.
    let list = get(&api, SUBSCRIPTIONS).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_subscriptions(&list, &[RELIANCE, INFY], &[]);
    wait_for("an INFY quote", WAIT, || async { quote_ts(&api, INFY).await }).await;

    // The strategy needs RELIANCE.
    let refused = delete(&api, &format!("{SUBSCRIPTIONS}/{}", segment(RELIANCE))).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.body["error"]["code"], "instrument_in_use");
    let message = refused.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("strategy `sma_reliance`"), "{message}");

    // Unsubscribed, INFY's quotes stop.
    let done = delete(&api, &infy).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_subscriptions(&done, &[RELIANCE], &[INFY]);
    let_feed_run(&api, 100).await;
    let last = quote_ts(&api, INFY).await;
    let_feed_run(&api, 300).await;
    assert_eq!(quote_ts(&api, INFY).await, last, "no INFY quote after its unsubscription");
    let again = delete(&api, &infy).await;
    assert_eq!(again.status, 404, "not subscribed any more: {}", again.text);

    // Subscribed again, they come back; subscribing twice changes nothing.
    let body = json!({"instrument": INFY}).to_string();
    let added = post(&api, SUBSCRIPTIONS, &body).await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_subscriptions(&added, &[RELIANCE, INFY], &[]);
    wait_for("INFY quotes again", WAIT, || async { quote_ts(&api, INFY).await.filter(|ts| Some(*ts) > last) }).await;
    assert_eq!(post(&api, SUBSCRIPTIONS, &body).await.status, 200);

    // An open position needs INFY: refused unless forced; forced, its quotes go stale and new
    // orders on it are refused.
    let order = post(&api, "/api/v1/orders", &market_order(INFY, "buy", 1, "subs-infy-1")).await;
    assert!(order.status == 200 || order.status == 201, "{}", order.text);
    wait_for("the INFY position", WAIT, || async {
        let positions = get(&api, "/api/v1/positions").await;
        positions.body["positions"]
            .as_array()?
            .iter()
            .any(|p| p["instrument"] == INFY && p["quantity"] == 1)
            .then_some(())
    })
    .await;
    let refused = delete(&api, &infy).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    let message = refused.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("an open position of 1 units"), "{message}");
    let forced = delete(&api, &format!("{infy}?force=true")).await;
    assert_eq!(forced.status, 200, "{}", forced.text);
    assert_subscriptions(&forced, &[RELIANCE], &[INFY]);
    let_feed_run(&api, 600).await;
    let stale = post(&api, "/api/v1/orders", &market_order(INFY, "sell", 1, "subs-infy-2")).await;
    assert_eq!(stale.status, 422, "{}", stale.text);
    assert_eq!(stale.body["error"]["code"], "stale_quote", "{}", stale.text);

    // The set survives a restart: INFY stays unsubscribed and has no quote until subscribed.
    daemon.shutdown().await;
    let daemon = start(&dir).await;
    let api = admin(&daemon);
    assert_subscriptions(&get(&api, SUBSCRIPTIONS).await, &[RELIANCE], &[INFY]);
    let_feed_run(&api, 300).await;
    assert_eq!(quote_ts(&api, INFY).await, None, "an unsubscribed instrument gets no quotes after a restart");
    assert_eq!(post(&api, SUBSCRIPTIONS, &body).await.status, 201);
    wait_for("INFY quotes after subscribing", WAIT, || async { quote_ts(&api, INFY).await }).await;

    daemon.shutdown().await;
    let daemon = start(&dir).await;
    assert_subscriptions(&get(&admin(&daemon), SUBSCRIPTIONS).await, &[RELIANCE, INFY], &[]);
    daemon.shutdown().await;
}

/// The firings of `rule` in the history, newest first.
async fn firings(api: &Api, rule: &str) -> Vec<Value> {
    let reply = get(api, &format!("/api/v1/alerts/history?alert={rule}&limit=1000")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["firings"].as_array().cloned().unwrap_or_default()
}

async fn rule(api: &Api, id: &str) -> Value {
    let list = get(api, "/api/v1/alerts").await;
    list.body["alerts"].as_array().and_then(|a| a.iter().find(|r| r["id"] == id).cloned()).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_rules_change_stop_and_start_firing_and_their_history_survives_a_restart() {
    let dir = TempDir::new("alerts-lifecycle");
    let daemon = start(&dir).await;
    let api = admin(&daemon);

    // Never true at ~₹2,450 until its threshold is lowered.
    let high = json!({"id": "rel_high", "instrument": RELIANCE,
        "condition": {"kind": "price_above", "price": "100000"}, "mode": {"mode": "repeat", "cooldown_ms": 50}});
    assert_eq!(post(&api, "/api/v1/alerts", &high.to_string()).await.status, 201);
    // Always true, but disabled from the start.
    let low = json!({"id": "rel_low", "instrument": RELIANCE,
        "condition": {"kind": "price_below", "price": "100000"}, "mode": {"mode": "repeat", "cooldown_ms": 50},
        "enabled": false});
    assert_eq!(post(&api, "/api/v1/alerts", &low.to_string()).await.status, 201);
    let_feed_run(&api, 300).await;
    assert!(firings(&api, "rel_high").await.is_empty());
    assert!(firings(&api, "rel_low").await.is_empty(), "a disabled rule never fires");

    // Lowering the threshold (only the price: the kind stays) makes it fire.
    let changed = patch(&api, "/api/v1/alerts/rel_high", r#"{"condition": {"price": "1"}}"#).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["condition"], json!({"kind": "price_above", "price": "1.00"}), "{}", changed.text);
    assert_eq!(changed.body["mode"], json!({"mode": "repeat", "cooldown_ms": 50}));
    assert_eq!(rule(&api, "rel_high").await, changed.body);
    let fired = wait_for("rel_high to fire", WAIT, || async {
        let list = firings(&api, "rel_high").await;
        (list.len() >= 2).then_some(list)
    })
    .await;
    let first = &fired[0];
    assert_eq!(first["rule_id"], "rel_high");
    assert_eq!(first["instrument"], RELIANCE);
    assert!(first["price"].is_string() && first["message"].as_str().is_some_and(|m| m.contains("above 1.00")));
    assert!(fired[0]["at"].as_i64() > fired[1]["at"].as_i64(), "newest first: {fired:?}");

    // Disabled, it stops; enabled, it fires again. The disabled-from-the-start rule fires once
    // enabled.
    let disabled = post(&api, "/api/v1/alerts/rel_high/disable", "").await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert_eq!(disabled.body["enabled"], false);
    let count = firings(&api, "rel_high").await.len();
    let_feed_run(&api, 300).await;
    assert_eq!(firings(&api, "rel_high").await.len(), count, "a disabled rule does not fire");
    let enabled = post(&api, "/api/v1/alerts/rel_low/enable", "").await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    assert_eq!(enabled.body["enabled"], true);
    wait_for("rel_low to fire once enabled", WAIT, || async {
        (!firings(&api, "rel_low").await.is_empty()).then_some(())
    })
    .await;
    assert_eq!(post(&api, "/api/v1/alerts/rel_high/enable", "").await.status, 200);
    wait_for("rel_high to fire again", WAIT, || async {
        (firings(&api, "rel_high").await.len() > count).then_some(())
    })
    .await;

    // A config rule changed through the API keeps the change across a restart.
    let cfg = patch(&api, "/api/v1/alerts/cfg_rule", r#"{"mode": {"mode": "repeat", "cooldown_ms": 1000}}"#).await;
    assert_eq!(cfg.status, 200, "{}", cfg.text);
    // Left disabled: it must stay quiet after the restart.
    assert_eq!(post(&api, "/api/v1/alerts/rel_low/disable", "").await.status, 200);
    let all =
        get(&api, "/api/v1/alerts/history?limit=1000").await.body["firings"].as_array().cloned().unwrap_or_default();
    let before = firings(&api, "rel_high").await;
    let low_before = firings(&api, "rel_low").await.len();

    daemon.shutdown().await;
    let daemon = start(&dir).await;
    let api = admin(&daemon);
    assert_eq!(rule(&api, "rel_high").await["condition"], json!({"kind": "price_above", "price": "1.00"}));
    assert_eq!(rule(&api, "rel_low").await["enabled"], false);
    assert_eq!(rule(&api, "cfg_rule").await["mode"], json!({"mode": "repeat", "cooldown_ms": 1000}));
    // The history is back: what was listed before the restart is still listed (firings after it
    // come first).
    let after = firings(&api, "rel_high").await;
    assert!(after.len() >= before.len() && after.ends_with(&before), "{} then {}", before.len(), after.len());
    assert!(!all.is_empty());
    let_feed_run(&api, 300).await;
    assert_eq!(firings(&api, "rel_low").await.len(), low_before, "still disabled after the restart");
    let limited = get(&api, "/api/v1/alerts/history?limit=1").await;
    assert_eq!(limited.body["firings"].as_array().map(Vec::len), Some(1), "{}", limited.text);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_bad_input_strangers_other_roles_and_unknown_ids() {
    let dir = TempDir::new("market-alerts-refusals");
    let daemon = start(&dir).await;
    let api = admin(&daemon);
    let anonymous = Api::anonymous(daemon.local_addr);
    let viewer = token_for(&api, "vera", "viewer").await;
    let risk = token_for(&api, "rita", "risk").await;
    let trader = token_for(&api, "theo", "trader").await;
    let infy = format!("{SUBSCRIPTIONS}/{}", segment(INFY));
    let subscribe = json!({"instrument": INFY}).to_string();
    let r1 = json!({"id": "r1", "instrument": RELIANCE, "condition": {"kind": "price_above", "price": "100000"}});
    assert_eq!(post(&api, "/api/v1/alerts", &r1.to_string()).await.status, 201);
    let change = r#"{"condition": {"price": "90000"}}"#;

    // 401 without a token, on every route.
    let routes: [(&str, &str, Option<&str>); 7] = [
        ("GET", SUBSCRIPTIONS, None),
        ("POST", SUBSCRIPTIONS, Some(&subscribe)),
        ("DELETE", &infy, None),
        ("PATCH", "/api/v1/alerts/r1", Some(change)),
        ("POST", "/api/v1/alerts/r1/enable", None),
        ("POST", "/api/v1/alerts/r1/disable", None),
        ("GET", "/api/v1/alerts/history", None),
    ];
    for (method, path, body) in routes {
        let reply = http(&anonymous, method, path, body).await.expect("request");
        assert_eq!(reply.status, 401, "{method} {path}: {}", reply.text);
    }
    // 403 for roles without the permission: subscriptions need `manage_strategies`, alert changes
    // `manage_alerts`; reading needs only `read`.
    for (method, path, body) in &routes[1..6] {
        let reply = http(&viewer, method, path, *body).await.expect("request");
        assert_eq!(reply.status, 403, "viewer {method} {path}: {}", reply.text);
    }
    for (method, path, body) in &routes[1..3] {
        let reply = http(&risk, method, path, *body).await.expect("request");
        assert_eq!(reply.status, 403, "risk {method} {path}: {}", reply.text);
    }
    assert_eq!(get(&viewer, SUBSCRIPTIONS).await.status, 200);
    assert_eq!(get(&viewer, "/api/v1/alerts/history").await.status, 200);
    // `force=true` also needs `manage_risk_limits`: a trader must not freeze the marks that the
    // limits binding them depend on. The refusal names why, and nothing changed.
    let forced = delete(&trader, &format!("{infy}?force=true")).await;
    assert_eq!(forced.status, 403, "trader force: {}", forced.text);
    assert_eq!(forced.body["error"]["code"], "forbidden", "{}", forced.text);
    let message = forced.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("manage_risk_limits") && message.contains("force=true"), "{message}");
    assert_subscriptions(&get(&api, SUBSCRIPTIONS).await, &[RELIANCE, INFY], &[]);
    // The trader role may do all the rest.
    assert_eq!(delete(&trader, &infy).await.status, 200);
    assert_eq!(post(&trader, SUBSCRIPTIONS, &subscribe).await.status, 201);
    assert_eq!(patch(&trader, "/api/v1/alerts/r1", change).await.status, 200);
    assert_eq!(post(&trader, "/api/v1/alerts/r1/disable", "").await.status, 200);
    assert_eq!(post(&trader, "/api/v1/alerts/r1/enable", "").await.status, 200);

    // 400 naming the field.
    assert_invalid(&post(&api, SUBSCRIPTIONS, r#"{"instrument": "bogus"}"#).await, "instrument", "a bad key");
    assert_invalid(&post(&api, SUBSCRIPTIONS, &json!({"instrument": TCS}).to_string()).await, "instrument", "TCS");
    assert_invalid(&post(&api, SUBSCRIPTIONS, "{}").await, "instrument", "no instrument");
    let extra = json!({"instrument": INFY, "priority": 1}).to_string();
    assert_invalid(&post(&api, SUBSCRIPTIONS, &extra).await, "priority", "an unknown field");
    assert_invalid(&post(&api, SUBSCRIPTIONS, "[").await, "body", "not JSON");
    assert_invalid(&delete(&api, &format!("{SUBSCRIPTIONS}/bogus")).await, "instrument", "a bad key");
    assert_invalid(&delete(&api, &format!("{infy}?force=yes")).await, "force", "a bad force");
    assert_invalid(&delete(&api, &format!("{infy}?later=1")).await, "later", "an unknown parameter");
    let patches = [
        (r#"{"condition": {"price": "-5"}}"#, "condition.price"),
        (r#"{"condition": {"kind": "price_below"}}"#, "condition"),
        (r#"{"mode": {"mode": "repeat", "cooldown_ms": 0}}"#, "mode.cooldown_ms"),
        (r#"{"instrument": "NSE_EQ|INE467B01029"}"#, "instrument"),
        (r#"{"id": "other"}"#, "id"),
        (r#"{"enabled": "yes"}"#, "enabled"),
        (r#"{"message": "hi"}"#, "message"),
        ("{}", "body"),
    ];
    for (body, field) in patches {
        assert_invalid(&patch(&api, "/api/v1/alerts/r1", body).await, field, body);
    }
    assert_eq!(rule(&api, "r1").await["condition"]["price"], "90000.00", "refused changes changed nothing");
    assert_invalid(&post(&api, "/api/v1/alerts/bad%20id/enable", "").await, "id", "a bad id");
    assert_invalid(&post(&api, "/api/v1/alerts/bad%20id/disable", "").await, "id", "a bad id");
    assert_invalid(&patch(&api, "/api/v1/alerts/bad%20id", change).await, "id", "a bad id");
    assert_invalid(&get(&api, "/api/v1/alerts/history?limit=0").await, "limit", "limit 0");
    assert_invalid(&get(&api, "/api/v1/alerts/history?alert=bad%20id").await, "alert", "a bad rule id");
    assert_invalid(&get(&api, "/api/v1/alerts/history?since=1").await, "since", "an unknown parameter");
    // Creating a rule names every bad field too.
    let bad =
        json!({"id": "bad id", "instrument": TCS, "condition": {"kind": "price_above", "price": "1"}, "colour": 1});
    let reply = post(&api, "/api/v1/alerts", &bad.to_string()).await;
    for field in ["id", "instrument", "colour"] {
        assert_invalid(&reply, field, "a bad new rule");
    }
    assert_invalid(
        &post(&api, "/api/v1/alerts", r#"{"id": "x", "instrument": "NSE_EQ|INE002A01018"}"#).await,
        "condition",
        "no condition",
    );

    // 404 for unknown ids.
    let unknown = format!("{SUBSCRIPTIONS}/{}", segment(TCS));
    assert_eq!(delete(&api, &unknown).await.status, 404, "an instrument that is not configured");
    for reply in [
        patch(&api, "/api/v1/alerts/nope", change).await,
        post(&api, "/api/v1/alerts/nope/enable", "").await,
        post(&api, "/api/v1/alerts/nope/disable", "").await,
    ] {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.body["error"]["code"], "not_found");
    }
    daemon.shutdown().await;
}
