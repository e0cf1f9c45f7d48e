//! `GET /api/v1/stream`: the engine's events over a WebSocket, one JSON text frame per event.
//!
//! Every frame is `{"topic": "...", "event": {...}}`; the first one after the upgrade is
//! `{"topic": "control", "event": {"type": "subscribed", "topics": [...]}}`. `?topics=orders,fills`
//! keeps only those topics (`EngineEvent::topic`); an unknown topic is a 400 before the upgrade.
//!
//! The stream never slows the engine: each client reads the shared, bounded broadcast ring at its
//! own pace, and a client that falls so far behind that events it had not yet received were
//! overwritten is disconnected with close code 1008 and the reason "too slow: N events missed". It
//! can reconnect and re-read state over the REST routes. Memory per client is bounded: small read
//! limits (clients only send control frames), a bounded write buffer, and a write that does not
//! finish within [`SEND_TIMEOUT`] drops the connection.
//!
//! The credential the client connected with is checked again after the upgrade: at once whenever
//! users, sessions or tokens change, and on every ping (which also catches an access token that
//! expired). A credential that no longer lets the client read — revoked, user disabled or logged
//! out, password reset, expired — closes the stream with 1008 and the reason.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Serialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;
use tokio::sync::watch;
use tokio::time::{self, Instant, MissedTickBehavior};

use super::auth_gate::bearer;
use super::auth_service::AuthService;
use super::error::ApiError;
use super::state::ControlState;
use crate::auth::{AuthError, Permission};
use crate::events::EngineEvent;

/// Every topic an event can carry (`EngineEvent::topic`), in the order the subscribed frame lists
/// them. A test below fails to compile when `EngineEvent` gains a variant, so this list is revisited.
pub const TOPICS: [&str; 5] = EngineEvent::TOPICS;

/// The topic of frames the stream itself sends (the subscribed frame); not a filter.
const CONTROL_TOPIC: &str = "control";

/// A ping this often keeps proxies and NAT from dropping an idle stream, and proves the client is there.
pub const PING_INTERVAL: Duration = Duration::from_secs(15);

/// A client heard from not at all for this long (two pings unanswered) is gone; its connection is closed.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(45);

/// A write (a batch of frames, a ping) that cannot finish in this time means the client stopped
/// reading and its TCP window is shut: nothing more can be delivered, so the connection is dropped.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the closing handshake may take before the connection is dropped anyway.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Events taken from the ring per write, so one flush carries many frames but pings and client
/// frames still get a turn.
const BATCH: usize = 64;

/// Clients send only control frames (pong, close); anything bigger than this is refused.
const MAX_CLIENT_MESSAGE: usize = 4 * 1024;
/// Frames are gathered up to this size before they are written out (a flush ends every batch).
const WRITE_BUFFER: usize = 64 * 1024;
/// A backstop: the write buffer holds at most one batch's target plus one event; no event is this big.
const MAX_WRITE_BUFFER: usize = 4 * 1024 * 1024;

/// The handler: read the topics, then upgrade. The authorisation gate has already checked the token
/// (`Authorization: Bearer` or `?token=`). Everything that can refuse the request runs before the
/// upgrade, so a refusal is an ordinary JSON error.
pub async fn stream(
    State(state): State<ControlState>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let pairs = query.map(|Query(pairs)| pairs);
    let pairs = pairs.map_err(|rejection| field_error("query", rejection.body_text()))?;
    let topics = read_query(&pairs)?;
    // The credential the gate accepted, in the same order of preference, to check it again later.
    let query_token = pairs.iter().find(|(key, value)| key == "token" && !value.is_empty()).map(|(_, v)| v.clone());
    let Some(token) = bearer(&headers).or(query_token) else {
        return Err(ApiError::unauthenticated("unauthenticated", "this route needs `Authorization: Bearer <token>`"));
    };
    let access = Access::of(Arc::clone(&state.auth), token);
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "websocket_required",
            format!("{}; connect with a WebSocket client", rejection.body_text()),
        )
    })?;
    // Subscribed before the upgrade: every event after the handshake reaches the client.
    let events = state.services.events.subscribe();
    Ok(upgrade
        .read_buffer_size(MAX_CLIENT_MESSAGE)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| serve_client(socket, events, topics, access, PING_INTERVAL)))
}

/// Whether the client may still read: `Err(reason)` for the close frame when it may not.
type Check = Box<dyn Fn() -> Result<(), &'static str> + Send + Sync>;

/// The client's credential, checked again after the upgrade.
pub struct Access {
    check: Check,
    /// Changes to users, sessions and tokens; `None` once the auth service is gone.
    changes: Option<watch::Receiver<u64>>,
}

impl Access {
    /// `token` (a bearer credential) as `auth` judges it now, and whenever auth state changes.
    fn of(auth: Arc<AuthService>, token: String) -> Access {
        let changes = Some(auth.changes());
        let check: Check = Box::new(move || match auth.verify_bearer(&token) {
            Ok(principal) if principal.role.allows(Permission::Read) => Ok(()),
            Ok(_) => Err("token may no longer read"),
            Err(AuthError::TokenExpired) => Err("token expired"),
            Err(_) => Err("token revoked"),
        });
        Access { check, changes }
    }

    /// Checks again; the close to send when the credential no longer lets the client read.
    fn recheck(&self) -> Result<(), End> {
        (self.check)().map_err(|reason| {
            tracing::info!(reason, "event stream client's credential no longer valid; closed");
            close(close_code::POLICY, reason.to_owned())
        })
    }

    /// Resolves when auth state changed; never, once the auth service is gone.
    async fn changed(&mut self) {
        if let Some(changes) = &mut self.changes {
            if changes.changed().await.is_ok() {
                return;
            }
        }
        self.changes = None;
        std::future::pending::<()>().await;
    }
}

fn field_error(field: &str, reason: impl Into<String>) -> ApiError {
    let mut fields = BTreeMap::new();
    fields.insert(field.to_owned(), reason.into());
    ApiError::invalid(fields)
}

/// Reads `topics` (repeatable, comma-separated) and `token` (read by the authorisation gate, which
/// accepts it on this route only: browsers cannot set headers on a WebSocket); anything else
/// is refused, naming the parameter.
fn read_query(pairs: &[(String, String)]) -> Result<Topics, ApiError> {
    let mut fields = BTreeMap::new();
    let mut requested: Option<Vec<&str>> = None;
    for (key, value) in pairs {
        match key.as_str() {
            "topics" => requested.get_or_insert_with(Vec::new).push(value),
            "token" => {}
            other => {
                fields.insert(other.to_owned(), "is not a known parameter".to_owned());
            }
        }
    }
    let topics = match requested {
        None => Ok(Topics::all()),
        Some(values) => Topics::parse(&values),
    };
    match topics {
        Ok(topics) if fields.is_empty() => Ok(topics),
        Ok(_) => Err(ApiError::invalid(fields)),
        Err(reason) => {
            fields.insert("topics".to_owned(), reason);
            Err(ApiError::invalid(fields))
        }
    }
}

/// The topics one client receives: a subset of [`TOPICS`], in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics(Vec<&'static str>);

impl Topics {
    /// Every topic.
    pub fn all() -> Topics {
        Topics(TOPICS.to_vec())
    }

    /// Reads comma-separated topic lists; names every unknown topic. An empty list or name is an
    /// error rather than "everything", so a client that built an empty filter by mistake finds out.
    pub fn parse(values: &[&str]) -> Result<Topics, String> {
        let mut wanted = Vec::new();
        let mut unknown = Vec::new();
        for name in values.iter().flat_map(|value| value.split(',')).map(str::trim) {
            if name.is_empty() {
                return Err("has an empty topic name; leave `topics` out to receive every topic".to_owned());
            }
            match TOPICS.iter().find(|known| **known == name) {
                Some(known) => wanted.push(*known),
                None => unknown.push(format!("`{name}`")),
            }
        }
        if !unknown.is_empty() {
            let list = unknown.join(", ");
            let verb = if unknown.len() == 1 { "is not a topic" } else { "are not topics" };
            return Err(format!("{list} {verb}; topics are {}", TOPICS.join(", ")));
        }
        Ok(Topics(TOPICS.iter().copied().filter(|topic| wanted.contains(topic)).collect()))
    }

    /// Whether an event of `topic` goes to this client.
    pub fn wants(&self, topic: &str) -> bool {
        self.0.contains(&topic)
    }

    /// The topics, as the subscribed frame lists them.
    pub fn names(&self) -> &[&'static str] {
        &self.0
    }
}

/// One text frame's JSON.
#[derive(Serialize)]
struct Frame<'a, E: Serialize> {
    topic: &'a str,
    event: E,
}

/// The stream's own events.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ControlEvent<'a> {
    Subscribed { topics: &'a [&'static str] },
}

/// The frame for `event`, or `None` when the client did not ask for its topic or it cannot be
/// encoded (logged; the stream goes on).
fn event_frame(event: &EngineEvent, topics: &Topics) -> Option<Message> {
    let topic = event.topic();
    if !topics.wants(topic) {
        return None;
    }
    match serde_json::to_string(&Frame { topic, event }) {
        Ok(text) => Some(Message::text(text)),
        Err(error) => {
            tracing::error!(topic, %error, "an engine event could not be encoded for the event stream; skipped");
            None
        }
    }
}

fn subscribed_frame(topics: &Topics) -> Message {
    let frame = Frame { topic: CONTROL_TOPIC, event: ControlEvent::Subscribed { topics: topics.names() } };
    // A struct of strings always encodes; the fallback keeps this free of panics all the same.
    Message::text(serde_json::to_string(&frame).unwrap_or_default())
}

/// Why a client's stream ended, and so how its connection is closed.
#[derive(Debug)]
enum End {
    /// The client sent a close frame; its reply is already queued and only needs flushing.
    ClientClosed,
    /// The connection is broken or stalled: no close frame can be delivered.
    Broken,
    /// We close, telling the client why.
    Close(CloseFrame),
}

fn close(code: u16, reason: String) -> End {
    End::Close(CloseFrame { code, reason: reason.into() })
}

/// Streams events to one client until it leaves, lags, goes silent, loses its credential or the
/// bus closes. Holds only the receiver (not the services), so the bus closes once the engine has
/// stopped. Pings (and periodic credential checks) come every `ping_interval` ([`PING_INTERVAL`]).
async fn serve_client<S>(
    mut socket: S,
    mut events: Receiver<EngineEvent>,
    topics: Topics,
    mut access: Access,
    ping_interval: Duration,
) where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin,
{
    let clients = metrics::gauge!(crate::metrics_names::STREAM_CLIENTS);
    clients.increment(1.0);
    let end = pump(&mut socket, &mut events, &topics, &mut access, ping_interval).await;
    let why = match &end {
        End::ClientClosed => "client_closed",
        End::Broken => "broken",
        End::Close(frame) if frame.code == close_code::AWAY => "shutdown",
        End::Close(frame) if frame.reason.as_str().starts_with("too slow") => "too_slow",
        End::Close(_) => "policy",
    };
    metrics::counter!(crate::metrics_names::STREAM_DISCONNECTS_TOTAL, "reason" => why).increment(1);
    clients.decrement(1.0);
    // Let go of the ring before the (possibly slow) closing handshake.
    drop(events);
    finish(&mut socket, end).await;
}

async fn pump<S>(
    socket: &mut S,
    events: &mut Receiver<EngineEvent>,
    topics: &Topics,
    access: &mut Access,
    ping_interval: Duration,
) -> End
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin,
{
    if let Err(end) = write(socket, vec![subscribed_frame(topics)]).await {
        return end;
    }
    let mut last_heard = Instant::now();
    let mut pings = time::interval_at(last_heard + ping_interval, ping_interval);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            incoming = socket.next() => match incoming {
                None => return End::Broken,
                Some(Ok(Message::Close(_))) => return End::ClientClosed,
                // Pings are answered by the WebSocket layer; any frame proves the client is there.
                // Text and binary frames mean nothing on this stream and are ignored.
                Some(Ok(_)) => last_heard = Instant::now(),
                Some(Err(error)) => {
                    tracing::debug!(%error, "event stream client sent an unreadable frame");
                    return close(close_code::POLICY, "unreadable frame: clients send only pong and close".to_owned());
                }
            },
            () = access.changed() => {
                if let Err(end) = access.recheck() {
                    return end;
                }
            }
            first = events.recv() => {
                let (frames, stop) = take_batch(first, events, topics);
                if let Err(end) = write(socket, frames).await {
                    return end;
                }
                if let Some(end) = stop {
                    return end;
                }
            }
            _ = pings.tick() => {
                let silent = last_heard.elapsed();
                if silent >= SILENCE_LIMIT {
                    tracing::info!(silent_s = silent.as_secs(), "event stream client stopped answering pings; closed");
                    return close(close_code::POLICY, format!("no reply to ping for {} s", silent.as_secs()));
                }
                if let Err(end) = access.recheck() {
                    return end;
                }
                if let Err(end) = write(socket, vec![Message::Ping(Bytes::new())]).await {
                    return end;
                }
            }
        }
    }
}

/// The frames for `first` and whatever else is already waiting (up to [`BATCH`]), and why to stop
/// after writing them, if the ring overran this client or closed.
fn take_batch(
    first: Result<EngineEvent, RecvError>,
    events: &mut Receiver<EngineEvent>,
    topics: &Topics,
) -> (Vec<Message>, Option<End>) {
    let mut frames = Vec::new();
    let mut next = Some(first);
    let mut taken = 0;
    while let Some(received) = next.take() {
        match received {
            Ok(event) => frames.extend(event_frame(&event, topics)),
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "event stream client too slow; disconnected");
                return (frames, Some(close(close_code::POLICY, format!("too slow: {missed} events missed"))));
            }
            Err(RecvError::Closed) => {
                return (frames, Some(close(close_code::AWAY, "the engine is shutting down".to_owned())));
            }
        }
        taken += 1;
        if taken < BATCH {
            next = match events.try_recv() {
                Ok(event) => Some(Ok(event)),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Lagged(missed)) => Some(Err(RecvError::Lagged(missed))),
                Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
            };
        }
    }
    (frames, None)
}

/// Writes `frames` with one flush, within [`SEND_TIMEOUT`].
async fn write<S>(socket: &mut S, frames: Vec<Message>) -> Result<(), End>
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    if frames.is_empty() {
        return Ok(());
    }
    let written = time::timeout(SEND_TIMEOUT, async {
        for frame in frames {
            socket.feed(frame).await?;
        }
        socket.flush().await
    })
    .await;
    match written {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            tracing::debug!(%error, "event stream client connection lost");
            Err(End::Broken)
        }
        Err(_) => {
            tracing::warn!(timeout_s = SEND_TIMEOUT.as_secs(), "event stream client stopped reading; dropped");
            Err(End::Broken)
        }
    }
}

/// Closes the connection as `end` says, within [`CLOSE_TIMEOUT`].
async fn finish<S>(socket: &mut S, end: End)
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin,
{
    let closing = async {
        match end {
            End::Broken => {}
            End::ClientClosed => {
                let _ = socket.close().await;
            }
            End::Close(frame) => {
                if socket.send(Message::Close(Some(frame))).await.is_ok() {
                    // Wait for the client's reply: dropping the connection at once could reset it
                    // before the client has read our close frame and its reason.
                    while let Some(Ok(_)) = socket.next().await {}
                }
            }
        }
    };
    let _ = time::timeout(CLOSE_TIMEOUT, closing).await;
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use serde_json::{json, Value};
    use tokio::sync::mpsc;
    use trader::risk::TradingState;

    use super::*;
    use crate::events::EventBus;

    /// Fails to compile when `EngineEvent` gains a variant: give it a topic in [`TOPICS`] and a case
    /// in `one_of_each`.
    fn exhaustive(event: &EngineEvent) {
        match event {
            EngineEvent::Order { .. }
            | EngineEvent::Fill { .. }
            | EngineEvent::Refusal { .. }
            | EngineEvent::Alert { .. }
            | EngineEvent::SystemAlert { .. }
            | EngineEvent::TradingState { .. }
            | EngineEvent::StrategyStatus { .. } => {}
        }
    }

    fn alert(message: &str) -> EngineEvent {
        EngineEvent::SystemAlert { source: "test".to_owned(), message: message.to_owned() }
    }

    fn halted(reason: &str) -> EngineEvent {
        EngineEvent::TradingState { state: TradingState::Halted, reason: reason.to_owned() }
    }

    /// One event of every variant.
    fn one_of_each() -> Vec<EngineEvent> {
        use trader::alerts::AlertFiring;
        use trader::charges::ChargeBreakdown;
        use trader::model::{
            ClientOrderId, Fill, FillId, InstrumentKey, Order, OrderId, OrderIntent, OrderOrigin, OrderRequest, Side,
            StrategyId,
        };
        use trader::num::{Price, Quantity};
        use trader::time::Timestamp;

        let instrument = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        let at = Timestamp::from_nanos(1_700_000_000_000_000_000);
        let price: Price = "2450.05".parse().unwrap();
        let request = OrderRequest {
            client_order_id: ClientOrderId::new("c-1").unwrap(),
            origin: OrderOrigin::Manual,
            intent: OrderIntent::market(instrument.clone(), Side::Buy, Quantity::new(1)),
            tag: None,
        };
        let fill = Fill {
            id: FillId::new("f-1").unwrap(),
            order_id: OrderId::new("o-1").unwrap(),
            instrument: instrument.clone(),
            side: Side::Buy,
            product: request.intent.product,
            quantity: Quantity::new(1),
            price,
            ts: at,
            charges: ChargeBreakdown::default(),
        };
        let firing =
            AlertFiring { rule_id: "r-1".to_owned(), instrument, price, at, message: "crossed 2450".to_owned() };
        vec![
            EngineEvent::Order { order: Order::new(OrderId::new("o-1").unwrap(), request, at) },
            EngineEvent::Fill { fill },
            EngineEvent::Refusal {
                client_order_id: "c-2".to_owned(),
                origin: "api".to_owned(),
                code: "max_quantity",
                message: "too big".to_owned(),
            },
            EngineEvent::Alert { firing },
            alert("a"),
            halted("h"),
            EngineEvent::StrategyStatus { id: StrategyId::new("s1").unwrap(), status: "running".to_owned() },
        ]
    }

    #[test]
    fn every_topic_is_listed_and_every_event_encodes() {
        let events = one_of_each();
        let mut seen: Vec<&str> = Vec::new();
        for event in &events {
            exhaustive(event);
            assert!(TOPICS.contains(&event.topic()), "{} is missing from TOPICS", event.topic());
            seen.push(event.topic());
            let Some(Message::Text(text)) = event_frame(event, &Topics::all()) else {
                panic!("{event:?} did not encode");
            };
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            assert_eq!(frame["topic"], event.topic());
            assert!(frame["event"]["type"].is_string(), "{frame}");
        }
        assert!(TOPICS.iter().all(|topic| seen.contains(topic)), "TOPICS lists a topic no event carries");
    }

    #[test]
    fn topics_parse_into_the_canonical_order_without_duplicates() {
        assert_eq!(Topics::parse(&["fills,orders"]).unwrap().names(), ["orders", "fills"]);
        assert_eq!(Topics::parse(&["risk", " alerts , risk"]).unwrap().names(), ["risk", "alerts"]);
        assert_eq!(Topics::all().names(), TOPICS);
    }

    #[test]
    fn unknown_and_empty_topics_are_refused_by_name() {
        assert_eq!(
            Topics::parse(&["orders,position"]).unwrap_err(),
            "`position` is not a topic; topics are orders, fills, risk, alerts, strategies"
        );
        assert!(Topics::parse(&["x,y"]).unwrap_err().starts_with("`x`, `y` are not topics"));
        assert!(Topics::parse(&[""]).unwrap_err().contains("empty topic name"));
        assert!(Topics::parse(&["orders,,fills"]).unwrap_err().contains("empty topic name"));
    }

    #[test]
    fn the_query_takes_topics_and_token_and_refuses_anything_else() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(read_query(&[]).unwrap(), Topics::all());
        let read = read_query(&pairs(&[("token", "secret"), ("topics", "fills"), ("topics", "risk")])).unwrap();
        assert_eq!(read.names(), ["fills", "risk"]);
        let refused = read_query(&pairs(&[("topic", "fills"), ("topics", "nope")])).unwrap_err();
        assert_eq!(refused.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(refused.fields.keys().collect::<Vec<_>>(), ["topic", "topics"]);
    }

    /// One side of a WebSocket in memory: the test plays the client through the channels.
    struct FakeSocket {
        from_client: mpsc::Receiver<Result<Message, axum::Error>>,
        to_client: mpsc::UnboundedSender<Message>,
        /// While set, writes never finish (a client whose TCP window is shut).
        stalled: Arc<AtomicBool>,
    }

    impl Stream for FakeSocket {
        type Item = Result<Message, axum::Error>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.from_client.poll_recv(cx)
        }
    }

    impl Sink<Message> for FakeSocket {
        type Error = axum::Error;

        fn poll_ready(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            // A stalled write is woken by the timeout around it, so no waker is kept.
            if self.stalled.load(Ordering::SeqCst) {
                Poll::Pending
            } else {
                Poll::Ready(Ok(()))
            }
        }

        fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), axum::Error> {
            self.to_client.send(item).map_err(axum::Error::new)
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            Poll::Ready(Ok(()))
        }

        fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            Poll::Ready(Ok(()))
        }
    }

    struct Client {
        send: mpsc::Sender<Result<Message, axum::Error>>,
        frames: mpsc::UnboundedReceiver<Message>,
        stalled: Arc<AtomicBool>,
        server: tokio::task::JoinHandle<()>,
    }

    impl Client {
        async fn next(&mut self) -> Message {
            self.frames.recv().await.expect("the server sent a frame")
        }

        async fn next_json(&mut self) -> Value {
            match self.next().await {
                Message::Text(text) => serde_json::from_str(text.as_str()).expect("frames are JSON"),
                other => panic!("expected a text frame, got {other:?}"),
            }
        }

        async fn expect_close(&mut self) -> (u16, String) {
            match self.next().await {
                Message::Close(Some(frame)) => (frame.code, frame.reason.as_str().to_owned()),
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }

    fn connect(events: Receiver<EngineEvent>, topics: Topics) -> Client {
        let access = Access { check: Box::new(|| Ok(())), changes: None };
        connect_with(events, topics, access, PING_INTERVAL)
    }

    fn connect_with(events: Receiver<EngineEvent>, topics: Topics, access: Access, ping: Duration) -> Client {
        let (send, from_client) = mpsc::channel(8);
        let (to_client, frames) = mpsc::unbounded_channel();
        let stalled = Arc::new(AtomicBool::new(false));
        let socket = FakeSocket { from_client, to_client, stalled: Arc::clone(&stalled) };
        let server = tokio::spawn(serve_client(socket, events, topics, access, ping));
        Client { send, frames, stalled, server }
    }

    /// Security review finding 4: a credential revoked after the upgrade ends the stream at the
    /// next ping at the latest.
    #[tokio::test(start_paused = true)]
    async fn a_credential_that_stops_verifying_closes_the_stream_at_the_next_ping() {
        let bus = EventBus::new(4);
        let valid = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&valid);
        let check: Check = Box::new(move || if flag.load(Ordering::SeqCst) { Ok(()) } else { Err("token revoked") });
        let ping = Duration::from_secs(2);
        let start = Instant::now();
        let mut client = connect_with(bus.subscribe(), Topics::all(), Access { check, changes: None }, ping);
        client.next_json().await;
        assert_eq!(client.next().await, Message::Ping(Bytes::new()), "still valid at the first ping");
        client.send.send(Ok(Message::Pong(Bytes::new()))).await.unwrap();
        valid.store(false, Ordering::SeqCst);
        bus.publish(alert("delivered: nothing has checked yet"));
        assert_eq!(client.next_json().await["event"]["message"], "delivered: nothing has checked yet");
        assert_eq!(client.expect_close().await, (1008, "token revoked".to_owned()));
        assert_eq!(start.elapsed(), ping * 2, "closed at the next ping");
    }

    /// A change to auth state makes the stream check at once, without waiting for a ping.
    #[tokio::test(start_paused = true)]
    async fn an_auth_change_makes_the_stream_check_at_once() {
        let bus = EventBus::new(4);
        let valid = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&valid);
        let check: Check = Box::new(move || if flag.load(Ordering::SeqCst) { Ok(()) } else { Err("token revoked") });
        let (changes, receiver) = watch::channel(0u64);
        let start = Instant::now();
        let access = Access { check, changes: Some(receiver) };
        let mut client = connect_with(bus.subscribe(), Topics::all(), access, PING_INTERVAL);
        client.next_json().await;
        changes.send(1).unwrap();
        bus.publish(alert("a change that left the credential valid"));
        assert_eq!(client.next_json().await["event"]["message"], "a change that left the credential valid");
        valid.store(false, Ordering::SeqCst);
        changes.send(2).unwrap();
        assert_eq!(client.expect_close().await, (1008, "token revoked".to_owned()));
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_frame_is_subscribed_then_events_of_the_chosen_topics() {
        let bus = EventBus::new(16);
        let mut client = connect(bus.subscribe(), Topics::parse(&["risk"]).unwrap());
        assert_eq!(
            client.next_json().await,
            json!({"topic": "control", "event": {"type": "subscribed", "topics": ["risk"]}})
        );
        bus.publish(alert("not for this client"));
        bus.publish(halted("daily loss"));
        assert_eq!(
            client.next_json().await,
            json!({"topic": "risk", "event": {"type": "trading_state", "state": "halted", "reason": "daily loss"}})
        );
        assert!(client.frames.try_recv().is_err(), "the alert was filtered out");
    }

    #[tokio::test(start_paused = true)]
    async fn a_lagging_client_is_closed_with_the_number_of_events_it_missed() {
        let bus = EventBus::new(4);
        let mut client = connect(bus.subscribe(), Topics::all());
        // Ten events into a ring of four before the server task first runs: the six oldest are gone.
        for n in 0..10 {
            bus.publish(alert(&n.to_string()));
        }
        client.next_json().await; // subscribed
        assert_eq!(client.expect_close().await, (1008, "too slow: 6 events missed".to_owned()));
        drop(client.send);
        client.server.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn the_client_is_told_when_the_bus_closes() {
        let bus = EventBus::new(4);
        let mut client = connect(bus.subscribe(), Topics::all());
        client.next_json().await;
        bus.publish(alert("last"));
        drop(bus);
        assert_eq!(client.next_json().await["event"]["message"], "last", "events before the close are delivered");
        assert_eq!(client.expect_close().await, (1001, "the engine is shutting down".to_owned()));
    }

    #[tokio::test(start_paused = true)]
    async fn pings_every_15_s_and_a_client_that_answers_stays() {
        let bus = EventBus::new(4);
        let start = Instant::now();
        let mut client = connect(bus.subscribe(), Topics::all());
        client.next_json().await;
        for n in 1..=4u32 {
            assert_eq!(client.next().await, Message::Ping(Bytes::new()));
            assert_eq!(start.elapsed(), PING_INTERVAL * n);
            client.send.send(Ok(Message::Pong(Bytes::new()))).await.unwrap();
        }
        assert!(!client.server.is_finished());
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_closed_after_two_unanswered_pings() {
        let bus = EventBus::new(4);
        let start = Instant::now();
        let mut client = connect(bus.subscribe(), Topics::all());
        client.next_json().await;
        assert_eq!(client.next().await, Message::Ping(Bytes::new()));
        assert_eq!(client.next().await, Message::Ping(Bytes::new()));
        assert_eq!(client.expect_close().await, (1008, "no reply to ping for 45 s".to_owned()));
        assert_eq!(start.elapsed(), SILENCE_LIMIT);
    }

    #[tokio::test(start_paused = true)]
    async fn text_from_the_client_is_ignored_and_its_close_ends_the_stream() {
        let bus = EventBus::new(4);
        let mut client = connect(bus.subscribe(), Topics::all());
        client.next_json().await;
        client.send.send(Ok(Message::text("subscribe everything please"))).await.unwrap();
        client.send.send(Ok(Message::Binary(Bytes::from_static(&[0xff, 0x00])))).await.unwrap();
        bus.publish(alert("still streaming"));
        assert_eq!(client.next_json().await["event"]["message"], "still streaming");
        client.send.send(Ok(Message::Close(None))).await.unwrap();
        client.server.await.unwrap();
        assert!(client.frames.try_recv().is_err(), "nothing is sent after the client's close");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreadable_frame_closes_with_a_policy_error() {
        let bus = EventBus::new(4);
        let mut client = connect(bus.subscribe(), Topics::all());
        client.next_json().await;
        client.send.send(Err(axum::Error::new("Space limit exceeded: Message too long"))).await.unwrap();
        let (code, reason) = client.expect_close().await;
        assert_eq!(code, 1008);
        assert!(reason.starts_with("unreadable frame"), "{reason}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_is_dropped_after_the_send_timeout() {
        let bus = EventBus::new(4);
        let mut client = connect(bus.subscribe(), Topics::all());
        client.next_json().await;
        client.stalled.store(true, Ordering::SeqCst);
        let start = Instant::now();
        bus.publish(alert("never delivered"));
        client.server.await.unwrap();
        assert_eq!(start.elapsed(), SEND_TIMEOUT);
        assert!(client.frames.try_recv().is_err(), "no close frame can be written to a stalled client");
    }
}
