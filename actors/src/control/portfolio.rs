//! Positions, the portfolio, fills, holdings, P&L by day and P&L by strategy.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use trader::analytics::{BookId, BookPnl};
use trader::model::{Fill, InstrumentKey, StrategyId};
use trader::num::decimal::div_round_half_away;
use trader::num::{Money, Price};
use trader::time::{Clock, Date, LiveClock};
use utoipa::ToSchema;

use super::error::{actor_unavailable, ApiError, ApiErrorBody};
use super::mirror_schemas;
use super::path_param;
use super::state::ControlState;
use crate::actors::order_router::{RouterMsg, RouterQuery};
use crate::ask;
use crate::engine::RouterSnapshot;

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

/// Brings the performance book up to date with the router and returns the router's snapshot.
pub(super) async fn synced(state: &ControlState) -> Result<RouterSnapshot, ApiError> {
    state.performance.sync(&state.services.slots.router).await.map_err(|_| actor_unavailable("order router"))
}

/// Adds "is not a known parameter" for every key of `query` not in `known`.
pub(super) fn refuse_unknown(query: &HashMap<String, String>, known: &[&str], fields: &mut BTreeMap<String, String>) {
    for key in query.keys().filter(|k| !known.contains(&k.as_str())) {
        fields.insert(key.clone(), "is not a known parameter".to_owned());
    }
}

/// Delivery (CNC) holdings.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldingList {
    pub holdings: Vec<HoldingView>,
}

/// One instrument held in delivery: the position built by delivery fills only (intraday fills
/// are positions, not holdings).
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldingView {
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: InstrumentKey,
    /// Units held (negative only if a delivery sale exceeded the units bought).
    pub quantity: i64,
    /// Average cost of the units held.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub average_price: Option<Price>,
    /// Cost of the units held.
    #[schema(value_type = mirror_schemas::Money)]
    pub cost: Money,
    /// The latest mark; null before the first quote.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub last_price: Option<Price>,
    /// quantity × last price; null before the first quote.
    #[schema(value_type = Option<mirror_schemas::Money>)]
    pub value: Option<Money>,
    /// value − cost; null before the first quote.
    #[schema(value_type = Option<mirror_schemas::Money>)]
    pub unrealised_pnl: Option<Money>,
    /// unrealised P&L / |cost| × 100, rounded half away from zero to two decimals, as an exact
    /// decimal string; null before the first quote or at zero cost.
    #[schema(example = "4.25")]
    pub unrealised_pct: Option<String>,
}

/// `part / |whole| × 100` to two decimals, rounded half away from zero; `None` when `whole` is 0.
fn percent_of(part: Money, whole: Money) -> Option<String> {
    let whole = i128::from(whole.micros()).abs();
    if whole == 0 {
        return None;
    }
    let hundredths = div_round_half_away(i128::from(part.micros()) * 10_000, whole);
    let sign = if hundredths < 0 { "-" } else { "" };
    Some(format!("{sign}{}.{:02}", hundredths.abs() / 100, hundredths.abs() % 100))
}

/// Delivery positions as holdings, valued at the latest marks.
#[utoipa::path(get, path = "/api/v1/holdings", tag = "portfolio", operation_id = "list_holdings",
    responses(
        (status = 200, description = "The holdings.", body = HoldingList),
        (status = 400, description = "An unknown parameter.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn holdings(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<HoldingList>, ApiError> {
    let mut fields = BTreeMap::new();
    refuse_unknown(&query, &[], &mut fields);
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let snapshot = synced(&state).await?;
    let marks = &snapshot.portfolio.marks;
    let holdings = state.performance.read(|book| {
        book.holdings()
            .map(|p| {
                let mark = marks.get(&p.instrument).copied();
                let unrealised = mark.map(|m| p.unrealised(m));
                HoldingView {
                    instrument: p.instrument.clone(),
                    quantity: p.net,
                    average_price: p.average_price(),
                    cost: p.cost,
                    last_price: mark,
                    value: mark.map(|m| p.market_value(m)),
                    unrealised_pnl: unrealised,
                    unrealised_pct: unrealised.and_then(|u| percent_of(u, p.cost)),
                }
            })
            .collect()
    });
    Ok(Json(HoldingList { holdings }))
}

/// P&L by IST trading day, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyPnlList {
    pub days: Vec<DayPnlView>,
}

/// One IST trading day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayPnlView {
    /// The IST date.
    #[schema(value_type = String, format = Date, example = "2026-11-27")]
    pub date: Date,
    /// Equity when the router started the day (its first quote of the day); for a day it never
    /// started, the previous day's end.
    #[schema(value_type = mirror_schemas::Money)]
    pub equity_start: Money,
    /// The day's last equity sample; for today, the current equity.
    #[schema(value_type = mirror_schemas::Money)]
    pub equity_end: Money,
    /// equity_end − equity_start.
    #[schema(value_type = mirror_schemas::Money)]
    pub pnl: Money,
    /// Realised P&L the day's fills booked, gross of charges.
    #[schema(value_type = mirror_schemas::Money)]
    pub realised: Money,
    /// Charges the day's fills paid.
    #[schema(value_type = mirror_schemas::Money)]
    pub charges: Money,
    pub fills: u64,
}

fn date_param(query: &HashMap<String, String>, key: &str, fields: &mut BTreeMap<String, String>) -> Option<Date> {
    let text = query.get(key)?;
    match text.parse::<Date>() {
        Ok(date) => Some(date),
        Err(_) => {
            fields.insert(key.to_owned(), "must be a date YYYY-MM-DD".to_owned());
            None
        }
    }
}

/// P&L per IST trading day: start and end equity, P&L, realised P&L, charges and fills. Rebuilt
/// from the journal on restart, so a restart shows the same rows.
#[utoipa::path(get, path = "/api/v1/portfolio/pnl/daily", tag = "portfolio", operation_id = "get_daily_pnl",
    params(
        ("from" = Option<String>, Query, format = Date, description = "First IST date (inclusive)."),
        ("to" = Option<String>, Query, format = Date, description = "Last IST date (inclusive)."),
    ),
    responses(
        (status = 200, description = "One row per day.", body = DailyPnlList),
        (status = 400, description = "A bad date, `to` before `from`, or an unknown parameter.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn daily_pnl(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<DailyPnlList>, ApiError> {
    let mut fields = BTreeMap::new();
    let from = date_param(&query, "from", &mut fields);
    let to = date_param(&query, "to", &mut fields);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            fields.insert("to".to_owned(), format!("must not be before `from` ({from})"));
        }
    }
    refuse_unknown(&query, &["from", "to"], &mut fields);
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let snapshot = synced(&state).await?;
    let today = LiveClock.now().ist().0;
    let equity = snapshot.portfolio.equity();
    let days = state.performance.read(|book| {
        book.daily()
            .rows(from, to, today, equity, book.initial_cash())
            .into_iter()
            .map(|r| DayPnlView {
                date: r.date,
                equity_start: r.equity_start,
                equity_end: r.equity_end,
                pnl: r.pnl,
                realised: r.realised,
                charges: r.charges,
                fills: r.fills,
            })
            .collect()
    });
    Ok(Json(DailyPnlList { days }))
}

/// A book's P&L: a strategy's, or the manual book's (orders placed over the API).
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyPnlView {
    /// The strategy; null for the manual book.
    #[schema(value_type = Option<String>, example = "sma_reliance")]
    pub strategy: Option<StrategyId>,
    /// Realised P&L of its own fills, gross of charges.
    #[schema(value_type = mirror_schemas::Money)]
    pub realised: Money,
    /// Its open quantity at the latest marks minus its cost.
    #[schema(value_type = mirror_schemas::Money)]
    pub unrealised: Money,
    #[schema(value_type = mirror_schemas::Money)]
    pub charges: Money,
    /// realised + unrealised − charges.
    #[schema(value_type = mirror_schemas::Money)]
    pub net: Money,
    pub fills: u64,
    pub open_positions: Vec<BookPositionView>,
}

/// One open position of a book.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookPositionView {
    #[schema(value_type = mirror_schemas::InstrumentKey)]
    pub instrument: InstrumentKey,
    /// Signed units: positive long, negative short.
    pub quantity: i64,
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub average_price: Option<Price>,
    /// The latest mark; null before the first quote.
    #[schema(value_type = Option<mirror_schemas::Price>)]
    pub last_price: Option<Price>,
    #[schema(value_type = mirror_schemas::Money)]
    pub unrealised_pnl: Money,
}

/// Every book's P&L, and their sum, which is the portfolio's realised + unrealised − charges.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyPnlList {
    /// The manual book first (when it has fills), then each strategy with fills.
    pub books: Vec<StrategyPnlView>,
    /// Σ books' net P&L.
    #[schema(value_type = mirror_schemas::Money)]
    pub total_net: Money,
    /// The portfolio's realised + unrealised − charges at the same marks: equal to `total_net`.
    #[schema(value_type = mirror_schemas::Money)]
    pub portfolio_net: Money,
}

fn book_view(book: &BookId, pnl: BookPnl) -> StrategyPnlView {
    StrategyPnlView {
        strategy: book.clone(),
        realised: pnl.realised,
        unrealised: pnl.unrealised,
        charges: pnl.charges,
        net: pnl.net,
        fills: pnl.fills,
        open_positions: pnl
            .open_positions
            .into_iter()
            .map(|p| BookPositionView {
                instrument: p.instrument,
                quantity: p.quantity,
                average_price: p.average_price,
                last_price: p.last_price,
                unrealised_pnl: p.unrealised,
            })
            .collect(),
    }
}

/// The strategy id in the path parameter `id`: 400 naming `id` when `text` cannot be one.
pub(super) fn strategy_param(text: &str) -> Result<StrategyId, ApiError> {
    path_param::parse("id", text, |s| StrategyId::new(s))
}

/// A strategy the engine knows: configured, deployed (it has a runner slot), or with fills. 400
/// when `text` (the path parameter `id`) cannot be a strategy id, 404 when it is none of these.
pub(super) fn known_strategy(state: &ControlState, text: &str) -> Result<StrategyId, ApiError> {
    let id = strategy_param(text)?;
    let known = state.services.config.strategies.iter().any(|s| s.id == id)
        || state.services.slots.strategy_ids().contains(&id)
        || state.performance.read(|book| book.attribution().contains(&Some(id.clone())));
    if known {
        Ok(id)
    } else {
        Err(ApiError::not_found(format!("no strategy `{id}`")))
    }
}

/// P&L attributed to every book: each strategy's own fills, and the manual book's.
#[utoipa::path(get, path = "/api/v1/portfolio/pnl/strategies", tag = "portfolio",
    operation_id = "list_strategy_pnl",
    responses(
        (status = 200, description = "Each book's P&L at the latest marks.", body = StrategyPnlList),
        (status = 400, description = "An unknown parameter.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn strategies_pnl(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<StrategyPnlList>, ApiError> {
    let mut fields = BTreeMap::new();
    refuse_unknown(&query, &[], &mut fields);
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let snapshot = synced(&state).await?;
    let marks = &snapshot.portfolio.marks;
    let books: Vec<StrategyPnlView> = state.performance.read(|book| {
        let attribution = book.attribution();
        attribution.books().map(|b| book_view(b, attribution.pnl(b, marks))).collect()
    });
    let total: i128 = books.iter().map(|b| i128::from(b.net.micros())).sum();
    let total_net = Money::saturating_from_micros(total);
    let p = &snapshot.portfolio;
    let portfolio_net =
        i128::from(p.realised().micros()) + i128::from(p.unrealised().micros()) - i128::from(p.charges_paid.micros());
    let portfolio_net = Money::saturating_from_micros(portfolio_net);
    Ok(Json(StrategyPnlList { books, total_net, portfolio_net }))
}

/// One strategy's P&L from its own orders' fills, at the latest marks.
#[utoipa::path(get, path = "/api/v1/strategies/{id}/pnl", tag = "strategies", operation_id = "get_strategy_pnl",
    params(("id" = String, Path, description = "The strategy's id.")),
    responses(
        (status = 200, description = "The strategy's P&L (all zero before its first fill).", body = StrategyPnlView),
        (status = 400, description = "`id` cannot be a strategy id, or an unknown parameter.", body = ApiErrorBody),
        (status = 404, description = "No such strategy.", body = ApiErrorBody),
        (status = 503, description = "The order router is not answering.", body = ApiErrorBody),
    ))]
pub async fn strategy_pnl(
    State(state): State<ControlState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<StrategyPnlView>, ApiError> {
    let mut fields = BTreeMap::new();
    refuse_unknown(&query, &[], &mut fields);
    if let Err(e) = strategy_param(&id) {
        fields.extend(e.fields);
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let id = known_strategy(&state, &id)?;
    let snapshot = synced(&state).await?;
    let book = Some(id);
    let pnl = state.performance.read(|b| b.attribution().pnl(&book, &snapshot.portfolio.marks));
    Ok(Json(book_view(&book, pnl)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_away_to_two_decimals() {
        let m = |s: &str| s.parse::<Money>().unwrap();
        assert_eq!(percent_of(m("50"), m("1000")).as_deref(), Some("5.00"));
        // 1 / 3 = 33.333… → 33.33; −2 / 3 → −66.67 (half away from zero).
        assert_eq!(percent_of(m("1"), m("3")).as_deref(), Some("33.33"));
        assert_eq!(percent_of(m("-2"), m("3")).as_deref(), Some("-66.67"));
        assert_eq!(percent_of(m("-0.0005"), m("1")).as_deref(), Some("-0.05"));
        assert_eq!(percent_of(m("1"), Money::ZERO), None);
        // A short's cost is negative; the sign follows the P&L.
        assert_eq!(percent_of(m("10"), m("-100")).as_deref(), Some("10.00"));
    }
}
