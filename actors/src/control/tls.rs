//! Serving the control plane over HTTPS: rustls (ring, TLS 1.2 and 1.3, ALPN `http/1.1`) in front
//! of the same router, one task per connection. Each handshake runs in its connection's task under
//! a deadline, so a client that stalls or speaks something else costs one task and nothing more;
//! the client's address reaches the router as `ConnectInfo`, as over plain HTTP, for the per-IP
//! rate limits. At most [`MAX_CONNECTIONS`] connections (handshakes included) are open at once:
//! beyond that a new one is closed at accept, so a flood of idle or stalled clients costs a
//! bounded number of tasks and file descriptors. Bodies are read under a deadline by the router
//! ([`super::body_deadline`]).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use trader::config::TlsSection;

use super::cert_store::{CertStore, TlsFileError};
use crate::metrics_names::API_CONNECTIONS_REFUSED_TOTAL;

/// How long a client has to complete the TLS handshake after connecting.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client has to send a request's headers (also bounds an idle keep-alive wait).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections (handshakes included) open at once before new ones are closed at accept.
pub const MAX_CONNECTIONS: usize = 512;

/// The listener's bounds. The daemon uses [`ConnectionLimits::default`]; tests pass small ones to
/// [`serve_with`] so a cap or a deadline is reached in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections at most; one more is closed as soon as it is accepted.
    pub max_connections: usize,
    /// How long a client has to complete the TLS handshake.
    pub handshake_timeout: Duration,
    /// How long a client has to send a request's headers.
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: MAX_CONNECTIONS,
            handshake_timeout: HANDSHAKE_TIMEOUT,
            header_read_timeout: HEADER_READ_TIMEOUT,
        }
    }
}

/// What the TLS listener needs: the reloadable certificate, the rustls configuration around it,
/// and the HSTS lifetime to announce.
#[derive(Debug, Clone)]
pub struct TlsServer {
    /// Reload it (SIGHUP) to present a renewed certificate to new connections.
    pub store: Arc<CertStore>,
    pub config: Arc<ServerConfig>,
    pub hsts_max_age: Duration,
}

impl TlsServer {
    /// Loads and checks the `[api.tls]` pair and builds the server configuration around it.
    pub fn load(section: &TlsSection) -> Result<TlsServer, TlsFileError> {
        let store = Arc::new(CertStore::load(section)?);
        let config = server_config(Arc::clone(&store))
            .map_err(|e| TlsFileError { key: "api.tls", reason: format!("no usable TLS configuration: {e}") })?;
        Ok(TlsServer {
            store,
            config: Arc::new(config),
            hsts_max_age: Duration::from_secs(section.hsts_max_age_seconds),
        })
    }
}

/// The rustls server configuration: the ring provider (passed explicitly, so nothing depends on a
/// process-wide default), TLS 1.2 and 1.3 only, no client certificates, ALPN `http/1.1`, and every
/// handshake served the store's current certificate.
pub fn server_config(store: Arc<CertStore>) -> Result<ServerConfig, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(store.provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_cert_resolver(store);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Serves `app` over TLS on `listener` until `shutdown` resolves; then stops accepting, asks every
/// open connection to finish its current request and close, and returns once they have (upgraded
/// WebSockets run on their own tasks and are not waited for, as with plain HTTP).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: Arc<ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    serve_with(listener, app, config, ConnectionLimits::default(), shutdown).await;
}

/// [`serve`] with other bounds than the defaults.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    config: Arc<ServerConfig>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let acceptor = TlsAcceptor::from(config);
    // A permit per open connection, held by its task until the connection ends.
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            // Reap finished connections so the set holds only open ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => match Arc::clone(&permits).try_acquire_owned() {
                    Ok(permit) => {
                        let serve = connection(tcp, peer, acceptor.clone(), app.clone(), limits, stopping.clone());
                        connections.spawn(async move {
                            serve.await;
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        // Closed unanswered: a TLS alert or an HTTP 503 would cost the work the cap
                        // exists to bound. Counted, not logged per connection (a flood would flood the log).
                        metrics::counter!(API_CONNECTIONS_REFUSED_TOTAL).increment(1);
                        drop(tcp);
                    }
                },
                Err(error) => accept_failed(error).await,
            },
        }
    }
    drop(listener);
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
}

/// One client: the handshake under the handshake timeout, then HTTP/1.1 with upgrades until the
/// client closes or the server drains.
async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    app: Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let tls = tokio::select! {
        handshake = tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp)) => match handshake {
            Ok(Ok(tls)) => tls,
            Ok(Err(error)) => {
                tracing::debug!(%peer, %error, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, timeout_ms = limits.handshake_timeout.as_millis() as u64, "TLS handshake timed out");
                return;
            }
        },
        _ = stopping.wait_for(|stop| *stop) => return,
    };
    let router = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        router.call(request)
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let conn = builder.serve_connection(TokioIo::new(tls), service).with_upgrades();
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%peer, %error, "HTTPS connection ended with an error");
                }
                break;
            }
            _ = stopping.wait_for(|stop| *stop), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// As axum's own loop: a reset before accept is the client's business; anything else (out of file
/// descriptors) is logged and accepting pauses a moment instead of spinning.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "control plane: accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
