//! `strategies`, `strategy start|stop`.

use serde_json::Value;

use super::{items, segment, Ctx};
use crate::error::CtlError;
use crate::table::{self, at, Table};

/// `GET /api/v1/strategies`.
pub async fn list(ctx: &mut Ctx) -> Result<(), CtlError> {
    let body = ctx.api.get("/api/v1/strategies").await?;
    ctx.emit(&body, |v| strategy_table(items(v, "strategies")));
    Ok(())
}

/// Strategies as a table.
pub fn strategy_table(strategies: &[Value]) -> String {
    let mut t = Table::new(&["ID", "KIND", "INSTRUMENTS", "BARS", "STATE", "PARAMS"]);
    for s in strategies {
        let instruments = s
            .get("instruments")
            .and_then(Value::as_array)
            .map_or_else(|| "-".to_owned(), |list| list.iter().map(table::cell).collect::<Vec<_>>().join(","));
        let state = match s.get("status") {
            None | Some(Value::Null) => "never started".to_owned(),
            Some(status) => at(status, "/state/state"),
        };
        t.row(vec![at(s, "/id"), at(s, "/kind"), instruments, at(s, "/bar_interval"), state, at(s, "/params")]);
    }
    t.render()
}

/// `POST /api/v1/strategies/{id}/start|stop`.
pub async fn set(ctx: &mut Ctx, id: &str, action: &str) -> Result<(), CtlError> {
    let path = format!("/api/v1/strategies/{}/{action}", segment(id));
    let body = ctx.api.call(hyper::Method::POST, &path, None).await?;
    ctx.emit(&body, |v| format!("strategy {} is {}\n", at(v, "/id"), at(v, "/status")));
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strategies_show_their_runner_state() {
        let list = [
            json!({"id": "sma", "kind": "sma_cross", "instruments": ["NSE_EQ|A", "NSE_EQ|B"], "bar_interval": "1m",
                "params": {"fast": 5}, "status": {"state": {"state": "running"}, "restarts": 0, "last_error": null}}),
            json!({"id": "don", "kind": "donchian", "instruments": [], "bar_interval": "5m", "params": {},
                "status": null}),
        ];
        assert_eq!(
            strategy_table(&list),
            "ID   KIND       INSTRUMENTS        BARS  STATE          PARAMS\n\
             sma  sma_cross  NSE_EQ|A,NSE_EQ|B  1m    running        {\"fast\":5}\n\
             don  donchian                      5m    never started  {}\n"
        );
    }
}
