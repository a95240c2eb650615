//! GPU backends: where a training job's worker runs.
//!
//! A [`GpuBackend`] launches the worker (worker protocol v1, [`protocol`]) on its engine and
//! maps the engine's states; queueing, placement and GPU allocation stay in the engine. The
//! [`BackendHandle`] it returns is serialisable and stored with the job, so a restarted
//! orchestrator keeps following the job.

mod artifacts;
mod error;
pub mod event_log;
mod http;
pub mod local;
pub mod protocol;
pub mod ray;
pub mod runpod;
pub mod slurm;

pub use error::BackendError;
pub use event_log::{EventBatch, EventCursor};
pub use local::retention::{RetentionPolicy, SweepReport};
pub use local::{LocalBackendConfig, LocalProcessBackend};
pub use protocol::{ARTIFACT_NAMES, EventKind, Transfer, WorkerEvent, WorkerLine, WorkerSpec};
pub use ray::{RayBackend, RayBackendConfig};
pub use runpod::{RunPodBackend, RunPodBackendConfig};
pub use slurm::{SlurmBackend, SlurmBackendConfig, SlurmJobOptions};

use std::path::PathBuf;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::model::{JobId, Timestamp};

/// How to find a submitted job again: stored with the job as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BackendHandle {
    /// The backend that issued it (`local`, `runpod`, ...).
    pub backend: String,
    /// The engine's id of the job (a pid, a RunPod job id, a Ray submission id).
    pub external_id: String,
    /// Whatever else the backend needs, in its own shape.
    pub data: serde_json::Value,
}

/// The engine's view of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BackendStatus {
    /// Accepted, waiting for a GPU.
    Queued,
    /// The worker runs.
    Running,
    /// The worker exited 0.
    Succeeded,
    /// The worker exited with a failure code, or the engine failed it.
    Failed {
        /// The worker's exit code, when known.
        exit_code: Option<i32>,
        /// What the engine says.
        reason: String,
    },
    /// The worker stopped on a cancel request.
    Cancelled,
    /// The worker is gone without a trace of how it ended (machine restart, killed).
    Lost {
        /// What was found.
        reason: String,
    },
}

impl BackendStatus {
    /// Whether the engine is done with the job.
    pub fn is_terminal(&self) -> bool {
        !matches!(self, BackendStatus::Queued | BackendStatus::Running)
    }
}

/// When a worker ran, as its engine recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkerTimes {
    /// When the worker process started (after any wait for a GPU); `None` if not yet, or
    /// not known.
    pub started_at: Option<Timestamp>,
    /// When the worker exited; `None` while it runs, or if not known.
    pub ended_at: Option<Timestamp>,
}

/// Where a collected file can be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ArtifactSource {
    /// A file on this machine.
    LocalPath {
        /// Its path.
        path: PathBuf,
    },
    /// Uploaded by the worker through the signed upload URL its spec gave for the file's
    /// name ([`Transfer::SignedUrls`]): the orchestrator, which signed that URL, knows the
    /// object it writes, and checks its size and sha256 before accepting it.
    Uploaded,
}

/// One file of the adapter, as the worker announced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CollectedArtifact {
    /// File name.
    pub name: String,
    /// Size the worker announced.
    pub bytes: u64,
    /// Hex sha256 the worker announced; the orchestrator verifies it.
    pub sha256: String,
    /// Where to read it.
    pub source: ArtifactSource,
}

/// An engine that runs training workers.
#[async_trait]
pub trait GpuBackend: Send + Sync {
    /// The backend's name, stored in handles (`local`, `runpod`, `ray`, ...).
    fn name(&self) -> &'static str;

    /// How this backend's workers reach the data and hand back the adapter; the orchestrator
    /// prepares the spec accordingly (signed URLs need a store that signs).
    fn transfer(&self) -> Transfer {
        Transfer::SharedFilesystem
    }

    /// Refuses a job that asks for more GPUs than this backend can ever give one job, so that
    /// it is refused before it is created, billed or queued. `gpus` is what the worker spec
    /// will say ([`WorkerSpec::gpus`], 0 for the CPU). The default accepts any count: an
    /// engine (Ray, Slurm) queues a job until it has the GPUs, and refuses one it never can.
    fn check_gpus(&self, gpus: u32) -> Result<(), BackendError> {
        let _ = gpus;
        Ok(())
    }

    /// Starts (or queues) a worker for `spec`.
    async fn submit(&self, spec: &WorkerSpec) -> Result<BackendHandle, BackendError>;

    /// The handle of the worker [`submit`](Self::submit) started for attempt `attempt` of
    /// job `job_id`, if it was asked to start one; starts nothing. How a launch cut short
    /// (its orchestrator died between asking the engine and recording the answer) is found
    /// again, so that a job cancelled meanwhile does not leave its worker running.
    async fn find(&self, job_id: JobId, attempt: u32) -> Result<Option<BackendHandle>, BackendError>;

    /// The job's current state.
    async fn status(&self, handle: &BackendHandle) -> Result<BackendStatus, BackendError>;

    /// When the engine started and stopped the job's worker, as far as it recorded them.
    /// An attempt is billed from the one to the other; for a time the engine does not know,
    /// from when the orchestrator first saw the job running, or to when it first saw it done.
    async fn worker_times(&self, handle: &BackendHandle) -> Result<WorkerTimes, BackendError> {
        let _ = handle;
        Ok(WorkerTimes::default())
    }

    /// Worker output after `cursor`: events and log lines, and the next cursor.
    async fn events(&self, handle: &BackendHandle, cursor: EventCursor) -> Result<EventBatch, BackendError>;

    /// Asks the worker to stop after its current step (it saves a partial adapter).
    async fn cancel(&self, handle: &BackendHandle) -> Result<(), BackendError>;

    /// The adapter files the worker wrote (from its `artifact` events).
    async fn collect(&self, handle: &BackendHandle) -> Result<Vec<CollectedArtifact>, BackendError>;
}
