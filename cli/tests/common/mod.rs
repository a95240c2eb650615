//! Running `brightrun` as a user would, in a fresh `$BRIGHTRUN_HOME`.

#![allow(dead_code)] // Each test file uses its own part.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// A temporary BrightRun home and the worker command its jobs run.
pub struct Home {
    dir: tempfile::TempDir,
    /// `BRIGHTRUN_WORKER`, or `None` for the CLI to find the trainer itself.
    worker: Option<String>,
    /// More variables for every command.
    env: Vec<(String, String)>,
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A sample dataset of `examples/data`.
pub fn sample(name: &str) -> String {
    repo().join("examples/data").join(name).display().to_string()
}

impl Home {
    /// A home whose jobs run `worker` (the `BRIGHTRUN_WORKER` command line).
    pub fn new(worker: impl Into<String>) -> Self {
        Self { dir: tempfile::tempdir().expect("a temporary directory"), worker: Some(worker.into()), env: Vec::new() }
    }

    /// A home with no `BRIGHTRUN_WORKER` and no active virtualenv, whose CLI finds the
    /// trainer in `venv` (`BRIGHTRUN_VENV`, as `scripts/python-env` reads it).
    pub fn discovering_trainer(venv: &Path) -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
            worker: None,
            env: vec![("BRIGHTRUN_VENV".into(), venv.display().to_string())],
        }
    }

    /// A home whose jobs run the protocol test double with one scenario.
    pub fn test_double(scenario: &str) -> Self {
        let double = repo().join("tests/workers/protocol_test_double.py");
        Self::new(format!("python3 {} --scenario {scenario}", double.display()))
    }

    /// The same home with `name=value` set for every command.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// The home directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `brightrun ARGS` in this home, stdin closed.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_brightrun"));
        command
            .args(args)
            .env("BRIGHTRUN_HOME", self.dir.path())
            .env_remove("BRIGHTRUN_GPU_SLOTS")
            .env_remove("BRIGHTRUN_BACKEND")
            .stdin(Stdio::null());
        match &self.worker {
            Some(worker) => command.env("BRIGHTRUN_WORKER", worker),
            None => command.env_remove("BRIGHTRUN_WORKER").env_remove("VIRTUAL_ENV"),
        };
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs `brightrun ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run brightrun")
    }

    /// Runs `brightrun ARGS --json`, expecting exit 0 and one JSON document.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let output = self.run(&args);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        json_of(&output)
    }

    /// Starts `brightrun ARGS` with stdout and stderr piped.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start brightrun")
    }

    /// Polls `jobs --json` until the newest job is running with a step done, while
    /// `child` (the `train` that runs it) lives.
    pub fn wait_until_running(&self, child: &mut Child, limit: Duration) -> serde_json::Value {
        let start = Instant::now();
        let mut jobs = serde_json::Value::Null;
        while start.elapsed() < limit {
            if let Some(status) = child.try_wait().expect("the train process") {
                let mut stderr = String::new();
                let _ = std::io::Read::read_to_string(child.stderr.as_mut().expect("piped stderr"), &mut stderr);
                panic!("train exited ({status}) before its job ran: {stderr}");
            }
            jobs = self.json(&["jobs"]);
            if let Some(job) = jobs["items"].get(0)
                && job["status"] == "running"
                && job["current_step"].as_u64().unwrap_or(0) >= 1
            {
                return job.clone();
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("no job was running after {limit:?}: {jobs}");
    }

    /// The types of the notifications, newest first.
    pub fn notification_types(&self) -> Vec<String> {
        let listing = self.json(&["notifications"]);
        listing["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|n| n["notification_type"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// The one JSON document on stdout.
pub fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Sends SIGINT to a child, as Ctrl-C does.
pub fn interrupt(child: &Child) {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
}

/// Hex sha256 of a file.
pub fn sha256_of(path: &Path) -> String {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The names of the files in `json["files"]`.
pub fn file_names(json: &serde_json::Value) -> Vec<String> {
    json["files"].as_array().expect("files").iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect()
}
