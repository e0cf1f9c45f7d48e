//! A bounded queue in front of an actor's (unbounded) ractor mailbox.
//!
//! Each message carries a `Permit`; the queue's depth is the number of permits alive, so it falls
//! when the receiving actor finishes with a message (or the mailbox is dropped with the actor).
//! A full queue refuses at once: orders are refused with a reason the submitter sees, never
//! dropped and never allowed to grow without bound (ARCHITECTURE §3).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::ActorSlot;
use crate::metrics_names::{QUEUE_CAPACITY, QUEUE_DEPTH, QUEUE_REFUSED_TOTAL};

/// Depth and capacity of one named queue, shared by its senders.
#[derive(Debug)]
pub struct QueueMeter {
    name: &'static str,
    depth: AtomicUsize,
    capacity: usize,
}

/// A place in a queue; dropping it frees the place.
#[derive(Debug)]
pub struct Permit {
    meter: Arc<QueueMeter>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let depth = self.meter.depth.fetch_sub(1, Ordering::AcqRel) - 1;
        metrics::gauge!(QUEUE_DEPTH, "queue" => self.meter.name).set(depth as f64);
    }
}

/// Why a message could not be queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("the {queue} queue is full ({capacity} waiting)")]
    Full { queue: &'static str, capacity: usize },
    #[error("the {queue} actor is not running")]
    Closed { queue: &'static str },
}

impl QueueMeter {
    pub fn new(name: &'static str, capacity: usize) -> Arc<QueueMeter> {
        metrics::gauge!(QUEUE_CAPACITY, "queue" => name).set(capacity as f64);
        metrics::gauge!(QUEUE_DEPTH, "queue" => name).set(0.0);
        Arc::new(QueueMeter { name, depth: AtomicUsize::new(0), capacity })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn depth(&self) -> usize {
        self.depth.load(Ordering::Acquire)
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Takes a place, or refuses when the queue is full.
    pub fn try_acquire(self: &Arc<QueueMeter>) -> Result<Permit, QueueError> {
        let acquired =
            self.depth.fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| (d < self.capacity).then_some(d + 1));
        match acquired {
            Ok(depth) => {
                metrics::gauge!(QUEUE_DEPTH, "queue" => self.name).set((depth + 1) as f64);
                Ok(Permit { meter: Arc::clone(self) })
            }
            Err(_) => {
                metrics::counter!(QUEUE_REFUSED_TOTAL, "queue" => self.name).increment(1);
                Err(QueueError::Full { queue: self.name, capacity: self.capacity })
            }
        }
    }
}

/// An actor's slot whose sends are bounded by a `QueueMeter`.
pub struct BoundedRef<M: ractor::Message> {
    actor: ActorSlot<M>,
    meter: Arc<QueueMeter>,
}

impl<M: ractor::Message> Clone for BoundedRef<M> {
    fn clone(&self) -> Self {
        BoundedRef { actor: self.actor.clone(), meter: Arc::clone(&self.meter) }
    }
}

impl<M: ractor::Message> BoundedRef<M> {
    pub fn new(actor: ActorSlot<M>, meter: Arc<QueueMeter>) -> BoundedRef<M> {
        BoundedRef { actor, meter }
    }

    pub fn meter(&self) -> &Arc<QueueMeter> {
        &self.meter
    }

    /// Queues the message built around a fresh permit, or refuses without building it.
    pub fn try_send(&self, build: impl FnOnce(Permit) -> M) -> Result<(), QueueError> {
        let actor = self.actor.get().ok_or(QueueError::Closed { queue: self.meter.name })?;
        let permit = self.meter.try_acquire()?;
        actor.cast(build(permit)).map_err(|_| QueueError::Closed { queue: self.meter.name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_when_full_and_frees_on_drop() {
        let meter = QueueMeter::new("test", 2);
        let a = meter.try_acquire().unwrap();
        let _b = meter.try_acquire().unwrap();
        assert_eq!(meter.try_acquire().unwrap_err(), QueueError::Full { queue: "test", capacity: 2 });
        assert_eq!(meter.depth(), 2);
        drop(a);
        assert_eq!(meter.depth(), 1);
        assert!(meter.try_acquire().is_ok());
    }
}
