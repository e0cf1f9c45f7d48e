//! A bounded equity curve: samples at full resolution for the most recent IST days, one point per
//! day (its last sample) before that.

use std::collections::VecDeque;

use trader::num::Money;
use trader::time::{Date, Timestamp};

/// One sample: an instant and a value.
pub type Point = (Timestamp, Money);

/// The curve. Memory: `detailed_days` days of samples plus one point per older day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquityCurve {
    /// The last point of each day older than the detailed window, oldest first.
    daily: Vec<(Date, Point)>,
    /// Every sample of the most recent `detailed_days` IST dates that have samples, oldest first.
    recent: VecDeque<Point>,
    /// How many IST dates `recent` spans (kept, not counted, so a push costs O(1)).
    recent_dates: usize,
    detailed_days: usize,
}

impl EquityCurve {
    /// An empty curve keeping `detailed_days` (at least 1) days of samples.
    pub fn new(detailed_days: usize) -> EquityCurve {
        EquityCurve { daily: Vec::new(), recent: VecDeque::new(), recent_dates: 0, detailed_days: detailed_days.max(1) }
    }

    /// Appends a sample. A sample older than the last one is ignored: the curve only moves forward.
    pub fn push(&mut self, at: Timestamp, value: Money) {
        match self.recent.back() {
            Some((last, _)) if at < *last => return,
            Some((last, _)) if last.ist().0 == at.ist().0 => {}
            _ => self.recent_dates += 1,
        }
        self.recent.push_back((at, value));
        self.compact();
    }

    /// Shrinks the window to `detailed_days` (older days become daily points).
    pub fn set_detailed_days(&mut self, detailed_days: usize) {
        self.detailed_days = detailed_days.max(1);
        self.compact();
    }

    /// Moves whole days out of the detailed window, oldest first, until it holds at most
    /// `detailed_days` dates.
    fn compact(&mut self) {
        while self.recent_dates > self.detailed_days {
            let Some(&(first, _)) = self.recent.front() else { return };
            let day = first.ist().0;
            let mut last = None;
            while let Some(&point) = self.recent.front() {
                if point.0.ist().0 != day {
                    break;
                }
                last = Some(point);
                self.recent.pop_front();
            }
            self.recent_dates -= 1;
            if let Some(point) = last {
                self.daily.push((day, point));
            }
        }
    }

    /// The samples at full resolution, oldest first.
    pub fn samples(&self) -> Vec<Point> {
        self.recent.iter().copied().collect()
    }

    /// One point per IST day (its last sample) over the whole history, oldest first.
    pub fn daily(&self) -> Vec<Point> {
        let mut out: Vec<Point> = self.daily.iter().map(|(_, p)| *p).collect();
        for point in &self.recent {
            match out.last_mut() {
                Some(last) if last.0.ist().0 == point.0.ist().0 => *last = *point,
                _ => out.push(*point),
            }
        }
        out
    }

    /// The last sample.
    pub fn last(&self) -> Option<Point> {
        self.recent.back().copied().or_else(|| self.daily.last().map(|(_, p)| *p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600 * 1_000_000_000;

    /// 2026-11-27 04:00 UTC (09:30 IST) plus `hours`.
    fn at(hours: i64) -> Timestamp {
        Timestamp::from_nanos(1_795_752_000_000_000_000 + hours * HOUR)
    }

    fn m(rupees: i64) -> Money {
        Money::from_rupees(rupees).unwrap()
    }

    #[test]
    fn old_days_shrink_to_their_last_sample() {
        let mut curve = EquityCurve::new(2);
        // Day 1: three samples; day 2: two; day 3: one.
        for (h, v) in [(0, 100), (1, 101), (2, 102), (24, 103), (25, 104), (48, 105)] {
            curve.push(at(h), m(v));
        }
        // Days 2 and 3 stay detailed; day 1 keeps its last sample.
        assert_eq!(curve.samples(), vec![(at(24), m(103)), (at(25), m(104)), (at(48), m(105))]);
        assert_eq!(curve.daily(), vec![(at(2), m(102)), (at(25), m(104)), (at(48), m(105))]);
        assert_eq!(curve.last(), Some((at(48), m(105))));
        // An older sample is ignored.
        curve.push(at(3), m(1));
        assert_eq!(curve.last(), Some((at(48), m(105))));
        curve.set_detailed_days(1);
        assert_eq!(curve.samples(), vec![(at(48), m(105))]);
        assert_eq!(curve.daily().len(), 3, "shrinking the window loses no day");
    }

    #[test]
    fn a_day_is_the_ist_day() {
        let mut curve = EquityCurve::new(1);
        // 09:30 IST and 23:59 IST the same day (18:29 UTC) are one day; 00:00 IST the next is another.
        let late = Timestamp::from_nanos(at(0).nanos() + 14 * HOUR + 29 * 60 * 1_000_000_000);
        let midnight = Timestamp::from_nanos(late.nanos() + 60 * 1_000_000_000);
        curve.push(at(0), m(1));
        curve.push(late, m(2));
        assert_eq!(curve.samples().len(), 2);
        curve.push(midnight, m(3));
        assert_eq!(curve.samples(), vec![(midnight, m(3))]);
        assert_eq!(curve.daily(), vec![(late, m(2)), (midnight, m(3))]);
    }
}
