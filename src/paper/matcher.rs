//! `PaperMatcher`: keeps the working paper orders and the latest book per instrument, and turns
//! submissions, cancels and market data into `MatchEvent`s by the rules in the module doc.

use std::collections::{BTreeMap, BTreeSet};

use super::bar_rules;
use super::book::Book;
use super::quote_rules::{self, LastTrade};
use super::working::{Phase, WorkingOrder};
use super::{CancelReason, MarketDataError, MatchEvent, PaperConfig, RejectReason};
use crate::model::{Bar, Instrument, InstrumentKey, Order, OrderId, OrderKind, Quote, Side, Validity};
use crate::num::{Price, Quantity};
use crate::time::Timestamp;

/// The deterministic paper matching engine. Working orders are kept in submission order, which is
/// also their priority for quoted size; the output depends only on the sequence of calls.
#[derive(Debug, Clone, Default)]
pub struct PaperMatcher {
    config: PaperConfig,
    /// Working orders in submission order.
    resting: Vec<WorkingOrder>,
    /// The latest quote per instrument, less the size paper fills took from it.
    books: BTreeMap<InstrumentKey, Book>,
    /// Every id ever accepted, so a resubmitted order cannot fill twice. Grows with the number of
    /// orders (a day's live paper trading, one backtest run), never with market data.
    accepted: BTreeSet<OrderId>,
}

impl PaperMatcher {
    pub fn new(config: PaperConfig) -> PaperMatcher {
        PaperMatcher { config, ..PaperMatcher::default() }
    }

    pub fn config(&self) -> &PaperConfig {
        &self.config
    }

    /// Accepts `order` (or rejects it with a reason) and matches it at once against the latest
    /// quote seen for its instrument. Executions at submission are stamped `now`. An IOC order
    /// with no quote yet waits for the first market data of its instrument, its one attempt.
    pub fn submit(&mut self, order: &Order, instrument: &Instrument, now: Timestamp, out: &mut Vec<MatchEvent>) {
        if let Err(reason) = self.admit(order, instrument) {
            out.push(MatchEvent::Rejected { order_id: order.id.clone(), reason });
            return;
        }
        self.accepted.insert(order.id.clone());
        out.push(MatchEvent::Accepted { order_id: order.id.clone() });
        let mut working = WorkingOrder::new(order, instrument);
        let keep = match self.books.get_mut(&working.instrument) {
            Some(book) => {
                work_on_book(&mut working, book, self.config.slippage_ticks, LastTrade::PrintedBefore, now, out)
            }
            None => true,
        };
        if keep {
            self.resting.push(working);
        }
    }

    /// Remembers `quote` as its instrument's latest and matches that instrument's working orders
    /// against it, in submission order.
    pub fn on_quote(&mut self, quote: &Quote, out: &mut Vec<MatchEvent>) {
        let fresh = Book::from_quote(quote);
        // Look up before inserting so the steady state (a known instrument) clones no key.
        let book = match self.books.get_mut(&quote.instrument) {
            Some(book) => {
                *book = fresh;
                book
            }
            None => self.books.entry(quote.instrument.clone()).or_insert(fresh),
        };
        let slippage = self.config.slippage_ticks;
        self.resting.retain_mut(|order| {
            order.instrument != quote.instrument
                || work_on_book(order, book, slippage, LastTrade::PrintedAfter, quote.ts, out)
        });
    }

    /// Matches `instrument`'s working orders against one bar (backtests). Fills are stamped with
    /// the bar's `ts` and are for the whole remainder: volume does not limit size. The bar is not
    /// remembered, so later submissions do not match against it.
    pub fn on_bar(
        &mut self,
        instrument: &InstrumentKey,
        bar: &Bar,
        out: &mut Vec<MatchEvent>,
    ) -> Result<(), MarketDataError> {
        if !bar.is_consistent() || !bar.low.is_positive() {
            return Err(MarketDataError::BadBar {
                instrument: instrument.clone(),
                ts: bar.ts,
                open: bar.open,
                high: bar.high,
                low: bar.low,
                close: bar.close,
            });
        }
        let slippage = self.config.slippage_ticks;
        self.resting.retain_mut(|order| {
            if order.instrument != *instrument {
                return true;
            }
            let outcome = bar_rules::execute(order.side, order.phase(), order.tick, slippage, bar);
            if outcome.triggered {
                order.triggered = true;
                out.push(MatchEvent::Triggered { order_id: order.id.clone(), ts: bar.ts });
            }
            if let Some(price) = outcome.fill {
                out.push(MatchEvent::Fill { order_id: order.id.clone(), quantity: order.remaining, price, ts: bar.ts });
                order.remaining = Quantity::ZERO;
            }
            keeps_resting(order, out)
        });
        Ok(())
    }

    /// Matches `instrument`'s working orders against one trade at `price` of unlimited size (a
    /// bar's close, a replayed tick). Like a quote with only a last trade, but not remembered.
    pub fn on_trade(
        &mut self,
        instrument: &InstrumentKey,
        price: Price,
        ts: Timestamp,
        out: &mut Vec<MatchEvent>,
    ) -> Result<(), MarketDataError> {
        if !price.is_positive() {
            return Err(MarketDataError::BadTrade { instrument: instrument.clone(), ts, price });
        }
        let mut book = Book::from_trade(price);
        let slippage = self.config.slippage_ticks;
        self.resting.retain_mut(|order| {
            order.instrument != *instrument
                || work_on_book(order, &mut book, slippage, LastTrade::PrintedAfter, ts, out)
        });
        Ok(())
    }

    /// Cancels a working order, emitting `Cancelled { reason: Requested }`; false when no such
    /// order is working (unknown, already filled or cancelled).
    pub fn cancel(&mut self, order_id: &OrderId, out: &mut Vec<MatchEvent>) -> bool {
        let Some(index) = self.resting.iter().position(|o| o.id == *order_id) else {
            return false;
        };
        let order = self.resting.remove(index);
        out.push(MatchEvent::Cancelled {
            order_id: order.id,
            remaining: order.remaining,
            reason: CancelReason::Requested,
        });
        true
    }

    /// Changes a working order to `order`'s type, prices and quantity (`order` carries the new
    /// kind and total quantity; what it has filled says what remains). Checked like a submission
    /// (prices on the tick grid, an SL's limit on the right side of its trigger, something left to
    /// fill); a refusal changes nothing. The changed order loses its place for quoted size and
    /// goes to the back, as an exchange treats a modified order, and is matched at once against
    /// the latest book like a new submission (executions stamped `now`). A stop that has already
    /// fired keeps working as fired and may not change its trigger.
    pub fn modify(
        &mut self,
        order: &Order,
        instrument: &Instrument,
        now: Timestamp,
        out: &mut Vec<MatchEvent>,
    ) -> Result<(), RejectReason> {
        let Some(index) = self.resting.iter().position(|o| o.id == order.id) else {
            return Err(RejectReason::NotWorking { order_id: order.id.clone() });
        };
        let intent = &order.request.intent;
        if order.remaining().is_zero() {
            return Err(RejectReason::NothingToFill { quantity: order.quantity(), filled: order.filled() });
        }
        if intent.instrument != instrument.key || intent.instrument != self.resting[index].instrument {
            return Err(RejectReason::InstrumentMismatch {
                order: intent.instrument.clone(),
                given: instrument.key.clone(),
            });
        }
        check_prices(intent.side, &intent.kind, instrument)?;
        let current = &self.resting[index];
        if current.triggered && current.kind.trigger_price() != intent.kind.trigger_price() {
            return Err(RejectReason::AlreadyTriggered { order_id: order.id.clone() });
        }
        let mut working = self.resting.remove(index);
        working.kind = intent.kind;
        working.remaining = order.remaining();
        let keep = match self.books.get_mut(&working.instrument) {
            Some(book) => {
                work_on_book(&mut working, book, self.config.slippage_ticks, LastTrade::PrintedBefore, now, out)
            }
            None => true,
        };
        if keep {
            self.resting.push(working);
        }
        Ok(())
    }

    /// How many orders are working.
    pub fn resting_count(&self) -> usize {
        self.resting.len()
    }

    pub fn is_resting(&self, order_id: &OrderId) -> bool {
        self.resting.iter().any(|o| o.id == *order_id)
    }

    /// Refuses what the matcher could not match correctly or an exchange would refuse outright.
    /// Risk limits, lot sizes and market hours are the risk gate's business, not this.
    fn admit(&self, order: &Order, instrument: &Instrument) -> Result<(), RejectReason> {
        let intent = &order.request.intent;
        if order.remaining().is_zero() {
            return Err(RejectReason::NothingToFill { quantity: order.quantity(), filled: order.filled() });
        }
        if self.accepted.contains(&order.id) {
            return Err(RejectReason::DuplicateId { order_id: order.id.clone() });
        }
        if intent.instrument != instrument.key {
            return Err(RejectReason::InstrumentMismatch {
                order: intent.instrument.clone(),
                given: instrument.key.clone(),
            });
        }
        check_prices(intent.side, &intent.kind, instrument)?;
        // Slippage in ticks of zero (or negative) size would silently be none (or favourable).
        if self.config.slippage_ticks > 0 && !instrument.tick_size.is_positive() {
            return Err(RejectReason::SlippageWithoutTick {
                slippage_ticks: self.config.slippage_ticks,
                tick: instrument.tick_size,
            });
        }
        Ok(())
    }
}

/// The prices of `kind` are ones the exchange could print (a fill is made at the limit price
/// itself), and an SL's limit is on the right side of its trigger.
fn check_prices(side: Side, kind: &OrderKind, instrument: &Instrument) -> Result<(), RejectReason> {
    if let Some(price) = kind.limit_price() {
        instrument.check_price(price).map_err(|error| RejectReason::BadPrice { field: "limit price", error })?;
    }
    if let Some(price) = kind.trigger_price() {
        instrument.check_price(price).map_err(|error| RejectReason::BadPrice { field: "trigger price", error })?;
    }
    if let OrderKind::StopLimit { price, trigger_price } = *kind {
        let inverted = match side {
            Side::Buy => price < trigger_price,
            Side::Sell => price > trigger_price,
        };
        if inverted {
            return Err(RejectReason::StopLimitInverted { side, price, trigger_price });
        }
    }
    Ok(())
}

/// One matching attempt of `order` against `book` at `ts`: trigger, execute, and cancel an IOC
/// remainder. Returns whether the order keeps resting.
fn work_on_book(
    order: &mut WorkingOrder,
    book: &mut Book,
    slippage_ticks: u32,
    last_trade: LastTrade,
    ts: Timestamp,
    out: &mut Vec<MatchEvent>,
) -> bool {
    if let (Phase::Stop { trigger, .. }, Some(last)) = (order.phase(), book.last) {
        if quote_rules::stop_fires(order.side, trigger, last) {
            order.triggered = true;
            out.push(MatchEvent::Triggered { order_id: order.id.clone(), ts });
        }
    }
    let execution =
        quote_rules::execute(order.side, order.phase(), order.remaining, order.tick, slippage_ticks, book, last_trade);
    if let Some(execution) = execution {
        order.remaining = order.remaining.saturating_sub(execution.quantity);
        out.push(MatchEvent::Fill {
            order_id: order.id.clone(),
            quantity: execution.quantity,
            price: execution.price,
            ts,
        });
    }
    keeps_resting(order, out)
}

/// After a matching attempt: filled orders leave, IOC orders leave with their remainder
/// cancelled, the rest keep resting.
fn keeps_resting(order: &WorkingOrder, out: &mut Vec<MatchEvent>) -> bool {
    if order.remaining.is_zero() {
        return false;
    }
    if order.validity == Validity::Ioc {
        out.push(MatchEvent::Cancelled {
            order_id: order.id.clone(),
            remaining: order.remaining,
            reason: CancelReason::IocUnfilled,
        });
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Side::{Buy, Sell};
    use crate::model::{ClientOrderId, OrderEvent, OrderIntent, OrderOrigin, OrderRequest, Product, Validity::*};
    use proptest::prelude::*;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    fn q(units: u64) -> Quantity {
        Quantity::new(units)
    }

    fn t(n: i64) -> Timestamp {
        Timestamp::from_nanos(n)
    }

    fn id(s: &str) -> OrderId {
        OrderId::new(s).unwrap()
    }

    fn reliance() -> Instrument {
        Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap()
    }

    fn infy() -> Instrument {
        Instrument::nse_equity("INE009A01021", "INFY").unwrap()
    }

    fn order_for(
        instrument: &Instrument,
        order_id: &str,
        side: Side,
        quantity: u64,
        kind: OrderKind,
        validity: Validity,
    ) -> Order {
        let intent = OrderIntent {
            instrument: instrument.key.clone(),
            side,
            quantity: q(quantity),
            kind,
            validity,
            product: Product::Intraday,
        };
        let request = OrderRequest {
            client_order_id: ClientOrderId::new(format!("c-{order_id}")).unwrap(),
            origin: OrderOrigin::Manual,
            intent,
            tag: None,
        };
        Order::new(id(order_id), request, t(0))
    }

    fn order(order_id: &str, side: Side, quantity: u64, kind: OrderKind, validity: Validity) -> Order {
        order_for(&reliance(), order_id, side, quantity, kind, validity)
    }

    fn limit(price: &str) -> OrderKind {
        OrderKind::Limit { price: p(price) }
    }

    fn sl(price: &str, trigger: &str) -> OrderKind {
        OrderKind::StopLimit { price: p(price), trigger_price: p(trigger) }
    }

    fn slm(trigger: &str) -> OrderKind {
        OrderKind::StopMarket { trigger_price: p(trigger) }
    }

    /// A quote with a last trade and, when given, a bid and an ask as (price, size).
    fn quote(ts: i64, last: &str, last_qty: u64, bid: Option<(&str, u64)>, ask: Option<(&str, u64)>) -> Quote {
        let mut quote = Quote::last_trade(reliance().key, t(ts), p(last), q(last_qty));
        if let Some((price, size)) = bid {
            quote.bid = Some(p(price));
            quote.bid_quantity = q(size);
        }
        if let Some((price, size)) = ask {
            quote.ask = Some(p(price));
            quote.ask_quantity = q(size);
        }
        quote
    }

    fn bar(ts: i64, open: &str, high: &str, low: &str, close: &str) -> Bar {
        Bar { ts: t(ts), open: p(open), high: p(high), low: p(low), close: p(close), volume: 1000 }
    }

    fn accepted(order_id: &str) -> MatchEvent {
        MatchEvent::Accepted { order_id: id(order_id) }
    }

    fn fill(order_id: &str, quantity: u64, price: &str, ts: i64) -> MatchEvent {
        MatchEvent::Fill { order_id: id(order_id), quantity: q(quantity), price: p(price), ts: t(ts) }
    }

    fn triggered(order_id: &str, ts: i64) -> MatchEvent {
        MatchEvent::Triggered { order_id: id(order_id), ts: t(ts) }
    }

    fn cancelled(order_id: &str, remaining: u64, reason: CancelReason) -> MatchEvent {
        MatchEvent::Cancelled { order_id: id(order_id), remaining: q(remaining), reason }
    }

    fn matcher(slippage_ticks: u32) -> PaperMatcher {
        PaperMatcher::new(PaperConfig { slippage_ticks })
    }

    /// Submits and returns the events, clearing `out` the way callers reuse it.
    fn submit(m: &mut PaperMatcher, order: &Order, now: i64) -> Vec<MatchEvent> {
        let mut out = Vec::new();
        m.submit(order, &reliance(), t(now), &mut out);
        out
    }

    fn on_quote(m: &mut PaperMatcher, quote: &Quote) -> Vec<MatchEvent> {
        let mut out = Vec::new();
        m.on_quote(quote, &mut out);
        out
    }

    fn on_bar(m: &mut PaperMatcher, bar: &Bar) -> Vec<MatchEvent> {
        let mut out = Vec::new();
        m.on_bar(&reliance().key, bar, &mut out).unwrap();
        out
    }

    fn on_trade(m: &mut PaperMatcher, price: &str, ts: i64) -> Vec<MatchEvent> {
        let mut out = Vec::new();
        m.on_trade(&reliance().key, p(price), t(ts), &mut out).unwrap();
        out
    }

    fn rejection(events: &[MatchEvent]) -> &RejectReason {
        match events {
            [MatchEvent::Rejected { reason, .. }] => reason,
            other => panic!("expected one rejection, got {other:?}"),
        }
    }

    /// `order` changed to `kind` and `quantity` in total, as the router hands it to `modify`.
    fn changed(order: &Order, kind: OrderKind, quantity: u64) -> Order {
        let mut changed = order.clone();
        changed.request.intent.kind = kind;
        changed.request.intent.quantity = q(quantity);
        changed
    }

    #[test]
    fn a_modified_limit_that_becomes_marketable_fills_at_once_at_the_touch() {
        let mut m = matcher(0);
        on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 50))));
        let o1 = order("o1", Buy, 10, limit("99.00"), Day);
        assert_eq!(submit(&mut m, &o1, 20), [accepted("o1")]);
        let mut out = Vec::new();
        m.modify(&changed(&o1, limit("100.10"), 12), &reliance(), t(30), &mut out).unwrap();
        // The touch 100.05 is within the new limit: 12 (the new quantity) fill there, not at 100.10.
        assert_eq!(out, [fill("o1", 12, "100.05", 30)]);
        assert!(!m.is_resting(&id("o1")));
    }

    #[test]
    fn a_modified_order_rests_with_its_new_price_and_loses_its_priority() {
        let mut m = matcher(0);
        let o1 = order("o1", Buy, 10, limit("99.00"), Day);
        let o2 = order("o2", Buy, 10, limit("99.50"), Day);
        submit(&mut m, &o1, 1);
        submit(&mut m, &o2, 2);
        let mut out = Vec::new();
        m.modify(&changed(&o1, limit("99.50"), 10), &reliance(), t(3), &mut out).unwrap();
        assert!(out.is_empty(), "no quote yet: nothing to match");
        // 15 offered at 99.50: o2, now first in line, takes 10; o1 the 5 left.
        let events = on_quote(&mut m, &quote(4, "99.60", 5, Some(("99.45", 10)), Some(("99.50", 15))));
        assert_eq!(events, [fill("o2", 10, "99.50", 4), fill("o1", 5, "99.50", 4)]);
    }

    #[test]
    fn a_partially_filled_order_modified_works_what_remains() {
        let mut m = matcher(0);
        on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 4))));
        let mut o1 = order("o1", Buy, 10, OrderKind::Market, Day);
        assert_eq!(submit(&mut m, &o1, 20), [accepted("o1"), fill("o1", 4, "100.05", 20)]);
        o1.apply(&OrderEvent::Accepted, t(20)).unwrap();
        o1.apply(&OrderEvent::Filled { quantity: q(4), price: p("100.05") }, t(20)).unwrap();
        let mut out = Vec::new();
        // 6 in total: 2 remain, and the quote's 4 were taken by the first fill.
        m.modify(&changed(&o1, OrderKind::Market, 6), &reliance(), t(21), &mut out).unwrap();
        assert!(out.is_empty(), "{out:?}");
        let events = on_quote(&mut m, &quote(30, "100.05", 4, Some(("100", 10)), Some(("100.10", 30))));
        assert_eq!(events, [fill("o1", 2, "100.10", 30)]);
    }

    #[test]
    fn refused_modifications_change_nothing() {
        let mut m = matcher(0);
        let o1 = order("o1", Buy, 10, sl("100", "100"), Day);
        submit(&mut m, &o1, 1);
        let mut out = Vec::new();
        let unknown = order("o9", Buy, 10, limit("99"), Day);
        assert_eq!(
            m.modify(&unknown, &reliance(), t(2), &mut out),
            Err(RejectReason::NotWorking { order_id: id("o9") })
        );
        assert!(matches!(
            m.modify(&changed(&o1, sl("99", "100"), 10), &reliance(), t(2), &mut out),
            Err(RejectReason::StopLimitInverted { .. })
        ));
        assert!(matches!(
            m.modify(&changed(&o1, sl("101.03", "100"), 10), &reliance(), t(2), &mut out),
            Err(RejectReason::BadPrice { field: "limit price", .. })
        ));
        // The stop fires (last 100 ≥ trigger 100) and rests as a limit at 100: no ask is quoted,
        // and a last trade at the limit is no evidence of a fill.
        let events = on_quote(&mut m, &quote(3, "100", 5, Some(("99.95", 10)), None));
        assert_eq!(events, [triggered("o1", 3)]);
        assert_eq!(
            m.modify(&changed(&o1, sl("100.50", "100.50"), 10), &reliance(), t(4), &mut out),
            Err(RejectReason::AlreadyTriggered { order_id: id("o1") })
        );
        assert!(out.is_empty());
        // Its limit may still move: it now fills against the ask at 101.05 within the new 101.10.
        m.modify(&changed(&o1, sl("101.10", "100"), 10), &reliance(), t(5), &mut out).unwrap();
        let events = on_quote(&mut m, &quote(6, "100", 5, Some(("99.95", 10)), Some(("101.05", 20))));
        assert_eq!(events, [fill("o1", 10, "101.05", 6)]);
    }

    #[test]
    fn market_buy_fills_at_the_ask_stamped_with_the_submission_time() {
        let mut m = matcher(3);
        assert!(on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 50)))).is_empty());
        let events = submit(&mut m, &order("o1", Buy, 10, OrderKind::Market, Day), 20);
        assert_eq!(events, [accepted("o1"), fill("o1", 10, "100.05", 20)], "the touch, with no slippage");
        assert!(!m.is_resting(&id("o1")));
        let events = submit(&mut m, &order("o2", Sell, 4, OrderKind::Market, Day), 21);
        assert_eq!(events, [accepted("o2"), fill("o2", 4, "99.95", 21)]);
    }

    #[test]
    fn a_partial_fill_rests_and_completes_on_a_later_quote() {
        let mut m = matcher(0);
        on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 4))));
        let events = submit(&mut m, &order("o1", Buy, 10, OrderKind::Market, Day), 20);
        assert_eq!(events, [accepted("o1"), fill("o1", 4, "100.05", 20)]);
        assert!(m.is_resting(&id("o1")));
        assert_eq!(m.resting_count(), 1);
        let events = on_quote(&mut m, &quote(30, "100.05", 4, Some(("100", 10)), Some(("100.10", 3))));
        assert_eq!(events, [fill("o1", 3, "100.10", 30)]);
        let events = on_quote(&mut m, &quote(40, "100.10", 3, Some(("100.05", 10)), Some(("100.15", 20))));
        assert_eq!(events, [fill("o1", 3, "100.15", 40)]);
        assert_eq!(m.resting_count(), 0);
    }

    #[test]
    fn an_ioc_remainder_is_cancelled_after_its_one_attempt() {
        let mut m = matcher(0);
        on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 4))));
        let events = submit(&mut m, &order("o1", Buy, 10, OrderKind::Market, Ioc), 20);
        assert_eq!(
            events,
            [accepted("o1"), fill("o1", 4, "100.05", 20), cancelled("o1", 6, CancelReason::IocUnfilled)]
        );
        let events = submit(&mut m, &order("o2", Buy, 10, limit("99.50"), Ioc), 21);
        assert_eq!(events, [accepted("o2"), cancelled("o2", 10, CancelReason::IocUnfilled)]);
        assert_eq!(m.resting_count(), 0);
    }

    #[test]
    fn an_ioc_with_no_quote_yet_gets_its_attempt_on_the_first_market_data() {
        let mut m = matcher(0);
        assert_eq!(submit(&mut m, &order("o1", Buy, 10, OrderKind::Market, Ioc), 5), [accepted("o1")]);
        let events = on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 4))));
        assert_eq!(events, [fill("o1", 4, "100.05", 10), cancelled("o1", 6, CancelReason::IocUnfilled)]);
        // On bars: whatever does not fill on the first bar is cancelled.
        let mut m = matcher(0);
        submit(&mut m, &order("o2", Buy, 10, limit("100"), Ioc), 5);
        let events = on_bar(&mut m, &bar(60, "101", "101.50", "100.50", "101"));
        assert_eq!(events, [cancelled("o2", 10, CancelReason::IocUnfilled)]);
        assert_eq!(on_bar(&mut m, &bar(120, "99", "99", "98", "98")), []);
    }

    #[test]
    fn market_orders_without_a_book_fill_at_the_last_price_with_adverse_slippage() {
        let mut m = matcher(2);
        let mut last_only = quote(10, "100", 0, None, None);
        on_quote(&mut m, &last_only);
        assert_eq!(
            submit(&mut m, &order("b", Buy, 7, OrderKind::Market, Day), 20),
            [accepted("b"), fill("b", 7, "100.10", 20)],
            "two 0.05 ticks up, all 7 since the last size is unknown"
        );
        assert_eq!(
            submit(&mut m, &order("s", Sell, 7, OrderKind::Market, Day), 21),
            [accepted("s"), fill("s", 7, "99.90", 21)]
        );
        // A known last size limits the fill; the rest waits for the next quote.
        last_only.last_quantity = q(5);
        last_only.ts = t(30);
        on_quote(&mut m, &last_only);
        assert_eq!(
            submit(&mut m, &order("b2", Buy, 7, OrderKind::Market, Day), 40),
            [accepted("b2"), fill("b2", 5, "100.10", 40)]
        );
        last_only.ts = t(50);
        last_only.last = p("100.20");
        assert_eq!(on_quote(&mut m, &last_only), [fill("b2", 2, "100.30", 50)]);
    }

    #[test]
    fn a_limit_is_not_filled_when_the_price_only_touches_it() {
        let mut m = matcher(0);
        on_quote(&mut m, &quote(10, "100.20", 5, Some(("100.15", 10)), Some(("100.25", 10))));
        assert_eq!(submit(&mut m, &order("o1", Buy, 10, limit("100"), Day), 20), [accepted("o1")]);
        assert_eq!(on_quote(&mut m, &quote(30, "100", 50, Some(("99.95", 10)), Some(("100.05", 10)))), []);
        assert_eq!(on_quote(&mut m, &quote(40, "100", 0, None, None)), []);
        assert!(m.is_resting(&id("o1")));
    }

    #[test]
    fn a_resting_limit_fills_at_its_price_when_traded_through() {
        let mut m = matcher(5);
        submit(&mut m, &order("b", Buy, 10, limit("100"), Day), 5);
        submit(&mut m, &order("s", Sell, 10, limit("101"), Day), 6);
        // A trade of 3 at 99.95 with the ask above the limit: fills 3 at 100.00, not 99.95.
        assert_eq!(
            on_quote(&mut m, &quote(10, "99.95", 3, Some(("99.90", 10)), Some(("100.05", 10)))),
            [fill("b", 3, "100", 10)]
        );
        // A trade of unknown size at 101.05 above the sell limit fills the whole sell at 101.00.
        assert_eq!(on_quote(&mut m, &quote(20, "101.05", 0, None, None)), [fill("s", 10, "101", 20)]);
        assert!(m.is_resting(&id("b")));
    }

    #[test]
    fn a_trade_printed_before_submission_does_not_fill_a_limit() {
        let mut m = matcher(0);
        on_quote(&mut m, &quote(10, "99.90", 0, Some(("99.85", 10)), Some(("100.10", 10))));
        assert_eq!(submit(&mut m, &order("o1", Buy, 10, limit("100"), Day), 20), [accepted("o1")]);
        // The same print again, now after the order rested, fills it.
        assert_eq!(
            on_quote(&mut m, &quote(30, "99.90", 4, Some(("99.85", 10)), Some(("100.10", 10)))),
            [fill("o1", 4, "100", 30)]
        );
    }

    #[test]
    fn a_marketable_limit_fills_at_the_touch() {
        let mut m = matcher(5);
        on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 50))));
        assert_eq!(
            submit(&mut m, &order("b", Buy, 10, limit("101"), Day), 20),
            [accepted("b"), fill("b", 10, "100.05", 20)]
        );
        assert_eq!(
            submit(&mut m, &order("s", Sell, 4, limit("99"), Day), 21),
            [accepted("s"), fill("s", 4, "99.95", 21)]
        );
        // The bid had 10; 4 are gone, so the next sell gets 6 and rests with 2.
        assert_eq!(
            submit(&mut m, &order("s2", Sell, 8, limit("99.95"), Day), 22),
            [accepted("s2"), fill("s2", 6, "99.95", 22)]
        );
        assert!(m.is_resting(&id("s2")));
    }

    #[test]
    fn quoted_size_is_shared_in_submission_order() {
        let mut m = matcher(0);
        submit(&mut m, &order("a", Buy, 6, limit("100"), Day), 1);
        submit(&mut m, &order("b", Buy, 6, limit("100"), Day), 2);
        let events = on_quote(&mut m, &quote(10, "100", 5, Some(("99.90", 10)), Some(("99.95", 8))));
        assert_eq!(events, [fill("a", 6, "99.95", 10), fill("b", 2, "99.95", 10)]);
        // The ask is used up until the next quote: a market order gets nothing, not the last price.
        assert_eq!(submit(&mut m, &order("c", Buy, 5, OrderKind::Market, Day), 11), [accepted("c")]);
        let events = on_quote(&mut m, &quote(20, "100", 5, Some(("99.90", 10)), Some(("100", 5))));
        assert_eq!(events, [fill("b", 4, "100", 20), fill("c", 1, "100", 20)]);
    }

    #[test]
    fn stop_market_orders_trigger_and_fill_as_market_orders_on_both_sides() {
        let mut m = matcher(0);
        submit(&mut m, &order("b", Buy, 10, slm("101"), Day), 1);
        submit(&mut m, &order("s", Sell, 10, slm("99"), Day), 2);
        assert_eq!(on_quote(&mut m, &quote(10, "100.95", 5, Some(("100.90", 50)), Some(("101", 50)))), []);
        assert_eq!(
            on_quote(&mut m, &quote(20, "101", 5, Some(("100.95", 50)), Some(("101.05", 50)))),
            [triggered("b", 20), fill("b", 10, "101.05", 20)]
        );
        assert_eq!(
            on_quote(&mut m, &quote(30, "99", 5, Some(("98.95", 4)), Some(("99.05", 50)))),
            [triggered("s", 30), fill("s", 4, "98.95", 30)]
        );
        // Triggered once: the remainder now works as a market order, with no second trigger.
        assert_eq!(
            on_quote(&mut m, &quote(40, "99.50", 5, Some(("99.45", 50)), Some(("99.55", 50)))),
            [fill("s", 6, "99.45", 40)]
        );
    }

    #[test]
    fn stop_limit_orders_trigger_and_fill_as_limit_orders_on_both_sides() {
        let mut m = matcher(0);
        submit(&mut m, &order("b", Buy, 10, sl("101.10", "101"), Day), 1);
        assert_eq!(on_quote(&mut m, &quote(5, "100.95", 5, Some(("100.90", 50)), Some(("101", 50)))), []);
        // The trigger trades at 101.00 while the ask is beyond the limit: the 101.00 print is
        // below the 101.10 limit, so its 5 fill at the limit.
        assert_eq!(
            on_quote(&mut m, &quote(10, "101", 5, Some(("100.95", 50)), Some(("101.20", 50)))),
            [triggered("b", 10), fill("b", 5, "101.10", 10)]
        );
        // The rest works as a limit at 101.10: an ask of 101.15 is beyond it, 101.10 is not.
        assert_eq!(on_quote(&mut m, &quote(20, "101.15", 5, Some(("101.10", 50)), Some(("101.15", 50)))), []);
        assert_eq!(
            on_quote(&mut m, &quote(30, "101.15", 5, Some(("101.05", 50)), Some(("101.10", 50)))),
            [fill("b", 5, "101.10", 30)]
        );
        submit(&mut m, &order("s", Sell, 10, sl("98.90", "99"), Day), 31);
        assert_eq!(
            on_quote(&mut m, &quote(40, "99", 5, Some(("98.95", 50)), Some(("99.05", 50)))),
            [triggered("s", 40), fill("s", 10, "98.95", 40)]
        );
    }

    #[test]
    fn a_stop_whose_trigger_already_traded_fires_at_submission() {
        let mut m = matcher(1);
        on_quote(&mut m, &quote(10, "101", 0, None, None));
        assert_eq!(
            submit(&mut m, &order("b", Buy, 10, slm("100"), Day), 20),
            [accepted("b"), triggered("b", 20), fill("b", 10, "101.05", 20)]
        );
        // An SL fired at submission is a limit that, at submission, only the touch can fill.
        assert_eq!(
            submit(&mut m, &order("c", Buy, 10, sl("101.50", "100"), Day), 21),
            [accepted("c"), triggered("c", 21)]
        );
        assert!(m.is_resting(&id("c")));
    }

    #[test]
    fn bars_fill_market_orders_at_the_next_open() {
        let mut m = matcher(1);
        submit(&mut m, &order("b", Buy, 25, OrderKind::Market, Day), 5);
        submit(&mut m, &order("s", Sell, 25, OrderKind::Market, Day), 6);
        let events = on_bar(&mut m, &bar(60, "100", "102", "99", "101"));
        assert_eq!(events, [fill("b", 25, "100.05", 60), fill("s", 25, "99.95", 60)], "volume does not limit size");
    }

    #[test]
    fn bars_fill_a_limit_at_a_gap_open_through_it() {
        let mut m = matcher(3);
        submit(&mut m, &order("b", Buy, 10, limit("100"), Day), 5);
        submit(&mut m, &order("s", Sell, 10, limit("100"), Day), 6);
        // Opens below the buy's limit: the buy fills at the open, no slippage on a limit; the
        // sell's limit is above the whole bar.
        assert_eq!(on_bar(&mut m, &bar(60, "98", "99.50", "97", "99")), [fill("b", 10, "98", 60)]);
        assert_eq!(on_bar(&mut m, &bar(120, "99", "100", "98", "99.90")), [], "the high only touches the limit");
        assert_eq!(on_bar(&mut m, &bar(180, "99", "100.05", "98", "99.90")), [fill("s", 10, "100", 180)]);
    }

    #[test]
    fn bars_fire_stops_at_a_gap_open() {
        let mut m = matcher(2);
        submit(&mut m, &order("b", Buy, 10, slm("100"), Day), 5);
        submit(&mut m, &order("s", Sell, 10, sl("98.50", "99"), Day), 6);
        assert_eq!(on_bar(&mut m, &bar(60, "99.50", "99.95", "99.05", "99.50")), []);
        assert_eq!(
            on_bar(&mut m, &bar(120, "102", "103", "101", "102")),
            [triggered("b", 120), fill("b", 10, "102.10", 120)]
        );
        // The sell gaps through its trigger and its limit: it fills only when the bar trades
        // back above 98.50, at 98.50.
        assert_eq!(on_bar(&mut m, &bar(180, "98", "98.50", "97", "97.50")), [triggered("s", 180)]);
        assert_eq!(on_bar(&mut m, &bar(240, "97.50", "98.55", "97", "98")), [fill("s", 10, "98.50", 240)]);
    }

    #[test]
    fn trades_fill_market_orders_with_slippage_and_limits_only_through_them() {
        let mut m = matcher(1);
        submit(&mut m, &order("m", Buy, 40, OrderKind::Market, Day), 5);
        submit(&mut m, &order("l", Buy, 40, limit("100"), Day), 6);
        assert_eq!(on_trade(&mut m, "100", 10), [fill("m", 40, "100.05", 10)]);
        assert_eq!(on_trade(&mut m, "99.95", 20), [fill("l", 40, "100", 20)]);
        // A trade is not remembered: a later submission finds no quote to match against.
        assert_eq!(submit(&mut m, &order("m2", Buy, 1, OrderKind::Market, Day), 30), [accepted("m2")]);
    }

    #[test]
    fn market_data_for_another_instrument_leaves_orders_alone() {
        let mut m = matcher(0);
        submit(&mut m, &order("o1", Buy, 10, OrderKind::Market, Day), 5);
        let mut other = quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 10)));
        other.instrument = infy().key;
        let mut out = Vec::new();
        m.on_quote(&other, &mut out);
        m.on_bar(&infy().key, &bar(60, "100", "101", "99", "100"), &mut out).unwrap();
        m.on_trade(&infy().key, p("100"), t(70), &mut out).unwrap();
        assert_eq!(out, []);
        // The other instrument's quote is not used for this one at submission either.
        assert_eq!(submit(&mut m, &order("o2", Buy, 10, OrderKind::Market, Day), 80), [accepted("o2")]);
        assert_eq!(m.resting_count(), 2);
    }

    #[test]
    fn bad_market_data_is_refused_and_matches_nothing() {
        let mut m = matcher(0);
        submit(&mut m, &order("o1", Buy, 10, OrderKind::Market, Day), 5);
        let mut out = Vec::new();
        let err = m.on_bar(&reliance().key, &bar(60, "100", "99", "98", "99"), &mut out).unwrap_err();
        assert!(err.to_string().contains("open 100.00, high 99.00"), "{err}");
        assert!(m.on_bar(&reliance().key, &bar(60, "0", "1", "0", "1"), &mut out).is_err(), "a zero low");
        let err = m.on_trade(&reliance().key, Price::ZERO, t(70), &mut out).unwrap_err();
        assert!(err.to_string().contains("non-positive price 0.00"), "{err}");
        assert_eq!(out, []);
        assert!(m.is_resting(&id("o1")));
    }

    #[test]
    fn cancel_removes_a_working_order_with_its_remainder() {
        let mut m = matcher(0);
        on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 4))));
        submit(&mut m, &order("o1", Buy, 10, OrderKind::Market, Day), 20);
        submit(&mut m, &order("o2", Buy, 10, limit("90"), Day), 21);
        let mut out = Vec::new();
        assert!(m.cancel(&id("o1"), &mut out));
        assert_eq!(out, [cancelled("o1", 6, CancelReason::Requested)]);
        assert!(!m.cancel(&id("o1"), &mut out), "already cancelled");
        assert!(!m.cancel(&id("nope"), &mut out));
        assert_eq!(out.len(), 1);
        assert_eq!(m.resting_count(), 1);
        assert!(m.is_resting(&id("o2")));
    }

    #[test]
    fn a_duplicate_id_is_rejected_even_after_the_first_order_finished() {
        let mut m = matcher(0);
        on_quote(&mut m, &quote(10, "100", 5, Some(("99.95", 10)), Some(("100.05", 50))));
        submit(&mut m, &order("o1", Buy, 1, OrderKind::Market, Day), 20);
        let events = submit(&mut m, &order("o1", Buy, 1, OrderKind::Market, Day), 21);
        assert_eq!(rejection(&events), &RejectReason::DuplicateId { order_id: id("o1") });
        assert_eq!(m.resting_count(), 0);
    }

    #[test]
    fn orders_that_cannot_be_matched_correctly_are_rejected_with_the_value() {
        let mut m = matcher(1);
        let mut done = order("done", Buy, 2, OrderKind::Market, Day);
        done.apply(&OrderEvent::Accepted, t(1)).unwrap();
        done.apply(&OrderEvent::Filled { quantity: q(2), price: p("100") }, t(2)).unwrap();
        assert_eq!(rejection(&submit(&mut m, &done, 3)), &RejectReason::NothingToFill { quantity: q(2), filled: q(2) });

        let mut out = Vec::new();
        m.submit(&order("x", Buy, 1, OrderKind::Market, Day), &infy(), t(4), &mut out);
        assert!(matches!(rejection(&out), RejectReason::InstrumentMismatch { .. }));

        let off_tick = rejection(&submit(&mut m, &order("y", Buy, 1, limit("100.03"), Day), 5)).to_string();
        assert_eq!(off_tick, "limit price: price 100.03 is not a multiple of the tick size 0.05");
        let zero_trigger = rejection(&submit(&mut m, &order("z", Sell, 1, slm("0"), Day), 6)).to_string();
        assert_eq!(zero_trigger, "trigger price: price 0.00 must be positive");

        assert_eq!(
            rejection(&submit(&mut m, &order("v", Buy, 1, sl("99.95", "100"), Day), 7)),
            &RejectReason::StopLimitInverted { side: Buy, price: p("99.95"), trigger_price: p("100") }
        );
        let events = submit(&mut m, &order("w", Sell, 1, sl("100.05", "100"), Day), 8);
        assert_eq!(
            rejection(&events),
            &RejectReason::StopLimitInverted { side: Sell, price: p("100.05"), trigger_price: p("100") }
        );

        let mut untickable = reliance();
        untickable.tick_size = Price::ZERO;
        m.submit(&order("u", Buy, 1, OrderKind::Market, Day), &untickable, t(9), &mut out);
        assert_eq!(
            rejection(&out[1..]).to_string(),
            "slippage of 1 ticks needs a positive tick size, but the instrument's is 0.00"
        );
        // Without slippage a zero tick does no harm.
        let mut out = Vec::new();
        matcher(0).submit(&order("u", Buy, 1, OrderKind::Market, Day), &untickable, t(9), &mut out);
        assert_eq!(out, [accepted("u")]);
        assert_eq!(m.resting_count(), 0);
    }

    /// A mixed script of submissions, market data and cancels.
    fn script(m: &mut PaperMatcher) -> Vec<MatchEvent> {
        let mut out = Vec::new();
        m.submit(&order("a", Buy, 10, limit("100"), Day), &reliance(), t(1), &mut out);
        m.submit(&order("b", Sell, 7, slm("99.50"), Day), &reliance(), t(2), &mut out);
        m.submit(&order("c", Buy, 5, OrderKind::Market, Ioc), &reliance(), t(3), &mut out);
        m.on_quote(&quote(10, "99.95", 3, Some(("99.90", 4)), Some(("100", 6))), &mut out);
        m.on_quote(&quote(20, "99.50", 0, Some(("99.45", 2)), None), &mut out);
        m.on_bar(&reliance().key, &bar(60, "99", "99.50", "98", "99.20"), &mut out).unwrap();
        m.submit(&order("d", Sell, 3, limit("99.40"), Day), &reliance(), t(70), &mut out);
        m.on_trade(&reliance().key, p("99.45"), t(80), &mut out).unwrap();
        m.cancel(&id("a"), &mut out);
        out
    }

    #[test]
    fn the_same_sequence_gives_the_same_events() {
        let first = script(&mut matcher(1));
        let second = script(&mut matcher(1));
        assert_eq!(first, second);
        assert!(first.iter().filter(|e| matches!(e, MatchEvent::Fill { .. })).count() >= 4, "{first:?}");
    }

    /// One step of a random session; prices are in 0.05 ticks around 100.00.
    #[derive(Debug, Clone)]
    enum Op {
        Submit { infy: bool, side: Side, kind: u8, a: i64, b: i64, quantity: u64, ioc: bool },
        Quote { infy: bool, last: i64, last_qty: u64, bid: Option<(i64, u64)>, ask: Option<(i64, u64)> },
        Bar { infy: bool, prices: [i64; 4] },
        Trade { infy: bool, price: i64 },
        Cancel { pick: usize },
    }

    fn ticks(n: i64) -> Price {
        Price::from_micros(n * 50_000)
    }

    fn any_op() -> impl Strategy<Value = Op> {
        use proptest::option::of;
        let price = || 1990i64..2010;
        let side = prop_oneof![Just(Buy), Just(Sell)];
        prop_oneof![
            3 => (any::<bool>(), side, 0u8..4, price(), price(), 1u64..20, any::<bool>()).prop_map(
                |(infy, side, kind, a, b, quantity, ioc)| Op::Submit { infy, side, kind, a, b, quantity, ioc }
            ),
            3 => (any::<bool>(), price(), 0u64..8, of((price(), 0u64..10)), of((price(), 0u64..10)))
                .prop_map(|(infy, last, last_qty, bid, ask)| Op::Quote { infy, last, last_qty, bid, ask }),
            2 => (any::<bool>(), [price(), price(), price(), price()]).prop_map(|(infy, prices)| Op::Bar { infy, prices }),
            1 => (any::<bool>(), price()).prop_map(|(infy, price)| Op::Trade { infy, price }),
            1 => (0usize..64).prop_map(|pick| Op::Cancel { pick }),
        ]
    }

    /// Runs `ops`, checking every event against the order it concerns, and returns all events.
    fn run(ops: &[Op], slippage_ticks: u32) -> Result<Vec<MatchEvent>, TestCaseError> {
        let mut m = matcher(slippage_ticks);
        let mut orders: Vec<Order> = Vec::new();
        let mut by_id: BTreeMap<OrderId, usize> = BTreeMap::new();
        let mut fired: BTreeSet<OrderId> = BTreeSet::new();
        // Per instrument (RELIANCE, INFY): whether a quote was seen, and per order whether it has
        // had its first matching attempt, after which an IOC must be gone.
        let mut quoted = [false, false];
        let mut attempted: Vec<bool> = Vec::new();
        let mut log = Vec::new();
        let tick = p("0.05");
        let slip = Price::from_micros(50_000 * i64::from(slippage_ticks));
        for (step, op) in ops.iter().enumerate() {
            let now = t(step as i64 + 1);
            let instrument = |other: bool| if other { infy() } else { reliance() };
            let mut out = Vec::new();
            // For bar fills: the prices the bar allows, widened by slippage for market-like fills.
            let mut bar_range = None;
            match op {
                Op::Submit { infy, side, kind, a, b, quantity, ioc } => {
                    let kind = match kind {
                        0 => OrderKind::Market,
                        1 => OrderKind::Limit { price: ticks(*a) },
                        2 => OrderKind::StopLimit { price: ticks(*a), trigger_price: ticks(*b) },
                        _ => OrderKind::StopMarket { trigger_price: ticks(*b) },
                    };
                    let validity = if *ioc { Ioc } else { Day };
                    let instrument = instrument(*infy);
                    let order = order_for(&instrument, &format!("o{}", orders.len()), *side, *quantity, kind, validity);
                    by_id.insert(order.id.clone(), orders.len());
                    m.submit(&order, &instrument, now, &mut out);
                    orders.push(order);
                    attempted.push(quoted[usize::from(*infy)]);
                }
                Op::Quote { infy, last, last_qty, bid, ask } => {
                    let mut quote = Quote::last_trade(instrument(*infy).key, now, ticks(*last), q(*last_qty));
                    quote.bid = bid.map(|(price, _)| ticks(price));
                    quote.bid_quantity = q(bid.map_or(0, |(_, size)| size));
                    quote.ask = ask.map(|(price, _)| ticks(price));
                    quote.ask_quantity = q(ask.map_or(0, |(_, size)| size));
                    m.on_quote(&quote, &mut out);
                    quoted[usize::from(*infy)] = true;
                }
                Op::Bar { infy, prices } => {
                    let low = ticks(*prices.iter().min().unwrap());
                    let high = ticks(*prices.iter().max().unwrap());
                    let bar = Bar { ts: now, open: ticks(prices[0]), high, low, close: ticks(prices[1]), volume: 0 };
                    m.on_bar(&instrument(*infy).key, &bar, &mut out).unwrap();
                    bar_range = Some((low, high));
                }
                Op::Trade { infy, price } => m.on_trade(&instrument(*infy).key, ticks(*price), now, &mut out).unwrap(),
                Op::Cancel { pick } => {
                    if !orders.is_empty() {
                        let order = &orders[pick % orders.len()];
                        let open = order.status().is_open();
                        prop_assert_eq!(m.cancel(&order.id.clone(), &mut out), open);
                    }
                }
            }
            for event in &out {
                let order = &mut orders[by_id[event.order_id()]];
                let intent = order.request.intent.clone();
                match event {
                    MatchEvent::Fill { quantity, price, ts, .. } => {
                        prop_assert!(!quantity.is_zero() && *quantity <= order.remaining(), "{event:?} on {order:?}");
                        prop_assert!(price.is_positive() && price.is_multiple_of(tick), "{event:?}");
                        prop_assert_eq!(*ts, now);
                        match (intent.kind.limit_price(), intent.side) {
                            (Some(limit), Buy) => prop_assert!(*price <= limit, "buy above its limit: {event:?}"),
                            (Some(limit), Sell) => prop_assert!(*price >= limit, "sell below its limit: {event:?}"),
                            (None, _) => {}
                        }
                        if let Some((low, high)) = bar_range {
                            prop_assert!(
                                *price >= low.checked_sub(slip).unwrap() && *price <= high.checked_add(slip).unwrap()
                            );
                            if matches!(intent.kind, OrderKind::Limit { .. }) {
                                prop_assert!(
                                    *price >= low && *price <= high,
                                    "a limit filled outside the bar: {event:?}"
                                );
                            }
                        }
                    }
                    MatchEvent::Triggered { .. } => {
                        prop_assert!(intent.kind.trigger_price().is_some(), "only stops trigger");
                        prop_assert!(fired.insert(order.id.clone()), "a stop triggered twice");
                    }
                    _ => {}
                }
                if let Some(order_event) = event.order_event() {
                    let applied = order.apply(&order_event, now);
                    prop_assert!(applied.is_ok(), "{event:?} refused by the order: {applied:?}");
                }
            }
            let data_for = match op {
                Op::Quote { infy, .. } | Op::Bar { infy, .. } | Op::Trade { infy, .. } => Some(instrument(*infy).key),
                Op::Submit { .. } | Op::Cancel { .. } => None,
            };
            for (order, attempted) in orders.iter().zip(attempted.iter_mut()) {
                *attempted |= data_for.as_ref() == Some(&order.request.intent.instrument);
                if *attempted && order.request.intent.validity == Ioc {
                    prop_assert!(!order.status().is_open(), "an IOC outlived its attempt: {order:?}");
                }
            }
            for order in &orders {
                prop_assert_eq!(m.is_resting(&order.id), order.status().is_open(), "{:?}", order);
            }
            prop_assert_eq!(m.resting_count(), orders.iter().filter(|o| o.status().is_open()).count());
            log.extend(out);
        }
        Ok(log)
    }

    proptest! {
        #[test]
        fn fills_respect_size_limits_and_the_order_state_machine(
            ops in proptest::collection::vec(any_op(), 1..80),
            slippage_ticks in 0u32..3,
        ) {
            let first = run(&ops, slippage_ticks)?;
            let second = run(&ops, slippage_ticks)?;
            prop_assert_eq!(first, second, "the same calls gave different events");
        }
    }
}
