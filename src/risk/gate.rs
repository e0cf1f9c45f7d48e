//! `RiskGate`: the pre-trade checks every order passes before it may reach a broker.

use std::collections::BTreeMap;

use super::{NotTradable, PriceField, Refusal, RiskApproved, RiskContext, RiskLimits, TokenBucket, TradingState};
use crate::model::{Instrument, Order, OrderKind, OrderOrigin, OrderRequest, Side, StrategyId};
use crate::num::{Money, Price, Quantity, Rate};
use crate::time::Timestamp;

const NANOS_PER_MILLI: i128 = 1_000_000;

/// Holds the limits and the rate-limit state; everything else arrives in a `RiskContext`.
///
/// The rules run in this order and the first one broken is reported:
/// 1. trading halted;
/// 2. reducing-only state and the order does not reduce (see "reduces" below);
/// 3. instrument known, the same one the order names, tradable and not an index;
/// 4. quantity a positive multiple of the lot size;
/// 5. limit and trigger prices positive and on the tick grid;
/// 6. exchange freeze quantity;
/// 7. maximum order quantity;
/// 8. market hours;
/// 9. a last trade exists (with a positive price);
/// 10. the last trade is not stale;
/// 11. price band: the limit price (LIMIT, SL) or the trigger (SL-M) within `price_band` of the
///     last trade; MARKET orders have no price to check;
/// 12. order notional, priced at the limit price, else the trigger, else the last trade;
/// 13. worst-case position (position + open orders on the order's side + this order) within the
///     limit, unless it ends no further from zero than the position is now;
/// 14. gross exposure + this order's notional within the limit, unless the order reduces;
/// 15. daily loss: once today's P&L ≤ −limit, only reducing orders;
/// 16. the strategy's rate (orders from a strategy);
/// 17. the overall rate.
///
/// An order *reduces* when it is on the opposite side of a non-zero position and its quantity
/// plus the quantity already open on its side is at most the position's size: the open orders
/// count because if they fill too the position would flip. Reducing orders are still subject to
/// every rule except 13 to 15. Rate checks come last so a refused order never spends a token,
/// and both buckets are checked before either is spent.
///
/// A modification ([`RiskGate::check_modify`]) is checked as the order would stand: what would
/// remain to fill, with the order's current remainder no longer counted as open. For a partly
/// filled order rules 4, 6 and 7 also apply to the new total, which is what the exchange sees.
#[derive(Debug, Clone)]
pub struct RiskGate {
    limits: RiskLimits,
    overall: TokenBucket,
    per_strategy: BTreeMap<StrategyId, TokenBucket>,
}

impl RiskGate {
    /// A gate with full rate buckets. `limits` should have passed `RiskLimits::validate`.
    pub fn new(limits: RiskLimits) -> RiskGate {
        let overall = TokenBucket::new(limits.max_orders_per_second);
        RiskGate { limits, overall, per_strategy: BTreeMap::new() }
    }

    pub fn limits(&self) -> &RiskLimits {
        &self.limits
    }

    /// Replaces the limits (SIGHUP reload). The buckets take the new rates but keep their
    /// current fill, so a reload never grants a fresh burst.
    pub fn set_limits(&mut self, limits: RiskLimits) {
        self.overall = self.overall.with_rate(limits.max_orders_per_second);
        let per_strategy = limits.max_orders_per_second_per_strategy;
        for bucket in self.per_strategy.values_mut() {
            *bucket = bucket.with_rate(per_strategy);
        }
        self.limits = limits;
    }

    /// Checks `request` against every rule (in the order documented on the type) and, when all
    /// pass, spends its rate tokens and returns it approved, unchanged.
    pub fn check(&mut self, ctx: &RiskContext, request: OrderRequest) -> Result<RiskApproved<OrderRequest>, Refusal> {
        self.check_order(ctx, &request, None)?;
        self.take_rate_tokens(ctx.now, &request.origin)?;
        Ok(RiskApproved::new(request))
    }

    /// Checks a change of the open `order` (as the caller last saw it) to `kind` and `total`
    /// units in all, and when every rule passes spends its rate tokens (exchanges count a
    /// modification as an order message) and returns the approved request for what would
    /// remain: `total` less what has filled.
    ///
    /// `ctx` describes the account with `order` still open; the order's current remainder is
    /// taken out of the open quantity on its side, since the change replaces it. For a partly
    /// filled order the lot, freeze and maximum quantity rules apply to `total` as well, each
    /// just before the same rule on the remainder. A `total` not above the filled quantity leaves
    /// nothing to fill and is refused as a zero lot; callers should reject it as invalid first.
    pub fn check_modify(
        &mut self,
        ctx: &RiskContext,
        order: &Order,
        kind: OrderKind,
        total: Quantity,
    ) -> Result<RiskApproved<OrderRequest>, Refusal> {
        let replaced = order.remaining().units();
        let mut ctx = *ctx;
        match order.request.intent.side {
            Side::Buy => ctx.open_buy_quantity = ctx.open_buy_quantity.saturating_sub(replaced),
            Side::Sell => ctx.open_sell_quantity = ctx.open_sell_quantity.saturating_sub(replaced),
        }
        let mut request = order.request.clone();
        request.intent.kind = kind;
        request.intent.quantity = total.saturating_sub(order.filled());
        // An unfilled order's total is its remainder, which the rules check anyway.
        let total = (!order.filled().is_zero()).then_some(total);
        self.check_order(&ctx, &request, total)?;
        self.take_rate_tokens(ctx.now, &request.origin)?;
        Ok(RiskApproved::new(request))
    }

    /// Rules 1 to 15: everything but the rate limits; spends nothing. `total` is a partly filled
    /// order's new total, held to the quantity rules besides `request`'s remainder.
    fn check_order(
        &self,
        ctx: &RiskContext<'_>,
        request: &OrderRequest,
        total: Option<Quantity>,
    ) -> Result<(), Refusal> {
        let limits = &self.limits;
        let intent = &request.intent;
        let quantity = intent.quantity;
        // The total first: it is what the exchange sees, and at least the remainder.
        let quantities = || total.into_iter().chain(std::iter::once(quantity));
        let open_same_side = match intent.side {
            Side::Buy => ctx.open_buy_quantity,
            Side::Sell => ctx.open_sell_quantity,
        };
        let reducing = reduces(ctx.position, intent.side, quantity.units(), open_same_side);

        match ctx.trading_state {
            TradingState::Halted => return Err(Refusal::Halted),
            TradingState::Reducing if !reducing => {
                return Err(Refusal::ReducingOnly {
                    position: ctx.position,
                    side: intent.side,
                    quantity,
                    open: open_same_side,
                })
            }
            TradingState::Active | TradingState::Reducing => {}
        }

        let instrument = tradable_instrument(ctx, request)?;

        let lot_size = instrument.lot_size.max(1);
        if let Some(quantity) = quantities().find(|q| q.is_zero() || !q.is_multiple_of(lot_size)) {
            return Err(Refusal::LotSize { quantity, lot_size });
        }
        for (field, price) in order_prices(&intent.kind) {
            if !price.is_positive() || !price.is_multiple_of(instrument.tick_size) {
                return Err(Refusal::TickSize { field, price, tick: instrument.tick_size });
            }
        }
        if let Some(freeze) = instrument.freeze_quantity {
            if let Some(quantity) = quantities().find(|q| q.units() > freeze) {
                return Err(Refusal::FreezeQuantity { quantity, freeze });
            }
        }
        if let Some(quantity) = quantities().find(|q| q.units() > limits.max_order_quantity) {
            return Err(Refusal::MaxOrderQuantity { quantity, limit: limits.max_order_quantity });
        }

        if !limits.market_hours.is_open(ctx.now) {
            return Err(Refusal::MarketClosed { at: ctx.now });
        }
        let last = fresh_last_trade(ctx, request, limits.stale_quote_after_ms)?;
        if let Some((field, price)) = banded_price(&intent.kind) {
            if outside_band(price, last, limits.price_band) {
                return Err(Refusal::PriceBand { field, price, last, band: limits.price_band });
            }
        }

        let order_price = intent.kind.limit_price().or(intent.kind.trigger_price()).unwrap_or(last);
        let notional = saturating_notional(order_price, quantity);
        if notional > limits.max_order_notional {
            return Err(Refusal::MaxOrderNotional { notional, limit: limits.max_order_notional });
        }

        let worst = i128::from(ctx.position)
            + i128::from(intent.side.sign()) * (i128::from(open_same_side) + i128::from(quantity.units()));
        let grows = worst.unsigned_abs() > u128::from(ctx.position.unsigned_abs());
        if grows && worst.unsigned_abs() > u128::from(limits.max_position_quantity) {
            return Err(Refusal::MaxPosition {
                instrument: intent.instrument.clone(),
                resulting: saturate_i64(worst),
                limit: limits.max_position_quantity,
            });
        }

        if !reducing {
            let resulting =
                Money::saturating_from_micros(i128::from(ctx.gross_exposure.micros()) + i128::from(notional.micros()));
            if resulting > limits.max_gross_exposure {
                return Err(Refusal::MaxGrossExposure { resulting, limit: limits.max_gross_exposure });
            }
            let loss = Money::saturating_from_micros(-i128::from(ctx.day_pnl.micros()));
            if loss >= limits.max_daily_loss {
                return Err(Refusal::DailyLoss { loss, limit: limits.max_daily_loss });
            }
        }
        Ok(())
    }

    /// Rules 16 and 17: checks both buckets, then spends from both, so a refusal by either
    /// spends nothing.
    fn take_rate_tokens(&mut self, now: Timestamp, origin: &OrderOrigin) -> Result<(), Refusal> {
        let per_strategy = self.limits.max_orders_per_second_per_strategy;
        let strategy = match origin {
            OrderOrigin::Strategy(id) => Some(id),
            OrderOrigin::Manual => None,
        };
        if let Some(id) = strategy {
            let allowed = match self.per_strategy.get(id) {
                Some(bucket) => bucket.would_allow(now),
                None => TokenBucket::new(per_strategy).would_allow(now),
            };
            if !allowed {
                return Err(Refusal::StrategyRate { strategy: id.clone(), per_second: per_strategy });
            }
        }
        if !self.overall.would_allow(now) {
            return Err(Refusal::OverallRate { per_second: self.limits.max_orders_per_second });
        }
        if let Some(id) = strategy {
            let bucket = self.per_strategy.entry(id.clone()).or_insert_with(|| TokenBucket::new(per_strategy));
            let taken = bucket.try_take(now);
            debug_assert!(taken, "would_allow at the same instant promised a token");
        }
        let taken = self.overall.try_take(now);
        debug_assert!(taken, "would_allow at the same instant promised a token");
        Ok(())
    }
}

/// Whether an order of `quantity` on `side`, with `open_same_side` already working on that side,
/// shrinks `position` towards zero without flipping it even if everything fills.
fn reduces(position: i64, side: Side, quantity: u64, open_same_side: u64) -> bool {
    position != 0
        && side.sign() != position.signum()
        && u128::from(quantity) + u128::from(open_same_side) <= u128::from(position.unsigned_abs())
}

/// Rule 3: the context's instrument, if it is the order's and it can be traded.
fn tradable_instrument<'a>(ctx: &RiskContext<'a>, request: &OrderRequest) -> Result<&'a Instrument, Refusal> {
    let key = &request.intent.instrument;
    let not_tradable = |reason| Refusal::InstrumentNotTradable { instrument: key.clone(), reason };
    let instrument = ctx.instrument.ok_or_else(|| not_tradable(NotTradable::Unknown))?;
    if instrument.key != *key {
        return Err(Refusal::ContextMismatch { instrument: key.clone(), context: instrument.key.clone() });
    }
    if instrument.segment.is_index() || key.segment().is_index() {
        return Err(not_tradable(NotTradable::Index));
    }
    if !instrument.tradable {
        return Err(not_tradable(NotTradable::Suspended));
    }
    Ok(instrument)
}

/// Rules 9 and 10: the last trade price, if there is one and it is recent enough. A last trade
/// stamped after `now` (feed and local clocks disagree slightly) counts as fresh.
fn fresh_last_trade(ctx: &RiskContext<'_>, request: &OrderRequest, stale_after_ms: u64) -> Result<Price, Refusal> {
    let instrument = &request.intent.instrument;
    let (last, at) = match ctx.last_trade {
        Some((price, at)) if price.is_positive() => (price, at),
        // A zero or negative last price is a broken feed, as good as none.
        _ => return Err(Refusal::NoQuote { instrument: instrument.clone() }),
    };
    let age_nanos = i128::from(ctx.now.since(at)).max(0);
    if age_nanos > i128::from(stale_after_ms) * NANOS_PER_MILLI {
        // Rounded up, so the age shown is always above the limit it broke.
        let age_ms = u64::try_from((age_nanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI).unwrap_or(u64::MAX);
        return Err(Refusal::StaleQuote { instrument: instrument.clone(), age_ms, limit_ms: stale_after_ms });
    }
    Ok(last)
}

/// The prices an order carries, each to be checked against the tick grid.
fn order_prices(kind: &OrderKind) -> impl Iterator<Item = (PriceField, Price)> {
    let limit = kind.limit_price().map(|p| (PriceField::LimitPrice, p));
    let trigger = kind.trigger_price().map(|p| (PriceField::TriggerPrice, p));
    limit.into_iter().chain(trigger)
}

/// The price the fat-finger band applies to: the price the order may trade at once it is live.
fn banded_price(kind: &OrderKind) -> Option<(PriceField, Price)> {
    match *kind {
        OrderKind::Limit { price } | OrderKind::StopLimit { price, .. } => Some((PriceField::LimitPrice, price)),
        OrderKind::StopMarket { trigger_price } => Some((PriceField::TriggerPrice, trigger_price)),
        OrderKind::Market => None,
    }
}

/// |price − last| / last > band, cross-multiplied so it stays exact (`last` is positive).
fn outside_band(price: Price, last: Price, band: Rate) -> bool {
    let distance = (i128::from(price.micros()) - i128::from(last.micros())).abs();
    distance * i128::from(Rate::SCALE) > i128::from(band.nanos()) * i128::from(last.micros())
}

fn saturating_notional(price: Price, quantity: Quantity) -> Money {
    Money::saturating_from_micros(i128::from(price.micros()) * i128::from(quantity.units()))
}

/// Money from micros, clamped to the representable range: an amount too large to hold is still
/// larger than any limit, which is all the checks need.
fn saturate_i64(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientOrderId, InstrumentKey, OrderEvent, OrderId, OrderIntent, Product, Segment, Validity};
    use crate::time::IST_OFFSET_SECONDS;
    use proptest::prelude::*;

    const KEY: &str = "NSE_EQ|INE002A01018";

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }

    /// 2026-11-27 (a Friday) at an IST wall time.
    fn ist(h: i64, mi: i64, s: i64) -> Timestamp {
        Timestamp::from_local("2026-11-27".parse().unwrap(), h * 3600 + mi * 60 + s, IST_OFFSET_SECONDS).unwrap()
    }

    fn ms(t: Timestamp, millis: i64) -> Timestamp {
        t.saturating_add(millis * 1_000_000)
    }

    fn limits() -> RiskLimits {
        RiskLimits {
            max_order_quantity: 500,
            max_order_notional: m("100000"),
            max_position_quantity: 1_000,
            max_gross_exposure: m("500000"),
            max_daily_loss: m("5000"),
            max_orders_per_second: 10,
            max_orders_per_second_per_strategy: 5,
            price_band: Rate::from_bps(500),
            stale_quote_after_ms: 5_000,
            market_hours: Default::default(),
        }
    }

    fn reliance() -> Instrument {
        Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap()
    }

    /// A context every rule accepts: flat, fresh last trade at 100.00 one second ago, Friday
    /// 10:00 IST, ₹1,00,000 gross exposure, no loss today.
    fn context(instrument: &Instrument) -> RiskContext<'_> {
        let now = ist(10, 0, 0);
        RiskContext {
            now,
            trading_state: TradingState::Active,
            instrument: Some(instrument),
            position: 0,
            open_buy_quantity: 0,
            open_sell_quantity: 0,
            last_trade: Some((p("100"), ms(now, -1_000))),
            gross_exposure: m("100000"),
            day_pnl: Money::ZERO,
        }
    }

    fn order_from(origin: OrderOrigin, side: Side, quantity: u64, kind: OrderKind) -> OrderRequest {
        OrderRequest {
            client_order_id: ClientOrderId::new("c-1").unwrap(),
            origin,
            intent: OrderIntent {
                instrument: InstrumentKey::new(KEY).unwrap(),
                side,
                quantity: Quantity::new(quantity),
                kind,
                validity: Validity::Day,
                product: Product::Intraday,
            },
            tag: None,
        }
    }

    fn strategy(id: &str) -> OrderOrigin {
        OrderOrigin::Strategy(StrategyId::new(id).unwrap())
    }

    fn order(side: Side, quantity: u64, kind: OrderKind) -> OrderRequest {
        order_from(strategy("sma_reliance"), side, quantity, kind)
    }

    /// The fixture order: a strategy's LIMIT buy of 10 at 100.05 (notional 1000.50).
    fn buy_10() -> OrderRequest {
        order(Side::Buy, 10, OrderKind::Limit { price: p("100.05") })
    }

    fn refusal(ctx: &RiskContext<'_>, request: OrderRequest) -> Refusal {
        RiskGate::new(limits()).check(ctx, request).expect_err("expected a refusal")
    }

    fn passes(ctx: &RiskContext<'_>, request: OrderRequest) {
        if let Err(refusal) = RiskGate::new(limits()).check(ctx, request) {
            panic!("expected approval, got {refusal}");
        }
    }

    #[test]
    fn the_fixture_passes_and_approval_returns_the_request_unchanged() {
        let inst = reliance();
        let request = buy_10();
        let approved = RiskGate::new(limits()).check(&context(&inst), request.clone()).unwrap();
        assert_eq!(approved.inner(), &request);
        assert_eq!(approved.intent.quantity, Quantity::new(10), "Deref reaches the request");
        assert_eq!(approved.into_inner(), request);
    }

    #[test]
    fn halted() {
        let inst = reliance();
        let ctx = RiskContext { trading_state: TradingState::Halted, instrument: None, ..context(&inst) };
        let err = refusal(&ctx, buy_10());
        assert!(matches!(err, Refusal::Halted), "halted comes before every other rule: {err:?}");
        assert_eq!(err.to_string(), "trading is halted: no order is accepted");
        assert_eq!(err.code(), "halted");
    }

    #[test]
    fn reducing_only_refuses_opening_adding_and_flipping() {
        let inst = reliance();
        let reducing = RiskContext { trading_state: TradingState::Reducing, ..context(&inst) };
        let err = refusal(&reducing, buy_10());
        assert!(
            matches!(err, Refusal::ReducingOnly { position: 0, side: Side::Buy, quantity, open: 0 }
                if quantity == Quantity::new(10)),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "trading is reducing-only: a buy of 10, with 0 more open on that side, does not reduce the position 0"
        );
        assert_eq!(err.code(), "reducing_only");

        let long = RiskContext { position: 20, ..reducing };
        let sell = |q| order(Side::Sell, q, OrderKind::Limit { price: p("100") });
        passes(&long, sell(10));
        passes(&long, sell(20));
        assert!(matches!(refusal(&long, buy_10()), Refusal::ReducingOnly { .. }), "adding to a long");
        assert!(matches!(refusal(&long, sell(21)), Refusal::ReducingOnly { .. }), "flipping to short");
        let with_open = RiskContext { open_sell_quantity: 15, ..long };
        let err = refusal(&with_open, sell(10));
        assert!(matches!(err, Refusal::ReducingOnly { position: 20, open: 15, .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "trading is reducing-only: a sell of 10, with 15 more open on that side, does not reduce the position 20"
        );
        passes(&RiskContext { position: -20, open_buy_quantity: 10, ..reducing }, buy_10());
    }

    #[test]
    fn unknown_instrument() {
        let inst = reliance();
        let err = refusal(&RiskContext { instrument: None, ..context(&inst) }, buy_10());
        assert!(matches!(&err, Refusal::InstrumentNotTradable { instrument, reason: NotTradable::Unknown }
            if instrument.as_str() == KEY));
        assert_eq!(err.to_string(), "NSE_EQ|INE002A01018 is not tradable: unknown instrument");
        assert_eq!(err.code(), "instrument_not_tradable");
    }

    #[test]
    fn suspended_instrument() {
        let inst = Instrument { tradable: false, ..reliance() };
        let err = refusal(&context(&inst), buy_10());
        assert!(matches!(err, Refusal::InstrumentNotTradable { reason: NotTradable::Suspended, .. }));
        assert_eq!(
            err.to_string(),
            "NSE_EQ|INE002A01018 is not tradable: marked not tradable (suspended or quote-only)"
        );
    }

    #[test]
    fn index_is_never_traded() {
        let nifty = Instrument {
            key: InstrumentKey::new("NSE_INDEX|Nifty 50").unwrap(),
            segment: Segment::NseIndex,
            ..reliance()
        };
        let mut request = buy_10();
        request.intent.instrument = nifty.key.clone();
        let err = refusal(&context(&nifty), request);
        assert!(matches!(err, Refusal::InstrumentNotTradable { reason: NotTradable::Index, .. }));
        assert_eq!(err.to_string(), "NSE_INDEX|Nifty 50 is not tradable: an index is quoted, never traded");
    }

    #[test]
    fn context_of_another_instrument() {
        let tcs = Instrument::nse_equity("INE467B01029", "TCS").unwrap();
        let err = refusal(&context(&tcs), buy_10());
        assert!(matches!(&err, Refusal::ContextMismatch { instrument, context }
            if instrument.as_str() == KEY && context.as_str() == "NSE_EQ|INE467B01029"));
        assert_eq!(
            err.to_string(),
            "the risk context describes NSE_EQ|INE467B01029, not the order's instrument NSE_EQ|INE002A01018"
        );
        assert_eq!(err.code(), "context_mismatch");
    }

    #[test]
    fn lot_size() {
        let future = Instrument { lot_size: 75, ..reliance() };
        let err = refusal(&context(&future), order(Side::Buy, 80, OrderKind::Limit { price: p("100") }));
        assert!(matches!(err, Refusal::LotSize { quantity, lot_size: 75 } if quantity == Quantity::new(80)));
        assert_eq!(err.to_string(), "order quantity 80 is not a positive multiple of the lot size 75");
        assert_eq!(err.code(), "lot_size");
        passes(&context(&future), order(Side::Buy, 150, OrderKind::Limit { price: p("100") }));
    }

    #[test]
    fn zero_quantity_breaks_the_lot_rule() {
        let inst = reliance();
        let err = refusal(&context(&inst), order(Side::Buy, 0, OrderKind::Market));
        assert!(matches!(err, Refusal::LotSize { quantity: Quantity::ZERO, lot_size: 1 }));
        assert_eq!(err.to_string(), "order quantity 0 is not a positive multiple of the lot size 1");
    }

    #[test]
    fn tick_size_of_limit_and_trigger_prices() {
        let inst = reliance();
        let ctx = context(&inst);
        let err = refusal(&ctx, order(Side::Buy, 10, OrderKind::Limit { price: p("100.03") }));
        assert!(matches!(err, Refusal::TickSize { field: PriceField::LimitPrice, price, tick }
            if price == p("100.03") && tick == p("0.05")));
        assert_eq!(err.to_string(), "limit price 100.03 is not a positive multiple of the tick size 0.05");
        assert_eq!(err.code(), "tick_size");

        let sl = OrderKind::StopLimit { price: p("100.10"), trigger_price: p("100.02") };
        let err = refusal(&ctx, order(Side::Buy, 10, sl));
        assert_eq!(err.to_string(), "trigger price 100.02 is not a positive multiple of the tick size 0.05");
        let slm = OrderKind::StopMarket { trigger_price: p("99.99") };
        assert!(matches!(refusal(&ctx, order(Side::Sell, 10, slm)), Refusal::TickSize { .. }));
    }

    #[test]
    fn non_positive_prices_break_the_tick_rule() {
        let inst = reliance();
        let ctx = context(&inst);
        let err = refusal(&ctx, order(Side::Buy, 10, OrderKind::Limit { price: Price::ZERO }));
        assert_eq!(err.to_string(), "limit price 0.00 is not a positive multiple of the tick size 0.05");
        let err = refusal(&ctx, order(Side::Sell, 10, OrderKind::StopMarket { trigger_price: p("-100") }));
        assert!(matches!(err, Refusal::TickSize { field: PriceField::TriggerPrice, .. }));
    }

    #[test]
    fn freeze_quantity() {
        let inst = Instrument { freeze_quantity: Some(400), ..reliance() };
        let err = refusal(&context(&inst), order(Side::Buy, 401, OrderKind::Limit { price: p("100") }));
        assert!(matches!(err, Refusal::FreezeQuantity { quantity, freeze: 400 } if quantity == Quantity::new(401)));
        assert_eq!(err.to_string(), "order quantity 401 exceeds the exchange freeze quantity 400");
        assert_eq!(err.code(), "freeze_quantity");
        passes(&context(&inst), order(Side::Buy, 400, OrderKind::Limit { price: p("100") }));
    }

    #[test]
    fn max_order_quantity() {
        let inst = reliance();
        let err = refusal(&context(&inst), order(Side::Buy, 600, OrderKind::Limit { price: p("100") }));
        assert!(matches!(err, Refusal::MaxOrderQuantity { quantity, limit: 500 } if quantity == Quantity::new(600)));
        assert_eq!(err.to_string(), "order quantity 600 exceeds the limit 500");
        assert_eq!(err.code(), "max_order_quantity");
        passes(&context(&inst), order(Side::Buy, 500, OrderKind::Limit { price: p("100") }));
    }

    #[test]
    fn market_closed() {
        let inst = reliance();
        let at = ist(9, 14, 59);
        let ctx = RiskContext { now: at, last_trade: Some((p("100"), ms(at, -1_000))), ..context(&inst) };
        let err = refusal(&ctx, buy_10());
        assert!(matches!(err, Refusal::MarketClosed { at: t } if t == at));
        assert_eq!(err.to_string(), "the market is closed at 2026-11-27 09:14:59.000+05:30");
        assert_eq!(err.code(), "market_closed");
        let open = ist(9, 15, 0);
        passes(&RiskContext { now: open, last_trade: Some((p("100"), open)), ..ctx }, buy_10());
    }

    #[test]
    fn no_quote() {
        let inst = reliance();
        let err = refusal(&RiskContext { last_trade: None, ..context(&inst) }, buy_10());
        assert!(matches!(&err, Refusal::NoQuote { instrument } if instrument.as_str() == KEY));
        assert_eq!(err.to_string(), "no last trade price for NSE_EQ|INE002A01018");
        assert_eq!(err.code(), "no_quote");
        let ctx = context(&inst);
        let zero = RiskContext { last_trade: Some((Price::ZERO, ctx.now)), ..ctx };
        assert!(matches!(refusal(&zero, buy_10()), Refusal::NoQuote { .. }), "a zero last price is no price");
    }

    #[test]
    fn stale_quote() {
        let inst = reliance();
        let ctx = context(&inst);
        let old = RiskContext { last_trade: Some((p("100"), ms(ctx.now, -5_001))), ..ctx };
        let err = refusal(&old, buy_10());
        assert!(matches!(err, Refusal::StaleQuote { age_ms: 5_001, limit_ms: 5_000, .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "the last trade of NSE_EQ|INE002A01018 is 5001 ms old, older than the limit 5000 ms"
        );
        assert_eq!(err.code(), "stale_quote");
        passes(&RiskContext { last_trade: Some((p("100"), ms(ctx.now, -5_000))), ..ctx }, buy_10());
        let just_over = RiskContext { last_trade: Some((p("100"), ctx.now.saturating_add(-5_000_000_001))), ..ctx };
        assert!(matches!(refusal(&just_over, buy_10()), Refusal::StaleQuote { age_ms: 5_001, .. }), "rounded up");
        passes(&RiskContext { last_trade: Some((p("100"), ms(ctx.now, 200))), ..ctx }, buy_10());
    }

    #[test]
    fn price_band_on_the_limit_price() {
        let inst = reliance();
        let ctx = context(&inst);
        let err = refusal(&ctx, order(Side::Buy, 10, OrderKind::Limit { price: p("105.05") }));
        assert!(matches!(err, Refusal::PriceBand { field: PriceField::LimitPrice, price, last, band }
            if price == p("105.05") && last == p("100") && band == Rate::from_bps(500)));
        assert_eq!(err.to_string(), "limit price 105.05 is more than 5% away from the last trade 100.00");
        assert_eq!(err.code(), "price_band");
        passes(&ctx, order(Side::Buy, 10, OrderKind::Limit { price: p("105") }));
        passes(&ctx, order(Side::Sell, 10, OrderKind::Limit { price: p("95") }));
        let low = refusal(&ctx, order(Side::Sell, 10, OrderKind::Limit { price: p("94.95") }));
        assert_eq!(low.to_string(), "limit price 94.95 is more than 5% away from the last trade 100.00");
    }

    #[test]
    fn price_band_uses_sl_limit_and_sl_m_trigger_and_spares_market_orders() {
        let inst = reliance();
        let ctx = context(&inst);
        let sl = OrderKind::StopLimit { price: p("106"), trigger_price: p("104") };
        let err = refusal(&ctx, order(Side::Buy, 10, sl));
        assert!(matches!(err, Refusal::PriceBand { field: PriceField::LimitPrice, price, .. } if price == p("106")));
        let slm = OrderKind::StopMarket { trigger_price: p("94.90") };
        let err = refusal(&ctx, order(Side::Sell, 10, slm));
        assert_eq!(err.to_string(), "trigger price 94.90 is more than 5% away from the last trade 100.00");
        passes(&ctx, order(Side::Buy, 10, OrderKind::Market));
    }

    #[test]
    fn price_band_applies_to_reducing_orders() {
        let inst = reliance();
        let ctx = RiskContext { position: 50, trading_state: TradingState::Reducing, ..context(&inst) };
        let err = refusal(&ctx, order(Side::Sell, 50, OrderKind::Limit { price: p("90") }));
        assert!(matches!(err, Refusal::PriceBand { .. }));
    }

    #[test]
    fn max_order_notional() {
        let inst = reliance();
        let ctx = RiskContext { last_trade: Some((p("250"), ist(9, 59, 59))), ..context(&inst) };
        let err = refusal(&ctx, order(Side::Buy, 500, OrderKind::Limit { price: p("250") }));
        assert!(matches!(err, Refusal::MaxOrderNotional { notional, limit }
            if notional == m("125000") && limit == m("100000")));
        assert_eq!(err.to_string(), "order notional 125000.00 exceeds the limit 100000.00");
        assert_eq!(err.code(), "max_order_notional");
        passes(&ctx, order(Side::Buy, 400, OrderKind::Limit { price: p("250") }));
    }

    #[test]
    fn notional_is_priced_at_the_trigger_else_the_last_trade() {
        let inst = reliance();
        let ctx = RiskContext { last_trade: Some((p("250"), ist(9, 59, 59))), ..context(&inst) };
        let slm = OrderKind::StopMarket { trigger_price: p("250.05") };
        let err = refusal(&ctx, order(Side::Buy, 400, slm));
        assert_eq!(err.to_string(), "order notional 100020.00 exceeds the limit 100000.00");
        let err = refusal(&ctx, order(Side::Buy, 401, OrderKind::Market));
        assert_eq!(err.to_string(), "order notional 100250.00 exceeds the limit 100000.00");
    }

    #[test]
    fn max_position_counts_open_orders_on_the_same_side() {
        let inst = reliance();
        let ctx = RiskContext { position: 900, ..context(&inst) };
        let err = refusal(&ctx, order(Side::Buy, 101, OrderKind::Limit { price: p("100") }));
        assert!(matches!(&err, Refusal::MaxPosition { instrument, resulting: 1_001, limit: 1_000 }
            if instrument.as_str() == KEY));
        assert_eq!(err.to_string(), "the worst-case position 1001 in NSE_EQ|INE002A01018 would exceed the limit 1000");
        assert_eq!(err.code(), "max_position");
        passes(&ctx, order(Side::Buy, 100, OrderKind::Limit { price: p("100") }));

        let open = RiskContext { position: 500, open_buy_quantity: 450, open_sell_quantity: 400, ..context(&inst) };
        let err = refusal(&open, order(Side::Buy, 51, OrderKind::Limit { price: p("100") }));
        assert!(matches!(err, Refusal::MaxPosition { resulting: 1_001, .. }), "{err:?}");

        let short = RiskContext { position: -990, ..context(&inst) };
        let err = refusal(&short, order(Side::Sell, 11, OrderKind::Limit { price: p("100") }));
        assert!(matches!(err, Refusal::MaxPosition { resulting: -1_001, .. }), "{err:?}");
    }

    #[test]
    fn max_position_never_blocks_moving_towards_zero() {
        let inst = reliance();
        // Over the limit already (limits were lowered): selling part of it must still pass.
        let over = RiskContext { position: 1_500, ..context(&inst) };
        passes(&over, order(Side::Sell, 100, OrderKind::Limit { price: p("100") }));
        let err = refusal(&over, order(Side::Buy, 1, OrderKind::Limit { price: p("100") }));
        assert!(matches!(err, Refusal::MaxPosition { resulting: 1_501, .. }));
    }

    #[test]
    fn max_gross_exposure() {
        let inst = reliance();
        let ctx = RiskContext { gross_exposure: m("499000"), ..context(&inst) };
        let err = refusal(&ctx, buy_10());
        assert!(matches!(err, Refusal::MaxGrossExposure { resulting, limit }
            if resulting == m("500000.50") && limit == m("500000")));
        assert_eq!(err.to_string(), "gross exposure 500000.50 after this order would exceed the limit 500000.00");
        assert_eq!(err.code(), "max_gross_exposure");
        passes(&ctx, order(Side::Buy, 10, OrderKind::Limit { price: p("100") }));
    }

    #[test]
    fn gross_exposure_spares_reducing_orders() {
        let inst = reliance();
        let ctx = RiskContext { gross_exposure: m("600000"), position: 10, ..context(&inst) };
        passes(&ctx, order(Side::Sell, 10, OrderKind::Limit { price: p("100") }));
        assert!(matches!(
            refusal(&ctx, order(Side::Sell, 11, OrderKind::Limit { price: p("100") })),
            Refusal::MaxGrossExposure { .. }
        ));
    }

    #[test]
    fn daily_loss() {
        let inst = reliance();
        let ctx = RiskContext { day_pnl: m("-5000"), ..context(&inst) };
        let err = refusal(&ctx, buy_10());
        assert!(matches!(err, Refusal::DailyLoss { loss, limit } if loss == m("5000") && limit == m("5000")));
        assert_eq!(
            err.to_string(),
            "today's loss 5000.00 has reached the limit 5000.00: only orders that reduce a position are accepted"
        );
        assert_eq!(err.code(), "daily_loss");
        passes(&RiskContext { day_pnl: m("-4999.99"), ..ctx }, buy_10());
        passes(&RiskContext { position: -10, ..ctx }, buy_10());
        let flip = RiskContext { position: -5, ..ctx };
        assert!(matches!(refusal(&flip, buy_10()), Refusal::DailyLoss { .. }), "flipping is not reducing");
    }

    #[test]
    fn strategy_rate() {
        let inst = reliance();
        let ctx = context(&inst);
        let mut gate = RiskGate::new(limits());
        for i in 0..5 {
            assert!(gate.check(&ctx, buy_10()).is_ok(), "order {i}");
        }
        let err = gate.check(&ctx, buy_10()).unwrap_err();
        assert!(
            matches!(&err, Refusal::StrategyRate { strategy, per_second: 5 } if strategy.as_str() == "sma_reliance")
        );
        assert_eq!(err.to_string(), "strategy sma_reliance exceeds its limit of 5 orders per second");
        assert_eq!(err.code(), "strategy_rate");
        let other = order_from(strategy("momentum"), Side::Buy, 10, OrderKind::Market);
        assert!(gate.check(&ctx, other).is_ok(), "each strategy has its own bucket");
        let manual = order_from(OrderOrigin::Manual, Side::Buy, 10, OrderKind::Market);
        assert!(gate.check(&ctx, manual).is_ok(), "manual orders have no strategy bucket");
        let later = RiskContext { now: ms(ctx.now, 200), ..ctx };
        assert!(gate.check(&later, buy_10()).is_ok(), "200 ms refill one token at 5/s");
        assert!(matches!(gate.check(&later, buy_10()), Err(Refusal::StrategyRate { .. })));
    }

    #[test]
    fn overall_rate() {
        let inst = reliance();
        let ctx = context(&inst);
        let mut gate = RiskGate::new(limits());
        for id in ["a", "b"] {
            for _ in 0..5 {
                assert!(gate.check(&ctx, order_from(strategy(id), Side::Buy, 10, OrderKind::Market)).is_ok());
            }
        }
        let err = gate.check(&ctx, order_from(strategy("c"), Side::Buy, 10, OrderKind::Market)).unwrap_err();
        assert!(matches!(err, Refusal::OverallRate { per_second: 10 }));
        assert_eq!(err.to_string(), "the overall limit of 10 orders per second is exceeded");
        assert_eq!(err.code(), "overall_rate");
        let manual = order_from(OrderOrigin::Manual, Side::Buy, 10, OrderKind::Market);
        assert!(matches!(gate.check(&ctx, manual), Err(Refusal::OverallRate { .. })));
    }

    #[test]
    fn an_order_refused_by_any_rule_spends_no_token() {
        let inst = reliance();
        let ctx = context(&inst);
        let mut gate = RiskGate::new(RiskLimits { max_orders_per_second_per_strategy: 1, ..limits() });
        let wide = order(Side::Buy, 10, OrderKind::Limit { price: p("120") });
        assert!(matches!(gate.check(&ctx, wide), Err(Refusal::PriceBand { .. })));
        assert!(gate.check(&ctx, buy_10()).is_ok(), "the band refusal left the strategy's token");
    }

    #[test]
    fn a_strategy_refusal_spends_no_overall_token() {
        let inst = reliance();
        let ctx = context(&inst);
        let limits = RiskLimits { max_orders_per_second: 2, max_orders_per_second_per_strategy: 1, ..limits() };
        let mut gate = RiskGate::new(limits);
        let from = |id| order_from(strategy(id), Side::Buy, 10, OrderKind::Market);
        assert!(gate.check(&ctx, from("a")).is_ok());
        assert!(matches!(gate.check(&ctx, from("a")), Err(Refusal::StrategyRate { .. })));
        assert!(gate.check(&ctx, from("b")).is_ok(), "the overall bucket still had its second token");
        assert!(matches!(gate.check(&ctx, from("c")), Err(Refusal::OverallRate { .. })));
    }

    #[test]
    fn an_overall_refusal_spends_no_strategy_token() {
        let inst = reliance();
        let ctx = context(&inst);
        let limits = RiskLimits { max_orders_per_second: 2, max_orders_per_second_per_strategy: 1, ..limits() };
        let mut gate = RiskGate::new(limits);
        let manual = || order_from(OrderOrigin::Manual, Side::Buy, 10, OrderKind::Market);
        let b = || order_from(strategy("b"), Side::Buy, 10, OrderKind::Market);
        assert!(gate.check(&ctx, manual()).is_ok());
        // b's first order creates its bucket and spends the overall bucket's last token.
        assert!(gate.check(&ctx, b()).is_ok());
        let half = RiskContext { now: ms(ctx.now, 500), ..ctx };
        assert!(gate.check(&half, manual()).is_ok(), "500 ms at 2/s refill one overall token");
        assert!(matches!(gate.check(&half, b()), Err(Refusal::StrategyRate { .. })), "b at 0.5 tokens");
        let full = RiskContext { now: ms(ctx.now, 1_000), ..ctx };
        assert!(gate.check(&full, manual()).is_ok(), "takes the one overall token refilled since 500 ms");
        assert!(matches!(gate.check(&full, b()), Err(Refusal::OverallRate { .. })), "b has a whole token");
        let later = RiskContext { now: ms(ctx.now, 1_500), ..ctx };
        assert!(gate.check(&later, b()).is_ok(), "b's token survived the overall refusal");
    }

    #[test]
    fn reloading_limits_applies_them_without_a_fresh_burst() {
        let inst = reliance();
        let ctx = context(&inst);
        let mut gate = RiskGate::new(limits());
        for _ in 0..5 {
            assert!(gate.check(&ctx, buy_10()).is_ok());
        }
        gate.set_limits(RiskLimits { max_orders_per_second_per_strategy: 8, max_order_quantity: 5, ..limits() });
        assert_eq!(gate.limits().max_order_quantity, 5);
        assert!(matches!(gate.check(&ctx, buy_10()), Err(Refusal::MaxOrderQuantity { limit: 5, .. })));
        let small = || order(Side::Buy, 5, OrderKind::Limit { price: p("100") });
        assert!(matches!(gate.check(&ctx, small()), Err(Refusal::StrategyRate { per_second: 8, .. })));
        assert!(gate.check(&RiskContext { now: ms(ctx.now, 125), ..ctx }, small()).is_ok(), "8/s refills in 125 ms");
    }

    #[test]
    fn the_earliest_broken_rule_is_reported() {
        let inst = reliance();
        let at = ist(8, 0, 0);
        // Closed, no quote, over every money limit: the market-hours rule comes first.
        let ctx = RiskContext { now: at, last_trade: None, day_pnl: m("-1000000"), ..context(&inst) };
        assert!(matches!(refusal(&ctx, order(Side::Buy, 500, OrderKind::Market)), Refusal::MarketClosed { .. }));
        let off_tick = order(Side::Buy, 600, OrderKind::Limit { price: p("100.01") });
        assert!(matches!(refusal(&ctx, off_tick), Refusal::TickSize { .. }));
    }

    /// `request` as an accepted order of record with `filled` units filled at its limit price.
    fn working(request: OrderRequest, filled: u64) -> Order {
        let at = ist(9, 30, 0);
        let mut order = Order::new(OrderId::new("ord-1").unwrap(), request, at);
        order.apply(&OrderEvent::Accepted, at).unwrap();
        if filled > 0 {
            order.apply(&OrderEvent::Filled { quantity: Quantity::new(filled), price: p("100") }, at).unwrap();
        }
        order
    }

    fn limit_100() -> OrderKind {
        OrderKind::Limit { price: p("100") }
    }

    #[test]
    fn a_modification_is_approved_for_what_would_remain() {
        let inst = reliance();
        let order = working(order(Side::Buy, 300, limit_100()), 100);
        let ctx = RiskContext { open_buy_quantity: 200, ..context(&inst) };
        let approved = RiskGate::new(limits())
            .check_modify(&ctx, &order, OrderKind::Limit { price: p("100.05") }, Quantity::new(400))
            .unwrap();
        assert_eq!(approved.intent.quantity, Quantity::new(300), "400 in all less 100 filled");
        assert_eq!(approved.intent.kind, OrderKind::Limit { price: p("100.05") });
        assert_eq!(approved.client_order_id, order.request.client_order_id);
    }

    #[test]
    fn a_modification_replaces_the_order_s_remainder_in_the_open_quantity() {
        let inst = reliance();
        // 400 open on the buy side, 300 of them this order's: 600 long + 100 other + 300 → 1000.
        let buy = working(order(Side::Buy, 300, limit_100()), 0);
        let ctx = RiskContext { position: 600, open_buy_quantity: 400, ..context(&inst) };
        assert!(RiskGate::new(limits()).check_modify(&ctx, &buy, limit_100(), Quantity::new(300)).is_ok());
        let err = RiskGate::new(limits()).check_modify(&ctx, &buy, limit_100(), Quantity::new(301)).unwrap_err();
        assert!(matches!(err, Refusal::MaxPosition { resulting: 1_001, .. }), "{err:?}");

        // Reducing-only: a sell of 20 against a long of 30 with 10 more of it open may shrink.
        let sell = working(order(Side::Sell, 20, limit_100()), 0);
        let reducing = RiskContext {
            trading_state: TradingState::Reducing,
            position: 30,
            open_sell_quantity: 30,
            ..context(&inst)
        };
        assert!(RiskGate::new(limits()).check_modify(&reducing, &sell, limit_100(), Quantity::new(20)).is_ok());
        let err = RiskGate::new(limits()).check_modify(&reducing, &sell, limit_100(), Quantity::new(21)).unwrap_err();
        assert!(matches!(err, Refusal::ReducingOnly { open: 10, .. }), "{err:?}");
    }

    #[test]
    fn a_partly_filled_order_s_new_total_meets_the_quantity_rules() {
        let mut future = reliance();
        future.lot_size = 25;
        future.freeze_quantity = Some(900);
        let q = Quantity::new;
        let check = |inst: &Instrument, total, filled| {
            let order = working(order(Side::Buy, filled + 25, limit_100()), filled);
            let ctx = RiskContext { open_buy_quantity: 25, ..context(inst) };
            RiskGate::new(limits()).check_modify(&ctx, &order, limit_100(), q(total)).map(|a| a.intent.quantity)
        };
        assert_eq!(check(&future, 75, 25), Ok(q(50)));
        assert_eq!(check(&future, 80, 25), Err(Refusal::LotSize { quantity: q(80), lot_size: 25 }));
        assert_eq!(check(&future, 525, 500), Err(Refusal::MaxOrderQuantity { quantity: q(525), limit: 500 }));
        future.freeze_quantity = Some(450);
        assert_eq!(check(&future, 475, 450), Err(Refusal::FreezeQuantity { quantity: q(475), freeze: 450 }));
        // Unfilled: the total is what remains, checked (and reported) once.
        let unfilled = check(&future, 1_000, 0);
        assert_eq!(unfilled, Err(Refusal::FreezeQuantity { quantity: q(1_000), freeze: 450 }));
    }

    #[test]
    fn a_modification_spends_a_rate_token() {
        let inst = reliance();
        let ctx = RiskContext { open_buy_quantity: 10, ..context(&inst) };
        let order = working(buy_10(), 0);
        let mut gate = RiskGate::new(RiskLimits { max_orders_per_second_per_strategy: 1, ..limits() });
        assert!(gate.check_modify(&ctx, &order, limit_100(), Quantity::new(20)).is_ok());
        let err = gate.check_modify(&ctx, &order, limit_100(), Quantity::new(20)).unwrap_err();
        assert!(matches!(err, Refusal::StrategyRate { .. }), "{err:?}");
    }

    proptest! {
        /// An approved modification never leaves the worst-case position (the position, the
        /// other open orders on the side and the order's new remainder) beyond the limit,
        /// unless it moves it towards zero.
        #[test]
        fn approved_modifications_respect_the_position_limit(
            position in -1_500i64..1_500,
            other_open in 0u64..1_000,
            quantity in 1u64..500,
            filled_part in 0u64..100,
            total in 1u64..600,
            buy in any::<bool>(),
        ) {
            let inst = reliance();
            let side = if buy { Side::Buy } else { Side::Sell };
            let filled = filled_part.min(quantity - 1);
            let order = working(order(side, quantity, OrderKind::Market), filled);
            let open = other_open + (quantity - filled);
            let ctx = RiskContext {
                position,
                open_buy_quantity: if buy { open } else { 0 },
                open_sell_quantity: if buy { 0 } else { open },
                gross_exposure: Money::ZERO,
                ..context(&inst)
            };
            let total = Quantity::new(total);
            if let Ok(approved) = RiskGate::new(limits()).check_modify(&ctx, &order, OrderKind::Market, total) {
                let remaining = approved.intent.quantity.units();
                prop_assert_eq!(remaining, total.units() - filled);
                let worst = position + side.sign() * (other_open + remaining) as i64;
                prop_assert!(worst.abs() <= 1_000 || worst.abs() <= position.abs(), "worst {}", worst);
            }
        }

        /// Whatever the position and open orders, an approved order never leaves the worst-case
        /// position beyond the limit unless it moves it towards zero.
        #[test]
        fn approved_orders_respect_the_position_limit(
            position in -3_000i64..3_000,
            open_buy in 0u64..2_000,
            open_sell in 0u64..2_000,
            quantity in 1u64..600,
            buy in any::<bool>(),
        ) {
            let inst = reliance();
            let ctx = RiskContext {
                position,
                open_buy_quantity: open_buy,
                open_sell_quantity: open_sell,
                gross_exposure: Money::ZERO,
                ..context(&inst)
            };
            let side = if buy { Side::Buy } else { Side::Sell };
            let open = if buy { open_buy } else { open_sell };
            if RiskGate::new(limits()).check(&ctx, order(side, quantity, OrderKind::Market)).is_ok() {
                let worst = position + side.sign() * (open + quantity) as i64;
                prop_assert!(worst.abs() <= 1_000 || worst.abs() <= position.abs(), "worst {}", worst);
            }
        }

        /// In the reducing state an approved order can neither open nor flip a position, even
        /// if every open order on its side fills too.
        #[test]
        fn reducing_state_never_opens_or_flips(
            position in -500i64..500,
            open_buy in 0u64..500,
            open_sell in 0u64..500,
            quantity in 1u64..500,
            buy in any::<bool>(),
        ) {
            let inst = reliance();
            let ctx = RiskContext {
                trading_state: TradingState::Reducing,
                position,
                open_buy_quantity: open_buy,
                open_sell_quantity: open_sell,
                ..context(&inst)
            };
            let side = if buy { Side::Buy } else { Side::Sell };
            let open = if buy { open_buy } else { open_sell };
            if RiskGate::new(limits()).check(&ctx, order(side, quantity, OrderKind::Market)).is_ok() {
                let worst = position + side.sign() * (open + quantity) as i64;
                prop_assert!(worst.signum() * position.signum() >= 0, "flipped {} to {}", position, worst);
                prop_assert!(worst.abs() < position.abs());
            }
        }

        /// An approved order that adds risk keeps gross exposure + its notional within the limit.
        #[test]
        fn approved_opening_orders_respect_gross_exposure(
            gross_rupees in 0i64..600_000,
            quantity in 1u64..500,
            ticks in -100i64..100,
        ) {
            let inst = reliance();
            let ctx = RiskContext { gross_exposure: Money::from_rupees(gross_rupees).unwrap(), ..context(&inst) };
            let price = p("100").offset_ticks(p("0.05"), ticks).unwrap();
            let result = RiskGate::new(limits()).check(&ctx, order(Side::Buy, quantity, OrderKind::Limit { price }));
            let after = i128::from(ctx.gross_exposure.micros()) + i128::from(price.micros()) * i128::from(quantity);
            prop_assert_eq!(result.is_ok(), after <= i128::from(m("500000").micros()));
        }
    }
}
