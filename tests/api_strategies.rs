//! Strategy instances over the API, end to end on a real daemon with the simulated feed: deploy
//! (the new instance trades), change parameters (the runner restarts with them, its position
//! kept), remove (refused while it holds a position, unless forced), and every change still
//! there after a restart. Then backtest jobs: listed newest first, a queued and a running job
//! cancelled. And the refusals of each route: 400 naming the field, 401, 403 for a viewer, 404,
//! 409.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{delete, get, http, post, Api, Reply, TempDir, INFY, RELIANCE};
use tokio::sync::broadcast::error::TryRecvError;
use trader_actors::daemon::Daemon;
use trader_actors::events::EngineEvent;

/// A configured strategy that never starts (so it never trades: removing it needs no force),
/// on 1-second bars (so the daemon builds them and deployed instances may use them).
fn config() -> String {
    support::config(&format!(
        r#"
[[strategies]]
id = "cfg_idle"
kind = "sma_cross"
instruments = ["{RELIANCE}"]
bar_interval = "1s"
enabled = false
[strategies.params]
fast = 3
slow = 8
sizing = {{ fixed = {{ quantity = 1 }} }}
"#
    ))
}

async fn start(dir: &TempDir) -> Daemon {
    support::start_daemon(&config(), dir, Vec::new()).await
}

async fn patch(api: &Api, path: &str, body: &str) -> Reply {
    http(api, "PATCH", path, Some(body)).await.expect("PATCH")
}

/// A token of a new user with `role`.
async fn token_of(admin: &Api, name: &str, role: &str) -> Api {
    let password = format!("{name}-correct-horse-battery");
    let user = json!({"username": name, "password": password, "role": role});
    let created = post(admin, "/api/v1/admin/users", &user.to_string()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let login = json!({"username": name, "password": password});
    let reply = post(&Api::anonymous(&admin.addr), "/api/v1/auth/login", &login.to_string()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    admin.with_token(reply.body["access_token"].as_str().expect("an access token"))
}

/// The listed strategies by id.
async fn strategies(api: &Api) -> Vec<Value> {
    let reply = get(api, "/api/v1/strategies").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["strategies"].as_array().expect("a list").clone()
}

async fn strategy(api: &Api, id: &str) -> Option<Value> {
    strategies(api).await.into_iter().find(|s| s["id"] == id)
}

/// The orders strategy `id` placed.
async fn orders_of(api: &Api, id: &str) -> Vec<Value> {
    let reply = get(api, "/api/v1/orders").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let origin = format!("strategy:{id}");
    reply.body["orders"].as_array().expect("orders").iter().filter(|o| o["origin"] == origin).cloned().collect()
}

/// Enters on the first bar closing above the previous two bars' highs, and never exits within a
/// test (its exit channel needs 50,000 bars): a position that stays.
fn holder(id: &str, start: bool) -> String {
    json!({
        "id": id, "kind": "donchian", "instruments": [INFY], "bar_interval": "1s", "start": start,
        "params": {"entry": 2, "exit": 50000, "sizing": {"fixed": {"quantity": 1}}}
    })
    .to_string()
}

fn sma(id: &str, start: bool) -> String {
    json!({
        "id": id, "kind": "sma_cross", "instruments": [RELIANCE], "bar_interval": "1s", "start": start,
        "params": {"fast": 2, "slow": 4, "sizing": {"fixed": {"quantity": 1}}}
    })
    .to_string()
}

const WAIT: Duration = Duration::from_secs(60);

/// The `strategy_status` events of strategy `id` waiting in `events`.
fn strategy_statuses(events: &mut tokio::sync::broadcast::Receiver<EngineEvent>, id: &str) -> Vec<String> {
    let mut statuses = Vec::new();
    loop {
        match events.try_recv() {
            Ok(EngineEvent::StrategyStatus { id: of, status }) if of.as_str() == id => statuses.push(status),
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(_) => return statuses,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployed_strategies_trade_change_and_go_and_every_change_survives_a_restart() {
    let dir = TempDir::new("api-strategies");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);

    // Deploy: 201 with the instance as listed; it runs and trades on the simulated feed.
    let reply = post(&admin, "/api/v1/strategies", &holder("api_hold", true)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["kind"], "donchian");
    assert_eq!(
        reply.body["params"],
        json!({"kind": "donchian", "params": {"entry": 2, "exit": 50000,
        "sizing": {"fixed": {"quantity": 1}}}})
    );
    assert_eq!(reply.body["status"]["state"]["state"], "running", "{}", reply.text);
    let reply = post(&admin, "/api/v1/strategies", &sma("api_sma", false)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["status"]["state"]["state"], "stopped", "deployed with start=false: {}", reply.text);
    for duplicate in [holder("api_hold", false), sma("cfg_idle", false)] {
        let reply = post(&admin, "/api/v1/strategies", &duplicate).await;
        assert_eq!((reply.status, reply.body["error"]["code"].as_str()), (409, Some("duplicate")), "{}", reply.text);
    }
    let bought = support::wait_for("the deployed strategy's first fill", WAIT, || {
        let admin = admin.clone();
        async move { orders_of(&admin, "api_hold").await.into_iter().find(|o| o["status"] == "filled") }
    })
    .await;
    assert_eq!((bought["side"].as_str(), bought["instrument"].as_str()), (Some("buy"), Some(INFY)), "{bought}");
    let listed: Vec<String> =
        strategies(&admin).await.iter().map(|s| s["id"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(listed, ["cfg_idle", "api_hold", "api_sma"]);

    // New parameters: the fields given replace the current ones; a running instance restarts
    // with them and keeps its position (it does not buy again).
    let mut events = daemon.services.events.subscribe();
    let reply = patch(&admin, "/api/v1/strategies/api_hold/params", r#"{"entry": 3}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(strategy_statuses(&mut events, "api_hold"), ["running"], "the runner restarted");
    assert_eq!(reply.body["params"]["params"]["entry"], 3);
    assert_eq!(reply.body["params"]["params"]["exit"], 50000);
    assert_eq!(reply.body["status"]["state"]["state"], "running");
    let reply = patch(&admin, "/api/v1/strategies/api_sma/params", r#"{"fast": 3, "slow": 7}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(strategy(&admin, "api_sma").await.expect("listed")["params"]["params"]["slow"], 7);
    assert_eq!(strategy(&admin, "api_hold").await.expect("listed")["params"]["params"]["entry"], 3);

    // Removal: refused while it holds a position; a flat one (here, never started) goes.
    let reply = delete(&admin, "/api/v1/strategies/api_hold").await;
    assert_eq!((reply.status, reply.body["error"]["code"].as_str()), (409, Some("strategy_exposed")), "{}", reply.text);
    assert!(reply.text.contains("force=true"), "{}", reply.text);
    assert_eq!(strategy(&admin, "api_hold").await.expect("still there")["status"]["state"]["state"], "running");
    let reply = delete(&admin, "/api/v1/strategies/cfg_idle").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body, json!({"id": "cfg_idle", "removed": true, "cancelled_orders": 0, "positions": []}));
    assert!(strategy(&admin, "cfg_idle").await.is_none());
    assert_eq!(post(&admin, "/api/v1/strategies/cfg_idle/start", "").await.status, 404);
    // Still holding one: its restarted runner rebuilt the position from its orders.
    let holdings: Vec<Value> = orders_of(&admin, "api_hold").await;
    assert_eq!(holdings.iter().filter(|o| o["side"] == "buy").count(), 1, "{holdings:?}");

    // A restart: deployed instances come back with their parameters and state, the removed
    // config instance stays removed.
    daemon.shutdown().await;
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let listed: Vec<String> =
        strategies(&admin).await.iter().map(|s| s["id"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(listed, ["api_hold", "api_sma"], "deployed ones back, cfg_idle still removed");
    let hold = strategy(&admin, "api_hold").await.expect("listed");
    assert_eq!(
        (hold["params"]["params"]["entry"].as_u64(), hold["status"]["state"]["state"].as_str()),
        (Some(3), Some("running"))
    );
    let sma_view = strategy(&admin, "api_sma").await.expect("listed");
    assert_eq!(sma_view["params"]["params"]["fast"], 3);
    assert_eq!(sma_view["status"]["state"]["state"], "stopped", "{sma_view}");

    // Forced removal: its position is left (and named), and it stays gone after a restart.
    let reply = delete(&admin, "/api/v1/strategies/api_hold?force=true").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["positions"], json!([{"instrument": INFY, "quantity": 1}]), "{}", reply.text);
    assert!(strategy(&admin, "api_hold").await.is_none());
    daemon.shutdown().await;
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let listed: Vec<String> =
        strategies(&admin).await.iter().map(|s| s["id"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(listed, ["api_sma"]);
    // An id removed can be deployed again.
    assert_eq!(post(&admin, "/api/v1/strategies", &sma("cfg_idle", false)).await.status, 201);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strategy_routes_refuse_bad_input_missing_rights_and_unknown_ids() {
    let dir = TempDir::new("api-strategies-refusals");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let anonymous = Api::anonymous(daemon.local_addr);
    let viewer = token_of(&admin, "vera", "viewer").await;
    let trader = token_of(&admin, "tara", "trader").await;

    // 400: every bad field named, as the config file would name it.
    let bad = json!({
        "id": "x y", "kind": "sma_cross", "instruments": ["NSE_EQ|INE467B01029", "NSE_INDEX|Nifty 50", 5],
        "bar_interval": "5m", "start": "yes", "colour": "red",
        "params": {"fast": 20, "slow": 10, "slwo": 3, "sizing": {"fixed": {"quantity": 0}}}
    });
    let reply = post(&admin, "/api/v1/strategies", &bad.to_string()).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let fields: Vec<&str> =
        reply.body["error"]["fields"].as_object().expect("fields").keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        [
            "bar_interval",
            "colour",
            "id",
            "instruments[0]",
            "instruments[1]",
            "instruments[2]",
            "params.sizing.fixed.quantity",
            "params.slow",
            "params.slwo",
            "start"
        ],
        "{}",
        reply.text
    );
    assert_eq!(reply.body["error"]["fields"]["params.slow"], "must be greater than fast (20), got 10");
    let reply = post(&admin, "/api/v1/strategies", r#"{"id": "a", "kind": "rsi", "instruments": []}"#).await;
    assert_eq!(reply.status, 400);
    let fields = &reply.body["error"]["fields"];
    assert!(fields["kind"].as_str().is_some_and(|r| r.contains("unknown strategy kind")), "{}", reply.text);
    assert_eq!(fields["params"], "is required");
    assert_eq!(post(&admin, "/api/v1/strategies", "[").await.status, 400);

    // 401 and 403 on every changing route; a viewer still reads.
    let body = sma("probe", false);
    for api in [&anonymous, &viewer] {
        let want = if api.token.is_some() { 403 } else { 401 };
        assert_eq!(post(api, "/api/v1/strategies", &body).await.status, want);
        assert_eq!(patch(api, "/api/v1/strategies/cfg_idle/params", r#"{"fast": 2}"#).await.status, want);
        assert_eq!(delete(api, "/api/v1/strategies/cfg_idle").await.status, want);
    }
    assert_eq!(get(&viewer, "/api/v1/strategies").await.status, 200);
    assert!(strategy(&admin, "probe").await.is_none(), "refused requests changed nothing");

    // The trader role may; each change is an event on the stream's `strategies` topic.
    let mut events = daemon.services.events.subscribe();
    assert_eq!(post(&trader, "/api/v1/strategies", &body).await.status, 201);
    let reply = patch(&trader, "/api/v1/strategies/probe/params", r#"{"fast": 9}"#).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["error"]["fields"]["slow"], "must be greater than fast (9), got 4", "{}", reply.text);
    let reply = patch(&trader, "/api/v1/strategies/probe/params", r#"{"entry": 2, "kind": "donchian"}"#).await;
    assert_eq!(reply.status, 400);
    let fields: Vec<&str> =
        reply.body["error"]["fields"].as_object().expect("fields").keys().map(String::as_str).collect();
    assert_eq!(fields, ["entry", "kind"]);
    assert_eq!(patch(&trader, "/api/v1/strategies/probe/params", "{}").await.status, 400);
    assert_eq!(strategy(&admin, "probe").await.expect("listed")["params"]["params"]["fast"], 2, "unchanged");
    let reply = delete(&trader, "/api/v1/strategies/probe?force=maybe").await;
    assert_eq!((reply.status, reply.body["error"]["fields"]["force"].is_string()), (400, true), "{}", reply.text);
    assert_eq!(delete(&trader, "/api/v1/strategies/probe?forse=true").await.status, 400);
    assert_eq!(delete(&trader, "/api/v1/strategies/probe").await.status, 200);
    assert_eq!(strategy_statuses(&mut events, "probe"), ["stopped", "removed"]);

    // 404: unknown ids (also one removed a moment ago); 400 naming `id` for a malformed one.
    for id in ["probe", "nope"] {
        assert_eq!(patch(&admin, &format!("/api/v1/strategies/{id}/params"), r#"{"fast": 2}"#).await.status, 404);
        assert_eq!(delete(&admin, &format!("/api/v1/strategies/{id}")).await.status, 404);
    }
    let malformed = patch(&admin, "/api/v1/strategies/bad%20id/params", r#"{"fast": 2}"#).await;
    assert_eq!((malformed.status, malformed.body["error"]["fields"]["id"].is_string()), (400, true));
    let malformed = delete(&admin, "/api/v1/strategies/bad%20id").await;
    assert_eq!((malformed.status, malformed.body["error"]["fields"]["id"].is_string()), (400, true));
    daemon.shutdown().await;
}

const EURUSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/eurusd-h1.csv");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backtests_are_listed_newest_first_and_cancelled_queued_or_running() {
    let dir = TempDir::new("api-backtests");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let anonymous = Api::anonymous(daemon.local_addr);
    let viewer = token_of(&admin, "vera", "viewer").await;
    let data = daemon.state_dir.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::copy(EURUSD, data.join("eurusd.csv")).expect("data file");

    // A sweep of thousands of runs holds the only worker; a single run waits behind it.
    let sweep = r#"{"data": "eurusd.csv", "params": {"fast": "1..60:1", "slow": "2..120:1"}}"#;
    let long = post(&admin, "/api/v1/backtests", sweep).await;
    assert_eq!(long.status, 202, "{}", long.text);
    let long = long.body["id"].as_u64().expect("an id");
    let queued = post(&admin, "/api/v1/backtests", r#"{"data": "eurusd.csv", "params": {"fast": 2, "slow": 5}}"#).await;
    let queued = queued.body["id"].as_u64().expect("an id");

    let reply = get(&viewer, "/api/v1/backtests").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let jobs = reply.body["backtests"].as_array().expect("a list").clone();
    assert_eq!(jobs.iter().map(|j| j["id"].as_u64()).collect::<Vec<_>>(), [Some(queued), Some(long)], "newest first");
    assert_eq!((jobs[1]["sweep"].as_bool(), jobs[1]["data"].as_str()), (Some(true), Some("eurusd.csv")));
    assert_eq!(jobs[0]["status"], "queued");
    let limited = get(&viewer, "/api/v1/backtests?limit=1").await;
    assert_eq!(limited.body["backtests"].as_array().map(Vec::len), Some(1));
    for bad in ["status=paused", "limit=0", "limit=x", "colour=red"] {
        let reply = get(&viewer, &format!("/api/v1/backtests?{bad}")).await;
        let field = bad.split('=').next().unwrap_or_default();
        assert_eq!(
            (reply.status, reply.body["error"]["fields"][field].is_string()),
            (400, true),
            "{bad}: {}",
            reply.text
        );
    }

    // Cancel: 401, 403 for a viewer, then the queued job (it never runs) and the running one.
    let path = format!("/api/v1/backtests/{queued}");
    assert_eq!(delete(&anonymous, &path).await.status, 401);
    assert_eq!(delete(&viewer, &path).await.status, 403);
    let reply = delete(&admin, &path).await;
    assert_eq!((reply.status, reply.body["status"].as_str()), (200, Some("cancelled")), "{}", reply.text);
    support::wait_for("the sweep to run", WAIT, || {
        let admin = admin.clone();
        async move { (get(&admin, &format!("/api/v1/backtests/{long}")).await.body["status"] == "running").then_some(()) }
    })
    .await;
    let reply = delete(&admin, &format!("/api/v1/backtests/{long}")).await;
    assert_eq!((reply.status, reply.body["status"].as_str()), (200, Some("cancelled")), "{}", reply.text);
    assert_eq!(get(&admin, &format!("/api/v1/backtests/{long}")).await.body["status"], "cancelled");
    assert_eq!(get(&admin, &format!("/api/v1/backtests/{long}/report")).await.status, 404, "a cancelled job has none");
    let listed = get(&viewer, "/api/v1/backtests?status=cancelled").await;
    assert_eq!(listed.body["backtests"].as_array().map(Vec::len), Some(2), "{}", listed.text);
    assert_eq!(get(&viewer, "/api/v1/backtests?status=running").await.body["backtests"], json!([]));

    // 409 once finished; 404 for an unknown job.
    let reply = delete(&admin, &path).await;
    assert_eq!((reply.status, reply.body["error"]["code"].as_str()), (409, Some("finished")), "{}", reply.text);
    assert_eq!(delete(&admin, "/api/v1/backtests/999").await.status, 404);
    let malformed = delete(&admin, "/api/v1/backtests/nope").await;
    assert_eq!((malformed.status, malformed.body["error"]["fields"]["id"].is_string()), (400, true));
    daemon.shutdown().await;
}
