//! The WebSocket event stream (`GET /api/v1/stream`) end to end: a real daemon in process and a
//! real WebSocket client. The subscribed frame, orders and fills of an API order, topic filters,
//! refusals before the upgrade, a slow client disconnected with a reason, client input that cannot
//! hurt the stream, and the close that tells clients the engine stopped.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::{get, market_order, post, wait_for, Api, TempDir, RELIANCE};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};
use trader_actors::daemon::Daemon;
use trader_actors::events::EngineEvent;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The longest any single wait in these tests may take.
const WAIT: Duration = Duration::from_secs(10);

async fn start(extra_config: &str, dir: &TempDir) -> Daemon {
    support::start_daemon(&support::config(extra_config), dir, Vec::new()).await
}

fn stream_url(daemon: &Daemon, query: &str) -> String {
    format!("ws://{}/api/v1/stream{query}", daemon.local_addr)
}

/// An upgrade request for the stream carrying the admin token in `Authorization`.
fn admin_request(daemon: &Daemon, query: &str) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = stream_url(daemon, query).into_client_request().expect("a request");
    let bearer = format!("Bearer {}", support::admin_token(&daemon.state_dir));
    request.headers_mut().insert("authorization", bearer.parse().expect("a header value"));
    request
}

/// Opens the stream (as the admin) and reads its first frame, which must be the subscribed frame.
async fn open(daemon: &Daemon, query: &str) -> (Ws, Value) {
    let (mut ws, response) = timeout(WAIT, connect_async(admin_request(daemon, query)))
        .await
        .expect("the upgrade in time")
        .expect("upgrade");
    assert_eq!(response.status(), 101);
    let first = next_json(&mut ws).await;
    assert_eq!(first["topic"], "control", "{first}");
    assert_eq!(first["event"]["type"], "subscribed", "{first}");
    (ws, first)
}

/// The next frame that is not a ping or pong.
async fn next_frame(ws: &mut Ws) -> Message {
    loop {
        let frame = timeout(WAIT, ws.next()).await.expect("a frame in time").expect("the stream is open");
        match frame.expect("a readable frame") {
            Message::Ping(_) | Message::Pong(_) => continue,
            other => return other,
        }
    }
}

/// The next text frame as JSON.
async fn next_json(ws: &mut Ws) -> Value {
    match next_frame(ws).await {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("frames are JSON"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Reads frames until `done` says so; returns every frame read, the last one included.
async fn read_until(ws: &mut Ws, what: &str, mut done: impl FnMut(&Value) -> bool) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = timeout(WAIT, next_json(ws)).await.unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        let last = done(&frame);
        frames.push(frame);
        if last {
            return frames;
        }
    }
}

/// The next close frame's code and reason, skipping text frames before it.
async fn read_close(ws: &mut Ws) -> (u16, String, usize) {
    let mut texts = 0;
    loop {
        match next_frame(ws).await {
            Message::Text(_) => texts += 1,
            Message::Close(Some(frame)) => return (frame.code.into(), frame.reason.as_str().to_owned(), texts),
            other => panic!("expected text or close, got {other:?}"),
        }
    }
}

fn system_alert(message: &str) -> EngineEvent {
    EngineEvent::SystemAlert { source: "test".to_owned(), message: message.to_owned() }
}

async fn wait_for_quotes(addr: &Api) {
    wait_for("quotes for both instruments", WAIT, || {
        let addr = addr.clone();
        async move {
            (get(&addr, "/api/v1/market/quotes").await.body["quotes"].as_array().map_or(0, Vec::len) == 2).then_some(())
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_frame_names_the_subscribed_topics() {
    let dir = TempDir::new("stream-subscribed");
    let daemon = start("", &dir).await;

    let (_all, subscribed) = open(&daemon, "").await;
    assert_eq!(
        subscribed,
        json!({"topic": "control", "event": {"type": "subscribed", "topics": ["orders", "fills", "risk", "alerts", "strategies"]}})
    );

    let (_some, subscribed) = open(&daemon, "?topics=fills,orders").await;
    assert_eq!(subscribed["event"]["topics"], json!(["orders", "fills"]), "canonical order");

    // Browsers cannot set headers on a WebSocket: the token may come as `?token=` instead.
    let token = support::admin_token(&daemon.state_dir);
    let url = stream_url(&daemon, &format!("?token={token}&topics=risk"));
    let (mut ws, response) = timeout(WAIT, connect_async(url)).await.expect("in time").expect("upgrade");
    assert_eq!(response.status(), 101);
    assert_eq!(next_json(&mut ws).await["event"]["topics"], json!(["risk"]));

    // No token, or a bad one in either place: 401 before the upgrade.
    let mut bad_header = stream_url(&daemon, "").into_client_request().unwrap();
    bad_header.headers_mut().insert("authorization", "Bearer not-a-token".parse().unwrap());
    let refusals = [
        stream_url(&daemon, "").into_client_request().unwrap(),
        stream_url(&daemon, "?token=trd_x_y").into_client_request().unwrap(),
        bad_header,
    ];
    for request in refusals {
        match timeout(WAIT, connect_async(request)).await.expect("in time") {
            Err(WsError::Http(response)) => assert_eq!(response.status(), 401),
            other => panic!("expected a 401, got {other:?}"),
        }
    }
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_order_streams_as_orders_and_fills_events() {
    let dir = TempDir::new("stream-order");
    let daemon = start("", &dir).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    wait_for_quotes(&addr).await;
    let (mut ws, _) = open(&daemon, "").await;

    let placed = post(&addr, "/api/v1/orders", &market_order(RELIANCE, "buy", 2, "stream-1")).await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    let order_id = placed.body["order_id"].as_str().expect("order_id").to_owned();

    let mut filled_order = false;
    let mut filled = false;
    let frames = read_until(&mut ws, "the order's fill and its filled state", |frame| {
        match frame["topic"].as_str() {
            Some("orders") if frame["event"]["order"]["id"] == order_id.as_str() => {
                filled_order |= frame["event"]["order"]["status"] == "filled";
            }
            Some("fills") if frame["event"]["fill"]["order_id"] == order_id.as_str() => filled = true,
            _ => {}
        }
        filled_order && filled
    })
    .await;
    let ours: Vec<&Value> = frames
        .iter()
        .filter(|f| {
            f["event"]["order"]["id"] == order_id.as_str() || f["event"]["fill"]["order_id"] == order_id.as_str()
        })
        .collect();
    for frame in &ours {
        // The envelope's topic is the event's topic, and the event carries its type tag.
        match frame["topic"].as_str() {
            Some("orders") => assert_eq!(frame["event"]["type"], "order", "{frame}"),
            Some("fills") => assert_eq!(frame["event"]["type"], "fill", "{frame}"),
            _ => panic!("unexpected frame for our order: {frame}"),
        }
    }
    let fill = ours.iter().find(|f| f["topic"] == "fills").expect("a fill frame");
    assert_eq!(fill["event"]["fill"]["instrument"], RELIANCE, "{fill}");
    assert_eq!(fill["event"]["fill"]["side"], "buy", "{fill}");
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_filter_excludes_other_topics() {
    let dir = TempDir::new("stream-filter");
    let daemon = start("", &dir).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));
    wait_for_quotes(&addr).await;
    let (mut fills_only, _) = open(&daemon, "?topics=fills").await;
    let (mut alerts_only, _) = open(&daemon, "?topics=alerts").await;

    daemon.services.events.publish(system_alert("marker-1"));
    let placed = post(&addr, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "filter-1")).await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    let order_id = placed.body["order_id"].as_str().expect("order_id").to_owned();
    daemon.services.events.publish(system_alert("marker-2"));

    // The order's events were published before its fill: had the filter let them through, they
    // would be among the frames before it. The alert was published before the order.
    let frames = read_until(&mut fills_only, "the fill", |f| f["event"]["fill"]["order_id"] == order_id.as_str()).await;
    assert!(frames.iter().all(|f| f["topic"] == "fills"), "{frames:?}");

    // Between the two markers the order was placed and filled; none of it reaches this client.
    let frames = read_until(&mut alerts_only, "marker-2", |f| f["event"]["message"] == "marker-2").await;
    assert!(frames.iter().all(|f| f["topic"] == "alerts"), "{frames:?}");
    assert!(frames.iter().any(|f| f["event"]["message"] == "marker-1"), "{frames:?}");
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_json_before_the_upgrade() {
    let dir = TempDir::new("stream-400");
    let daemon = start("", &dir).await;
    let addr = Api::admin(daemon.local_addr, &dir.0.join("state"));

    let reply = get(&addr, "/api/v1/stream?topics=orders,position").await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.body["error"]["code"], "invalid_request");
    let reason = reply.body["error"]["fields"]["topics"].as_str().expect("a reason for topics");
    assert!(reason.contains("`position` is not a topic"), "{reason}");

    let reply = get(&addr, "/api/v1/stream?topic=orders").await;
    assert_eq!((reply.status, reply.body["error"]["fields"]["topic"].is_string()), (400, true), "{}", reply.text);

    // A WebSocket client gets the same answer instead of an upgrade.
    match timeout(WAIT, connect_async(admin_request(&daemon, "?topics=nope"))).await.expect("in time") {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status(), 400);
            let body: Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default()).expect("JSON");
            assert!(body["error"]["fields"]["topics"].is_string(), "{body}");
        }
        other => panic!("expected a 400, got {other:?}"),
    }

    // Plain HTTP with good topics: told to use a WebSocket, in the same JSON shape.
    let reply = get(&addr, "/api/v1/stream?topics=orders").await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.body["error"]["code"], "websocket_required", "{}", reply.text);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_is_disconnected_as_too_slow() {
    let dir = TempDir::new("stream-slow");
    let daemon = start("[queues]\nevents = 16\n", &dir).await;
    let (mut slow, _) = open(&daemon, "").await;

    // Far more than a ring of 16 holds, and more bytes than the loopback socket buffers take, so the
    // server overruns even if it wrote as fast as events came: then it blocks on the unread socket.
    const PUBLISHED: usize = 40_000;
    let padding = "x".repeat(500);
    for n in 0..PUBLISHED {
        daemon.services.events.publish(system_alert(&format!("{n} {padding}")));
    }

    let (code, reason, delivered) =
        timeout(Duration::from_secs(60), read_close(&mut slow)).await.expect("closed in time");
    assert_eq!(code, 1008, "policy violation: {reason}");
    let missed: usize = reason
        .strip_prefix("too slow: ")
        .and_then(|rest| rest.strip_suffix(" events missed"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected close reason {reason:?}"));
    assert!(missed > 0 && delivered + missed <= PUBLISHED, "delivered {delivered}, missed {missed}");

    // Only that client was dropped: the engine and other clients go on.
    let (mut other, _) = open(&daemon, "?topics=alerts").await;
    daemon.services.events.publish(system_alert("after"));
    read_until(&mut other, "the next event", |f| f["event"]["message"] == "after").await;
    assert_eq!(get(&Api::anonymous(daemon.local_addr), "/readyz").await.status, 200);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_input_cannot_break_the_stream() {
    let dir = TempDir::new("stream-input");
    let daemon = start("", &dir).await;
    let (mut ws, _) = open(&daemon, "?topics=alerts").await;

    // A ping is answered; text means nothing here and is ignored.
    ws.send(Message::Ping(Bytes::from_static(b"are you there"))).await.unwrap();
    let pong = timeout(WAIT, ws.next()).await.expect("in time").expect("open").expect("readable");
    assert_eq!(pong, Message::Pong(Bytes::from_static(b"are you there")));
    ws.send(Message::text(r#"{"subscribe": "everything"}"#)).await.unwrap();
    daemon.services.events.publish(system_alert("still here"));
    read_until(&mut ws, "the event after the text", |f| f["event"]["message"] == "still here").await;

    // A message bigger than a client ever needs to send ends that connection only.
    let _ = ws.send(Message::text("x".repeat(64 * 1024))).await;
    let ended = timeout(WAIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await
    .expect("the connection ends in time");
    assert!(matches!(ended, None | Some(1008)), "closed with {ended:?}");

    let (mut other, _) = open(&daemon, "?topics=alerts").await;
    daemon.services.events.publish(system_alert("for the next client"));
    read_until(&mut other, "the event", |f| f["event"]["message"] == "for the next client").await;
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_are_told_when_the_engine_stops() {
    let dir = TempDir::new("stream-stop");
    let daemon = start("", &dir).await;
    let (mut ws, _) = open(&daemon, "?topics=strategies").await;
    assert!(daemon.shutdown().await.is_empty());
    let (code, reason, _) = read_close(&mut ws).await;
    assert_eq!((code, reason.as_str()), (1001, "the engine is shutting down"));
}

// -- security review finding 4: the stream checks its credential again after the upgrade.

/// Opens the stream with `token` in `?token=` and reads the subscribed frame.
async fn open_with_token(daemon: &Daemon, token: &str) -> Ws {
    let url = stream_url(daemon, &format!("?topics=alerts&token={token}"));
    let (mut ws, response) = timeout(WAIT, connect_async(url)).await.expect("the upgrade in time").expect("upgrade");
    assert_eq!(response.status(), 101);
    assert_eq!(next_json(&mut ws).await["event"]["type"], "subscribed");
    ws
}

/// A revoked API token's open stream is closed with 1008 "token revoked" at once (well within
/// the 15 s ping interval), while another client's stream goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_tokens_stream_is_closed() {
    let dir = TempDir::new("stream-revoked");
    let daemon = start("", &dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let created = post(&admin, "/api/v1/admin/tokens", r#"{"name": "wallboard", "role": "viewer"}"#).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let (token, id) = (created.body["token"].as_str().unwrap(), created.body["id"].as_str().unwrap());
    let mut revoked = open_with_token(&daemon, token).await;
    let (mut other, _) = open(&daemon, "?topics=alerts").await;

    let started = std::time::Instant::now();
    let reply = support::delete(&admin, &format!("/api/v1/admin/tokens/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let (code, reason, _) = read_close(&mut revoked).await;
    assert_eq!((code, reason.as_str()), (1008, "token revoked"));
    assert!(started.elapsed() < Duration::from_secs(15), "closed before the next ping: {:?}", started.elapsed());

    daemon.services.events.publish(system_alert("still streaming"));
    let frame = next_json(&mut other).await;
    assert_eq!(frame["event"]["message"], "still streaming", "{frame}");
    assert!(daemon.shutdown().await.is_empty());
}

/// A logged-in user's stream ends when an admin disables the user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_users_stream_is_closed() {
    let dir = TempDir::new("stream-disabled");
    let daemon = start("", &dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let password = "dana-correct-horse-battery";
    let user = json!({"username": "dana", "password": password, "role": "viewer"}).to_string();
    assert_eq!(post(&admin, "/api/v1/admin/users", &user).await.status, 201);
    let login = json!({"username": "dana", "password": password}).to_string();
    let login = post(&Api::anonymous(daemon.local_addr), "/api/v1/auth/login", &login).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let mut ws = open_with_token(&daemon, login.body["access_token"].as_str().unwrap()).await;

    let disable = support::http(&admin, "PATCH", "/api/v1/admin/users/dana", Some(r#"{"disabled": true}"#)).await;
    assert_eq!(disable.expect("PATCH").status, 200);
    let (code, reason, _) = read_close(&mut ws).await;
    assert_eq!((code, reason.as_str()), (1008, "token revoked"));
    assert!(daemon.shutdown().await.is_empty());
}
