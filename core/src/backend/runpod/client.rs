//! RunPod serverless's queue API, as far as the backend uses it, against RunPod itself or
//! against the runpod SDK's local API server (`--rp_serve_api`).
//!
//! | | RunPod (`https://api.runpod.ai/v2/ENDPOINT_ID/`) | the SDK's local API server (runpod 1.12) |
//! |---|---|---|
//! | check at start | `GET /health` with the key | `GET /openapi.json` titled "Runpod ..." |
//! | submit | `POST /run {"input": spec}` → `{"id", "status"}` | the same; the job waits |
//! | state | `GET /status/{id}` | `POST /status/{id}`: runs the whole job, answers, forgets it |
//! | output | `GET /stream/{id}` → `{"status", "stream": [{"output": event}, ...]}` | `POST`, same lazy run |
//! | cancel | `POST /cancel/{id}` | none (404) |
//! | unknown job | HTTP 404 | `{"status": "FAILED", "error": "Job ID not found"}` |
//!
//! RunPod authenticates with `Authorization: Bearer RUNPOD_API_KEY`; 401 or 403 is
//! [`BackendError::Unauthorized`].

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use url::Url;

use super::super::error::BackendError;
use super::super::http::{clip, describe};

const ENGINE: &str = "runpod";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a RunPod API request may take.
const API_TIMEOUT: Duration = Duration::from_secs(60);
/// The local API server runs the whole job inside one `/status` or `/stream` request.
const LOCAL_SERVER_TIMEOUT: Duration = Duration::from_secs(3 * 60 * 60);

/// Which server answers.
#[derive(Clone, PartialEq, Eq)]
pub enum Server {
    /// RunPod's API, with an API key.
    Api {
        /// The key (`RUNPOD_API_KEY`).
        key: String,
    },
    /// The runpod SDK's local API server (for development and tests).
    LocalServer,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Server::Api { .. } => f.write_str("Api { key: .. }"),
            Server::LocalServer => f.write_str("LocalServer"),
        }
    }
}

/// What RunPod says of a job (`/status`, `/stream`, `/run`, `/cancel` answers).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobAnswer {
    /// `IN_QUEUE`, `IN_PROGRESS`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMED_OUT`.
    #[serde(default)]
    pub status: String,
    /// RunPod's id of the job (absent from some `/stream` answers).
    #[serde(default)]
    pub id: Option<String>,
    /// The job's output: the local server's list of all a generator handler yielded.
    #[serde(default)]
    pub output: Option<serde_json::Value>,
    /// Why it failed: for a raising handler, a JSON string with `error_message`.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    /// The chunks yielded since the last read (`/stream` only), each `{"output": ...}`.
    #[serde(default)]
    pub stream: Vec<StreamChunk>,
}

/// One `/stream` chunk.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StreamChunk {
    /// What the handler yielded.
    #[serde(default)]
    pub output: serde_json::Value,
}

/// A RunPod endpoint's queue API.
#[derive(Debug, Clone)]
pub struct RunPodClient {
    base: Url,
    server: Server,
    http: reqwest::Client,
}

impl RunPodClient {
    /// A client of the endpoint at `base` (ending in `/`).
    pub fn new(base: Url, server: Server) -> Result<Self, BackendError> {
        let timeout = match server {
            Server::Api { .. } => API_TIMEOUT,
            Server::LocalServer => LOCAL_SERVER_TIMEOUT,
        };
        let http =
            reqwest::Client::builder().timeout(timeout).connect_timeout(CONNECT_TIMEOUT).build().map_err(|e| {
                BackendError::Engine { engine: ENGINE, reason: format!("cannot build an HTTP client: {e}") }
            })?;
        Ok(Self { base, server, http })
    }

    /// Whether this is the SDK's local API server.
    pub fn is_local_server(&self) -> bool {
        self.server == Server::LocalServer
    }

    fn request(&self, method: Method, path: &str) -> Result<reqwest::RequestBuilder, BackendError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| BackendError::Engine { engine: ENGINE, reason: format!("bad path {path}: {e}") })?;
        let request = self.http.request(method, url);
        Ok(match &self.server {
            Server::Api { key } => request.bearer_auth(key),
            Server::LocalServer => request,
        })
    }

    /// Proves the address is the endpoint (or the SDK's local server) and, for RunPod, that
    /// the key is accepted.
    pub async fn check(&self) -> Result<(), BackendError> {
        let path = if self.is_local_server() { "openapi.json" } else { "health" };
        let unreachable =
            |reason: String| BackendError::Unreachable { engine: ENGINE, url: self.base.to_string(), reason };
        let response = self.request(Method::GET, path)?.send().await.map_err(|e| unreachable(describe(&e)))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| unreachable(describe(&e)))?;
        unauthorized(status, &text)?;
        if !status.is_success() {
            return Err(unreachable(format!("GET /{path} answered HTTP {status}: {}", clip(&text))));
        }
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|_| unreachable(format!("not a RunPod endpoint: GET /{path} answered {}", clip(&text))))?;
        let recognised = if self.is_local_server() {
            value["info"]["title"].as_str().is_some_and(|title| title.contains("Runpod"))
        } else {
            value.get("workers").is_some()
        };
        if !recognised {
            return Err(unreachable(format!("not a RunPod endpoint: GET /{path} answered {}", clip(&text))));
        }
        Ok(())
    }

    /// Queues a job whose `input` is `input`; RunPod's id of it.
    pub async fn run(&self, input: &serde_json::Value) -> Result<String, BackendError> {
        let body = serde_json::to_vec(&serde_json::json!({ "input": input }))
            .map_err(|e| BackendError::Engine { engine: ENGINE, reason: format!("cannot encode the job: {e}") })?;
        let request = self.request(Method::POST, "run")?.header(reqwest::header::CONTENT_TYPE, "application/json");
        let answer = self.send("run", request.body(body)).await?.ok_or_else(|| BackendError::Engine {
            engine: ENGINE,
            reason: "POST /run answered HTTP 404: check the endpoint id".into(),
        })?;
        answer.id.filter(|id| !id.is_empty()).ok_or_else(|| BackendError::Engine {
            engine: ENGINE,
            reason: format!("POST /run answered no job id (status {:?})", answer.status),
        })
    }

    /// The job's state; `None` when RunPod does not know it (never, or its results expired).
    pub async fn status(&self, id: &str) -> Result<Option<JobAnswer>, BackendError> {
        self.read("status", id).await
    }

    /// The chunks the job yielded since the last read, and its state; `None` as for
    /// [`status`](Self::status).
    pub async fn stream(&self, id: &str) -> Result<Option<JobAnswer>, BackendError> {
        self.read("stream", id).await
    }

    /// Asks RunPod to remove the job from its queue or stop it. A job RunPod no longer
    /// knows is not an error; the SDK's local server, which cannot cancel, is.
    pub async fn cancel(&self, id: &str) -> Result<(), BackendError> {
        if self.is_local_server() {
            return Err(BackendError::Engine {
                engine: ENGINE,
                reason: "the runpod SDK's local API server has no /cancel: the job runs to its end".into(),
            });
        }
        self.send("cancel", self.request(Method::POST, &format!("cancel/{}", escape(id)))?).await.map(drop)
    }

    async fn read(&self, operation: &str, id: &str) -> Result<Option<JobAnswer>, BackendError> {
        // The local server answers POST only, RunPod GET.
        let method = if self.is_local_server() { Method::POST } else { Method::GET };
        let answer = self.send(operation, self.request(method, &format!("{operation}/{}", escape(id)))?).await?;
        Ok(answer.filter(|answer| !is_unknown_job(answer)))
    }

    async fn send(&self, operation: &str, request: reqwest::RequestBuilder) -> Result<Option<JobAnswer>, BackendError> {
        let failed = |e: reqwest::Error| BackendError::Engine { engine: ENGINE, reason: describe(&e) };
        let response = request.send().await.map_err(failed)?;
        let status = response.status();
        let text = response.text().await.map_err(failed)?;
        unauthorized(status, &text)?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(BackendError::Engine {
                engine: ENGINE,
                reason: format!("/{operation} answered HTTP {status}: {}", clip(&text)),
            });
        }
        serde_json::from_str(&text).map(Some).map_err(|e| BackendError::Engine {
            engine: ENGINE,
            reason: format!("unexpected /{operation} answer ({e}): {}", clip(&text)),
        })
    }
}

fn unauthorized(status: StatusCode, text: &str) -> Result<(), BackendError> {
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        return Err(BackendError::Unauthorized {
            engine: ENGINE,
            reason: format!("HTTP {status}: {} (is RUNPOD_API_KEY this account's key?)", clip(text)),
        });
    }
    Ok(())
}

/// The local server's way of saying it has no such job (it forgets a job once it ran it).
fn is_unknown_job(answer: &JobAnswer) -> bool {
    answer.status == "FAILED"
        && answer.output.is_none()
        && answer.error.as_ref().and_then(|e| e.as_str()).is_some_and(|e| e.eq_ignore_ascii_case("Job ID not found"))
}

/// A job id as one path segment (RunPod's are UUIDs, the local server's `test-UUID`).
fn escape(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}
