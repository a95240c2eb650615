//! The RunPod serverless backend: each attempt of a job is one job of a RunPod queue
//! endpoint whose workers run `python -m brightrun_trainer.runpod_handler` (the trainer's
//! image, `docker/runpod/Dockerfile`).
//!
//! The job's `input` is the worker spec. RunPod's workers cannot see this machine's disk, so
//! transfer is always [`Transfer::SignedUrls`]: the worker downloads the data and uploads
//! each adapter file through signed URLs in its spec. The handler yields the worker's
//! protocol events; they are drained from `/stream` into the attempt's directory here
//! ([`record`]) and read from there by byte offset, so nothing is lost when RunPod forgets
//! the job (30 minutes after it ends). The job's final state is recorded here the first
//! time it is seen, for the same reason; a job RunPod no longer knows whose end was not
//! recorded is lost (retried). States are mapped in [`states`]; the worker's own terminal
//! event decides over RunPod's COMPLETED. Cancel is `/cancel` (the handler then SIGTERMs
//! the worker, which saves a partial adapter).
//!
//! RunPod chooses the job's id, so a submit cut short between RunPod accepting the job and
//! the id being written here cannot be found again: that job runs unobserved (its result is
//! ignored, the attempt is retried). Handles are signed like the local backend's
//! ([`RunsKey`]): a handle names only a job and an attempt, RunPod's id is read from the
//! attempt's directory, never from the handle.
//!
//! `runpod+http://HOST:PORT` talks to the runpod SDK's local API server instead
//! ([`client`] lists its differences): the job runs inside the first `/status` or `/stream`
//! request, which then answers its end; it cannot be cancelled.

pub mod client;
pub mod record;
pub mod states;

use std::path::PathBuf;

use async_trait::async_trait;
use url::Url;

use super::error::BackendError;
use super::event_log::{EventBatch, EventCursor, read_events};
use super::local::handle::RunsKey;
use super::protocol::{EventKind, Transfer, WorkerSpec};
use super::{ArtifactSource, BackendHandle, BackendStatus, CollectedArtifact, GpuBackend};
use crate::model::JobId;
use client::{JobAnswer, RunPodClient};
use record::{Attempt, Record};

pub use client::Server;

const BACKEND_NAME: &str = "runpod";
/// RunPod's API, before the endpoint id.
pub const API_BASE: &str = "https://api.runpod.ai/v2/";
/// `/stream` reads at most when a job has ended, to take what it yielded last.
const MAX_FINAL_DRAINS: usize = 1_000;
/// The environment variable holding the RunPod API key.
pub const API_KEY_VAR: &str = "RUNPOD_API_KEY";

/// How the RunPod backend reaches its endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPodBackendConfig {
    /// The endpoint's queue API, ending in `/`: `https://api.runpod.ai/v2/ENDPOINT_ID/`, or
    /// the SDK's local server `http://HOST:PORT/`.
    pub base: Url,
    /// RunPod (with its key) or the SDK's local server.
    pub server: Server,
    /// This machine's directory for the handle key and each attempt's record and events.
    pub runs_dir: PathBuf,
}

/// The RunPod serverless backend.
#[derive(Debug, Clone)]
pub struct RunPodBackend {
    client: RunPodClient,
    key: RunsKey,
}

impl RunPodBackend {
    /// A backend of the endpoint `config` names; fails with [`BackendError::Unreachable`]
    /// unless it answers as RunPod (or the SDK's local server), and with
    /// [`BackendError::Unauthorized`] if RunPod refuses the key.
    pub async fn connect(config: RunPodBackendConfig) -> Result<Self, BackendError> {
        let client = RunPodClient::new(config.base.clone(), config.server.clone())?;
        client.check().await?;
        tracing::info!(endpoint = %config.base, server = ?config.server, "RunPod backend");
        Ok(Self { client, key: RunsKey::new(config.runs_dir) })
    }

    /// The attempt of a handle this backend issued, and RunPod's id of its job.
    fn attempt_of(&self, handle: &BackendHandle) -> Result<(Attempt, Record), BackendError> {
        let attempt = Attempt(self.key.verify(BACKEND_NAME, handle)?);
        let record = attempt.record()?.ok_or_else(|| BackendError::InvalidHandle {
            reason: format!("no RunPod job was recorded for {}", handle.external_id),
        })?;
        Ok((attempt, record))
    }

    /// Keeps what a final answer holds (the local server's aggregated output or whole
    /// stream) and records the final state it means.
    fn finish(&self, attempt: &Attempt, mut record: Record, answer: JobAnswer) -> Result<BackendStatus, BackendError> {
        if let Some(serde_json::Value::Array(outputs)) = &answer.output {
            attempt.append(outputs.iter().cloned())?;
        }
        attempt.append(answer.stream.iter().map(|chunk| chunk.output.clone()))?;
        let status = states::status_of(&answer, attempt.terminal()?.as_ref());
        record.last = Some(status.clone());
        attempt.save(&record)?;
        tracing::info!(runpod_job = %record.job, runpod_status = %answer.status, ?status, "RunPod job ended");
        Ok(status)
    }
}

/// Whether RunPod is done with a job in this state.
fn is_final(state: &str) -> bool {
    matches!(state, "COMPLETED" | "FAILED" | "CANCELLED" | "TIMED_OUT")
}

#[async_trait]
impl GpuBackend for RunPodBackend {
    fn name(&self) -> &'static str {
        BACKEND_NAME
    }

    fn transfer(&self) -> Transfer {
        Transfer::SignedUrls
    }

    /// Queues the attempt once: an attempt already recorded here is not sent again.
    async fn submit(&self, spec: &WorkerSpec) -> Result<BackendHandle, BackendError> {
        let (handle, dir) = self.key.issue(BACKEND_NAME, spec.job_id, spec.attempt)?;
        let attempt = Attempt(dir);
        if attempt.record()?.is_some() {
            return Ok(handle);
        }
        let input = serde_json::to_value(spec).map_err(|e| BackendError::Launch { reason: e.to_string() })?;
        let job = self.client.run(&input).await?;
        attempt.save(&Record { job: job.clone(), last: None })?;
        tracing::info!(job = %spec.job_id, attempt = spec.attempt, runpod_job = %job, "RunPod job queued");
        Ok(handle)
    }

    async fn find(&self, job_id: JobId, attempt: u32) -> Result<Option<BackendHandle>, BackendError> {
        let Some((handle, dir)) = self.key.existing(BACKEND_NAME, job_id, attempt)? else { return Ok(None) };
        Ok(Attempt(dir).record()?.map(|_| handle))
    }

    async fn status(&self, handle: &BackendHandle) -> Result<BackendStatus, BackendError> {
        let (attempt, mut record) = self.attempt_of(handle)?;
        if let Some(last) = record.last {
            return Ok(last);
        }
        let Some(answer) = self.client.status(&record.job).await? else {
            let status = states::missing(&record.job);
            record.last = Some(status.clone());
            attempt.save(&record)?;
            return Ok(status);
        };
        if !is_final(&answer.status) {
            return Ok(states::status_of(&answer, None));
        }
        // What the worker yielded last may still be in the stream: drain it before judging
        // (each answer holds at most 1 MB of chunks).
        if !self.client.is_local_server() {
            for _ in 0..MAX_FINAL_DRAINS {
                let Some(rest) = self.client.stream(&record.job).await? else { break };
                if rest.stream.is_empty() {
                    break;
                }
                attempt.append(rest.stream.into_iter().map(|chunk| chunk.output))?;
            }
        }
        self.finish(&attempt, record, answer)
    }

    async fn events(&self, handle: &BackendHandle, cursor: EventCursor) -> Result<EventBatch, BackendError> {
        let (attempt, record) = self.attempt_of(handle)?;
        if record.last.is_none()
            && let Some(answer) = self.client.stream(&record.job).await?
        {
            if self.client.is_local_server() && is_final(&answer.status) {
                // The local server ran the whole job in this request, and has forgotten it.
                self.finish(&attempt, record, answer)?;
            } else {
                attempt.append(answer.stream.into_iter().map(|chunk| chunk.output))?;
            }
        }
        read_events(&attempt.events_path(), cursor, true)
    }

    async fn cancel(&self, handle: &BackendHandle) -> Result<(), BackendError> {
        let (_, record) = self.attempt_of(handle)?;
        if record.last.is_some() {
            return Ok(());
        }
        self.client.cancel(&record.job).await
    }

    /// The files the worker announced, uploaded through the signed URLs of its spec; read
    /// from the events kept here, so RunPod's retention does not matter.
    async fn collect(&self, handle: &BackendHandle) -> Result<Vec<CollectedArtifact>, BackendError> {
        let (attempt, _) = self.attempt_of(handle)?;
        let mut artifacts: Vec<CollectedArtifact> = Vec::new();
        for event in attempt.events()? {
            let EventKind::Artifact { name, bytes, sha256, .. } = event.kind else { continue };
            artifacts.retain(|a| a.name != name);
            artifacts.push(CollectedArtifact { name, bytes, sha256, source: ArtifactSource::Uploaded });
        }
        if artifacts.is_empty() {
            return Err(BackendError::NotCollectable { reason: "the worker announced no artifact".into() });
        }
        Ok(artifacts)
    }
}
