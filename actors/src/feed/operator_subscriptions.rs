//! `FeedSubscriptions`: the instruments the feed source is asked to deliver, as operators set
//! them. Each change is journaled (the whole set, so a restart resumes it) before the source is
//! told, and changes are serialised so the journal and the source never disagree on the order.

use std::collections::BTreeSet;
use std::sync::RwLock;

use tokio::sync::{mpsc, Mutex};
use trader::model::InstrumentKey;

use super::FeedCommand;
use crate::journal::JournalHandle;
use crate::records::JournalRecord;

/// The current subscription set and the channel to the running source. Lives in `FeedShared`,
/// so it outlives feed handler restarts.
#[derive(Debug, Default)]
pub struct FeedSubscriptions {
    /// The source's command channel (`None` before [`FeedSubscriptions::attach`]); its lock
    /// serialises changes from journal to source.
    commands: Mutex<Option<mpsc::Sender<FeedCommand>>>,
    /// What the source has been asked for, for readers that must not wait on a change.
    current: RwLock<BTreeSet<InstrumentKey>>,
}

/// Why a subscription change was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// The journal refused the record or could not make it durable; nothing changed.
    #[error("the subscription change could not be journaled: {0}")]
    Journal(String),
}

impl FeedSubscriptions {
    /// Connects the source's command channel and asks the source for `initial`. Call once, when
    /// the source starts (before or right after spawning its `run`).
    pub async fn attach(&self, commands: mpsc::Sender<FeedCommand>, initial: BTreeSet<InstrumentKey>) {
        let mut slot = self.commands.lock().await;
        if !initial.is_empty() {
            // A source that already stopped simply gets nothing more; there is nothing to undo.
            let _ = commands.send(FeedCommand::Subscribe(initial.iter().cloned().collect())).await;
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = initial;
        *slot = Some(commands);
    }

    /// Drops the command channel, so the source sees its commands close and stops.
    pub async fn detach(&self) {
        self.commands.lock().await.take();
    }

    /// Every subscribed instrument, in key order.
    pub fn current(&self) -> BTreeSet<InstrumentKey> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn contains(&self, key: &InstrumentKey) -> bool {
        self.current.read().unwrap_or_else(|e| e.into_inner()).contains(key)
    }

    /// Subscribes (`subscribe`) or unsubscribes `key`: journals the new set and waits until it is
    /// durable, then tells the source. `Ok(false)` when the set already was that way (nothing is
    /// journaled). The caller checks that `key` is a configured instrument.
    pub async fn change(
        &self,
        journal: &JournalHandle,
        key: &InstrumentKey,
        subscribe: bool,
    ) -> Result<bool, SubscriptionError> {
        let commands = self.commands.lock().await;
        let mut next = self.current();
        let changed = if subscribe { next.insert(key.clone()) } else { next.remove(key) };
        if !changed {
            return Ok(false);
        }
        let record = JournalRecord::FeedSubscriptions { instruments: next.iter().cloned().collect() };
        let bytes = record.encode().map_err(|e| SubscriptionError::Journal(e.to_string()))?;
        let ack = journal.append(bytes).map_err(|e| SubscriptionError::Journal(e.to_string()))?;
        ack.wait().await.map_err(|e| SubscriptionError::Journal(e.to_string()))?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
        if let Some(commands) = commands.as_ref() {
            let command = if subscribe {
                FeedCommand::Subscribe(vec![key.clone()])
            } else {
                FeedCommand::Unsubscribe(vec![key.clone()])
            };
            // A finished source (a replay that ran out) takes no commands; the set is still the
            // operator's choice and applies from the next start.
            if commands.send(command).await.is_err() {
                tracing::info!(instrument = %key, subscribe, "the feed source has stopped; change kept for next start");
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{JournalConfig, JournalWriter, MemoryStore};
    use crate::recovery::RecoveredState;

    fn key(text: &str) -> InstrumentKey {
        InstrumentKey::new(text).unwrap()
    }

    #[tokio::test]
    async fn changes_are_journaled_then_sent_to_the_source_and_no_ops_are_not() {
        let config = JournalConfig {
            queue_capacity: std::num::NonZeroUsize::new(16).unwrap(),
            max_batch: std::num::NonZeroUsize::new(4).unwrap(),
        };
        let (journal, writer) = JournalWriter::start(MemoryStore::new(), config).unwrap();
        let (reliance, infy) = (key("NSE_EQ|INE002A01018"), key("NSE_EQ|INE009A01021"));
        let subs = FeedSubscriptions::default();
        let (tx, mut rx) = mpsc::channel(4);
        subs.attach(tx, [reliance.clone(), infy.clone()].into_iter().collect()).await;
        assert_eq!(rx.recv().await, Some(FeedCommand::Subscribe(vec![reliance.clone(), infy.clone()])));

        assert_eq!(subs.change(&journal, &infy, false).await, Ok(true));
        assert_eq!(rx.recv().await, Some(FeedCommand::Unsubscribe(vec![infy.clone()])));
        assert!(!subs.contains(&infy) && subs.contains(&reliance));
        assert_eq!(subs.change(&journal, &infy, false).await, Ok(false), "already unsubscribed");
        assert_eq!(subs.change(&journal, &infy, true).await, Ok(true));
        assert_eq!(rx.recv().await, Some(FeedCommand::Subscribe(vec![infy.clone()])));
        assert!(rx.try_recv().is_err(), "the no-op sent nothing");

        journal.close();
        let store = writer.join().unwrap();
        let state = RecoveredState::recover(&store, trader::num::Money::ZERO).unwrap();
        assert_eq!(state.feed_subscriptions, Some([reliance, infy].into_iter().collect()));
    }
}
