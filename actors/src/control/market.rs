//! Instruments, quotes and bars.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};
use trader::bars::BarInterval;
use trader::model::InstrumentKey;

use super::error::ApiError;
use super::state::ControlState;

pub async fn instruments(State(state): State<ControlState>) -> Json<Value> {
    let list: Vec<_> = state.services.instruments.iter().collect();
    Json(json!({ "instruments": list }))
}

pub async fn quotes(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({ "quotes": quotes })))
}

pub async fn bars(
    State(state): State<ControlState>,
    Path(instrument): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({ "instrument": key, "interval": interval, "bars": bars, "forming": forming })))
}
