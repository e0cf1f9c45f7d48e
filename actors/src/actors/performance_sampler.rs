//! The performance sampler: keeps the performance book in step with the order router and
//! journals a sample of the equity curve every `[performance] sample_interval_ms` and at the start
//! of every IST trading day.
//!
//! A task rather than an actor: all it owns is a timer, and the book it feeds is shared with the
//! control plane, which brings the book up to date itself before answering ([`Performance::sync`]),
//! so a P&L read always agrees with the router's marks of that moment. A sample is applied to the
//! book only once its record is durable, so what a restart rebuilds is what was shown.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;
use trader::model::Portfolio;
use trader::time::{Clock, LiveClock, Timestamp};

use super::order_router::{RouterMsg, RouterQuery};
use crate::engine::{PerformanceBook, RouterSnapshot};
use crate::journal::JournalHandle;
use crate::queue::ActorSlot;
use crate::records::JournalRecord;
use crate::services::Services;

/// How long a sync waits for the router.
const ROUTER_TIMEOUT: Duration = Duration::from_secs(5);

/// The fills are pulled at least this often, whatever the sample interval: the router keeps only
/// its most recent fills in memory, so the book must not fall far behind it.
const MAX_POLL: Duration = Duration::from_secs(1);

/// Why the book could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the order router is not answering")]
    RouterUnavailable,
}

/// The performance book, shared by the sampler and the control plane.
pub struct Performance {
    book: Mutex<PerformanceBook>,
    /// One sync at a time, so each asks for the fills after the last one booked.
    syncing: tokio::sync::Mutex<()>,
}

impl Performance {
    pub fn new(book: PerformanceBook) -> Performance {
        Performance { book: Mutex::new(book), syncing: tokio::sync::Mutex::new(()) }
    }

    /// Reads the book.
    pub fn read<R>(&self, f: impl FnOnce(&PerformanceBook) -> R) -> R {
        f(&self.book.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Books the fills the router made since the last sync and returns the router's snapshot,
    /// which the book now agrees with.
    pub async fn sync(&self, router: &ActorSlot<RouterMsg>) -> Result<RouterSnapshot, SyncError> {
        let _one_at_a_time = self.syncing.lock().await;
        self.sync_locked(router).await.map(|(snapshot, _)| snapshot)
    }

    /// [`Performance::sync`], then a journaled sample if `due(new_day)` says so. Returns `None`
    /// when none was due, else whether one was recorded (a repeat of the last is not).
    pub async fn sync_and_sample(
        &self,
        router: &ActorSlot<RouterMsg>,
        journal: &JournalHandle,
        due: impl FnOnce(bool) -> bool,
    ) -> Result<Option<bool>, SyncError> {
        let _one_at_a_time = self.syncing.lock().await;
        let (snapshot, new_day) = self.sync_locked(router).await?;
        if !due(new_day) {
            return Ok(None);
        }
        Ok(Some(self.sample(journal, LiveClock.now(), &snapshot.portfolio).await))
    }

    async fn sync_locked(&self, router: &ActorSlot<RouterMsg>) -> Result<(RouterSnapshot, bool), SyncError> {
        let router = router.get().ok_or(SyncError::RouterUnavailable)?;
        let after = self.read(|book| book.last_fill().cloned());
        let snapshot = match router
            .call(|reply| RouterMsg::Query(RouterQuery::Performance { after, reply }), Some(ROUTER_TIMEOUT))
            .await
        {
            Ok(ractor::rpc::CallResult::Success(snapshot)) => snapshot,
            _ => return Err(SyncError::RouterUnavailable),
        };
        let mut book = self.book.lock().unwrap_or_else(|e| e.into_inner());
        if !snapshot.complete {
            tracing::error!("fills were missed by the performance book: P&L by day and by strategy may be short");
            book.missed_fills();
        }
        for (fill, owner) in &snapshot.fills {
            book.fill(owner, fill);
        }
        let mut new_day = false;
        if let Some(day) = snapshot.day {
            if book.daily().last_started() != Some(day) {
                book.day_started(day, snapshot.portfolio.start_of_day_equity);
                new_day = true;
            }
        }
        drop(book);
        Ok((snapshot, new_day))
    }

    /// Journals the sample at `at` (unless it repeats the last one) and applies it once durable.
    async fn sample(&self, journal: &JournalHandle, at: Timestamp, portfolio: &Portfolio) -> bool {
        let Some(sample) = self.read(|book| book.next_sample(at, portfolio)) else {
            return false;
        };
        let durable = match JournalRecord::EquitySample(sample.clone()).encode() {
            Ok(bytes) => match journal.append(bytes) {
                Ok(ack) => ack.wait().await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        match durable {
            Ok(()) => {
                self.book.lock().unwrap_or_else(|e| e.into_inner()).sample(&sample);
                true
            }
            Err(error) => {
                tracing::warn!(%error, "equity sample not journaled; the next one will be tried");
                false
            }
        }
    }
}

/// Runs the sampler until aborted.
pub fn spawn(performance: Arc<Performance>, services: Services) -> JoinHandle<()> {
    tokio::spawn(async move {
        let every = Duration::from_millis(services.config.performance.sample_interval_ms);
        let mut ticks = tokio::time::interval(every.min(MAX_POLL));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_sample: Option<tokio::time::Instant> = None;
        loop {
            ticks.tick().await;
            let due = |new_day: bool| new_day || last_sample.is_none_or(|at| at.elapsed() >= every);
            match performance.sync_and_sample(&services.slots.router, &services.journal, due).await {
                Ok(Some(_)) => last_sample = Some(tokio::time::Instant::now()),
                Ok(None) => {}
                // The router is restarting or not up yet: the next tick tries again.
                Err(e) => tracing::debug!(error = %e, "performance book not synced"),
            }
        }
    })
}
