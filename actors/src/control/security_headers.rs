//! Security headers on every answer, the fallback's and the middlewares' included: one layer
//! outside everything else.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

/// The CSP of an HTML answer that brings none: it may load nothing and be framed by no one. The
/// docs page and the backtest report set their own, which allow exactly what they need.
pub const HTML_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Which headers to add: [`SecurityHeaders::plain_http`] or [`SecurityHeaders::over_tls`], as the
/// listener serves.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// Over plain HTTP: no `Strict-Transport-Security` (browsers ignore it there, and sending it
    /// would claim a guarantee the server does not give).
    pub fn plain_http() -> SecurityHeaders {
        SecurityHeaders { hsts: None }
    }

    /// Over TLS: adds `Strict-Transport-Security: max-age=<seconds>` (`[api.tls] hsts_max_age_seconds`)
    /// to every answer.
    pub fn over_tls(max_age: Duration) -> SecurityHeaders {
        let value = format!("max-age={}", max_age.as_secs());
        SecurityHeaders { hsts: HeaderValue::from_str(&value).ok() }
    }

    /// Adds the headers to `headers`. Nosniff, framing and referrer are always set; a
    /// `Cache-Control` or an HTML answer's own CSP is kept, since the handler knows better.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        // Answers carry positions, orders and tokens: no cache may keep them.
        headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        let html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
        if html {
            headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(HTML_CSP));
        }
        if let Some(hsts) = &self.hsts {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
    }
}

/// The middleware (`axum::middleware::map_response_with_state`).
pub async fn add(State(headers): State<Arc<SecurityHeaders>>, mut response: Response) -> Response {
    headers.apply(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(security: &SecurityHeaders, content_type: Option<&str>, csp: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(t) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(t).unwrap());
        }
        if let Some(c) = csp {
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(c).unwrap());
        }
        security.apply(&mut headers);
        headers
    }

    #[test]
    fn json_gets_the_basics_and_no_csp_or_hsts() {
        let headers = applied(&SecurityHeaders::plain_http(), Some("application/json"), None);
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_none());
        assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    }

    #[test]
    fn html_gets_a_strict_csp_unless_it_brought_its_own() {
        let headers = applied(&SecurityHeaders::plain_http(), Some("Text/HTML; charset=utf-8"), None);
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], HTML_CSP);
        let own = "default-src 'none'; style-src 'unsafe-inline'";
        let headers = applied(&SecurityHeaders::plain_http(), Some("text/html"), Some(own));
        assert_eq!(headers.get_all(header::CONTENT_SECURITY_POLICY).iter().collect::<Vec<_>>(), [own]);
    }

    #[test]
    fn hsts_only_over_tls_and_headers_are_not_doubled() {
        let mut headers = HeaderMap::new();
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=60"));
        SecurityHeaders::over_tls(Duration::from_secs(31_536_000)).apply(&mut headers);
        assert_eq!(headers[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
        assert_eq!(headers.get_all(header::X_FRAME_OPTIONS).iter().count(), 1);
        assert_eq!(headers[header::CACHE_CONTROL], "max-age=60", "a handler's own caching is kept");
    }
}
