//! Backtests submitted through the control plane: jobs on a bounded pool of blocking threads,
//! never on the trading actors' async workers, each writing its outputs under
//! `<state-dir>/backtests/<id>/`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::Semaphore;

use crate::backtest_cli::{execute, BacktestArgs};

/// Jobs waiting or running at once; more are refused (503) rather than queued without bound.
pub const MAX_PENDING: usize = 8;
/// Jobs running at once: one, so a backtest never takes more than one core from trading.
const WORKERS: usize = 1;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum JobStatus {
    Queued,
    Running,
    Done { summary: serde_json::Value },
    Failed { error: String },
}

pub struct BacktestJobs {
    data_dir: PathBuf,
    out_dir: PathBuf,
    jobs: Mutex<BTreeMap<u64, JobStatus>>,
    next: AtomicU64,
    workers: Arc<Semaphore>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitJobError {
    #[error("{MAX_PENDING} backtests are already waiting or running; try again later")]
    Busy,
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

    pub fn status(&self, id: u64) -> Option<JobStatus> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }

    pub fn report_path(&self, id: u64) -> PathBuf {
        self.out_dir.join(id.to_string()).join("report.html")
    }

    /// Queues a backtest; returns its id.
    pub fn submit(self: &Arc<Self>, mut args: BacktestArgs) -> Result<u64, SubmitJobError> {
        let id = {
            let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
            let pending = jobs.values().filter(|s| matches!(s, JobStatus::Queued | JobStatus::Running)).count();
            if pending >= MAX_PENDING {
                return Err(SubmitJobError::Busy);
            }
            let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
            jobs.insert(id, JobStatus::Queued);
            id
        };
        args.out = Some(self.out_dir.join(id.to_string()));
        args.json = true;
        args.threads = Some(1);
        let jobs = Arc::clone(self);
        tokio::spawn(async move {
            let Ok(_permit) = Arc::clone(&jobs.workers).acquire_owned().await else { return };
            jobs.set(id, JobStatus::Running);
            let result = tokio::task::spawn_blocking(move || {
                let (mut out, mut notes) = (Vec::new(), Vec::new());
                execute(&args, &mut out, &mut notes).map(|()| out).map_err(|e| e.to_string())
            })
            .await;
            let status = match result {
                Ok(Ok(out)) => match serde_json::from_slice(&out) {
                    Ok(summary) => JobStatus::Done { summary },
                    Err(e) => JobStatus::Failed { error: format!("unreadable summary: {e}") },
                },
                Ok(Err(error)) => JobStatus::Failed { error },
                Err(e) => JobStatus::Failed { error: format!("the backtest stopped: {e}") },
            };
            jobs.set(id, status);
        });
        Ok(id)
    }

    fn set(&self, id: u64, status: JobStatus) {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).insert(id, status);
    }
}
