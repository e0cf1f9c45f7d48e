//! Holdings, P&L by day, P&L by strategy and live analytics, end to end: a real daemon in process
//! on the simulated feed, a strategy trading beside manual orders, plain HTTP, and a restart on the
//! same journal that must give back the same rows.

mod support;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use support::{get, post, wait_for, Api, TempDir, INFY, RELIANCE};
use trader::bars::BarInterval;
use trader::charges::ChargeBreakdown;
use trader::model::{
    ClientOrderId, Fill, FillId, InstrumentKey, Order, OrderId, OrderIntent, OrderOrigin, OrderRequest, Product, Quote,
    Side, StrategyId,
};
use trader::num::{Money, Price, Quantity};
use trader::strategy::{Strategy, StrategyContext};
use trader::time::{Date, Timestamp, IST_OFFSET_SECONDS};
use trader_actors::daemon::{Daemon, ExtraStrategy};
use trader_actors::engine::EquitySample;
use trader_actors::journal::{JournalStore, RedbStore};
use trader_actors::records::JournalRecord;

const WAIT: Duration = Duration::from_secs(20);

/// Samples every 20 ms, so the analytics have points within a test's time.
const PERFORMANCE: &str = "[performance]\nsample_interval_ms = 20\ndetailed_days = 3\n";

/// Buys one share on its first two timer ticks (once a second) and sells one on the third, then
/// holds: two fills of its own open one unit, one closes one.
struct TwoInOneOut {
    instrument: InstrumentKey,
    ticks: u32,
}

impl Strategy for TwoInOneOut {
    fn kind(&self) -> &'static str {
        "two_in_one_out"
    }

    fn on_quote(&mut self, _ctx: &mut StrategyContext<'_>, _quote: &Quote) {}

    fn on_timer(&mut self, ctx: &mut StrategyContext<'_>, _now: Timestamp) {
        self.ticks += 1;
        let side = match self.ticks {
            1 | 2 => Side::Buy,
            3 => Side::Sell,
            _ => return,
        };
        ctx.submit(OrderIntent::market(self.instrument.clone(), side, Quantity::new(1)));
    }
}

fn strategy() -> ExtraStrategy {
    let instrument = InstrumentKey::new(INFY).unwrap();
    ExtraStrategy {
        id: StrategyId::new("two_in").unwrap(),
        instruments: vec![instrument.clone()],
        interval: BarInterval::S1,
        factory: Arc::new(move || Box::new(TwoInOneOut { instrument: instrument.clone(), ticks: 0 })),
    }
}

async fn start(dir: &TempDir) -> Daemon {
    support::start_daemon(&support::config(PERFORMANCE), dir, vec![strategy()]).await
}

fn money(value: &Value) -> Money {
    Money::from_str(value.as_str().unwrap_or_else(|| panic!("a money string, not {value}"))).unwrap()
}

fn price(value: &Value) -> Price {
    Price::from_str(value.as_str().unwrap_or_else(|| panic!("a price string, not {value}"))).unwrap()
}

async fn ok(api: &Api, path: &str) -> Value {
    let reply = get(api, path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply.body
}

async fn wait_for_quotes(api: &Api) {
    wait_for("quotes for both instruments", WAIT, || async {
        let quotes = get(api, "/api/v1/market/quotes").await.body;
        (quotes["quotes"].as_array().map_or(0, Vec::len) >= 2).then_some(())
    })
    .await;
}

/// A filled manual market order; returns its fill price.
async fn filled(api: &Api, instrument: &str, side: &str, quantity: u64, product: &str, id: &str) -> Price {
    let body = format!(
        r#"{{"instrument": "{instrument}", "side": "{side}", "quantity": {quantity}, "order_type": "market",
            "product": "{product}", "client_order_id": "{id}"}}"#
    );
    let placed = post(api, "/api/v1/orders", &body).await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    let order_id = placed.body["order_id"].as_str().expect("an order id").to_owned();
    wait_for("the manual order's fill", WAIT, || async {
        let fills = get(api, "/api/v1/fills").await.body;
        fills["fills"].as_array()?.iter().find(|f| f["order_id"] == order_id.as_str()).map(|f| price(&f["price"]))
    })
    .await
}

/// The strategy's three fills are in.
async fn wait_for_strategy(api: &Api) -> Value {
    wait_for("the strategy's three fills", WAIT, || async {
        let pnl = get(api, "/api/v1/strategies/two_in/pnl").await.body;
        (pnl["fills"] == 3).then_some(pnl)
    })
    .await
}

/// Rows without today's moving end equity and P&L.
fn settled_rows(days: &Value) -> Vec<Value> {
    let mut rows: Vec<Value> = days["days"].as_array().expect("days").clone();
    if let Some(today) = rows.last_mut() {
        today["equity_end"] = Value::Null;
        today["pnl"] = Value::Null;
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holdings_daily_and_strategy_pnl_and_analytics_survive_a_restart() {
    let dir = TempDir::new("api-portfolio");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    wait_for_quotes(&admin).await;

    // A delivery buy is a holding; an intraday buy is only a position.
    let bought = filled(&admin, RELIANCE, "buy", 5, "delivery", "hold-1").await;
    filled(&admin, INFY, "buy", 3, "intraday", "day-1").await;
    let holdings = ok(&admin, "/api/v1/holdings").await;
    let list = holdings["holdings"].as_array().expect("holdings");
    assert_eq!(list.len(), 1, "{holdings}");
    let holding = &list[0];
    assert_eq!((holding["instrument"].as_str(), holding["quantity"].as_i64()), (Some(RELIANCE), Some(5)));
    assert_eq!(price(&holding["average_price"]), bought);
    let cost = money(&holding["cost"]);
    assert_eq!(cost, bought.notional(Quantity::new(5)).unwrap());
    let last = price(&holding["last_price"]);
    let value = money(&holding["value"]);
    assert_eq!(value, last.notional(Quantity::new(5)).unwrap());
    assert_eq!(money(&holding["unrealised_pnl"]), value - cost);
    assert!(holding["unrealised_pct"].is_string(), "{holding}");

    // The strategy's P&L is its own fills': 3 fills, one unit still open.
    let mine = wait_for_strategy(&admin).await;
    assert_eq!(mine["strategy"], "two_in");
    let open = mine["open_positions"].as_array().expect("open positions");
    assert_eq!((open.len(), open[0]["instrument"].as_str(), open[0]["quantity"].as_i64()), (1, Some(INFY), Some(1)));
    let net = money(&mine["realised"]) + money(&mine["unrealised"]) - money(&mine["charges"]);
    assert_eq!(money(&mine["net"]), net);

    // Every book (the strategy and the manual one) sums to the portfolio, at the same marks.
    let books = ok(&admin, "/api/v1/portfolio/pnl/strategies").await;
    let list = books["books"].as_array().expect("books");
    let owners: Vec<&Value> = list.iter().map(|b| &b["strategy"]).collect();
    assert_eq!(owners, [&Value::Null, &Value::from("two_in")], "manual first, then the strategy");
    let manual = &list[0];
    let all_fills = ok(&admin, "/api/v1/fills").await["fills"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(manual["fills"].as_u64().unwrap() + 3, all_fills, "the manual book has every other fill");
    let total: Money = list.iter().map(|b| money(&b["net"])).sum();
    assert_eq!(total, money(&books["total_net"]));
    assert_eq!(money(&books["total_net"]), money(&books["portfolio_net"]), "{books}");
    let portfolio = ok(&admin, "/api/v1/portfolio").await;
    let charges: Money = list.iter().map(|b| money(&b["charges"])).sum();
    assert_eq!(charges, money(&portfolio["charges"]));
    assert_eq!(
        list.iter().map(|b| money(&b["realised"])).sum::<Money>(),
        money(&manual["realised"]) + money(&mine["realised"])
    );

    // Today's row: the day started at the initial cash (before any fill); every fill is today's.
    let daily = ok(&admin, "/api/v1/portfolio/pnl/daily").await;
    let days = daily["days"].as_array().expect("days");
    let today = days.last().expect("a row for today");
    for row in days {
        assert_eq!(money(&row["equity_end"]) - money(&row["equity_start"]), money(&row["pnl"]), "{row}");
    }
    assert_eq!(money(&today["equity_start"]), Money::from_rupees(1_000_000).unwrap());
    assert_eq!(today["fills"].as_u64(), Some(all_fills));
    assert_eq!(money(&today["charges"]), money(&portfolio["charges"]));
    assert_eq!(money(&today["realised"]), money(&portfolio["realised_pnl"]));
    let date = today["date"].as_str().expect("a date").to_owned();
    let same = ok(&admin, &format!("/api/v1/portfolio/pnl/daily?from={date}&to={date}")).await;
    assert_eq!(same["days"].as_array().map(Vec::len), Some(1));
    let none = ok(&admin, "/api/v1/portfolio/pnl/daily?to=2000-01-01").await;
    assert_eq!(none["days"], Value::Array(Vec::new()));

    // The live curve fills up; statistics come once there are enough samples.
    let performance = wait_for("enough equity samples", WAIT, || async {
        let p = get(&admin, "/api/v1/analytics/performance").await.body;
        (p["samples"].as_u64()? >= 5 && p["statistics"].is_object()).then_some(p)
    })
    .await;
    assert_eq!(performance["resolution"], "samples");
    assert!(performance["statistics"]["max_drawdown_pct"].as_f64().is_some_and(|d| d <= 0.0), "{performance}");
    assert!(performance["statistics"]["periods_per_year"].as_f64().is_some_and(|p| p > 0.0), "{performance}");
    let strategy = wait_for("the strategy's samples", WAIT, || async {
        let p = get(&admin, "/api/v1/analytics/strategies/two_in").await.body;
        (p["samples"].as_u64()? >= 3 && p["statistics"].is_object()).then_some(p)
    })
    .await;
    assert_eq!(strategy["strategy"], "two_in");
    let daily_curve = ok(&admin, "/api/v1/analytics/performance?resolution=daily").await;
    assert_eq!(daily_curve["samples"], 1, "one day so far");
    assert!(daily_curve["statistics"].is_null(), "one point gives no statistics: {daily_curve}");

    // A restart rebuilds the same rows, holdings and books from the journal.
    let rows_before = settled_rows(&daily);
    let holding_before = holding.clone();
    let samples_before = performance["samples"].as_u64().unwrap();
    let first_before = (performance["first_at"].clone(), performance["first_equity"].clone());
    assert!(daemon.shutdown().await.is_empty());
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let daily = ok(&admin, "/api/v1/portfolio/pnl/daily").await;
    assert_eq!(settled_rows(&daily), rows_before);
    let holdings = ok(&admin, "/api/v1/holdings").await;
    let holding = &holdings["holdings"][0];
    for key in ["instrument", "quantity", "average_price", "cost"] {
        assert_eq!(holding[key], holding_before[key], "{key}");
    }
    let after = ok(&admin, "/api/v1/strategies/two_in/pnl").await;
    for key in ["realised", "charges", "fills"] {
        assert_eq!(after[key], mine[key], "{key}");
    }
    let performance = ok(&admin, "/api/v1/analytics/performance").await;
    assert!(performance["samples"].as_u64().unwrap() >= samples_before, "{performance}");
    assert_eq!((performance["first_at"].clone(), performance["first_equity"].clone()), first_before);
    assert!(daemon.shutdown().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_unknown_strategies_and_missing_tokens_are_refused() {
    let dir = TempDir::new("api-portfolio-refusals");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let anonymous = Api::anonymous(daemon.local_addr);

    let fields = |reply: &support::Reply| -> BTreeMap<String, String> {
        assert_eq!(reply.status, 400, "{}", reply.text);
        serde_json::from_value(reply.body["error"]["fields"].clone()).expect("fields")
    };
    let bad = fields(&get(&admin, "/api/v1/portfolio/pnl/daily?from=2026-13-01&bogus=1").await);
    assert_eq!(bad.keys().collect::<Vec<_>>(), ["bogus", "from"]);
    assert!(bad["from"].contains("YYYY-MM-DD"), "{bad:?}");
    let backwards = fields(&get(&admin, "/api/v1/portfolio/pnl/daily?from=2026-11-28&to=2026-11-27").await);
    assert!(backwards["to"].contains("before"), "{backwards:?}");
    assert!(fields(&get(&admin, "/api/v1/holdings?all=1").await).contains_key("all"));
    assert!(fields(&get(&admin, "/api/v1/portfolio/pnl/strategies?x=1").await).contains_key("x"));
    assert!(fields(&get(&admin, "/api/v1/strategies/two_in/pnl?x=1").await).contains_key("x"));
    let resolution = fields(&get(&admin, "/api/v1/analytics/performance?resolution=hourly").await);
    assert!(resolution["resolution"].contains("daily"), "{resolution:?}");
    assert!(fields(&get(&admin, "/api/v1/analytics/strategies/two_in?resolution=x").await).contains_key("resolution"));

    for path in ["/api/v1/strategies/nope/pnl", "/api/v1/analytics/strategies/nope"] {
        let reply = get(&admin, path).await;
        assert_eq!((reply.status, reply.body["error"]["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    // A malformed id is a bad request naming it, not an unknown strategy.
    let malformed = get(&admin, "/api/v1/strategies/%20/pnl").await;
    assert_eq!(malformed.status, 400, "{}", malformed.text);
    assert!(malformed.body["error"]["fields"]["id"].is_string(), "{}", malformed.text);
    // A known strategy before its first fill: zeros, and no statistics yet.
    let idle = ok(&admin, "/api/v1/analytics/strategies/two_in").await;
    assert_eq!(idle["min_samples"], 3);

    for path in [
        "/api/v1/holdings",
        "/api/v1/portfolio/pnl/daily",
        "/api/v1/portfolio/pnl/strategies",
        "/api/v1/strategies/two_in/pnl",
        "/api/v1/analytics/performance",
        "/api/v1/analytics/strategies/two_in",
    ] {
        assert_eq!(get(&anonymous, path).await.status, 401, "{path}");
        // Every role can read; the viewer, the weakest, is enough.
    }
    let viewer = serde_json::json!({"username": "vic", "password": "vic-correct-horse-battery", "role": "viewer"});
    assert_eq!(post(&admin, "/api/v1/admin/users", &viewer.to_string()).await.status, 201);
    let login =
        post(&anonymous, "/api/v1/auth/login", r#"{"username": "vic", "password": "vic-correct-horse-battery"}"#).await;
    let viewer = admin.with_token(login.body["access_token"].as_str().expect("an access token"));
    assert_eq!(get(&viewer, "/api/v1/portfolio/pnl/daily").await.status, 200);
    assert_eq!(get(&viewer, "/api/v1/analytics/performance").await.status, 200);
    assert!(daemon.shutdown().await.is_empty());
}

/// `date` at `hh:mm` IST.
fn ist(date: &str, hours: i64, minutes: i64) -> Timestamp {
    let date: Date = date.parse().unwrap();
    Timestamp::from_local(date, hours * 3600 + minutes * 60, IST_OFFSET_SECONDS).unwrap()
}

fn m(text: &str) -> Money {
    text.parse().unwrap()
}

/// A manual delivery order of `quantity` RELIANCE, filled at once at `price` paying `charges`.
fn past_trade(id: &str, side: Side, quantity: u64, price: &str, charges: &str, at: Timestamp) -> [JournalRecord; 2] {
    let instrument = InstrumentKey::new(RELIANCE).unwrap();
    let mut intent = OrderIntent::market(instrument.clone(), side, Quantity::new(quantity));
    intent.product = Product::Delivery;
    let request = OrderRequest {
        client_order_id: ClientOrderId::new(format!("c-{id}")).unwrap(),
        origin: OrderOrigin::Manual,
        intent,
        tag: None,
    };
    let order = Order::new(OrderId::new(format!("o-{id}")).unwrap(), request, at);
    let fill = Fill {
        id: FillId::new(format!("f-{id}")).unwrap(),
        order_id: order.id.clone(),
        instrument,
        side,
        product: Product::Delivery,
        quantity: Quantity::new(quantity),
        price: price.parse().unwrap(),
        ts: at,
        charges: ChargeBreakdown::commission(m(charges)),
    };
    [JournalRecord::OrderCreated { order }, JournalRecord::Fill { fill }]
}

/// Two past trading days written straight into the journal, as an earlier run would have left
/// them: the rows, the holding and the curve's daily points come back from it, and again after a
/// restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_days_are_rebuilt_from_the_journal() {
    let dir = TempDir::new("api-portfolio-past");
    let state = dir.0.join("state");
    std::fs::create_dir_all(&state).unwrap();
    {
        // Day 1 starts at the initial cash; buys 10 @ 2500 paying 10; the last sample is 1000490.
        // Day 2 starts at 1000400; sells 4 @ 2600 paying 5 (realising 4 × 100); no sample.
        let mut records =
            vec![JournalRecord::DayStarted { date: "2025-01-06".parse().unwrap(), start_equity: m("1000000") }];
        records.extend(past_trade("buy", Side::Buy, 10, "2500", "10", ist("2025-01-06", 10, 0)));
        for (minute, equity) in [(0, "1000100"), (1, "999900"), (2, "1000490")] {
            let at = ist("2025-01-06", 15, minute);
            records.push(JournalRecord::EquitySample(EquitySample {
                at,
                equity: m(equity),
                books: vec![(None, m(equity) - m("1000000"))],
            }));
        }
        records.push(JournalRecord::DayStarted { date: "2025-01-07".parse().unwrap(), start_equity: m("1000400") });
        records.extend(past_trade("sell", Side::Sell, 4, "2600", "5", ist("2025-01-07", 11, 30)));
        let encoded: Vec<Vec<u8>> = records.iter().map(|r| r.encode().unwrap()).collect();
        let mut store = RedbStore::open(state.join("journal.redb")).unwrap();
        store.append_batch(&encoded).unwrap();
    }
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    wait_for_quotes(&admin).await;

    // Day 2 has no sample: it ends where the next row starts — today's, once the router starts
    // today on its first quote (before that, today would start at day 2's own start, 1000400).
    let today = wait_for("the router to start today", WAIT, || async {
        let all = get(&admin, "/api/v1/portfolio/pnl/daily").await.body;
        let today = all["days"].as_array()?.last()?.clone();
        (money(&today["equity_start"]) != m("1000400")).then_some(today)
    })
    .await;
    let past = ok(&admin, "/api/v1/portfolio/pnl/daily?to=2025-12-31").await;
    let rows: Vec<(String, Money, Money, Money, Money, Money, u64)> = past["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = r["date"].as_str().unwrap().to_owned();
            let money_of = |key: &str| money(&r[key]);
            let fills = r["fills"].as_u64().unwrap();
            (
                text,
                money_of("equity_start"),
                money_of("equity_end"),
                money_of("pnl"),
                money_of("realised"),
                money_of("charges"),
                fills,
            )
        })
        .collect();
    let today_start = money(&today["equity_start"]);
    assert_eq!(
        rows,
        vec![
            ("2025-01-06".to_owned(), m("1000000"), m("1000490"), m("490"), m("0"), m("10"), 1),
            ("2025-01-07".to_owned(), m("1000400"), today_start, today_start - m("1000400"), m("400"), m("5"), 1),
        ]
    );
    // The holding: 6 of the 10 bought, at their cost.
    let holdings = ok(&admin, "/api/v1/holdings").await;
    let holding = &holdings["holdings"][0];
    assert_eq!((holding["quantity"].as_i64(), money(&holding["cost"])), (Some(6), m("15000")), "{holdings}");
    assert_eq!(price(&holding["average_price"]), "2500".parse::<Price>().unwrap());
    // The manual book: realised 400, charges 15.
    let books = ok(&admin, "/api/v1/portfolio/pnl/strategies").await;
    assert_eq!((money(&books["books"][0]["realised"]), money(&books["books"][0]["charges"])), (m("400"), m("15")));
    // The daily curve: day 1's last sample, then today's.
    let daily = ok(&admin, "/api/v1/analytics/performance?resolution=daily").await;
    assert_eq!(daily["first_at"].as_i64(), Some(ist("2025-01-06", 15, 2).nanos()));
    assert_eq!(money(&daily["first_equity"]), m("1000490"));

    assert!(daemon.shutdown().await.is_empty());
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    assert_eq!(ok(&admin, "/api/v1/portfolio/pnl/daily?to=2025-12-31").await, past, "the same rows after a restart");
    assert!(daemon.shutdown().await.is_empty());
}
