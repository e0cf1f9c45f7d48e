//! `orders`, `order`, `place`, `cancel`, `cancel-all`.

use serde_json::{json, Map, Value};

use super::{items, object_pairs, segment, Ctx};
use crate::args::{OrdersArgs, PlaceArgs, ProductArg, SideArg, ValidityArg};
use crate::error::CtlError;
use crate::table::{self, at, Table};

/// The path and query of `GET /api/v1/orders` for `args`.
pub fn list_path(args: &OrdersArgs) -> String {
    let side = args.side.map(|s| match s {
        SideArg::Buy => "buy".to_owned(),
        SideArg::Sell => "sell".to_owned(),
    });
    let status = if args.open { Some("open".to_owned()) } else { args.status.clone() };
    let params = [
        ("status", status),
        ("instrument", args.instrument.clone()),
        ("strategy", args.strategy.clone()),
        ("side", side),
        ("limit", args.limit.map(|n| n.to_string())),
        ("cursor", args.cursor.clone()),
    ];
    let query: Vec<String> =
        params.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", segment(v)))).collect();
    if query.is_empty() {
        "/api/v1/orders".to_owned()
    } else {
        format!("/api/v1/orders?{}", query.join("&"))
    }
}

/// `GET /api/v1/orders`; a further page is announced on stderr.
pub async fn list(ctx: &mut Ctx, args: &OrdersArgs) -> Result<(), CtlError> {
    let body = ctx.api.get(&list_path(args)).await?;
    ctx.emit(&body, |v| order_table(items(v, "orders")));
    if !ctx.json {
        if let Some(cursor) = body.get("next_cursor").and_then(Value::as_str) {
            eprintln!("more orders: add --cursor {cursor}");
        }
    }
    Ok(())
}

/// The orders as a table.
pub fn order_table(orders: &[Value]) -> String {
    let mut t = Table::new(&[
        "ORDER",
        "CLIENT ID",
        "INSTRUMENT",
        "SIDE",
        ">QTY",
        ">FILLED",
        "TYPE",
        ">PRICE",
        ">AVG",
        "STATUS",
        "UPDATED",
    ]);
    for o in orders {
        let price = match (o.get("price").filter(|p| !p.is_null()), o.get("trigger_price").filter(|p| !p.is_null())) {
            (Some(p), Some(t)) => format!("{} @{}", table::cell(p), table::cell(t)),
            (Some(p), None) => table::cell(p),
            (None, Some(t)) => format!("@{}", table::cell(t)),
            (None, None) => "-".to_owned(),
        };
        t.row(vec![
            at(o, "/order_id"),
            at(o, "/client_order_id"),
            at(o, "/instrument"),
            at(o, "/side"),
            at(o, "/quantity"),
            at(o, "/filled_quantity"),
            at(o, "/order_type"),
            price,
            at(o, "/average_price"),
            at(o, "/status"),
            at(o, "/updated_at"),
        ]);
    }
    t.render()
}

/// One order, field by field; a rejection's reason last.
fn order_detail(o: &Value) -> String {
    let keys = [
        "order_id",
        "client_order_id",
        "origin",
        "instrument",
        "side",
        "quantity",
        "filled_quantity",
        "remaining_quantity",
        "order_type",
        "price",
        "trigger_price",
        "validity",
        "product",
        "status",
        "average_price",
        "reject_reason",
        "tag",
        "created_at",
        "updated_at",
    ];
    let rows: Vec<(&str, String)> = keys.iter().map(|k| (*k, at(o, &format!("/{k}")))).collect();
    table::pairs(&rows)
}

/// `GET /api/v1/orders/{id}`.
pub async fn show(ctx: &mut Ctx, id: &str) -> Result<(), CtlError> {
    let body = ctx.api.get(&format!("/api/v1/orders/{}", segment(id))).await?;
    ctx.emit(&body, order_detail);
    Ok(())
}

/// The body of `POST /api/v1/orders` for `args`.
pub fn place_body(args: &PlaceArgs) -> Value {
    let mut body = Map::new();
    body.insert("instrument".into(), json!(args.instrument));
    body.insert(
        "side".into(),
        json!(match args.side {
            SideArg::Buy => "buy",
            SideArg::Sell => "sell",
        }),
    );
    body.insert("quantity".into(), json!(args.qty));
    let order_type = match (&args.limit, &args.trigger) {
        (Some(_), Some(_)) => "sl",
        (Some(_), None) => "limit",
        (None, Some(_)) => "sl-m",
        (None, None) => "market",
    };
    body.insert("order_type".into(), json!(order_type));
    // Prices go as strings: the server reads them exactly, with no binary floating point between.
    if let Some(price) = &args.limit {
        body.insert("price".into(), json!(price));
    }
    if let Some(trigger) = &args.trigger {
        body.insert("trigger_price".into(), json!(trigger));
    }
    if let Some(product) = args.product {
        body.insert(
            "product".into(),
            json!(match product {
                ProductArg::Intraday => "intraday",
                ProductArg::Delivery => "delivery",
            }),
        );
    }
    if let Some(validity) = args.validity {
        body.insert(
            "validity".into(),
            json!(match validity {
                ValidityArg::Day => "day",
                ValidityArg::Ioc => "ioc",
            }),
        );
    }
    if let Some(id) = &args.client_id {
        body.insert("client_order_id".into(), json!(id));
    }
    if let Some(tag) = &args.tag {
        body.insert("tag".into(), json!(tag));
    }
    Value::Object(body)
}

/// `POST /api/v1/orders`.
pub async fn place(ctx: &mut Ctx, args: &PlaceArgs) -> Result<(), CtlError> {
    let body = ctx.api.post("/api/v1/orders", place_body(args)).await?;
    ctx.emit(&body, order_detail);
    Ok(())
}

/// `DELETE /api/v1/orders/{id}`.
pub async fn cancel(ctx: &mut Ctx, id: &str) -> Result<(), CtlError> {
    let body = ctx.api.delete(&format!("/api/v1/orders/{}", segment(id))).await?;
    ctx.emit(&body, |o| format!("order {} is {}\n", at(o, "/order_id"), at(o, "/status")));
    Ok(())
}

/// `POST /api/v1/orders/cancel-all`.
pub async fn cancel_all(ctx: &mut Ctx, instrument: Option<&str>, strategy: Option<&str>) -> Result<(), CtlError> {
    let mut filter = Map::new();
    if let Some(instrument) = instrument {
        filter.insert("instrument".into(), json!(instrument));
    }
    if let Some(strategy) = strategy {
        filter.insert("strategy".into(), json!(strategy));
    }
    let body = ctx.api.post("/api/v1/orders/cancel-all", Value::Object(filter)).await?;
    ctx.emit(&body, |v| {
        let ids: Vec<String> = items(v, "cancelled").iter().map(table::cell).collect();
        match v.get("count").and_then(Value::as_u64) {
            Some(count) if ids.is_empty() => format!("cancelled {count} orders\n"),
            Some(count) => format!("cancelled {count} orders: {}\n", ids.join(", ")),
            None => object_pairs(v),
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    fn body(args: &[&str]) -> Value {
        let cli =
            Cli::try_parse_from(["traderctl", "place", "--instrument", "NSE_EQ|X", "--qty", "3"].iter().chain(args))
                .unwrap();
        let Command::Place(place) = cli.command else { panic!("place") };
        place_body(&place)
    }

    #[test]
    fn each_order_kind_becomes_its_body() {
        assert_eq!(
            body(&["--side", "buy", "--market"]),
            json!({"instrument": "NSE_EQ|X", "side": "buy", "quantity": 3, "order_type": "market"})
        );
        assert_eq!(
            body(&[
                "--side",
                "sell",
                "--limit",
                "2450.05",
                "--product",
                "delivery",
                "--validity",
                "ioc",
                "--client-id",
                "c-1",
                "--tag",
                "t"
            ]),
            json!({"instrument": "NSE_EQ|X", "side": "sell", "quantity": 3, "order_type": "limit", "price": "2450.05",
                "product": "delivery", "validity": "ioc", "client_order_id": "c-1", "tag": "t"})
        );
        assert_eq!(body(&["--side", "buy", "--limit", "10", "--trigger", "9.5"])["order_type"], "sl");
        let stop_market = body(&["--side", "buy", "--market", "--trigger", "9.5"]);
        assert_eq!((stop_market["order_type"].as_str(), stop_market.get("price")), (Some("sl-m"), None));
    }

    #[test]
    fn filters_become_query_parameters() {
        assert_eq!(list_path(&OrdersArgs::default()), "/api/v1/orders");
        let args = OrdersArgs {
            open: true,
            instrument: Some("NSE_EQ|X".into()),
            side: Some(SideArg::Sell),
            limit: Some(10),
            cursor: Some("c/1".into()),
            ..OrdersArgs::default()
        };
        assert_eq!(
            list_path(&args),
            "/api/v1/orders?status=open&instrument=NSE_EQ%7CX&side=sell&limit=10&cursor=c%2F1"
        );
    }

    #[test]
    fn the_order_table_shows_prices_and_triggers() {
        let orders = [
            json!({"order_id": "o-1", "client_order_id": "c", "instrument": "NSE_EQ|X", "side": "buy", "quantity": 10,
                "filled_quantity": 10, "order_type": "market", "price": null, "trigger_price": null,
                "average_price": "101.5", "status": "filled", "updated_at": "t1"}),
            json!({"order_id": "o-22", "client_order_id": "c2", "instrument": "NSE_EQ|X", "side": "sell", "quantity": 5,
                "filled_quantity": 0, "order_type": "sl", "price": "99", "trigger_price": "100",
                "average_price": null, "status": "accepted", "updated_at": "t2"}),
        ];
        assert_eq!(
            order_table(&orders),
            "ORDER  CLIENT ID  INSTRUMENT  SIDE  QTY  FILLED  TYPE      PRICE    AVG  STATUS    UPDATED\n\
             o-1    c          NSE_EQ|X    buy    10      10  market        -  101.5  filled    t1\n\
             o-22   c2         NSE_EQ|X    sell    5       0  sl      99 @100      -  accepted  t2\n"
        );
    }
}
