//! The journal's metric names, and the metric handles resolved from them once at start.

use crate::metrics_names;
use metrics::{Counter, Gauge, Histogram};

/// Names of the metrics the journal records, so the daemon can keep all names in one module.
/// Queue metrics carry the label `queue="journal"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalMetricNames {
    /// Histogram of commit durations in seconds (successful or not).
    pub commit_seconds: &'static str,
    /// Histogram of records per committed batch.
    pub batch_size: &'static str,
    /// Gauge of records waiting in the queue.
    pub queue_depth: &'static str,
    /// Gauge of the queue's capacity.
    pub queue_capacity: &'static str,
    /// Counter of records refused because the queue was full.
    pub queue_refused_total: &'static str,
    /// Counter of batches whose commit failed (every record in them was refused to its caller).
    pub commit_failures_total: &'static str,
}

impl JournalMetricNames {
    /// The names traderd exports.
    pub const DEFAULT: JournalMetricNames = JournalMetricNames {
        commit_seconds: metrics_names::JOURNAL_COMMIT_SECONDS,
        batch_size: metrics_names::JOURNAL_BATCH_SIZE,
        queue_depth: metrics_names::QUEUE_DEPTH,
        queue_capacity: metrics_names::QUEUE_CAPACITY,
        queue_refused_total: metrics_names::QUEUE_REFUSED_TOTAL,
        commit_failures_total: metrics_names::JOURNAL_COMMIT_FAILURES_TOTAL,
    };
}

impl Default for JournalMetricNames {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Handles resolved once, so the hot path does no registry lookup. Resolved from the recorder
/// installed when the journal starts: install the exporter first.
#[derive(Clone)]
pub(crate) struct JournalMetrics {
    pub(crate) commit_seconds: Histogram,
    pub(crate) batch_size: Histogram,
    pub(crate) queue_depth: Gauge,
    pub(crate) queue_capacity: Gauge,
    pub(crate) queue_refused: Counter,
    pub(crate) commit_failures: Counter,
}

impl JournalMetrics {
    pub(crate) fn resolve(names: &JournalMetricNames) -> Self {
        JournalMetrics {
            commit_seconds: metrics::histogram!(names.commit_seconds),
            batch_size: metrics::histogram!(names.batch_size),
            queue_depth: metrics::gauge!(names.queue_depth, "queue" => "journal"),
            queue_capacity: metrics::gauge!(names.queue_capacity, "queue" => "journal"),
            queue_refused: metrics::counter!(names.queue_refused_total, "queue" => "journal"),
            commit_failures: metrics::counter!(names.commit_failures_total),
        }
    }
}
