//! `QuoteCache`: the last quote per instrument and when it arrived, for prices and staleness.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;
use trader::model::{InstrumentKey, Quote};

/// The latest quote of each instrument and the instant it was received, on the tokio clock (so
/// paused-time tests control ages). Instruments can be tracked before their first quote, so a
/// subscription that never delivers shows up as stale too.
#[derive(Debug, Clone, Default)]
pub struct QuoteCache {
    entries: BTreeMap<InstrumentKey, Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    quote: Option<Quote>,
    /// When the last quote arrived, or when tracking began if none has.
    since: Instant,
}

impl QuoteCache {
    pub fn new() -> QuoteCache {
        QuoteCache::default()
    }

    /// Expects quotes for `instrument` from `now` on (e.g. on subscribe); a no-op if known.
    pub fn track(&mut self, instrument: InstrumentKey, now: Instant) {
        self.entries.entry(instrument).or_insert(Entry { quote: None, since: now });
    }

    /// Forgets `instrument` (e.g. on unsubscribe).
    pub fn untrack(&mut self, instrument: &InstrumentKey) {
        self.entries.remove(instrument);
    }

    /// Records `quote`, received at `now`. Arrival always refreshes the instrument's age (the
    /// feed is alive), but a quote stamped before the cached one does not replace it, so a
    /// message reordered across a reconnect cannot roll the price back. Returns whether the
    /// cached quote changed.
    pub fn update(&mut self, quote: Quote, now: Instant) -> bool {
        let entry = self.entries.entry(quote.instrument.clone()).or_insert(Entry { quote: None, since: now });
        entry.since = now;
        if entry.quote.as_ref().is_some_and(|cached| quote.ts < cached.ts) {
            return false;
        }
        entry.quote = Some(quote);
        true
    }

    /// The last quote of `instrument`, if one has arrived.
    pub fn get(&self, instrument: &InstrumentKey) -> Option<&Quote> {
        self.entries.get(instrument)?.quote.as_ref()
    }

    /// How long ago `instrument`'s last quote arrived (or tracking began, before any quote);
    /// `None` if it is not tracked.
    pub fn age(&self, instrument: &InstrumentKey, now: Instant) -> Option<Duration> {
        Some(now.saturating_duration_since(self.entries.get(instrument)?.since))
    }

    /// Tracked instruments with no quote for longer than `stale_after`, in key order.
    pub fn stale(&self, now: Instant, stale_after: Duration) -> Vec<InstrumentKey> {
        self.entries
            .iter()
            .filter(|(_, entry)| now.saturating_duration_since(entry.since) > stale_after)
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// Every cached quote, in key order.
    pub fn quotes(&self) -> impl Iterator<Item = &Quote> {
        self.entries.values().filter_map(|entry| entry.quote.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use trader::num::{Price, Quantity};
    use trader::time::Timestamp;

    use super::*;

    fn key(text: &str) -> InstrumentKey {
        InstrumentKey::new(text).unwrap()
    }

    fn quote(instrument: &InstrumentKey, ts_millis: i64, last: &str) -> Quote {
        let ts = Timestamp::from_millis(ts_millis).unwrap();
        Quote::last_trade(instrument.clone(), ts, last.parse::<Price>().unwrap(), Quantity::new(1))
    }

    #[tokio::test(start_paused = true)]
    async fn ages_and_staleness_follow_arrivals() {
        let (reliance, infy, tcs) =
            (key("NSE_EQ|INE002A01018"), key("NSE_EQ|INE009A01021"), key("NSE_EQ|INE467B01029"));
        let mut cache = QuoteCache::new();
        let t0 = Instant::now();
        cache.track(reliance.clone(), t0);
        cache.track(infy.clone(), t0);
        assert!(cache.update(quote(&reliance, 1_000, "2450.05"), t0 + Duration::from_secs(2)));
        assert!(
            cache.update(quote(&tcs, 1_000, "3500"), t0 + Duration::from_secs(3)),
            "untracked quotes are cached too"
        );
        let now = t0 + Duration::from_secs(5);
        assert_eq!(cache.age(&reliance, now), Some(Duration::from_secs(3)));
        assert_eq!(cache.age(&infy, now), Some(Duration::from_secs(5)), "tracked, never quoted: age since tracking");
        assert_eq!(cache.age(&key("NSE_EQ|INE040A01034"), now), None);
        assert_eq!(cache.get(&infy), None);
        // Ages now: RELIANCE 3 s, INFY 5 s (since tracking), TCS 2 s.
        assert_eq!(cache.stale(now, Duration::from_secs(1)), [reliance.clone(), infy.clone(), tcs.clone()]);
        assert_eq!(cache.stale(now, Duration::from_secs(3)), vec![infy.clone()], "older than, not as old as");
        cache.untrack(&infy);
        assert!(cache.stale(now, Duration::from_secs(4)).is_empty());
        assert_eq!(cache.quotes().count(), 2);
        assert_eq!(cache.get(&reliance).map(|q| q.last.to_string()), Some("2450.05".into()));
    }

    #[tokio::test(start_paused = true)]
    async fn an_older_quote_refreshes_the_age_but_not_the_price() {
        let reliance = key("NSE_EQ|INE002A01018");
        let mut cache = QuoteCache::new();
        let t0 = Instant::now();
        cache.update(quote(&reliance, 2_000, "2450.10"), t0);
        assert!(!cache.update(quote(&reliance, 1_999, "2449.00"), t0 + Duration::from_secs(1)));
        assert_eq!(cache.get(&reliance).map(|q| q.last.to_string()), Some("2450.10".into()));
        assert_eq!(cache.age(&reliance, t0 + Duration::from_secs(1)), Some(Duration::ZERO));
        assert!(
            cache.update(quote(&reliance, 2_000, "2450.15"), t0 + Duration::from_secs(2)),
            "same time: the newer arrival wins"
        );
        assert_eq!(cache.get(&reliance).map(|q| q.last.to_string()), Some("2450.15".into()));
    }
}
