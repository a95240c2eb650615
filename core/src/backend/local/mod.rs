//! The local process backend: the embedded default.
//!
//! Each job runs the configured worker command as a detached child (see [`supervisor`])
//! in `runs/<job>/` under the BrightRun home: `spec.json` in, `events.jsonl` (stdout),
//! `worker.log` (stderr) and `exit_code` out. Everything the backend knows lives in that
//! directory, so a restarted orchestrator picks up where the last one stopped; a worker
//! that vanished without an exit code is reported [`BackendStatus::Lost`]. GPU jobs on one
//! machine run one at a time per GPU set: a job waits in the queue for a free slot.

mod process;
mod supervisor;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use nix::sys::signal::Signal;
use serde::{Deserialize, Serialize};

use super::error::BackendError;
use super::event_log::{EventBatch, EventCursor, read_events};
use super::protocol::{EventKind, WorkerLine, WorkerSpec};
use super::{ArtifactSource, BackendHandle, BackendStatus, CollectedArtifact, GpuBackend, WorkerTimes};
use crate::model::Timestamp;
use process::ProcessId;

/// How the local backend runs workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalBackendConfig {
    /// Directory holding one sub-directory per job (`$BRIGHTRUN_HOME/runs`).
    pub runs_dir: PathBuf,
    /// The worker command; `--spec <path>` is appended.
    pub worker_command: Vec<String>,
    /// GPU sets that run one job each, as `CUDA_VISIBLE_DEVICES` values (`0`, `1`, `0,1`);
    /// `all` runs without restricting devices.
    pub gpu_slots: Vec<String>,
    /// Time a cancelled worker has to stop after SIGTERM before it is killed.
    pub cancel_grace: Duration,
}

/// The local process backend.
#[derive(Debug, Clone)]
pub struct LocalProcessBackend {
    config: LocalBackendConfig,
}

/// What the handle of a local job holds: only where its directory is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct LocalHandleData {
    work_dir: PathBuf,
}

/// The supervisor's identity, written when the job is launched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct LaunchRecord {
    supervisor: ProcessId,
    group: i32,
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
    /// A backend with this configuration; checks the slot names.
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
        Ok(Self { config })
    }

    /// The directory of one attempt of a job: `runs/<job>-<attempt>`.
    pub fn work_dir_of(&self, job_id: &crate::model::JobId, attempt: u32) -> PathBuf {
        self.config.runs_dir.join(format!("{job_id}-{attempt}"))
    }

    fn work_dir(&self, handle: &BackendHandle) -> Result<PathBuf, BackendError> {
        if handle.backend != BACKEND_NAME {
            return Err(BackendError::InvalidHandle {
                reason: format!("a {} handle, not a local one", handle.backend),
            });
        }
        let data: LocalHandleData = serde_json::from_value(handle.data.clone())
            .map_err(|e| BackendError::InvalidHandle { reason: e.to_string() })?;
        // Only directories this backend creates are accepted, never a path from elsewhere.
        let expected = self.config.runs_dir.join(&handle.external_id);
        if data.work_dir != expected || handle.external_id.contains(['/', '.']) {
            return Err(BackendError::InvalidHandle { reason: "work directory outside the runs directory".into() });
        }
        Ok(data.work_dir)
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, BackendError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BackendError::io(format!("reading {}", path.display()), e)),
    }
}

fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), BackendError> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, contents)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| BackendError::io(format!("writing {}", path.display()), e))
}

/// When a file was last written, if it exists.
fn written_at(path: &Path) -> Result<Option<Timestamp>, BackendError> {
    match std::fs::metadata(path).and_then(|metadata| metadata.modified()) {
        Ok(modified) => Ok(Some(Timestamp::from_datetime(modified.into()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BackendError::io(format!("reading {}", path.display()), e)),
    }
}

fn read_process(path: &Path) -> Result<Option<ProcessId>, BackendError> {
    Ok(read_optional(path)?.and_then(|text| text.trim().parse().ok()).and_then(ProcessId::of))
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

#[async_trait]
impl GpuBackend for LocalProcessBackend {
    fn name(&self) -> &'static str {
        BACKEND_NAME
    }

    async fn submit(&self, spec: &WorkerSpec) -> Result<BackendHandle, BackendError> {
        let work_dir = self.work_dir_of(&spec.job_id, spec.attempt);
        let external_id = work_dir.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let handle = BackendHandle {
            backend: BACKEND_NAME.into(),
            external_id,
            data: serde_json::to_value(LocalHandleData { work_dir: work_dir.clone() })
                .map_err(|e| BackendError::InvalidHandle { reason: e.to_string() })?,
        };
        // Submitting twice (an orchestrator that died after launching) starts nothing new.
        if work_dir.join(LAUNCH_FILE).exists() {
            return Ok(handle);
        }
        let slots_dir = self.config.runs_dir.join(SLOTS_DIR);
        for dir in [&work_dir, &slots_dir] {
            std::fs::create_dir_all(dir).map_err(|e| BackendError::io(format!("creating {}", dir.display()), e))?;
        }
        // The worker writes into this run's own directory, whatever the spec said.
        let mut spec = spec.clone();
        spec.output.dir = work_dir.join("out").display().to_string();
        let spec_json = serde_json::to_vec_pretty(&spec).map_err(|e| BackendError::Launch { reason: e.to_string() })?;
        write_atomically(&work_dir.join(SPEC_FILE), &spec_json)?;
        let mut worker = self.config.worker_command.clone();
        worker.extend(["--spec".to_owned(), work_dir.join(SPEC_FILE).display().to_string()]);
        let supervisor::Launched { pid, group } =
            supervisor::launch(&work_dir, &slots_dir, &self.config.gpu_slots, &worker)?;
        let supervisor = ProcessId::of(pid).or_else(|| {
            // It may already have finished (a failing worker); its exit code tells the rest.
            work_dir.join(EXIT_CODE_FILE).exists().then_some(ProcessId { pid, start_ticks: 0 })
        });
        let Some(supervisor) = supervisor else {
            return Err(BackendError::Launch { reason: format!("the supervisor (pid {pid}) exited at once") });
        };
        let record = serde_json::to_vec(&LaunchRecord { supervisor, group })
            .map_err(|e| BackendError::Launch { reason: e.to_string() })?;
        write_atomically(&work_dir.join(LAUNCH_FILE), &record)?;
        tracing::info!(job = %spec.job_id, pid, "local worker launched");
        Ok(handle)
    }

    async fn status(&self, handle: &BackendHandle) -> Result<BackendStatus, BackendError> {
        let work_dir = self.work_dir(handle)?;
        let cancel_requested = read_optional(&work_dir.join(CANCEL_FILE))?;
        if let Some(code) = read_optional(&work_dir.join(EXIT_CODE_FILE))? {
            let code = code.trim().parse::<i32>().unwrap_or(-1);
            return Ok(exit_code_status(code, cancel_requested.is_some()));
        }
        let Some(launch) = read_optional(&work_dir.join(LAUNCH_FILE))? else {
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
            let elapsed = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|now| now.as_secs().saturating_sub(at))
                .unwrap_or_default();
            if worker.is_none() || elapsed >= self.config.cancel_grace.as_secs() {
                record.supervisor.signal_group(record.group, Signal::SIGKILL);
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

    async fn cancel(&self, handle: &BackendHandle) -> Result<(), BackendError> {
        let work_dir = self.work_dir(handle)?;
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        if read_optional(&work_dir.join(CANCEL_FILE))?.is_none() {
            write_atomically(&work_dir.join(CANCEL_FILE), now.to_string().as_bytes())?;
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
        let adapter_dir = work_dir.join("out").join("adapter");
        let mut artifacts = Vec::new();
        let mut cursor = EventCursor::default();
        loop {
            let batch = read_events(&work_dir.join(EVENTS_FILE), cursor, true)?;
            if batch.cursor == cursor {
                break;
            }
            cursor = batch.cursor;
            for line in batch.lines {
                if let WorkerLine::Event(event) = line
                    && let EventKind::Artifact { name, bytes, sha256, .. } = event.kind
                {
                    // The file is looked up by its bare name in the adapter directory, never
                    // at a path the worker chose.
                    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
                        return Err(BackendError::NotCollectable { reason: format!("unsafe artifact name {name:?}") });
                    }
                    let path = adapter_dir.join(&name);
                    artifacts.retain(|a: &CollectedArtifact| a.name != name);
                    artifacts.push(CollectedArtifact {
                        name,
                        bytes,
                        sha256,
                        source: ArtifactSource::LocalPath { path },
                    });
                }
            }
        }
        if artifacts.is_empty() {
            return Err(BackendError::NotCollectable { reason: "the worker announced no artifact".into() });
        }
        Ok(artifacts)
    }
}

#[cfg(test)]
mod tests;
