//! Instruments, quotes and bars.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use trader::bars::BarInterval;
use trader::model::{Bar, Instrument, InstrumentKey, Quote};
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::state::ControlState;

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
