//! Why an order submission did not produce a durable order.

use trader::model::OrderId;
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
    /// The order router has no order with this id.
    #[error("no order {0}")]
    UnknownOrder(OrderId),
    /// Another modification reached the order after the caller read it; the change, computed
    /// from the old copy, was not applied.
    #[error("order {0} changed since it was read (another modification); read it again and retry")]
    Changed(OrderId),
    /// The broker refused a modification (the reason is the broker's); the order is unchanged.
    #[error("the broker refused the modification: {0}")]
    BrokerRefused(String),
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
