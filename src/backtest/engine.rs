//! The backtest loop: bars in, the live strategy, risk gate and paper matcher in between, fills,
//! equity and trades out. Synchronous, single-threaded and deterministic.

use std::sync::atomic::{AtomicBool, Ordering};

use super::trades::{PositionChange, TradeTracker};
use super::view::BacktestView;
use super::{BacktestConfig, BacktestError, BacktestRun, FillConvention, FillRecord, RefusedOrder, RejectedOrder};
use crate::config::Problems;
use crate::model::{
    Bar, ClientOrderId, Execution, Fill, FillId, Order, OrderId, OrderIntent, OrderOrigin, OrderRequest, Portfolio,
    Position, Side, StrategyId,
};
use crate::num::{Money, Price, Quantity, Rate};
use crate::paper::{MatchEvent, PaperMatcher};
use crate::risk::{MarketCalendar, RiskContext, RiskGate, RiskLimits, TradingState};
use crate::strategy::{Strategy, StrategyContext};
use crate::time::Timestamp;

/// More orders than this on one bar means a strategy that reacts to its own orders without end.
pub const MAX_ORDERS_PER_BAR: usize = 1_000;

/// A cancellable run looks at its flag once per this many bars: often enough to stop within
/// milliseconds, rarely enough to cost nothing on the per-bar path.
pub const CANCEL_CHECK_BARS: usize = 1_024;

/// The flag of a run nobody can cancel.
static NEVER: AtomicBool = AtomicBool::new(false);

/// The risk limits a backtest checks orders against: every rule still runs (lot size, tick grid,
/// instrument), but the account limits, the price band, quote age, rate limits and market hours
/// never bind, because a backtest has no exchange session or operator to protect.
pub fn backtest_limits() -> RiskLimits {
    let unlimited = Money::from_micros(i64::MAX);
    RiskLimits {
        max_order_quantity: u64::MAX,
        max_order_notional: unlimited,
        max_position_quantity: u64::MAX,
        max_gross_exposure: unlimited,
        max_daily_loss: unlimited,
        max_orders_per_second: u32::MAX,
        max_orders_per_second_per_strategy: u32::MAX,
        price_band: Rate::from_nanos(i64::MAX),
        stale_quote_after_ms: u64::MAX,
        market_hours: MarketCalendar::always_open(),
    }
}

/// Runs `config`'s strategy over `bars` (one instrument, in time order).
///
/// Each bar `t`, in this order:
/// 1. orders still working are matched against bar `t` by the paper matcher's bar rules (a market
///    order decided on bar `t − 1` fills at `t`'s open);
/// 2. the strategy sees bar `t` (`on_bar`), its close becoming the last trade;
/// 3. every intent becomes an `OrderRequest` checked by the risk gate (refusals are recorded),
///    then an `Order` submitted to the matcher; with [`FillConvention::Close`] the matcher then
///    sees one trade at `t`'s close, so market orders fill there;
/// 4. the equity at `t`'s close is recorded.
///
/// Fills are charged by the cost model, booked in the portfolio, and reported to the strategy
/// (`on_fill`, then `on_order_update`); intents submitted from those callbacks are handled the
/// same way on the same bar.
pub fn run_backtest(config: &BacktestConfig, bars: &[Bar]) -> Result<BacktestRun, BacktestError> {
    run_backtest_cancellable(config, bars, &NEVER)
}

/// Like [`run_backtest`], but stops with [`BacktestError::Cancelled`] soon after `cancel` is set
/// (it is read every [`CANCEL_CHECK_BARS`] bars, so a long run ends within a few milliseconds).
pub fn run_backtest_cancellable(
    config: &BacktestConfig,
    bars: &[Bar],
    cancel: &AtomicBool,
) -> Result<BacktestRun, BacktestError> {
    let mut problems = Problems::new();
    config.validate("", &mut problems);
    problems.into_result().map_err(BacktestError::Invalid)?;
    run_validated(config, config.strategy.build(), bars, cancel)
}

/// Like [`run_backtest`], but runs `strategy` (any implementation of the trait) instead of the
/// one `config.strategy` describes, which then only labels the summary and is not validated.
pub fn run_strategy(
    config: &BacktestConfig,
    strategy: Box<dyn Strategy>,
    bars: &[Bar],
) -> Result<BacktestRun, BacktestError> {
    let mut problems = Problems::new();
    config.validate_setup("", &mut problems);
    problems.into_result().map_err(BacktestError::Invalid)?;
    run_validated(config, strategy, bars, &NEVER)
}

fn run_validated(
    config: &BacktestConfig,
    strategy: Box<dyn Strategy>,
    bars: &[Bar],
    cancel: &AtomicBool,
) -> Result<BacktestRun, BacktestError> {
    let Some(first) = bars.first() else {
        return Err(BacktestError::NoBars);
    };
    let mut engine = Engine::new(config, strategy, bars.len());
    engine.start(first.ts);
    // Chunks keep the flag off the per-bar path.
    for (chunk_index, chunk) in bars.chunks(CANCEL_CHECK_BARS).enumerate() {
        let offset = chunk_index * CANCEL_CHECK_BARS;
        if cancel.load(Ordering::Relaxed) {
            return Err(BacktestError::Cancelled { bar: offset });
        }
        for (i, bar) in chunk.iter().enumerate() {
            engine.step(offset + i, bar)?;
        }
    }
    Ok(engine.finish(bars))
}

/// The state of one run. Everything the per-bar path touches is a plain field: no map lookups,
/// no allocation, and the matcher only when an order is working.
struct Engine<'c> {
    config: &'c BacktestConfig,
    strategy: Box<dyn Strategy>,
    strategy_id: StrategyId,
    gate: RiskGate,
    matcher: PaperMatcher,
    portfolio: Portfolio,
    view: BacktestView,
    /// Where callbacks put their intents.
    intents: Vec<OrderIntent>,
    /// The intents being submitted (swapped with `intents`, keeping both allocations).
    batch: Vec<OrderIntent>,
    events: Vec<MatchEvent>,
    /// Orders that can still fill, in submission order.
    open_orders: Vec<Order>,
    orders_sent: u64,
    fills_made: u64,
    equity: Vec<Money>,
    fills: Vec<FillRecord>,
    trades: TradeTracker,
    refused: Vec<RefusedOrder>,
    rejected: Vec<RejectedOrder>,
    exposed_bars: usize,
}

impl<'c> Engine<'c> {
    fn new(config: &'c BacktestConfig, strategy: Box<dyn Strategy>, bars: usize) -> Engine<'c> {
        let instrument = &config.instrument;
        Engine {
            config,
            strategy,
            strategy_id: StrategyId::new("backtest").expect("`backtest` is a valid strategy id"),
            gate: RiskGate::new(backtest_limits()),
            matcher: PaperMatcher::new(config.paper.clone()),
            portfolio: Portfolio::new(config.cash),
            view: BacktestView::new(instrument.key.clone(), config.cash, instrument.lot_size),
            intents: Vec::with_capacity(8),
            batch: Vec::with_capacity(8),
            events: Vec::with_capacity(8),
            open_orders: Vec::with_capacity(4),
            orders_sent: 0,
            fills_made: 0,
            equity: Vec::with_capacity(bars),
            fills: Vec::new(),
            trades: TradeTracker::default(),
            refused: Vec::new(),
            rejected: Vec::new(),
            exposed_bars: 0,
        }
    }

    /// `on_start`; any intents it submits are handled on the first bar, once a price exists.
    fn start(&mut self, now: Timestamp) {
        let mut ctx = StrategyContext::new(now, &self.view, &mut self.intents);
        self.strategy.on_start(&mut ctx);
    }

    /// One bar. The common case (no working order, no signal) is a strategy call and a store.
    #[inline]
    fn step(&mut self, index: usize, bar: &Bar) -> Result<(), BacktestError> {
        if self.matcher.resting_count() > 0 {
            self.match_bar(index, bar)?;
        }
        self.view.set_bar(bar);
        let mut ctx = StrategyContext::new(bar.ts, &self.view, &mut self.intents);
        self.strategy.on_bar(&mut ctx, &self.view.key, bar);
        if !self.intents.is_empty() {
            self.settle(index, bar)?;
        }
        let value = i128::from(self.view.cash.micros()) + i128::from(bar.close.micros()) * i128::from(self.view.net);
        self.equity.push(Money::saturating_from_micros(value));
        self.exposed_bars += usize::from(self.view.net != 0);
        Ok(())
    }

    /// Matches working orders against the whole bar, then handles what the callbacks asked for.
    #[cold]
    #[inline(never)]
    fn match_bar(&mut self, index: usize, bar: &Bar) -> Result<(), BacktestError> {
        self.matcher
            .on_bar(&self.view.key, bar, &mut self.events)
            .map_err(|error| BacktestError::MarketData { bar: index, error })?;
        self.process_events(index, bar)?;
        self.settle(index, bar)
    }

    /// Submits every pending intent, and any their callbacks add, until none is left.
    #[cold]
    #[inline(never)]
    fn settle(&mut self, index: usize, bar: &Bar) -> Result<(), BacktestError> {
        let mut submitted = 0usize;
        while !self.intents.is_empty() {
            let mut batch = std::mem::take(&mut self.batch);
            std::mem::swap(&mut batch, &mut self.intents);
            for intent in batch.drain(..) {
                submitted += 1;
                if submitted > MAX_ORDERS_PER_BAR {
                    return Err(BacktestError::RunawayStrategy { bar: index, limit: MAX_ORDERS_PER_BAR });
                }
                self.submit(index, bar, intent)?;
            }
            self.batch = batch;
            if self.config.fill == FillConvention::Close && self.matcher.resting_count() > 0 {
                self.matcher
                    .on_trade(&self.view.key, bar.close, bar.ts, &mut self.events)
                    .map_err(|error| BacktestError::MarketData { bar: index, error })?;
                self.process_events(index, bar)?;
            }
        }
        Ok(())
    }

    /// Intent → request → risk gate → order → paper matcher.
    fn submit(&mut self, index: usize, bar: &Bar, mut intent: OrderIntent) -> Result<(), BacktestError> {
        intent.product = self.config.product;
        let (side, quantity) = (intent.side, intent.quantity);
        self.orders_sent += 1;
        let sequence = self.orders_sent;
        let overflow = || BacktestError::Overflow { bar: index, what: "the order count" };
        let request = OrderRequest {
            client_order_id: ClientOrderId::new(format!("bt-{sequence}")).map_err(|_| overflow())?,
            origin: OrderOrigin::Strategy(self.strategy_id.clone()),
            intent,
            tag: None,
        };
        let (mut open_buy, mut open_sell) = (0u64, 0u64);
        for order in &self.open_orders {
            let remaining = order.remaining().units();
            match order.request.intent.side {
                Side::Buy => open_buy = open_buy.saturating_add(remaining),
                Side::Sell => open_sell = open_sell.saturating_add(remaining),
            }
        }
        let exposure = i128::from(bar.close.micros()) * i128::from(self.view.net);
        let ctx = RiskContext {
            now: bar.ts,
            trading_state: TradingState::Active,
            instrument: Some(&self.config.instrument),
            position: self.view.net,
            open_buy_quantity: open_buy,
            open_sell_quantity: open_sell,
            last_trade: Some((bar.close, bar.ts)),
            gross_exposure: Money::saturating_from_micros(exposure.abs()),
            day_pnl: Money::ZERO,
        };
        let approved = match self.gate.check(&ctx, request) {
            Ok(approved) => approved,
            Err(refusal) => {
                self.refused.push(RefusedOrder { bar: index, ts: bar.ts, side, quantity, refusal });
                return Ok(());
            }
        };
        let id = OrderId::new(format!("o{sequence}")).map_err(|_| overflow())?;
        let order = Order::new(id, approved.into_inner(), bar.ts);
        self.matcher.submit(&order, &self.config.instrument, bar.ts, &mut self.events);
        self.open_orders.push(order);
        self.view.open_orders = self.open_orders.len();
        self.process_events(index, bar)
    }

    fn process_events(&mut self, index: usize, bar: &Bar) -> Result<(), BacktestError> {
        let mut events = std::mem::take(&mut self.events);
        let mut result = Ok(());
        for event in events.drain(..) {
            if result.is_ok() {
                result = self.apply_event(index, bar, event);
            }
        }
        self.events = events;
        result
    }

    /// Moves the order along, books a fill, and tells the strategy.
    fn apply_event(&mut self, index: usize, bar: &Bar, event: MatchEvent) -> Result<(), BacktestError> {
        let Some(slot) = self.open_orders.iter().position(|order| order.id == *event.order_id()) else {
            return Ok(());
        };
        // `Triggered` changes no order state.
        let Some(order_event) = event.order_event() else {
            return Ok(());
        };
        let at = match &event {
            MatchEvent::Fill { ts, .. } => *ts,
            _ => bar.ts,
        };
        let turnover_before = self.open_orders[slot].filled_value();
        self.open_orders[slot].apply(&order_event, at).map_err(|error| BacktestError::Order { bar: index, error })?;
        let fill = match event {
            MatchEvent::Fill { quantity, price, ts, .. } => {
                Some(self.book_fill(index, slot, turnover_before, quantity, price, ts)?)
            }
            MatchEvent::Rejected { reason, .. } => {
                let intent = &self.open_orders[slot].request.intent;
                self.rejected.push(RejectedOrder {
                    bar: index,
                    ts: bar.ts,
                    side: intent.side,
                    quantity: intent.quantity,
                    reason,
                });
                None
            }
            _ => None,
        };
        let removed =
            if self.open_orders[slot].status().is_terminal() { Some(self.open_orders.remove(slot)) } else { None };
        self.view.open_orders = self.open_orders.len();
        let order = match &removed {
            Some(order) => order,
            None => &self.open_orders[slot],
        };
        let mut ctx = StrategyContext::new(at, &self.view, &mut self.intents);
        if let Some(fill) = &fill {
            self.strategy.on_fill(&mut ctx, fill);
        }
        self.strategy.on_order_update(&mut ctx, order);
        Ok(())
    }

    /// Charges a fill, books it in the portfolio, and records it and its effect on trades.
    fn book_fill(
        &mut self,
        index: usize,
        slot: usize,
        turnover_before: Money,
        quantity: Quantity,
        price: Price,
        ts: Timestamp,
    ) -> Result<Fill, BacktestError> {
        let order = &self.open_orders[slot];
        self.fills_made += 1;
        let id = FillId::new(format!("f{}", self.fills_made))
            .map_err(|_| BacktestError::Overflow { bar: index, what: "the fill count" })?;
        let execution = Execution { quantity, price, ts };
        let exchange = self.config.instrument.exchange;
        let fill = Fill::charged(id, order, exchange, execution, turnover_before, &self.config.costs)
            .map_err(|error| BacktestError::Charges { bar: index, error })?;
        let charged =
            fill.charges.checked_total().ok_or(BacktestError::Overflow { bar: index, what: "a fill's charges" })?;
        let key = &self.view.key;
        let realised_net_before = self.portfolio.position(key).map_or(Money::ZERO, Position::realised_net);
        let net_before = self.view.net;
        self.portfolio.apply_fill(&fill).map_err(|error| BacktestError::Accounting { bar: index, error })?;
        let net_after = self.portfolio.net_quantity(key);
        let realised_net_after = self.portfolio.position(key).map_or(Money::ZERO, Position::realised_net);
        self.view.cash = self.portfolio.cash;
        self.view.net = net_after;
        self.trades.record(PositionChange {
            bar: index,
            ts,
            price,
            net_before,
            net_after,
            realised_net_before,
            realised_net_after,
        });
        self.fills.push(FillRecord { bar: index, ts, side: fill.side, quantity, price, charges: charged });
        Ok(fill)
    }

    fn finish(mut self, bars: &[Bar]) -> BacktestRun {
        if let Some(last) = bars.last() {
            self.portfolio.mark(&self.view.key, last.close);
        }
        BacktestRun {
            initial_cash: self.config.cash,
            equity: self.equity,
            fills: self.fills,
            trades: self.trades.into_closed(),
            refused: self.refused,
            rejected: self.rejected,
            exposed_bars: self.exposed_bars,
            final_position: self.view.net,
            portfolio: self.portfolio,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charges::CostModel;
    use crate::model::{Instrument, InstrumentKey, Order, OrderKind, Product};
    use crate::paper::PaperConfig;
    use crate::strategy::{Sizing, SmaCrossParams, StrategyParams};

    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    /// The sma_cross test series (fast 2, slow 3): a cross above on bar 5 (close 12), below on
    /// bar 11 (close 9), above again on bar 13 (close 12).
    const CLOSES: [&str; 14] = ["10", "10", "10", "9", "9", "12", "13", "11", "10", "12", "13", "9", "8", "12"];

    /// Bars one minute apart whose open is the previous close + 0.50 (the first opens at its close),
    /// so next-open fills are told apart from close fills.
    fn bars() -> Vec<Bar> {
        let mut previous: Option<Price> = None;
        CLOSES
            .iter()
            .enumerate()
            .map(|(i, close)| {
                let close = p(close);
                let open = previous.map_or(close, |c| c.checked_add(p("0.5")).unwrap());
                previous = Some(close);
                Bar {
                    ts: Timestamp::from_nanos(i as i64 * 60_000_000_000),
                    open,
                    high: open.max(close),
                    low: open.min(close),
                    close,
                    volume: 100,
                }
            })
            .collect()
    }

    fn config(fill: FillConvention, commission: &str) -> BacktestConfig {
        let rate: Rate = commission.parse().unwrap();
        BacktestConfig {
            instrument: Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap(),
            strategy: StrategyParams::SmaCross(SmaCrossParams {
                fast: 2,
                slow: 3,
                sizing: Sizing::AllIn { commission: rate },
            }),
            cash: m("10000"),
            costs: CostModel::Commission(rate),
            product: Product::Intraday,
            fill,
            paper: PaperConfig::default(),
            utc_offset_seconds: 0,
        }
    }

    fn fills(run: &BacktestRun) -> Vec<(usize, Side, u64, String, String)> {
        run.fills
            .iter()
            .map(|f| (f.bar, f.side, f.quantity.units(), f.price.to_string(), f.charges.to_string()))
            .collect()
    }

    fn equity(run: &BacktestRun) -> Vec<String> {
        run.equity.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn next_open_fills_at_the_following_bars_open() {
        let run = run_backtest(&config(FillConvention::NextOpen, "0.002"), &bars()).unwrap();
        // Bar 5 (close 12) buys floor(10000 / (12 × 1.002)) = floor(831.67) = 831, filled at bar 6's
        // open 12.50: 10387.50 plus 0.002 × 10387.50 = 20.775; cash −408.275 (the open gapped up).
        // Bar 11 (close 9) sells 831 at bar 12's open 9.50: 7894.50 less 15.789 → cash 7470.436.
        // Bar 13 (close 12) buys floor(7470.436 / 12.024) = 621, still waiting when the data ends.
        assert_eq!(
            fills(&run),
            [
                (6, Side::Buy, 831, "12.50".into(), "20.775".into()),
                (12, Side::Sell, 831, "9.50".into(), "15.789".into())
            ]
        );
        // Equity at each close: 10000 until bar 6; then −408.275 + 831 × close; flat from bar 12.
        assert_eq!(
            equity(&run),
            [
                "10000.00",
                "10000.00",
                "10000.00",
                "10000.00",
                "10000.00",
                "10000.00",
                "10394.725",
                "8732.725",
                "7901.725",
                "9563.725",
                "10394.725",
                "7070.725",
                "7470.436",
                "7470.436",
            ]
        );
        assert_eq!(run.final_equity(), m("7470.436"));
        assert_eq!((run.final_position, run.exposed_bars), (0, 6));
        // One round trip: (9.50 − 12.50) × 831 − 20.775 − 15.789 = −2529.564.
        assert_eq!(run.trades.len(), 1);
        assert_eq!((run.trades[0].entry_bar, run.trades[0].exit_bar, run.trades[0].pnl), (6, 12, m("-2529.564")));
        assert_eq!(run.portfolio.charges_paid, m("36.564"));
        assert!(run.refused.is_empty() && run.rejected.is_empty());
    }

    #[test]
    fn close_fills_at_the_deciding_bars_close() {
        let run = run_backtest(&config(FillConvention::Close, "0.002"), &bars()).unwrap();
        // Bar 5: 831 at 12 = 9972 + 19.944 → cash 8.056. Bar 11: 831 at 9 = 7479 − 14.958 → cash
        // 7472.098. Bar 13: floor(7472.098 / 12.024) = 621 at 12 = 7452 + 14.904 → cash 5.194.
        assert_eq!(
            fills(&run),
            [
                (5, Side::Buy, 831, "12.00".into(), "19.944".into()),
                (11, Side::Sell, 831, "9.00".into(), "14.958".into()),
                (13, Side::Buy, 621, "12.00".into(), "14.904".into()),
            ]
        );
        assert_eq!(
            equity(&run),
            [
                "10000.00",
                "10000.00",
                "10000.00",
                "10000.00",
                "10000.00",
                "9980.056",
                "10811.056",
                "9149.056",
                "8318.056",
                "9980.056",
                "10811.056",
                "7472.098",
                "7472.098",
                "7457.194",
            ]
        );
        // The open position (621 at the last close 12) is in the final equity, not in the trades.
        assert_eq!((run.final_position, run.exposed_bars), (621, 7));
        assert_eq!(run.trades.len(), 1);
        assert_eq!(run.trades[0].pnl, m("-2527.902"));
        assert_eq!(run.portfolio.equity(), m("7457.194"), "the portfolio agrees, marked at the last close");
        assert_eq!(run.portfolio.charges_paid, m("49.806"));
    }

    #[test]
    fn all_in_sizing_without_commission_spends_all_the_cash() {
        let run = run_backtest(&config(FillConvention::Close, "0"), &bars()).unwrap();
        // 10000 / 12 = 833.33 → 833 (cash 4); sold at 9 → 4 + 7497 = 7501; 7501 / 12 = 625.08 → 625.
        let sizes: Vec<u64> = run.fills.iter().map(|f| f.quantity.units()).collect();
        assert_eq!(sizes, [833, 833, 625]);
        assert_eq!(run.portfolio.charges_paid, Money::ZERO);
        assert_eq!(run.final_equity(), m("7501"), "cash 1 + 625 × 12");
    }

    #[test]
    fn refusals_are_recorded_not_dropped() {
        let mut config = config(FillConvention::Close, "0");
        config.instrument.lot_size = 1000;
        config.strategy =
            StrategyParams::SmaCross(SmaCrossParams { fast: 2, slow: 3, sizing: Sizing::Fixed { quantity: 7 } });
        let run = run_backtest(&config, &bars()).unwrap();
        assert!(run.fills.is_empty());
        let refused: Vec<(usize, &str)> = run.refused.iter().map(|r| (r.bar, r.refusal.code())).collect();
        assert_eq!(refused, [(5, "lot_size"), (13, "lot_size")]);
        assert_eq!(
            run.refused[0].refusal.to_string(),
            "order quantity 7 is not a positive multiple of the lot size 1000"
        );
    }

    #[test]
    fn an_invalid_configuration_or_no_data_is_refused() {
        let mut bad = config(FillConvention::Close, "0");
        bad.cash = Money::ZERO;
        let err = run_backtest(&bad, &bars()).unwrap_err();
        assert_eq!(err.to_string(), "invalid backtest configuration:\ncash: must be a positive amount, got 0.00");
        assert_eq!(run_backtest(&config(FillConvention::Close, "0"), &[]).unwrap_err(), BacktestError::NoBars);
    }

    /// Buys 10 with a limit at `limit` on its first bar; logs every callback it gets.
    struct LimitOnce {
        key: InstrumentKey,
        limit: Price,
        sent: bool,
        log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    }

    impl Strategy for LimitOnce {
        fn kind(&self) -> &'static str {
            "limit_once"
        }
        fn on_bar(&mut self, ctx: &mut StrategyContext<'_>, _: &InstrumentKey, _: &Bar) {
            if !self.sent {
                self.sent = true;
                let mut intent = OrderIntent::market(self.key.clone(), Side::Buy, Quantity::new(10));
                intent.kind = OrderKind::Limit { price: self.limit };
                ctx.submit(intent);
            }
        }
        fn on_fill(&mut self, ctx: &mut StrategyContext<'_>, fill: &Fill) {
            let line = format!("fill {} @ {} pos {}", fill.quantity, fill.price, ctx.view.position(&self.key));
            self.log.lock().unwrap().push(line);
        }
        fn on_order_update(&mut self, ctx: &mut StrategyContext<'_>, order: &Order) {
            let line = format!("{} open {}", order.status().as_str(), ctx.view.open_order_count(&self.key));
            self.log.lock().unwrap().push(line);
        }
    }

    #[test]
    fn limit_orders_rest_until_a_bar_trades_through_and_callbacks_follow_the_order() {
        let config = config(FillConvention::NextOpen, "0");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let strategy =
            LimitOnce { key: config.instrument.key.clone(), limit: p("9.50"), sent: false, log: log.clone() };
        let run = run_strategy(&config, Box::new(strategy), &bars()).unwrap();
        // Lows: bar 3 opens 10.50, low 9; 9 < 9.50 so the limit fills at 9.50 on bar 3.
        assert_eq!(fills(&run), [(3, Side::Buy, 10, "9.50".into(), "0.00".into())]);
        assert_eq!(*log.lock().unwrap(), ["accepted open 1", "fill 10 @ 9.50 pos 10", "filled open 0"]);
        assert_eq!(run.final_position, 10);
        // 10000 − 95 + 10 × 12 at the last close.
        assert_eq!(run.final_equity(), m("10025"));
    }

    /// Buys one unit again after every fill: never settles.
    struct Runaway(InstrumentKey);

    impl Strategy for Runaway {
        fn kind(&self) -> &'static str {
            "runaway"
        }
        fn on_bar(&mut self, ctx: &mut StrategyContext<'_>, _: &InstrumentKey, _: &Bar) {
            ctx.submit(OrderIntent::market(self.0.clone(), Side::Buy, Quantity::new(1)));
        }
        fn on_fill(&mut self, ctx: &mut StrategyContext<'_>, _: &Fill) {
            ctx.submit(OrderIntent::market(self.0.clone(), Side::Buy, Quantity::new(1)));
        }
    }

    #[test]
    fn a_strategy_that_never_stops_ordering_is_stopped() {
        let config = config(FillConvention::Close, "0");
        let err = run_strategy(&config, Box::new(Runaway(config.instrument.key.clone())), &bars()).unwrap_err();
        assert_eq!(err, BacktestError::RunawayStrategy { bar: 0, limit: MAX_ORDERS_PER_BAR });
    }

    #[test]
    fn the_same_input_gives_the_same_run() {
        let config = config(FillConvention::NextOpen, "0.002");
        let a = run_backtest(&config, &bars()).unwrap();
        let b = run_backtest(&config, &bars()).unwrap();
        assert_eq!((a.equity, a.fills, a.trades), (b.equity, b.fills, b.trades));
    }

    /// Sets the flag when it sees its `at`-th bar, as a user cancelling mid-run would.
    struct CancelAt {
        at: usize,
        seen: usize,
        flag: std::sync::Arc<AtomicBool>,
    }

    impl Strategy for CancelAt {
        fn kind(&self) -> &'static str {
            "cancel_at"
        }

        fn on_bar(&mut self, _ctx: &mut StrategyContext<'_>, _instrument: &InstrumentKey, _bar: &Bar) {
            self.seen += 1;
            if self.seen == self.at {
                self.flag.store(true, Ordering::Relaxed);
            }
        }
    }

    #[test]
    fn a_cancelled_run_stops_at_the_next_check() {
        let config = config(FillConvention::NextOpen, "0");
        let many: Vec<Bar> = (0..3 * CANCEL_CHECK_BARS)
            .map(|i| Bar { ts: Timestamp::from_nanos(i as i64 * 60_000_000_000), ..bars()[0] })
            .collect();
        let flag = std::sync::Arc::new(AtomicBool::new(false));
        let strategy = Box::new(CancelAt { at: CANCEL_CHECK_BARS + 10, seen: 0, flag: std::sync::Arc::clone(&flag) });
        // Set on the 1034th bar (index 1033): the check before bar 2048 sees it.
        let error = run_validated(&config, strategy, &many, &flag).unwrap_err();
        assert_eq!(error, BacktestError::Cancelled { bar: 2 * CANCEL_CHECK_BARS });
        // Already set: nothing runs; never set: the same run as without a flag.
        assert_eq!(
            run_backtest_cancellable(&config, &bars(), &AtomicBool::new(true)).unwrap_err(),
            BacktestError::Cancelled { bar: 0 }
        );
        let plain = run_backtest(&config, &bars()).unwrap();
        let flagged = run_backtest_cancellable(&config, &bars(), &AtomicBool::new(false)).unwrap();
        assert_eq!((plain.equity, plain.fills), (flagged.equity, flagged.fills));
    }
}
