//! slurmrestd, as far as the backend uses it: `GET ping`, `POST job/submit`, `GET job/{id}`,
//! `GET jobs`, `DELETE job/{id}?signal=SIGTERM`. Every request carries the user name and
//! JWT (`X-SLURM-USER-NAME`, `X-SLURM-USER-TOKEN`); without them slurmrestd answers HTTP
//! 401. Errors come as `{"errors": [{"error_number", "description", ...}]}`, often with
//! HTTP 500. The plugin's own shapes live in one file per version ([`v0038`](super::v0038)).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use url::Url;

use super::super::error::BackendError;
use super::super::http::{JsonBody as _, clip, describe};
use super::v0038;

const ENGINE: &str = "slurm";
/// Slurm's "Invalid job id specified": slurmctld does not know the job (or forgot it).
pub const INVALID_JOB_ID: i64 = 2017;
/// Slurm's "Job can not be altered now, try again later" (a job being launched).
pub const TRY_AGAIN_LATER: i64 = 2020;
/// Slurm's "Job/step already completing or completed".
pub const ALREADY_DONE: i64 = 2021;
/// What slurmctld answers a request whose token it cannot verify (`SLURM_ERROR`).
pub const REFUSED: i64 = -1;
/// How often a signal refused with [`TRY_AGAIN_LATER`] is sent again, a second apart.
const SIGNAL_TRIES: u32 = 15;

/// The slurmrestd plugin version the backend speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ApiVersion {
    /// `openapi/v0.0.38`, Slurm 21.08 and 22.05 (Debian 12).
    #[default]
    V0038,
}

impl FromStr for ApiVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "v0.0.38" => Ok(ApiVersion::V0038),
            other => Err(format!("slurmrestd plugin {other} is not supported: use v0.0.38")),
        }
    }
}

impl ApiVersion {
    fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V0038 => v0038::PREFIX,
        }
    }
}

/// One batch job, in the backend's terms; each plugin version writes it its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchJob {
    /// Job name.
    pub name: String,
    /// Job comment.
    pub comment: String,
    /// The batch script.
    pub script: String,
    /// Working directory on the node.
    pub working_dir: String,
    /// File of the script's stdout.
    pub stdout: String,
    /// File of the script's stderr.
    pub stderr: String,
    /// The script's whole environment (Slurm's REST API passes none of its own).
    pub environment: BTreeMap<String, String>,
    /// CPUs.
    pub cpus_per_task: u32,
    /// Memory of the node, MiB.
    pub memory_mb: u64,
    /// Time limit, minutes.
    pub time_limit_minutes: u32,
    /// GPUs (`gres gpu:N`), none when 0.
    pub gpus: u32,
    /// Partition; Slurm's default when `None`.
    pub partition: Option<String>,
}

/// How a batch script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// This signal killed it.
    Signal(i32),
}

/// What Slurm says of a job (the fields the backend reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    /// Slurm's job id.
    pub job_id: u64,
    /// The job's name.
    pub name: String,
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, ...
    pub state: String,
    /// Why it is in that state (`Resources`, `NonZeroExitCode`, ...).
    pub state_reason: String,
    /// How the batch script ended, once it did.
    pub exit: Option<ExitStatus>,
    /// When it started running, epoch seconds.
    pub start_time: Option<i64>,
    /// When it ended (projected while it runs), epoch seconds.
    pub end_time: Option<i64>,
}

/// One entry of an answer's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SlurmErrorEntry {
    /// Slurm's error number (`ESLURM_*`).
    #[serde(default)]
    pub error_number: i64,
    /// What happened.
    #[serde(default)]
    pub description: String,
}

/// A slurmrestd, with the user and token its requests carry.
#[derive(Clone)]
pub struct SlurmClient {
    base: Url,
    api: ApiVersion,
    user: String,
    token: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for SlurmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlurmClient")
            .field("base", &self.base)
            .field("api", &self.api)
            .field("user", &self.user)
            .finish()
    }
}

impl SlurmClient {
    /// A client of the slurmrestd at `base` (`http://HOST:PORT/`) acting as `user` with the
    /// JWT `token`.
    pub fn new(base: Url, api: ApiVersion, user: String, token: String) -> Result<Self, BackendError> {
        Ok(Self { base, api, user, token, http: super::super::http::client(ENGINE)? })
    }

    /// The Slurm release slurmrestd reports: proves the address is a slurmrestd that answers
    /// this plugin version and takes the token.
    pub async fn ping(&self) -> Result<String, BackendError> {
        let unreachable =
            |reason: String| BackendError::Unreachable { engine: ENGINE, url: self.base.to_string(), reason };
        let response = self.request(Method::GET, "ping")?.send().await.map_err(|e| unreachable(describe(&e)))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| unreachable(describe(&e)))?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(self.unauthorized(&text));
        }
        #[derive(Deserialize)]
        struct Meta {
            #[serde(rename = "Slurm")]
            slurm: Release,
        }
        #[derive(Deserialize)]
        struct Release {
            release: String,
        }
        #[derive(Deserialize)]
        struct Ping {
            meta: Meta,
            #[serde(default)]
            errors: Vec<SlurmErrorEntry>,
        }
        match serde_json::from_str::<Ping>(&text) {
            Ok(ping) if status.is_success() && ping.errors.is_empty() => Ok(ping.meta.slurm.release),
            // slurmctld refuses a token it cannot verify with an unspecified error (-1).
            Ok(ping) if ping.errors.iter().any(|e| e.error_number == REFUSED) => Err(self.unauthorized(&text)),
            Ok(_) => Err(unreachable(format!("slurmrestd answers, slurmctld does not: {}", clip(&text)))),
            Err(_) => Err(unreachable(format!(
                "not slurmrestd with plugin {}: GET ping answered HTTP {status}: {}",
                self.api.prefix(),
                clip(&text)
            ))),
        }
    }

    /// Submits `job`; returns Slurm's job id.
    pub async fn submit(&self, job: &BatchJob) -> Result<u64, BackendError> {
        let body = match self.api {
            ApiVersion::V0038 => v0038::submit_body(job),
        };
        let request = self.request(Method::POST, "job/submit")?.json_body(ENGINE, &body)?;
        let answer = self.send(request).await?;
        match (answer.errors(), answer.job_id()) {
            ([], Some(id)) => Ok(id),
            (errors, _) => Err(engine_error("submit", errors)),
        }
    }

    /// The job `id`; `None` when slurmctld does not know it (never, or forgotten after
    /// `MinJobAge`).
    pub async fn job(&self, id: u64) -> Result<Option<JobInfo>, BackendError> {
        let answer = self.send(self.request(Method::GET, &format!("job/{id}"))?).await?;
        match answer.errors() {
            [] => Ok(answer.jobs().into_iter().find(|job| job.job_id == id)),
            errors if errors.iter().any(|e| e.error_number == INVALID_JOB_ID) => Ok(None),
            errors => Err(engine_error("job", errors)),
        }
    }

    /// Every job slurmctld remembers.
    pub async fn jobs(&self) -> Result<Vec<JobInfo>, BackendError> {
        let answer = self.send(self.request(Method::GET, "jobs")?).await?;
        match answer.errors() {
            [] => Ok(answer.jobs()),
            errors => Err(engine_error("jobs", errors)),
        }
    }

    /// Sends SIGTERM to job `id` (a pending job is cancelled), again while Slurm answers
    /// "try again later" (a job being launched). A job Slurm does not know, or one already
    /// over, is not an error.
    pub async fn terminate(&self, id: u64) -> Result<(), BackendError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let answer = self.send(self.request(Method::DELETE, &format!("job/{id}?signal=SIGTERM"))?).await?;
            let errors = answer.errors();
            if errors.iter().all(|e| matches!(e.error_number, INVALID_JOB_ID | ALREADY_DONE)) {
                return Ok(());
            }
            if tries >= SIGNAL_TRIES || errors.iter().any(|e| e.error_number != TRY_AGAIN_LATER) {
                return Err(engine_error("cancel", errors));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    fn request(&self, method: Method, path: &str) -> Result<reqwest::RequestBuilder, BackendError> {
        let url = self
            .base
            .join(&format!("{}{path}", self.api.prefix()))
            .map_err(|e| BackendError::Engine { engine: ENGINE, reason: format!("bad path {path}: {e}") })?;
        Ok(self
            .http
            .request(method, url)
            .header("X-SLURM-USER-NAME", &self.user)
            .header("X-SLURM-USER-TOKEN", &self.token))
    }

    /// The answer of a request, whatever its HTTP status (slurmrestd reports errors in the
    /// body, with 500), unless it is not JSON or the token was refused.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<v0038::Answer, BackendError> {
        let failed = |e: reqwest::Error| BackendError::Engine { engine: ENGINE, reason: describe(&e) };
        let response = request.send().await.map_err(failed)?;
        let status = response.status();
        let text = response.text().await.map_err(failed)?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(self.unauthorized(&text));
        }
        serde_json::from_str(&text).map_err(|e| BackendError::Engine {
            engine: ENGINE,
            reason: format!("unexpected answer, HTTP {status} ({e}): {}", clip(&text)),
        })
    }

    fn unauthorized(&self, text: &str) -> BackendError {
        BackendError::Unauthorized {
            engine: ENGINE,
            reason: format!(
                "Slurm at {} refused the token for user {:?} ({}): check SLURM_JWT (expired? \
                 `scontrol token username={} lifespan=SECONDS` makes one) and SLURM_USER",
                self.base,
                self.user,
                clip(text),
                self.user
            ),
        }
    }
}

fn engine_error(what: &str, errors: &[SlurmErrorEntry]) -> BackendError {
    let reason = if errors.is_empty() {
        format!("{what}: an answer without its result")
    } else {
        let list: Vec<String> =
            errors.iter().map(|e| format!("{} (error {})", e.description, e.error_number)).collect();
        format!("{what}: {}", list.join("; "))
    };
    BackendError::Engine { engine: ENGINE, reason }
}
