//! Orders: list, one, place (through the same risk gate as strategy orders), cancel.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use trader::model::{
    ClientOrderId, InstrumentKey, OrderId, OrderIntent, OrderKind, OrderOrigin, OrderRequest, Product, Side, Tag,
    Validity,
};
use trader::num::{Price, Quantity};
use trader::time::{Clock, LiveClock};
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::order_view::OrderView;
use super::request_bodies::PlaceOrderBody;
use super::state::ControlState;
use crate::actors::order_router::{RouterMsg, RouterQuery};
use crate::actors::risk_gate::RiskMsg;
use crate::ask;
use crate::submit_error::SubmitError;

/// Orders, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderView>,
}

/// Every order of the session, or only the open ones.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", operation_id = "list_orders",
    params(("status" = Option<String>, Query, description = "`open` or `all` (default).", example = "open")),
    responses(
        (status = 200, description = "The orders.", body = OrderList),
        (status = 400, description = "A bad `status` or an unknown parameter.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn list(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<OrderList>, ApiError> {
    let mut fields = BTreeMap::new();
    let open_only = match query.get("status").map(String::as_str) {
        None | Some("all") => false,
        Some("open") => true,
        Some(other) => {
            fields.insert("status".to_owned(), format!("`{other}` is not open or all"));
            false
        }
    };
    for k in query.keys().filter(|k| k.as_str() != "status") {
        fields.insert(k.clone(), "is not a known parameter".to_owned());
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let orders = ask!(state.services.slots.router, "order router", |reply| RouterMsg::Query(RouterQuery::Orders {
        open_only,
        reply
    }))?;
    let views: Vec<OrderView> = orders.iter().map(OrderView::from).collect();
    Ok(Json(OrderList { orders: views }))
}

fn order_id(text: &str) -> Result<OrderId, ApiError> {
    OrderId::new(text).map_err(|e| {
        let mut fields = BTreeMap::new();
        fields.insert("order_id".to_owned(), e.to_string());
        ApiError::invalid(fields)
    })
}

/// One order.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}", tag = "orders", operation_id = "get_order",
    params(("order_id" = String, Path, description = "The order's id.")),
    responses(
        (status = 200, description = "The order.", body = OrderView),
        (status = 400, description = "Not an order id.", body = ApiErrorBody),
        (status = 404, description = "No such order.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn get(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<OrderView>, ApiError> {
    let id = order_id(&id)?;
    let order = ask!(state.services.slots.router, "order router", |reply| RouterMsg::Query(RouterQuery::Order {
        id: id.clone(),
        reply
    }))?;
    order.map(|o| Json(OrderView::from(&o))).ok_or_else(|| ApiError::not_found(format!("no order {id}")))
}

/// Client order ids for API orders that brought none: unique across restarts (wall-clock nanos)
/// and within one (a counter).
fn generated_client_order_id() -> ClientOrderId {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    ClientOrderId::new(format!("api-{}-{n}", LiveClock.now().nanos())).expect("generated ids are plain")
}

/// Reads the POST body into a request, naming every bad field.
pub fn parse_order(body: &Bytes) -> Result<OrderRequest, ApiError> {
    let mut f = Fields::parse(body)?;
    let instrument = f.required("instrument", |s| InstrumentKey::new(s).map_err(|e| e.to_string()));
    let side = f.required("side", |s| match s {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        _ => Err(format!("`{s}` is not buy or sell")),
    });
    let quantity = f.required("quantity", |s| match s.parse::<Quantity>() {
        Ok(q) if !q.is_zero() => Ok(q),
        _ => Err(format!("`{s}` is not a positive whole number of units")),
    });
    let order_type = f.required("order_type", |s| match s {
        "market" | "limit" | "sl" | "sl-m" => Ok(s.to_owned()),
        _ => Err(format!("`{s}` is not market, limit, sl or sl-m")),
    });
    let price_parse = |s: &str| {
        s.parse::<Price>().map_err(|e| e.to_string()).and_then(|p| {
            if p.is_positive() {
                Ok(p)
            } else {
                Err(format!("{p} must be positive"))
            }
        })
    };
    let price = f.optional("price", price_parse);
    let trigger = f.optional("trigger_price", price_parse);
    let validity = f
        .optional("validity", |s| match s {
            "day" => Ok(Validity::Day),
            "ioc" => Ok(Validity::Ioc),
            _ => Err(format!("`{s}` is not day or ioc")),
        })
        .unwrap_or_default();
    let product = f
        .optional("product", |s| match s {
            "intraday" => Ok(Product::Intraday),
            "delivery" => Ok(Product::Delivery),
            _ => Err(format!("`{s}` is not intraday or delivery")),
        })
        .unwrap_or_default();
    let client_order_id = f.optional("client_order_id", |s| ClientOrderId::new(s).map_err(|e| e.to_string()));
    let tag = f.optional("tag", |s| Tag::new(s).map_err(|e| e.to_string()));
    let has_price = f.raw("price").is_some();
    let has_trigger = f.raw("trigger_price").is_some();
    let kind = match order_type.as_deref() {
        Some("market") => {
            if has_price {
                f.error("price", "not allowed for a market order");
            }
            if has_trigger {
                f.error("trigger_price", "only for sl and sl-m orders");
            }
            Some(OrderKind::Market)
        }
        Some("limit") => {
            if has_trigger {
                f.error("trigger_price", "only for sl and sl-m orders");
            }
            if !has_price {
                f.error("price", "is required for a limit order");
            }
            price.map(|price| OrderKind::Limit { price })
        }
        Some("sl") => {
            if !has_price {
                f.error("price", "is required for an sl order");
            }
            if !has_trigger {
                f.error("trigger_price", "is required for an sl order");
            }
            price.zip(trigger).map(|(price, trigger_price)| OrderKind::StopLimit { price, trigger_price })
        }
        Some(_) => {
            if has_price {
                f.error("price", "not allowed for an sl-m order");
            }
            if !has_trigger {
                f.error("trigger_price", "is required for an sl-m order");
            }
            trigger.map(|trigger_price| OrderKind::StopMarket { trigger_price })
        }
        None => None,
    };
    f.finish()?;
    match (instrument, side, quantity, kind) {
        (Some(instrument), Some(side), Some(quantity), Some(kind)) => Ok(OrderRequest {
            client_order_id: client_order_id.unwrap_or_else(generated_client_order_id),
            origin: OrderOrigin::Manual,
            intent: OrderIntent { instrument, side, quantity, kind, validity, product },
            tag,
        }),
        _ => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", "the order could not be read")),
    }
}

/// Places an order through the risk gate, answering once its record is durable.
///
/// A retry with a `client_order_id` the daemon already knows returns that order with 200 and
/// places nothing.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", operation_id = "place_order",
    request_body(content = PlaceOrderBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Accepted by the risk gate and durable in the journal.", body = OrderView),
        (status = 200, description = "The order with this `client_order_id`, placed earlier.", body = OrderView),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 422, description = "Refused by the risk gate; `code` names the limit.", body = ApiErrorBody,
            example = json!({"error": {"code": "max_order_notional",
                "message": "order notional 5000000.00 exceeds the limit 1000000.00", "fields": {}}})),
        (status = 503, description = "A queue or the journal is full or down; nothing was placed, or check \
            the order list.", body = ApiErrorBody),
    ))]
pub async fn place(State(state): State<ControlState>, body: Bytes) -> Result<Response, ApiError> {
    let request = parse_order(&body)?;
    // A retry of an order we already have returns it (200) without spending a risk check or a
    // rate token, and without a refusal the original never had.
    let id = request.client_order_id.clone();
    let existing =
        ask!(state.services.slots.router, "order router", |reply| RouterMsg::Query(RouterQuery::ByClientId {
            id,
            reply
        }))?;
    if let Some(order) = existing {
        return Ok((StatusCode::OK, Json(OrderView::from(&order))).into_response());
    }
    let risk = state.services.risk();
    let (tx, rx) = ractor::concurrency::oneshot();
    risk.try_send(|permit| RiskMsg::Intent { request, tick_received: None, reply: Some(tx.into()), permit })
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let answer = tokio::time::timeout(super::state::ACTOR_TIMEOUT, rx)
        .await
        .map_err(|_| ApiError::unavailable("the order was not confirmed durable in time; check GET /api/v1/orders"))?
        .map_err(|_| ApiError::unavailable("the order pipeline stopped; check GET /api/v1/orders"))?;
    match answer {
        Ok(order) => Ok((StatusCode::CREATED, Json(OrderView::from(&order))).into_response()),
        Err(SubmitError::Refused(refusal)) => {
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, refusal.code(), refusal.to_string()))
        }
        Err(SubmitError::Invalid(message)) => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)),
        Err(e @ (SubmitError::Queue(_) | SubmitError::Journal(_))) => Err(ApiError::unavailable(e.to_string())),
    }
}

/// Cancels an open order.
#[utoipa::path(delete, path = "/api/v1/orders/{order_id}", tag = "orders", operation_id = "cancel_order",
    params(("order_id" = String, Path, description = "The order's id.")),
    responses(
        (status = 200, description = "The order, now cancelled or pending cancel.", body = OrderView),
        (status = 400, description = "Not an order id.", body = ApiErrorBody),
        (status = 404, description = "No such order.", body = ApiErrorBody),
        (status = 409, description = "The order is no longer open.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn cancel(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<OrderView>, ApiError> {
    let id = order_id(&id)?;
    let result =
        ask!(state.services.slots.router, "order router", |reply| RouterMsg::Cancel { order_id: id.clone(), reply })?;
    match result {
        Ok(order) => Ok(Json(OrderView::from(&order))),
        Err(SubmitError::Invalid(message)) if message.starts_with("no order") => Err(ApiError::not_found(message)),
        Err(SubmitError::Invalid(message)) => Err(ApiError::new(StatusCode::CONFLICT, "not_cancellable", message)),
        Err(e) => Err(ApiError::unavailable(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(body: &str) -> Vec<String> {
        parse_order(&Bytes::from(body.to_owned())).unwrap_err().fields.into_keys().collect()
    }

    #[test]
    fn a_full_limit_order_parses_exactly() {
        let body = r#"{"instrument": "NSE_EQ|INE002A01018", "side": "buy", "quantity": 10, "order_type": "limit",
            "price": 2450.05, "validity": "ioc", "product": "delivery", "client_order_id": "c-1", "tag": "t"}"#;
        let request = parse_order(&Bytes::from(body)).unwrap();
        assert_eq!(request.intent.kind, OrderKind::Limit { price: "2450.05".parse().unwrap() });
        assert_eq!(request.intent.validity, Validity::Ioc);
        assert_eq!(request.intent.product, Product::Delivery);
        assert_eq!(request.client_order_id.as_str(), "c-1");
    }

    #[test]
    fn defaults_and_a_generated_client_order_id() {
        let body = r#"{"instrument": "NSE_EQ|INE002A01018", "side": "sell", "quantity": "5", "order_type": "market"}"#;
        let request = parse_order(&Bytes::from(body)).unwrap();
        assert_eq!((request.intent.validity, request.intent.product), (Validity::Day, Product::Intraday));
        assert!(request.client_order_id.as_str().starts_with("api-"));
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(
            fields_of(r#"{"instrument": "XX|1", "side": "hold", "quantity": 0, "order_type": "limit", "extra": 1}"#),
            ["extra", "instrument", "price", "quantity", "side"]
        );
        assert_eq!(
            fields_of(
                r#"{"instrument": "NSE_EQ|INE002A01018", "side": "buy", "quantity": 1, "order_type": "market", "price": "1"}"#
            ),
            ["price"]
        );
        assert_eq!(
            fields_of(r#"{"instrument": "NSE_EQ|INE002A01018", "side": "buy", "quantity": 1, "order_type": "sl-m"}"#),
            ["trigger_price"]
        );
        assert_eq!(
            fields_of(
                r#"{"instrument": "NSE_EQ|INE002A01018", "side": "buy", "quantity": 1, "order_type": "limit", "price": "1.0000001"}"#
            ),
            ["price"]
        );
        assert_eq!(fields_of("[1]"), ["body"]);
        assert_eq!(fields_of("{nope"), ["body"]);
    }
}
