//! The orders domain end to end, on a real daemon in process over plain HTTP: modifying an open
//! order (through the risk gate, into the paper matcher, durable across a restart), cancelling
//! all orders or a filtered few, listing with filters and keyset pagination while orders keep
//! arriving, and one order's state history rebuilt after a restart. Each route also answers 400,
//! 401, 403 and 404 as documented.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};
use support::{get, http, post, wait_for, Api, TempDir, INFY, RELIANCE};
use trader::model::InstrumentKey;
use trader_actors::daemon::Daemon;

/// Open orders stay open over a restart (the default cancels them at stop), so a restart shows
/// that a modified order is worked again at its new price.
const LEAVE_OPEN: &str = "[shutdown]\nopen_orders = \"leave\"\n";

async fn start(dir: &TempDir) -> Daemon {
    support::start_daemon(&support::config(LEAVE_OPEN), dir, Vec::new()).await
}

/// Sends the request again while the risk gate's order rate (at most 10 a second, the retail
/// limit, which modifications count towards too) refuses it.
async fn paced(api: &Api, method: &str, path: &str, body: &str) -> support::Reply {
    wait_for("the order rate to allow the request", Duration::from_secs(10), || async {
        let reply = http(api, method, path, Some(body)).await.expect("a reply");
        (reply.body["error"]["code"] != "overall_rate").then_some(reply)
    })
    .await
}

async fn patch(api: &Api, path: &str, body: &str) -> support::Reply {
    paced(api, "PATCH", path, body).await
}

/// The last trade of `instrument`, in micros, once the simulated feed has printed one.
async fn last_micros(daemon: &Daemon, instrument: &str) -> i64 {
    let key = InstrumentKey::new(instrument).expect("a key");
    wait_for("a quote", Duration::from_secs(10), || {
        let last = daemon.services.quotes.get(&key).map(|entry| entry.quote.last.micros());
        async move { last }
    })
    .await
}

/// `micros` moved by `percent` and rounded down onto the 0.05 tick, as the API writes prices.
fn price(micros: i64, percent: i64) -> String {
    let moved = micros * (100 + percent) / 100 / 50_000 * 50_000;
    format!("{}.{:02}", moved / 1_000_000, moved % 1_000_000 / 10_000)
}

fn micros_of(text: &str) -> i64 {
    let price: trader::num::Price = text.parse().expect("a price");
    price.micros()
}

fn limit_order(instrument: &str, side: &str, quantity: u64, price: &str, client_order_id: &str) -> String {
    json!({"instrument": instrument, "side": side, "quantity": quantity, "order_type": "limit", "price": price,
        "client_order_id": client_order_id})
    .to_string()
}

/// Places an order and returns its id.
async fn place(api: &Api, body: &str) -> String {
    let placed = paced(api, "POST", "/api/v1/orders", body).await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    placed.body["order_id"].as_str().expect("an order id").to_owned()
}

/// Creates a user with `role` and returns a client carrying their access token.
async fn user(admin: &Api, name: &str, role: &str) -> Api {
    let password = format!("{name}-correct-horse-battery");
    let created =
        post(admin, "/api/v1/admin/users", &json!({"username": name, "password": password, "role": role}).to_string())
            .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let login = post(
        &Api::anonymous(&admin.addr),
        "/api/v1/auth/login",
        &json!({"username": name, "password": password}).to_string(),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.text);
    admin.with_token(login.body["access_token"].as_str().expect("an access token"))
}

/// (event, status) of each history entry.
fn events(history: &Value) -> Vec<(String, String)> {
    history["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("entries in {history}"))
        .iter()
        .map(|e| (e["event"].as_str().unwrap_or("-").to_owned(), e["status"].as_str().unwrap_or("-").to_owned()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

fn error_fields(reply: &support::Reply) -> Vec<String> {
    reply.body["error"]["fields"].as_object().map(|f| f.keys().cloned().collect()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modified_order_is_checked_worked_at_its_new_price_and_survives_a_restart() {
    let dir = TempDir::new("orders-modify");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let last = last_micros(&daemon, RELIANCE).await;

    // A buy resting 3 % below the market, then moved to 4 % below with more quantity.
    let id = place(&admin, &limit_order(RELIANCE, "buy", 10, &price(last, -3), "mod-1")).await;
    let path = format!("/api/v1/orders/{id}");
    let lower = price(last, -4);
    let changed = patch(&admin, &path, &json!({"quantity": 12, "price": lower}).to_string()).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!((changed.body["quantity"].as_u64(), changed.body["price"].as_str()), (Some(12), Some(lower.as_str())));
    assert_eq!(changed.body["status"], "accepted");
    let shown = get(&admin, &path).await;
    assert_eq!((shown.body["quantity"].as_u64(), shown.body["price"].as_str()), (Some(12), Some(lower.as_str())));

    // Refused by the risk gate, naming the rule; the order is unchanged.
    let far = patch(&admin, &path, &json!({"price": price(last, 20)}).to_string()).await;
    assert_eq!((far.status, far.body["error"]["code"].as_str()), (422, Some("price_band")), "{}", far.text);
    let big = patch(&admin, &path, r#"{"quantity": 5000}"#).await;
    assert_eq!((big.status, big.body["error"]["code"].as_str()), (422, Some("max_order_quantity")), "{}", big.text);
    let shown = get(&admin, &path).await;
    assert_eq!((shown.body["quantity"].as_u64(), shown.body["price"].as_str()), (Some(12), Some(lower.as_str())));

    // A second resting order, moved and left resting across the restart.
    let resting = place(&admin, &limit_order(RELIANCE, "sell", 3, &price(last, 3), "mod-2")).await;
    let higher = price(last, 4);
    let moved = patch(&admin, &format!("/api/v1/orders/{resting}"), &json!({"price": higher}).to_string()).await;
    assert_eq!(moved.status, 200, "{}", moved.text);

    // Moved 3 % above the market the buy is marketable: the paper matcher fills it at the ask,
    // which is at or below the new limit and far above the old one.
    let through = price(last, 3);
    let marketable = patch(&admin, &path, &json!({"price": through}).to_string()).await;
    assert_eq!(marketable.status, 200, "{}", marketable.text);
    let filled = wait_for("the modified order to fill", Duration::from_secs(10), || {
        let admin = admin.clone();
        let path = path.clone();
        async move {
            let order = get(&admin, &path).await.body;
            (order["status"] == "filled").then_some(order)
        }
    })
    .await;
    assert_eq!(filled["filled_quantity"].as_u64(), Some(12));
    let fills = get(&admin, "/api/v1/fills?limit=100").await;
    let ours: Vec<&Value> =
        fills.body["fills"].as_array().expect("fills").iter().filter(|f| f["order_id"] == id.as_str()).collect();
    assert_eq!(ours.iter().map(|f| f["quantity"].as_u64().unwrap_or(0)).sum::<u64>(), 12, "{}", fills.text);
    for fill in &ours {
        let at = micros_of(fill["price"].as_str().expect("a fill price"));
        assert!(at <= micros_of(&through) && at > micros_of(&lower), "filled at {at}: {}", fills.text);
    }

    // A filled order cannot be modified.
    let late = patch(&admin, &path, r#"{"quantity": 20}"#).await;
    assert_eq!((late.status, late.body["error"]["code"].as_str()), (409, Some("not_modifiable")), "{}", late.text);

    let history = get(&admin, &format!("{path}/history")).await;
    assert_eq!(history.status, 200, "{}", history.text);
    let seen = events(&history.body);
    assert_eq!(
        seen[..6],
        pairs(&[
            ("created", "pending"),
            ("accepted", "accepted"),
            ("modify_requested", "pending_modify"),
            ("modified", "accepted"),
            ("modify_requested", "pending_modify"),
            ("modified", "accepted"),
        ])[..]
    );
    assert!(seen[6..].iter().all(|(event, _)| event == "filled"), "{seen:?}");
    assert_eq!(seen.last().map(|(_, status)| status.as_str()), Some("filled"));
    let entries = history.body["entries"].as_array().expect("entries");
    assert_eq!((entries[0]["quantity"].as_u64(), entries[2]["quantity"].as_u64()), (Some(10), Some(12)));
    assert_eq!(entries[2]["price"].as_str(), Some(lower.as_str()));
    assert_eq!(entries[4]["price"].as_str(), Some(through.as_str()));
    assert!(entries[0]["at"].as_str().is_some_and(|at| at.ends_with("+05:30")), "IST times");
    assert!(daemon.shutdown().await.is_empty());

    // After a restart: the orders, their changes and their histories are rebuilt from the journal,
    // and the resting sell is worked again at its new price.
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    last_micros(&daemon, RELIANCE).await;
    let again = get(&admin, &format!("{path}/history")).await;
    assert_eq!(again.body, history.body, "the history after the restart");
    let order = get(&admin, &format!("/api/v1/orders/{resting}")).await;
    assert_eq!(
        (order.body["status"].as_str(), order.body["price"].as_str()),
        (Some("accepted"), Some(higher.as_str()))
    );
    let resting_history = get(&admin, &format!("/api/v1/orders/{resting}/history")).await;
    assert_eq!(
        events(&resting_history.body),
        pairs(&[
            ("created", "pending"),
            ("accepted", "accepted"),
            ("modify_requested", "pending_modify"),
            ("modified", "accepted"),
        ])
    );
    let back = patch(&admin, &format!("/api/v1/orders/{resting}"), r#"{"quantity": 4}"#).await;
    assert_eq!((back.status, back.body["quantity"].as_u64()), (200, Some(4)), "{}", back.text);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modification_computed_from_a_stale_read_is_refused_and_no_change_is_lost() {
    use trader_actors::actors::order_router::{RouterMsg, RouterQuery};
    use trader_actors::actors::risk_gate::RiskMsg;
    use trader_actors::submit_error::SubmitError;

    let dir = TempDir::new("orders-stale-modify");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let last = last_micros(&daemon, RELIANCE).await;
    let id = place(&admin, &limit_order(RELIANCE, "buy", 10, &price(last, -3), "stale-1")).await;
    let path = format!("/api/v1/orders/{id}");

    // A second caller reads the order, then a first change lands.
    let order_id = trader::model::OrderId::new(id.clone()).expect("an order id");
    let router = daemon.services.slots.router.get().expect("a router");
    let stale = router
        .call(|reply| RouterMsg::Query(RouterQuery::Order { id: order_id, reply }), Some(Duration::from_secs(5)))
        .await
        .expect("the router answers")
        .expect("in time")
        .expect("the order");
    let lower = price(last, -4);
    let first = patch(&admin, &path, &json!({"price": lower}).to_string()).await;
    assert_eq!(first.status, 200, "{}", first.text);

    // The second change, computed from its stale copy, enters the pipeline as the API sends it:
    // refused (the API's 409 `order_changed`), and the first change stays.
    let (tx, rx) = ractor::concurrency::oneshot();
    let kind = stale.request.intent.kind;
    let sent = daemon.services.risk().try_send(|permit| RiskMsg::Modify {
        order: Box::new(stale),
        kind,
        quantity: trader::num::Quantity::new(20),
        reply: tx.into(),
        permit,
    });
    assert!(sent.is_ok(), "the risk gate takes the change");
    match rx.await.expect("an answer") {
        Err(e @ SubmitError::Changed(_)) => assert!(e.to_string().contains("changed since it was read"), "{e}"),
        other => panic!("expected the change refused, got {other:?}"),
    }
    let shown = get(&admin, &path).await;
    assert_eq!((shown.body["price"].as_str(), shown.body["quantity"].as_u64()), (Some(lower.as_str()), Some(10)));

    // Over HTTP, two changes of different fields at once: each one answered 200 is in the order
    // afterwards (a change computed from a stale read is answered 409 `order_changed`, never
    // applied over the other).
    for round in 0..6u64 {
        let target_price = price(last, if round % 2 == 0 { -3 } else { -4 });
        let target_quantity = 11 + round;
        let price_body = json!({"price": target_price}).to_string();
        let quantity_body = json!({"quantity": target_quantity}).to_string();
        let (by_price, by_quantity) =
            tokio::join!(patch(&admin, &path, &price_body), patch(&admin, &path, &quantity_body));
        for reply in [&by_price, &by_quantity] {
            assert!(
                reply.status == 200 || (reply.status == 409 && reply.body["error"]["code"] == "order_changed"),
                "{}",
                reply.text
            );
        }
        let shown = get(&admin, &path).await;
        if by_price.status == 200 {
            assert_eq!(shown.body["price"].as_str(), Some(target_price.as_str()), "round {round}: {}", shown.text);
        }
        if by_quantity.status == 200 {
            assert_eq!(shown.body["quantity"].as_u64(), Some(target_quantity), "round {round}: {}", shown.text);
        }
    }
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modification_the_journal_cannot_take_is_answered_503_and_leaves_the_order_as_it_was() {
    let dir = TempDir::new("orders-modify-journal");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let last = last_micros(&daemon, RELIANCE).await;
    let placed = price(last, -3);
    let id = place(&admin, &limit_order(RELIANCE, "buy", 10, &placed, "journal-1")).await;
    let path = format!("/api/v1/orders/{id}");
    let before = get(&admin, &format!("{path}/history")).await;
    assert_eq!(before.status, 200, "{}", before.text);

    // The journal stops taking records: the change is not made, and not pretended refused either.
    daemon.services.journal.close();
    let refused = patch(&admin, &path, &json!({"price": price(last, -4)}).to_string()).await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    let shown = get(&admin, &path).await;
    assert_eq!(
        (shown.body["price"].as_str(), shown.body["status"].as_str()),
        (Some(placed.as_str()), Some("accepted"))
    );
    let after = get(&admin, &format!("{path}/history")).await;
    assert_eq!(events(&after.body), events(&before.body), "no modify_requested/modify_rejected made up");
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_cancel_all_and_history_refuse_bad_requests_and_callers() {
    let dir = TempDir::new("orders-refusals");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let anonymous = Api::anonymous(daemon.local_addr);
    let viewer = user(&admin, "vera", "viewer").await;
    let risk = user(&admin, "rick", "risk").await;
    let trader = user(&admin, "tina", "trader").await;
    let last = last_micros(&daemon, RELIANCE).await;
    let id = place(&trader, &limit_order(RELIANCE, "buy", 5, &price(last, -3), "ref-1")).await;
    let path = format!("/api/v1/orders/{id}");

    // 400: each bad field named; an unknown field; a field the order type does not have.
    let bad = patch(&trader, &path, r#"{"price": "abc", "quantity": -1, "colour": "red"}"#).await;
    assert_eq!((bad.status, error_fields(&bad)), (400, vec!["colour".to_owned(), "price".into(), "quantity".into()]));
    let bad = patch(&trader, &path, r#"{"trigger_price": "10"}"#).await;
    assert_eq!((bad.status, error_fields(&bad)), (400, vec!["trigger_price".to_owned()]));
    let bad = patch(&trader, &path, "{}").await;
    assert_eq!((bad.status, error_fields(&bad)), (400, vec!["body".to_owned()]));
    let bad = patch(&trader, "/api/v1/orders/not%20an%20id", r#"{"quantity": 1}"#).await;
    assert_eq!((bad.status, error_fields(&bad)), (400, vec!["order_id".to_owned()]));
    let bad = post(&trader, "/api/v1/orders/cancel-all", r#"{"side": "buy", "instrument": "nope"}"#).await;
    assert_eq!((bad.status, error_fields(&bad)), (400, vec!["instrument".to_owned(), "side".into()]));
    let bad = get(&trader, "/api/v1/orders/not%20an%20id/history").await;
    assert_eq!((bad.status, error_fields(&bad)), (400, vec!["order_id".to_owned()]));

    // 404.
    let missing = patch(&trader, "/api/v1/orders/o999-1", r#"{"quantity": 1}"#).await;
    assert_eq!((missing.status, missing.body["error"]["code"].as_str()), (404, Some("not_found")));
    assert_eq!(get(&viewer, "/api/v1/orders/o999-1/history").await.status, 404);

    // 401 without a token; 403 for a role without the permission (risk cancels but never trades).
    assert_eq!(patch(&anonymous, &path, r#"{"quantity": 6}"#).await.status, 401);
    assert_eq!(post(&anonymous, "/api/v1/orders/cancel-all", "").await.status, 401);
    assert_eq!(get(&anonymous, &format!("{path}/history")).await.status, 401);
    assert_eq!(patch(&viewer, &path, r#"{"quantity": 6}"#).await.status, 403);
    assert_eq!(patch(&risk, &path, r#"{"quantity": 6}"#).await.status, 403);
    assert_eq!(post(&viewer, "/api/v1/orders/cancel-all", "").await.status, 403);
    assert_eq!(get(&viewer, &format!("{path}/history")).await.status, 200, "reading needs only read");
    assert_eq!(get(&admin, &path).await.body["quantity"].as_u64(), Some(5), "refused requests changed nothing");

    // A cancelled order is not open: 409.
    let cancelled = post(&risk, "/api/v1/orders/cancel-all", "").await;
    assert_eq!((cancelled.status, cancelled.body["count"].as_u64()), (200, Some(1)), "{}", cancelled.text);
    let late = patch(&trader, &path, r#"{"quantity": 6}"#).await;
    assert_eq!((late.status, late.body["error"]["code"].as_str()), (409, Some("not_modifiable")));
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_all_cancels_every_open_order_or_only_those_the_filter_names() {
    let dir = TempDir::new("orders-cancel-all");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let (reliance, infy) = (last_micros(&daemon, RELIANCE).await, last_micros(&daemon, INFY).await);
    let r1 = place(&admin, &limit_order(RELIANCE, "buy", 1, &price(reliance, -3), "ca-1")).await;
    let r2 = place(&admin, &limit_order(RELIANCE, "sell", 1, &price(reliance, 3), "ca-2")).await;
    let i1 = place(&admin, &limit_order(INFY, "buy", 1, &price(infy, -3), "ca-3")).await;

    let none = post(&admin, "/api/v1/orders/cancel-all", r#"{"strategy": "sma_reliance"}"#).await;
    assert_eq!((none.status, none.body["count"].as_u64()), (200, Some(0)), "{}", none.text);
    let some =
        post(&admin, "/api/v1/orders/cancel-all", &json!({"instrument": RELIANCE, "strategy": "manual"}).to_string())
            .await;
    assert_eq!(some.status, 200, "{}", some.text);
    assert_eq!(some.body, json!({"cancelled": [r1, r2], "count": 2}));
    let open = get(&admin, "/api/v1/orders?status=open").await;
    let open_ids: Vec<&str> =
        open.body["orders"].as_array().expect("orders").iter().filter_map(|o| o["order_id"].as_str()).collect();
    assert_eq!(open_ids, [i1.as_str()]);
    assert_eq!(get(&admin, &format!("/api/v1/orders/{r1}")).await.body["status"], "cancelled");

    let rest = post(&admin, "/api/v1/orders/cancel-all", "").await;
    assert_eq!(rest.body, json!({"cancelled": [i1], "count": 1}), "{}", rest.text);
    let nothing = post(&admin, "/api/v1/orders/cancel-all", "{}").await;
    assert_eq!(nothing.body, json!({"cancelled": [], "count": 0}));
    let history = get(&admin, &format!("/api/v1/orders/{i1}/history")).await;
    assert_eq!(
        events(&history.body),
        pairs(&[
            ("created", "pending"),
            ("accepted", "accepted"),
            ("cancel_requested", "pending_cancel"),
            ("cancelled", "cancelled")
        ])
    );
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_walk_every_order_once_while_new_ones_arrive_and_filters_combine() {
    let dir = TempDir::new("orders-pages");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let last = last_micros(&daemon, RELIANCE).await;
    let below = price(last, -3);
    let mut placed = Vec::new();
    for n in 0..23 {
        placed.push(place(&admin, &limit_order(RELIANCE, "buy", 1, &below, &format!("page-{n}"))).await);
    }

    // Walk 5 at a time, placing an order (and cancelling an old one) between pages.
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => "/api/v1/orders?limit=5".to_owned(),
            Some(c) => format!("/api/v1/orders?limit=5&cursor={c}"),
        };
        let page = get(&admin, &path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(
            page.body["orders"]
                .as_array()
                .expect("orders")
                .iter()
                .map(|o| o["order_id"].as_str().unwrap_or("-").to_owned()),
        );
        pages += 1;
        if pages <= 3 {
            placed.push(place(&admin, &limit_order(RELIANCE, "buy", 1, &below, &format!("late-{pages}"))).await);
            assert_eq!(
                http(&admin, "DELETE", &format!("/api/v1/orders/{}", placed[pages]), None).await.unwrap().status,
                200
            );
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 20, "pagination does not end");
    }
    assert_eq!(seen, placed, "every order once, in creation order, the late ones at the end");
    assert_eq!(pages, 6, "26 orders, 5 a page");

    // Filters.
    let count = |path: String| {
        let admin = admin.clone();
        async move {
            let reply = get(&admin, &path).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.text);
            reply.body["orders"].as_array().map_or(0, Vec::len)
        }
    };
    assert_eq!(count("/api/v1/orders?status=open&limit=1000".into()).await, 23);
    assert_eq!(count("/api/v1/orders?status=cancelled".into()).await, 3);
    assert_eq!(count("/api/v1/orders?status=filled".into()).await, 0);
    assert_eq!(count("/api/v1/orders?side=sell".into()).await, 0);
    assert_eq!(count(format!("/api/v1/orders?instrument={}", RELIANCE.replace('|', "%7C"))).await, 26);
    assert_eq!(count(format!("/api/v1/orders?instrument={}", INFY.replace('|', "%7C"))).await, 0);
    assert_eq!(count("/api/v1/orders?strategy=manual&side=buy".into()).await, 26);
    assert_eq!(count("/api/v1/orders?strategy=sma_reliance".into()).await, 0);
    assert_eq!(count("/api/v1/orders?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z".into()).await, 0);
    assert_eq!(count("/api/v1/orders?since=2000-01-01T00:00:00%2B05:30".into()).await, 26);
    // The created_at of the 10th order as `since`: it and the 16 after it.
    let tenth = get(&admin, &format!("/api/v1/orders/{}", placed[9])).await;
    let since = tenth.body["created_at"].as_str().expect("created_at").replace(' ', "T").replace('+', "%2B");
    let window = get(&admin, &format!("/api/v1/orders?since={since}&limit=1000")).await;
    let first = window.body["orders"][0]["order_id"].as_str().map(str::to_owned);
    assert!(
        window.body["orders"].as_array().map_or(0, Vec::len) >= 17,
        "orders created in the same millisecond may come before: {}",
        window.text
    );
    assert!(first.is_some_and(|id| placed[..10].contains(&id)));
    // Existing callers: no parameters, every order (fewer than a page), no cursor.
    let plain = get(&admin, "/api/v1/orders").await;
    assert_eq!((plain.body["orders"].as_array().map(Vec::len), &plain.body["next_cursor"]), (Some(26), &Value::Null));

    // Every bad parameter named.
    let bad = get(&admin, "/api/v1/orders?limit=0&status=done&side=up&since=soon&cursor=a%20b&page=2").await;
    assert_eq!(
        (bad.status, error_fields(&bad)),
        (400, ["cursor", "limit", "page", "side", "since", "status"].map(str::to_owned).to_vec())
    );
    assert_eq!(error_fields(&get(&admin, "/api/v1/orders?limit=1001").await), ["limit"]);
    assert_eq!(error_fields(&get(&admin, "/api/v1/orders?strategy=a%20b").await), ["strategy"]);
    assert_eq!(error_fields(&get(&admin, "/api/v1/orders?instrument=XX").await), ["instrument"]);
    let set: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(set.len(), seen.len());
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_describes_the_new_order_routes() {
    let dir = TempDir::new("orders-doc");
    let daemon = start(&dir).await;
    let doc = get(&Api::admin(daemon.local_addr, &daemon.state_dir), "/api/v1/openapi.json").await.body;
    let paths = &doc["paths"];
    let modify = &paths["/api/v1/orders/{order_id}"]["patch"];
    assert_eq!(modify["operationId"], "modify_order");
    assert_eq!(
        modify["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ModifyOrderBody"
    );
    for status in ["200", "400", "401", "403", "404", "409", "422"] {
        assert!(modify["responses"][status].is_object(), "PATCH documents {status}");
    }
    let cancel_all = &paths["/api/v1/orders/cancel-all"]["post"];
    assert_eq!(cancel_all["operationId"], "cancel_all_orders");
    assert_ne!(cancel_all["requestBody"]["required"], true, "the body is optional");
    assert_eq!(paths["/api/v1/orders/{order_id}/history"]["get"]["operationId"], "order_history");
    let list_params: Vec<&str> = paths["/api/v1/orders"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(list_params, ["status", "instrument", "strategy", "side", "since", "until", "limit", "cursor"]);
    assert_eq!(doc["components"]["schemas"]["ModifyOrderBody"]["additionalProperties"], false);
    assert!(daemon.shutdown().await.is_empty());
}
