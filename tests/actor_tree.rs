//! End to end on the real actor tree, in process: supervision of a panicking strategy, conflation
//! for a slow one, a full order queue that refuses instead of dropping, stale-feed gating, and the
//! API's answers to malformed bodies.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use support::{get, market_order, post, wait_for, Api, TempDir, INFY, RELIANCE};
use tokio::net::TcpListener;
use trader::bars::BarInterval;
use trader::model::{InstrumentKey, OrderIntent, Quote, Side, StrategyId};
use trader::num::Quantity;
use trader::strategy::{Strategy, StrategyContext};
use trader::time::Timestamp;
use trader_actors::daemon::{Daemon, ExtraStrategy};
use trader_actors::events::EngineEvent;

async fn start(config: &str, dir: &TempDir, extra: Vec<ExtraStrategy>) -> Daemon {
    support::start_daemon(config, dir, extra).await
}

fn key(text: &str) -> InstrumentKey {
    InstrumentKey::new(text).unwrap()
}

fn extra(id: &str, instrument: &str, factory: impl Fn() -> Box<dyn Strategy> + Send + Sync + 'static) -> ExtraStrategy {
    ExtraStrategy {
        id: StrategyId::new(id).unwrap(),
        instruments: vec![key(instrument)],
        interval: BarInterval::S1,
        factory: Arc::new(factory),
    }
}

/// Panics on its first quote, every time it is started.
struct Panicky;

impl Strategy for Panicky {
    fn kind(&self) -> &'static str {
        "panicky"
    }

    fn on_quote(&mut self, _ctx: &mut StrategyContext<'_>, _quote: &Quote) {
        panic!("strategy bug");
    }
}

/// Buys one share on every timer tick (once a second), so it trades for as long as it runs.
struct Steady {
    instrument: InstrumentKey,
}

impl Strategy for Steady {
    fn kind(&self) -> &'static str {
        "steady"
    }

    fn on_timer(&mut self, ctx: &mut StrategyContext<'_>, _now: Timestamp) {
        ctx.submit(OrderIntent::market(self.instrument.clone(), Side::Buy, Quantity::new(1)));
    }
}

async fn fills_of(addr: &Api, strategy: &str) -> usize {
    let orders = get(addr, "/api/v1/orders").await.body;
    orders["orders"]
        .as_array()
        .map(|orders| {
            orders.iter().filter(|o| o["origin"] == format!("strategy:{strategy}") && o["status"] == "filled").count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_strategy_is_respawned_then_stopped_while_another_keeps_trading() {
    let dir = TempDir::new("panic");
    let config = support::config("[supervision]\nmax_restarts = 2\nwindow_ms = 60000\nheartbeat_ms = 200\n");
    let steady_key = key(INFY);
    let strategies = vec![
        extra("panicky", RELIANCE, || Box::new(Panicky)),
        extra("steady", INFY, move || Box::new(Steady { instrument: steady_key.clone() })),
    ];
    let daemon = start(&config, &dir, strategies).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    let mut events = daemon.services.events.subscribe();

    let status = wait_for("the panicky strategy to exhaust its budget", Duration::from_secs(15), || {
        let board = Arc::clone(&daemon.services.status);
        async move {
            let status = board.get("strategy:panicky")?;
            matches!(status.state, trader_actors::status_board::ActorState::Failed(_)).then_some(status)
        }
    })
    .await;
    assert_eq!(status.restarts, 2, "respawned exactly max_restarts times before giving up");
    assert!(status.last_error.as_deref().is_some_and(|e| e.contains("strategy bug")), "{status:?}");

    // An alert fired about it.
    let alerted = wait_for("a system alert about the strategy", Duration::from_secs(5), || {
        let event = events.try_recv();
        async move {
            match event {
                Ok(EngineEvent::SystemAlert { source, message }) if source == "strategy:panicky" => Some(message),
                _ => None,
            }
        }
    })
    .await;
    assert!(alerted.contains("failed 3 times"), "{alerted}");

    // The other strategy keeps trading after the failure.
    let before = fills_of(&addr, "steady").await;
    wait_for("the steady strategy to trade on", Duration::from_secs(10), || {
        let addr = addr.clone();
        async move { (fills_of(&addr, "steady").await > before).then_some(()) }
    })
    .await;
    let listed = get(&addr, "/api/v1/strategies").await;
    assert_eq!(listed.status, 200);
    assert!(daemon.shutdown().await.is_empty());
}

/// Takes its time on every quote and records what it saw.
struct Slow {
    seen: Arc<Mutex<Vec<Timestamp>>>,
}

impl Strategy for Slow {
    fn kind(&self) -> &'static str {
        "slow"
    }

    fn on_quote(&mut self, _ctx: &mut StrategyContext<'_>, quote: &Quote) {
        self.seen.lock().unwrap().push(quote.ts);
        std::thread::sleep(Duration::from_millis(40));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_strategy_sees_conflated_quotes_not_a_growing_queue() {
    let dir = TempDir::new("slow");
    let config = support::config("").replace("interval_ms = 5", "interval_ms = 1");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&seen);
    let daemon =
        start(&config, &dir, vec![extra("slow", RELIANCE, move || Box::new(Slow { seen: Arc::clone(&recorder) }))])
            .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let seen = seen.lock().unwrap().clone();
    // At 40 ms a quote it can take at most ~38 quotes in 1.5 s while ~1,500 were published.
    assert!(seen.len() >= 5 && seen.len() <= 60, "saw {} quotes", seen.len());
    // It never lags: the last quote it saw is among the newest, not 1,500 quotes behind.
    let newest = daemon.services.quotes.get(&key(RELIANCE)).unwrap().quote.ts;
    let lag = newest.since(*seen.last().unwrap());
    // A queued backlog would leave it over a second behind by now; conflated, it keeps up (the
    // bound leaves room for a loaded CI machine).
    assert!(lag < 700_000_000, "strategy is {} ms behind the feed", lag / 1_000_000);
    // Consecutive quotes it saw skip many ticks: they were conflated, not queued.
    let gaps: Vec<i64> = seen.windows(2).map(|w| w[1].since(w[0])).collect();
    assert!(gaps.iter().skip(1).all(|g| *g >= 5_000_000), "quotes 1 ms apart were queued: {gaps:?}");
    let metrics = get(&Api::admin(daemon.local_addr, &dir.0.join("state")), "/metrics").await.text;
    assert!(metrics.contains("traderd_queue_conflated_total{queue=\"strategy\"}"), "conflation is metered");
    assert!(daemon.shutdown().await.is_empty());
}

/// Emits `count` orders at once on its third timer tick (after the test has subscribed to events).
struct Burst {
    instrument: InstrumentKey,
    count: usize,
    ticks: usize,
}

impl Strategy for Burst {
    fn kind(&self) -> &'static str {
        "burst"
    }

    fn on_timer(&mut self, ctx: &mut StrategyContext<'_>, _now: Timestamp) {
        self.ticks += 1;
        if self.ticks == 3 {
            for _ in 0..self.count {
                ctx.submit(OrderIntent::market(self.instrument.clone(), Side::Buy, Quantity::new(1)));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_order_queue_refuses_and_every_order_is_accounted_for() {
    let dir = TempDir::new("burst");
    let config = support::config("[queues]\norders = 3\n");
    let burst_key = key(RELIANCE);
    const COUNT: usize = 40;
    let daemon = start(
        &config,
        &dir,
        vec![extra("burst", RELIANCE, move || {
            Box::new(Burst { instrument: burst_key.clone(), count: COUNT, ticks: 0 })
        })],
    )
    .await;
    let mut events = daemon.services.events.subscribe();
    let queue_refused = Arc::new(AtomicUsize::new(0));
    let risk_refused = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let (q, r, c) = (Arc::clone(&queue_refused), Arc::clone(&risk_refused), Arc::clone(&created));
    let counter = tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            match event {
                // Refused at the risk gate's queue (by the runner) or at the router's (by the gate).
                EngineEvent::SystemAlert { source, message } if source == "strategy burst" || source == "router" => {
                    assert!(message.contains("queue is full"), "{message}");
                    q.fetch_add(1, Ordering::SeqCst);
                }
                EngineEvent::Refusal { origin, .. } if origin == "burst" => {
                    r.fetch_add(1, Ordering::SeqCst);
                }
                EngineEvent::Order { order } if order.status() == trader::model::OrderStatus::Accepted => {
                    c.fetch_add(1, Ordering::SeqCst);
                }
                _ => {}
            }
        }
    });
    wait_for(
        "every burst order to be accounted for (queue-refused + risk-refused + accepted)",
        Duration::from_secs(10),
        || {
            let total = queue_refused.load(Ordering::SeqCst)
                + risk_refused.load(Ordering::SeqCst)
                + created.load(Ordering::SeqCst);
            async move { (total == COUNT).then_some(()) }
        },
    )
    .await;
    assert!(queue_refused.load(Ordering::SeqCst) > 0, "the queue of 3 refused some of {COUNT}");
    assert!(created.load(Ordering::SeqCst) > 0, "some orders went through");
    counter.abort();
    assert!(daemon.shutdown().await.is_empty());
}

/// A JSON tick server whose ticks can be paused.
async fn tick_server(paused: Arc<std::sync::atomic::AtomicBool>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let paused = Arc::clone(&paused);
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
                let _subscribe = ws.next().await;
                let mut price = 245_000i64;
                loop {
                    if !paused.load(Ordering::SeqCst) {
                        price += 5;
                        let ts =
                            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
                        let frame = format!(
                            r#"{{"instrument":"{RELIANCE}","ts":{ts},"last":"{}.{:02}","last_quantity":5,"bid":"{}.{:02}","bid_quantity":100,"ask":"{}.{:02}","ask_quantity":100}}"#,
                            price / 100,
                            price % 100,
                            (price - 5) / 100,
                            (price - 5) % 100,
                            (price + 5) / 100,
                            (price + 5) % 100
                        );
                        if ws.send(tokio_tungstenite::tungstenite::Message::text(frame)).await.is_err() {
                            return;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_feed_refuses_orders_with_the_stale_reason_then_recovers() {
    let dir = TempDir::new("stale");
    let paused = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let server = tick_server(Arc::clone(&paused)).await;
    let config = format!(
        r#"
[feed.source]
kind = "websocket_json"
url = "ws://{server}/ticks"

[[instruments]]
key = "{RELIANCE}"
symbol = "RELIANCE"

[risk]
stale_quote_after_ms = 400

[risk.market_hours]
always_open = true
"#
    );
    let daemon = start(&config, &dir, Vec::new()).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    wait_for("ticks", Duration::from_secs(10), || {
        let addr = addr.clone();
        async move {
            (get(&addr, "/readyz").await.status == 200
                && get(&addr, "/api/v1/market/quotes").await.body["quotes"][0].is_object())
            .then_some(())
        }
    })
    .await;
    let fresh = post(&addr, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "fresh-1")).await;
    assert_eq!(fresh.status, 201, "{}", fresh.text);

    paused.store(true, Ordering::SeqCst);
    wait_for("the last tick to age past stale_quote_after_ms", Duration::from_secs(5), || {
        let addr = addr.clone();
        async move {
            let status = get(&addr, "/api/v1/status").await.body;
            (status["feed"]["age_seconds"][RELIANCE].as_f64().unwrap_or(0.0) > 0.5).then_some(())
        }
    })
    .await;
    let stale = post(&addr, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "stale-try")).await;
    assert_eq!((stale.status, stale.body["error"]["code"].as_str()), (422, Some("stale_quote")), "{}", stale.text);
    let status = wait_for("the feed handler to flag the instrument", Duration::from_secs(5), || {
        let addr = addr.clone();
        async move {
            let status = get(&addr, "/api/v1/status").await.body;
            (status["feed"]["stale"].as_array().is_some_and(|s| !s.is_empty())).then_some(status)
        }
    })
    .await;
    assert_eq!(status["feed"]["stale"][0], RELIANCE);

    paused.store(false, Ordering::SeqCst);
    wait_for("fresh ticks", Duration::from_secs(5), || {
        let addr = addr.clone();
        async move {
            let status = get(&addr, "/api/v1/status").await.body;
            (status["feed"]["age_seconds"][RELIANCE].as_f64().unwrap_or(9.0) < 0.2).then_some(())
        }
    })
    .await;
    let recovered = post(&addr, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "fresh-2")).await;
    assert_eq!(recovered.status, 201, "{}", recovered.text);
    assert_eq!(recovered.body["status"], "filled", "{}", recovered.text);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_api_requests_get_400_with_field_errors() {
    let dir = TempDir::new("api400");
    let daemon = start(&support::config(""), &dir, Vec::new()).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    let cases = [
        ("/api/v1/orders", "{not json", vec!["body"]),
        (
            "/api/v1/orders",
            r#"{"side": "up", "quantity": -1, "order_type": "limit", "price": "x", "oops": 1}"#,
            vec!["instrument", "oops", "price", "quantity", "side"],
        ),
        (
            "/api/v1/orders",
            r#"{"instrument": "NSE_EQ|INE002A01018", "side": "buy", "quantity": 1, "order_type": "sl"}"#,
            vec!["price", "trigger_price"],
        ),
        ("/api/v1/admin/kill-switch", r#"{"state": "paused"}"#, vec!["state"]),
    ];
    for (path, body, fields) in cases {
        let reply = post(&addr, path, body).await;
        assert_eq!(reply.status, 400, "{path} {body}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request");
        let named: Vec<&str> = reply.body["error"]["fields"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(named, fields, "{}", reply.text);
    }
    let reply = get(&addr, "/api/v1/orders?status=sideways").await;
    assert_eq!((reply.status, reply.body["error"]["fields"]["status"].is_string()), (400, true), "{}", reply.text);
    let reply = get(&addr, "/api/v1/market/bars/NSE_EQ|INE002A01018?interval=7m").await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(get(&addr, "/api/v1/orders/o-missing").await.status, 404);
    assert_eq!(get(&addr, "/api/v1/nothing-here").await.status, 404);
    let big = format!(r#"{{"tag": "{}"}}"#, "x".repeat(100_000));
    assert_eq!(post(&addr, "/api/v1/orders", &big).await.status, 413, "bodies are size-limited");
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backtests_run_as_jobs_and_serve_their_report() {
    let dir = TempDir::new("backtests");
    let daemon = start(&support::config(""), &dir, Vec::new()).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    let data_dir = dir.0.join("state").join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/eurusd-h1.csv");
    std::fs::copy(shared, data_dir.join("eurusd.csv")).expect("the shared EURUSD data beside the project");

    let body =
        r#"{"data": "eurusd.csv", "params": {"fast": 10, "slow": 20}, "commission": "0.002", "utc_offset": "Z"}"#;
    let submitted = post(&addr, "/api/v1/backtests", body).await;
    assert_eq!(submitted.status, 202, "{}", submitted.text);
    let id = submitted.body["id"].as_u64().expect("id");
    let done = wait_for("the backtest to finish", Duration::from_secs(30), || {
        let addr = addr.clone();
        async move {
            let status = get(&addr, &format!("/api/v1/backtests/{id}")).await.body;
            (status["status"] == "done" || status["status"] == "failed").then_some(status)
        }
    })
    .await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["summary"]["bars"], 5000);
    let report = get(&addr, &format!("/api/v1/backtests/{id}/report")).await;
    assert_eq!(report.status, 200);
    assert!(report.text.contains("<svg"), "the report carries its charts inline");

    let escape = post(&addr, "/api/v1/backtests", r#"{"data": "../journal.redb"}"#).await;
    assert_eq!((escape.status, escape.body["error"]["fields"]["data"].is_string()), (400, true), "{}", escape.text);
    assert_eq!(get(&addr, "/api/v1/backtests/999").await.status, 404);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_client_order_id_returns_the_existing_order() {
    let dir = TempDir::new("idempotent");
    let daemon = start(&support::config(""), &dir, Vec::new()).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    wait_for("quotes", Duration::from_secs(10), || {
        let addr = addr.clone();
        async move {
            (get(&addr, "/api/v1/market/quotes").await.body["quotes"].as_array().map_or(0, Vec::len) == 2).then_some(())
        }
    })
    .await;
    let first = post(&addr, "/api/v1/orders", &market_order(RELIANCE, "buy", 3, "same-1")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = post(&addr, "/api/v1/orders", &market_order(RELIANCE, "buy", 3, "same-1")).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["order_id"], first.body["order_id"]);
    let orders = get(&addr, "/api/v1/orders").await.body;
    assert_eq!(orders["orders"].as_array().unwrap().len(), 1, "no second order was created");
    let positions = get(&addr, "/api/v1/positions").await.body;
    assert_eq!(positions["positions"][0]["quantity"], 3);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_cancels_open_orders_and_the_cancel_survives_a_restart() {
    let dir = TempDir::new("drain");
    let config = support::config("");
    let daemon = start(&config, &dir, Vec::new()).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    let last = wait_for("a quote", Duration::from_secs(10), || {
        let addr = addr.clone();
        async move {
            let quotes = get(&addr, &format!("/api/v1/market/quotes?instruments={RELIANCE}")).await.body;
            quotes["quotes"][0]["last"].as_str().map(|s| s.parse::<f64>().unwrap())
        }
    })
    .await;
    // A limit buy 3 % under the market: inside the price band, far from filling.
    let limit = ((last * 0.97) * 20.0).floor() / 20.0;
    let body = format!(
        r#"{{"instrument": "{RELIANCE}", "side": "buy", "quantity": 1, "order_type": "limit", "price": "{limit:.2}", "client_order_id": "resting-1"}}"#
    );
    let placed = post(&addr, "/api/v1/orders", &body).await;
    assert_eq!((placed.status, placed.body["status"].as_str()), (201, Some("accepted")), "{}", placed.text);
    let id = placed.body["order_id"].as_str().unwrap().to_owned();
    assert!(daemon.shutdown().await.is_empty());

    let daemon = start(&config, &dir, Vec::new()).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    let order = get(&addr, &format!("/api/v1/orders/{id}")).await;
    assert_eq!(order.body["status"], "cancelled", "{}", order.text);
    assert!(daemon.shutdown().await.is_empty());
}
