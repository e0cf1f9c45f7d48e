//! `AlertHistory`: the most recent firings, bounded, for operators who ask what fired.

use std::collections::VecDeque;

use super::book::AlertFiring;

/// How many firings the history keeps; older ones are dropped first (the journal keeps them all).
pub const HISTORY_CAPACITY: usize = 1_000;

/// The last [`HISTORY_CAPACITY`] firings (or fewer, see [`AlertHistory::with_capacity`]), oldest
/// first in memory, listed newest first.
#[derive(Debug, Clone)]
pub struct AlertHistory {
    firings: VecDeque<AlertFiring>,
    capacity: usize,
}

impl Default for AlertHistory {
    fn default() -> AlertHistory {
        AlertHistory::with_capacity(HISTORY_CAPACITY)
    }
}

impl AlertHistory {
    /// An empty history keeping at most `capacity` (at least 1) firings.
    pub fn with_capacity(capacity: usize) -> AlertHistory {
        let capacity = capacity.max(1);
        AlertHistory { firings: VecDeque::with_capacity(capacity.min(64)), capacity }
    }

    /// Records a firing, dropping the oldest when full.
    pub fn push(&mut self, firing: AlertFiring) {
        if self.firings.len() == self.capacity {
            self.firings.pop_front();
        }
        self.firings.push_back(firing);
    }

    /// Up to `limit` firings, newest first, of rule `rule` only when given.
    pub fn newest_first(&self, rule: Option<&str>, limit: usize) -> Vec<AlertFiring> {
        self.firings.iter().rev().filter(|f| rule.is_none_or(|id| f.rule_id == id)).take(limit).cloned().collect()
    }

    /// Every firing kept, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &AlertFiring> + ExactSizeIterator {
        self.firings.iter()
    }

    pub fn len(&self) -> usize {
        self.firings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.firings.is_empty()
    }
}

/// The firings kept, oldest first: how a recovered history is handed to the alert book.
impl IntoIterator for AlertHistory {
    type Item = AlertFiring;
    type IntoIter = std::collections::vec_deque::IntoIter<AlertFiring>;

    fn into_iter(self) -> Self::IntoIter {
        self.firings.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstrumentKey;
    use crate::time::Timestamp;

    fn firing(rule: &str, at: i64) -> AlertFiring {
        AlertFiring {
            rule_id: rule.into(),
            instrument: InstrumentKey::new("NSE_EQ|INE002A01018").unwrap(),
            price: "100".parse().unwrap(),
            at: Timestamp::from_nanos(at),
            message: format!("{rule} at {at}"),
        }
    }

    #[test]
    fn keeps_the_newest_lists_them_first_and_filters_by_rule() {
        let mut history = AlertHistory::with_capacity(3);
        for (rule, at) in [("a", 1), ("b", 2), ("a", 3), ("a", 4)] {
            history.push(firing(rule, at));
        }
        assert_eq!(history.len(), 3, "the oldest (a at 1) was dropped");
        let at = |list: Vec<AlertFiring>| list.iter().map(|f| f.at.nanos()).collect::<Vec<_>>();
        assert_eq!(at(history.newest_first(None, 10)), [4, 3, 2]);
        assert_eq!(at(history.newest_first(Some("a"), 10)), [4, 3]);
        assert_eq!(at(history.newest_first(Some("a"), 1)), [4]);
        assert!(history.newest_first(Some("zz"), 10).is_empty());
        assert_eq!(AlertHistory::with_capacity(0).capacity, 1);
        let oldest_first: Vec<i64> = history.iter().map(|f| f.at.nanos()).collect();
        assert_eq!(oldest_first, [2, 3, 4]);
        assert_eq!(history.into_iter().map(|f| f.at.nanos()).collect::<Vec<_>>(), [2, 3, 4]);
    }
}
