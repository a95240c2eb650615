//! A TEST DOUBLE of RunPod's queue API (`/health`, `/run`, `GET /status/{id}`,
//! `GET /stream/{id}`, `POST /cancel/{id}`, Bearer key), replaying the shapes RunPod
//! documents, for what the SDK's local API server cannot show: cancel, expiry, a refused
//! key, COMPLETED with a failed output, a killed worker. Each `/run` takes the next
//! [`Script`]; each `/status` call is one tick of the job's life. A job that completes
//! uploads its adapter files to the signed URLs of its spec, as the worker would.
//!
//! A plain HTTP/1.1 server on tokio (one request per connection), so the tests crate needs
//! no web framework.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The key the double accepts.
pub const KEY: &str = "rp-test-key";

/// What a submitted job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Trains, uploads its adapter, completes; RunPod forgets it once it reported the end
    /// (its results expired).
    Complete,
    /// Trains until cancelled.
    UntilCancelled,
    /// Trains a little, then RunPod no longer knows it (expired while we were away).
    Expire,
    /// The worker sends `failed` and the job is COMPLETED anyway (a handler that returned
    /// its failure instead of raising).
    CompletedWithFailedOutput,
    /// The worker is killed (SIGKILL): the handler raises, RunPod says FAILED.
    Killed,
}

#[derive(Debug)]
struct Job {
    script: Script,
    ticks: u32,
    /// The events the worker has yielded so far, and how many `/stream` handed out.
    events: Vec<Value>,
    streamed: usize,
    cancelled: bool,
    killed: bool,
    /// `/status` answered its end: a later call finds nothing (expired).
    end_reported: bool,
}

/// What the double saw, for the tests to check.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every request, `METHOD /path`.
    pub requests: Vec<String>,
    /// The `input` of each `/run`.
    pub inputs: Vec<Value>,
}

#[derive(Debug, Default)]
struct State {
    scripts: VecDeque<Script>,
    jobs: BTreeMap<String, Job>,
    seen: Seen,
}

/// The running double.
#[derive(Debug, Clone)]
pub struct RunPodDouble {
    /// Its endpoint's base, `http://127.0.0.1:PORT/v2/ENDPOINT/`.
    pub base: url::Url,
    state: Arc<Mutex<State>>,
}

impl RunPodDouble {
    /// Starts the double; each `/run` takes the next of `scripts`.
    pub async fn start(scripts: impl IntoIterator<Item = Script>) -> Self {
        let state = Arc::new(Mutex::new(State { scripts: scripts.into_iter().collect(), ..State::default() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = url::Url::parse(&format!("http://{}/v2/double/", listener.local_addr().unwrap())).unwrap();
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                tokio::spawn(serve(socket, shared.clone()));
            }
        });
        Self { base, state }
    }

    /// What it saw.
    pub fn seen<T>(&self, read: impl FnOnce(&Seen) -> T) -> T {
        read(&self.state.lock().unwrap().seen)
    }
}

async fn serve(mut socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    let (head, body) = loop {
        let mut chunk = [0u8; 8192];
        let Ok(n) = socket.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
        let length = head
            .lines()
            .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        if buffer.len() >= end + 4 + length {
            break (head, buffer[end + 4..end + 4 + length].to_vec());
        }
    };
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or("").to_owned(), words.next().unwrap_or("").to_owned());
    let authorised = head.lines().any(|line| line.eq_ignore_ascii_case(&format!("authorization: Bearer {KEY}")));
    let (status, answer) = if authorised {
        let uploads = route(&state, &method, &path, &body);
        match uploads {
            Ok((status, answer, uploads)) => {
                for (url, bytes) in uploads {
                    let response = reqwest::Client::new().put(url).body(bytes).send().await.unwrap();
                    assert!(response.status().is_success(), "the signed upload URL works: {}", response.status());
                }
                (status, answer)
            }
            Err(status) => (status, json!({"error": "not found"})),
        }
    } else {
        (401, json!({"error": "Unauthorized"}))
    };
    let body = answer.to_string();
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        _ => "Not Found",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}

type Uploads = Vec<(String, Vec<u8>)>;

/// Answers one request: HTTP status, JSON body, and the uploads the "worker" does now.
fn route(state: &Mutex<State>, method: &str, path: &str, body: &[u8]) -> Result<(u16, Value, Uploads), u16> {
    let mut state = state.lock().unwrap();
    state.seen.requests.push(format!("{method} {path}"));
    let rest = path.strip_prefix("/v2/double/").ok_or(404u16)?;
    let (operation, id) = rest.split_once('/').unwrap_or((rest, ""));
    match (method, operation) {
        ("GET", "health") => Ok((
            200,
            json!({"jobs": {"completed": 0, "failed": 0, "inProgress": 0, "inQueue": 0, "retried": 0}, "workers": {"idle": 1, "running": 0}}),
            Vec::new(),
        )),
        ("POST", "run") => {
            let request: Value = serde_json::from_slice(body).map_err(|_| 400u16)?;
            let script = state.scripts.pop_front().expect("a script for each /run");
            let id = format!("double-{}", state.jobs.len() + 1);
            state.seen.inputs.push(request["input"].clone());
            let job = Job {
                script,
                ticks: 0,
                events: Vec::new(),
                streamed: 0,
                cancelled: false,
                killed: false,
                end_reported: false,
            };
            state.jobs.insert(id.clone(), job);
            Ok((200, json!({"id": id, "status": "IN_QUEUE"}), Vec::new()))
        }
        ("GET", "status") => {
            let input = state.seen.inputs.get(job_index(id)?).cloned().unwrap_or_default();
            let job = state.jobs.get_mut(id).ok_or(404u16)?;
            if job.end_reported {
                return Err(404);
            }
            let uploads = job.tick(&input);
            let answer = job.answer(id);
            if is_final(&answer) && job.script == Script::Complete {
                job.end_reported = true;
            }
            if job.script == Script::Expire && job.ticks > 3 {
                return Err(404);
            }
            Ok((200, answer, uploads))
        }
        ("GET", "stream") => {
            let job = state.jobs.get_mut(id).ok_or(404u16)?;
            let chunks: Vec<Value> = job.events[job.streamed..].iter().map(|e| json!({"output": e})).collect();
            job.streamed = job.events.len();
            let status = job.answer(id)["status"].clone();
            Ok((200, json!({"status": status, "stream": chunks}), Vec::new()))
        }
        ("POST", "cancel") => {
            let job = state.jobs.get_mut(id).ok_or(404u16)?;
            job.cancelled = true;
            Ok((200, json!({"id": id, "status": "CANCELLED"}), Vec::new()))
        }
        _ => Err(404),
    }
}

fn job_index(id: &str) -> Result<usize, u16> {
    id.strip_prefix("double-").and_then(|n| n.parse::<usize>().ok()).map(|n| n - 1).ok_or(404)
}

fn is_final(answer: &Value) -> bool {
    matches!(answer["status"].as_str(), Some("COMPLETED" | "FAILED" | "CANCELLED" | "TIMED_OUT"))
}

const TOTAL_STEPS: u64 = 4;

impl Job {
    fn event(&mut self, body: Value) {
        let mut event = json!({"v": 1, "seq": self.events.len() + 1, "ts": "2026-12-06T10:00:00.000000Z"});
        event.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
        self.events.push(event);
    }

    /// One tick: the worker moves on (after one tick in the queue).
    fn tick(&mut self, input: &Value) -> Uploads {
        self.ticks += 1;
        if self.cancelled || self.ticks < 2 || self.finished() {
            return Vec::new();
        }
        if self.events.is_empty() {
            self.event(json!({"event": "started", "total_steps": TOTAL_STEPS, "epochs": 1, "device": "cuda"}));
            self.event(json!({"event": "phase", "phase": "training"}));
        }
        let step = self.events.iter().filter(|e| e["event"] == "metric").count() as u64 + 1;
        let limit = if self.script == Script::UntilCancelled { u64::MAX } else { TOTAL_STEPS };
        if step <= limit {
            self.event(json!({"event": "metric", "step": step, "total_steps": TOTAL_STEPS, "epoch": 0.25 * step as f64, "loss": 2.0 / step as f64}));
            return Vec::new();
        }
        match self.script {
            Script::Complete => {
                let mut uploads = Vec::new();
                for (name, bytes) in [
                    ("adapter_model.safetensors", b"not really safetensors, but bytes".to_vec()),
                    ("adapter_config.json", br#"{"r": 8}"#.to_vec()),
                ] {
                    let url = input["output"]["upload_urls"][name].as_str().expect("an upload URL per file");
                    let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
                    self.event(json!({"event": "artifact", "name": name, "bytes": bytes.len(), "sha256": sha256}));
                    uploads.push((url.to_owned(), bytes));
                }
                self.event(json!({"event": "completed", "steps": TOTAL_STEPS}));
                uploads
            }
            Script::CompletedWithFailedOutput => {
                self.event(json!({"event": "failed", "error_type": "out_of_memory", "message": "CUDA out of memory"}));
                Vec::new()
            }
            Script::Killed => {
                // The worker says nothing more: the handler sees its exit and raises.
                self.killed = true;
                Vec::new()
            }
            // Expired, or still training: they never end here.
            Script::Expire | Script::UntilCancelled => Vec::new(),
        }
    }

    fn finished(&self) -> bool {
        self.events.last().is_some_and(|e| matches!(e["event"].as_str(), Some("completed" | "failed"))) || self.killed
    }

    fn answer(&self, id: &str) -> Value {
        let status = if self.cancelled {
            "CANCELLED"
        } else if self.ticks < 2 {
            "IN_QUEUE"
        } else if !self.finished() {
            "IN_PROGRESS"
        } else if self.killed {
            return json!({"id": id, "status": "FAILED", "error": json!({
                "error_type": "<class 'brightrun_trainer.runpod_handler.WorkerFailed'>",
                "error_message": "the worker was killed by signal 9 before it completed (exit code -9)",
                "error_traceback": "Traceback ...",
            }).to_string()});
        } else {
            "COMPLETED"
        };
        let mut answer = json!({"id": id, "status": status, "delayTime": 120, "executionTime": 4000});
        if status == "COMPLETED" {
            // A generator handler that does not aggregate its stream: what it yielded is in
            // /stream only.
            answer["output"] = json!([]);
        }
        answer
    }
}
