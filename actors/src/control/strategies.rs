//! Strategies: list, deploy, start, stop, change parameters, remove.
//!
//! Instances come from the config file's `[[strategies]]` and from `POST /api/v1/strategies`;
//! deployments, parameter changes and removals are journaled before they are answered and laid
//! over the config file at start (the journal wins for an id it knows: see
//! `actors::supervisor::deployments`).

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use trader::bars::BarInterval;
use trader::config::{join, Problems};
use trader::model::{InstrumentKey, StrategyId};
use trader::strategy::{Sizing, StrategyParams, StrategySpec};
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::path_param;
use super::state::ControlState;
use crate::actors::supervisor::deployments::LifecycleError;
use crate::actors::supervisor::SupervisorMsg;
use crate::ask;
use crate::status_board::ActorStatus;

/// The strategy instances.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyList {
    pub strategies: Vec<StrategyView>,
}

/// One strategy instance and its runner's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyView {
    #[schema(value_type = String, example = "sma_reliance")]
    pub id: StrategyId,
    /// The built-in strategy, e.g. `sma_cross` or `donchian`.
    #[schema(example = "sma_cross")]
    pub kind: &'static str,
    #[schema(value_type = Vec<mirror_schemas::InstrumentKey>)]
    pub instruments: Vec<InstrumentKey>,
    #[schema(value_type = mirror_schemas::BarInterval)]
    pub bar_interval: BarInterval,
    #[schema(value_type = mirror_schemas::StrategyParams)]
    pub params: StrategyParams,
    /// The runner's state; null for a disabled strategy that was never started.
    #[schema(value_type = Option<mirror_schemas::ActorStatus>)]
    pub status: Option<ActorStatus>,
}

/// A strategy's new state.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyState {
    #[schema(value_type = String)]
    pub id: StrategyId,
    /// `running` or `stopped`.
    #[schema(example = "running")]
    pub status: &'static str,
}

/// A removed strategy instance.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyRemoved {
    #[schema(value_type = String)]
    pub id: StrategyId,
    /// Always true.
    pub removed: bool,
    /// Its open orders whose cancel was sent (with `force=true`; otherwise there were none).
    pub cancelled_orders: usize,
    /// The positions it leaves behind (with `force=true`; otherwise there were none): close them
    /// with manual orders.
    pub positions: Vec<PositionLeft>,
}

/// A position a removed strategy leaves.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionLeft {
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: InstrumentKey,
    /// Net units: positive long, negative short.
    pub quantity: i64,
}

/// A strategy instance to deploy: the shape of a `[[strategies]]` entry of the config file.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "sma_infy", "kind": "sma_cross", "instruments": ["NSE_EQ|INE009A01021"],
    "bar_interval": "1m", "params": {"fast": 10, "slow": 20, "sizing": {"fixed": {"quantity": 5}}}}))]
// Documentation only (the handler reads the body field by field), hence never constructed.
#[allow(dead_code)]
pub struct DeployStrategyBody {
    /// Unique among the instances; 1 to 48 letters, digits, `_` or `-`.
    pub id: String,
    #[schema(value_type = StrategyKind)]
    pub kind: String,
    /// Configured, tradable instruments (not indices), each once.
    #[schema(value_type = Vec<mirror_schemas::InstrumentKey>)]
    pub instruments: Vec<String>,
    /// The bars it is fed; one this daemon builds (`1m` always, and those of configured
    /// strategies). Default `1m`.
    #[schema(value_type = Option<mirror_schemas::BarInterval>)]
    pub bar_interval: Option<String>,
    /// The kind's parameters: `fast`, `slow`, `sizing` (sma_cross) or `entry`, `exit`, `sizing`
    /// (donchian).
    #[schema(value_type = StrategyParamsBody)]
    pub params: Option<String>,
    /// Start it now (default true); `enabled` is the config file's name for the same thing.
    pub start: Option<bool>,
    /// Same as `start`.
    pub enabled: Option<bool>,
}

/// A built-in strategy.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    SmaCross,
    Donchian,
}

/// Parameters of an instance's kind: `fast`/`slow` (sma_cross) or `entry`/`exit` (donchian) in
/// bars, 1 to 100000, and `sizing`. In `PATCH .../params` every field is optional: those given
/// replace the current ones.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"fast": 5, "slow": 15}))]
#[allow(dead_code)]
pub struct StrategyParamsBody {
    /// sma_cross: the fast average's window.
    pub fast: Option<u64>,
    /// sma_cross: the slow average's window, greater than `fast`.
    pub slow: Option<u64>,
    /// donchian: enter above the highest high of this many bars.
    pub entry: Option<u64>,
    /// donchian: exit below the lowest low of this many bars.
    pub exit: Option<u64>,
    #[schema(value_type = Option<mirror_schemas::Sizing>)]
    pub sizing: Option<String>,
}

fn view(state: &ControlState, spec: StrategySpec) -> StrategyView {
    StrategyView {
        status: state.services.status.get(&format!("strategy:{}", spec.id)),
        kind: spec.params.kind(),
        id: spec.id,
        instruments: spec.instruments,
        bar_interval: spec.bar_interval,
        params: spec.params,
    }
}

async fn specs(state: &ControlState) -> Result<Vec<StrategySpec>, ApiError> {
    ask!(state.services.slots.supervisor, "supervisor", SupervisorMsg::ListStrategies)
}

/// The instance `text` (the path parameter `id`) names: 400 when it cannot be a strategy id, 404
/// when no instance has it.
async fn known(state: &ControlState, text: &str) -> Result<StrategySpec, ApiError> {
    let id = path_param::parse("id", text, |s| StrategyId::new(s))?;
    specs(state)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no strategy `{id}`")))
}

fn lifecycle_error(error: LifecycleError) -> ApiError {
    let message = error.to_string();
    match error {
        LifecycleError::NotFound(_) => ApiError::not_found(message),
        LifecycleError::Duplicate(_) => ApiError::new(StatusCode::CONFLICT, "duplicate", message),
        LifecycleError::NoParams(_) | LifecycleError::KindMismatch { .. } => {
            ApiError::new(StatusCode::CONFLICT, "not_applicable", message)
        }
        LifecycleError::Exposed { .. } => ApiError::new(StatusCode::CONFLICT, "strategy_exposed", message),
        LifecycleError::Unavailable(_) => ApiError::unavailable(message),
    }
}

/// Every strategy instance with its parameters and its runner's state.
#[utoipa::path(get, path = "/api/v1/strategies", tag = "strategies", operation_id = "list_strategies",
    responses(
        (status = 200, description = "The strategies.", body = StrategyList),
        (status = 503, description = "The supervisor is not answering.", body = ApiErrorBody),
    ))]
pub async fn list(State(state): State<ControlState>) -> Result<Json<StrategyList>, ApiError> {
    let strategies = specs(&state).await?.into_iter().map(|spec| view(&state, spec)).collect();
    Ok(Json(StrategyList { strategies }))
}

/// Starts (or restarts) a strategy's runner.
#[utoipa::path(post, path = "/api/v1/strategies/{id}/start", tag = "strategies", operation_id = "start_strategy",
    params(("id" = String, Path, description = "The strategy's id.")),
    responses(
        (status = 200, description = "The runner is running.", body = StrategyState),
        (status = 400, description = "`id` cannot be a strategy id.", body = ApiErrorBody),
        (status = 404, description = "No such strategy.", body = ApiErrorBody),
        (status = 503, description = "The supervisor could not start it.", body = ApiErrorBody),
    ))]
pub async fn start(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<StrategyState>, ApiError> {
    let id = known(&state, &id).await?.id;
    ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::StartStrategy {
        id: id.clone(),
        reply
    })?
    .map_err(ApiError::unavailable)?;
    Ok(Json(StrategyState { id, status: "running" }))
}

/// Stops a strategy's runner; its open orders stay open.
#[utoipa::path(post, path = "/api/v1/strategies/{id}/stop", tag = "strategies", operation_id = "stop_strategy",
    params(("id" = String, Path, description = "The strategy's id.")),
    responses(
        (status = 200, description = "The runner is stopped.", body = StrategyState),
        (status = 400, description = "`id` cannot be a strategy id.", body = ApiErrorBody),
        (status = 404, description = "No such strategy.", body = ApiErrorBody),
        (status = 503, description = "The supervisor could not stop it.", body = ApiErrorBody),
    ))]
pub async fn stop(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Json<StrategyState>, ApiError> {
    let id = known(&state, &id).await?.id;
    ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::StopStrategy { id: id.clone(), reply })?
        .map_err(ApiError::unavailable)?;
    Ok(Json(StrategyState { id, status: "stopped" }))
}

/// Deploys a new instance of a built-in strategy. The body is a `[[strategies]]` entry of the
/// config file, validated as the config file is. The instance is journaled before the answer,
/// so it comes back after a restart; it starts at once unless `start` is false.
#[utoipa::path(post, path = "/api/v1/strategies", tag = "strategies", operation_id = "deploy_strategy",
    request_body(content = DeployStrategyBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Deployed (and started, unless `start` is false).", body = StrategyView),
        (status = 400, description = "Every bad field, named (`params.slow`, `instruments[0]`, ...).",
            body = ApiErrorBody),
        (status = 409, description = "An instance with this id exists (code `duplicate`).", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The supervisor or the journal is not answering.", body = ApiErrorBody),
    ))]
pub async fn deploy(State(state): State<ControlState>, body: Bytes) -> Result<Response, ApiError> {
    let spec = parse_deploy(&state, &body)?;
    let id = spec.id.clone();
    ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::Deploy { spec, reply })?
        .map_err(lifecycle_error)?;
    let deployed = known(&state, id.as_str()).await?;
    Ok((StatusCode::CREATED, Json(view(&state, deployed))).into_response())
}

/// Changes an instance's parameters: the fields given replace the current ones (the kind stays).
/// The change is validated as the config file is and journaled; a running instance is restarted
/// with it, rebuilding its positions and open orders from its orders (its indicators start
/// empty and warm up again).
#[utoipa::path(patch, path = "/api/v1/strategies/{id}/params", tag = "strategies",
    operation_id = "update_strategy_params",
    params(("id" = String, Path, description = "The strategy's id.")),
    request_body(content = StrategyParamsBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The instance with its new parameters.", body = StrategyView),
        (status = 400, description = "`id` cannot be a strategy id, or every bad field, named (`slow`, `sizing`, \
            ...).", body = ApiErrorBody),
        (status = 404, description = "No such strategy.", body = ApiErrorBody),
        (status = 409, description = "The instance was added in code and has no parameters.", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "The supervisor or the journal is not answering.", body = ApiErrorBody),
    ))]
pub async fn update_params(
    State(state): State<ControlState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<StrategyView>, ApiError> {
    let current = known(&state, &id).await?;
    let params = parse_patch(&current.params, &body)?;
    let id = current.id;
    let spec =
        ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::UpdateParams { id, params, reply })?
            .map_err(lifecycle_error)?;
    Ok(Json(view(&state, spec)))
}

/// Stops and removes an instance.
///
/// Refused (409, code `strategy_exposed`) while it has open orders or a non-zero position, so
/// nothing is left working or held without an owner. With `force=true` it is removed anyway:
/// its open orders are cancelled and its positions are left as they are (listed in the answer;
/// close them with manual orders). The removal is journaled: an instance the config file
/// defines stays removed after a restart (the journal wins for that id) until it is deployed
/// again over the API or renamed in the file.
#[utoipa::path(delete, path = "/api/v1/strategies/{id}", tag = "strategies", operation_id = "remove_strategy",
    params(
        ("id" = String, Path, description = "The strategy's id."),
        ("force" = Option<bool>, Query, description = "Remove even with open orders (cancelled) or positions (kept)."),
    ),
    responses(
        (status = 200, description = "Removed.", body = StrategyRemoved),
        (status = 400, description = "`id` cannot be a strategy id, a bad `force`, or an unknown parameter.",
            body = ApiErrorBody),
        (status = 404, description = "No such strategy.", body = ApiErrorBody),
        (status = 409, description = "It has open orders or a position (code `strategy_exposed`).",
            body = ApiErrorBody),
        (status = 503, description = "The supervisor, the router or the journal is not answering.",
            body = ApiErrorBody),
    ))]
pub async fn remove(
    State(state): State<ControlState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<StrategyRemoved>, ApiError> {
    let mut fields = BTreeMap::new();
    let force = match query.get("force").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            let shown: String = other.chars().take(40).collect();
            fields.insert("force".to_owned(), format!("`{shown}` is not true or false"));
            false
        }
    };
    for key in query.keys().filter(|k| k.as_str() != "force") {
        fields.insert(key.clone(), "is not a known parameter".to_owned());
    }
    if let Err(e) = path_param::parse("id", &id, |s| StrategyId::new(s)) {
        fields.extend(e.fields);
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let id = known(&state, &id).await?.id;
    let removal = ask!(state.services.slots.supervisor, "supervisor", |reply| SupervisorMsg::Remove {
        id: id.clone(),
        force,
        reply
    })?
    .map_err(lifecycle_error)?;
    let positions =
        removal.positions.into_iter().map(|(instrument, quantity)| PositionLeft { instrument, quantity }).collect();
    Ok(Json(StrategyRemoved { id, removed: true, cancelled_orders: removal.cancelled_orders, positions }))
}

/// Reads a deployment, collecting every problem under its field's path.
fn parse_deploy(state: &ControlState, body: &Bytes) -> Result<StrategySpec, ApiError> {
    let mut f = Fields::parse(body)?;
    let id = f.required("id", |s| StrategyId::new(s).map_err(|e| e.to_string()));
    let kind = f.required("kind", StrategyParams::known_kind);
    let built = state.services.bars.lock().unwrap_or_else(|e| e.into_inner()).intervals().to_vec();
    let bar_interval = f.optional("bar_interval", |s| {
        let interval = s.parse::<BarInterval>().map_err(|e| e.to_string())?;
        if built.contains(&interval) {
            Ok(interval)
        } else {
            let names: Vec<String> = built.iter().map(ToString::to_string).collect();
            Err(format!(
                "this daemon builds {} bars only; `{interval}` bars come with a config strategy using them",
                names.join(", ")
            ))
        }
    });
    let mut enabled = None;
    for key in ["start", "enabled"] {
        match f.raw(key).cloned() {
            None => {}
            Some(Value::Bool(b)) if enabled.is_none_or(|e| e == b) => enabled = Some(b),
            Some(Value::Bool(_)) => f.error(key, "contradicts `start`"),
            Some(_) => f.error(key, "must be true or false"),
        }
    }
    let instruments = match f.raw("instruments").cloned() {
        None => {
            f.error("instruments", "is required");
            None
        }
        Some(Value::Array(list)) => {
            let mut keys = Vec::with_capacity(list.len());
            for (i, value) in list.iter().enumerate() {
                let path = format!("instruments[{i}]");
                let Some(text) = value.as_str() else {
                    f.error(&path, "must be an instrument key such as \"NSE_EQ|INE002A01018\"");
                    continue;
                };
                match InstrumentKey::new(text) {
                    Err(e) => f.error(&path, e.to_string()),
                    Ok(key) => match state.services.instruments.get(&key) {
                        None => f.error(&path, format!("`{key}` is not a configured instrument")),
                        Some(instrument) if !instrument.tradable => {
                            f.error(&path, format!("`{key}` is an index: indices are quoted, never traded"))
                        }
                        Some(_) => keys.push(key),
                    },
                }
            }
            Some(keys)
        }
        Some(_) => {
            f.error("instruments", "must be a list of instrument keys");
            None
        }
    };
    let params = match (f.raw("params").cloned(), kind) {
        (None, _) => {
            f.error("params", "is required");
            None
        }
        (Some(Value::Object(object)), Some(kind)) => {
            let mut errors = BTreeMap::new();
            let params = read_params(kind, &object, "params", &mut errors);
            for (path, reason) in errors {
                f.error(&path, reason);
            }
            params
        }
        (Some(Value::Object(_)), None) => None,
        (Some(_), _) => {
            f.error("params", "must be an object");
            None
        }
    };
    let (Some(id), Some(instruments), Some(params)) = (id, instruments, params) else {
        f.finish()?;
        return Err(ApiError::invalid(BTreeMap::from([("body".to_owned(), "is invalid".to_owned())])));
    };
    let spec = StrategySpec {
        id,
        instruments,
        enabled: enabled.unwrap_or(true),
        bar_interval: bar_interval.unwrap_or(BarInterval::M1),
        params,
    };
    let mut problems = Problems::new();
    spec.validate("", &mut problems);
    for problem in problems.iter() {
        f.error(&problem.path, problem.reason.clone());
    }
    f.finish()?;
    Ok(spec)
}

/// Reads a parameter change: the body's fields replace the current parameters' (same kind).
fn parse_patch(current: &StrategyParams, body: &Bytes) -> Result<StrategyParams, ApiError> {
    let invalid =
        |field: &str, reason: &str| ApiError::invalid(BTreeMap::from([(field.to_owned(), reason.to_owned())]));
    let patch: Value = serde_json::from_slice(body).map_err(|e| invalid("body", &format!("not valid JSON: {e}")))?;
    let Value::Object(patch) = patch else { return Err(invalid("body", "must be a JSON object of parameters")) };
    if patch.is_empty() {
        return Err(invalid("body", "give at least one parameter to change"));
    }
    let mut merged = match serde_json::to_value(current) {
        Ok(Value::Object(mut tagged)) => match tagged.remove("params") {
            Some(Value::Object(params)) => params,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    merged.extend(patch);
    let mut errors = BTreeMap::new();
    match read_params(current.kind(), &merged, "", &mut errors) {
        Some(params) if errors.is_empty() => Ok(params),
        _ => Err(ApiError::invalid(errors)),
    }
}

/// A strategy kind's parameters from a JSON object, every problem recorded under
/// `prefix.<key>`: unknown and missing keys, windows that are not whole numbers, a sizing of the
/// wrong shape, then the config file's validation (window bounds, `slow` > `fast`, sizing).
fn read_params(
    kind: &str,
    object: &Map<String, Value>,
    prefix: &str,
    errors: &mut BTreeMap<String, String>,
) -> Option<StrategyParams> {
    let windows = match StrategyParams::window_names(kind) {
        Ok(windows) => windows,
        Err(reason) => {
            errors.insert(join(prefix, "kind"), reason);
            return None;
        }
    };
    for key in object.keys().filter(|k| !windows.contains(&k.as_str()) && k.as_str() != "sizing") {
        let known = format!("{}, {}, sizing", windows[0], windows[1]);
        errors.insert(join(prefix, key), format!("is not a parameter of {kind} (known: {known})"));
    }
    let mut values = [None, None];
    for (slot, name) in windows.iter().enumerate() {
        match object.get(*name) {
            None | Some(Value::Null) => {
                errors.insert(join(prefix, name), "is required".to_owned());
            }
            Some(value) => match value.as_u64() {
                Some(bars) => values[slot] = Some(usize::try_from(bars).unwrap_or(usize::MAX)),
                None => {
                    errors.insert(join(prefix, name), format!("`{value}` is not a whole number of bars"));
                }
            },
        }
    }
    let sizing = match object.get("sizing") {
        None | Some(Value::Null) => {
            errors.insert(join(prefix, "sizing"), "is required".to_owned());
            None
        }
        Some(value) => match serde_json::from_value::<Sizing>(value.clone()) {
            Ok(sizing) => Some(sizing),
            Err(e) => {
                errors.insert(
                    join(prefix, "sizing"),
                    format!("must be {{\"fixed\": {{\"quantity\": 10}}}} or {{\"all_in\": {{\"commission\": \"0.002\"}}}}: {e}"),
                );
                None
            }
        },
    };
    let mut problems = Problems::new();
    // The sizing is checked even when a window is bad, so every problem is named at once.
    if let Some(sizing) = &sizing {
        sizing.validate(&join(prefix, "sizing"), &mut problems);
    }
    let ([Some(first), Some(second)], Some(sizing)) = (values, sizing) else {
        record(problems, errors);
        return None;
    };
    let params = match StrategyParams::from_windows(kind, [first, second], sizing) {
        Ok(params) => params,
        Err(reason) => {
            errors.insert(join(prefix, "kind"), reason);
            return None;
        }
    };
    params.validate(prefix, &mut problems);
    record(problems, errors);
    Some(params)
}

/// Adds `problems` to `errors`, keeping the first reason for a path.
fn record(problems: Problems, errors: &mut BTreeMap<String, String>) {
    for problem in problems.iter() {
        errors.entry(problem.path.clone()).or_insert_with(|| problem.reason.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trader::strategy::SmaCrossParams;

    fn sma(fast: usize, slow: usize, quantity: u64) -> StrategyParams {
        StrategyParams::SmaCross(SmaCrossParams { fast, slow, sizing: Sizing::Fixed { quantity } })
    }

    fn patch_errors(current: &StrategyParams, body: &str) -> BTreeMap<String, String> {
        parse_patch(current, &Bytes::from(body.to_owned())).unwrap_err().fields
    }

    #[test]
    fn a_patch_replaces_only_the_fields_given_and_is_validated_whole() {
        let current = sma(3, 8, 1);
        let patched = parse_patch(&current, &Bytes::from_static(br#"{"fast": 5, "slow": 12}"#)).unwrap();
        assert_eq!(patched, sma(5, 12, 1));
        let sizing = br#"{"sizing": {"all_in": {"commission": "0.002"}}}"#;
        let patched = parse_patch(&current, &Bytes::from_static(sizing)).unwrap();
        assert_eq!(
            patched,
            StrategyParams::SmaCross(SmaCrossParams {
                fast: 3,
                slow: 8,
                sizing: Sizing::AllIn { commission: "0.002".parse().unwrap() }
            })
        );
        // slow must stay above fast, with the current slow.
        assert_eq!(
            patch_errors(&current, r#"{"fast": 9}"#),
            BTreeMap::from([("slow".to_owned(), "must be greater than fast (9), got 8".to_owned())])
        );
        let errors = patch_errors(&current, r#"{"fast": -1, "entry": 3, "sizing": {"fixed": {"quantity": 0}}}"#);
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["entry", "fast", "sizing.fixed.quantity"], "{errors:?}");
        assert!(errors["fast"].contains("not a whole number"), "{errors:?}");
        assert!(patch_errors(&current, r#"{"sizing": {"fixed": {}}}"#).contains_key("sizing"));
        assert!(patch_errors(&current, "{}").contains_key("body"));
        assert!(patch_errors(&current, "[1]").contains_key("body"));
        assert!(patch_errors(&current, r#"{"slow": null}"#).contains_key("slow"));
    }

    #[test]
    fn donchian_parameters_are_read_under_their_prefix() {
        let object: Map<String, Value> =
            serde_json::from_str(r#"{"entry": 0, "exit": 2, "fast": 1, "sizing": {"fixed": {"quantity": 1}}}"#)
                .unwrap();
        let mut errors = BTreeMap::new();
        read_params("donchian", &object, "params", &mut errors);
        assert_eq!(
            errors,
            BTreeMap::from([
                ("params.entry".to_owned(), "must be 1 to 100000 bars, got 0".to_owned()),
                ("params.fast".to_owned(), "is not a parameter of donchian (known: entry, exit, sizing)".to_owned()),
            ])
        );
    }
}
