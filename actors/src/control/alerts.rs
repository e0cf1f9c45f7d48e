//! Alert rules: list, create, update, enable, disable, delete; and the history of firings.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use trader::alerts::{AlertCondition, AlertMode, AlertRule};
use trader::model::InstrumentKey;
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::path_param;
use super::state::ControlState;
use crate::actors::alert_engine::{AlertMsg, RuleChange, RuleChangeError, RuleChanged};
use crate::ask;

/// The alert rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    #[schema(value_type = Vec<mirror_schemas::AlertRule>)]
    pub alerts: Vec<AlertRule>,
}

/// A deleted rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDeleted {
    pub id: String,
    /// Always true.
    pub deleted: bool,
}

/// Every alert rule.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", operation_id = "list_alerts",
    responses(
        (status = 200, description = "The rules.", body = AlertList),
        (status = 503, description = "The alert engine is not answering.", body = ApiErrorBody),
    ))]
pub async fn list(State(state): State<ControlState>) -> Result<Json<AlertList>, ApiError> {
    let alerts = ask!(state.services.slots.alerts, "alert engine", AlertMsg::List)?;
    Ok(Json(AlertList { alerts }))
}

/// Adds an alert rule.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", operation_id = "create_alert",
    request_body(content = mirror_schemas::AlertRule, content_type = "application/json"),
    responses(
        (status = 201, description = "The rule, as stored.", body = mirror_schemas::AlertRule),
        (status = 400, description = "Every bad field, named.", body = ApiErrorBody),
        (status = 409, description = "A rule with this id exists, or the engine refused it.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The alert engine is not answering.", body = ApiErrorBody),
    ))]
pub async fn create(State(state): State<ControlState>, body: Bytes) -> Result<Response, ApiError> {
    let RuleFields { id, instrument, condition, mode, enabled, mut errors } = RuleFields::read(&body)?;
    for (field, missing) in
        [("id", id.is_none()), ("instrument", instrument.is_none()), ("condition", condition.is_none())]
    {
        if missing {
            errors.entry(field.to_owned()).or_insert_with(|| "is required".to_owned());
        }
    }
    let condition = condition.and_then(|map| parse_part::<AlertCondition>("condition", map, &mut errors));
    let mode = match mode {
        None => Some(AlertMode::default()),
        Some(map) => parse_part::<AlertMode>("mode", map, &mut errors),
    };
    // The checks that need only one field run even when others are bad, so one answer names all.
    if let Some(Err(reason)) = id.as_deref().map(rule_id_problem) {
        errors.insert("id".to_owned(), reason);
    }
    if let Some(key) = instrument.as_ref().filter(|key| state.services.instruments.get(key).is_none()) {
        errors.insert("instrument".to_owned(), format!("`{key}` is not a configured instrument"));
    }
    let (Some(id), Some(instrument), Some(condition), Some(mode), true) =
        (id, instrument, condition, mode, errors.is_empty())
    else {
        return Err(ApiError::invalid(errors));
    };
    let rule = AlertRule { id, instrument, condition, mode, enabled: enabled.unwrap_or(true) };
    let mut problems = trader::config::Problems::new();
    rule.validate("", &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems.iter().map(|p| (p.path.clone(), p.reason.clone())).collect()));
    }
    let created = rule.clone();
    ask!(state.services.slots.alerts, "alert engine", |reply| AlertMsg::Add { rule, reply })?
        .map_err(|e| ApiError::new(StatusCode::CONFLICT, "alert_rejected", e))?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Deletes an alert rule.
#[utoipa::path(delete, path = "/api/v1/alerts/{id}", tag = "alerts", operation_id = "delete_alert",
    params(("id" = String, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "Deleted.", body = AlertDeleted),
        (status = 400, description = "`id` cannot be a rule id.", body = ApiErrorBody),
        (status = 404, description = "No such rule.", body = ApiErrorBody),
        (status = 503, description = "The alert engine is not answering.", body = ApiErrorBody),
    ))]
pub async fn delete(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<AlertDeleted>, ApiError> {
    check_rule_id("id", &id)?;
    ask!(state.services.slots.alerts, "alert engine", |reply| AlertMsg::Remove { id: id.clone(), reply })?
        .map_err(ApiError::not_found)?;
    Ok(Json(AlertDeleted { id, deleted: true }))
}

/// A change to an alert rule: only the fields sent change. `condition` with a `kind` replaces the
/// condition; without one it changes the named fields of the current condition (e.g. only its
/// `price`). `mode` likewise with or without `mode`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"condition": {"price": "2600"}, "mode": {"mode": "repeat", "cooldown_ms": 60000}}))]
#[allow(dead_code)] // Documentation only: the handler reads the JSON itself.
pub struct AlertUpdateBody {
    /// A configured instrument.
    #[schema(value_type = Option<mirror_schemas::InstrumentKey>)]
    pub instrument: Option<String>,
    /// A whole condition (with `kind`), or some fields of the current one.
    #[schema(value_type = Option<Object>, additional_properties = true)]
    pub condition: Option<String>,
    /// A whole mode (with `mode`), or the `cooldown_ms` of a repeating one.
    #[schema(value_type = Option<Object>, additional_properties = true)]
    pub mode: Option<String>,
    pub enabled: Option<bool>,
}

/// One firing of an alert rule.
#[derive(ToSchema)]
#[allow(dead_code)] // Documentation only: the handler reads the JSON itself.
pub struct AlertFiring {
    pub rule_id: String,
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: String,
    /// The trade price that fired it.
    #[schema(value_type = mirror_schemas::Price)]
    pub price: String,
    /// The trade's time.
    #[schema(value_type = mirror_schemas::Timestamp)]
    pub at: i64,
    pub message: String,
}

/// Recent firings, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertHistoryList {
    #[schema(value_type = Vec<AlertFiring>)]
    pub firings: Vec<trader::alerts::AlertFiring>,
}

/// `patch` laid over `current`'s fields, or `patch` alone when it names its own `tag` (a whole new
/// condition or mode).
fn merged(current: &impl Serialize, patch: Map<String, Value>, tag: &str) -> Value {
    if patch.contains_key(tag) {
        return Value::Object(patch);
    }
    let mut base = match serde_json::to_value(current) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    base.extend(patch);
    Value::Object(base)
}

/// The fields of an alert rule body, each read on its own so that a 400 names every bad one
/// (unknown fields included). `condition` and `mode` stay JSON objects until they are parsed (on
/// their own, or merged into a rule's current ones).
struct RuleFields {
    id: Option<String>,
    instrument: Option<InstrumentKey>,
    condition: Option<Map<String, Value>>,
    mode: Option<Map<String, Value>>,
    enabled: Option<bool>,
    /// Each bad field and why.
    errors: BTreeMap<String, String>,
}

impl RuleFields {
    fn read(body: &Bytes) -> Result<RuleFields, ApiError> {
        let invalid = |reason: String| {
            let mut fields = BTreeMap::new();
            fields.insert("body".to_owned(), reason);
            ApiError::invalid(fields)
        };
        let object = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(invalid("must be a JSON object".to_owned())),
            Err(e) => return Err(invalid(format!("not valid JSON: {e}"))),
        };
        let mut read = RuleFields {
            id: None,
            instrument: None,
            condition: None,
            mode: None,
            enabled: None,
            errors: BTreeMap::new(),
        };
        for (key, value) in object {
            let problem = match (key.as_str(), value) {
                ("id", Value::String(text)) => {
                    read.id = Some(text);
                    None
                }
                ("instrument", Value::String(text)) => match InstrumentKey::new(&text) {
                    Ok(instrument) => {
                        read.instrument = Some(instrument);
                        None
                    }
                    Err(e) => Some(e.to_string()),
                },
                ("condition", Value::Object(map)) => {
                    read.condition = Some(map);
                    None
                }
                ("mode", Value::Object(map)) => {
                    read.mode = Some(map);
                    None
                }
                ("enabled", Value::Bool(flag)) => {
                    read.enabled = Some(flag);
                    None
                }
                ("id" | "instrument", _) => Some("must be a string".to_owned()),
                ("condition" | "mode", _) => Some("must be an object".to_owned()),
                ("enabled", _) => Some("must be true or false".to_owned()),
                _ => Some("is not a known field".to_owned()),
            };
            if let Some(reason) = problem {
                read.errors.insert(key, reason);
            }
        }
        Ok(read)
    }

    fn is_empty(&self) -> bool {
        self.id.is_none()
            && self.instrument.is_none()
            && self.condition.is_none()
            && self.mode.is_none()
            && self.enabled.is_none()
            && self.errors.is_empty()
    }
}

/// Parses `map` as a `T`, or records why not under `field`.
fn parse_part<T: serde::de::DeserializeOwned>(
    field: &str,
    map: Map<String, Value>,
    errors: &mut BTreeMap<String, String>,
) -> Option<T> {
    serde_json::from_value(Value::Object(map)).map_err(|e| errors.insert(field.to_owned(), e.to_string())).ok()
}

/// Reads a PATCH body into a rule change, naming every bad field; the merge with the current rule
/// happens in the alert engine, so concurrent changes never undo one another.
fn rule_change(body: &Bytes) -> Result<RuleChange, ApiError> {
    let read = RuleFields::read(body)?;
    if read.is_empty() {
        let mut fields = BTreeMap::new();
        fields.insert("body".to_owned(), "names no field to change".to_owned());
        return Err(ApiError::invalid(fields));
    }
    let RuleFields { id, instrument, condition, mode, enabled, errors } = read;
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    Ok(Box::new(move |current: &AlertRule| {
        let mut rule = current.clone();
        let mut fields = BTreeMap::new();
        if let Some(id) = id.filter(|id| *id != current.id) {
            fields.insert("id".to_owned(), format!("cannot be changed (sent `{id}`)"));
        }
        if let Some(key) = instrument {
            rule.instrument = key;
        }
        if let Some(patch) = condition {
            match serde_json::from_value::<AlertCondition>(merged(&current.condition, patch, "kind")) {
                Ok(value) => rule.condition = value,
                Err(e) => {
                    fields.insert("condition".to_owned(), e.to_string());
                }
            }
        }
        if let Some(patch) = mode {
            match serde_json::from_value::<AlertMode>(merged(&current.mode, patch, "mode")) {
                Ok(value) => rule.mode = value,
                Err(e) => {
                    fields.insert("mode".to_owned(), e.to_string());
                }
            }
        }
        if let Some(flag) = enabled {
            rule.enabled = flag;
        }
        if fields.is_empty() {
            Ok(rule)
        } else {
            Err(fields)
        }
    }))
}

/// Maps the engine's answer, waiting until the change is durable.
async fn changed(answer: Result<RuleChanged, RuleChangeError>) -> Result<Json<AlertRule>, ApiError> {
    match answer {
        Ok((rule, ack)) => {
            if let Some(ack) = ack {
                ack.wait().await.map_err(|e| ApiError::unavailable(format!("the change was not made durable: {e}")))?;
            }
            Ok(Json(rule))
        }
        Err(RuleChangeError::Unknown(id)) => Err(ApiError::not_found(format!("no alert rule has id `{id}`"))),
        Err(RuleChangeError::Invalid(fields)) => Err(ApiError::invalid(fields)),
        Err(RuleChangeError::Journal(e)) => {
            Err(ApiError::unavailable(format!("the change could not be journaled; nothing changed: {e}")))
        }
    }
}

/// Changes an alert rule's instrument, condition (e.g. its threshold), mode (once, or repeat and
/// its cooldown) or enabled flag. The rule is revalidated and starts afresh (a spent once-rule is
/// re-armed); the change survives a restart.
#[utoipa::path(patch, path = "/api/v1/alerts/{id}", tag = "alerts", operation_id = "update_alert",
    params(("id" = String, Path, description = "The rule's id.")),
    request_body(content = AlertUpdateBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The rule, as now stored.", body = mirror_schemas::AlertRule),
        (status = 400, description = "Every bad field, named (also an id change, an empty change, or an `id` \
            that cannot be a rule id).",
            body = ApiErrorBody),
        (status = 404, description = "No such rule.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The alert engine is not answering, or the change could not be journaled.",
            body = ApiErrorBody),
    ))]
pub async fn update(
    State(state): State<ControlState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<AlertRule>, ApiError> {
    check_rule_id("id", &id)?;
    let change = rule_change(&body)?;
    changed(ask!(state.services.slots.alerts, "alert engine", |reply| AlertMsg::Update { id, change, reply })?).await
}

/// Ok if `id` could name a rule (what `AlertRule::validate` accepts), else why not.
fn rule_id_problem(id: &str) -> Result<(), String> {
    trader::alerts::check_rule_id(id).map_err(|e| format!("must be a rule id: {e}"))
}

/// 400 naming `field` when `id` cannot be a rule id; an id that could be one but is not is a 404.
fn check_rule_id(field: &str, id: &str) -> Result<(), ApiError> {
    path_param::parse(field, id, rule_id_problem)
}

async fn set_enabled(state: ControlState, id: String, enabled: bool) -> Result<Json<AlertRule>, ApiError> {
    check_rule_id("id", &id)?;
    changed(ask!(state.services.slots.alerts, "alert engine", |reply| AlertMsg::SetEnabled { id, enabled, reply })?)
        .await
}

/// Enables an alert rule; a once-rule that already fired is re-armed.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/enable", tag = "alerts", operation_id = "enable_alert",
    params(("id" = String, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "The rule, enabled.", body = mirror_schemas::AlertRule),
        (status = 400, description = "`id` cannot be a rule id.", body = ApiErrorBody),
        (status = 404, description = "No such rule.", body = ApiErrorBody),
        (status = 503, description = "The alert engine is not answering, or the change could not be journaled.",
            body = ApiErrorBody),
    ))]
pub async fn enable(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<AlertRule>, ApiError> {
    set_enabled(state, id, true).await
}

/// Disables an alert rule: it never fires until enabled again.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/disable", tag = "alerts", operation_id = "disable_alert",
    params(("id" = String, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "The rule, disabled.", body = mirror_schemas::AlertRule),
        (status = 400, description = "`id` cannot be a rule id.", body = ApiErrorBody),
        (status = 404, description = "No such rule.", body = ApiErrorBody),
        (status = 503, description = "The alert engine is not answering, or the change could not be journaled.",
            body = ApiErrorBody),
    ))]
pub async fn disable(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<AlertRule>, ApiError> {
    set_enabled(state, id, false).await
}

/// Most firings listed when `limit` is not given.
const DEFAULT_HISTORY_LIMIT: usize = 100;

/// Recent alert firings, newest first (the last 1000 are kept, across restarts).
#[utoipa::path(get, path = "/api/v1/alerts/history", tag = "alerts", operation_id = "alert_history",
    params(
        ("alert" = Option<String>, Query, description = "Only this rule's firings."),
        ("limit" = Option<u32>, Query, description = "How many, newest first; default 100.", minimum = 1,
            maximum = 1000),
    ),
    responses(
        (status = 200, description = "The firings.", body = AlertHistoryList),
        (status = 400, description = "A bad `alert` or `limit`, or an unknown parameter.", body = ApiErrorBody),
        (status = 503, description = "The alert engine is not answering.", body = ApiErrorBody),
    ))]
pub async fn history(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<AlertHistoryList>, ApiError> {
    let mut fields = BTreeMap::new();
    let limit = match query.get("limit").map(|s| s.parse::<usize>()) {
        None => DEFAULT_HISTORY_LIMIT,
        Some(Ok(n)) if (1..=trader::alerts::HISTORY_CAPACITY).contains(&n) => n,
        Some(_) => {
            let reason = format!("must be a whole number from 1 to {}", trader::alerts::HISTORY_CAPACITY);
            fields.insert("limit".to_owned(), reason);
            DEFAULT_HISTORY_LIMIT
        }
    };
    let rule = query.get("alert").cloned();
    if let Some(Err(e)) = rule.as_deref().map(|id| check_rule_id("alert", id)) {
        fields.extend(e.fields);
    }
    for key in query.keys().filter(|k| !matches!(k.as_str(), "alert" | "limit")) {
        fields.insert(key.clone(), "is not a known parameter".to_owned());
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let firings = ask!(state.services.slots.alerts, "alert engine", |reply| AlertMsg::History { rule, limit, reply })?;
    Ok(Json(AlertHistoryList { firings }))
}
