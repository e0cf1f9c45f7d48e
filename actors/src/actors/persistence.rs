//! The persistence writer actor: owns the journal's writer thread, reports its progress, and
//! closes it on shutdown so everything queued is committed before the process exits.
//!
//! Appends do not pass through this actor's mailbox: every actor holds a `JournalHandle` into the
//! writer thread's bounded queue, which group-commits (see `journal`). This actor is its owner.

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use crate::journal::{JournalHandle, JournalStats};

pub enum PersistenceMsg {
    Stats(RpcReplyPort<JournalStats>),
    Ping(RpcReplyPort<()>),
}

pub struct PersistenceArgs {
    pub journal: JournalHandle,
    /// Waits for the writer thread to finish (it commits what is queued first).
    pub join_writer: Option<Box<dyn FnOnce() + Send>>,
}

pub struct PersistenceWriter;

pub struct PersistenceState {
    journal: JournalHandle,
    join_writer: Option<Box<dyn FnOnce() + Send>>,
}

impl Actor for PersistenceWriter {
    type Msg = PersistenceMsg;
    type State = PersistenceState;
    type Arguments = PersistenceArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<PersistenceMsg>,
        args: PersistenceArgs,
    ) -> Result<PersistenceState, ActorProcessingErr> {
        Ok(PersistenceState { journal: args.journal, join_writer: args.join_writer })
    }

    async fn handle(
        &self,
        _myself: ActorRef<PersistenceMsg>,
        message: PersistenceMsg,
        state: &mut PersistenceState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            PersistenceMsg::Stats(reply) => {
                let _ = reply.send(state.journal.stats());
            }
            PersistenceMsg::Ping(reply) => {
                let _ = reply.send(());
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<PersistenceMsg>,
        state: &mut PersistenceState,
    ) -> Result<(), ActorProcessingErr> {
        state.journal.close();
        if let Some(join) = state.join_writer.take() {
            // The writer commits what is queued, then exits; wait for it off the async threads.
            let _ = tokio::task::spawn_blocking(join).await;
        }
        tracing::info!(committed = state.journal.stats().committed_sequence, "journal closed");
        Ok(())
    }
}
