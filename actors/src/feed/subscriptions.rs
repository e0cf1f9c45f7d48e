//! `Subscriptions`: the set of instruments a source currently delivers.

use std::collections::BTreeSet;
use std::future::Future;

use tokio::sync::mpsc;
use trader::model::InstrumentKey;

use super::FeedCommand;

/// The current subscription set, kept by each source so it can filter quotes and re-subscribe
/// everything after a reconnect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Subscriptions {
    keys: BTreeSet<InstrumentKey>,
}

impl Subscriptions {
    /// Applies `command`; returns the instruments whose state it changed (newly subscribed, or
    /// actually unsubscribed), in order, so a source sends the server only real changes.
    pub(crate) fn apply(&mut self, command: &FeedCommand) -> Vec<InstrumentKey> {
        match command {
            FeedCommand::Subscribe(keys) => keys.iter().filter(|k| self.keys.insert((*k).clone())).cloned().collect(),
            FeedCommand::Unsubscribe(keys) => keys.iter().filter(|k| self.keys.remove(*k)).cloned().collect(),
        }
    }

    /// Awaits `future`, applying every command that arrives meanwhile (queued commands first);
    /// `None` if the commands close before it completes, which tells a source to stop.
    pub(crate) async fn apply_until<F: Future>(
        &mut self,
        commands: &mut mpsc::Receiver<FeedCommand>,
        future: F,
    ) -> Option<F::Output> {
        tokio::pin!(future);
        loop {
            tokio::select! {
                biased;
                command = commands.recv() => {
                    self.apply(&command?);
                }
                output = &mut future => return Some(output),
            }
        }
    }

    pub(crate) fn contains(&self, key: &InstrumentKey) -> bool {
        self.keys.contains(key)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Every subscribed instrument, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &InstrumentKey> {
        self.keys.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> InstrumentKey {
        InstrumentKey::new(text).unwrap()
    }

    #[test]
    fn reports_only_real_changes() {
        let (a, b) = (key("NSE_EQ|INE002A01018"), key("NSE_EQ|INE009A01021"));
        let mut subs = Subscriptions::default();
        assert_eq!(subs.apply(&FeedCommand::Subscribe(vec![a.clone(), a.clone()])), vec![a.clone()]);
        assert_eq!(subs.apply(&FeedCommand::Subscribe(vec![a.clone(), b.clone()])), vec![b.clone()]);
        assert!(subs.contains(&a) && subs.contains(&b));
        assert_eq!(subs.apply(&FeedCommand::Unsubscribe(vec![a.clone(), a.clone()])), vec![a.clone()]);
        assert_eq!(subs.iter().collect::<Vec<_>>(), [&b]);
        subs.apply(&FeedCommand::Unsubscribe(vec![b]));
        assert!(subs.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn apply_until_takes_queued_commands_first_and_stops_when_they_close() {
        let a = key("NSE_EQ|INE002A01018");
        let mut subs = Subscriptions::default();
        let (tx, mut rx) = mpsc::channel(4);
        tx.send(FeedCommand::Subscribe(vec![a.clone()])).await.unwrap();
        assert_eq!(subs.apply_until(&mut rx, std::future::ready(7)).await, Some(7));
        assert!(subs.contains(&a), "the queued command was applied before the ready future");
        drop(tx);
        assert_eq!(subs.apply_until(&mut rx, std::future::pending::<()>()).await, None);
    }
}
