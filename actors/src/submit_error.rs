//! Why an order submission did not produce a durable order.

use trader::risk::Refusal;

use crate::journal::{AppendError, JournalError};
use crate::queue::QueueError;

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("refused by risk: {0}")]
    Refused(Refusal),
    #[error("{0}")]
    Queue(QueueError),
    #[error("not durable: {0}")]
    Journal(String),
    #[error("{0}")]
    Invalid(String),
}

impl From<AppendError> for SubmitError {
    fn from(e: AppendError) -> SubmitError {
        SubmitError::Journal(e.to_string())
    }
}

impl From<JournalError> for SubmitError {
    fn from(e: JournalError) -> SubmitError {
        SubmitError::Journal(e.to_string())
    }
}
