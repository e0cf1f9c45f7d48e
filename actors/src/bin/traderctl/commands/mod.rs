//! The commands, one group per file, and what they share: the client, `--json`, printing.

mod admin;
mod alerts;
mod backtests;
mod login;
mod orders;
mod portfolio;
mod status;
mod strategies;
mod stream;

use serde_json::Value;

use crate::api::Api;
use crate::args::{AlertCommand, BacktestCommand, Command, StrategyCommand};
use crate::error::CtlError;
use crate::table;

/// What every command gets.
pub struct Ctx {
    pub api: Api,
    /// `--json`: print the server's JSON as it came.
    pub json: bool,
    /// Where `login` stores the session.
    pub session_path: std::path::PathBuf,
}

impl Ctx {
    /// Prints `value` as pretty JSON with `--json`, else as `render` makes it.
    pub fn emit(&self, value: &Value, render: impl FnOnce(&Value) -> String) {
        let text = if self.json {
            let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
            text.push('\n');
            text
        } else {
            render(value)
        };
        print!("{text}");
    }
}

/// Runs `command`.
pub async fn run(ctx: &mut Ctx, command: Command) -> Result<(), CtlError> {
    match command {
        Command::Login { username } => login::login(ctx, &username).await,
        Command::Logout => login::logout(ctx).await,
        Command::Status => status::status(ctx).await,
        Command::Orders(args) => orders::list(ctx, &args).await,
        Command::Order { id } => orders::show(ctx, &id).await,
        Command::Place(args) => orders::place(ctx, &args).await,
        Command::Cancel { id } => orders::cancel(ctx, &id).await,
        Command::CancelAll { instrument, strategy } => {
            orders::cancel_all(ctx, instrument.as_deref(), strategy.as_deref()).await
        }
        Command::Positions => portfolio::positions(ctx).await,
        Command::Portfolio => portfolio::portfolio(ctx).await,
        Command::Fills { limit } => portfolio::fills(ctx, limit).await,
        Command::KillSwitch(args) => admin::kill_switch(ctx, &args).await,
        Command::Strategies => strategies::list(ctx).await,
        Command::Strategy(StrategyCommand::Start { id }) => strategies::set(ctx, &id, "start").await,
        Command::Strategy(StrategyCommand::Stop { id }) => strategies::set(ctx, &id, "stop").await,
        Command::Alerts => alerts::list(ctx).await,
        Command::Alert(AlertCommand::Add(args)) => alerts::add(ctx, &args).await,
        Command::Alert(AlertCommand::Rm { id }) => alerts::remove(ctx, &id).await,
        Command::Backtest(BacktestCommand::Submit(args)) => backtests::submit(ctx, &args).await,
        Command::Backtest(BacktestCommand::Status { id }) => backtests::status(ctx, id).await,
        Command::Backtests { status, limit } => backtests::list(ctx, status.as_deref(), limit).await,
        Command::Stream { topics } => stream::stream(ctx, topics.as_deref()).await,
    }
}

/// `text` as one path segment: anything but unreserved characters percent-encoded, so an id
/// such as `a/b` cannot name another route.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An object's scalar fields as aligned `name  value` lines (nested values as compact JSON).
pub fn object_pairs(value: &Value) -> String {
    match value.as_object() {
        Some(map) => {
            let rows: Vec<(&str, String)> = map.iter().map(|(k, v)| (k.as_str(), table::cell(v))).collect();
            table::pairs(&rows)
        }
        None => format!("{}\n", table::cell(value)),
    }
}

/// The array at `key` of `value`, or an empty one.
pub fn items<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_are_encoded_as_one_segment() {
        assert_eq!(segment("ord-12_a.b~"), "ord-12_a.b~");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(segment("..%"), "..%25");
    }

    #[test]
    fn objects_print_as_pairs() {
        let text = object_pairs(&json!({"id": "x", "deleted": true}));
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort_unstable();
        assert_eq!(lines, ["deleted  true", "id       x"]);
        assert_eq!(items(&json!({"orders": [1, 2]}), "orders").len(), 2);
        assert!(items(&json!({}), "orders").is_empty());
    }
}
