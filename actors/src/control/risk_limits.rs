//! Risk limits over HTTP: read them, replace them, and the one way limits change at run time
//! ([`put_in_force`]), shared with the config reload.
//!
//! A change is journaled before it is answered. At start the last change is applied over the
//! config file's `[risk]` if it came from the API; a config reload (SIGHUP or the reload route) of
//! a file whose `[risk]` was edited puts the file's limits in force and is journaled too, so the
//! latest of the two wins, across restarts as well. A reload with `[risk]` unchanged leaves the
//! limits alone.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::{Extension, Json};
use serde::Serialize;
use serde_json::{Map, Value};
use trader::config::Problems;
use trader::risk::RiskLimits;
use trader::time::{Clock, LiveClock};
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::state::ControlState;
use crate::actors::risk_gate::RiskMsg;
use crate::ask;
use crate::auth::Principal;
use crate::events::EngineEvent;
use crate::records::{JournalRecord, LimitsSource};
use crate::services::Services;

/// The limits every order is checked against: the config file's `[risk]` section, as JSON.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"max_order_quantity": 1000, "max_order_notional": "200000.00",
    "max_position_quantity": 2000, "max_gross_exposure": "500000.00", "max_daily_loss": "10000.00",
    "max_orders_per_second": 10, "max_orders_per_second_per_strategy": 5, "price_band": "0.05",
    "stale_quote_after_ms": 5000,
    "market_hours": {"open": "09:15", "close": "15:30", "holidays": ["2026-01-26"], "always_open": false}}))]
pub struct RiskLimitsView {
    /// Largest quantity of one order, in units; at least 1.
    #[schema(minimum = 1)]
    pub max_order_quantity: u64,
    /// Largest value of one order (price × quantity); positive.
    #[schema(value_type = mirror_schemas::Money)]
    pub max_order_notional: String,
    /// Largest absolute net position per instrument, counting open orders; at least 1.
    #[schema(minimum = 1)]
    pub max_position_quantity: u64,
    /// Largest Σ |net × mark| over all instruments after a new order; positive.
    #[schema(value_type = mirror_schemas::Money)]
    pub max_gross_exposure: String,
    /// Today's loss at which only position-reducing orders are accepted; positive.
    #[schema(value_type = mirror_schemas::Money)]
    pub max_daily_loss: String,
    /// Orders per second across the engine: 1 to 10 (above 10 a retail algo must be registered).
    #[schema(minimum = 1, maximum = 10)]
    pub max_orders_per_second: u32,
    /// Orders per second from any one strategy; at least 1.
    #[schema(minimum = 1)]
    pub max_orders_per_second_per_strategy: u32,
    /// Fat-finger band around the last trade, above 0 and at most 1 (`0.05` = 5 %).
    #[schema(value_type = mirror_schemas::Rate)]
    pub price_band: String,
    /// A last trade older than this is too old to check an order against; at least 1.
    #[schema(minimum = 1)]
    pub stale_quote_after_ms: u64,
    pub market_hours: MarketHoursView,
}

/// When the exchange takes orders, IST.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketHoursView {
    /// First minute orders are accepted, `HH:MM`.
    #[schema(example = "09:15")]
    pub open: String,
    /// First minute orders are no longer accepted, `HH:MM`; after `open`.
    #[schema(example = "15:30")]
    pub close: String,
    /// Exchange holidays, `YYYY-MM-DD` (weekends need not be listed).
    pub holidays: Vec<String>,
    /// Ignore days and hours entirely (simulated markets).
    pub always_open: bool,
}

/// The limits after a `PUT`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskLimitsUpdate {
    #[schema(value_type = RiskLimitsView)]
    pub limits: RiskLimits,
    /// The keys whose value changed (none if the body repeated the limits in force).
    pub changed: Vec<String>,
}

/// The risk gate is down or the journal refused the change; nothing was put in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LimitsUnavailable(pub String);

impl From<LimitsUnavailable> for ApiError {
    fn from(error: LimitsUnavailable) -> ApiError {
        ApiError::unavailable(error.0)
    }
}

/// Reads the limits in force.
#[utoipa::path(get, path = "/api/v1/admin/risk-limits", tag = "admin", operation_id = "get_risk_limits",
    responses(
        (status = 200, description = "The limits every order is checked against now.", body = RiskLimitsView),
        (status = 503, description = "The risk gate is not answering.", body = ApiErrorBody),
    ))]
pub async fn get(State(state): State<ControlState>) -> Result<Json<RiskLimits>, ApiError> {
    Ok(Json(ask!(state.services.slots.risk, "risk gate", RiskMsg::GetLimits)?))
}

/// Replaces the risk limits. Every field is required, nested ones too: `GET` them, change what
/// you need, `PUT` them back, so nothing falls back to a default by omission. Checked like the
/// config file's `[risk]` section (a 400 names each bad key, e.g. `max_order_quantity` or
/// `market_hours.close`). In force for the next order, journaled before the answer, kept across
/// restarts until a config reload of an edited `[risk]` (an unchanged one leaves it), and announced on
/// the event stream as a `system_alert` from `risk_limits`.
#[utoipa::path(put, path = "/api/v1/admin/risk-limits", tag = "admin", operation_id = "set_risk_limits",
    request_body(content = RiskLimitsView, content_type = "application/json"),
    responses(
        (status = 200, description = "In force (and journaled).", body = RiskLimitsUpdate),
        (status = 400, description = "Every bad, missing or unknown key, named.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The risk gate is not answering or the journal refused the change.",
            body = ApiErrorBody),
    ))]
pub async fn put(
    State(state): State<ControlState>,
    caller: Option<Extension<Principal>>,
    body: Bytes,
) -> Result<Json<RiskLimitsUpdate>, ApiError> {
    let limits = parse_limits(&body)?;
    let by = caller.map_or_else(|| "the control plane".to_owned(), |Extension(principal)| principal.name);
    let changed = put_in_force(&state.services, limits.clone(), LimitsSource::Api, &by).await?;
    tracing::warn!(%by, changed = ?changed, "risk limits set through the control plane");
    Ok(Json(RiskLimitsUpdate { limits, changed }))
}

/// Puts `limits` (already validated) in force: journals them (waiting until durable), hands them
/// to the risk gate, and announces the change on the event stream. Returns the keys that
/// changed. Changes are serialised, so the journal's order is the order they took effect in.
pub async fn put_in_force(
    services: &Services,
    limits: RiskLimits,
    source: LimitsSource,
    by: &str,
) -> Result<Vec<String>, LimitsUnavailable> {
    // One daemon per process in production; in tests several daemons only wait for each other.
    static CHANGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = CHANGES.lock().await;
    let unavailable =
        |e: &dyn std::fmt::Display| LimitsUnavailable(format!("journal: {e}; the limits were not changed"));
    let current = match services.slots.risk.get() {
        None => None,
        Some(gate) => match gate.call(RiskMsg::GetLimits, Some(super::state::ACTOR_TIMEOUT)).await {
            Ok(ractor::rpc::CallResult::Success(limits)) => Some(limits),
            _ => None,
        },
    };
    let current = current
        .ok_or_else(|| LimitsUnavailable("the risk gate is not answering; the limits were not changed".into()))?;
    let changed = changed_keys(&current, &limits);
    let limits_json = serde_json::to_string(&limits).map_err(|e| unavailable(&e))?;
    let record = JournalRecord::RiskLimitsSet { limits_json, source, at: LiveClock.now(), by: by.to_owned() };
    let ack = services.journal.append(record.encode().map_err(|e| unavailable(&e))?).map_err(|e| unavailable(&e))?;
    ack.wait().await.map_err(|e| unavailable(&e))?;
    // The gate answered just now; its state (limits included) survives a restart of the actor.
    services.slots.risk.cast(RiskMsg::SetLimits(limits));
    let what = match source {
        LimitsSource::Api => "set through the control plane",
        LimitsSource::ConfigReload => "reloaded from the config file",
    };
    let list = if changed.is_empty() { "nothing changed".to_owned() } else { changed.join(", ") };
    services.events.publish(EngineEvent::SystemAlert {
        source: "risk_limits".to_owned(),
        message: format!("risk limits {what} by {by}: {list}"),
    });
    Ok(changed)
}

/// The keys (`market_hours.<key>` for the nested ones) whose values differ, sorted.
pub fn changed_keys(before: &RiskLimits, after: &RiskLimits) -> Vec<String> {
    let (Ok(Value::Object(before)), Ok(Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    let mut changed = Vec::new();
    diff("", &before, &after, &mut changed);
    changed
}

fn diff(prefix: &str, before: &Map<String, Value>, after: &Map<String, Value>, changed: &mut Vec<String>) {
    for (key, new) in after {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match (before.get(key), new) {
            (Some(Value::Object(old)), Value::Object(new)) => diff(&path, old, new, changed),
            (Some(old), new) if old == new => {}
            _ => changed.push(path),
        }
    }
}

/// Reads a `PUT` body into limits, naming every missing, unknown or bad key and every problem
/// the config's validation finds.
pub fn parse_limits(body: &[u8]) -> Result<RiskLimits, ApiError> {
    let mut errors = BTreeMap::new();
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            errors.insert("body".to_owned(), "must be a JSON object".to_owned());
            return Err(ApiError::invalid(errors));
        }
        Err(e) => {
            errors.insert("body".to_owned(), format!("not valid JSON: {e}"));
            return Err(ApiError::invalid(errors));
        }
    };
    let shape = match serde_json::to_value(RiskLimits::default()) {
        Ok(Value::Object(shape)) => shape,
        _ => Map::new(),
    };
    check_keys("", &shape, &object, &mut errors);
    // Each present known key on its own (the others defaulted), so one bad value does not hide
    // the next.
    for (key, value) in &object {
        if !shape.contains_key(key) || errors.keys().any(|k| k == key || k.starts_with(&format!("{key}."))) {
            continue;
        }
        let single = Value::Object(Map::from_iter([(key.clone(), value.clone())]));
        if let Err(e) = serde_json::from_value::<RiskLimits>(single) {
            errors.insert(key.clone(), serde_reason(&e));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let limits: RiskLimits = serde_json::from_value(Value::Object(object)).map_err(|e| {
        let mut errors = BTreeMap::new();
        errors.insert("body".to_owned(), serde_reason(&e));
        ApiError::invalid(errors)
    })?;
    let mut problems = Problems::new();
    limits.validate("", &mut problems);
    if problems.is_empty() {
        Ok(limits)
    } else {
        Err(ApiError::invalid(problem_fields(&problems)))
    }
}

/// Every key of `shape` must be in `given` (recursively into objects), and nothing else.
fn check_keys(
    prefix: &str,
    shape: &Map<String, Value>,
    given: &Map<String, Value>,
    errors: &mut BTreeMap<String, String>,
) {
    let path = |key: &str| if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
    for (key, default) in shape {
        match (given.get(key), default) {
            (None, _) => {
                errors.insert(path(key), "is required: PUT replaces every limit (GET them, change, PUT back)".into());
            }
            (Some(Value::Object(inner)), Value::Object(inner_shape)) => {
                check_keys(&path(key), inner_shape, inner, errors)
            }
            (Some(_), Value::Object(_)) => {
                errors.insert(path(key), "must be an object".into());
            }
            _ => {}
        }
    }
    for key in given.keys().filter(|key| !shape.contains_key(*key)) {
        errors.insert(path(key), "is not a known field".into());
    }
}

/// A serde error without the position suffix (the body is one line of JSON to the client).
fn serde_reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Config problems as the error shape's field map (several problems at one path are joined).
pub fn problem_fields(problems: &Problems) -> BTreeMap<String, String> {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for problem in problems.iter() {
        let path = if problem.path.is_empty() { "body".to_owned() } else { problem.path.clone() };
        fields
            .entry(path)
            .and_modify(|reason| {
                reason.push_str("; ");
                reason.push_str(&problem.reason);
            })
            .or_insert_with(|| problem.reason.clone());
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Value {
        serde_json::to_value(RiskLimits::default()).unwrap()
    }

    fn fields(result: Result<RiskLimits, ApiError>) -> BTreeMap<String, String> {
        let error = result.unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
        error.fields
    }

    #[test]
    fn a_full_body_round_trips() {
        let mut body = full();
        body["max_order_quantity"] = 5.into();
        body["max_daily_loss"] = "2500.50".into();
        body["market_hours"]["always_open"] = true.into();
        let limits = parse_limits(body.to_string().as_bytes()).unwrap();
        assert_eq!(limits.max_order_quantity, 5);
        assert_eq!(limits.max_daily_loss, trader::num::Money::from_paise(250_050).unwrap());
        assert!(limits.market_hours.always_open);
        assert_eq!(
            changed_keys(&RiskLimits::default(), &limits),
            ["market_hours.always_open", "max_daily_loss", "max_order_quantity"]
        );
        // Amounts may come as JSON numbers too.
        body["max_daily_loss"] = 2500.into();
        assert_eq!(parse_limits(body.to_string().as_bytes()).unwrap().max_daily_loss.to_string(), "2500.00");
    }

    #[test]
    fn missing_unknown_and_bad_keys_are_all_named() {
        let mut body = full();
        let object = body.as_object_mut().unwrap();
        object.remove("price_band");
        object.insert("max_order_qty".into(), 5.into());
        object.insert("max_order_quantity".into(), "many".into());
        object.insert("max_gross_exposure".into(), Value::Bool(true));
        object["market_hours"].as_object_mut().unwrap().remove("close");
        object["market_hours"].as_object_mut().unwrap().insert("close_at".into(), "15:30".into());
        let fields = fields(parse_limits(body.to_string().as_bytes()));
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "market_hours.close",
                "market_hours.close_at",
                "max_gross_exposure",
                "max_order_qty",
                "max_order_quantity",
                "price_band"
            ]
        );
        assert!(fields["price_band"].starts_with("is required"), "{fields:?}");
        assert_eq!(fields["max_order_qty"], "is not a known field");
        assert!(fields["max_order_quantity"].contains("expected u64"), "{fields:?}");
        assert!(!fields["max_order_quantity"].contains("line"), "{fields:?}");
    }

    #[test]
    fn the_configs_validation_names_each_key() {
        let mut body = full();
        body["max_order_quantity"] = 0.into();
        body["max_orders_per_second"] = 11.into();
        body["market_hours"]["open"] = "16:00".into();
        let fields = fields(parse_limits(body.to_string().as_bytes()));
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(keys, ["market_hours.close", "max_order_quantity", "max_orders_per_second"]);
        assert!(fields["max_order_quantity"].starts_with("must be positive"), "{fields:?}");
        assert!(fields["max_orders_per_second"].starts_with("must be 1 to 10"), "{fields:?}");
    }

    #[test]
    fn not_an_object_is_refused() {
        assert!(fields(parse_limits(b"[1]")).contains_key("body"));
        assert!(fields(parse_limits(b"{")).contains_key("body"));
        assert!(fields(parse_limits(b"{\"market_hours\": 3}")).contains_key("market_hours"));
    }

    #[test]
    fn documented_schema_matches_what_is_written() {
        use super::super::schema_check::{check, component};
        let doc = serde_json::to_value(super::super::openapi::document()).unwrap();
        let mut limits = RiskLimits::default();
        limits.market_hours.holidays.push(trader::time::Date::new(2026, 1, 26).unwrap());
        let update = serde_json::to_value(RiskLimitsUpdate { limits, changed: vec!["x".into()] }).unwrap();
        let errors = check(&doc, component(&doc, "RiskLimitsUpdate"), &update);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
