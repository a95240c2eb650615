//! The Ray Jobs backend: each attempt of a job is one Ray job, over the dashboard's REST API.
//!
//! The submission id is `brightrun-<job>-<attempt>`: submitting an attempt again (another
//! orchestrator, a restarted one) finds Ray's "already exists" and returns the same handle,
//! and [`find`](GpuBackend::find) asks Ray for it. The entrypoint is the worker command with
//! `--spec-env BRIGHTRUN_SPEC`, the spec travelling in the job's environment, and
//! `entrypoint_num_gpus` is the job's GPU count (0 for the CPU), so Ray places and queues
//! it. Events are read from the job's log by byte offset ([`logs`]); cancel is Ray's stop
//! (SIGTERM, then SIGKILL after `RAY_JOB_STOP_WAIT_TIME_S`: give it the worker's time to
//! save a partial adapter); states are mapped in [`states`].
//!
//! Data and adapter travel per [`Transfer`]: with a shared filesystem (Ray on this host, or
//! a cluster mounting the same directory), the worker reads the orchestrator's converted
//! files and writes the adapter under `runs_dir/<job>-<attempt>/out/`; with signed URLs it
//! downloads and uploads through the object store and nothing is read from its disk.
//!
//! Handles are signed like the local backend's ([`HandleKey`], kept in `runs_dir`): a
//! handle names only a job and an attempt, and only one this machine issued is followed.

pub(super) mod client;
pub mod logs;
pub mod states;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use url::Url;

use super::artifacts::announced;
use super::error::BackendError;
use super::event_log::{EventBatch, EventCursor};
use super::local::handle::{HandleKey, LocalHandleData};
use super::protocol::{Transfer, WorkerSpec, spec_env_command};
use super::{BackendHandle, BackendStatus, CollectedArtifact, GpuBackend, WorkerTimes};
use crate::model::JobId;
use client::{RayClient, SubmitRequest};

pub use client::JobInfo;

const BACKEND_NAME: &str = "ray";
pub use super::protocol::{JOB_VAR, SPEC_VAR};

/// How the Ray backend reaches its cluster and runs workers there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RayBackendConfig {
    /// The dashboard, `http://HOST:PORT` (8265 by default).
    pub dashboard: Url,
    /// How data and adapters travel between this machine and the workers.
    pub transfer: Transfer,
    /// This machine's directory for the handle key and, on a shared filesystem, each
    /// attempt's output (`<job>-<attempt>/out/`).
    pub runs_dir: PathBuf,
    /// The worker command as the cluster's nodes run it; `--spec-env BRIGHTRUN_SPEC` is
    /// appended.
    pub worker_command: Vec<String>,
}

/// The Ray Jobs backend.
#[derive(Debug, Clone)]
pub struct RayBackend {
    config: RayBackendConfig,
    client: RayClient,
    key: Arc<OnceLock<HandleKey>>,
}

/// Ray's id of an attempt.
pub fn submission_id(job_id: &JobId, attempt: u32) -> String {
    format!("brightrun-{}", super::local::handle::run_name(job_id, attempt))
}

impl RayBackend {
    /// A backend of the cluster `config` names; fails with
    /// [`BackendError::Unreachable`] unless its dashboard answers as Ray's.
    pub async fn connect(config: RayBackendConfig) -> Result<Self, BackendError> {
        if config.worker_command.is_empty() {
            return Err(BackendError::Launch { reason: "no worker command configured".into() });
        }
        let client = RayClient::new(config.dashboard.clone())?;
        let version = client.version().await?;
        tracing::info!(dashboard = %config.dashboard, ray = %version, transfer = ?config.transfer, "Ray backend");
        Ok(Self { config, client, key: Arc::default() })
    }

    /// The Ray job of a handle this backend issued, and the attempt's directory here.
    fn attempt_of(&self, handle: &BackendHandle) -> Result<(String, PathBuf), BackendError> {
        let dir = HandleKey::verify_cached(&self.key, BACKEND_NAME, &self.config.runs_dir, handle)?;
        let data: LocalHandleData = serde_json::from_value(handle.data.clone())
            .map_err(|e| BackendError::InvalidHandle { reason: e.to_string() })?;
        Ok((submission_id(&data.job_id, data.attempt), dir))
    }

    fn key(&self, create: bool) -> Result<Option<&HandleKey>, BackendError> {
        HandleKey::cached(&self.key, &self.config.runs_dir, create)
    }

    /// What Ray is asked to run for `spec`, whose output goes to `out` on a shared filesystem.
    fn request(&self, spec: &WorkerSpec, out: Option<PathBuf>) -> Result<SubmitRequest, BackendError> {
        let mut spec = spec.clone();
        if let Some(out) = out {
            spec.output.dir = out.display().to_string();
        }
        let (command, spec_json) = spec_env_command(&self.config.worker_command, &spec)?;
        let job = spec.job_id.to_string();
        let env = serde_json::json!({ SPEC_VAR: spec_json, JOB_VAR: job });
        Ok(SubmitRequest {
            entrypoint: shell_words::join(&command),
            submission_id: submission_id(&spec.job_id, spec.attempt),
            entrypoint_num_gpus: f64::from(spec.gpus),
            entrypoint_num_cpus: 1.0,
            runtime_env: serde_json::json!({ "env_vars": env }),
            metadata: BTreeMap::from([
                ("brightrun_job".to_owned(), job),
                ("brightrun_attempt".to_owned(), spec.attempt.to_string()),
            ]),
        })
    }
}

#[async_trait]
impl GpuBackend for RayBackend {
    fn name(&self) -> &'static str {
        BACKEND_NAME
    }

    fn transfer(&self) -> Transfer {
        self.config.transfer
    }

    /// Submits the attempt once: Ray refuses a second job of the same submission id, and
    /// that refusal is taken as "already submitted".
    async fn submit(&self, spec: &WorkerSpec) -> Result<BackendHandle, BackendError> {
        let key = self.key(true)?.ok_or_else(|| BackendError::Launch { reason: "no handle key".into() })?;
        let handle = key.issue(BACKEND_NAME, &self.config.runs_dir, spec.job_id, spec.attempt);
        let (id, dir) = self.attempt_of(&handle)?;
        let out = match self.config.transfer {
            Transfer::SharedFilesystem => {
                let out = dir.join("out");
                std::fs::create_dir_all(&out)
                    .map_err(|e| BackendError::io(format!("creating {}", out.display()), e))?;
                Some(out)
            }
            Transfer::SignedUrls => None,
        };
        let submitted = self.client.submit(&self.request(spec, out)?).await?;
        tracing::info!(job = %spec.job_id, attempt = spec.attempt, ray_job = %id, ?submitted, "Ray job submitted");
        Ok(handle)
    }

    async fn find(&self, job_id: JobId, attempt: u32) -> Result<Option<BackendHandle>, BackendError> {
        let Some(key) = self.key(false)? else { return Ok(None) };
        let handle = key.issue(BACKEND_NAME, &self.config.runs_dir, job_id, attempt);
        Ok(self.client.job(&submission_id(&job_id, attempt)).await?.map(|_| handle))
    }

    async fn status(&self, handle: &BackendHandle) -> Result<BackendStatus, BackendError> {
        let (id, _) = self.attempt_of(handle)?;
        Ok(match self.client.job(&id).await? {
            Some(info) => states::status_of(&info),
            None => states::missing(&id),
        })
    }

    async fn worker_times(&self, handle: &BackendHandle) -> Result<WorkerTimes, BackendError> {
        let (id, _) = self.attempt_of(handle)?;
        Ok(self.client.job(&id).await?.map(|info| states::times_of(&info)).unwrap_or_default())
    }

    async fn events(&self, handle: &BackendHandle, cursor: EventCursor) -> Result<EventBatch, BackendError> {
        let (id, _) = self.attempt_of(handle)?;
        let Some(logs) = self.client.logs(&id).await? else { return Ok(EventBatch { lines: Vec::new(), cursor }) };
        // A last line without its newline is read only once the worker is gone.
        let finished = !logs.ends_with('\n')
            && self.client.job(&id).await?.is_none_or(|info| states::status_of(&info).is_terminal());
        Ok(logs::lines_after(&logs, cursor, finished))
    }

    async fn cancel(&self, handle: &BackendHandle) -> Result<(), BackendError> {
        let (id, _) = self.attempt_of(handle)?;
        self.client.stop(&id).await
    }

    /// The files the worker announced: under the attempt's output directory on a shared
    /// filesystem (by bare name, never a path the worker chose), else uploaded through the
    /// signed URLs of its spec.
    async fn collect(&self, handle: &BackendHandle) -> Result<Vec<CollectedArtifact>, BackendError> {
        let (id, dir) = self.attempt_of(handle)?;
        let logs = self.client.logs(&id).await?.ok_or_else(|| BackendError::NotCollectable {
            reason: format!("Ray no longer has job {id} and its log"),
        })?;
        let lines = logs::lines_after(&logs, EventCursor::default(), true).lines;
        announced(lines, self.config.transfer, &dir.join("out").join("adapter"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::protocol::example_spec;

    fn backend(transfer: Transfer) -> RayBackend {
        let config = RayBackendConfig {
            dashboard: Url::parse("http://127.0.0.1:8265/").unwrap(),
            transfer,
            runs_dir: PathBuf::from("/srv/brightrun/ray"),
            worker_command: vec!["/opt/my venv/bin/python".into(), "-m".into(), "brightrun_trainer".into()],
        };
        let client = RayClient::new(config.dashboard.clone()).unwrap();
        RayBackend { config, client, key: Arc::default() }
    }

    fn spec(gpus: u32) -> WorkerSpec {
        example_spec(2, gpus)
    }

    #[test]
    fn the_request_runs_the_worker_with_the_jobs_gpus_and_its_spec_in_the_environment() {
        let spec = spec(2);
        let out = PathBuf::from("/srv/brightrun/ray/run/out");
        let request = backend(Transfer::SharedFilesystem).request(&spec, Some(out.clone())).unwrap();
        assert_eq!(request.submission_id, format!("brightrun-{}-2", spec.job_id));
        assert_eq!(request.entrypoint, "'/opt/my venv/bin/python' -m brightrun_trainer --spec-env BRIGHTRUN_SPEC");
        assert_eq!((request.entrypoint_num_gpus, request.entrypoint_num_cpus), (2.0, 1.0));
        let env = &request.runtime_env["env_vars"];
        assert_eq!(env[JOB_VAR], spec.job_id.to_string());
        let sent: WorkerSpec = serde_json::from_str(env[SPEC_VAR].as_str().unwrap()).unwrap();
        assert_eq!(sent.output.dir, out.display().to_string(), "the output goes to the attempt's own directory");
        assert_eq!(request.metadata["brightrun_attempt"], "2");
    }

    #[test]
    fn a_cpu_job_reserves_no_gpu_and_signed_urls_keep_the_spec_as_it_is() {
        let spec = spec(0);
        let request = backend(Transfer::SignedUrls).request(&spec, None).unwrap();
        assert_eq!(request.entrypoint_num_gpus, 0.0);
        let sent: WorkerSpec =
            serde_json::from_str(request.runtime_env["env_vars"][SPEC_VAR].as_str().unwrap()).unwrap();
        assert_eq!(sent, spec);
    }
}
