//! Instruments, quotes and bars, and which instruments the feed delivers.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use serde::Serialize;
use trader::bars::BarInterval;
use trader::model::{Bar, Instrument, InstrumentKey, Quote};
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::state::ControlState;
use crate::actors::order_router::{RouterMsg, RouterQuery};
use crate::ask;
use crate::auth::{Permission, Principal};

/// Every configured instrument.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentList {
    #[schema(value_type = Vec<mirror_schemas::Instrument>)]
    pub instruments: Vec<Instrument>,
}

/// The latest quote of each instrument that has one.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteList {
    #[schema(value_type = Vec<mirror_schemas::Quote>)]
    pub quotes: Vec<Quote>,
}

/// Completed bars, oldest first, and the bar still forming.
#[derive(Debug, Serialize, ToSchema)]
pub struct BarSeries {
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: InstrumentKey,
    #[schema(value_type = mirror_schemas::BarInterval)]
    pub interval: BarInterval,
    #[schema(value_type = Vec<mirror_schemas::Bar>)]
    pub bars: Vec<Bar>,
    /// The current bucket's bar so far; null before its first tick.
    #[schema(value_type = Option<mirror_schemas::Bar>)]
    pub forming: Option<Bar>,
}

/// Every configured instrument and its order rules (tick size, lot size, freeze quantity).
#[utoipa::path(get, path = "/api/v1/instruments", tag = "market", operation_id = "list_instruments",
    responses((status = 200, description = "The instruments.", body = InstrumentList)))]
pub async fn instruments(State(state): State<ControlState>) -> Json<InstrumentList> {
    Json(InstrumentList { instruments: state.services.instruments.iter().cloned().collect() })
}

/// The latest quote of each instrument, or of the ones listed.
#[utoipa::path(get, path = "/api/v1/market/quotes", tag = "market", operation_id = "list_quotes",
    params(("instruments" = Option<String>, Query,
        description = "Comma-separated instrument keys; all instruments when absent.",
        example = "NSE_EQ|INE002A01018,NSE_EQ|INE009A01021")),
    responses(
        (status = 200, description = "The quotes.", body = QuoteList),
        (status = 400, description = "A bad instrument key or an unknown parameter.", body = ApiErrorBody),
    ))]
pub async fn quotes(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<QuoteList>, ApiError> {
    let mut fields = std::collections::BTreeMap::new();
    let wanted: Option<Vec<InstrumentKey>> = match query.get("instruments") {
        None => None,
        Some(list) => {
            let mut keys = Vec::new();
            for text in list.split(',').filter(|s| !s.is_empty()) {
                match InstrumentKey::new(text) {
                    Ok(key) => keys.push(key),
                    Err(e) => {
                        fields.insert("instruments".to_owned(), e.to_string());
                    }
                }
            }
            Some(keys)
        }
    };
    for key in query.keys().filter(|k| k.as_str() != "instruments") {
        fields.insert(key.clone(), "is not a known parameter".to_owned());
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let quotes: Vec<_> = state
        .services
        .quotes
        .all()
        .into_iter()
        .filter(|e| wanted.as_ref().is_none_or(|w| w.contains(&e.quote.instrument)))
        .map(|e| e.quote)
        .collect();
    Ok(Json(QuoteList { quotes }))
}

/// Recent bars of one instrument at one interval, built from the feed's ticks.
#[utoipa::path(get, path = "/api/v1/market/bars/{instrument}", tag = "market", operation_id = "list_bars",
    params(
        ("instrument" = String, Path, description = "An instrument key (`|` may be sent as `%7C`).",
            example = "NSE_EQ|INE002A01018"),
        ("interval" = inline(Option<mirror_schemas::BarInterval>), Query,
            description = "Bar length; default `1m`. Only the intervals the config builds are served."),
        ("limit" = Option<u32>, Query, description = "How many completed bars, newest last; default 100.",
            minimum = 1, maximum = 10000),
    ),
    responses(
        (status = 200, description = "The bars.", body = BarSeries),
        (status = 400, description = "A bad key, interval or limit, an interval that is not built, or an \
            unknown parameter.", body = ApiErrorBody),
        (status = 404, description = "No such instrument.", body = ApiErrorBody),
    ))]
pub async fn bars(
    State(state): State<ControlState>,
    Path(instrument): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<BarSeries>, ApiError> {
    let mut fields = std::collections::BTreeMap::new();
    let key = InstrumentKey::new(&instrument).map_err(|e| {
        let mut f = std::collections::BTreeMap::new();
        f.insert("instrument".to_owned(), e.to_string());
        ApiError::invalid(f)
    })?;
    if state.services.instruments.get(&key).is_none() {
        return Err(ApiError::not_found(format!("no instrument {key}")));
    }
    let interval = match query.get("interval").map(|s| s.parse::<BarInterval>()) {
        None => BarInterval::M1,
        Some(Ok(interval)) => interval,
        Some(Err(e)) => {
            fields.insert("interval".to_owned(), e.to_string());
            BarInterval::M1
        }
    };
    let limit = match query.get("limit").map(|s| s.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => {
            fields.insert("limit".to_owned(), "must be a whole number from 1 to 10000".to_owned());
            100
        }
    };
    for k in query.keys().filter(|k| !matches!(k.as_str(), "interval" | "limit")) {
        fields.insert(k.clone(), "is not a known parameter".to_owned());
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let aggregator = state.services.bars.lock().unwrap_or_else(|e| e.into_inner());
    if !aggregator.intervals().contains(&interval) {
        let mut f = std::collections::BTreeMap::new();
        let built: Vec<&str> = aggregator.intervals().iter().map(|i| i.as_str()).collect();
        f.insert("interval".to_owned(), format!("{interval} bars are not built; built: {}", built.join(", ")));
        return Err(ApiError::invalid(f));
    }
    let bars = aggregator.bars(&key, interval, limit);
    let forming = aggregator.forming(&key, interval);
    Ok(Json(BarSeries { instrument: key, interval, bars, forming }))
}

/// The feed's subscriptions: what it delivers quotes for, and what else could be subscribed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    /// Instruments the feed delivers quotes for, in key order.
    #[schema(value_type = Vec<mirror_schemas::InstrumentKey>)]
    pub subscribed: Vec<InstrumentKey>,
    /// Configured instruments the feed does not deliver; subscribe one to start its quotes.
    #[schema(value_type = Vec<mirror_schemas::InstrumentKey>)]
    pub unsubscribed: Vec<InstrumentKey>,
}

/// An instrument to subscribe the feed to.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"instrument": "NSE_EQ|INE009A01021"}))]
#[allow(dead_code)] // Documentation only: the handler reads the JSON itself.
pub struct SubscribeBody {
    /// A configured instrument.
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: String,
}

fn subscription_list(state: &ControlState) -> SubscriptionList {
    let subscribed = state.feed.subscriptions.current();
    let unsubscribed =
        state.services.instruments.iter().map(|i| i.key.clone()).filter(|k| !subscribed.contains(k)).collect();
    SubscriptionList { subscribed: subscribed.into_iter().collect(), unsubscribed }
}

fn one_field(field: &str, reason: impl Into<String>) -> ApiError {
    let mut fields = BTreeMap::new();
    fields.insert(field.to_owned(), reason.into());
    ApiError::invalid(fields)
}

/// Which configured instruments the feed delivers quotes for.
#[utoipa::path(get, path = "/api/v1/market/subscriptions", tag = "market", operation_id = "list_subscriptions",
    responses((status = 200, description = "The subscribed and the unsubscribed instruments.", body = SubscriptionList)))]
pub async fn subscriptions(State(state): State<ControlState>) -> Json<SubscriptionList> {
    Json(subscription_list(&state))
}

/// Subscribes the feed to a configured instrument: its quotes start arriving, and the choice
/// survives a restart.
#[utoipa::path(post, path = "/api/v1/market/subscriptions", tag = "market", operation_id = "subscribe_instrument",
    request_body(content = SubscribeBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Subscribed; the subscriptions now.", body = SubscriptionList),
        (status = 200, description = "It already was subscribed; nothing changed.", body = SubscriptionList),
        (status = 400, description = "A bad or unconfigured instrument, or an unknown field.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The change could not be journaled.", body = ApiErrorBody),
    ))]
pub async fn subscribe(State(state): State<ControlState>, body: Bytes) -> Result<Response, ApiError> {
    let mut fields = Fields::parse(&body)?;
    let key = fields.required("instrument", |text| InstrumentKey::new(text).map_err(|e| e.to_string()));
    if let Some(key) = &key {
        if state.services.instruments.get(key).is_none() {
            fields.error("instrument", format!("`{key}` is not a configured instrument"));
        }
    }
    fields.finish()?;
    let Some(key) = key else { return Err(one_field("instrument", "is required")) };
    let changed = state
        .feed
        .subscriptions
        .change(&state.services.journal, &key, true)
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    if changed {
        tracing::info!(instrument = %key, "feed subscribed by an operator");
    }
    let status = if changed { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(subscription_list(&state))).into_response())
}

/// Unsubscribes the feed from an instrument: its quotes stop (and orders on it are refused once
/// its last quote is stale). Refused while a strategy, an open position or an open order needs
/// it, unless `force=true` — which also needs `manage_risk_limits`: an unsubscribed instrument's
/// mark freezes, so the limits stop counting its position's losses (a trader must not be able to
/// switch off what binds them).
#[utoipa::path(delete, path = "/api/v1/market/subscriptions/{instrument}", tag = "market",
    operation_id = "unsubscribe_instrument",
    params(
        ("instrument" = String, Path, description = "An instrument key (`|` may be sent as `%7C`).",
            example = "NSE_EQ|INE009A01021"),
        ("force" = Option<bool>, Query,
            description = "Unsubscribe even if a strategy, an open position or an open order needs the instrument. \
                Needs the `manage_risk_limits` permission as well (403 otherwise)."),
    ),
    responses(
        (status = 200, description = "Unsubscribed; the subscriptions now.", body = SubscriptionList),
        (status = 400, description = "A bad instrument key, a bad `force`, or an unknown parameter.", body = ApiErrorBody),
        (status = 404, description = "No such instrument, or it is not subscribed.", body = ApiErrorBody),
        (status = 409, description = "A strategy, an open position or an open order needs it; the message names \
            each. Send `force=true` to unsubscribe anyway.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering, or the change could not be journaled.",
            body = ApiErrorBody),
    ))]
pub async fn unsubscribe(
    State(state): State<ControlState>,
    caller: Option<Extension<Principal>>,
    Path(instrument): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<SubscriptionList>, ApiError> {
    let mut fields = BTreeMap::new();
    let key = match InstrumentKey::new(&instrument) {
        Ok(key) => Some(key),
        Err(e) => {
            fields.insert("instrument".to_owned(), e.to_string());
            None
        }
    };
    let force = match query.get("force").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            fields.insert("force".to_owned(), format!("`{other}` is not `true` or `false`"));
            false
        }
    };
    for name in query.keys().filter(|k| k.as_str() != "force") {
        fields.insert(name.clone(), "is not a known parameter".to_owned());
    }
    let Some(key) = key.filter(|_| fields.is_empty()) else { return Err(ApiError::invalid(fields)) };
    if force {
        // The gate always sets the caller on this route; without one, fail closed.
        let role = caller.as_ref().map(|Extension(p)| p.role.as_str()).unwrap_or("anonymous");
        if !caller.as_ref().is_some_and(|Extension(p)| p.allows(Permission::ManageRiskLimits)) {
            return Err(ApiError::forbidden(format!(
                "role `{role}` lacks the permission `{}` that `force=true` needs: a forced unsubscription freezes \
                 the instrument's mark, which the risk limits depend on",
                Permission::ManageRiskLimits
            )));
        }
    }
    if state.services.instruments.get(&key).is_none() {
        return Err(ApiError::not_found(format!("no instrument {key}")));
    }
    if !state.feed.subscriptions.contains(&key) {
        return Err(ApiError::not_found(format!("{key} is not subscribed")));
    }
    if !force {
        let needs = needed_by(&state, &key).await?;
        if !needs.is_empty() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "instrument_in_use",
                format!(
                    "{key} is needed by {}; send force=true to unsubscribe anyway (orders on it are then refused \
                     once its last quote is stale)",
                    needs.join(", ")
                ),
            ));
        }
    }
    let changed = state
        .feed
        .subscriptions
        .change(&state.services.journal, &key, false)
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    if changed {
        tracing::info!(instrument = %key, force, "feed unsubscribed by an operator");
    }
    Ok(Json(subscription_list(&state)))
}

/// Who needs `key`'s quotes: running strategies that trade it, an open position (marked and
/// risk-checked on its quotes), open orders (the paper broker fills them against its quotes).
async fn needed_by(state: &ControlState, key: &InstrumentKey) -> Result<Vec<String>, ApiError> {
    let mut needs: Vec<String> = state
        .feed
        .needed_by(key)
        .into_iter()
        .map(|name| match name.strip_prefix("strategy:") {
            Some(id) => format!("strategy `{id}`"),
            None => name,
        })
        .collect();
    let portfolio = ask!(state.services.slots.router, "order router", |r| RouterMsg::Query(RouterQuery::Portfolio(r)))?;
    let net = portfolio.net_quantity(key);
    if net != 0 {
        needs.push(format!("an open position of {net} units"));
    }
    let orders = ask!(state.services.slots.router, "order router", |reply| RouterMsg::Query(RouterQuery::Orders {
        open_only: true,
        reply
    }))?;
    let open: Vec<String> =
        orders.iter().filter(|o| &o.request.intent.instrument == key).map(|o| format!("`{}`", o.id)).collect();
    if !open.is_empty() {
        needs.push(format!("open order(s) {}", open.join(", ")));
    }
    Ok(needs)
}
