//! `ActorSlot`: where an actor's current reference lives. The supervisor replaces it when it
//! respawns the actor, so senders never hold a reference to a dead instance.

use std::sync::{Arc, RwLock};

use ractor::ActorRef;

pub struct ActorSlot<M: ractor::Message> {
    current: Arc<RwLock<Option<ActorRef<M>>>>,
}

impl<M: ractor::Message> Clone for ActorSlot<M> {
    fn clone(&self) -> Self {
        ActorSlot { current: Arc::clone(&self.current) }
    }
}

impl<M: ractor::Message> Default for ActorSlot<M> {
    fn default() -> Self {
        ActorSlot { current: Arc::new(RwLock::new(None)) }
    }
}

impl<M: ractor::Message> ActorSlot<M> {
    pub fn get(&self) -> Option<ActorRef<M>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set(&self, actor: Option<ActorRef<M>>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = actor;
    }

    /// Sends without waiting; false when the actor is not running.
    pub fn cast(&self, message: M) -> bool {
        self.get().is_some_and(|actor| actor.cast(message).is_ok())
    }
}
