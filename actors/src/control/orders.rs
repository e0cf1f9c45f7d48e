//! Orders: list, one, place (through the same risk gate as strategy orders), cancel.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use trader::data::parse_datetime;
use trader::model::{
    ClientOrderId, InstrumentKey, Order, OrderId, OrderIntent, OrderKind, OrderOrigin, OrderRequest, OrderStatus,
    Product, Side, StrategyId, Tag, Validity,
};
use trader::num::{Price, Quantity};
use trader::time::{Clock, LiveClock, Timestamp, IST_OFFSET_SECONDS};
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::order_view::{OrderHistoryView, OrderView};
use super::path_param;
use super::request_bodies::{CancelAllBody, ModifyOrderBody, PlaceOrderBody};
use super::state::ControlState;
use crate::actors::order_router::{RouterMsg, RouterQuery};
use crate::actors::risk_gate::RiskMsg;
use crate::ask;
use crate::engine::{OrderFilter, StatusFilter};
use crate::submit_error::SubmitError;

/// Orders, oldest first (in creation order), one page at a time.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(example = "o42-117")]
    pub next_cursor: Option<String>,
}

/// Orders a page holds when the request names no `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest `limit`.
pub const MAX_LIMIT: usize = 1000;

const LIST_PARAMS: [&str; 8] = ["status", "instrument", "strategy", "side", "since", "until", "limit", "cursor"];

const STATUSES: [OrderStatus; 9] = [
    OrderStatus::Pending,
    OrderStatus::Accepted,
    OrderStatus::PartiallyFilled,
    OrderStatus::Filled,
    OrderStatus::Cancelled,
    OrderStatus::Rejected,
    OrderStatus::Expired,
    OrderStatus::PendingCancel,
    OrderStatus::PendingModify,
];

/// A list request read from its query: what to keep, where to start, how many.
#[derive(Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: OrderFilter,
    pub after: Option<OrderId>,
    pub limit: usize,
}

/// An order's origin as the API names it: `manual`, or a strategy id.
fn origin(text: &str) -> Result<OrderOrigin, String> {
    if text == "manual" {
        return Ok(OrderOrigin::Manual);
    }
    StrategyId::new(text).map(OrderOrigin::Strategy).map_err(|e| e.to_string())
}

/// An instant in RFC 3339 (`2026-11-27T09:15:00+05:30`, `...Z`), or as the API writes times
/// (`2026-11-27 09:15:00.250+05:30`); without an offset, IST.
fn instant(text: &str) -> Result<Timestamp, String> {
    parse_datetime(text, IST_OFFSET_SECONDS).map_err(|e| e.to_string())
}

/// Reads the list query, naming every bad parameter.
pub fn parse_list_query(query: &HashMap<String, String>) -> Result<ListQuery, ApiError> {
    let mut fields = BTreeMap::new();
    let mut bad = |name: &str, reason: String| {
        fields.insert(name.to_owned(), reason);
    };
    let mut filter = OrderFilter::default();
    match query.get("status").map(String::as_str) {
        None | Some("all") => {}
        Some("open") => filter.status = StatusFilter::Open,
        Some(other) => match STATUSES.iter().find(|s| s.as_str() == other) {
            Some(status) => filter.status = StatusFilter::Is(*status),
            None => bad(
                "status",
                format!("`{other}` is not open, all or a status ({})", STATUSES.map(OrderStatus::as_str).join(", ")),
            ),
        },
    }
    if let Some(text) = query.get("instrument") {
        match InstrumentKey::new(text) {
            Ok(key) => filter.instrument = Some(key),
            Err(e) => bad("instrument", e.to_string()),
        }
    }
    if let Some(text) = query.get("strategy") {
        match origin(text) {
            Ok(origin) => filter.origin = Some(origin),
            Err(e) => bad("strategy", e),
        }
    }
    match query.get("side").map(String::as_str) {
        None => {}
        Some("buy") => filter.side = Some(Side::Buy),
        Some("sell") => filter.side = Some(Side::Sell),
        Some(other) => bad("side", format!("`{other}` is not buy or sell")),
    }
    for name in ["since", "until"] {
        if let Some(text) = query.get(name) {
            match instant(text) {
                Ok(t) if name == "since" => filter.since = Some(t),
                Ok(t) => filter.until = Some(t),
                Err(e) => bad(name, e),
            }
        }
    }
    if let (Some(since), Some(until)) = (filter.since, filter.until) {
        if until <= since {
            bad("until", format!("{until} is not after since {since}"));
        }
    }
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                bad("limit", format!("`{text}` is not a whole number from 1 to {MAX_LIMIT}"));
                DEFAULT_LIMIT
            }
        },
    };
    let after = match query.get("cursor") {
        None => None,
        Some(text) => match OrderId::new(text.as_str()) {
            Ok(id) => Some(id),
            Err(_) => {
                bad("cursor", "is not a cursor from an earlier page's `next_cursor`".to_owned());
                None
            }
        },
    };
    for k in query.keys().filter(|k| !LIST_PARAMS.contains(&k.as_str())) {
        bad(k, "is not a known parameter".to_owned());
    }
    if fields.is_empty() {
        Ok(ListQuery { filter, after, limit })
    } else {
        Err(ApiError::invalid(fields))
    }
}

/// Orders matching every filter given, oldest first, a page at a time. Pages are keyset
/// pagination on the order's creation sequence: orders placed while a client pages through
/// come after every page it has seen, so no order repeats and none is skipped.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", operation_id = "list_orders",
    params(
        ("status" = Option<String>, Query, description = "`all` (default), `open` (every status that can \
            still fill), or one status: `pending`, `accepted`, `partially_filled`, `filled`, `cancelled`, \
            `rejected`, `expired`, `pending_cancel`, `pending_modify`.", example = "open"),
        ("instrument" = Option<String>, Query, description = "Only this instrument.",
            example = "NSE_EQ|INE002A01018"),
        ("strategy" = Option<String>, Query, description = "Only this strategy's orders, or `manual` for \
            orders placed through the API.", example = "manual"),
        ("side" = Option<String>, Query, description = "`buy` or `sell`."),
        ("since" = Option<String>, Query, description = "Created at or after this instant: RFC 3339 \
            (`2026-11-27T09:15:00+05:30`; the `created_at` form is accepted too; without an offset, IST).",
            example = "2026-11-27T09:15:00+05:30"),
        ("until" = Option<String>, Query, description = "Created before this instant; same form as `since`."),
        ("limit" = Option<usize>, Query, description = "Orders per page, 1 to 1000; default 100.",
            minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page."),
    ),
    responses(
        (status = 200, description = "One page of orders.", body = OrderList),
        (status = 400, description = "Every bad or unknown parameter, named.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn list(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<OrderList>, ApiError> {
    let ListQuery { filter, after, limit } = parse_list_query(&query)?;
    let page = ask!(state.services.slots.router, "order router", |reply| RouterMsg::ListOrders {
        filter,
        after,
        limit,
        reply
    })?;
    let orders = page.orders.iter().map(OrderView::from).collect();
    Ok(Json(OrderList { orders, next_cursor: page.next_cursor.map(|id| id.to_string()) }))
}

fn order_id(text: &str) -> Result<OrderId, ApiError> {
    path_param::parse("order_id", text, |s| OrderId::new(s))
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
    let quantity = f.required("quantity", positive_quantity);
    let order_type = f.required("order_type", |s| match s {
        "market" | "limit" | "sl" | "sl-m" => Ok(s.to_owned()),
        _ => Err(format!("`{s}` is not market, limit, sl or sl-m")),
    });
    let price = f.optional("price", positive_price);
    let trigger = f.optional("trigger_price", positive_price);
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
        // Answers to a change of an existing order, never to a new one.
        Err(e @ (SubmitError::UnknownOrder(_) | SubmitError::Changed(_) | SubmitError::BrokerRefused(_))) => {
            Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
        }
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
        Err(e @ SubmitError::UnknownOrder(_)) => Err(ApiError::not_found(e.to_string())),
        Err(SubmitError::Invalid(message)) => Err(ApiError::new(StatusCode::CONFLICT, "not_cancellable", message)),
        Err(e) => Err(ApiError::unavailable(e.to_string())),
    }
}

/// A positive whole number of units (a body's `quantity`).
fn positive_quantity(text: &str) -> Result<Quantity, String> {
    match text.parse::<Quantity>() {
        Ok(q) if !q.is_zero() => Ok(q),
        _ => Err(format!("`{text}` is not a positive whole number of units")),
    }
}

/// A positive price, read exactly (a body's `price` or `trigger_price`).
fn positive_price(text: &str) -> Result<Price, String> {
    let price = text.parse::<Price>().map_err(|e| e.to_string())?;
    if price.is_positive() {
        Ok(price)
    } else {
        Err(format!("{price} must be positive"))
    }
}

/// What a modification asks for; at least one is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModifyRequest {
    pub quantity: Option<Quantity>,
    pub price: Option<Price>,
    pub trigger_price: Option<Price>,
}

/// Reads the PATCH body, naming every bad field.
pub fn parse_modify(body: &Bytes) -> Result<ModifyRequest, ApiError> {
    let mut f = Fields::parse(body)?;
    let quantity = f.optional("quantity", positive_quantity);
    let price = f.optional("price", positive_price);
    let trigger_price = f.optional("trigger_price", positive_price);
    let given = ["quantity", "price", "trigger_price"].into_iter().any(|k| f.raw(k).is_some());
    if !given {
        f.error("body", "name at least one of quantity, price and trigger_price");
    }
    f.finish()?;
    Ok(ModifyRequest { quantity, price, trigger_price })
}

/// The order's type with the asked-for prices and its new total quantity, or a 400 naming each
/// field that does not fit the order (the type never changes).
pub fn modified(order: &Order, change: &ModifyRequest) -> Result<(OrderKind, Quantity), ApiError> {
    let mut fields = BTreeMap::new();
    let intent = &order.request.intent;
    let kind = match intent.kind {
        OrderKind::Market => {
            if change.price.is_some() {
                fields.insert("price".to_owned(), "not allowed for a market order".to_owned());
            }
            if change.trigger_price.is_some() {
                fields.insert("trigger_price".to_owned(), "only for sl and sl-m orders".to_owned());
            }
            OrderKind::Market
        }
        OrderKind::Limit { price } => {
            if change.trigger_price.is_some() {
                fields.insert("trigger_price".to_owned(), "only for sl and sl-m orders".to_owned());
            }
            OrderKind::Limit { price: change.price.unwrap_or(price) }
        }
        OrderKind::StopLimit { price, trigger_price } => {
            let price = change.price.unwrap_or(price);
            let trigger_price = change.trigger_price.unwrap_or(trigger_price);
            let inverted = match intent.side {
                Side::Buy => price < trigger_price,
                Side::Sell => price > trigger_price,
            };
            if inverted {
                let field = if change.price.is_some() { "price" } else { "trigger_price" };
                let need = if intent.side == Side::Buy { "at or above" } else { "at or below" };
                fields.insert(
                    field.to_owned(),
                    format!(
                        "an sl {} needs its limit {need} its trigger: limit {price}, trigger {trigger_price}",
                        intent.side
                    ),
                );
            }
            OrderKind::StopLimit { price, trigger_price }
        }
        OrderKind::StopMarket { trigger_price } => {
            if change.price.is_some() {
                fields.insert("price".to_owned(), "not allowed for an sl-m order".to_owned());
            }
            OrderKind::StopMarket { trigger_price: change.trigger_price.unwrap_or(trigger_price) }
        }
    };
    let quantity = change.quantity.unwrap_or(intent.quantity);
    if quantity <= order.filled() {
        fields
            .insert("quantity".to_owned(), format!("{quantity} must be above the filled quantity {}", order.filled()));
    }
    if fields.is_empty() {
        Ok((kind, quantity))
    } else {
        Err(ApiError::invalid(fields))
    }
}

fn not_modifiable(order: &Order) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "not_modifiable",
        format!(
            "order {} is {}: only accepted and partially filled orders can be modified",
            order.id,
            order.status().as_str()
        ),
    )
}

/// Changes an open order's quantity, limit price or trigger price.
///
/// The changed order passes the risk gate again, like a new one (tick, lot, freeze and maximum
/// quantity, price band, notional, position and exposure, and the order rate: exchanges count a
/// modification as an order message). Answered once the change is durable in the journal; the
/// paper broker works the order at its new price and quantity at once.
#[utoipa::path(patch, path = "/api/v1/orders/{order_id}", tag = "orders", operation_id = "modify_order",
    params(("order_id" = String, Path, description = "The order's id.")),
    request_body(content = ModifyOrderBody, description = "What to change; at least one field."),
    responses(
        (status = 200, description = "The order as changed (`pending_modify` while a broker has not yet \
            confirmed).", body = OrderView),
        (status = 400, description = "Every bad field named: unknown, not for this order type, or a \
            quantity not above what has filled.", body = ApiErrorBody),
        (status = 404, description = "No such order.", body = ApiErrorBody),
        (status = 409, description = "The order is not open and working (`code` `not_modifiable`), or another \
            change reached it after this request read it (`code` `order_changed`: read it again, then retry).",
            body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 422, description = "Refused by the risk gate (`code` names the limit) or by the broker \
            (`modify_rejected`); the order is unchanged.", body = ApiErrorBody,
            example = json!({"error": {"code": "price_band",
                "message": "limit price 3000.00 is more than 5.00% away from the last trade 2450.05", "fields": {}}})),
        (status = 503, description = "A queue or the journal is full or down; the order is unchanged, or \
            check it.", body = ApiErrorBody),
    ))]
pub async fn modify(
    State(state): State<ControlState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<OrderView>, ApiError> {
    let id = order_id(&id)?;
    let change = parse_modify(&body)?;
    let order = ask!(state.services.slots.router, "order router", |reply| RouterMsg::Query(RouterQuery::Order {
        id: id.clone(),
        reply
    }))?
    .ok_or_else(|| ApiError::not_found(format!("no order {id}")))?;
    if !matches!(order.status(), OrderStatus::Accepted | OrderStatus::PartiallyFilled) {
        return Err(not_modifiable(&order));
    }
    let (kind, quantity) = modified(&order, &change)?;
    let risk = state.services.risk();
    let (tx, rx) = ractor::concurrency::oneshot();
    risk.try_send(|permit| RiskMsg::Modify { order: Box::new(order), kind, quantity, reply: tx.into(), permit })
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let answer = tokio::time::timeout(super::state::ACTOR_TIMEOUT, rx)
        .await
        .map_err(|_| ApiError::unavailable("the change was not confirmed durable in time; check the order"))?
        .map_err(|_| ApiError::unavailable("the order pipeline stopped; check the order"))?;
    match answer {
        Ok(order) => Ok(Json(OrderView::from(&order))),
        Err(SubmitError::Refused(refusal)) => {
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, refusal.code(), refusal.to_string()))
        }
        Err(e @ SubmitError::UnknownOrder(_)) => Err(ApiError::not_found(e.to_string())),
        Err(e @ SubmitError::BrokerRefused(_)) => {
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "modify_rejected", e.to_string()))
        }
        // Another modification came first: this one was computed from the order before it.
        Err(e @ SubmitError::Changed(_)) => Err(ApiError::new(StatusCode::CONFLICT, "order_changed", e.to_string())),
        // The order moved on between the check and the change (a fill, a cancel).
        Err(SubmitError::Invalid(message)) => Err(ApiError::new(StatusCode::CONFLICT, "not_modifiable", message)),
        Err(e @ (SubmitError::Queue(_) | SubmitError::Journal(_))) => Err(ApiError::unavailable(e.to_string())),
    }
}

/// The orders cancelled by a cancel-all.
#[derive(Debug, Serialize, ToSchema)]
pub struct CancelAllResult {
    /// The ids of the orders now cancelled or pending cancel, oldest first.
    pub cancelled: Vec<String>,
    pub count: usize,
}

/// Reads the optional cancel-all body: no body, or `{}`, keeps every open order.
pub fn parse_cancel_all(body: &Bytes) -> Result<OrderFilter, ApiError> {
    let mut filter = OrderFilter { status: StatusFilter::Open, ..OrderFilter::default() };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(filter);
    }
    let mut f = Fields::parse(body)?;
    filter.instrument = f.optional("instrument", |s| InstrumentKey::new(s).map_err(|e| e.to_string()));
    filter.origin = f.optional("strategy", origin);
    f.finish()?;
    Ok(filter)
}

/// Cancels every open order, or those of one instrument and/or one strategy (`manual`: the
/// API's own orders).
#[utoipa::path(post, path = "/api/v1/orders/cancel-all", tag = "orders", operation_id = "cancel_all_orders",
    request_body(content = Option<CancelAllBody>, description = "Optional filters; no body cancels every open order."),
    responses(
        (status = 200, description = "The orders cancelled (possibly none).", body = CancelAllResult,
            example = json!({"cancelled": ["o42-3", "o42-7"], "count": 2})),
        (status = 400, description = "Every bad or unknown field, named.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn cancel_all(State(state): State<ControlState>, body: Bytes) -> Result<Json<CancelAllResult>, ApiError> {
    let filter = parse_cancel_all(&body)?;
    let ids = ask!(state.services.slots.router, "order router", |reply| RouterMsg::CancelMatching { filter, reply })?;
    let cancelled: Vec<String> = ids.iter().map(ToString::to_string).collect();
    Ok(Json(CancelAllResult { count: cancelled.len(), cancelled }))
}

/// One order's state history: every change from its placement on, with its time (IST) and the
/// status it left the order in. Rebuilt from the journal after a restart.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}/history", tag = "orders", operation_id = "order_history",
    params(("order_id" = String, Path, description = "The order's id.")),
    responses(
        (status = 200, description = "The order's history, oldest first.", body = OrderHistoryView),
        (status = 400, description = "Not an order id.", body = ApiErrorBody),
        (status = 404, description = "No such order.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn history(
    State(state): State<ControlState>,
    Path(id): Path<String>,
) -> Result<Json<OrderHistoryView>, ApiError> {
    let id = order_id(&id)?;
    let found =
        ask!(state.services.slots.router, "order router", |reply| RouterMsg::History { id: id.clone(), reply })?;
    let (order, history) = found.ok_or_else(|| ApiError::not_found(format!("no order {id}")))?;
    Ok(Json(OrderHistoryView::new(&order, &history)))
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

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn bad_params(pairs: &[(&str, &str)]) -> Vec<String> {
        parse_list_query(&query(pairs)).unwrap_err().fields.into_keys().collect()
    }

    #[test]
    fn list_queries_parse_into_filters() {
        let parsed = parse_list_query(&query(&[])).unwrap();
        assert_eq!(parsed, ListQuery { filter: OrderFilter::default(), after: None, limit: DEFAULT_LIMIT });
        let parsed = parse_list_query(&query(&[
            ("status", "partially_filled"),
            ("instrument", "NSE_EQ|INE002A01018"),
            ("strategy", "manual"),
            ("side", "sell"),
            ("since", "2026-11-27T09:15:00+05:30"),
            ("until", "2026-11-27 03:46:00.000Z"),
            ("limit", "1000"),
            ("cursor", "o42-17"),
        ]))
        .unwrap();
        let filter = parsed.filter;
        assert_eq!(filter.status, StatusFilter::Is(OrderStatus::PartiallyFilled));
        assert_eq!(filter.origin, Some(OrderOrigin::Manual));
        assert_eq!(filter.side, Some(Side::Sell));
        // 09:15 IST is 03:45 UTC: a one-minute window.
        assert_eq!(filter.until.unwrap().since(filter.since.unwrap()), 60_000_000_000);
        assert_eq!((parsed.limit, parsed.after.unwrap().as_str()), (1000, "o42-17"));
        let strategy = parse_list_query(&query(&[("strategy", "sma_reliance"), ("status", "open")])).unwrap();
        assert_eq!(strategy.filter.origin, Some(OrderOrigin::Strategy(StrategyId::new("sma_reliance").unwrap())));
        assert_eq!(strategy.filter.status, StatusFilter::Open);
    }

    #[test]
    fn every_bad_list_parameter_is_named() {
        assert_eq!(
            bad_params(&[
                ("status", "done"),
                ("instrument", "XX|1"),
                ("side", "hold"),
                ("since", "yesterday"),
                ("limit", "0"),
                ("cursor", "a b"),
                ("page", "2"),
            ]),
            ["cursor", "instrument", "limit", "page", "side", "since", "status"]
        );
        assert_eq!(bad_params(&[("limit", "1001")]), ["limit"]);
        assert_eq!(bad_params(&[("strategy", "no way")]), ["strategy"]);
        assert_eq!(bad_params(&[("since", "2026-11-27T10:00:00Z"), ("until", "2026-11-27T09:00:00Z")]), ["until"]);
    }

    fn resting(kind: OrderKind, side: Side) -> Order {
        let body = format!(
            r#"{{"instrument": "NSE_EQ|INE002A01018", "side": "{side}", "quantity": 10, "order_type": "market"}}"#
        );
        let mut request = parse_order(&Bytes::from(body)).unwrap();
        request.intent.kind = kind;
        let mut order = Order::new(OrderId::new("o1-1").unwrap(), request, Timestamp::from_nanos(1));
        order.apply(&trader::model::OrderEvent::Accepted, Timestamp::from_nanos(2)).unwrap();
        order
    }

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    fn modify_fields(order: &Order, body: &str) -> Vec<String> {
        let change = match parse_modify(&Bytes::from(body.to_owned())) {
            Ok(change) => change,
            Err(e) => return e.fields.into_keys().collect(),
        };
        modified(order, &change).unwrap_err().fields.into_keys().collect()
    }

    #[test]
    fn modifications_keep_the_type_and_change_only_what_is_named() {
        let limit = resting(OrderKind::Limit { price: p("100") }, Side::Buy);
        let change = parse_modify(&Bytes::from(r#"{"price": "101.5"}"#)).unwrap();
        assert_eq!(modified(&limit, &change).unwrap(), (OrderKind::Limit { price: p("101.5") }, Quantity::new(10)));
        let change = parse_modify(&Bytes::from(r#"{"quantity": 12}"#)).unwrap();
        assert_eq!(modified(&limit, &change).unwrap(), (OrderKind::Limit { price: p("100") }, Quantity::new(12)));
        let stop = resting(OrderKind::StopLimit { price: p("101"), trigger_price: p("100") }, Side::Buy);
        let change = parse_modify(&Bytes::from(r#"{"trigger_price": "100.5"}"#)).unwrap();
        assert_eq!(
            modified(&stop, &change).unwrap().0,
            OrderKind::StopLimit { price: p("101"), trigger_price: p("100.5") }
        );
    }

    #[test]
    fn every_bad_modification_field_is_named() {
        let market = resting(OrderKind::Market, Side::Buy);
        assert_eq!(modify_fields(&market, r#"{"price": 1, "trigger_price": 1}"#), ["price", "trigger_price"]);
        assert_eq!(modify_fields(&market, "{}"), ["body"]);
        assert_eq!(modify_fields(&market, r#"{"quantity": 0, "side": "sell"}"#), ["quantity", "side"]);
        let limit = resting(OrderKind::Limit { price: p("100") }, Side::Buy);
        assert_eq!(modify_fields(&limit, r#"{"trigger_price": 1}"#), ["trigger_price"]);
        let slm = resting(OrderKind::StopMarket { trigger_price: p("100") }, Side::Sell);
        assert_eq!(modify_fields(&slm, r#"{"price": 1}"#), ["price"]);
        // A sell SL needs limit ≤ trigger.
        let sl = resting(OrderKind::StopLimit { price: p("99"), trigger_price: p("100") }, Side::Sell);
        assert_eq!(modify_fields(&sl, r#"{"price": "100.5"}"#), ["price"]);
        assert_eq!(modify_fields(&sl, r#"{"trigger_price": "98"}"#), ["trigger_price"]);
        let mut partly = resting(OrderKind::Market, Side::Buy);
        let fill = trader::model::OrderEvent::Filled { quantity: Quantity::new(6), price: p("100") };
        partly.apply(&fill, Timestamp::from_nanos(3)).unwrap();
        assert_eq!(modify_fields(&partly, r#"{"quantity": 6}"#), ["quantity"]);
    }

    #[test]
    fn cancel_all_filters() {
        let all = parse_cancel_all(&Bytes::new()).unwrap();
        assert_eq!(all, OrderFilter { status: StatusFilter::Open, ..OrderFilter::default() });
        assert_eq!(parse_cancel_all(&Bytes::from("{}")).unwrap(), all);
        let some =
            parse_cancel_all(&Bytes::from(r#"{"instrument": "NSE_EQ|INE002A01018", "strategy": "manual"}"#)).unwrap();
        assert_eq!(some.origin, Some(OrderOrigin::Manual));
        assert!(some.instrument.is_some());
        let bad = parse_cancel_all(&Bytes::from(r#"{"instrument": "x", "side": "buy"}"#)).unwrap_err();
        assert_eq!(bad.fields.into_keys().collect::<Vec<_>>(), ["instrument", "side"]);
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
