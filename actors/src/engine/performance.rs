//! The performance book: holdings, P&L by day, P&L by strategy and the live equity curves, all
//! folded from journaled facts — fills (with the origin of their order), the router's
//! `DayStarted` records and the sampler's `EquitySample` records — so recovery rebuilds exactly
//! what the running daemon had, and the control plane answers from memory.
//!
//! Live, the book follows the router by asking it for the fills after the last one it booked
//! ([`RouterSnapshot`]); recovery feeds it the same fills from the journal ([`PerformanceBook::observe`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trader::analytics::{Attribution, BookId};
use trader::model::{Fill, FillId, InstrumentKey, Order, OrderId, OrderOrigin, Portfolio, Position, Product};
use trader::num::Money;
use trader::time::{Date, Timestamp};

use super::daily_pnl::DailyPnl;
use super::equity_curve::EquityCurve;
use super::OrderBook;
use crate::records::JournalRecord;

/// One journaled sample of the live equity curve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquitySample {
    pub at: Timestamp,
    /// The portfolio's equity (cash plus positions at their marks).
    pub equity: Money,
    /// Each book's net P&L at the same marks (manual = `None`), for every book with fills.
    pub books: Vec<(BookId, Money)>,
}

/// What the sampler and the control plane need from the router, taken under one lock so the fills
/// and the marks agree.
#[derive(Debug, Clone)]
pub struct RouterSnapshot {
    /// Fills after the one asked for, oldest first, each with its order's book.
    pub fills: Vec<(Fill, BookId)>,
    /// False when the fill asked for is no longer in the router's memory: fills were missed.
    pub complete: bool,
    pub portfolio: Portfolio,
    /// The IST date the router's day P&L counts from.
    pub day: Option<Date>,
}

impl RouterSnapshot {
    /// The fills of `book` after `after` (all it holds when `after` is `None`), the portfolio and
    /// the day.
    pub fn take(book: &OrderBook, day: Option<Date>, after: Option<&FillId>) -> RouterSnapshot {
        let owned = |fill: &Fill| {
            let owner = book.order(&fill.order_id).and_then(|o| book_of(&o.request.origin));
            (fill.clone(), owner)
        };
        let (fills, complete) = match after {
            None => (book.fills().map(owned).collect(), true),
            Some(id) => {
                // Newest first, only back to the cursor: the sampler asks every second and there is
                // usually nothing new, so the common case stops at the first fill without allocating.
                let mut newer = Vec::new();
                let mut complete = false;
                for fill in book.fills().rev() {
                    if &fill.id == id {
                        complete = true;
                        break;
                    }
                    newer.push(owned(fill));
                }
                newer.reverse();
                (newer, complete)
            }
        };
        RouterSnapshot { fills, complete, portfolio: book.portfolio().clone(), day }
    }
}

/// The book an order's fills belong to.
pub fn book_of(origin: &OrderOrigin) -> BookId {
    match origin {
        OrderOrigin::Strategy(id) => Some(id.clone()),
        OrderOrigin::Manual => None,
    }
}

/// The performance book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerformanceBook {
    initial_cash: Money,
    /// Every fill, for the realised P&L each one books into the day it happened.
    portfolio: Portfolio,
    /// Positions built by delivery (CNC) fills only: the holdings.
    holdings: BTreeMap<InstrumentKey, Position>,
    attribution: Attribution,
    daily: DailyPnl,
    equity: EquityCurve,
    /// Each book's net P&L curve.
    book_curves: BTreeMap<BookId, EquityCurve>,
    detailed_days: usize,
    last_fill: Option<FillId>,
    last_sample: Option<EquitySample>,
    /// Fills that could not be booked, or were missed: the P&L shown may be off by them.
    problems: u64,
}

impl Default for PerformanceBook {
    fn default() -> PerformanceBook {
        PerformanceBook::new(Money::ZERO, trader::config::MAX_DETAILED_DAYS)
    }
}

impl PerformanceBook {
    /// An empty book for an account that started with `initial_cash`.
    pub fn new(initial_cash: Money, detailed_days: usize) -> PerformanceBook {
        PerformanceBook {
            initial_cash,
            portfolio: Portfolio::new(initial_cash),
            holdings: BTreeMap::new(),
            attribution: Attribution::default(),
            daily: DailyPnl::default(),
            equity: EquityCurve::new(detailed_days),
            book_curves: BTreeMap::new(),
            detailed_days,
            last_fill: None,
            last_sample: None,
            problems: 0,
        }
    }

    /// Folds one journal record (recovery); `orders` are the orders recovered so far, which
    /// include every fill's order since its creation is journaled first.
    pub fn observe(&mut self, record: &JournalRecord, orders: &BTreeMap<OrderId, Order>) {
        match record {
            JournalRecord::Fill { fill } => {
                let owner = orders.get(&fill.order_id).and_then(|o| book_of(&o.request.origin));
                self.fill(&owner, fill);
            }
            JournalRecord::DayStarted { date, start_equity } => self.daily.day_started(*date, *start_equity),
            JournalRecord::EquitySample(sample) => self.sample(sample),
            _ => {}
        }
    }

    /// Books one fill to `owner`.
    pub fn fill(&mut self, owner: &BookId, fill: &Fill) {
        self.last_fill = Some(fill.id.clone());
        let realised_before = self.portfolio.realised();
        if let Err(e) = self.portfolio.apply_fill(fill) {
            tracing::error!(fill_id = %fill.id, error = %e, "fill not booked in the performance book");
            self.problems += 1;
            return;
        }
        let realised = i128::from(self.portfolio.realised().micros()) - i128::from(realised_before.micros());
        let realised = Money::saturating_from_micros(realised);
        self.daily.fill(fill.ts, realised, fill.charges.total());
        // Both were checked by the portfolio above, so these cannot fail now.
        let _ = self.attribution.apply(owner, fill);
        if fill.product == Product::Delivery {
            let position =
                self.holdings.entry(fill.instrument.clone()).or_insert_with(|| Position::new(fill.instrument.clone()));
            let _ = position.apply_fill(fill);
        }
    }

    /// The router started a new IST day.
    pub fn day_started(&mut self, date: Date, start_equity: Money) {
        self.daily.day_started(date, start_equity);
    }

    /// Fills the router no longer had when asked: they are missing from this book.
    pub fn missed_fills(&mut self) {
        self.problems += 1;
    }

    /// Applies a (journaled) sample.
    pub fn sample(&mut self, sample: &EquitySample) {
        self.daily.sample(sample.at, sample.equity);
        self.equity.push(sample.at, sample.equity);
        for (book, net) in &sample.books {
            let detailed_days = self.detailed_days;
            self.book_curves
                .entry(book.clone())
                .or_insert_with(|| EquityCurve::new(detailed_days))
                .push(sample.at, *net);
        }
        self.last_sample = Some(sample.clone());
    }

    /// The sample to take at `at` given the router's `portfolio`; `None` when it would repeat the
    /// last one on the same IST day.
    pub fn next_sample(&self, at: Timestamp, portfolio: &Portfolio) -> Option<EquitySample> {
        let sample =
            EquitySample { at, equity: portfolio.equity(), books: self.attribution.net_by_book(&portfolio.marks) };
        let repeat = self.last_sample.as_ref().is_some_and(|last| {
            last.at.ist().0 == at.ist().0 && last.equity == sample.equity && last.books == sample.books
        });
        (!repeat).then_some(sample)
    }

    /// Keeps `detailed_days` days at full resolution from now on.
    pub fn set_detailed_days(&mut self, detailed_days: usize) {
        self.detailed_days = detailed_days;
        self.equity.set_detailed_days(detailed_days);
        for curve in self.book_curves.values_mut() {
            curve.set_detailed_days(detailed_days);
        }
    }

    pub fn initial_cash(&self) -> Money {
        self.initial_cash
    }

    pub fn last_fill(&self) -> Option<&FillId> {
        self.last_fill.as_ref()
    }

    pub fn holdings(&self) -> impl Iterator<Item = &Position> {
        self.holdings.values().filter(|p| !p.is_flat())
    }

    pub fn attribution(&self) -> &Attribution {
        &self.attribution
    }

    pub fn daily(&self) -> &DailyPnl {
        &self.daily
    }

    pub fn equity_curve(&self) -> &EquityCurve {
        &self.equity
    }

    /// A book's net P&L curve, if it was ever sampled.
    pub fn book_curve(&self, book: &BookId) -> Option<&EquityCurve> {
        self.book_curves.get(book)
    }

    pub fn problems(&self) -> u64 {
        self.problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trader::charges::ChargeBreakdown;
    use trader::model::{ClientOrderId, OrderIntent, OrderRequest, Side, StrategyId};
    use trader::num::{Price, Quantity};

    fn key() -> InstrumentKey {
        InstrumentKey::new("NSE_EQ|INE002A01018").unwrap()
    }

    fn order(id: &str, origin: OrderOrigin) -> Order {
        let request = OrderRequest {
            client_order_id: ClientOrderId::new(format!("c-{id}")).unwrap(),
            origin,
            intent: OrderIntent::market(key(), Side::Buy, Quantity::new(10)),
            tag: None,
        };
        Order::new(OrderId::new(id).unwrap(), request, Timestamp::from_nanos(1))
    }

    fn fill(id: &str, order: &str, side: Side, quantity: u64, price: &str, product: Product, at: i64) -> Fill {
        Fill {
            id: FillId::new(id).unwrap(),
            order_id: OrderId::new(order).unwrap(),
            instrument: key(),
            side,
            product,
            quantity: Quantity::new(quantity),
            price: price.parse().unwrap(),
            ts: Timestamp::from_nanos(at),
            charges: ChargeBreakdown::commission("1".parse().unwrap()),
        }
    }

    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }

    /// 2026-11-27 09:30 IST.
    const DAY: i64 = 1_795_752_000_000_000_000;

    #[test]
    fn recovery_and_live_folding_agree() {
        let s1 = StrategyId::new("s1").unwrap();
        let orders: BTreeMap<OrderId, Order> = [
            (OrderId::new("o1").unwrap(), order("o1", OrderOrigin::Strategy(s1.clone()))),
            (OrderId::new("o2").unwrap(), order("o2", OrderOrigin::Manual)),
        ]
        .into_iter()
        .collect();
        let f1 = fill("f1", "o1", Side::Buy, 10, "100", Product::Intraday, DAY);
        let f2 = fill("f2", "o2", Side::Buy, 5, "100", Product::Delivery, DAY + 1);
        let f3 = fill("f3", "o1", Side::Sell, 10, "110", Product::Intraday, DAY + 2);
        let sample = EquitySample { at: Timestamp::from_nanos(DAY + 3), equity: m("1097"), books: vec![] };
        let records = [
            JournalRecord::DayStarted { date: "2026-11-27".parse().unwrap(), start_equity: m("1000") },
            JournalRecord::Fill { fill: f1.clone() },
            JournalRecord::Fill { fill: f2.clone() },
            JournalRecord::Fill { fill: f3.clone() },
            JournalRecord::EquitySample(sample.clone()),
        ];
        let mut recovered = PerformanceBook::new(m("1000"), 5);
        for record in &records {
            recovered.observe(record, &orders);
        }
        let mut live = PerformanceBook::new(m("1000"), 5);
        live.day_started("2026-11-27".parse().unwrap(), m("1000"));
        live.fill(&Some(s1.clone()), &f1);
        live.fill(&None, &f2);
        live.fill(&Some(s1.clone()), &f3);
        live.sample(&sample);
        assert_eq!(recovered, live);
        assert_eq!(live.last_fill().map(FillId::as_str), Some("f3"));
        // Holdings: only the delivery fill.
        let holdings: Vec<(i64, Money)> = live.holdings().map(|p| (p.net, p.cost)).collect();
        assert_eq!(holdings, vec![(5, m("500"))]);
        // s1 realised 10 × 10 = 100 and paid 2; the manual book paid 1.
        let marks = [(key(), Price::from_units(100).unwrap())].into_iter().collect();
        assert_eq!(live.attribution().pnl(&Some(s1), &marks).net, m("98"));
        assert_eq!(live.attribution().pnl(&None, &marks).net, m("-1"));
        let rows = live.daily().rows(None, None, "2026-11-27".parse().unwrap(), m("1097"), m("1000"));
        assert_eq!((rows.len(), rows[0].realised, rows[0].charges, rows[0].fills), (1, m("100"), m("3"), 3));
    }

    #[test]
    fn a_repeated_sample_on_the_same_day_is_skipped() {
        let mut book = PerformanceBook::new(m("1000"), 5);
        let portfolio = Portfolio::new(m("1000"));
        let first = book.next_sample(Timestamp::from_nanos(DAY), &portfolio).unwrap();
        book.sample(&first);
        assert_eq!(book.next_sample(Timestamp::from_nanos(DAY + 60_000_000_000), &portfolio), None);
        // The next IST day always gets one.
        let tomorrow = Timestamp::from_nanos(DAY + 86_400_000_000_000);
        assert!(book.next_sample(tomorrow, &portfolio).is_some());
        let mut moved = portfolio.clone();
        moved.cash = m("1001");
        assert!(book.next_sample(Timestamp::from_nanos(DAY + 60_000_000_000), &moved).is_some());
    }

    #[test]
    fn snapshots_return_the_fills_after_the_cursor() {
        use trader::charges::CostModel;
        let registry =
            [trader::model::Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap()].into_iter().collect();
        let mut recovered = crate::recovery::RecoveredState::empty(m("100000"));
        let o = order("o1", OrderOrigin::Manual);
        recovered.orders.insert(o.id.clone(), o);
        recovered.fills = vec![
            fill("f1", "o1", Side::Buy, 1, "100", Product::Intraday, 1),
            fill("f2", "o1", Side::Buy, 1, "100", Product::Intraday, 2),
        ];
        let book = OrderBook::new(recovered, registry, CostModel::Free);
        let ids = |s: &RouterSnapshot| s.fills.iter().map(|(f, _)| f.id.as_str().to_owned()).collect::<Vec<_>>();
        let all = RouterSnapshot::take(&book, None, None);
        assert_eq!((ids(&all), all.complete), (vec!["f1".to_owned(), "f2".to_owned()], true));
        let after = RouterSnapshot::take(&book, None, Some(&FillId::new("f1").unwrap()));
        assert_eq!((ids(&after), after.complete), (vec!["f2".to_owned()], true));
        assert!(after.fills[0].1.is_none(), "a manual order's fill is the manual book's");
        let caught_up = RouterSnapshot::take(&book, None, Some(&FillId::new("f2").unwrap()));
        assert_eq!((ids(&caught_up), caught_up.complete), (Vec::<String>::new(), true));
        let gone = RouterSnapshot::take(&book, None, Some(&FillId::new("f0").unwrap()));
        assert!(!gone.complete);
        assert_eq!(ids(&gone), ["f1", "f2"], "what the router still has, all of it");
    }
}
