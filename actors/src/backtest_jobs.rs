//! Backtests submitted through the control plane: jobs on a bounded pool of blocking threads,
//! never on the trading actors' async workers, each writing its outputs under
//! `<state-dir>/backtests/<id>/`. Jobs live in memory only: a restart forgets them (their output
//! files stay).
//!
//! A job can be cancelled while it waits (it never starts) or while it runs: the backtest loop
//! reads the job's flag every few thousand bars and between the runs of a sweep, so a long job
//! stops within milliseconds and writes no outputs.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Notify, Semaphore};
use trader::backtest::BacktestError;
use trader::time::{Clock, LiveClock, Timestamp};

use crate::backtest_cli::{execute_cancellable, BacktestArgs, CliError};

/// Jobs waiting or running at once; more are refused (503) rather than queued without bound.
pub const MAX_PENDING: usize = 8;
/// Jobs running at once: one, so a backtest never takes more than one core from trading.
const WORKERS: usize = 1;
/// Finished jobs kept for status and listing; the oldest finished ones are forgotten first.
pub const MAX_KEPT: usize = 1_000;
/// How long a cancel of a running job waits for the loop to notice before answering anyway.
const CANCEL_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum JobStatus {
    Queued,
    Running,
    Done {
        summary: serde_json::Value,
    },
    Failed {
        error: String,
    },
    /// Cancelled by a user before it finished; it wrote no outputs.
    Cancelled,
}

impl JobStatus {
    /// The status as its lowercase name (`queued`, `running`, `done`, `failed`, `cancelled`).
    pub fn name(&self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done { .. } => "done",
            JobStatus::Failed { .. } => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Every status name, for validating a filter.
    pub const NAMES: [&'static str; 5] = ["queued", "running", "done", "failed", "cancelled"];

    fn is_finished(&self) -> bool {
        !matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

/// One job as listed: what was asked and where it is, without the (possibly large) summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    pub id: u64,
    pub status: &'static str,
    pub submitted: Timestamp,
    pub strategy: String,
    /// The data file's name inside the data directory.
    pub data: String,
    pub sweep: bool,
    /// Why it failed, for `failed`.
    pub error: Option<String>,
}

struct Job {
    status: JobStatus,
    submitted: Timestamp,
    strategy: String,
    data: String,
    sweep: bool,
    cancel: Arc<AtomicBool>,
    /// Woken when the job reaches a final status.
    finished: Arc<Notify>,
}

pub struct BacktestJobs {
    data_dir: PathBuf,
    out_dir: PathBuf,
    jobs: Mutex<BTreeMap<u64, Job>>,
    next: AtomicU64,
    workers: Arc<Semaphore>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitJobError {
    #[error("{MAX_PENDING} backtests are already waiting or running; try again later")]
    Busy,
}

/// Why a job could not be cancelled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CancelJobError {
    #[error("no backtest {0}")]
    NotFound(u64),
    #[error("backtest {id} already finished ({status})")]
    Finished { id: u64, status: &'static str },
}

impl BacktestJobs {
    /// Data files are read from `<state_dir>/data` only, so a request cannot name any file on
    /// the machine.
    pub fn new(state_dir: &Path) -> BacktestJobs {
        BacktestJobs {
            data_dir: state_dir.join("data"),
            out_dir: state_dir.join("backtests"),
            jobs: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(0),
            workers: Arc::new(Semaphore::new(WORKERS)),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A data file name as given by a request, resolved inside the data directory.
    pub fn data_path(&self, name: &str) -> Result<PathBuf, String> {
        let relative = Path::new(name);
        let plain = !name.is_empty() && relative.components().all(|c| matches!(c, Component::Normal(_)));
        if plain {
            Ok(self.data_dir.join(relative))
        } else {
            Err(format!("must be a file name inside {} (no `/` at the start, no `..`)", self.data_dir.display()))
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Job>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn status(&self, id: u64) -> Option<JobStatus> {
        self.lock().get(&id).map(|job| job.status.clone())
    }

    /// Jobs newest first, only those whose status is `status` when given, at most `limit`.
    pub fn list(&self, status: Option<&str>, limit: usize) -> Vec<JobInfo> {
        self.lock()
            .iter()
            .rev()
            .filter(|(_, job)| status.is_none_or(|s| job.status.name() == s))
            .take(limit)
            .map(|(id, job)| JobInfo {
                id: *id,
                status: job.status.name(),
                submitted: job.submitted,
                strategy: job.strategy.clone(),
                data: job.data.clone(),
                sweep: job.sweep,
                error: match &job.status {
                    JobStatus::Failed { error } => Some(error.clone()),
                    _ => None,
                },
            })
            .collect()
    }

    pub fn report_path(&self, id: u64) -> PathBuf {
        self.out_dir.join(id.to_string()).join("report.html")
    }

    /// Queues a backtest; returns its id.
    pub fn submit(self: &Arc<Self>, mut args: BacktestArgs) -> Result<u64, SubmitJobError> {
        let cancel = Arc::new(AtomicBool::new(false));
        let id = {
            let mut jobs = self.lock();
            let pending = jobs.values().filter(|job| !job.status.is_finished()).count();
            if pending >= MAX_PENDING {
                return Err(SubmitJobError::Busy);
            }
            forget_oldest_finished(&mut jobs);
            let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
            let data = args.data.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let sweep = args.params.iter().any(|p| p.split_once('=').is_some_and(|(_, v)| is_grid(v)));
            jobs.insert(
                id,
                Job {
                    status: JobStatus::Queued,
                    submitted: LiveClock.now(),
                    strategy: args.strategy.clone(),
                    data,
                    sweep,
                    cancel: Arc::clone(&cancel),
                    finished: Arc::new(Notify::new()),
                },
            );
            id
        };
        args.out = Some(self.out_dir.join(id.to_string()));
        args.json = true;
        args.threads = Some(1);
        let jobs = Arc::clone(self);
        tokio::spawn(async move {
            let Ok(_permit) = Arc::clone(&jobs.workers).acquire_owned().await else { return };
            // Cancelled while it waited: it never runs.
            if !jobs.start(id) {
                return;
            }
            let flag = Arc::clone(&cancel);
            let result = tokio::task::spawn_blocking(move || {
                let (mut out, mut notes) = (Vec::new(), Vec::new());
                execute_cancellable(&args, &mut out, &mut notes, &flag).map(|()| out)
            })
            .await;
            let status = match result {
                Ok(Ok(out)) => match serde_json::from_slice(&out) {
                    Ok(summary) => JobStatus::Done { summary },
                    Err(e) => JobStatus::Failed { error: format!("unreadable summary: {e}") },
                },
                Ok(Err(CliError::Run(BacktestError::Cancelled { .. }))) => JobStatus::Cancelled,
                Ok(Err(error)) => JobStatus::Failed { error: error.to_string() },
                Err(e) => JobStatus::Failed { error: format!("the backtest stopped: {e}") },
            };
            jobs.finish(id, status);
        });
        Ok(id)
    }

    /// Cancels a queued or running job and returns its status: `cancelled`. A running job is
    /// waited for (a few milliseconds, at most [`CANCEL_WAIT`]); if it has not stopped by then it
    /// is reported `running` and stops on its own soon after. A job that finished before the loop
    /// saw the flag is `Finished`, as if it had finished before the request.
    pub async fn cancel(&self, id: u64) -> Result<JobStatus, CancelJobError> {
        let finished = {
            let mut jobs = self.lock();
            let job = jobs.get_mut(&id).ok_or(CancelJobError::NotFound(id))?;
            match job.status {
                JobStatus::Queued => {
                    job.cancel.store(true, Ordering::Relaxed);
                    job.status = JobStatus::Cancelled;
                    job.finished.notify_waiters();
                    return Ok(JobStatus::Cancelled);
                }
                JobStatus::Running => {
                    job.cancel.store(true, Ordering::Relaxed);
                    Arc::clone(&job.finished)
                }
                ref done => return Err(CancelJobError::Finished { id, status: done.name() }),
            }
        };
        let notified = finished.notified();
        tokio::pin!(notified);
        // Registered before looking, so a finish between the look and the wait is not missed.
        notified.as_mut().enable();
        if !self.status(id).is_some_and(|s| s.is_finished()) {
            let _ = tokio::time::timeout(CANCEL_WAIT, notified).await;
        }
        match self.status(id) {
            None | Some(JobStatus::Cancelled) => Ok(JobStatus::Cancelled),
            // It finished before the loop saw the flag.
            Some(status @ (JobStatus::Done { .. } | JobStatus::Failed { .. })) => {
                Err(CancelJobError::Finished { id, status: status.name() })
            }
            Some(status) => Ok(status),
        }
    }

    /// Marks a queued job running; false when it was cancelled (or forgotten) meanwhile.
    fn start(&self, id: u64) -> bool {
        match self.lock().get_mut(&id) {
            Some(job) if matches!(job.status, JobStatus::Queued) => {
                job.status = JobStatus::Running;
                true
            }
            _ => false,
        }
    }

    fn finish(&self, id: u64, status: JobStatus) {
        if let Some(job) = self.lock().get_mut(&id) {
            job.status = status;
            job.finished.notify_waiters();
        }
    }
}

/// A parameter value that makes a sweep: a range `5..30:5` or a list `5,10`.
fn is_grid(value: &str) -> bool {
    value.contains("..") || value.contains(',')
}

/// Keeps the map bounded: drops the oldest finished jobs beyond [`MAX_KEPT`].
fn forget_oldest_finished(jobs: &mut BTreeMap<u64, Job>) {
    while jobs.len() >= MAX_KEPT {
        let Some(oldest) = jobs.iter().find(|(_, job)| job.status.is_finished()).map(|(id, _)| *id) else { break };
        jobs.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest_cli::FillArg;

    const EURUSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/eurusd-h1.csv");

    /// 5,000 hourly bars in the jobs' data directory.
    fn write_bars(dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join("bars.csv");
        std::fs::copy(EURUSD, &path).unwrap();
        path
    }

    fn args(data: PathBuf, params: &[&str]) -> BacktestArgs {
        BacktestArgs {
            data,
            instrument: trader::backtest::DEFAULT_BACKTEST_KEY.to_owned(),
            strategy: "sma_cross".to_owned(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
            cash: "10000".to_owned(),
            commission: None,
            charges: None,
            fill: FillArg::NextOpen,
            slippage_ticks: 0,
            utc_offset: "+05:30".to_owned(),
            out: None,
            json: true,
            sort: "sharpe".to_owned(),
            top: 20,
            threads: Some(1),
        }
    }

    async fn until_finished(jobs: &BacktestJobs, id: u64) -> JobStatus {
        for _ in 0..2_000 {
            match jobs.status(id) {
                Some(status) if status.is_finished() => return status,
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        panic!("job {id} did not finish");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_are_listed_newest_first_and_a_queued_or_running_job_cancels() {
        let dir = crate::test_dir::TestDir::new("backtest-jobs");
        let jobs = Arc::new(BacktestJobs::new(dir.path()));
        let data = write_bars(jobs.data_dir());
        // A long sweep holds the only worker; the job behind it waits.
        let sweep = args(data.clone(), &["fast=1..60:1", "slow=2..120:1"]);
        let long = jobs.submit(sweep).unwrap();
        let queued = jobs.submit(args(data.clone(), &["fast=2", "slow=5"])).unwrap();
        let listed = jobs.list(None, 10);
        assert_eq!(listed.iter().map(|j| j.id).collect::<Vec<_>>(), [queued, long], "newest first");
        assert!(listed[1].sweep && !listed[0].sweep);
        assert_eq!(listed[0].data, "bars.csv");

        // The queued one never runs.
        assert!(matches!(jobs.cancel(queued).await, Ok(JobStatus::Cancelled)));
        assert_eq!(
            jobs.cancel(queued).await.unwrap_err(),
            CancelJobError::Finished { id: queued, status: "cancelled" }
        );
        // The sweep is running (or about to): cancelling it stops it without outputs.
        for _ in 0..2_000 {
            if matches!(jobs.status(long), Some(JobStatus::Running)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(matches!(jobs.cancel(long).await, Ok(JobStatus::Cancelled)), "{:?}", jobs.status(long));
        assert!(!dir.path().join("backtests").join(long.to_string()).join("sweep.csv").exists());
        assert_eq!(jobs.list(Some("cancelled"), 10).len(), 2);
        assert_eq!(jobs.list(None, 1).len(), 1);
        assert_eq!(jobs.cancel(99).await.unwrap_err(), CancelJobError::NotFound(99));

        // A job that finishes cannot be cancelled.
        let quick = jobs.submit(args(data, &["fast=2", "slow=5"])).unwrap();
        assert!(matches!(until_finished(&jobs, quick).await, JobStatus::Done { .. }));
        assert_eq!(jobs.cancel(quick).await.unwrap_err(), CancelJobError::Finished { id: quick, status: "done" });
        assert_eq!(jobs.list(Some("done"), 10).iter().map(|j| j.id).collect::<Vec<_>>(), [quick]);
    }
}
