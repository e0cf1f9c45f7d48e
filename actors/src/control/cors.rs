//! Cross-origin access (`[api.cors]`): off unless origins are listed. Without the layer no
//! `Access-Control-*` header is ever sent, so browsers keep other sites' scripts out of the API.

use std::time::Duration;

use axum::http::{header, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};
use trader::config::CorsSection;

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The CORS layer for the configured origins, or `None` when there are none. Only bearer tokens
/// authenticate, never cookies, so credentials are not allowed.
pub fn layer(config: &CorsSection) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = config
        .allowed_origins
        .iter()
        .filter_map(|origin| match HeaderValue::from_str(origin) {
            Ok(value) => Some(value),
            Err(_) => {
                // Validation refuses such an origin before this runs; never widen access over it.
                tracing::warn!(%origin, "api.cors.allowed_origins: not a valid header value; left out");
                None
            }
        })
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([header::RETRY_AFTER])
            .max_age(PREFLIGHT_MAX_AGE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_origins_no_layer() {
        assert!(layer(&CorsSection::default()).is_none());
        let config = CorsSection { allowed_origins: vec!["https://desk.example.in".to_owned()] };
        assert!(layer(&config).is_some());
    }
}
