//! `GET /docs`: one self-contained page that fetches `/api/v1/openapi.json` and renders every
//! route readably. No CDN, no external script, style or font: the style and script are inline,
//! and the Content-Security-Policy allows exactly those two (by their SHA-256) plus fetches to
//! this origin — nothing else can run or load.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::csp_hash::csp_source;

const TEMPLATE: &str = include_str!("docs.html");
const STYLE: &str = include_str!("docs.css");
const SCRIPT: &str = include_str!("docs.js");
const STYLE_SLOT: &str = "/*STYLE*/";
const SCRIPT_SLOT: &str = "/*SCRIPT*/";

/// The assembled page and the policy that lets exactly its inline style and script run.
struct Page {
    html: String,
    csp: String,
}

fn assembled() -> &'static Page {
    static PAGE: OnceLock<Page> = OnceLock::new();
    PAGE.get_or_init(|| Page {
        // The slots sit directly inside <style> and <script>, so the hashed text is exactly the
        // elements' content, as CSP requires.
        html: TEMPLATE.replacen(STYLE_SLOT, STYLE, 1).replacen(SCRIPT_SLOT, SCRIPT, 1),
        csp: format!(
            "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
            csp_source(SCRIPT),
            csp_source(STYLE)
        ),
    })
}

/// A readable rendering of the OpenAPI document.
#[utoipa::path(get, path = "/docs", tag = "docs", operation_id = "get_docs_page",
    responses((status = 200, description = "A self-contained HTML page (no external resources).", body = String,
        content_type = "text/html")))]
pub async fn page() -> Response {
    let page = assembled();
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, page.csp.as_str()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        page.html.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text between `open` and the next `close` (the first such element).
    fn element_text<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
        let start = html.find(open).map(|i| i + open.len()).expect("element present");
        let end = html[start..].find(close).expect("element closed") + start;
        &html[start..end]
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_style_and_script_served() {
        let page = assembled();
        // One slot each, filled; the page has exactly one <style> and one <script> element.
        assert_eq!(TEMPLATE.matches(STYLE_SLOT).count(), 1);
        assert_eq!(TEMPLATE.matches(SCRIPT_SLOT).count(), 1);
        assert_eq!(page.html.matches("<script").count(), 1);
        assert_eq!(page.html.matches("<style").count(), 1);
        // A closing tag inside the code would end the element early and break the hash.
        assert!(!SCRIPT.contains("</script"));
        assert!(!STYLE.contains("</style"));
        let script = element_text(&page.html, "<script>", "</script>");
        let style = element_text(&page.html, "<style>", "</style>");
        assert_eq!(script, SCRIPT);
        assert_eq!(style, STYLE);
        assert!(page.csp.contains(&format!("script-src {};", csp_source(script))), "{}", page.csp);
        assert!(page.csp.contains(&format!("style-src {};", csp_source(style))), "{}", page.csp);
        assert!(page.csp.starts_with("default-src 'none';"));
        assert!(!page.csp.contains("unsafe"), "{}", page.csp);
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        let html = &assembled().html;
        for needle in ["http://", "https://", "//cdn", "src=", "@import", "url(", "innerHTML", "eval("] {
            assert!(!html.contains(needle), "the page contains `{needle}`");
        }
        // It fetches the document from this origin.
        assert!(SCRIPT.contains("'/api/v1/openapi.json'"));
    }

    #[tokio::test]
    async fn the_page_is_served_with_its_security_headers() {
        let response = page().await;
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], assembled().csp.as_str());
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    }
}
