//! The control plane over HTTPS end to end: a real daemon in process with `[api.tls]` pointing at a
//! self-signed certificate made by rcgen, and a rustls client that trusts exactly that certificate.
//! Health and an authenticated route answer with HSTS; plain HTTP on the TLS port gets no answer;
//! the event stream upgrades over TLS; a reloaded certificate reaches new connections while a bad
//! one is refused and the old one kept; stalled and failed handshakes do not hold up other
//! clients; shutdown closes idle connections; and the listen rule: beyond loopback only with TLS.
//! The listener alone: connections beyond its cap are closed at accept, and a body that does not
//! arrive within the deadline is answered 408.

mod support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use support::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use trader_actors::control::body_deadline;
use trader_actors::control::tls::{self, ConnectionLimits, TlsServer};
use trader_actors::daemon::{Daemon, DaemonOptions, StartError};

/// The longest any single wait in these tests may take.
const WAIT: Duration = Duration::from_secs(10);

/// A fresh self-signed certificate for `localhost`: (certificate PEM, key PEM).
fn self_signed() -> (String, String) {
    let pair = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a certificate");
    (pair.cert.pem(), pair.signing_key.serialize_pem())
}

/// Writes a fresh pair to `<dir>/cert.pem` and `<dir>/key.pem` (owner-only, as the daemon
/// demands of a private key); returns the certificate PEM.
fn write_pair(dir: &Path) -> String {
    let (cert, key) = self_signed();
    std::fs::write(dir.join("cert.pem"), &cert).expect("cert written");
    std::fs::write(dir.join("key.pem"), key).expect("key written");
    std::fs::set_permissions(dir.join("key.pem"), std::fs::Permissions::from_mode(0o600)).expect("key made private");
    cert
}

/// The `[api.tls]` section for the files [`write_pair`] writes.
fn tls_section(dir: &Path) -> String {
    format!(
        "[api.tls]\ncert_file = \"{}\"\nkey_file = \"{}\"\n",
        dir.join("cert.pem").display(),
        dir.join("key.pem").display()
    )
}

fn options(config: &str, dir: &TempDir, listen: &str) -> DaemonOptions {
    DaemonOptions {
        config: trader::config::TraderConfig::from_toml(config).expect("valid test config"),
        state_dir: dir.0.join("state"),
        listen: listen.parse().expect("an address"),
        extra_strategies: Vec::new(),
        notify_systemd: false,
        auth: trader_actors::auth::AuthConfig::for_tests(),
    }
}

/// A daemon serving HTTPS with a fresh certificate; returns it and the certificate's PEM.
async fn start_tls(dir: &TempDir) -> (Daemon, String) {
    let cert = write_pair(&dir.0);
    let config = support::config(&tls_section(&dir.0));
    let daemon = Daemon::start(options(&config, dir, "127.0.0.1:0")).await.expect("daemon starts with TLS");
    (daemon, cert)
}

fn der(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).expect("a PEM certificate")
}

/// A client that trusts only `cert_pem` (for `localhost`), TLS 1.2+, ALPN http/1.1.
fn connector(cert_pem: &str) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der(cert_pem)).expect("a trust anchor");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsConnector::from(Arc::new(config))
}

async fn connect(addr: SocketAddr, cert_pem: &str) -> std::io::Result<TlsStream<TcpStream>> {
    connect_from(addr, cert_pem, None).await
}

/// [`connect`] from the local address `from` (any 127.x.y.z reaches a loopback listener).
async fn connect_from(addr: SocketAddr, cert_pem: &str, from: Option<IpAddr>) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = match from {
        None => TcpStream::connect(addr).await?,
        Some(ip) => {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(ip, 0))?;
            socket.connect(addr).await?
        }
    };
    let name = ServerName::try_from("localhost").expect("a server name");
    timeout(WAIT, connector(cert_pem).connect(name, tcp)).await.expect("the handshake in time")
}

/// The end-entity certificate the server presented on `stream`.
fn peer_cert(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream.get_ref().1.peer_certificates().expect("the server's certificates")[0].clone()
}

/// An HTTPS response: status, header lines, JSON body (Null when not JSON).
struct Reply {
    status: u16,
    headers: Vec<String>,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|line| {
            line.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
        })
    }
}

/// One `GET` with `Connection: close` over a new TLS connection trusting `cert_pem`.
async fn https_get(addr: SocketAddr, cert_pem: &str, path: &str, token: Option<&str>) -> Reply {
    https_get_from(addr, cert_pem, path, token, None).await
}

/// [`https_get`] from the local address `from`.
async fn https_get_from(
    addr: SocketAddr,
    cert_pem: &str,
    path: &str,
    token: Option<&str>,
    from: Option<IpAddr>,
) -> Reply {
    let mut tls = connect_from(addr, cert_pem, from).await.expect("TLS handshake");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\r\n");
    tls.write_all(request.as_bytes()).await.expect("request written");
    let raw = read_all(&mut tls).await;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        // One chunk is all these small answers use.
        rest.split_once("\r\n").map(|(_, r)| r.rsplit_once("\r\n0\r\n").map_or(r, |(b, _)| b)).unwrap_or("")
    } else {
        rest
    };
    Reply {
        status,
        headers: head.lines().skip(1).map(str::to_owned).collect(),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

/// Reads until the server closes; a close without `close_notify` ends the read like EOF.
async fn read_all(tls: &mut TlsStream<TcpStream>) -> Vec<u8> {
    let mut raw = Vec::new();
    match timeout(WAIT, tls.read_to_end(&mut raw)).await.expect("the answer in time") {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => panic!("reading the answer: {e}"),
    }
    raw
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_serves_health_and_authenticated_routes_with_hsts() {
    let dir = TempDir::new("tls-basic");
    let (daemon, cert) = start_tls(&dir).await;
    let addr = daemon.local_addr;

    let health = https_get(addr, &cert, "/healthz", None).await;
    assert_eq!(health.status, 200, "{:?}", health.headers);
    assert_eq!(health.header("strict-transport-security"), Some("max-age=31536000"));
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));

    let token = support::admin_token(&daemon.state_dir);
    let status = https_get(addr, &cert, "/api/v1/status", Some(&token)).await;
    assert_eq!(status.status, 200, "{}", status.body);
    assert!(status.body.is_object(), "{}", status.body);
    assert_eq!(status.header("strict-transport-security"), Some("max-age=31536000"));

    // Refusals carry it too: the header is on every answer.
    let refused = https_get(addr, &cert, "/api/v1/status", None).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("strict-transport-security"), Some("max-age=31536000"));
    let missing = https_get(addr, &cert, "/nope", None).await;
    assert_eq!(missing.status, 404);
    assert!(missing.header("strict-transport-security").is_some());

    // The server offered http/1.1 and nothing else.
    let tls = connect(addr, &cert).await.expect("TLS handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    drop(tls);

    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_client_rate_limits_see_each_clients_address_over_tls() {
    let dir = TempDir::new("tls-limits");
    let cert = write_pair(&dir.0);
    let limits = "[api.rate_limits]\ndefault = { requests = 2, per = \"minute\", burst = 2 }\n";
    let config = support::config_with_limits(limits, &tls_section(&dir.0));
    let daemon = Daemon::start(options(&config, &dir, "127.0.0.1:0")).await.expect("daemon starts");
    let (first, second) = (IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    let get = |from| https_get_from(daemon.local_addr, &cert, "/api/v1/status", None, Some(from));
    assert_eq!(get(first).await.status, 401);
    assert_eq!(get(first).await.status, 401);
    let limited = get(first).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.header("retry-after").is_some());
    // Another address has its own bucket: the limiter saw the real peer, not one shared unknown.
    assert_eq!(get(second).await.status, 401);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_gets_no_answer_and_plain_daemons_send_no_hsts() {
    let dir = TempDir::new("tls-plain");
    let (daemon, cert) = start_tls(&dir).await;

    let mut tcp = TcpStream::connect(daemon.local_addr).await.expect("connect");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut raw = Vec::new();
    let _ = timeout(WAIT, tcp.read_to_end(&mut raw)).await.expect("the server closes in time");
    assert!(!raw.starts_with(b"HTTP/"), "plain HTTP must not be answered: {:?}", String::from_utf8_lossy(&raw));

    // The failed handshake did not hurt the listener.
    assert_eq!(https_get(daemon.local_addr, &cert, "/healthz", None).await.status, 200);
    daemon.shutdown().await;

    // Without [api.tls]: plain HTTP, and never HSTS.
    let plain_dir = TempDir::new("tls-none");
    let plain = support::start_daemon(&support::config(""), &plain_dir, Vec::new()).await;
    let reply = support::get(&support::Api::anonymous(plain.local_addr), "/healthz").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("strict-transport-security"), None);
    plain.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_trust_the_certificate_is_refused() {
    let dir = TempDir::new("tls-untrusted");
    let (daemon, cert) = start_tls(&dir).await;
    let (stranger, _) = self_signed();
    let error = connect(daemon.local_addr, &stranger).await.expect_err("an unknown certificate is refused");
    assert!(error.to_string().to_ascii_lowercase().contains("certificate"), "{error}");
    assert_eq!(https_get(daemon.local_addr, &cert, "/healthz", None).await.status, 200);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_upgrades_over_tls() {
    let dir = TempDir::new("tls-ws");
    let (daemon, cert) = start_tls(&dir).await;
    let tls = connect(daemon.local_addr, &cert).await.expect("TLS handshake");
    let mut request =
        format!("wss://localhost:{}/api/v1/stream", daemon.local_addr.port()).into_client_request().expect("request");
    let bearer = format!("Bearer {}", support::admin_token(&daemon.state_dir));
    request.headers_mut().insert("authorization", bearer.parse().expect("a header value"));
    let (mut ws, response) = timeout(WAIT, tokio_tungstenite::client_async(request, tls))
        .await
        .expect("the upgrade in time")
        .expect("upgrade");
    assert_eq!(response.status(), 101);
    assert_eq!(
        response.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
    let first = loop {
        match timeout(WAIT, ws.next()).await.expect("a frame in time").expect("open").expect("readable") {
            Message::Text(text) => break serde_json::from_str::<Value>(text.as_str()).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected the subscribed frame, got {other:?}"),
        }
    };
    assert_eq!(first["event"]["type"], "subscribed", "{first}");
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reloaded_certificate_reaches_new_connections_and_a_bad_one_is_refused() {
    let dir = TempDir::new("tls-reload");
    let (daemon, first) = start_tls(&dir).await;
    let store = daemon.tls.clone().expect("the daemon exposes its certificate store");
    let before = connect(daemon.local_addr, &first).await.expect("TLS handshake");
    assert_eq!(peer_cert(&before), der(&first));

    let second = write_pair(&dir.0);
    store.reload_logged().expect("a good pair reloads");
    let after = connect(daemon.local_addr, &second).await.expect("the new certificate is served");
    assert_eq!(peer_cert(&after), der(&second));
    assert!(connect(daemon.local_addr, &first).await.is_err(), "new connections no longer see the old certificate");
    // A connection made before the reload keeps working on its own session.
    let mut before = before;
    before.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.expect("write");
    assert!(read_all(&mut before).await.starts_with(b"HTTP/1.1 200"));

    // A certificate whose key was not replaced: refused, and the second pair stays.
    let (third, _) = self_signed();
    std::fs::write(dir.0.join("cert.pem"), &third).expect("cert written");
    let error = store.reload_logged().expect_err("a mismatched pair is refused");
    assert_eq!(error.key, "api.tls.key_file", "{error}");
    std::fs::write(dir.0.join("key.pem"), "not a key\n").expect("key written");
    assert!(store.reload_logged().is_err());
    let still = connect(daemon.local_addr, &second).await.expect("the second certificate is still served");
    assert_eq!(peer_cert(&still), der(&second));
    assert_eq!(https_get(daemon.local_addr, &second, "/healthz", None).await.status, 200);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_and_broken_handshakes_do_not_hold_up_others_and_shutdown_closes_idle_connections() {
    let dir = TempDir::new("tls-stall");
    let (daemon, cert) = start_tls(&dir).await;
    // Connected, never says a word: its handshake waits in its own task.
    let _stalled: Vec<TcpStream> =
        futures_util::future::join_all((0..8).map(|_| TcpStream::connect(daemon.local_addr)))
            .await
            .into_iter()
            .map(|s| s.expect("connect"))
            .collect();
    // A client that sends half a ClientHello and stops.
    let mut half = TcpStream::connect(daemon.local_addr).await.expect("connect");
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).await.expect("write");
    // Garbage instead of TLS.
    let mut garbage = TcpStream::connect(daemon.local_addr).await.expect("connect");
    garbage.write_all(&[0xff; 64]).await.expect("write");

    assert_eq!(https_get(daemon.local_addr, &cert, "/healthz", None).await.status, 200);

    // An idle keep-alive connection after one request: shutdown must close it, not wait on it.
    let mut idle = connect(daemon.local_addr, &cert).await.expect("TLS handshake");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n = timeout(WAIT, idle.read(&mut buf)).await.expect("an answer in time").expect("read");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", String::from_utf8_lossy(&buf[..n]));

    let started = tokio::time::Instant::now();
    daemon.shutdown().await;
    let closed = timeout(WAIT, read_all(&mut idle)).await.expect("closed in time");
    assert!(closed.is_empty(), "no more answers after shutdown");
    assert!(started.elapsed() < Duration::from_secs(2), "shutdown waited {:?} on connections", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_loopback_only_with_tls() {
    // Without TLS: refused before anything starts, naming what to configure.
    let dir = TempDir::new("tls-remote-plain");
    let refused = Daemon::start(options(&support::config(""), &dir, "0.0.0.0:0")).await;
    let Err(error @ StartError::Bind(_)) = refused else { panic!("a non-loopback bind without TLS must be refused") };
    assert!(error.to_string().contains("configure [api.tls]"), "{error}");
    assert!(!dir.0.join("state").join("journal.redb").exists(), "refused before the journal is opened");

    // The file says the same through validation, naming the key.
    let text = support::config("[daemon]\nlisten = \"0.0.0.0:7800\"\n");
    let problems = trader::config::TraderConfig::from_toml(&text).expect_err("refused");
    let problem = problems.iter().next().expect("one problem");
    assert_eq!(problem.path, "daemon.listen");
    assert!(problem.reason.contains("[api.tls]"), "{problem}");

    // With TLS: any address, reached here through loopback.
    let dir = TempDir::new("tls-remote");
    let cert = write_pair(&dir.0);
    let config = support::config(&format!("[daemon]\nlisten = \"0.0.0.0:0\"\n{}", tls_section(&dir.0)));
    let daemon = Daemon::start(options(&config, &dir, "0.0.0.0:0")).await.expect("TLS allows a wildcard bind");
    let local = SocketAddr::from(([127, 0, 0, 1], daemon.local_addr.port()));
    assert_eq!(https_get(local, &cert, "/healthz", None).await.status, 200);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_certificate_files_stop_the_start_and_validation_names_the_key() {
    let dir = TempDir::new("tls-bad");
    let config = support::config(&tls_section(&dir.0));
    let Err(error) = Daemon::start(options(&config, &dir, "127.0.0.1:0")).await else {
        panic!("missing certificate files must stop the start")
    };
    assert!(error.to_string().starts_with("api.tls.cert_file:"), "{error}");
    assert!(error.to_string().contains("does not exist"), "{error}");

    // `traderd validate` runs the same loader: a key from another pair is named.
    write_pair(&dir.0);
    let (_, other_key) = self_signed();
    std::fs::write(dir.0.join("key.pem"), &other_key).expect("key written");
    let parsed = trader::config::TraderConfig::from_toml(&config).expect("the file itself is fine");
    let mut problems = trader::config::Problems::new();
    trader_actors::daemon::validate_runtime(&parsed, &mut problems);
    let found: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("api.tls.key_file: "), "{found:?}");
    assert!(found[0].contains("does not match"), "{found:?}");
    assert!(!found[0].contains("PRIVATE KEY"), "no key material: {found:?}");

    // A key file anyone may read stops the start, naming the key, its mode and the fix.
    write_pair(&dir.0);
    std::fs::set_permissions(dir.0.join("key.pem"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let Err(error) = Daemon::start(options(&config, &dir, "127.0.0.1:0")).await else {
        panic!("a world-readable private key must stop the start")
    };
    let error = error.to_string();
    assert!(error.starts_with("api.tls.key_file: "), "{error}");
    assert!(error.contains("mode 0644") && error.contains("chmod o-rwx"), "{error}");
}

/// The TLS listener alone on loopback with `limits`, in front of a router with `/healthz` and a
/// `POST /echo` whose body is read within `body_timeout`; stops when the returned sender drops.
async fn serve_alone(
    dir: &TempDir,
    limits: ConnectionLimits,
    body_timeout: Duration,
) -> (SocketAddr, String, tokio::sync::oneshot::Sender<()>) {
    let cert = write_pair(&dir.0);
    let section = trader::config::TlsSection {
        cert_file: dir.0.join("cert.pem").display().to_string(),
        key_file: dir.0.join("key.pem").display().to_string(),
        hsts_max_age_seconds: 60,
    };
    let server = TlsServer::load(&section).expect("the pair loads");
    let app = axum::Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/echo", axum::routing::post(|body: axum::body::Bytes| async move { body }))
        .layer(axum::middleware::from_fn_with_state(body_timeout, body_deadline::read_within));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tls::serve_with(listener, app, server.config, limits, async move {
        let _ = stopped.await;
    }));
    (addr, cert, stop)
}

/// Sends `request` on `tls` and reads until the server closes: (status, raw answer).
async fn exchange(tls: &mut TlsStream<TcpStream>, request: &str) -> (u16, String) {
    tls.write_all(request.as_bytes()).await.expect("request written");
    let raw = String::from_utf8_lossy(&read_all(tls).await).into_owned();
    (raw.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0), raw)
}

const HEALTH: &str = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_closed_at_accept_until_one_ends() {
    let dir = TempDir::new("tls-cap");
    let limits = ConnectionLimits { max_connections: 2, ..ConnectionLimits::default() };
    let (addr, cert, _stop) = serve_alone(&dir, limits, Duration::from_secs(5)).await;
    // Two open connections, one of them still in its handshake: the cap counts handshakes too.
    let mut first = connect(addr, &cert).await.expect("the first connection");
    let stalled = TcpStream::connect(addr).await.expect("the second connection");

    // The third is closed without an answer.
    let refused = connect(addr, &cert).await;
    assert!(refused.is_err(), "a third connection must be closed at accept");

    // The open ones still work; once one ends, a new connection is served again.
    assert_eq!(exchange(&mut first, HEALTH).await.0, 200);
    drop(stalled);
    let mut again = support::wait_for("a free connection slot", WAIT, || async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        connect(addr, &cert).await.ok()
    })
    .await;
    assert_eq!(exchange(&mut again, HEALTH).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_cut_at_the_deadline_and_a_prompt_one_is_served() {
    let dir = TempDir::new("tls-body-deadline");
    let deadline = Duration::from_millis(150);
    let (addr, cert, _stop) = serve_alone(&dir, ConnectionLimits::default(), deadline).await;

    let mut prompt = connect(addr, &cert).await.expect("TLS handshake");
    let post = "POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello";
    let (status, raw) = exchange(&mut prompt, post).await;
    assert_eq!(status, 200, "{raw}");
    assert!(raw.ends_with("hello"), "{raw}");

    // Two bytes of ten, then silence: answered 408 at the deadline, and the connection closed.
    let mut slow = connect(addr, &cert).await.expect("TLS handshake");
    let started = tokio::time::Instant::now();
    let head = "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhe";
    let (status, raw) = exchange(&mut slow, head).await;
    let took = started.elapsed();
    assert_eq!(status, 408, "{raw}");
    assert!(raw.contains("\"body_timeout\""), "{raw}");
    assert!(took >= deadline && took < Duration::from_secs(1), "cut after {took:?}");
}
