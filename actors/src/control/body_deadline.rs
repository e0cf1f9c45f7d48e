//! A deadline on receiving a request's body. Hyper bounds only the wait for the headers; without
//! this a client could trickle a body a byte at a time and hold its connection (and a connection
//! slot, [`super::tls`]) for as long as it liked. The body (already size-limited outside this
//! layer) is read in full here, within the deadline, and handed on in memory: every body the API
//! takes is a small JSON document.

use std::error::Error as _;
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError};

use super::error::ApiError;
use crate::metrics_names::API_BODY_TIMEOUTS_TOTAL;

/// How long a client has, once its headers are in, to send the whole body.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The middleware (`axum::middleware::from_fn_with_state(timeout, read_within)`): reads the body
/// within `timeout`; 408 (and the connection closed) when it does not arrive in time, 413 when it
/// is over the size limit applied outside this layer.
pub async fn read_within(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(timeout, body.collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(error)) => return unreadable(&error),
        Err(_) => {
            metrics::counter!(API_BODY_TIMEOUTS_TOTAL).increment(1);
            tracing::debug!(timeout_ms = timeout.as_millis() as u64, "request body not received in time");
            let message = format!("the request body did not arrive within {} ms", timeout.as_millis());
            let mut response = ApiError::new(StatusCode::REQUEST_TIMEOUT, "body_timeout", message).into_response();
            // The rest of the body may still be on its way: this connection cannot carry another request.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The answer to a body that failed to arrive: too large (the size limit outside), or broken off.
fn unreadable(error: &axum::Error) -> Response {
    let mut source: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(cause) = source {
        if cause.is::<LengthLimitError>() {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the request body is too large")
                .into_response();
        }
        source = cause.source();
    }
    ApiError::new(StatusCode::BAD_REQUEST, "unreadable_body", format!("the request body could not be read: {error}"))
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;
    use axum::middleware::from_fn_with_state;
    use axum::routing::post;
    use axum::Router;
    use futures_util::StreamExt as _;
    use hyper::service::Service as _;
    use hyper_util::service::TowerToHyperService;

    use super::*;

    fn app(timeout: Duration) -> Router {
        Router::new()
            .route("/echo", post(|body: Bytes| async move { body }))
            .layer(from_fn_with_state(timeout, read_within))
            .layer(tower_http::limit::RequestBodyLimitLayer::new(8))
    }

    async fn send(app: Router, body: Body) -> (StatusCode, Option<HeaderValue>, Bytes) {
        let request = Request::post("/echo").body(body).unwrap();
        let response = TowerToHyperService::new(app).call(request).await.unwrap();
        let status = response.status();
        let connection = response.headers().get(header::CONNECTION).cloned();
        (status, connection, response.into_body().collect().await.unwrap().to_bytes())
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_in_time_is_handed_on_and_a_stalled_one_is_cut() {
        let (status, _, echoed) = send(app(Duration::from_secs(1)), Body::from("hello")).await;
        assert_eq!((status, &echoed[..]), (StatusCode::OK, &b"hello"[..]));

        // Part of the body, then nothing: 408 after the deadline, and the connection is closed.
        let trickle = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"he"))])
            .chain(futures_util::stream::pending());
        let started = tokio::time::Instant::now();
        let (status, connection, answer) = send(app(Duration::from_secs(1)), Body::from_stream(trickle)).await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        assert_eq!(started.elapsed(), Duration::from_secs(1), "cut at the deadline");
        assert_eq!(connection, Some(HeaderValue::from_static("close")));
        let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(answer["error"]["code"], "body_timeout");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_413() {
        // A streamed body: no Content-Length for the limit layer to refuse up front.
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"0123456789"))]);
        let (status, _, answer) = send(app(Duration::from_secs(1)), Body::from_stream(chunks)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(answer["error"]["code"], "body_too_large");
    }
}
