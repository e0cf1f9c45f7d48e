//! `AlertBook`: evaluates every rule against each trade and reports firings.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::history::AlertHistory;
use super::rule::{AlertCondition, AlertMode, AlertRule};
use crate::model::{InstrumentKey, Quote};
use crate::num::{Price, Rate};
use crate::time::Timestamp;

/// One alert firing, for the log, metrics and the event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFiring {
    pub rule_id: String,
    pub instrument: InstrumentKey,
    pub price: Price,
    pub at: Timestamp,
    pub message: String,
}

#[derive(Debug, Clone)]
struct RuleState {
    rule: AlertRule,
    last_fired: Option<Timestamp>,
    /// Once-rules that fired stay quiet until re-enabled.
    spent: bool,
    previous_price: Option<Price>,
    recent_quantities: VecDeque<u64>,
    recent_sum: u128,
}

/// Why a rule could not be added or removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertBookError {
    #[error("an alert rule with id `{0}` already exists")]
    Duplicate(String),
    #[error("no alert rule has id `{0}`")]
    Unknown(String),
}

/// The rules, their firing state and the recent firings. Deterministic: rules are evaluated in id
/// order.
#[derive(Debug, Clone, Default)]
pub struct AlertBook {
    rules: BTreeMap<String, RuleState>,
    history: AlertHistory,
}

impl AlertBook {
    pub fn new() -> AlertBook {
        AlertBook::default()
    }

    /// Adds a validated rule.
    pub fn add(&mut self, rule: AlertRule) -> Result<(), AlertBookError> {
        if self.rules.contains_key(&rule.id) {
            return Err(AlertBookError::Duplicate(rule.id));
        }
        self.rules.insert(rule.id.clone(), RuleState::new(rule));
        Ok(())
    }

    /// Replaces the rule with `rule.id`, returning the old one. The rule starts afresh: a changed
    /// condition or instrument makes the old memory (last price, volume window, cooldown) mean
    /// nothing, and a spent once-rule is re-armed.
    pub fn replace(&mut self, rule: AlertRule) -> Result<AlertRule, AlertBookError> {
        let state = self.rules.get_mut(&rule.id).ok_or_else(|| AlertBookError::Unknown(rule.id.clone()))?;
        Ok(std::mem::replace(state, RuleState::new(rule)).rule)
    }

    /// The rule with `id`, if any.
    pub fn get(&self, id: &str) -> Option<&AlertRule> {
        self.rules.get(id).map(|s| &s.rule)
    }

    pub fn remove(&mut self, id: &str) -> Result<AlertRule, AlertBookError> {
        self.rules.remove(id).map(|s| s.rule).ok_or_else(|| AlertBookError::Unknown(id.to_owned()))
    }

    /// Enables (re-arming a spent once-rule) or disables a rule.
    pub fn set_enabled(&mut self, id: &str, enabled: bool) -> Result<(), AlertBookError> {
        let state = self.rules.get_mut(id).ok_or_else(|| AlertBookError::Unknown(id.to_owned()))?;
        state.rule.enabled = enabled;
        if enabled {
            state.spent = false;
        }
        Ok(())
    }

    pub fn rules(&self) -> impl Iterator<Item = &AlertRule> {
        self.rules.values().map(|s| &s.rule)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The recent firings (every firing of `on_quote` is recorded).
    pub fn history(&self) -> &AlertHistory {
        &self.history
    }

    /// Puts back firings recorded before a restart, oldest first.
    pub fn restore_history(&mut self, firings: impl IntoIterator<Item = AlertFiring>) {
        for firing in firings {
            self.history.push(firing);
        }
    }

    /// Puts back a rule's last firing from before a restart: a once-rule that fired stays spent
    /// and a repeating rule keeps its cooldown, so a restart never fires them again early.
    /// Unknown ids are ignored (the rule was removed since).
    pub fn restore_last_firing(&mut self, id: &str, at: Timestamp) {
        if let Some(state) = self.rules.get_mut(id) {
            state.last_fired = Some(at);
            state.spent = state.rule.mode == AlertMode::Once;
        }
    }

    /// Evaluates every rule on `quote.instrument` against its last trade.
    pub fn on_quote(&mut self, quote: &Quote, out: &mut Vec<AlertFiring>) {
        for state in self.rules.values_mut().filter(|s| s.rule.instrument == quote.instrument) {
            let holds = state.observe(quote);
            if !holds || !state.rule.enabled || state.spent {
                continue;
            }
            let cooled = match (state.rule.mode, state.last_fired) {
                (AlertMode::Repeat { cooldown_ms }, Some(last)) => {
                    quote.ts.since(last) >= i64::try_from(cooldown_ms).unwrap_or(i64::MAX).saturating_mul(1_000_000)
                }
                _ => true,
            };
            if !cooled {
                continue;
            }
            state.last_fired = Some(quote.ts);
            state.spent = state.rule.mode == AlertMode::Once;
            let firing = AlertFiring {
                rule_id: state.rule.id.clone(),
                instrument: quote.instrument.clone(),
                price: quote.last,
                at: quote.ts,
                message: describe(&state.rule.condition, quote),
            };
            self.history.push(firing.clone());
            out.push(firing);
        }
    }
}

impl RuleState {
    fn new(rule: AlertRule) -> RuleState {
        RuleState {
            rule,
            last_fired: None,
            spent: false,
            previous_price: None,
            recent_quantities: VecDeque::new(),
            recent_sum: 0,
        }
    }

    /// Updates the rule's memory with `quote` and says whether its condition holds now.
    fn observe(&mut self, quote: &Quote) -> bool {
        let last = quote.last;
        let previous = self.previous_price.replace(last);
        match self.rule.condition {
            AlertCondition::PriceAbove { price } => last > price,
            AlertCondition::PriceBelow { price } => last < price,
            AlertCondition::PriceCrosses { price } => {
                previous.is_some_and(|p| (p < price && last >= price) || (p > price && last <= price))
            }
            AlertCondition::MoveFrom { reference, percent } => {
                // |last − reference| ≥ percent × reference, in integers.
                let moved =
                    (i128::from(last.micros()) - i128::from(reference.micros())).abs() * i128::from(Rate::SCALE);
                moved >= i128::from(percent.nanos()) * i128::from(reference.micros())
            }
            AlertCondition::VolumeSpike { factor, window } => {
                let quantity = quote.last_quantity.units();
                let full = self.recent_quantities.len() == window;
                // quantity ≥ factor × (sum / window)  ⇔  quantity × window × SCALE ≥ factor × sum.
                let spike = full
                    && u128::from(quantity) * window as u128 * Rate::SCALE as u128
                        >= u128::try_from(factor.nanos()).unwrap_or(0) * self.recent_sum
                    && self.recent_sum > 0;
                self.recent_quantities.push_back(quantity);
                self.recent_sum += u128::from(quantity);
                if self.recent_quantities.len() > window {
                    self.recent_sum -= u128::from(self.recent_quantities.pop_front().unwrap_or(0));
                }
                spike
            }
        }
    }
}

fn describe(condition: &AlertCondition, quote: &Quote) -> String {
    let (instrument, last) = (&quote.instrument, quote.last);
    match condition {
        AlertCondition::PriceAbove { price } => format!("{instrument} traded at {last}, above {price}"),
        AlertCondition::PriceBelow { price } => format!("{instrument} traded at {last}, below {price}"),
        AlertCondition::PriceCrosses { price } => format!("{instrument} crossed {price} (last {last})"),
        AlertCondition::MoveFrom { reference, percent } => {
            format!("{instrument} at {last} moved at least {} from {reference}", percent.as_percent())
        }
        AlertCondition::VolumeSpike { factor, window } => format!(
            "{instrument} traded {} at {last}, at least {factor}× the average of the previous {window} trades",
            quote.last_quantity
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Quantity;

    const KEY: &str = "NSE_EQ|INE002A01018";

    fn quote(ms: i64, last: &str, quantity: u64) -> Quote {
        Quote::last_trade(
            InstrumentKey::new(KEY).unwrap(),
            Timestamp::from_millis(ms).unwrap(),
            last.parse().unwrap(),
            Quantity::new(quantity),
        )
    }

    fn rule(id: &str, condition: AlertCondition, mode: AlertMode) -> AlertRule {
        AlertRule { id: id.into(), instrument: InstrumentKey::new(KEY).unwrap(), condition, mode, enabled: true }
    }

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    fn run(book: &mut AlertBook, quotes: &[Quote]) -> Vec<(usize, String)> {
        let mut fired = Vec::new();
        for (i, q) in quotes.iter().enumerate() {
            let mut out = Vec::new();
            book.on_quote(q, &mut out);
            fired.extend(out.into_iter().map(|f| (i, f.rule_id)));
        }
        fired
    }

    #[test]
    fn above_once_fires_once_until_rearmed() {
        let mut book = AlertBook::new();
        book.add(rule("a", AlertCondition::PriceAbove { price: p("100") }, AlertMode::Once)).unwrap();
        let quotes = [quote(0, "100", 1), quote(1, "100.05", 1), quote(2, "101", 1)];
        assert_eq!(run(&mut book, &quotes), vec![(1, "a".to_owned())]);
        book.set_enabled("a", true).unwrap();
        assert_eq!(run(&mut book, &[quote(3, "101", 1)]), vec![(0, "a".to_owned())]);
    }

    #[test]
    fn a_restored_firing_keeps_once_rules_spent_and_repeat_rules_cooling() {
        let mut book = AlertBook::new();
        book.add(rule("once", AlertCondition::PriceAbove { price: p("100") }, AlertMode::Once)).unwrap();
        book.add(rule(
            "again",
            AlertCondition::PriceAbove { price: p("100") },
            AlertMode::Repeat { cooldown_ms: 1000 },
        ))
        .unwrap();
        book.restore_last_firing("once", Timestamp::from_millis(0).unwrap());
        book.restore_last_firing("again", Timestamp::from_millis(0).unwrap());
        book.restore_last_firing("gone", Timestamp::from_millis(0).unwrap());
        // Only the repeating rule fires, and only once its cooldown from the restored firing is over.
        assert_eq!(run(&mut book, &[quote(999, "101", 1)]), vec![]);
        assert_eq!(run(&mut book, &[quote(1000, "101", 1)]), vec![(0, "again".to_owned())]);
        book.set_enabled("once", true).unwrap();
        assert_eq!(run(&mut book, &[quote(1001, "101", 1)]), vec![(0, "once".to_owned())]);
    }

    #[test]
    fn below_repeat_respects_the_cooldown() {
        let mut book = AlertBook::new();
        book.add(rule("b", AlertCondition::PriceBelow { price: p("100") }, AlertMode::Repeat { cooldown_ms: 1000 }))
            .unwrap();
        let quotes = [quote(0, "99", 1), quote(500, "98", 1), quote(1000, "97", 1), quote(1500, "101", 1)];
        assert_eq!(run(&mut book, &quotes), vec![(0, "b".to_owned()), (2, "b".to_owned())]);
    }

    #[test]
    fn crossing_needs_a_previous_trade_on_the_other_side() {
        let mut book = AlertBook::new();
        book.add(rule("c", AlertCondition::PriceCrosses { price: p("100") }, AlertMode::Repeat { cooldown_ms: 1 }))
            .unwrap();
        let quotes =
            [quote(0, "101", 1), quote(10, "100", 1), quote(20, "100", 1), quote(30, "99", 1), quote(40, "100.5", 1)];
        // 101 → 100 crosses down (at the level); 100 → 100 and 100 → 99 do not; 99 → 100.5 crosses up.
        assert_eq!(run(&mut book, &quotes), vec![(1, "c".to_owned()), (4, "c".to_owned())]);
    }

    #[test]
    fn move_from_reference_in_either_direction() {
        let mut book = AlertBook::new();
        let condition = AlertCondition::MoveFrom { reference: p("200"), percent: "0.02".parse().unwrap() };
        book.add(rule("m", condition, AlertMode::Repeat { cooldown_ms: 1 })).unwrap();
        // 2 % of 200 = 4: 203.95 is not enough, 204 is, 196 is.
        let quotes = [quote(0, "203.95", 1), quote(10, "204", 1), quote(20, "196", 1)];
        assert_eq!(run(&mut book, &quotes), vec![(1, "m".to_owned()), (2, "m".to_owned())]);
    }

    #[test]
    fn volume_spike_against_the_previous_window() {
        let mut book = AlertBook::new();
        let condition = AlertCondition::VolumeSpike { factor: "3".parse().unwrap(), window: 3 };
        book.add(rule("v", condition, AlertMode::Repeat { cooldown_ms: 1 })).unwrap();
        // Window 10, 20, 30 → average 20: 59 < 3 × 20 is no spike. Then the window is 20, 30, 59
        // (average 109/3), and 109 ≥ 3 × 109/3 is one, exactly at the threshold.
        let quotes = [quote(0, "1", 10), quote(1, "1", 20), quote(2, "1", 30), quote(3, "1", 59), quote(4, "1", 109)];
        assert_eq!(run(&mut book, &quotes), vec![(4, "v".to_owned())]);
    }

    #[test]
    fn disabled_rules_stay_quiet_and_ids_are_unique() {
        let mut book = AlertBook::new();
        book.add(rule("a", AlertCondition::PriceAbove { price: p("1") }, AlertMode::Once)).unwrap();
        assert_eq!(
            book.add(rule("a", AlertCondition::PriceAbove { price: p("1") }, AlertMode::Once)),
            Err(AlertBookError::Duplicate("a".into()))
        );
        book.set_enabled("a", false).unwrap();
        assert!(run(&mut book, &[quote(0, "2", 1)]).is_empty());
        assert_eq!(book.remove("zz"), Err(AlertBookError::Unknown("zz".into())));
        assert_eq!(book.remove("a").unwrap().id, "a");
    }

    #[test]
    fn a_replaced_rule_starts_afresh_and_firings_are_kept_in_the_history() {
        let mut book = AlertBook::new();
        book.add(rule("a", AlertCondition::PriceAbove { price: p("100") }, AlertMode::Once)).unwrap();
        assert_eq!(run(&mut book, &[quote(0, "101", 1), quote(1, "102", 1)]), vec![(0, "a".to_owned())]);
        // Raising the threshold re-arms the spent once-rule: 102 is not above 150, 151 is.
        let old = book.replace(rule("a", AlertCondition::PriceAbove { price: p("150") }, AlertMode::Once)).unwrap();
        assert_eq!(old.condition, AlertCondition::PriceAbove { price: p("100") });
        assert_eq!(run(&mut book, &[quote(2, "102", 1), quote(3, "151", 1)]), vec![(1, "a".to_owned())]);
        assert_eq!(book.get("a").unwrap().condition, AlertCondition::PriceAbove { price: p("150") });
        assert_eq!(
            book.replace(rule("zz", AlertCondition::PriceAbove { price: p("1") }, AlertMode::Once)),
            Err(AlertBookError::Unknown("zz".into()))
        );
        let prices: Vec<String> = book.history().newest_first(None, 10).iter().map(|f| f.price.to_string()).collect();
        assert_eq!(prices, ["151.00", "101.00"]);
        let mut restored = AlertBook::new();
        restored.restore_history(book.history().newest_first(None, 10).into_iter().rev());
        assert_eq!(restored.history().newest_first(None, 10), book.history().newest_first(None, 10));
    }

    #[test]
    fn rules_validate_every_field() {
        let mut problems = crate::config::Problems::new();
        let bad = AlertRule {
            id: "bad id".into(),
            instrument: InstrumentKey::new(KEY).unwrap(),
            condition: AlertCondition::VolumeSpike { factor: "1".parse().unwrap(), window: 0 },
            mode: AlertMode::Repeat { cooldown_ms: 0 },
            enabled: true,
        };
        bad.validate("alerts[0]", &mut problems);
        let paths: Vec<_> = problems.iter().map(|p| p.path.clone()).collect();
        assert_eq!(
            paths,
            ["alerts[0].id", "alerts[0].condition.factor", "alerts[0].condition.window", "alerts[0].mode.cooldown_ms"]
        );
    }
}
