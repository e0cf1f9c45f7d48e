//! The order book of record: every order, the client-order-id map, fills and the portfolio they
//! build. Plain data and methods, so the order router actor stays a thin shell around it and the
//! rules are tested without a runtime.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use trader::charges::CostModel;
use trader::model::{
    ClientOrderId, Execution, Fill, FillId, InstrumentKey, InstrumentRegistry, Order, OrderEvent, OrderId, OrderOrigin,
    OrderRequest, OrderStatus, Portfolio, Side, TransitionError,
};
use trader::risk::RiskApproved;
use trader::time::Timestamp;

use super::OrderHistory;
use crate::broker::BrokerReport;
use crate::records::JournalRecord;
use crate::recovery::RecoveredState;

/// Fills kept in memory for the API; older ones stay in the journal.
const FILLS_IN_MEMORY: usize = 10_000;

/// The result of creating an order.
#[derive(Debug)]
pub enum Created {
    New(Order),
    /// The client order id was seen before: this is that order, unchanged.
    Existing(Order),
}

/// What one broker report changed.
#[derive(Debug, Default)]
pub struct Applied {
    pub order: Option<Order>,
    pub fill: Option<Fill>,
    pub records: Vec<JournalRecord>,
    /// A report that did not fit the order (logged by the caller; the order is unchanged).
    pub problem: Option<String>,
}

/// Where an order sits in creation order. Ids minted by `OrderBook::create` are `o<run>-<n>`,
/// and both numbers only grow (the run is the journal's sequence at start), so `(run, n)` sorts
/// orders by creation across restarts, where the ids' text would put `o5-10` before `o5-9`. An
/// id of another shape sorts first, by its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct CreationKey(u64, u64, OrderId);

impl CreationKey {
    fn of(id: &OrderId) -> CreationKey {
        let numbers = id
            .as_str()
            .strip_prefix('o')
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(run, n)| Some((run.parse().ok()?, n.parse().ok()?)));
        let (run, n) = numbers.unwrap_or((0, 0));
        CreationKey(run, n, id.clone())
    }
}

/// Which statuses an order list keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    /// Every status that can still fill.
    Open,
    Is(OrderStatus),
}

/// What an order list keeps; every condition set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderFilter {
    pub status: StatusFilter,
    pub instrument: Option<InstrumentKey>,
    /// `Manual` for API orders, or one strategy's.
    pub origin: Option<OrderOrigin>,
    pub side: Option<Side>,
    /// Created at or after.
    pub since: Option<Timestamp>,
    /// Created before.
    pub until: Option<Timestamp>,
}

impl OrderFilter {
    /// Whether only orders that can still fill match, so the open set holds every candidate.
    fn only_open(&self) -> bool {
        match self.status {
            StatusFilter::All => false,
            StatusFilter::Open => true,
            StatusFilter::Is(status) => status.is_open(),
        }
    }

    pub fn matches(&self, order: &Order) -> bool {
        let intent = &order.request.intent;
        let status = match self.status {
            StatusFilter::All => true,
            StatusFilter::Open => order.status().is_open(),
            StatusFilter::Is(status) => order.status() == status,
        };
        status
            && self.instrument.as_ref().is_none_or(|i| *i == intent.instrument)
            && self.origin.as_ref().is_none_or(|o| *o == order.request.origin)
            && self.side.is_none_or(|s| s == intent.side)
            && self.since.is_none_or(|t| order.created_at >= t)
            && self.until.is_none_or(|t| order.created_at < t)
    }
}

/// One page of an order list, in creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    pub orders: Vec<Order>,
    /// The last order of this page when more match after it: pass it back as `after` for the next.
    pub next_cursor: Option<OrderId>,
}

#[derive(Debug)]
pub struct OrderBook {
    orders: BTreeMap<OrderId, Order>,
    /// Every order in creation order, for lists and their keyset pagination: an order placed while
    /// a client pages through sorts after every order it has seen, so pages neither repeat nor skip.
    created: BTreeSet<CreationKey>,
    /// Each order's changes; bounded per order (`order_history`).
    histories: BTreeMap<OrderId, OrderHistory>,
    /// The ids of open orders: every order stays in `orders`, so scanning it for the open ones
    /// would cost more with every order ever placed, on every exposure update.
    open: BTreeSet<OrderId>,
    by_client_id: BTreeMap<ClientOrderId, OrderId>,
    fills: VecDeque<Fill>,
    portfolio: Portfolio,
    instruments: InstrumentRegistry,
    costs: CostModel,
    /// Distinguishes ids minted by this run from those of earlier runs (the journal's sequence at
    /// start), so ids never repeat across restarts.
    run: u64,
    next_order: u64,
    next_fill: u64,
}

impl OrderBook {
    pub fn new(recovered: RecoveredState, instruments: InstrumentRegistry, costs: CostModel) -> OrderBook {
        let mut fills: VecDeque<Fill> = recovered.fills.into();
        while fills.len() > FILLS_IN_MEMORY {
            fills.pop_front();
        }
        OrderBook {
            open: recovered.orders.values().filter(|o| o.status().is_open()).map(|o| o.id.clone()).collect(),
            created: recovered.orders.keys().map(CreationKey::of).collect(),
            histories: recovered.order_history,
            orders: recovered.orders,
            by_client_id: recovered.by_client_id,
            fills,
            portfolio: recovered.portfolio,
            instruments,
            costs,
            run: recovered.last_sequence,
            next_order: 0,
            next_fill: 0,
        }
    }

    pub fn instruments(&self) -> &InstrumentRegistry {
        &self.instruments
    }

    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }

    pub fn portfolio_mut(&mut self) -> &mut Portfolio {
        &mut self.portfolio
    }

    pub fn order(&self, id: &OrderId) -> Option<&Order> {
        self.orders.get(id)
    }

    /// Every order, oldest first.
    pub fn orders(&self) -> impl DoubleEndedIterator<Item = &Order> {
        self.created.iter().filter_map(|key| self.orders.get(&key.2))
    }

    /// Up to `limit` orders matching `filter`, oldest first, created after the order `after`
    /// (a cursor from an earlier page; it need not exist any more).
    pub fn page(&self, filter: &OrderFilter, after: Option<&OrderId>, limit: usize) -> OrderPage {
        use std::ops::{Bound, RangeBounds};
        let start = after.map_or(Bound::Unbounded, |id| Bound::Excluded(CreationKey::of(id)));
        // A list of open orders (what dashboards poll) walks the open set, never the whole
        // history: the router answers it while holding its book, so its cost must not grow with
        // every order ever placed.
        let open_keys: Option<Vec<CreationKey>> = filter.only_open().then(|| {
            let mut keys: Vec<CreationKey> = self
                .open
                .iter()
                .map(CreationKey::of)
                .filter(|key| (start.as_ref(), Bound::Unbounded).contains(key))
                .collect();
            keys.sort_unstable();
            keys
        });
        let candidates: Box<dyn Iterator<Item = &CreationKey>> = match &open_keys {
            Some(keys) => Box::new(keys.iter()),
            None => Box::new(self.created.range((start, Bound::Unbounded))),
        };
        let mut matching = candidates.filter_map(|key| self.orders.get(&key.2)).filter(|o| filter.matches(o));
        let orders: Vec<Order> = matching.by_ref().take(limit).cloned().collect();
        let more = limit > 0 && matching.next().is_some();
        let next_cursor = if more { orders.last().map(|o| o.id.clone()) } else { None };
        OrderPage { orders, next_cursor }
    }

    /// The order's changes since its creation.
    pub fn history(&self, id: &OrderId) -> Option<&OrderHistory> {
        self.histories.get(id)
    }

    pub fn open_orders(&self) -> impl Iterator<Item = &Order> {
        self.open.iter().filter_map(|id| self.orders.get(id))
    }

    /// The open orders, oldest first: sorts only the open ones, never the whole history.
    pub fn open_orders_oldest_first(&self) -> Vec<&Order> {
        let mut keys: Vec<CreationKey> = self.open.iter().map(CreationKey::of).collect();
        keys.sort_unstable();
        keys.iter().filter_map(|key| self.orders.get(&key.2)).collect()
    }

    pub fn fills(&self) -> impl DoubleEndedIterator<Item = &Fill> {
        self.fills.iter()
    }

    pub fn by_client_id(&self, id: &ClientOrderId) -> Option<&Order> {
        self.by_client_id.get(id).and_then(|order_id| self.orders.get(order_id))
    }

    /// Records an approved request as a new pending order, or returns the order that already
    /// carries its client order id (idempotent submission).
    pub fn create(&mut self, approved: RiskApproved<OrderRequest>, now: Timestamp) -> Created {
        let request = approved.into_inner();
        if let Some(existing) = self.by_client_id(&request.client_order_id) {
            return Created::Existing(existing.clone());
        }
        self.next_order += 1;
        let id = OrderId::new(format!("o{}-{}", self.run, self.next_order)).expect("generated ids are plain");
        let order = Order::new(id.clone(), request, now);
        self.by_client_id.insert(order.request.client_order_id.clone(), id.clone());
        self.open.insert(id.clone());
        self.created.insert(CreationKey::of(&id));
        self.histories.insert(id.clone(), OrderHistory::created(&order));
        self.orders.insert(id, order.clone());
        Created::New(order)
    }

    /// Removes an order whose record could not be made durable, so it never existed.
    pub fn forget(&mut self, id: &OrderId) {
        self.open.remove(id);
        self.created.remove(&CreationKey::of(id));
        self.histories.remove(id);
        if let Some(order) = self.orders.remove(id) {
            self.by_client_id.remove(&order.request.client_order_id);
        }
    }

    /// Applies an event we decided ourselves (a cancel request, a refusal before the broker).
    pub fn apply_event(
        &mut self,
        id: &OrderId,
        event: OrderEvent,
        now: Timestamp,
    ) -> Result<(Order, JournalRecord), TransitionError> {
        let order = self.orders.get_mut(id).ok_or_else(|| TransitionError::Illegal {
            order_id: id.clone(),
            from: trader::model::OrderStatus::Pending,
            event: event.name(),
        })?;
        let status = order.apply(&event, now)?;
        if status.is_terminal() {
            self.open.remove(id);
        }
        if let Some(history) = self.histories.get_mut(id) {
            history.push(now, event.clone(), status);
        }
        Ok((order.clone(), JournalRecord::OrderEvent { order_id: id.clone(), event, at: now }))
    }

    /// Applies an event only once `persist` has taken its record (journal first): when `persist`
    /// fails, the book is left exactly as it was, history included, and its error comes back.
    pub fn apply_event_durably<T, E>(
        &mut self,
        id: &OrderId,
        event: OrderEvent,
        now: Timestamp,
        persist: impl FnOnce(&JournalRecord) -> Result<T, E>,
    ) -> Result<Result<(Order, T), E>, TransitionError> {
        let current = self.orders.get(id).ok_or_else(|| TransitionError::Illegal {
            order_id: id.clone(),
            from: trader::model::OrderStatus::Pending,
            event: event.name(),
        })?;
        let mut next = current.clone();
        let status = next.apply(&event, now)?;
        let record = JournalRecord::OrderEvent { order_id: id.clone(), event: event.clone(), at: now };
        let persisted = match persist(&record) {
            Ok(persisted) => persisted,
            Err(e) => return Ok(Err(e)),
        };
        if status.is_terminal() {
            self.open.remove(id);
        }
        if let Some(history) = self.histories.get_mut(id) {
            history.push(now, event, status);
        }
        self.orders.insert(id.clone(), next.clone());
        Ok(Ok((next, persisted)))
    }

    /// Applies a broker report: moves the order's state machine and, for a fill, charges it and
    /// books it into the portfolio.
    pub fn apply_report(&mut self, report: BrokerReport, now: Timestamp) -> Applied {
        let mut applied = Applied::default();
        let Some(order) = self.orders.get_mut(report.order_id()) else {
            applied.problem = Some(format!("broker report for unknown order {}", report.order_id()));
            return applied;
        };
        let turnover_before = order.filled_value();
        let (event, at) = match &report {
            BrokerReport::Accepted { .. } => (OrderEvent::Accepted, now),
            BrokerReport::Rejected { reason, .. } => (OrderEvent::Rejected { reason: reason.clone() }, now),
            BrokerReport::Cancelled { .. } => (OrderEvent::Cancelled, now),
            BrokerReport::Modified { .. } => (OrderEvent::Modified, now),
            BrokerReport::ModifyRejected { reason, .. } => (OrderEvent::ModifyRejected { reason: reason.clone() }, now),
            BrokerReport::Fill { quantity, price, ts, .. } => {
                (OrderEvent::Filled { quantity: *quantity, price: *price }, *ts)
            }
        };
        let status = match order.apply(&event, at) {
            Ok(status) => status,
            Err(e) => {
                applied.problem = Some(e.to_string());
                return applied;
            }
        };
        if status.is_terminal() {
            self.open.remove(&order.id);
        }
        if let Some(history) = self.histories.get_mut(&order.id) {
            history.push(at, event.clone(), status);
        }
        // A fill is journaled as one record carrying both the order's change and the booked
        // fill, so a crash can never keep one without the other.
        if !matches!(event, OrderEvent::Filled { .. }) {
            applied.records.push(JournalRecord::OrderEvent { order_id: order.id.clone(), event, at });
        }
        applied.order = Some(order.clone());
        if let BrokerReport::Fill { quantity, price, ts, .. } = report {
            let instrument = &order.request.intent.instrument;
            let exchange = self.instruments.get(instrument).map_or(trader::model::Exchange::Nse, |i| i.exchange);
            self.next_fill += 1;
            let id = FillId::new(format!("f{}-{}", self.run, self.next_fill)).expect("generated ids are plain");
            let execution = Execution { quantity, price, ts };
            let fill = Fill::charged(id.clone(), order, exchange, execution, turnover_before, &self.costs)
                .unwrap_or_else(|e| {
                    // The fill happened at the broker: book it, uncharged, and say so loudly.
                    applied.problem = Some(format!("fill on {} could not be charged: {e}", order.id));
                    Fill::of_execution(id, order, execution)
                });
            if let Err(e) = self.portfolio.apply_fill(&fill) {
                applied.problem = Some(format!("fill {} could not be booked: {e}", fill.id));
            }
            if self.fills.len() >= FILLS_IN_MEMORY {
                self.fills.pop_front();
            }
            self.fills.push_back(fill.clone());
            applied.records.push(JournalRecord::Fill { fill: fill.clone() });
            applied.fill = Some(fill);
        }
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trader::model::{Instrument, InstrumentKey, OrderIntent, OrderOrigin, OrderStatus, Side};
    use trader::num::{Money, Price, Quantity, Rate};
    use trader::risk::{MarketCalendar, RiskContext, RiskGate, RiskLimits, TradingState};

    fn approved(client: &str) -> RiskApproved<OrderRequest> {
        let instrument = Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap();
        let request = OrderRequest {
            client_order_id: ClientOrderId::new(client).unwrap(),
            origin: OrderOrigin::Manual,
            intent: OrderIntent::market(instrument.key.clone(), Side::Buy, Quantity::new(10)),
            tag: None,
        };
        let mut gate =
            RiskGate::new(RiskLimits { market_hours: MarketCalendar::always_open(), ..RiskLimits::default() });
        let now = Timestamp::from_nanos(1);
        let ctx = RiskContext {
            now,
            trading_state: TradingState::Active,
            instrument: Some(&instrument),
            position: 0,
            open_buy_quantity: 0,
            open_sell_quantity: 0,
            last_trade: Some((Price::from_micros(100_000_000), now)),
            gross_exposure: Money::ZERO,
            day_pnl: Money::ZERO,
        };
        gate.check(&ctx, request).unwrap()
    }

    fn book() -> OrderBook {
        let registry = [Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap()].into_iter().collect();
        let mut recovered = RecoveredState::empty(Money::from_rupees(100_000).unwrap());
        recovered.last_sequence = 42;
        OrderBook::new(recovered, registry, CostModel::Commission(Rate::from_bps(10)))
    }

    #[test]
    fn a_repeated_client_order_id_returns_the_existing_order() {
        let mut book = book();
        let Created::New(order) = book.create(approved("c1"), Timestamp::from_nanos(1)) else { panic!("new") };
        assert_eq!(order.id.as_str(), "o42-1", "ids carry the run so they never repeat across restarts");
        let Created::Existing(again) = book.create(approved("c1"), Timestamp::from_nanos(2)) else {
            panic!("existing")
        };
        assert_eq!(again.id, order.id);
    }

    #[test]
    fn fills_are_charged_and_booked() {
        let mut book = book();
        let Created::New(order) = book.create(approved("c1"), Timestamp::from_nanos(1)) else { panic!("new") };
        assert!(book
            .apply_report(BrokerReport::Accepted { order_id: order.id.clone() }, Timestamp::from_nanos(2))
            .problem
            .is_none());
        let price = Price::from_micros(100_000_000);
        let report = BrokerReport::Fill {
            order_id: order.id.clone(),
            quantity: Quantity::new(10),
            price,
            ts: Timestamp::from_nanos(3),
        };
        let applied = book.apply_report(report, Timestamp::from_nanos(3));
        let fill = applied.fill.unwrap();
        // 10 bps of 10 × ₹100 = ₹1.
        assert_eq!(fill.charges.total(), Money::from_rupees(1).unwrap());
        assert_eq!(applied.order.unwrap().status(), OrderStatus::Filled);
        assert!(
            matches!(applied.records.as_slice(), [JournalRecord::Fill { .. }]),
            "one record carries the order's fill and the booked fill"
        );
        let key = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        assert_eq!(book.portfolio().net_quantity(&key), 10);
        assert_eq!(book.portfolio().cash, Money::from_rupees(100_000 - 1_000 - 1).unwrap());
    }

    #[test]
    fn open_orders_follow_the_state_machine() {
        let mut book = book();
        let Created::New(first) = book.create(approved("c1"), Timestamp::from_nanos(1)) else { panic!("new") };
        let Created::New(second) = book.create(approved("c2"), Timestamp::from_nanos(1)) else { panic!("new") };
        let open = |book: &OrderBook| book.open_orders().map(|o| o.id.clone()).collect::<Vec<_>>();
        assert_eq!(open(&book), [first.id.clone(), second.id.clone()]);
        book.apply_report(BrokerReport::Accepted { order_id: first.id.clone() }, Timestamp::from_nanos(2));
        let fill = BrokerReport::Fill {
            order_id: first.id.clone(),
            quantity: Quantity::new(10),
            price: Price::from_micros(100_000_000),
            ts: Timestamp::from_nanos(3),
        };
        book.apply_report(fill, Timestamp::from_nanos(3));
        book.apply_event(&second.id, OrderEvent::Cancelled, Timestamp::from_nanos(4)).unwrap();
        assert!(open(&book).is_empty(), "filled and cancelled orders are not open");
        let Created::New(third) = book.create(approved("c3"), Timestamp::from_nanos(5)) else { panic!("new") };
        book.forget(&third.id);
        assert!(open(&book).is_empty());
    }

    fn accept(book: &mut OrderBook, id: &OrderId, at: i64) {
        let applied = book.apply_report(BrokerReport::Accepted { order_id: id.clone() }, Timestamp::from_nanos(at));
        assert!(applied.problem.is_none());
    }

    #[test]
    fn pages_follow_creation_order_and_a_cursor_survives_new_orders() {
        let mut book = book();
        let mut ids = Vec::new();
        for n in 1..=11 {
            let Created::New(order) = book.create(approved(&format!("c{n}")), Timestamp::from_nanos(n)) else {
                panic!("new")
            };
            ids.push(order.id);
        }
        // By creation, not by text: o42-10 and o42-11 come after o42-9.
        let all: Vec<OrderId> = book.orders().map(|o| o.id.clone()).collect();
        assert_eq!(all, ids);
        let filter = OrderFilter::default();
        let first = book.page(&filter, None, 4);
        assert_eq!(first.orders.iter().map(|o| o.id.clone()).collect::<Vec<_>>(), ids[..4]);
        assert_eq!(first.next_cursor.as_ref(), Some(&ids[3]));
        // An order placed between pages lands after every order already seen.
        let Created::New(late) = book.create(approved("late"), Timestamp::from_nanos(99)) else { panic!("new") };
        let second = book.page(&filter, first.next_cursor.as_ref(), 4);
        assert_eq!(second.orders.iter().map(|o| o.id.clone()).collect::<Vec<_>>(), ids[4..8]);
        let third = book.page(&filter, second.next_cursor.as_ref(), 4);
        let mut rest = ids[8..].to_vec();
        rest.push(late.id);
        assert_eq!(third.orders.iter().map(|o| o.id.clone()).collect::<Vec<_>>(), rest);
        assert_eq!(third.next_cursor, None, "the last page has no cursor");
        let exact = book.page(&filter, None, 12);
        assert_eq!((exact.orders.len(), exact.next_cursor), (12, None), "no empty page after an exact fit");
    }

    #[test]
    fn open_pages_walk_the_open_set_in_creation_order_like_a_full_scan() {
        let mut book = book();
        let mut ids = Vec::new();
        for n in 1..=12 {
            let Created::New(order) = book.create(approved(&format!("c{n}")), Timestamp::from_nanos(n)) else {
                panic!("new")
            };
            accept(&mut book, &order.id, n);
            ids.push(order.id);
        }
        for id in ids.iter().step_by(3) {
            book.apply_event(id, OrderEvent::Cancelled, Timestamp::from_nanos(50)).unwrap();
        }
        let walk = |book: &OrderBook, filter: &OrderFilter| {
            let (mut seen, mut cursor) = (Vec::new(), None);
            loop {
                let page = book.page(filter, cursor.as_ref(), 3);
                seen.extend(page.orders.into_iter().map(|o| o.id));
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => return seen,
                }
            }
        };
        // What a scan of every order gives, by creation (o42-10 after o42-9).
        let expected: Vec<OrderId> = book.orders().filter(|o| o.status().is_open()).map(|o| o.id.clone()).collect();
        assert_eq!(expected.len(), 8);
        assert_eq!(expected.last(), Some(&ids[11]));
        let open = OrderFilter { status: StatusFilter::Open, ..OrderFilter::default() };
        assert_eq!(walk(&book, &open), expected);
        let accepted = OrderFilter { status: StatusFilter::Is(OrderStatus::Accepted), ..OrderFilter::default() };
        assert_eq!(walk(&book, &accepted), expected);
        // A cursor whose order closed since still resumes after it.
        let first = book.page(&open, None, 3);
        let cursor = first.next_cursor.expect("more pages");
        book.apply_event(&cursor, OrderEvent::Cancelled, Timestamp::from_nanos(60)).unwrap();
        let next = book.page(&open, Some(&cursor), 3);
        assert_eq!(next.orders.iter().map(|o| o.id.clone()).collect::<Vec<_>>(), expected[3..6]);
    }

    #[test]
    fn filters_combine() {
        let mut book = book();
        let Created::New(a) = book.create(approved("c1"), Timestamp::from_nanos(10)) else { panic!("new") };
        let Created::New(b) = book.create(approved("c2"), Timestamp::from_nanos(20)) else { panic!("new") };
        book.apply_event(&a.id, OrderEvent::Cancelled, Timestamp::from_nanos(30)).unwrap();
        let ids =
            |filter: &OrderFilter| book.page(filter, None, 10).orders.into_iter().map(|o| o.id).collect::<Vec<_>>();
        let open = OrderFilter { status: StatusFilter::Open, ..OrderFilter::default() };
        assert_eq!(ids(&open), [b.id]);
        let cancelled = OrderFilter { status: StatusFilter::Is(OrderStatus::Cancelled), ..OrderFilter::default() };
        assert_eq!(ids(&cancelled), std::slice::from_ref(&a.id));
        let window = OrderFilter {
            since: Some(Timestamp::from_nanos(10)),
            until: Some(Timestamp::from_nanos(20)),
            ..OrderFilter::default()
        };
        assert_eq!(ids(&window), [a.id], "since is inclusive, until exclusive");
        let manual_buys = OrderFilter {
            origin: Some(OrderOrigin::Manual),
            side: Some(Side::Buy),
            instrument: Some(InstrumentKey::new("NSE_EQ|INE002A01018").unwrap()),
            ..OrderFilter::default()
        };
        assert_eq!(ids(&manual_buys).len(), 2);
        let sells = OrderFilter { side: Some(Side::Sell), ..OrderFilter::default() };
        assert!(ids(&sells).is_empty());
        let strategy = OrderFilter {
            origin: Some(OrderOrigin::Strategy(trader::model::StrategyId::new("s1").unwrap())),
            ..OrderFilter::default()
        };
        assert!(ids(&strategy).is_empty());
    }

    #[test]
    fn a_modification_and_its_history() {
        let mut book = book();
        let Created::New(order) = book.create(approved("c1"), Timestamp::from_nanos(1)) else { panic!("new") };
        accept(&mut book, &order.id, 2);
        let kind = trader::model::OrderKind::Limit { price: Price::from_micros(99_950_000) };
        let requested = OrderEvent::ModifyRequested { kind, quantity: Quantity::new(20) };
        let (pending, record) = book.apply_event(&order.id, requested.clone(), Timestamp::from_nanos(3)).unwrap();
        assert_eq!(pending.status(), OrderStatus::PendingModify);
        assert!(matches!(record, JournalRecord::OrderEvent { .. }));
        let applied =
            book.apply_report(BrokerReport::Modified { order_id: order.id.clone() }, Timestamp::from_nanos(4));
        let modified = applied.order.unwrap();
        assert_eq!(
            (modified.status(), modified.quantity(), modified.request.intent.kind),
            (OrderStatus::Accepted, Quantity::new(20), kind)
        );
        assert!(matches!(applied.records.as_slice(), [JournalRecord::OrderEvent { event: OrderEvent::Modified, .. }]));
        let again = OrderEvent::ModifyRequested { kind, quantity: Quantity::new(30) };
        book.apply_event(&order.id, again, Timestamp::from_nanos(5)).unwrap();
        let report = BrokerReport::ModifyRejected { order_id: order.id.clone(), reason: "no".into() };
        let refused = book.apply_report(report, Timestamp::from_nanos(6)).order.unwrap();
        assert_eq!((refused.status(), refused.quantity()), (OrderStatus::Accepted, Quantity::new(20)));

        let history: Vec<(i64, String, OrderStatus)> = book
            .history(&order.id)
            .unwrap()
            .entries()
            .map(|e| {
                let name = match &e.change {
                    crate::engine::HistoryChange::Created { .. } => "created",
                    crate::engine::HistoryChange::Event(event) => event.name(),
                };
                (e.at.nanos(), name.to_owned(), e.status)
            })
            .collect();
        let expected = [
            (1, "created", OrderStatus::Pending),
            (2, "accepted", OrderStatus::Accepted),
            (3, "modify_requested", OrderStatus::PendingModify),
            (4, "modified", OrderStatus::Accepted),
            (5, "modify_requested", OrderStatus::PendingModify),
            (6, "modify_rejected", OrderStatus::Accepted),
        ];
        assert_eq!(history, expected.map(|(t, n, s)| (t, n.to_owned(), s)));
        book.forget(&order.id);
        assert!(book.history(&order.id).is_none());
    }

    #[test]
    fn a_report_that_does_not_fit_changes_nothing() {
        let mut book = book();
        let Created::New(order) = book.create(approved("c1"), Timestamp::from_nanos(1)) else { panic!("new") };
        let report = BrokerReport::Fill {
            order_id: order.id.clone(),
            quantity: Quantity::new(1),
            price: Price::from_micros(1),
            ts: Timestamp::from_nanos(3),
        };
        let applied = book.apply_report(report, Timestamp::from_nanos(3));
        assert!(applied.problem.unwrap().contains("not allowed in state Pending"));
        assert!(applied.records.is_empty());
        assert_eq!(book.fills().count(), 0);
    }
}
