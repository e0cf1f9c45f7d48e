//! Criterion benches for the core's hot operations: one risk check, one paper match and one
//! `sma_cross` step. Figures and the machine they ran on live in `benches/README.md`.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use trader::model::{
    Bar, ClientOrderId, Instrument, InstrumentKey, Order, OrderId, OrderIntent, OrderKind, OrderOrigin, OrderRequest,
    Quote, Side, StrategyId,
};
use trader::num::{Money, Price, Quantity};
use trader::paper::{PaperConfig, PaperMatcher};
use trader::risk::{MarketCalendar, RiskContext, RiskGate, RiskLimits, TradingState};
use trader::strategy::{Sizing, SmaCrossParams, Strategy, StrategyContext, StrategyParams, StrategyView};
use trader::time::Timestamp;

const SECOND: i64 = 1_000_000_000;

fn reliance() -> Instrument {
    Instrument::nse_equity("INE002A01018", "RELIANCE").expect("valid ISIN")
}

fn limit_buy(strategy: &StrategyId, instrument: &InstrumentKey) -> OrderRequest {
    OrderRequest {
        client_order_id: ClientOrderId::new("bench-1").expect("valid id"),
        origin: OrderOrigin::Strategy(strategy.clone()),
        intent: OrderIntent {
            kind: OrderKind::Limit { price: Price::from_micros(2_450_050_000) },
            ..OrderIntent::market(instrument.clone(), Side::Buy, Quantity::new(10))
        },
        tag: None,
    }
}

fn risk_check(c: &mut Criterion) {
    let instrument = reliance();
    let strategy = StrategyId::new("bench").expect("valid id");
    let limits = RiskLimits { market_hours: MarketCalendar::always_open(), ..RiskLimits::default() };
    let mut gate = RiskGate::new(limits);
    let mut now = Timestamp::from_nanos(1_700_000_000 * SECOND);
    c.bench_function("risk_check_limit_order", |b| {
        b.iter_batched(
            || limit_buy(&strategy, &instrument.key),
            |request| {
                // One second apart, so the rate buckets refill and every check runs all rules.
                now = now.saturating_add(SECOND);
                let ctx = RiskContext {
                    now,
                    trading_state: TradingState::Active,
                    instrument: Some(&instrument),
                    position: 20,
                    open_buy_quantity: 0,
                    open_sell_quantity: 0,
                    last_trade: Some((Price::from_micros(2_450_000_000), now)),
                    gross_exposure: Money::from_rupees(50_000).expect("small"),
                    day_pnl: Money::ZERO,
                };
                black_box(gate.check(&ctx, request).is_ok())
            },
            BatchSize::SmallInput,
        )
    });
}

fn paper_match(c: &mut Criterion) {
    let instrument = reliance();
    let mut matcher = PaperMatcher::new(PaperConfig::default());
    let quote = Quote {
        bid: Some(Price::from_micros(2_449_950_000)),
        bid_quantity: Quantity::new(1_000_000_000),
        ask: Some(Price::from_micros(2_450_050_000)),
        ask_quantity: Quantity::new(1_000_000_000),
        ..Quote::last_trade(
            instrument.key.clone(),
            Timestamp::from_nanos(0),
            Price::from_micros(2_450_000_000),
            Quantity::new(1),
        )
    };
    let mut events = Vec::with_capacity(8);
    matcher.on_quote(&quote, &mut events);
    let strategy = StrategyId::new("bench").expect("valid id");
    let mut sequence = 0u64;
    c.bench_function("paper_match_market_order_at_touch", |b| {
        b.iter_batched(
            || {
                sequence += 1;
                let mut request = limit_buy(&strategy, &instrument.key);
                request.intent.kind = OrderKind::Market;
                Order::new(OrderId::new(format!("o{sequence}")).expect("valid id"), request, Timestamp::from_nanos(0))
            },
            |order| {
                events.clear();
                matcher.submit(&order, &instrument, Timestamp::from_nanos(1), &mut events);
                black_box(events.len())
            },
            BatchSize::SmallInput,
        )
    });
}

struct BenchView {
    cash: Money,
}

impl StrategyView for BenchView {
    fn position(&self, _: &InstrumentKey) -> i64 {
        0
    }
    fn open_order_count(&self, _: &InstrumentKey) -> usize {
        0
    }
    fn last_quote(&self, _: &InstrumentKey) -> Option<&Quote> {
        None
    }
    fn cash(&self) -> Money {
        self.cash
    }
}

/// A deterministic random walk on a 0.05 grid around ₹2,450.
fn walk(len: usize) -> Vec<Bar> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut price = 2_450_000_000i64;
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            price = (price + (state % 11) as i64 * 50_000 - 250_000).max(1_000_000_000);
            let close = Price::from_micros(price);
            Bar {
                ts: Timestamp::from_nanos(i as i64 * 60 * SECOND),
                open: close,
                high: close,
                low: close,
                close,
                volume: 1,
            }
        })
        .collect()
}

fn sma_cross_step(c: &mut Criterion) {
    let params = StrategyParams::SmaCross(SmaCrossParams { fast: 10, slow: 30, sizing: Sizing::ALL_IN });
    let mut strategy: Box<dyn Strategy> = params.build();
    let key = reliance().key;
    let view = BenchView { cash: Money::from_rupees(1_000_000).expect("small") };
    let bars = walk(4096);
    let mut intents = Vec::with_capacity(4);
    let mut i = 0usize;
    c.bench_function("sma_cross_on_bar", |b| {
        b.iter(|| {
            let bar = &bars[i % bars.len()];
            i += 1;
            intents.clear();
            let mut ctx = StrategyContext::new(bar.ts, &view, &mut intents);
            strategy.on_bar(&mut ctx, &key, black_box(bar));
            black_box(intents.len())
        })
    });
}

criterion_group!(benches, risk_check, paper_match, sma_cross_step);
criterion_main!(benches);
