//! `backtest submit`, `backtest status`, `backtests`.

use serde_json::{Map, Value};

use super::{items, segment, Ctx};
use crate::args::BacktestSubmitArgs;
use crate::error::CtlError;
use crate::table::{self, at, Table};

/// The body of `POST /api/v1/backtests`; `--param NAME=VALUE` pairs become the `params` object.
pub fn submit_body(args: &BacktestSubmitArgs) -> Result<Value, CtlError> {
    let mut body = Map::new();
    body.insert("data".into(), Value::from(args.data.clone()));
    let optional = [
        ("instrument", &args.instrument),
        ("strategy", &args.strategy),
        ("cash", &args.cash),
        ("commission", &args.commission),
        ("charges", &args.charges),
        ("fill", &args.fill),
        ("utc_offset", &args.utc_offset),
        ("sort", &args.sort),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            body.insert(key.into(), Value::from(value.clone()));
        }
    }
    if let Some(ticks) = args.slippage_ticks {
        body.insert("slippage_ticks".into(), Value::from(ticks));
    }
    if !args.params.is_empty() {
        let mut params = Map::new();
        for pair in &args.params {
            let (name, value) = pair
                .split_once('=')
                .filter(|(name, _)| !name.trim().is_empty())
                .ok_or_else(|| CtlError::Usage(format!("--param `{pair}`: expected NAME=VALUE")))?;
            params.insert(name.trim().to_owned(), Value::from(value.trim()));
        }
        body.insert("params".into(), Value::Object(params));
    }
    Ok(Value::Object(body))
}

/// `POST /api/v1/backtests`.
pub async fn submit(ctx: &mut Ctx, args: &BacktestSubmitArgs) -> Result<(), CtlError> {
    let body = submit_body(args)?;
    let answer = ctx.api.post("/api/v1/backtests", body).await?;
    ctx.emit(&answer, |v| {
        format!("backtest {} is {}; see `traderctl backtest status {}`\n", at(v, "/id"), at(v, "/status"), at(v, "/id"))
    });
    Ok(())
}

/// `GET /api/v1/backtests/{id}`: the state, and the summary's fields once done.
pub async fn status(ctx: &mut Ctx, id: u64) -> Result<(), CtlError> {
    let answer = ctx.api.get(&format!("/api/v1/backtests/{}", segment(&id.to_string()))).await?;
    ctx.emit(&answer, render_status);
    Ok(())
}

/// A job's state; a finished single run's statistics as pairs, a sweep's summary as JSON.
pub fn render_status(v: &Value) -> String {
    let mut rows = vec![("id", at(v, "/id")), ("status", at(v, "/status"))];
    if let Some(error) = v.get("error").filter(|e| !e.is_null()) {
        rows.push(("error", table::cell(error)));
    }
    let mut out = table::pairs(&rows);
    match v.get("summary") {
        Some(Value::Object(summary)) => {
            out.push('\n');
            let rows: Vec<(&str, String)> = summary.iter().map(|(k, v)| (k.as_str(), table::cell(v))).collect();
            out.push_str(&table::pairs(&rows));
        }
        Some(other) if !other.is_null() => {
            out.push('\n');
            out.push_str(&serde_json::to_string_pretty(other).unwrap_or_default());
            out.push('\n');
        }
        _ => {}
    }
    out
}

/// `GET /api/v1/backtests`.
pub async fn list(ctx: &mut Ctx, status: Option<&str>, limit: Option<u32>) -> Result<(), CtlError> {
    let mut query = Vec::new();
    if let Some(status) = status {
        query.push(format!("status={}", segment(status)));
    }
    if let Some(limit) = limit {
        query.push(format!("limit={limit}"));
    }
    let path = if query.is_empty() {
        "/api/v1/backtests".to_owned()
    } else {
        format!("/api/v1/backtests?{}", query.join("&"))
    };
    let answer = ctx.api.get(&path).await?;
    ctx.emit(&answer, |v| backtest_table(items(v, "backtests")));
    Ok(())
}

/// Backtest jobs as a table.
pub fn backtest_table(jobs: &[Value]) -> String {
    let mut t = Table::new(&[">ID", "STATUS", "SUBMITTED", "STRATEGY", "DATA", "SWEEP", "ERROR"]);
    for j in jobs {
        t.row(
            ["/id", "/status", "/submitted_at", "/strategy", "/data", "/sweep", "/error"]
                .iter()
                .map(|k| at(j, k))
                .collect(),
        );
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use serde_json::json;

    use super::*;
    use crate::args::{BacktestCommand, Cli, Command};

    fn args(extra: &[&str]) -> BacktestSubmitArgs {
        let base = ["traderctl", "backtest", "submit", "--data", "rel.csv"];
        let cli = Cli::try_parse_from(base.iter().chain(extra)).unwrap();
        let Command::Backtest(BacktestCommand::Submit(submit)) = cli.command else { panic!("submit") };
        *submit
    }

    #[test]
    fn params_become_an_object_and_only_given_fields_are_sent() {
        let body = submit_body(&args(&[
            "--strategy",
            "sma_cross",
            "--param",
            "fast=10",
            "--param",
            "slow=20..60:10",
            "--charges",
            "india-delivery",
            "--slippage-ticks",
            "2",
        ]))
        .unwrap();
        assert_eq!(
            body,
            json!({"data": "rel.csv", "strategy": "sma_cross", "charges": "india-delivery", "slippage_ticks": 2,
                "params": {"fast": "10", "slow": "20..60:10"}})
        );
        assert_eq!(submit_body(&args(&[])).unwrap(), json!({"data": "rel.csv"}));
        assert!(matches!(submit_body(&args(&["--param", "fast"])), Err(CtlError::Usage(_))));
        assert!(matches!(submit_body(&args(&["--param", "=3"])), Err(CtlError::Usage(_))));
    }

    #[test]
    fn a_finished_job_lists_its_statistics() {
        let text = render_status(&json!({"id": 3, "status": "done", "summary": {"sharpe": 1.5}}));
        assert_eq!(text, "id      3\nstatus  done\n\nsharpe  1.5\n");
        let failed = render_status(&json!({"id": 4, "status": "failed", "error": "no bars"}));
        assert_eq!(failed, "id      4\nstatus  failed\nerror   no bars\n");
    }
}
