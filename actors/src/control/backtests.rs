//! Backtests: submit (a job on the bounded backtest pool), list, status with the summary, HTML
//! report, cancel.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Fields;
use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::path_param;
use super::request_bodies::BacktestBody;
use super::state::ControlState;
use crate::backtest_cli::{BacktestArgs, ChargesArg, FillArg};
use crate::backtest_jobs::{CancelJobError, JobInfo, JobStatus, MAX_KEPT};

/// A job taken onto the backtest queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct BacktestQueued {
    /// The job's id, for `GET /api/v1/backtests/{id}`.
    pub id: u64,
    /// Always `queued`.
    #[schema(example = "queued")]
    pub status: &'static str,
}

/// A job's state, and its summary once done.
#[derive(Debug, Serialize, ToSchema)]
pub struct BacktestStatus {
    pub id: u64,
    #[serde(flatten)]
    #[schema(value_type = mirror_schemas::BacktestProgress)]
    pub status: JobStatus,
}

fn text(s: &str) -> Result<String, String> {
    Ok(s.to_owned())
}

/// Reads the same parameters as `traderd backtest`, as JSON.
fn parse(state: &ControlState, body: &Bytes) -> Result<BacktestArgs, ApiError> {
    let mut f = Fields::parse(body)?;
    let data = f.required("data", |s| state.backtests.data_path(s));
    let instrument = f.optional("instrument", text);
    let strategy = f.optional("strategy", text);
    let cash = f.optional("cash", text);
    let commission = f.optional("commission", text);
    let charges = f.optional("charges", |s| match s {
        "india-intraday" => Ok(ChargesArg::IndiaIntraday),
        "india-delivery" => Ok(ChargesArg::IndiaDelivery),
        _ => Err(format!("`{s}` is not india-intraday or india-delivery")),
    });
    let fill = f.optional("fill", |s| match s {
        "next-open" => Ok(FillArg::NextOpen),
        "close" => Ok(FillArg::Close),
        _ => Err(format!("`{s}` is not next-open or close")),
    });
    let slippage_ticks =
        f.optional("slippage_ticks", |s| s.parse::<u32>().map_err(|_| format!("`{s}` is not a whole number")));
    let utc_offset = f.optional("utc_offset", text);
    let sort = f.optional("sort", text);
    let params: Vec<String> = match f.raw("params").cloned() {
        None => Vec::new(),
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect(),
        Some(_) => {
            f.error("params", "must be an object such as {\"fast\": 10, \"slow\": \"20..60:10\"}");
            Vec::new()
        }
    };
    if commission.is_some() && charges.is_some() {
        f.error("commission", "give commission or charges, not both");
    }
    f.finish()?;
    Ok(BacktestArgs {
        data: data.unwrap_or_else(PathBuf::new),
        instrument: instrument.unwrap_or_else(|| trader::backtest::DEFAULT_BACKTEST_KEY.to_owned()),
        strategy: strategy.unwrap_or_else(|| "sma_cross".to_owned()),
        params,
        cash: cash.unwrap_or_else(|| "10000".to_owned()),
        commission,
        charges,
        fill: fill.unwrap_or(FillArg::NextOpen),
        slippage_ticks: slippage_ticks.unwrap_or(0),
        utc_offset: utc_offset.unwrap_or_else(|| "+05:30".to_owned()),
        out: None,
        json: true,
        sort: sort.unwrap_or_else(|| "sharpe".to_owned()),
        top: 20,
        threads: Some(1),
    })
}

/// Queues a backtest (or a parameter sweep) on the backtest pool, which never takes more than one
/// core from trading.
#[utoipa::path(post, path = "/api/v1/backtests", tag = "backtests", operation_id = "submit_backtest",
    request_body(content = BacktestBody, content_type = "application/json"),
    responses(
        (status = 202, description = "Queued.", body = BacktestQueued),
        (status = 400, description = "Every bad field, named (including a data file that does not exist).",
            body = ApiErrorBody),
        (status = 413, description = "The body is larger than 64 KiB."),
        (status = 503, description = "Too many backtests are waiting or running.", body = ApiErrorBody),
    ))]
pub async fn submit(State(state): State<ControlState>, body: Bytes) -> Result<Response, ApiError> {
    let args = parse(&state, &body)?;
    if !args.data.is_file() {
        let mut fields = std::collections::BTreeMap::new();
        fields.insert(
            "data".to_owned(),
            format!("no file {} (put data files in {})", args.data.display(), state.backtests.data_dir().display()),
        );
        return Err(ApiError::invalid(fields));
    }
    let id = state.backtests.submit(args).map_err(|e| ApiError::unavailable(e.to_string()))?;
    Ok((StatusCode::ACCEPTED, Json(BacktestQueued { id, status: "queued" })).into_response())
}

/// The job id in the path parameter `id`: 400 naming `id` when `text` cannot be one.
fn job_id(text: &str) -> Result<u64, ApiError> {
    path_param::parse("id", text, |s| {
        s.parse::<u64>().map_err(|_| "must be a job id: a whole number, as `POST /api/v1/backtests` answered")
    })
}

/// A backtest job's state, with its summary once done.
#[utoipa::path(get, path = "/api/v1/backtests/{id}", tag = "backtests", operation_id = "get_backtest",
    params(("id" = u64, Path, description = "The job's id.")),
    responses(
        (status = 200, description = "The job.", body = BacktestStatus),
        (status = 400, description = "`id` cannot be a job id.", body = ApiErrorBody),
        (status = 404, description = "No such job.", body = ApiErrorBody),
    ))]
pub async fn status(
    State(state): State<ControlState>,
    Path(id): Path<String>,
) -> Result<Json<BacktestStatus>, ApiError> {
    let id = job_id(&id)?;
    let status = state.backtests.status(id).ok_or_else(|| ApiError::not_found(format!("no backtest {id}")))?;
    Ok(Json(BacktestStatus { id, status }))
}

/// A finished single backtest's HTML report (sweeps write none).
#[utoipa::path(get, path = "/api/v1/backtests/{id}/report", tag = "backtests", operation_id = "get_backtest_report",
    params(("id" = u64, Path, description = "The job's id.")),
    responses(
        (status = 200, description = "A self-contained HTML page.", body = String, content_type = "text/html"),
        (status = 400, description = "`id` cannot be a job id.", body = ApiErrorBody),
        (status = 404, description = "No such job, or it wrote no report.", body = ApiErrorBody),
        (status = 409, description = "The job has not finished.", body = ApiErrorBody),
    ))]
pub async fn report(State(state): State<ControlState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = job_id(&id)?;
    match state.backtests.status(id) {
        None => Err(ApiError::not_found(format!("no backtest {id}"))),
        Some(JobStatus::Done { .. }) => {
            let html = tokio::fs::read_to_string(state.backtests.report_path(id))
                .await
                .map_err(|_| ApiError::not_found(format!("backtest {id} wrote no report (a sweep writes none)")))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
                ],
                html,
            )
                .into_response())
        }
        Some(JobStatus::Cancelled) => {
            Err(ApiError::not_found(format!("backtest {id} was cancelled: it wrote no report")))
        }
        Some(_) => Err(ApiError::new(StatusCode::CONFLICT, "not_finished", format!("backtest {id} has not finished"))),
    }
}

/// Jobs newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BacktestList {
    pub backtests: Vec<BacktestListItem>,
}

/// One job as listed; its summary is at `GET /api/v1/backtests/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BacktestListItem {
    pub id: u64,
    #[schema(value_type = BacktestState)]
    pub status: &'static str,
    /// When it was submitted, in IST, e.g. `2026-11-27 09:15:00.250+05:30`.
    pub submitted_at: String,
    #[schema(example = "sma_cross")]
    pub strategy: String,
    /// The data file's name.
    pub data: String,
    /// Whether it is a parameter sweep.
    pub sweep: bool,
    /// Why it failed, for `failed`; null otherwise.
    pub error: Option<String>,
}

/// Where a backtest job is.
// Documentation only: the list writes `JobStatus::name()`.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BacktestState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl From<JobInfo> for BacktestListItem {
    fn from(job: JobInfo) -> BacktestListItem {
        BacktestListItem {
            id: job.id,
            status: job.status,
            submitted_at: job.submitted.to_string(),
            strategy: job.strategy,
            data: job.data,
            sweep: job.sweep,
            error: job.error,
        }
    }
}

/// Jobs listed by default.
const DEFAULT_LIMIT: usize = 50;

/// Backtest jobs of this daemon run, newest first (jobs are kept in memory: a restart forgets them).
#[utoipa::path(get, path = "/api/v1/backtests", tag = "backtests", operation_id = "list_backtests",
    params(
        ("status" = Option<BacktestState>, Query, description = "Only jobs in this state."),
        ("limit" = Option<u64>, Query, description = "At most this many jobs, 1 to 1000; default 50."),
    ),
    responses(
        (status = 200, description = "The jobs, newest first.", body = BacktestList),
        (status = 400, description = "A bad `status` or `limit`, or an unknown parameter.", body = ApiErrorBody),
    ))]
pub async fn list(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<BacktestList>, ApiError> {
    let mut fields = BTreeMap::new();
    let status = query.get("status").map(String::as_str);
    if let Some(status) = status.filter(|s| !JobStatus::NAMES.contains(s)) {
        let shown: String = status.chars().take(40).collect();
        fields.insert("status".to_owned(), format!("`{shown}` is not one of {}", JobStatus::NAMES.join(", ")));
    }
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_KEPT).contains(&n) => n,
            _ => {
                let shown: String = text.chars().take(40).collect();
                fields.insert("limit".to_owned(), format!("`{shown}` is not a whole number from 1 to {MAX_KEPT}"));
                DEFAULT_LIMIT
            }
        },
    };
    for key in query.keys().filter(|k| !["status", "limit"].contains(&k.as_str())) {
        fields.insert(key.clone(), "is not a known parameter".to_owned());
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let backtests = state.backtests.list(status, limit).into_iter().map(BacktestListItem::from).collect();
    Ok(Json(BacktestList { backtests }))
}

/// Cancels a queued or running job. A queued job never runs; a running one stops at its next
/// check (within milliseconds) and writes no outputs. The answer is the job's final state.
#[utoipa::path(delete, path = "/api/v1/backtests/{id}", tag = "backtests", operation_id = "cancel_backtest",
    params(("id" = u64, Path, description = "The job's id.")),
    responses(
        (status = 200, description = "Cancelled: `status` is `cancelled` (or, rarely, `running` when it has not \
            stopped within 5 s; it stops on its own).", body = BacktestStatus),
        (status = 400, description = "`id` cannot be a job id.", body = ApiErrorBody),
        (status = 404, description = "No such job.", body = ApiErrorBody),
        (status = 409, description = "The job already finished (done, failed or cancelled); code `finished`.",
            body = ApiErrorBody),
    ))]
pub async fn cancel(
    State(state): State<ControlState>,
    Path(id): Path<String>,
) -> Result<Json<BacktestStatus>, ApiError> {
    let id = job_id(&id)?;
    match state.backtests.cancel(id).await {
        Ok(status) => Ok(Json(BacktestStatus { id, status })),
        Err(error @ CancelJobError::NotFound(_)) => Err(ApiError::not_found(error.to_string())),
        Err(error @ CancelJobError::Finished { .. }) => {
            Err(ApiError::new(StatusCode::CONFLICT, "finished", error.to_string()))
        }
    }
}
