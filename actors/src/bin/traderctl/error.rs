//! What can go wrong in one `traderctl` run, and the exit code each failure maps to.

use std::collections::BTreeMap;
use std::fmt;

/// Exit code when the server answered with an error (or with something unreadable).
pub const EXIT_API: u8 = 1;
/// Exit code for a bad command line or local configuration (config file, CA file, session file).
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the server could not be reached (connect, TLS, timeout, stream dropped).
pub const EXIT_CONNECTION: u8 = 3;

/// A failed command. Messages never contain a token.
#[derive(Debug)]
pub enum CtlError {
    /// The command line or a local file is wrong.
    Usage(String),
    /// The server could not be reached or the connection broke.
    Connection(String),
    /// The server answered with a non-2xx status, in the control plane's error shape when it could.
    Api { status: u16, code: String, message: String, fields: BTreeMap<String, String> },
    /// The server answered 2xx with something that is not what this client expects.
    BadResponse(String),
}

impl CtlError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CtlError::Usage(_) => EXIT_USAGE,
            CtlError::Connection(_) => EXIT_CONNECTION,
            CtlError::Api { .. } | CtlError::BadResponse(_) => EXIT_API,
        }
    }

    /// An API error from a status and the response body: the `{"error": {...}}` shape when the
    /// body has it, else the body's first line as the message.
    pub fn from_response(status: u16, body: &[u8]) -> CtlError {
        let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let error = parsed.as_ref().and_then(|v| v.get("error"));
        match error {
            Some(error) => {
                let text = |key: &str| error.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                let fields = error
                    .get("fields")
                    .and_then(|f| f.as_object())
                    .map(|map| {
                        map.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                            .collect()
                    })
                    .unwrap_or_default();
                CtlError::Api { status, code: text("code"), message: text("message"), fields }
            }
            None => {
                let text = String::from_utf8_lossy(body);
                let first = text.lines().next().unwrap_or_default().trim();
                let message = if first.is_empty() { reason_phrase(status).to_owned() } else { truncate(first, 300) };
                CtlError::Api { status, code: String::new(), message, fields: BTreeMap::new() }
            }
        }
    }
}

fn reason_phrase(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("error")
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

impl fmt::Display for CtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CtlError::Usage(message) => write!(f, "error: {message}"),
            CtlError::Connection(message) => write!(f, "error: cannot reach the server: {message}"),
            CtlError::BadResponse(message) => write!(f, "error: unexpected answer from the server: {message}"),
            CtlError::Api { status, code, message, fields } => {
                write!(f, "error: {status} {}", reason_phrase(*status))?;
                if !code.is_empty() {
                    write!(f, " ({code})")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                for (field, reason) in fields {
                    write!(f, "\n  {field}: {reason}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for CtlError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_shape_is_read_with_every_field() {
        let body = br#"{"error": {"code": "invalid_request", "message": "2 fields are invalid",
            "fields": {"quantity": "`0` is not a positive whole number of units", "side": "`hold` is not buy or sell"}}}"#;
        let error = CtlError::from_response(400, body);
        assert_eq!(error.exit_code(), EXIT_API);
        assert_eq!(
            error.to_string(),
            "error: 400 Bad Request (invalid_request): 2 fields are invalid\n  \
             quantity: `0` is not a positive whole number of units\n  side: `hold` is not buy or sell"
        );
    }

    #[test]
    fn a_body_without_the_shape_still_gives_a_message() {
        assert_eq!(CtlError::from_response(502, b"").to_string(), "error: 502 Bad Gateway: Bad Gateway");
        assert_eq!(
            CtlError::from_response(404, b"nothing here\nmore").to_string(),
            "error: 404 Not Found: nothing here"
        );
    }

    #[test]
    fn exit_codes_follow_the_kind_of_failure() {
        assert_eq!(CtlError::Usage("x".into()).exit_code(), 2);
        assert_eq!(CtlError::Connection("x".into()).exit_code(), 3);
        assert_eq!(CtlError::BadResponse("x".into()).exit_code(), 1);
    }
}
