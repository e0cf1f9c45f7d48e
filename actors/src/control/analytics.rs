//! Live performance: the backtest statistics (`trader::analytics::CurveStats`, the definitions a
//! backtest summary uses) on the live equity curve, overall and per strategy.
//!
//! The curve is the sampler's (`[performance]`): `resolution=samples` uses every sample of the
//! last `detailed_days` IST days, `resolution=daily` one point per IST day (its last sample) over
//! the whole history. A strategy's curve is the account's initial cash plus the strategy's net P&L
//! — the account as if only that strategy had traded — so its returns are on the same capital.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use trader::analytics::{CurveStats, MIN_SAMPLES};
use trader::model::StrategyId;
use trader::num::Money;
use trader::time::Timestamp;
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::portfolio::{known_strategy, refuse_unknown, strategy_param, synced};
use super::state::ControlState;
use crate::engine::{EquityCurve, Point};

/// Which points of the curve the statistics are computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    /// Every sample of the most recent days kept at full resolution.
    Samples,
    /// One point per IST day (its last sample) over the whole history.
    Daily,
}

/// Live performance statistics of one curve.
#[derive(Debug, Serialize, ToSchema)]
pub struct PerformanceView {
    /// The strategy; null for the whole portfolio.
    #[schema(value_type = Option<String>, example = "sma_reliance")]
    pub strategy: Option<StrategyId>,
    pub resolution: Resolution,
    /// Points the statistics are computed on.
    pub samples: usize,
    /// The least number of samples that gives statistics.
    pub min_samples: usize,
    #[schema(value_type = Option<mirror_schemas::Timestamp>)]
    pub first_at: Option<Timestamp>,
    #[schema(value_type = Option<mirror_schemas::Timestamp>)]
    pub last_at: Option<Timestamp>,
    /// The first point's equity.
    #[schema(value_type = Option<mirror_schemas::Money>)]
    pub first_equity: Option<Money>,
    /// The last point's equity.
    #[schema(value_type = Option<mirror_schemas::Money>)]
    pub last_equity: Option<Money>,
    /// Null with fewer than `min_samples` samples.
    pub statistics: Option<Statistics>,
}

/// The backtest summary's curve statistics (README "Backtests"): percentages are the empyrical
/// fraction × 100; null where undefined.
#[derive(Debug, Serialize, ToSchema)]
pub struct Statistics {
    /// Samples per year observed: (samples − 1) / years elapsed; the annualisation factor.
    pub periods_per_year: Option<f64>,
    pub total_return_pct: f64,
    pub cagr_pct: Option<f64>,
    pub annual_volatility_pct: Option<f64>,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub max_drawdown_pct: f64,
    pub max_drawdown_duration_samples: usize,
    pub max_drawdown_duration_days: f64,
    pub calmar: Option<f64>,
}

impl From<CurveStats> for Statistics {
    fn from(s: CurveStats) -> Statistics {
        Statistics {
            periods_per_year: s.periods_per_year,
            total_return_pct: s.total_return_pct,
            cagr_pct: s.cagr_pct,
            annual_volatility_pct: s.annual_volatility_pct,
            sharpe: s.sharpe,
            sortino: s.sortino,
            max_drawdown_pct: s.max_drawdown_pct,
            max_drawdown_duration_samples: s.max_drawdown_duration_samples,
            max_drawdown_duration_days: s.max_drawdown_duration_days,
            calmar: s.calmar,
        }
    }
}

/// The `resolution` parameter, or a 400 naming it, each unknown parameter and the `fields` already
/// found bad (a malformed path parameter).
fn resolution(query: &HashMap<String, String>, mut fields: BTreeMap<String, String>) -> Result<Resolution, ApiError> {
    let resolution = match query.get("resolution").map(String::as_str) {
        None | Some("samples") => Resolution::Samples,
        Some("daily") => Resolution::Daily,
        Some(_) => {
            fields.insert("resolution".to_owned(), "must be `samples` or `daily`".to_owned());
            Resolution::Samples
        }
    };
    refuse_unknown(query, &["resolution"], &mut fields);
    if fields.is_empty() {
        Ok(resolution)
    } else {
        Err(ApiError::invalid(fields))
    }
}

/// `a + b`, clamped to the `Money` range.
fn saturating_sum(a: Money, b: Money) -> Money {
    Money::saturating_from_micros(i128::from(a.micros()) + i128::from(b.micros()))
}

fn points(curve: Option<&EquityCurve>, resolution: Resolution) -> Vec<Point> {
    match (curve, resolution) {
        (None, _) => Vec::new(),
        (Some(curve), Resolution::Samples) => curve.samples(),
        (Some(curve), Resolution::Daily) => curve.daily(),
    }
}

fn view(strategy: Option<StrategyId>, resolution: Resolution, points: &[Point]) -> PerformanceView {
    PerformanceView {
        strategy,
        resolution,
        samples: points.len(),
        min_samples: MIN_SAMPLES,
        first_at: points.first().map(|p| p.0),
        last_at: points.last().map(|p| p.0),
        first_equity: points.first().map(|p| p.1),
        last_equity: points.last().map(|p| p.1),
        statistics: CurveStats::compute(points).map(Statistics::from),
    }
}

/// The portfolio's live performance: the backtest statistics on the live equity curve.
#[utoipa::path(get, path = "/api/v1/analytics/performance", tag = "analytics", operation_id = "get_performance",
    params(("resolution" = Option<Resolution>, Query,
        description = "`samples` (default): every sample of the recent days; `daily`: one point per day.")),
    responses(
        (status = 200, description = "The statistics, null until there are enough samples.", body = PerformanceView),
        (status = 400, description = "A bad `resolution` or an unknown parameter.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn performance(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<PerformanceView>, ApiError> {
    let resolution = resolution(&query, BTreeMap::new())?;
    synced(&state).await?;
    let points = state.performance.read(|book| points(Some(book.equity_curve()), resolution));
    Ok(Json(view(None, resolution, &points)))
}

/// One strategy's live performance: the statistics on initial cash plus its net P&L.
#[utoipa::path(get, path = "/api/v1/analytics/strategies/{id}", tag = "analytics",
    operation_id = "get_strategy_performance",
    params(
        ("id" = String, Path, description = "The strategy's id."),
        ("resolution" = Option<Resolution>, Query,
            description = "`samples` (default): every sample of the recent days; `daily`: one point per day."),
    ),
    responses(
        (status = 200, description = "The statistics, null until there are enough samples.", body = PerformanceView),
        (status = 400, description = "`id` cannot be a strategy id, a bad `resolution`, or an unknown parameter.",
            body = ApiErrorBody),
        (status = 404, description = "No such strategy.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn strategy(
    State(state): State<ControlState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<PerformanceView>, ApiError> {
    let bad_id = strategy_param(&id).err().map(|e| e.fields).unwrap_or_default();
    let resolution = resolution(&query, bad_id)?;
    let id = known_strategy(&state, &id)?;
    synced(&state).await?;
    let book = Some(id.clone());
    let points: Vec<Point> = state.performance.read(|b| {
        let base = b.initial_cash();
        points(b.book_curve(&book), resolution).into_iter().map(|(at, net)| (at, saturating_sum(base, net))).collect()
    });
    Ok(Json(view(Some(id), resolution, &points)))
}
