//! `WebsocketJsonFeed`: a tokio-tungstenite client for a JSON tick stream, reconnecting with
//! jittered exponential backoff and re-subscribing on every new connection.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::error::UrlError;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use trader::model::InstrumentKey;

use super::backoff::Backoff;
use super::json_tick::parse_tick_frame;
use super::subscriptions::Subscriptions;
use super::{FeedCommand, FeedError, FeedEvent, FeedRun, FeedSink, FeedSource, WebsocketJsonConfig};

/// The largest message accepted: a tick is a few hundred bytes, so anything near this is not a
/// tick, and a hostile server cannot make us buffer tungstenite's default 64 MiB.
const MAX_MESSAGE_BYTES: usize = 1 << 20;
/// How long a goodbye (our close frame) may take when the feed is shut down.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A JSON tick stream over WebSocket.
///
/// On each connection it sends `{"action":"subscribe","instruments":[…]}` for the whole current
/// subscription set (if any), and later `subscribe`/`unsubscribe` messages for changes. Each
/// text frame is one tick (see `parse_tick_frame`); a frame that is not becomes
/// `FeedEvent::Malformed` and the connection carries on. When the connection drops or cannot be
/// made it emits `Disconnected` and tries again after a jittered exponential backoff, which
/// starts over once a connection has delivered a frame. A refusal retrying cannot fix (HTTP 4xx
/// other than 408/429, a bad URL) ends `run` with that error.
#[derive(Debug, Clone)]
pub struct WebsocketJsonFeed {
    config: WebsocketJsonConfig,
    jitter_seed: u64,
}

/// How one connection ended.
enum SessionEnd {
    CommandsClosed,
    Dropped { reason: String, received: bool },
}

impl WebsocketJsonFeed {
    pub const NAME: &'static str = "websocket_json";

    /// A feed for a validated `config`; `jitter_seed` makes the reconnect delays reproducible.
    pub fn new(config: WebsocketJsonConfig, jitter_seed: u64) -> WebsocketJsonFeed {
        WebsocketJsonFeed { config, jitter_seed }
    }

    async fn run_loop(self, out: FeedSink, mut commands: mpsc::Receiver<FeedCommand>) -> Result<(), FeedError> {
        let endpoint = self.config.endpoint();
        let millis = Duration::from_millis;
        let mut backoff =
            Backoff::new(millis(self.config.reconnect_base_ms), millis(self.config.reconnect_max_ms), self.jitter_seed);
        let mut subscriptions = Subscriptions::default();
        loop {
            let Some(connected) = subscriptions.apply_until(&mut commands, self.connect()).await else {
                return Ok(());
            };
            let reason = match connected {
                Ok(mut socket) => {
                    tracing::info!(feed = Self::NAME, %endpoint, "connected");
                    out.send(FeedEvent::Connected).await?;
                    match session(&mut socket, &out, &mut commands, &mut subscriptions).await? {
                        SessionEnd::CommandsClosed => {
                            let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.close(None)).await;
                            return Ok(());
                        }
                        SessionEnd::Dropped { reason, received } => {
                            if received {
                                backoff.reset();
                            }
                            format!("connection to {endpoint} dropped: {reason}")
                        }
                    }
                }
                Err(error) if error.is_transient() => error.to_string(),
                Err(error) => {
                    tracing::error!(feed = Self::NAME, %error, "giving up");
                    out.send(FeedEvent::Disconnected { reason: error.to_string() }).await?;
                    return Err(error);
                }
            };
            let delay = backoff.next_delay();
            tracing::warn!(feed = Self::NAME, %reason, retry_in_ms = delay.as_millis() as u64, "disconnected");
            out.send(FeedEvent::Disconnected { reason }).await?;
            if subscriptions.apply_until(&mut commands, tokio::time::sleep(delay)).await.is_none() {
                return Ok(());
            }
        }
    }

    /// One connection attempt, bounded by the connect timeout.
    async fn connect(&self) -> Result<Socket, FeedError> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_MESSAGE_BYTES));
        let attempt = tokio_tungstenite::connect_async_with_config(self.config.url.as_str(), Some(config), true);
        let timeout = Duration::from_millis(self.config.connect_timeout_ms);
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok((socket, _response))) => Ok(socket),
            Ok(Err(error)) => Err(self.connect_error(error)),
            Err(_) => Err(FeedError::Connection {
                endpoint: self.config.endpoint(),
                reason: format!("no answer within {} ms", self.config.connect_timeout_ms),
            }),
        }
    }

    /// Sorts a failed attempt into retry-worthy or not, with a reason free of the URL's query.
    fn connect_error(&self, error: WsError) -> FeedError {
        let endpoint = self.config.endpoint();
        match error {
            WsError::Http(response) => {
                let status = response.status();
                let reason = format!("HTTP {status}");
                if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
                    FeedError::Refused { endpoint, reason }
                } else {
                    FeedError::Connection { endpoint, reason }
                }
            }
            // This one's text holds the whole URL, query and all.
            WsError::Url(UrlError::UnableToConnect(_)) => {
                FeedError::Connection { endpoint, reason: "unable to connect".to_owned() }
            }
            WsError::Url(error) => FeedError::Config { field: "url", reason: error.to_string() },
            other => FeedError::Connection { endpoint, reason: describe(&other) },
        }
    }
}

impl FeedSource for WebsocketJsonFeed {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run(self: Box<Self>, out: FeedSink, commands: mpsc::Receiver<FeedCommand>) -> FeedRun {
        Box::pin(self.run_loop(out, commands))
    }
}

/// Serves one connection until it drops or the commands close.
async fn session(
    socket: &mut Socket,
    out: &FeedSink,
    commands: &mut mpsc::Receiver<FeedCommand>,
    subscriptions: &mut Subscriptions,
) -> Result<SessionEnd, FeedError> {
    let dropped = |reason: String, received| Ok(SessionEnd::Dropped { reason, received });
    let mut received = false;
    if !subscriptions.is_empty() {
        let all: Vec<InstrumentKey> = subscriptions.iter().cloned().collect();
        if let Err(error) = socket.send(action("subscribe", &all)).await {
            return dropped(describe(&error), received);
        }
    }
    loop {
        tokio::select! {
            biased;
            command = commands.recv() => {
                let Some(command) = command else { return Ok(SessionEnd::CommandsClosed) };
                let changed = subscriptions.apply(&command);
                let verb = match command {
                    FeedCommand::Subscribe(_) => "subscribe",
                    FeedCommand::Unsubscribe(_) => "unsubscribe",
                };
                if !changed.is_empty() {
                    if let Err(error) = socket.send(action(verb, &changed)).await {
                        return dropped(describe(&error), received);
                    }
                }
            }
            message = socket.next() => {
                let message = match message {
                    None => return dropped("the server closed the connection".to_owned(), received),
                    Some(Err(error)) => return dropped(describe(&error), received),
                    Some(Ok(message)) => message,
                };
                let event = match message {
                    Message::Text(text) => match parse_tick_frame(text.as_str()) {
                        // Ticks still in flight after an unsubscribe are dropped quietly.
                        Ok(quote) if subscriptions.contains(&quote.instrument) => FeedEvent::Quote(quote),
                        Ok(_) => continue,
                        Err(error) => FeedEvent::Malformed { reason: error.to_string() },
                    },
                    Message::Binary(bytes) => FeedEvent::Malformed {
                        reason: format!("a binary frame of {} bytes; this feed sends JSON text", bytes.len()),
                    },
                    Message::Close(frame) => {
                        let detail = frame.map_or_else(String::new, |f| format!(" ({} {})", f.code, cut(f.reason.as_str())));
                        return dropped(format!("the server closed the connection{detail}"), received);
                    }
                    // tungstenite answers pings itself while we keep reading.
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                };
                received = true;
                out.send(event).await?;
            }
        }
    }
}

/// `{"action":"subscribe","instruments":[…]}` as a text frame.
fn action(verb: &str, keys: &[InstrumentKey]) -> Message {
    let instruments: Vec<&str> = keys.iter().map(InstrumentKey::as_str).collect();
    Message::text(serde_json::json!({ "action": verb, "instruments": instruments }).to_string())
}

/// A socket error in words. I/O and protocol errors never contain the URL; anything else is cut.
fn describe(error: &WsError) -> String {
    match error {
        WsError::Io(io) => io.to_string(),
        WsError::Protocol(protocol) => protocol.to_string(),
        other => cut(&other.to_string()),
    }
}

/// Text from the network, cut to 80 characters for logs and events.
fn cut(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;
    use tokio_tungstenite::accept_async;

    use super::*;

    const RELIANCE: &str = "NSE_EQ|INE002A01018";
    const INFY: &str = "NSE_EQ|INE009A01021";
    const TCS: &str = "NSE_EQ|INE467B01029";
    /// Real sockets and paused time mix badly, so these tests run in real time with
    /// millisecond backoffs, each bounded by this.
    const LIMIT: Duration = Duration::from_secs(10);

    fn key(text: &str) -> InstrumentKey {
        InstrumentKey::new(text).unwrap()
    }

    fn tick(instrument: &str, ts: i64, last: &str) -> Message {
        Message::text(format!(
            r#"{{"instrument":"{instrument}","ts":{ts},"last":"{last}","last_quantity":1,"volume":{ts}}}"#
        ))
    }

    fn fast_config(port: u16) -> WebsocketJsonConfig {
        WebsocketJsonConfig {
            reconnect_base_ms: 1,
            reconnect_max_ms: 5,
            connect_timeout_ms: 2_000,
            ..WebsocketJsonConfig::new(format!("ws://127.0.0.1:{port}/ticks?token=secret"))
        }
    }

    /// A short description of each event, for comparing sequences.
    fn describe_event(event: &FeedEvent) -> String {
        match event {
            FeedEvent::Quote(q) => format!("quote {} {}", q.instrument.identifier(), q.last),
            FeedEvent::Connected => "connected".into(),
            FeedEvent::Disconnected { .. } => "disconnected".into(),
            FeedEvent::Malformed { reason } => format!("malformed: {reason}"),
        }
    }

    async fn next_text(socket: &mut WebSocketStream<TcpStream>) -> String {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return text.as_str().to_owned(),
                Some(Ok(_)) => continue,
                other => panic!("expected a text message, got {other:?}"),
            }
        }
    }

    /// Connection 1: ticks, a malformed frame, a binary frame, a tick, then an abrupt drop.
    /// Connection 2: one tick, then records what the client sends until it goes away.
    async fn serve(listener: TcpListener, seen: mpsc::Sender<String>) {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut socket = accept_async(tcp).await.unwrap();
        seen.send(next_text(&mut socket).await).await.unwrap();
        socket.send(tick(RELIANCE, 1_764_215_100_000, "2450.05")).await.unwrap();
        socket
            .send(Message::text(format!(r#"{{"instrument":"{INFY}","ts":1764215100001,"last":"abc"}}"#)))
            .await
            .unwrap();
        socket.send(Message::binary(vec![1, 2, 3])).await.unwrap();
        socket.send(tick(INFY, 1_764_215_100_002, "1500.10")).await.unwrap();
        drop(socket); // no closing handshake: the TCP connection just ends

        let (tcp, _) = listener.accept().await.unwrap();
        let mut socket = accept_async(tcp).await.unwrap();
        seen.send(next_text(&mut socket).await).await.unwrap();
        // Ticks for an instrument nobody subscribed to are dropped by the client. Sent first, so
        // the client has dropped it by the time it reports the next tick.
        socket.send(tick(TCS, 1_764_215_101_000, "3500")).await.unwrap();
        socket.send(tick(RELIANCE, 1_764_215_101_001, "2450.20")).await.unwrap();
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                seen.send(text.as_str().to_owned()).await.unwrap();
            }
        }
    }

    #[tokio::test]
    async fn reconnects_resubscribes_and_survives_malformed_frames() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (seen_tx, mut seen) = mpsc::channel(16);
        let server = tokio::spawn(serve(listener, seen_tx));

        let (sink, mut events) = FeedSink::channel(16);
        let (commands, rx) = mpsc::channel(4);
        commands.send(FeedCommand::Subscribe(vec![key(RELIANCE), key(INFY)])).await.unwrap();
        let feed = Box::new(WebsocketJsonFeed::new(fast_config(port), 7));
        let client = tokio::spawn(feed.run(sink, rx));

        let mut got = Vec::new();
        let mut disconnect_reason = String::new();
        tokio::time::timeout(LIMIT, async {
            while got.len() < 8 {
                let event = events.recv().await.unwrap();
                if let FeedEvent::Disconnected { reason } = &event {
                    disconnect_reason = reason.clone();
                }
                got.push(describe_event(&event));
            }
        })
        .await
        .unwrap();
        assert_eq!(
            got,
            [
                "connected",
                "quote INE002A01018 2450.05",
                "malformed: field `last`: `abc` is not a decimal number (digits, one optional `.`, optional leading sign)",
                "malformed: a binary frame of 3 bytes; this feed sends JSON text",
                "quote INE009A01021 1500.10",
                "disconnected",
                "connected",
                "quote INE002A01018 2450.20",
            ]
        );
        assert!(disconnect_reason.starts_with("connection to ws://127.0.0.1:"), "{disconnect_reason}");
        assert!(!disconnect_reason.contains("secret"), "the URL's query never shows: {disconnect_reason}");

        // A new subscription on a live connection sends only the change.
        commands.send(FeedCommand::Subscribe(vec![key(INFY), key(TCS)])).await.unwrap();
        commands.send(FeedCommand::Unsubscribe(vec![key(RELIANCE)])).await.unwrap();
        let mut messages = Vec::new();
        tokio::time::timeout(LIMIT, async {
            while messages.len() < 4 {
                messages.push(seen.recv().await.unwrap());
            }
        })
        .await
        .unwrap();
        let everything = format!(r#"{{"action":"subscribe","instruments":["{RELIANCE}","{INFY}"]}}"#);
        assert_eq!(
            messages,
            [
                everything.clone(),
                everything, // again, after the reconnect
                format!(r#"{{"action":"subscribe","instruments":["{TCS}"]}}"#),
                format!(r#"{{"action":"unsubscribe","instruments":["{RELIANCE}"]}}"#),
            ]
        );

        drop(commands);
        let result = tokio::time::timeout(LIMIT, client).await.unwrap().unwrap();
        assert_eq!(result, Ok(()), "closing the commands ends the feed");
        tokio::time::timeout(LIMIT, server).await.unwrap().unwrap();
        assert_eq!(events.recv().await, None, "the TCS tick before its subscription was dropped; nothing else came");
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_and_shutdown_is_prompt() {
        // Bind, note the port, and close it again: connecting is refused.
        let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let (sink, mut events) = FeedSink::channel(16);
        let (commands, rx) = mpsc::channel(4);
        let client = tokio::spawn(Box::new(WebsocketJsonFeed::new(fast_config(port), 1)).run(sink, rx));
        for _ in 0..2 {
            let event = tokio::time::timeout(LIMIT, events.recv()).await.unwrap().unwrap();
            let FeedEvent::Disconnected { reason } = event else { panic!("expected Disconnected, got {event:?}") };
            assert!(reason.starts_with(&format!("connection to ws://127.0.0.1:{port}/ticks failed:")), "{reason}");
        }
        drop(commands);
        assert_eq!(tokio::time::timeout(LIMIT, client).await.unwrap().unwrap(), Ok(()));
    }

    #[tokio::test]
    async fn an_http_refusal_ends_the_feed_with_a_permanent_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            tcp.write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n").await.unwrap();
        });
        let (sink, mut events) = FeedSink::channel(16);
        let (_commands, rx) = mpsc::channel(4);
        let client = tokio::spawn(Box::new(WebsocketJsonFeed::new(fast_config(port), 1)).run(sink, rx));
        let result = tokio::time::timeout(LIMIT, client).await.unwrap().unwrap();
        let expected = FeedError::Refused {
            endpoint: format!("ws://127.0.0.1:{port}/ticks"),
            reason: "HTTP 401 Unauthorized".into(),
        };
        assert_eq!(result, Err(expected.clone()));
        assert!(!expected.is_transient());
        assert_eq!(events.recv().await, Some(FeedEvent::Disconnected { reason: expected.to_string() }));
        server.await.unwrap();
    }
}
