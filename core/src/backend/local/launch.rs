//! Launching a run exactly once.
//!
//! The run directory is derived from the job id and attempt. Its `run.lock` is created
//! and locked (`flock`, exclusive) before anything is started, and held until the launch
//! is recorded in `launch.json`. A second launcher of the same attempt (another
//! orchestrator, a restarted one) waits for the lock, finds the record and returns the
//! same handle without starting a second worker. A launcher that dies mid-way leaves no
//! record: its supervisor, which waits for the lock and checks that the record names it,
//! starts nothing, and the next launcher starts the run afresh.

use std::fs::{File, TryLockError};
use std::path::Path;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::error::BackendError;
use super::files::{create_dir, write_atomically};
use super::process::ProcessId;
use super::supervisor::{self, Plan};
use super::{LAUNCH_FILE, LocalProcessBackend, SLOTS_DIR, SPEC_FILE};
use crate::backend::protocol::WorkerSpec;
use crate::private_files;

/// The lock a launcher holds while it launches, in the run directory.
pub const RUN_LOCK_FILE: &str = "run.lock";

/// The supervisor's identity, written when the job is launched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchRecord {
    /// The supervisor process.
    pub supervisor: ProcessId,
    /// Its process group.
    pub group: i32,
    /// What the supervisor checks before it starts the worker (empty in records written
    /// before there was one).
    #[serde(default)]
    pub nonce: String,
}

/// The run's lock, held while it lives (the kernel releases it with the descriptor).
pub(super) struct RunLock {
    _held: File,
}

impl RunLock {
    /// Creates (0600) and locks the run's lock file, waiting for another launcher.
    pub(super) fn acquire(work_dir: &Path) -> Result<Self, BackendError> {
        let path = work_dir.join(RUN_LOCK_FILE);
        let io = |e| BackendError::io(format!("locking {}", path.display()), e);
        let file = private_files::open_or_create(&path).map_err(io)?;
        file.lock().map_err(io)?;
        Ok(Self { _held: file })
    }
}

/// Whether a launcher is launching the run now (it holds the run's lock).
pub fn in_progress(work_dir: &Path) -> Result<bool, BackendError> {
    let path = work_dir.join(RUN_LOCK_FILE);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(BackendError::io(format!("reading {}", path.display()), e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(false),
        Err(TryLockError::WouldBlock) => Ok(true),
        Err(TryLockError::Error(e)) => Err(BackendError::io(format!("locking {}", path.display()), e)),
    }
}

impl LocalProcessBackend {
    /// Starts the run of `spec` in `work_dir` unless it was started already.
    pub(super) fn launch_once(&self, spec: &WorkerSpec, work_dir: &Path) -> Result<(), BackendError> {
        let slots_dir = self.config.runs_dir.join(SLOTS_DIR);
        for dir in [&self.config.runs_dir, &slots_dir, &work_dir.to_path_buf()] {
            create_dir(dir)?;
        }
        let _lock = RunLock::acquire(work_dir)?;
        if work_dir.join(LAUNCH_FILE).exists() {
            tracing::debug!(job = %spec.job_id, attempt = spec.attempt, "already launched");
            return Ok(());
        }
        // A guard: the job was checked when it was created, but the slots may have changed.
        let slots = self.slots_for(spec.gpus)?;
        // The worker writes into this run's own directory, whatever the spec said.
        let mut spec = spec.clone();
        spec.output.dir = work_dir.join("out").display().to_string();
        let spec_json = serde_json::to_vec_pretty(&spec).map_err(|e| BackendError::Launch { reason: e.to_string() })?;
        write_atomically(&work_dir.join(SPEC_FILE), &spec_json)?;
        let mut worker = self.config.worker_command.clone();
        worker.extend(["--spec".to_owned(), work_dir.join(SPEC_FILE).display().to_string()]);
        let nonce = Uuid::new_v4().to_string();
        let launched = supervisor::launch(&Plan {
            work_dir,
            slots_dir: &slots_dir,
            slots: &slots,
            nonce: &nonce,
            grace: self.config.cancel_grace,
            worker: &worker,
            environment: &self.environment,
        })?;
        // The supervisor waits for our lock, so it cannot have finished yet.
        let supervisor = ProcessId::of(launched.pid).ok_or_else(|| BackendError::Launch {
            reason: format!("the supervisor (pid {}) exited at once", launched.pid),
        })?;
        let record = serde_json::to_vec(&LaunchRecord { supervisor, group: launched.group, nonce })
            .map_err(|e| BackendError::Launch { reason: e.to_string() })?;
        write_atomically(&work_dir.join(LAUNCH_FILE), &record)?;
        tracing::info!(job = %spec.job_id, attempt = spec.attempt, pid = launched.pid, "local worker launched");
        Ok(())
    }
}
