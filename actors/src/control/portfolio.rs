//! Positions, the portfolio and fills.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;
use trader::model::{Fill, InstrumentKey};
use trader::num::{Money, Price};
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::state::ControlState;
use crate::actors::order_router::{RouterMsg, RouterQuery};
use crate::ask;

/// Open and closed positions of the session.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionList {
    pub positions: Vec<PositionView>,
}

/// One instrument's position.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionView {
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: InstrumentKey,
    /// Signed units: positive long, negative short, zero flat.
    pub quantity: i64,
    /// Average entry price of the open quantity; null when flat.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub average_price: Option<Price>,
    /// The latest mark; null before the first quote.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub last_price: Option<Price>,
    #[schema(value_type = mirror_schemas::Money)]
    pub realised_pnl: Money,
    /// Null before the first quote.
    #[schema(value_type = Option<mirror_schemas::Money>)]
    pub unrealised_pnl: Option<Money>,
    /// Charges paid on this instrument's fills.
    #[schema(value_type = mirror_schemas::Money)]
    pub charges: Money,
    /// How many fills built the position.
    pub fills: u64,
}

/// Cash, equity and P&L.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioView {
    #[schema(value_type = mirror_schemas::Money)]
    pub cash: Money,
    /// Cash plus the market value of every position at its latest mark.
    #[schema(value_type = mirror_schemas::Money)]
    pub equity: Money,
    #[schema(value_type = mirror_schemas::Money)]
    pub realised_pnl: Money,
    #[schema(value_type = mirror_schemas::Money)]
    pub unrealised_pnl: Money,
    /// Charges paid since start.
    #[schema(value_type = mirror_schemas::Money)]
    pub charges: Money,
    /// Equity change since the start of the IST day.
    #[schema(value_type = mirror_schemas::Money)]
    pub day_pnl: Money,
    #[schema(value_type = mirror_schemas::Money)]
    pub gross_exposure: Money,
    #[schema(value_type = mirror_schemas::Money)]
    pub net_exposure: Money,
}

/// Fills, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FillList {
    #[schema(value_type = Vec<mirror_schemas::Fill>)]
    pub fills: Vec<Fill>,
}

/// Every position with its marks and P&L.
#[utoipa::path(get, path = "/api/v1/positions", tag = "portfolio", operation_id = "list_positions",
    responses(
        (status = 200, description = "The positions.", body = PositionList),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn positions(State(state): State<ControlState>) -> Result<Json<PositionList>, ApiError> {
    let portfolio = ask!(state.services.slots.router, "order router", |r| RouterMsg::Query(RouterQuery::Portfolio(r)))?;
    let positions = portfolio
        .positions
        .values()
        .map(|p| {
            let mark = portfolio.marks.get(&p.instrument).copied();
            PositionView {
                instrument: p.instrument.clone(),
                quantity: p.net,
                average_price: p.average_price(),
                last_price: mark,
                realised_pnl: p.realised,
                unrealised_pnl: mark.map(|m| p.unrealised(m)),
                charges: p.charges,
                fills: p.fills,
            }
        })
        .collect();
    Ok(Json(PositionList { positions }))
}

/// Cash, equity, P&L (realised, unrealised, today's) and exposure.
#[utoipa::path(get, path = "/api/v1/portfolio", tag = "portfolio", operation_id = "get_portfolio",
    responses(
        (status = 200, description = "The portfolio.", body = PortfolioView),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn portfolio(State(state): State<ControlState>) -> Result<Json<PortfolioView>, ApiError> {
    let p = ask!(state.services.slots.router, "order router", |r| RouterMsg::Query(RouterQuery::Portfolio(r)))?;
    Ok(Json(PortfolioView {
        cash: p.cash,
        equity: p.equity(),
        realised_pnl: p.realised(),
        unrealised_pnl: p.unrealised(),
        charges: p.charges_paid,
        day_pnl: p.day_pnl(),
        gross_exposure: p.gross_exposure(),
        net_exposure: p.net_exposure(),
    }))
}

/// The most recent fills with their charges.
#[utoipa::path(get, path = "/api/v1/fills", tag = "portfolio", operation_id = "list_fills",
    params(("limit" = Option<u32>, Query, description = "How many of the latest fills; default 500.",
        minimum = 1, maximum = 10000)),
    responses(
        (status = 200, description = "The fills.", body = FillList),
        (status = 400, description = "A bad `limit` or an unknown parameter.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn fills(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<FillList>, ApiError> {
    let mut fields = std::collections::BTreeMap::new();
    let limit = match query.get("limit").map(|s| s.parse::<usize>()) {
        None => 500,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => {
            fields.insert("limit".to_owned(), "must be a whole number from 1 to 10000".to_owned());
            500
        }
    };
    for key in query.keys().filter(|k| k.as_str() != "limit") {
        fields.insert(key.clone(), "is not a known parameter".to_owned());
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let fills = ask!(state.services.slots.router, "order router", |reply| RouterMsg::Query(RouterQuery::Fills {
        limit,
        reply
    }))?;
    Ok(Json(FillList { fills }))
}
