//! `alerts`, `alert add`, `alert rm`.

use serde_json::{json, Value};

use super::{items, object_pairs, segment, Ctx};
use crate::args::AlertAddArgs;
use crate::error::CtlError;
use crate::table::{self, at, Table};

/// `GET /api/v1/alerts`.
pub async fn list(ctx: &mut Ctx) -> Result<(), CtlError> {
    let body = ctx.api.get("/api/v1/alerts").await?;
    ctx.emit(&body, |v| alert_table(items(v, "alerts")));
    Ok(())
}

/// A condition in words: `price_above 2500`, `move_from 2450 by 0.02`.
fn condition_text(c: &Value) -> String {
    let kind = at(c, "/kind");
    match kind.as_str() {
        "price_above" | "price_below" | "price_crosses" => format!("{kind} {}", at(c, "/price")),
        "move_from" => format!("move_from {} by {}", at(c, "/reference"), at(c, "/percent")),
        "volume_spike" => format!("volume_spike x{} over {}", at(c, "/factor"), at(c, "/window")),
        _ => table::cell(c),
    }
}

/// Alert rules as a table.
pub fn alert_table(alerts: &[Value]) -> String {
    let mut t = Table::new(&["ID", "INSTRUMENT", "CONDITION", "MODE", "ENABLED"]);
    for a in alerts {
        let mode = match a.pointer("/mode/mode").and_then(Value::as_str) {
            Some("repeat") => format!("repeat every {} ms", at(a, "/mode/cooldown_ms")),
            Some(other) => other.to_owned(),
            None => "-".to_owned(),
        };
        let condition = a.get("condition").map_or_else(|| "-".to_owned(), condition_text);
        t.row(vec![at(a, "/id"), at(a, "/instrument"), condition, mode, at(a, "/enabled")]);
    }
    t.render()
}

/// The rule `alert add` creates.
pub fn alert_body(args: &AlertAddArgs) -> Value {
    let condition = if let Some(price) = &args.above {
        json!({"kind": "price_above", "price": price})
    } else if let Some(price) = &args.below {
        json!({"kind": "price_below", "price": price})
    } else if let Some(price) = &args.crosses {
        json!({"kind": "price_crosses", "price": price})
    } else if let Some(reference) = &args.move_from {
        json!({"kind": "move_from", "reference": reference, "percent": args.percent})
    } else {
        json!({"kind": "volume_spike", "factor": args.volume_spike, "window": args.window})
    };
    let mode = match args.repeat_ms {
        Some(ms) => json!({"mode": "repeat", "cooldown_ms": ms}),
        None => json!({"mode": "once"}),
    };
    json!({"id": args.id, "instrument": args.instrument, "condition": condition, "mode": mode, "enabled": !args.disabled})
}

/// `POST /api/v1/alerts`.
pub async fn add(ctx: &mut Ctx, args: &AlertAddArgs) -> Result<(), CtlError> {
    let body = ctx.api.post("/api/v1/alerts", alert_body(args)).await?;
    ctx.emit(&body, |v| alert_table(std::slice::from_ref(v)));
    Ok(())
}

/// `DELETE /api/v1/alerts/{id}`.
pub async fn remove(ctx: &mut Ctx, id: &str) -> Result<(), CtlError> {
    let body = ctx.api.delete(&format!("/api/v1/alerts/{}", segment(id))).await?;
    ctx.emit(&body, object_pairs);
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{AlertCommand, Cli, Command};

    fn body(args: &[&str]) -> Value {
        let base = ["traderctl", "alert", "add", "--id", "a1", "--instrument", "NSE_EQ|X"];
        let cli = Cli::try_parse_from(base.iter().chain(args)).unwrap();
        let Command::Alert(AlertCommand::Add(add)) = cli.command else { panic!("alert add") };
        alert_body(&add)
    }

    #[test]
    fn each_condition_becomes_the_rule_the_server_reads() {
        assert_eq!(
            body(&["--above", "2500"]),
            json!({"id": "a1", "instrument": "NSE_EQ|X", "condition": {"kind": "price_above", "price": "2500"},
                "mode": {"mode": "once"}, "enabled": true})
        );
        assert_eq!(
            body(&["--move-from", "2450", "--percent", "0.02", "--repeat-ms", "60000", "--disabled"]),
            json!({"id": "a1", "instrument": "NSE_EQ|X",
                "condition": {"kind": "move_from", "reference": "2450", "percent": "0.02"},
                "mode": {"mode": "repeat", "cooldown_ms": 60000}, "enabled": false})
        );
        assert_eq!(
            body(&["--volume-spike", "3", "--window", "20"])["condition"],
            json!({"kind": "volume_spike", "factor": "3", "window": 20})
        );
    }

    #[test]
    fn the_table_says_the_condition_in_words() {
        let rule = body(&["--crosses", "100", "--repeat-ms", "500"]);
        assert_eq!(
            alert_table(&[rule]),
            "ID  INSTRUMENT  CONDITION          MODE                 ENABLED\n\
             a1  NSE_EQ|X    price_crosses 100  repeat every 500 ms  true\n"
        );
    }
}
