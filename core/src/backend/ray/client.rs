//! The Ray Jobs REST API, as far as the backend uses it (observed on Ray 2.60):
//! `GET /api/version`, `POST /api/jobs/`, `GET /api/jobs/{id}`, `GET /api/jobs/{id}/logs`,
//! `POST /api/jobs/{id}/stop`. Errors are not JSON: a duplicate submission id answers HTTP
//! 500 with a Python traceback ending `... already exists.`, an unknown id HTTP 404.

use serde::{Deserialize, Serialize};
use url::Url;

use super::super::error::BackendError;
use super::super::http::{JsonBody as _, clip, describe};

const ENGINE: &str = "ray";

/// What Ray says of a job (the fields the backend reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct JobInfo {
    /// `PENDING`, `RUNNING`, `STOPPED`, `SUCCEEDED` or `FAILED`.
    pub status: String,
    /// Ray's explanation; for a failed entrypoint, the last lines of its output.
    #[serde(default)]
    pub message: Option<String>,
    /// `JOB_ENTRYPOINT_COMMAND_ERROR`, `JOB_SUPERVISOR_ACTOR_DIED`, ...
    #[serde(default)]
    pub error_type: Option<String>,
    /// When the job was accepted, epoch milliseconds.
    #[serde(default)]
    pub start_time: Option<i64>,
    /// When it ended, epoch milliseconds.
    #[serde(default)]
    pub end_time: Option<i64>,
    /// The entrypoint's exit code, when it exited.
    #[serde(default)]
    pub driver_exit_code: Option<i32>,
}

/// The body of `POST /api/jobs/` (Ray's `JobSubmitRequest`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmitRequest {
    /// The shell command Ray runs.
    pub entrypoint: String,
    /// Our id for the job: submitting it twice is refused, which makes a submit idempotent.
    pub submission_id: String,
    /// GPUs reserved for the entrypoint.
    pub entrypoint_num_gpus: f64,
    /// CPUs reserved for the entrypoint.
    pub entrypoint_num_cpus: f64,
    /// Environment variables of the entrypoint.
    pub runtime_env: serde_json::Value,
    /// Labels shown by Ray.
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// The outcome of a submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    /// Ray accepted a new job.
    New,
    /// Ray already has a job of this submission id.
    AlreadyThere,
}

/// A Ray cluster's job API.
#[derive(Debug, Clone)]
pub struct RayClient {
    base: Url,
    http: reqwest::Client,
}

impl RayClient {
    /// A client of the dashboard at `base` (`http://HOST:PORT`).
    pub fn new(base: Url) -> Result<Self, BackendError> {
        Ok(Self { base, http: super::super::http::client(ENGINE)? })
    }

    fn url(&self, path: &str) -> Result<Url, BackendError> {
        self.base
            .join(path)
            .map_err(|e| BackendError::Engine { engine: ENGINE, reason: format!("bad path {path}: {e}") })
    }

    fn job_url(&self, submission_id: &str, rest: &str) -> Result<Url, BackendError> {
        // Submission ids are ours ([A-Za-z0-9-]): nothing to escape.
        self.url(&format!("api/jobs/{submission_id}{rest}"))
    }

    /// The Ray version the dashboard reports: proves the address is a Ray head that answers.
    pub async fn version(&self) -> Result<String, BackendError> {
        let url = self.url("api/version")?;
        let unreachable =
            |reason: String| BackendError::Unreachable { engine: ENGINE, url: self.base.to_string(), reason };
        let response = self.http.get(url).send().await.map_err(|e| unreachable(describe(&e)))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| unreachable(describe(&e)))?;
        if !status.is_success() {
            return Err(unreachable(format!("GET /api/version answered HTTP {status}: {}", clip(&text))));
        }
        #[derive(Deserialize)]
        struct Version {
            ray_version: String,
        }
        serde_json::from_str::<Version>(&text)
            .map(|v| v.ray_version)
            .map_err(|_| unreachable(format!("not a Ray dashboard: GET /api/version answered {}", clip(&text))))
    }

    /// Submits a job; a job of the same submission id already there is not an error.
    pub async fn submit(&self, request: &SubmitRequest) -> Result<Submitted, BackendError> {
        let response =
            self.http.post(self.url("api/jobs/")?).json_body(ENGINE, request)?.send().await.map_err(failed)?;
        let status = response.status();
        let text = response.text().await.map_err(failed)?;
        if status.is_success() {
            return Ok(Submitted::New);
        }
        if text.contains("already exists") {
            return Ok(Submitted::AlreadyThere);
        }
        Err(BackendError::Engine { engine: ENGINE, reason: format!("submit answered HTTP {status}: {}", clip(&text)) })
    }

    /// The job's state; `None` when Ray has no such job.
    pub async fn job(&self, submission_id: &str) -> Result<Option<JobInfo>, BackendError> {
        let Some(text) = self.get_text(self.job_url(submission_id, "")?).await? else { return Ok(None) };
        serde_json::from_str(&text).map(Some).map_err(|e| BackendError::Engine {
            engine: ENGINE,
            reason: format!("unexpected job answer ({e}): {}", clip(&text)),
        })
    }

    /// Everything the job's entrypoint printed so far (stdout and stderr); `None` when Ray
    /// has no such job.
    pub async fn logs(&self, submission_id: &str) -> Result<Option<String>, BackendError> {
        let Some(text) = self.get_text(self.job_url(submission_id, "/logs")?).await? else { return Ok(None) };
        #[derive(Deserialize)]
        struct Logs {
            logs: String,
        }
        serde_json::from_str::<Logs>(&text).map(|l| Some(l.logs)).map_err(|e| BackendError::Engine {
            engine: ENGINE,
            reason: format!("unexpected logs answer ({e}): {}", clip(&text)),
        })
    }

    /// Asks Ray to stop the job (SIGTERM to its process group, SIGKILL after
    /// `RAY_JOB_STOP_WAIT_TIME_S`). A job Ray does not know, or one already over, is not an
    /// error.
    pub async fn stop(&self, submission_id: &str) -> Result<(), BackendError> {
        let response = self.http.post(self.job_url(submission_id, "/stop")?).send().await.map_err(failed)?;
        let status = response.status();
        if status.is_success() || status == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(BackendError::Engine { engine: ENGINE, reason: format!("stop answered HTTP {status}: {}", clip(&text)) })
    }

    async fn get_text(&self, url: Url) -> Result<Option<String>, BackendError> {
        let response = self.http.get(url).send().await.map_err(failed)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let text = response.text().await.map_err(failed)?;
        if !status.is_success() {
            return Err(BackendError::Engine { engine: ENGINE, reason: format!("HTTP {status}: {}", clip(&text)) });
        }
        Ok(Some(text))
    }
}

fn failed(error: reqwest::Error) -> BackendError {
    BackendError::Engine { engine: ENGINE, reason: describe(&error) }
}
