//! The local process backend: the embedded default.
//!
//! Each job attempt runs the configured worker command as a detached child (see
//! [`supervisor`]) in `runs/<job>-<attempt>/` under the BrightRun home: `spec.json` in,
//! `events.jsonl` (stdout), `worker.log` (stderr) and `exit_code` out. Everything the
//! backend knows lives in that directory, so a restarted orchestrator picks up where the
//! last one stopped; a worker that vanished without an exit code is reported
//! [`BackendStatus::Lost`]. GPU jobs on one machine run one at a time per GPU set: a job
//! waits in the queue for a free slot.
//!
//! Hygiene: a run is launched once ([`launch`]); handles are bound to their job
//! ([`handle`]); the worker gets an allowlisted environment ([`environment`]), no lock
//! descriptor, its own process group, and private files; finished runs and scratch space
//! are swept by a retention rule ([`retention`]). `docs/operations-local.md` has the rules.

pub mod environment;
pub(crate) mod files;
mod gpus;
pub mod handle;
mod launch;
mod process;
pub mod retention;
mod supervisor;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use nix::sys::signal::Signal;

use super::artifacts::announced;
use super::error::BackendError;
use super::event_log::{EventBatch, EventCursor, read_all_events, read_events};
use super::protocol::{Transfer, WorkerSpec};
use super::{BackendHandle, BackendStatus, CollectedArtifact, GpuBackend, WorkerTimes};
use environment::WorkerEnvironment;
use files::{read_optional, read_process, write_atomically, written_at};
use handle::HandleKey;
use launch::LaunchRecord;

/// How the local backend runs workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalBackendConfig {
    /// Directory holding one sub-directory per job attempt (`$BRIGHTRUN_HOME/runs`).
    pub runs_dir: PathBuf,
    /// The worker command; `--spec <path>` is appended.
    pub worker_command: Vec<String>,
    /// GPU sets that run one job each, as `CUDA_VISIBLE_DEVICES` values (`0`, `1`, `0,1`);
    /// `all` runs without restricting devices.
    pub gpu_slots: Vec<String>,
    /// Time a cancelled worker has to stop after SIGTERM before it is killed; also the
    /// time the processes a worker leaves behind have between SIGTERM and SIGKILL.
    pub cancel_grace: Duration,
    /// Environment variables the worker gets beyond the default allowlist
    /// ([`environment::DEFAULT_NAMES`], [`environment::DEFAULT_PREFIXES`]): names, or
    /// prefixes ending in `*`.
    pub worker_env: Vec<String>,
}

/// The local process backend.
#[derive(Debug, Clone)]
pub struct LocalProcessBackend {
    config: LocalBackendConfig,
    environment: WorkerEnvironment,
    /// The runs directory's handle key, once read or created.
    key: Arc<OnceLock<HandleKey>>,
    /// GPUs of this machine, as a slot `all` stands for ([`gpus::machine_gpus`]).
    machine_gpus: u32,
}

const BACKEND_NAME: &str = "local";
const SPEC_FILE: &str = "spec.json";
const EVENTS_FILE: &str = "events.jsonl";
const LAUNCH_FILE: &str = "launch.json";
const WORKER_PID_FILE: &str = "worker.pid";
const EXIT_CODE_FILE: &str = "exit_code";
const CANCEL_FILE: &str = "cancel_requested";
const SLOTS_DIR: &str = ".slots";

impl LocalProcessBackend {
    /// A backend with this configuration; checks the slot names and the environment.
    pub fn new(config: LocalBackendConfig) -> Result<Self, BackendError> {
        let valid_slot = |s: &String| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == ',');
        if config.gpu_slots.is_empty() || !config.gpu_slots.iter().all(valid_slot) {
            return Err(BackendError::Launch {
                reason: format!("GPU slots must be device lists like `0` or `0,1`, or `all`: {:?}", config.gpu_slots),
            });
        }
        if config.worker_command.is_empty() {
            return Err(BackendError::Launch { reason: "no worker command configured".into() });
        }
        let environment = WorkerEnvironment::new(&config.worker_env)?;
        Ok(Self { config, environment, key: Arc::default(), machine_gpus: gpus::machine_gpus() })
    }

    /// The slots that can run a job of `gpus` GPUs; refuses a job no slot can run.
    fn slots_for(&self, gpus: u32) -> Result<Vec<String>, BackendError> {
        let slots = gpus::slots_for(&self.config.gpu_slots, gpus, self.machine_gpus);
        if slots.is_empty() {
            return Err(BackendError::NotEnoughGpus {
                backend: BACKEND_NAME,
                asked: gpus,
                available: gpus::most_per_job(&self.config.gpu_slots, self.machine_gpus),
                hint: format!(
                    "its GPU slots are {} (BRIGHTRUN_GPU_SLOTS; `all` is this machine's {} GPU(s)), and a job runs in one slot",
                    self.config.gpu_slots.join(" "),
                    self.machine_gpus
                ),
            });
        }
        Ok(slots)
    }

    /// The directory of one attempt of a job: `runs/<job>-<attempt>`.
    pub fn work_dir_of(&self, job_id: &crate::model::JobId, attempt: u32) -> PathBuf {
        self.config.runs_dir.join(handle::run_name(job_id, attempt))
    }

    /// The environment workers get.
    pub fn environment(&self) -> &WorkerEnvironment {
        &self.environment
    }

    /// The handle key, created if `create` and missing; `None` if missing.
    fn key(&self, create: bool) -> Result<Option<&HandleKey>, BackendError> {
        HandleKey::cached(&self.key, &self.config.runs_dir, create)
    }

    /// The run directory of a handle this backend issued for it; refuses any other.
    fn work_dir(&self, handle: &BackendHandle) -> Result<PathBuf, BackendError> {
        HandleKey::verify_cached(&self.key, BACKEND_NAME, &self.config.runs_dir, handle)
    }
}

fn exit_code_status(code: i32, cancel_requested: bool) -> BackendStatus {
    match code {
        0 => BackendStatus::Succeeded,
        143 => BackendStatus::Cancelled,
        130 | 137 if cancel_requested => BackendStatus::Cancelled,
        _ => BackendStatus::Failed { exit_code: Some(code), reason: describe_exit(code) },
    }
}

/// The worker protocol's meaning of an exit code.
fn describe_exit(code: i32) -> String {
    match code {
        1 => "the worker failed".into(),
        2 => "the worker rejected its job spec".into(),
        3 => "the worker could not use the dataset".into(),
        4 => "the worker ran out of memory".into(),
        code if code > 128 => format!("the worker was killed by signal {}", code - 128),
        code => format!("the worker exited with code {code}"),
    }
}

/// Seconds since the Unix epoch, now.
fn unix_now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

#[async_trait]
impl GpuBackend for LocalProcessBackend {
    fn name(&self) -> &'static str {
        BACKEND_NAME
    }

    /// Refuses a job of more GPUs than the largest GPU slot has.
    fn check_gpus(&self, gpus: u32) -> Result<(), BackendError> {
        self.slots_for(gpus).map(drop)
    }

    /// Launches the attempt once: submitting the same job and attempt again (another
    /// orchestrator, a restarted one) returns the same handle and starts nothing.
    async fn submit(&self, spec: &WorkerSpec) -> Result<BackendHandle, BackendError> {
        let key = self.key(true)?.ok_or_else(|| BackendError::Launch { reason: "no handle key".into() })?;
        let handle = key.issue(BACKEND_NAME, &self.config.runs_dir, spec.job_id, spec.attempt);
        self.launch_once(spec, &self.work_dir_of(&spec.job_id, spec.attempt))?;
        Ok(handle)
    }

    async fn find(&self, job_id: crate::model::JobId, attempt: u32) -> Result<Option<BackendHandle>, BackendError> {
        // The run directory is made before anything is started in it; no key, no handle
        // was ever issued here.
        let Some(key) = self.key(false)? else { return Ok(None) };
        let handle = key.issue(BACKEND_NAME, &self.config.runs_dir, job_id, attempt);
        Ok(self.work_dir_of(&job_id, attempt).exists().then_some(handle))
    }

    async fn status(&self, handle: &BackendHandle) -> Result<BackendStatus, BackendError> {
        let work_dir = self.work_dir(handle)?;
        let cancel_requested = read_optional(&work_dir.join(CANCEL_FILE))?;
        if let Some(code) = read_optional(&work_dir.join(EXIT_CODE_FILE))? {
            let code = code.trim().parse::<i32>().unwrap_or(-1);
            return Ok(exit_code_status(code, cancel_requested.is_some()));
        }
        let Some(launch) = read_optional(&work_dir.join(LAUNCH_FILE))? else {
            if launch::in_progress(&work_dir)? {
                return Ok(BackendStatus::Queued);
            }
            return Ok(BackendStatus::Lost { reason: "the job was never launched here".into() });
        };
        let record: LaunchRecord =
            serde_json::from_str(&launch).map_err(|e| BackendError::InvalidHandle { reason: e.to_string() })?;
        let worker = read_process(&work_dir.join(WORKER_PID_FILE))?;
        if !record.supervisor.is_alive() {
            // The exit code may have landed since we looked.
            if let Some(code) = read_optional(&work_dir.join(EXIT_CODE_FILE))? {
                return Ok(exit_code_status(code.trim().parse().unwrap_or(-1), cancel_requested.is_some()));
            }
            // Its supervisor was killed: nothing holds its GPU slot any more, so a worker
            // left running would share the GPU with the next job. End it.
            if let Some(worker) = worker {
                worker.signal_group(worker.pid, Signal::SIGKILL);
            }
            if cancel_requested.is_some() {
                return Ok(BackendStatus::Cancelled);
            }
            return Ok(BackendStatus::Lost {
                reason: "the worker is gone without an exit code (the machine restarted or it was killed)".into(),
            });
        }
        if let Some(requested) = cancel_requested
            && let Ok(at) = requested.trim().parse::<u64>()
        {
            match worker {
                // Still queued for a slot: nothing to save, stop the supervisor outright.
                None => record.supervisor.signal_group(record.group, Signal::SIGKILL),
                // The grace period is over: end the worker and everything it started.
                Some(worker) if unix_now().saturating_sub(at) >= self.config.cancel_grace.as_secs() => {
                    worker.signal_group(worker.pid, Signal::SIGKILL);
                }
                Some(_) => {}
            }
        }
        Ok(if worker.is_some() { BackendStatus::Running } else { BackendStatus::Queued })
    }

    /// When the supervisor wrote the worker's pid, just after starting it, and its exit
    /// code, just after it exited.
    async fn worker_times(&self, handle: &BackendHandle) -> Result<WorkerTimes, BackendError> {
        let work_dir = self.work_dir(handle)?;
        Ok(WorkerTimes {
            started_at: written_at(&work_dir.join(WORKER_PID_FILE))?,
            ended_at: written_at(&work_dir.join(EXIT_CODE_FILE))?,
        })
    }

    async fn events(&self, handle: &BackendHandle, cursor: EventCursor) -> Result<EventBatch, BackendError> {
        let work_dir = self.work_dir(handle)?;
        let finished = work_dir.join(EXIT_CODE_FILE).exists();
        read_events(&work_dir.join(EVENTS_FILE), cursor, finished)
    }

    /// Asks the worker (only it: its dataloader workers must not die under it) to stop
    /// with SIGTERM; [`status`](GpuBackend::status) kills its group after the grace period.
    async fn cancel(&self, handle: &BackendHandle) -> Result<(), BackendError> {
        let work_dir = self.work_dir(handle)?;
        if read_optional(&work_dir.join(CANCEL_FILE))?.is_none() {
            write_atomically(&work_dir.join(CANCEL_FILE), unix_now().to_string().as_bytes())?;
        }
        match read_process(&work_dir.join(WORKER_PID_FILE))? {
            Some(worker) => worker.signal(Signal::SIGTERM),
            None => {
                // Still queued for a slot: nothing to save, stop the supervisor outright.
                if let Some(launch) = read_optional(&work_dir.join(LAUNCH_FILE))?
                    && let Ok(record) = serde_json::from_str::<LaunchRecord>(&launch)
                {
                    record.supervisor.signal_group(record.group, Signal::SIGKILL);
                }
            }
        }
        Ok(())
    }

    async fn collect(&self, handle: &BackendHandle) -> Result<Vec<CollectedArtifact>, BackendError> {
        let work_dir = self.work_dir(handle)?;
        let lines = read_all_events(&work_dir.join(EVENTS_FILE))?;
        announced(lines, Transfer::SharedFilesystem, &work_dir.join("out").join("adapter"))
    }
}

/// Where an announced artifact is: looked up by its bare name in the adapter directory,
/// never at a path the worker chose, and never through a symbolic link (which could point
/// at any file of this machine's user).
pub(in crate::backend) fn artifact_path(adapter_dir: &Path, name: &str) -> Result<PathBuf, BackendError> {
    let unsafe_name = name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.');
    let path = adapter_dir.join(name);
    let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    if unsafe_name || is_link {
        return Err(BackendError::NotCollectable { reason: format!("unsafe artifact name {name:?}") });
    }
    Ok(path)
}

#[cfg(test)]
mod tests;
