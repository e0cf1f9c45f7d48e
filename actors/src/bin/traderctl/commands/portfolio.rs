//! `positions`, `portfolio`, `fills`.

use serde_json::Value;
use trader::num::Money;
use trader::time::Timestamp;

use super::{items, Ctx};
use crate::error::CtlError;
use crate::table::{self, at, Table};

/// `GET /api/v1/positions`.
pub async fn positions(ctx: &mut Ctx) -> Result<(), CtlError> {
    let body = ctx.api.get("/api/v1/positions").await?;
    ctx.emit(&body, |v| {
        let mut t =
            Table::new(&["INSTRUMENT", ">QTY", ">AVG", ">LAST", ">REALISED", ">UNREALISED", ">CHARGES", ">FILLS"]);
        for p in items(v, "positions") {
            t.row(
                [
                    "/instrument",
                    "/quantity",
                    "/average_price",
                    "/last_price",
                    "/realised_pnl",
                    "/unrealised_pnl",
                    "/charges",
                    "/fills",
                ]
                .iter()
                .map(|k| at(p, k))
                .collect(),
            );
        }
        t.render()
    });
    Ok(())
}

/// `GET /api/v1/portfolio`.
pub async fn portfolio(ctx: &mut Ctx) -> Result<(), CtlError> {
    let body = ctx.api.get("/api/v1/portfolio").await?;
    ctx.emit(&body, |v| {
        let keys = [
            "cash",
            "equity",
            "realised_pnl",
            "unrealised_pnl",
            "day_pnl",
            "charges",
            "gross_exposure",
            "net_exposure",
        ];
        let rows: Vec<(&str, String)> = keys.iter().map(|k| (*k, at(v, &format!("/{k}")))).collect();
        table::pairs(&rows)
    });
    Ok(())
}

/// `GET /api/v1/fills`.
pub async fn fills(ctx: &mut Ctx, limit: Option<u32>) -> Result<(), CtlError> {
    let path = match limit {
        Some(n) => format!("/api/v1/fills?limit={n}"),
        None => "/api/v1/fills".to_owned(),
    };
    let body = ctx.api.get(&path).await?;
    ctx.emit(&body, |v| fill_table(items(v, "fills")));
    Ok(())
}

/// Fills as a table, times in IST and charges summed.
pub fn fill_table(fills: &[Value]) -> String {
    let mut t = Table::new(&["TIME", "FILL", "ORDER", "INSTRUMENT", "SIDE", ">QTY", ">PRICE", ">CHARGES"]);
    for f in fills {
        t.row(vec![
            f.get("ts")
                .and_then(Value::as_i64)
                .map_or_else(|| "-".to_owned(), |n| Timestamp::from_nanos(n).to_string()),
            at(f, "/id"),
            at(f, "/order_id"),
            at(f, "/instrument"),
            at(f, "/side"),
            at(f, "/quantity"),
            at(f, "/price"),
            f.get("charges").map_or_else(|| "-".to_owned(), total_charges),
        ]);
    }
    t.render()
}

/// The sum of a charge breakdown's components, exactly; `-` when one is unreadable.
fn total_charges(charges: &Value) -> String {
    let Some(parts) = charges.as_object() else { return table::cell(charges) };
    let mut total = Money::ZERO;
    for part in parts.values() {
        let parsed = match part {
            Value::String(s) => s.parse::<Money>().ok(),
            Value::Number(n) => n.to_string().parse::<Money>().ok(),
            _ => None,
        };
        match parsed {
            Some(amount) => total += amount,
            None => return "-".to_owned(),
        }
    }
    total.to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fills_show_ist_times_and_exact_charge_totals() {
        let fill = json!({"id": "f-1", "order_id": "o-1", "instrument": "NSE_EQ|X", "side": "buy", "product": "intraday",
            "quantity": 10, "price": "2450.05", "ts": 1_764_215_100_250_000_000_i64,
            "charges": {"brokerage": "20", "stt": "6.13", "exchange": "0.8", "sebi": "0.02", "stamp_duty": "0.74",
                "gst": "3.75"}});
        let text = fill_table(&[fill]);
        let row = text.lines().nth(1).unwrap();
        assert!(row.starts_with("2025-11-27 09:15:00.250+05:30  f-1"), "{row}");
        assert!(row.ends_with("2450.05    31.44"), "{row}");
    }

    #[test]
    fn unreadable_charges_show_a_dash() {
        assert_eq!(total_charges(&json!({"a": "x"})), "-");
        assert_eq!(total_charges(&json!({})), Money::ZERO.to_string());
    }
}
