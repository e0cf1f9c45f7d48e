//! The API's shape of an order: flat, with the names operators use.

use serde::Serialize;
use trader::model::{Order, OrderEvent, OrderKind, OrderOrigin};
use utoipa::ToSchema;

use super::mirror_schemas;
use crate::engine::{HistoryChange, HistoryEntry, OrderHistory};

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

/// An order's state history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderHistoryView {
    pub order_id: String,
    /// The order's status now.
    #[schema(value_type = OrderStatus)]
    pub status: &'static str,
    /// Every change kept: the creation, then each event. An order that filled in very many
    /// pieces keeps its creation and its latest 199 changes.
    pub entries: Vec<HistoryEntryView>,
    /// Changes dropped between the creation and the first change listed after it.
    pub omitted: u64,
}

/// One change to an order and the status it left the order in.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryView {
    /// When, in IST, e.g. `2026-11-27 09:15:00.250+05:30` (for a fill, the execution time).
    pub at: String,
    #[schema(value_type = HistoryEvent)]
    pub event: &'static str,
    /// The status after the change.
    #[schema(value_type = OrderStatus)]
    pub status: &'static str,
    /// `created`: the order's quantity; `filled`: the fill's; `modify_requested`: the new total.
    pub quantity: Option<u64>,
    /// `created` and `modify_requested`: the limit price; `filled`: the execution price.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub price: Option<String>,
    /// `created` and `modify_requested`: the trigger price of `sl` and `sl-m` orders.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub trigger_price: Option<String>,
    /// Why, for `rejected`, `cancel_rejected` and `modify_rejected`.
    pub reason: Option<String>,
}

/// What happened to an order: its creation, a broker report, or our own request.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HistoryEvent {
    Created,
    Accepted,
    Rejected,
    Filled,
    CancelRequested,
    Cancelled,
    CancelRejected,
    ModifyRequested,
    Modified,
    ModifyRejected,
    Expired,
}

impl OrderHistoryView {
    pub fn new(order: &Order, history: &OrderHistory) -> OrderHistoryView {
        OrderHistoryView {
            order_id: order.id.to_string(),
            status: order.status().as_str(),
            entries: history.entries().map(HistoryEntryView::from).collect(),
            omitted: history.omitted(),
        }
    }
}

impl From<&HistoryEntry> for HistoryEntryView {
    fn from(entry: &HistoryEntry) -> HistoryEntryView {
        let mut view = HistoryEntryView {
            at: entry.at.to_string(),
            event: "created",
            status: entry.status.as_str(),
            quantity: None,
            price: None,
            trigger_price: None,
            reason: None,
        };
        let with_kind = |view: &mut HistoryEntryView, kind: &OrderKind, quantity: trader::num::Quantity| {
            view.quantity = Some(quantity.units());
            view.price = kind.limit_price().map(|p| p.to_string());
            view.trigger_price = kind.trigger_price().map(|p| p.to_string());
        };
        match &entry.change {
            HistoryChange::Created { kind, quantity } => with_kind(&mut view, kind, *quantity),
            HistoryChange::Event(event) => {
                view.event = event.name();
                match event {
                    OrderEvent::Filled { quantity, price } => {
                        view.quantity = Some(quantity.units());
                        view.price = Some(price.to_string());
                    }
                    OrderEvent::ModifyRequested { kind, quantity } => with_kind(&mut view, kind, *quantity),
                    OrderEvent::Rejected { reason }
                    | OrderEvent::CancelRejected { reason }
                    | OrderEvent::ModifyRejected { reason } => view.reason = Some(reason.clone()),
                    OrderEvent::Accepted
                    | OrderEvent::CancelRequested
                    | OrderEvent::Cancelled
                    | OrderEvent::Modified
                    | OrderEvent::Expired => {}
                }
            }
        }
        view
    }
}
