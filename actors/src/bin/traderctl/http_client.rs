//! One HTTP/1.1 request per connection with hyper's client, over TCP or TLS.

use std::path::Path;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;

use crate::error::CtlError;
use crate::server_url::ServerUrl;
use crate::tls;

/// How long connecting (TCP and TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take once connected.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read: order and fill lists are far smaller.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// A byte stream to the server: TCP or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An answer: status and body bytes.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

/// Connects to one server.
pub struct HttpClient {
    server: ServerUrl,
    tls: Option<TlsConnector>,
}

impl HttpClient {
    /// A client for `server`; `https` needs `ca_cert`.
    pub fn new(server: ServerUrl, ca_cert: Option<&Path>) -> Result<HttpClient, CtlError> {
        let tls = match (server.tls, ca_cert) {
            (false, _) => None,
            (true, Some(ca)) => Some(tls::connector(ca)?),
            (true, None) => return Err(CtlError::Usage(format!("{server} is https: give --ca-cert FILE"))),
        };
        Ok(HttpClient { server, tls })
    }

    pub fn server(&self) -> &ServerUrl {
        &self.server
    }

    /// A connection to the server (TLS done when https).
    pub async fn connect(&self) -> Result<Box<dyn Io>, CtlError> {
        let authority = self.server.authority();
        let connecting = async {
            let tcp = TcpStream::connect(&authority)
                .await
                .map_err(|e| CtlError::Connection(format!("{}: {e}", self.server)))?;
            let _ = tcp.set_nodelay(true);
            let io: Box<dyn Io> = match &self.tls {
                None => Box::new(tcp),
                Some(connector) => Box::new(tls::handshake(connector, &self.server.host, tcp).await?),
            };
            Ok(io)
        };
        timeout(CONNECT_TIMEOUT, connecting).await.map_err(|_| {
            CtlError::Connection(format!("{}: no connection within {} s", self.server, CONNECT_TIMEOUT.as_secs()))
        })?
    }

    /// Sends one request; `token` goes in `Authorization: Bearer`, `body` as JSON.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, CtlError> {
        let io = self.connect().await?;
        let exchange = self.exchange(io, method, path, token, body);
        timeout(REQUEST_TIMEOUT, exchange).await.map_err(|_| {
            CtlError::Connection(format!("{}: no answer within {} s", self.server, REQUEST_TIMEOUT.as_secs()))
        })?
    }

    async fn exchange(
        &self,
        io: Box<dyn Io>,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, CtlError> {
        let broken = |e: hyper::Error| CtlError::Connection(format!("{}: {e}", self.server));
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(broken)?;
        // The connection future drives the socket; it ends when the answer is read.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.server.authority())
            .header(USER_AGENT, concat!("traderctl/", env!("CARGO_PKG_VERSION")))
            .header(ACCEPT, "application/json");
        if let Some(token) = token {
            let mut value = HeaderValue::try_from(format!("Bearer {token}"))
                .map_err(|_| CtlError::Usage("the token contains characters a header cannot carry".to_owned()))?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let bytes = match body {
            Some(json) => {
                request = request.header(CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(json).map_err(|e| CtlError::Usage(e.to_string()))?)
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(bytes)).map_err(|e| CtlError::Usage(format!("request {path}: {e}")))?;
        let response = sender.send_request(request).await.map_err(broken)?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| CtlError::Connection(format!("{}: reading the answer: {e}", self.server)))?
            .to_bytes();
        Ok(Reply { status, body })
    }
}
