//! Positions, the portfolio and fills.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};

use super::error::ApiError;
use super::state::ControlState;
use crate::actors::order_router::{RouterMsg, RouterQuery};
use crate::ask;

pub async fn positions(State(state): State<ControlState>) -> Result<Json<Value>, ApiError> {
    let portfolio = ask!(state.services.slots.router, "order router", |r| RouterMsg::Query(RouterQuery::Portfolio(r)))?;
    let positions: Vec<Value> = portfolio
        .positions
        .values()
        .map(|p| {
            let mark = portfolio.marks.get(&p.instrument).copied();
            json!({
                "instrument": p.instrument,
                "quantity": p.net,
                "average_price": p.average_price(),
                "last_price": mark,
                "realised_pnl": p.realised,
                "unrealised_pnl": mark.map(|m| p.unrealised(m)),
                "charges": p.charges,
                "fills": p.fills,
            })
        })
        .collect();
    Ok(Json(json!({ "positions": positions })))
}

pub async fn portfolio(State(state): State<ControlState>) -> Result<Json<Value>, ApiError> {
    let p = ask!(state.services.slots.router, "order router", |r| RouterMsg::Query(RouterQuery::Portfolio(r)))?;
    Ok(Json(json!({
        "cash": p.cash,
        "equity": p.equity(),
        "realised_pnl": p.realised(),
        "unrealised_pnl": p.unrealised(),
        "charges": p.charges_paid,
        "day_pnl": p.day_pnl(),
        "gross_exposure": p.gross_exposure(),
        "net_exposure": p.net_exposure(),
    })))
}

pub async fn fills(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let limit = match query.get("limit").map(|s| s.parse::<usize>()) {
        None => 500,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => {
            let mut fields = std::collections::BTreeMap::new();
            fields.insert("limit".to_owned(), "must be a whole number from 1 to 10000".to_owned());
            return Err(ApiError::invalid(fields));
        }
    };
    let fills = ask!(state.services.slots.router, "order router", |reply| RouterMsg::Query(RouterQuery::Fills {
        limit,
        reply
    }))?;
    Ok(Json(json!({ "fills": fills })))
}
