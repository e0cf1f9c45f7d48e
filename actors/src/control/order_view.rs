//! The API's shape of an order: flat, with the names operators use.

use serde::Serialize;
use trader::model::{Order, OrderKind, OrderOrigin};

#[derive(Debug, Serialize)]
pub struct OrderView {
    pub order_id: String,
    pub client_order_id: String,
    pub origin: String,
    pub instrument: String,
    pub side: trader::model::Side,
    pub quantity: u64,
    pub filled_quantity: u64,
    pub remaining_quantity: u64,
    pub order_type: &'static str,
    pub price: Option<String>,
    pub trigger_price: Option<String>,
    pub validity: trader::model::Validity,
    pub product: trader::model::Product,
    pub status: &'static str,
    pub average_price: Option<String>,
    pub reject_reason: Option<String>,
    pub tag: Option<String>,
    pub created_at: String,
    pub updated_at: String,
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
