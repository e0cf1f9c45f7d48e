//! `status`.

use serde_json::Value;

use super::Ctx;
use crate::error::CtlError;
use crate::profile::TokenSource;
use crate::table::{self, at, Table};

/// `GET /api/v1/status`.
pub async fn status(ctx: &mut Ctx) -> Result<(), CtlError> {
    let body = ctx.api.get("/api/v1/status").await?;
    let server = ctx.api.http().server().to_string();
    let via = match ctx.api.token_source() {
        None => "no token".to_owned(),
        Some(TokenSource::Flag) => "--token".to_owned(),
        Some(TokenSource::Env) => "$TRADERCTL_TOKEN".to_owned(),
        Some(TokenSource::Session) => "the login session".to_owned(),
        Some(TokenSource::ConfigFile) => "the config file's token".to_owned(),
        Some(TokenSource::TokenFile(p)) | Some(TokenSource::AdminTokenFile(p)) => p.display().to_string(),
    };
    ctx.emit(&body, |v| render(v, &server, &via));
    Ok(())
}

/// The status as text: a summary, then the actors and the queues.
pub fn render(v: &Value, server: &str, token_from: &str) -> String {
    let feed = match v.pointer("/feed/connected").and_then(Value::as_bool) {
        Some(true) => "connected",
        Some(false) => "disconnected",
        None => "-",
    };
    let stale: Vec<String> =
        v.pointer("/feed/stale").and_then(Value::as_array).map_or(Vec::new(), |s| s.iter().map(table::cell).collect());
    let feed = if stale.is_empty() { feed.to_owned() } else { format!("{feed}; stale: {}", stale.join(", ")) };
    let journal = format!(
        "committed {}, lag {}, last commit {} ms, refused {}, failed {}",
        at(v, "/journal/committed_sequence"),
        at(v, "/journal/lag"),
        v.pointer("/journal/last_commit_ms")
            .and_then(Value::as_f64)
            .map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1}")),
        at(v, "/journal/refused_records"),
        at(v, "/journal/failed_records"),
    );
    let mut out = table::pairs(&[
        ("server", server.to_owned()),
        ("token from", token_from.to_owned()),
        ("trading state", at(v, "/trading_state")),
        ("feed", feed),
        ("journal", journal),
    ]);
    let mut actors = Table::new(&["ACTOR", "STATE", ">RESTARTS", "LAST ERROR"]);
    if let Some(map) = v.get("actors").and_then(Value::as_object) {
        for (name, a) in map {
            let state = match a.pointer("/state/reason") {
                Some(reason) if !reason.is_null() => format!("{} ({})", at(a, "/state/state"), table::cell(reason)),
                _ => at(a, "/state/state"),
            };
            actors.row(vec![name.clone(), state, at(a, "/restarts"), at(a, "/last_error")]);
        }
    }
    out.push('\n');
    out.push_str(&actors.render());
    let mut queues = Table::new(&["QUEUE", ">DEPTH", ">CAPACITY"]);
    for q in v.get("queues").and_then(Value::as_array).map_or(&[][..], Vec::as_slice) {
        queues.row(vec![at(q, "/queue"), at(q, "/depth"), at(q, "/capacity")]);
    }
    out.push('\n');
    out.push_str(&queues.render());
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_status_reads_at_a_glance() {
        let v = json!({
            "trading_state": "halted",
            "actors": {"risk_gate": {"state": {"state": "running"}, "restarts": 0, "last_error": null},
                "strategy:sma": {"state": {"state": "stopped", "reason": "operator"}, "restarts": 2, "last_error": "boom"}},
            "queues": [{"queue": "risk_gate", "depth": 0, "capacity": 1024}],
            "journal": {"committed_sequence": 42, "lag": 0, "last_batch_size": 1, "last_commit_ms": 1.26,
                "refused_records": 0, "failed_records": 0},
            "feed": {"connected": true, "age_seconds": {}, "stale": ["NSE_EQ|X"]}
        });
        let text = render(&v, "http://127.0.0.1:7800", "the login session");
        assert!(text.contains("trading state  halted\n"), "{text}");
        assert!(text.contains("feed           connected; stale: NSE_EQ|X\n"), "{text}");
        assert!(
            text.contains("journal        committed 42, lag 0, last commit 1.3 ms, refused 0, failed 0\n"),
            "{text}"
        );
        assert!(text.contains("strategy:sma  stopped (operator)         2  boom\n"), "{text}");
        assert!(text.contains("risk_gate      0      1024\n"), "{text}");
    }
}
