//! The API's shape of an order: flat, with the names operators use.

use serde::Serialize;
use trader::model::{Order, OrderKind, OrderOrigin};
use utoipa::ToSchema;

use super::mirror_schemas;

/// An order as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    /// Our id, assigned when the order is first recorded.
    pub order_id: String,
    /// The submitter's idempotency key.
    pub client_order_id: String,
    /// `manual` for API orders, `strategy:<id>` for a strategy's.
    #[schema(example = "manual")]
    pub origin: String,
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: String,
    #[schema(value_type = mirror_schemas::Side)]
    pub side: trader::model::Side,
    pub quantity: u64,
    pub filled_quantity: u64,
    pub remaining_quantity: u64,
    #[schema(value_type = OrderType)]
    pub order_type: &'static str,
    /// The limit price of `limit` and `sl` orders.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub price: Option<String>,
    /// The trigger price of `sl` and `sl-m` orders.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub trigger_price: Option<String>,
    #[schema(value_type = mirror_schemas::Validity)]
    pub validity: trader::model::Validity,
    #[schema(value_type = mirror_schemas::Product)]
    pub product: trader::model::Product,
    #[schema(value_type = OrderStatus)]
    pub status: &'static str,
    /// Volume-weighted price of the fills so far.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub average_price: Option<String>,
    pub reject_reason: Option<String>,
    pub tag: Option<String>,
    /// In IST, e.g. `2026-11-27 09:15:00.250+05:30`.
    pub created_at: String,
    /// In IST.
    pub updated_at: String,
}

/// `market`; `limit` (needs `price`); `sl`, stop-limit (needs `price` and `trigger_price`); `sl-m`,
/// stop-market (needs `trigger_price`).
#[derive(ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OrderType {
    Market,
    Limit,
    Sl,
    SlM,
}

/// Where an order is in its life.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Accepted,
    PartiallyFilled,
    Filled,
    Cancelled,
    Rejected,
    Expired,
    PendingCancel,
    PendingModify,
}

impl From<&Order> for OrderView {
    fn from(order: &Order) -> OrderView {
        let intent = &order.request.intent;
        OrderView {
            order_id: order.id.to_string(),
            client_order_id: order.request.client_order_id.to_string(),
            origin: match &order.request.origin {
                OrderOrigin::Strategy(id) => format!("strategy:{id}"),
                OrderOrigin::Manual => "manual".to_owned(),
            },
            instrument: intent.instrument.to_string(),
            side: intent.side,
            quantity: intent.quantity.units(),
            filled_quantity: order.filled().units(),
            remaining_quantity: order.remaining().units(),
            order_type: match intent.kind {
                OrderKind::Market => "market",
                OrderKind::Limit { .. } => "limit",
                OrderKind::StopLimit { .. } => "sl",
                OrderKind::StopMarket { .. } => "sl-m",
            },
            price: intent.kind.limit_price().map(|p| p.to_string()),
            trigger_price: intent.kind.trigger_price().map(|p| p.to_string()),
            validity: intent.validity,
            product: intent.product,
            status: order.status().as_str(),
            average_price: order.average_fill_price().map(|p| p.to_string()),
            reject_reason: order.reject_reason.clone(),
            tag: order.request.tag.as_ref().map(|t| t.as_str().to_owned()),
            created_at: order.created_at.to_string(),
            updated_at: order.updated_at.to_string(),
        }
    }
}
