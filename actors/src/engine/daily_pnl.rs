//! P&L by IST trading day, folded from journaled facts only — the router's `DayStarted` (the
//! day's start equity), every fill (its time, charges and the realised P&L it booked) and the
//! equity samples — so a restart rebuilds exactly the same rows.
//!
//! A row's end equity is the day's last equity sample; for today, the current equity. Without a
//! sample (the daemon was down all day after trading), the next row's start equity stands in
//! (the next day with facts), else the start equity. A day without a `DayStarted` (no quote reached
//! the router that day) starts at the previous row's end, or the initial cash.

use std::collections::BTreeMap;

use trader::num::Money;
use trader::time::{Date, Timestamp};

/// What the journal says about one IST day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct DayFacts {
    start_equity: Option<Money>,
    last_sample: Option<(Timestamp, Money)>,
    realised: Money,
    charges: Money,
    fills: u64,
}

/// One day's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub date: Date,
    pub equity_start: Money,
    pub equity_end: Money,
    /// equity_end − equity_start.
    pub pnl: Money,
    /// Realised P&L the day's fills booked, gross of charges.
    pub realised: Money,
    pub charges: Money,
    pub fills: u64,
}

/// Every day's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyPnl {
    days: BTreeMap<Date, DayFacts>,
}

impl DailyPnl {
    /// The router started `date` at `start_equity` (the last such record of a date wins, as it
    /// does for the router's own day P&L).
    pub fn day_started(&mut self, date: Date, start_equity: Money) {
        self.days.entry(date).or_default().start_equity = Some(start_equity);
    }

    /// The date the router last started, if any.
    pub fn last_started(&self) -> Option<Date> {
        self.days.iter().rev().find(|(_, f)| f.start_equity.is_some()).map(|(d, _)| *d)
    }

    /// A fill at `at` that realised `realised` and paid `charges`.
    pub fn fill(&mut self, at: Timestamp, realised: Money, charges: Money) {
        let day = self.days.entry(at.ist().0).or_default();
        day.realised = day.realised.checked_add(realised).unwrap_or(day.realised);
        day.charges = day.charges.checked_add(charges).unwrap_or(day.charges);
        day.fills = day.fills.saturating_add(1);
    }

    /// An equity sample.
    pub fn sample(&mut self, at: Timestamp, equity: Money) {
        let day = self.days.entry(at.ist().0).or_default();
        if day.last_sample.is_none_or(|(last, _)| last <= at) {
            day.last_sample = Some((at, equity));
        }
    }

    /// The rows from `from` to `to` (inclusive, either open), oldest first, ending at `today`,
    /// whose end equity is `current_equity`. Days before the first fact start from `initial_cash`.
    pub fn rows(
        &self,
        from: Option<Date>,
        to: Option<Date>,
        today: Date,
        current_equity: Money,
        initial_cash: Money,
    ) -> Vec<DayRow> {
        let mut days: Vec<(Date, DayFacts)> =
            self.days.range(..=today).map(|(date, facts)| (*date, facts.clone())).collect();
        if days.last().is_none_or(|(date, _)| *date != today) {
            days.push((today, DayFacts::default()));
        }
        let mut rows = Vec::with_capacity(days.len());
        let mut previous_end = initial_cash;
        for (i, (date, facts)) in days.iter().enumerate() {
            let equity_start = facts.start_equity.unwrap_or(previous_end);
            let equity_end = if *date == today {
                current_equity
            } else {
                facts
                    .last_sample
                    .map(|(_, equity)| equity)
                    .or_else(|| days.get(i + 1).and_then(|(_, next)| next.start_equity))
                    .unwrap_or(equity_start)
            };
            previous_end = equity_end;
            let in_range = from.is_none_or(|f| *date >= f) && to.is_none_or(|t| *date <= t);
            if in_range {
                rows.push(DayRow {
                    date: *date,
                    equity_start,
                    equity_end,
                    pnl: saturating_difference(equity_end, equity_start),
                    realised: facts.realised,
                    charges: facts.charges,
                    fills: facts.fills,
                });
            }
        }
        rows
    }
}

fn saturating_difference(a: Money, b: Money) -> Money {
    Money::saturating_from_micros(i128::from(a.micros()) - i128::from(b.micros()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600 * 1_000_000_000;

    /// 2026-11-27 (a Friday) 09:30 IST plus `hours`.
    fn at(hours: i64) -> Timestamp {
        Timestamp::from_nanos(1_795_752_000_000_000_000 + hours * HOUR)
    }

    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn rows_by_hand() {
        let mut daily = DailyPnl::default();
        daily.day_started(d("2026-11-27"), m("1000"));
        daily.fill(at(0), m("0"), m("1.5"));
        daily.fill(at(1), m("20"), m("1.5"));
        daily.sample(at(2), m("1030"));
        daily.sample(at(1), m("999"));
        // 28th: no DayStarted, one fill, no sample; nothing on the 29th; 30th: the router
        // started at 1040.
        daily.fill(at(24), m("-5"), m("0.25"));
        daily.day_started(d("2026-11-30"), m("1040"));
        assert_eq!(daily.last_started(), Some(d("2026-11-30")));
        let rows = daily.rows(None, None, d("2026-12-01"), m("1100"), m("1000"));
        let summary: Vec<_> = rows
            .iter()
            .map(|r| (r.date.to_string(), r.equity_start, r.equity_end, r.pnl, r.realised, r.charges, r.fills))
            .collect();
        assert_eq!(
            summary,
            vec![
                // The last sample by time (1030 at 11:30, not 999 at 10:30) ends the day.
                ("2026-11-27".into(), m("1000"), m("1030"), m("30"), m("20"), m("3"), 2),
                // No start: the previous end. No sample: the next trading day's start (the 30th).
                ("2026-11-28".into(), m("1030"), m("1040"), m("10"), m("-5"), m("0.25"), 1),
                ("2026-11-30".into(), m("1040"), m("1040"), m("0"), m("0"), m("0"), 0),
                // Today: current equity, even with no facts yet.
                ("2026-12-01".into(), m("1040"), m("1100"), m("60"), m("0"), m("0"), 0),
            ]
        );
        for row in &rows {
            assert_eq!(row.equity_end - row.equity_start, row.pnl);
        }
        let range = daily.rows(Some(d("2026-11-28")), Some(d("2026-11-30")), d("2026-12-01"), m("1100"), m("1000"));
        assert_eq!(range.iter().map(|r| r.date.to_string()).collect::<Vec<_>>(), ["2026-11-28", "2026-11-30"]);
    }

    #[test]
    fn the_next_start_stands_in_for_a_missing_sample() {
        let mut daily = DailyPnl::default();
        daily.day_started(d("2026-11-27"), m("1000"));
        daily.fill(at(0), m("10"), m("1"));
        daily.day_started(d("2026-11-28"), m("1009"));
        let rows = daily.rows(None, None, d("2026-11-28"), m("1012"), m("1000"));
        assert_eq!((rows[0].equity_end, rows[0].pnl), (m("1009"), m("9")));
        assert_eq!((rows[1].equity_start, rows[1].pnl), (m("1009"), m("3")));
        // With no facts at all, one row for today from the initial cash.
        let empty = DailyPnl::default().rows(None, None, d("2026-11-28"), m("1000"), m("1000"));
        assert_eq!((empty.len(), empty[0].pnl), (1, Money::ZERO));
    }
}
