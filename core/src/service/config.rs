//! Where the embedded default keeps its things, and what it runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::backend_choice::{BACKEND_VAR, BackendChoice};
use super::error::ServiceError;
use crate::backend::local::environment::WorkerEnvironment;
use crate::backend::local::retention::{RetentionPolicy, parse_age};
use crate::error_code::Code;
use crate::model::UserId;

/// Environment variable naming the BrightRun home (default `~/.brightrun`).
pub const HOME_VAR: &str = "BRIGHTRUN_HOME";
/// Environment variable with the database URL (`sqlite://PATH` or `postgres://...`; default
/// `brightrun.db` in the home).
pub const DATABASE_URL_VAR: &str = "BRIGHTRUN_DATABASE_URL";
/// Environment variable with the object storage (a local directory, or
/// `s3://bucket?endpoint=...&region=...`; default `storage/` in the home).
pub const STORAGE_URL_VAR: &str = "BRIGHTRUN_STORAGE_URL";
/// Environment variable with the worker command line (default `python3 -m brightrun_trainer`).
pub const WORKER_VAR: &str = "BRIGHTRUN_WORKER";
/// Environment variable with the local GPU slots, comma-free names separated by spaces
/// (`0 1`), or `all` (the default).
pub const GPU_SLOTS_VAR: &str = "BRIGHTRUN_GPU_SLOTS";
/// Environment variable with variables the worker gets beyond the default allowlist:
/// names or prefixes ending in `*`, separated by commas or spaces (`WANDB_PROJECT,MLFLOW_*`).
pub const WORKER_ENV_VAR: &str = "BRIGHTRUN_WORKER_ENV";
/// Environment variable with the time a finished run's directory is kept (`7d`, `12h`,
/// `never`; default 7 days).
pub const KEEP_RUNS_VAR: &str = "BRIGHTRUN_KEEP_RUNS";
/// Environment variable with the time an idle scratch entry is kept (default 1 day).
pub const KEEP_SCRATCH_VAR: &str = "BRIGHTRUN_KEEP_SCRATCH";

/// How a [`BrightRun`](super::BrightRun) is assembled from URLs and local paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrightRunConfig {
    /// The home: runs, scratch space and the default database and storage live here.
    pub home: PathBuf,
    /// `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// A local directory path, or `s3://bucket?endpoint=...&region=...`.
    pub storage_url: String,
    /// The worker command of the local backend (`--spec PATH` is appended).
    pub worker_command: Vec<String>,
    /// The local backend's GPU slots.
    pub gpu_slots: Vec<String>,
    /// Time a cancelled worker has to stop before it is killed.
    pub cancel_grace: Duration,
    /// Variables the local backend's worker gets beyond the default allowlist.
    pub worker_env: Vec<String>,
    /// How long finished runs and scratch space are kept.
    pub retention: RetentionPolicy,
    /// The GPU backend (`$BRIGHTRUN_BACKEND`; the local process by default).
    pub backend: BackendChoice,
}

/// The single local user of the embedded default. The core scopes every row by a user id
/// (a host application passes its authenticated user's); the CLI and the bindings' clients
/// act for the one person at the keyboard unless told otherwise, so they read and write the
/// rows of this fixed id, and a program sharing a `$BRIGHTRUN_HOME` sees the same rows.
pub const LOCAL_USER: UserId = UserId::from_uuid(uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_6272_6967_6874));

/// The worker command of `$BRIGHTRUN_WORKER`: split as a POSIX shell would (quotes and
/// escapes, no expansion), its program made absolute when it is a relative path
/// (`.venv/bin/python`), since workers run in their own run directory.
pub fn worker_command(text: &str) -> Result<Vec<String>, ServiceError> {
    let invalid = |reason: String| ServiceError::invalid(Code::InvalidWorker, format!("{WORKER_VAR}: {reason}"));
    let mut words = shell_words::split(text).map_err(|e| invalid(format!("{e} in {text:?}")))?;
    let Some(program) = words.first_mut() else {
        return Err(invalid("it is empty: give the worker command, e.g. `python3 -m brightrun_trainer`".into()));
    };
    let path = std::path::Path::new(program.as_str());
    if path.is_relative() && path.components().count() > 1 {
        let cwd = std::env::current_dir().map_err(|e| invalid(format!("cannot resolve {program}: {e}")))?;
        *program = cwd.join(path).display().to_string();
    }
    Ok(words)
}

impl BrightRunConfig {
    /// The embedded default under `home`: `brightrun.db`, `storage/`, `runs/`, the local
    /// backend running the reference trainer.
    pub fn embedded(home: &Path) -> Self {
        Self {
            home: home.to_path_buf(),
            database_url: format!("sqlite://{}", home.join("brightrun.db").display()),
            storage_url: home.join("storage").display().to_string(),
            worker_command: ["python3", "-m", "brightrun_trainer"].map(String::from).to_vec(),
            gpu_slots: vec!["all".into()],
            cancel_grace: Duration::from_secs(30),
            worker_env: Vec::new(),
            retention: RetentionPolicy::default(),
            backend: BackendChoice::Local,
        }
    }

    /// The embedded default at `$BRIGHTRUN_HOME` (or `~/.brightrun`), with the database and
    /// storage from `$BRIGHTRUN_DATABASE_URL` and `$BRIGHTRUN_STORAGE_URL` (production parts,
    /// e.g. PostgreSQL and S3), and the worker command,
    /// GPU slots, worker environment and retention from `$BRIGHTRUN_WORKER`,
    /// `$BRIGHTRUN_GPU_SLOTS`, `$BRIGHTRUN_WORKER_ENV`, `$BRIGHTRUN_KEEP_RUNS` and
    /// `$BRIGHTRUN_KEEP_SCRATCH` when set, and the backend from `$BRIGHTRUN_BACKEND`.
    pub fn from_env() -> Result<Self, ServiceError> {
        let home = match std::env::var_os(HOME_VAR) {
            Some(home) if !home.is_empty() => PathBuf::from(home),
            _ => std::env::home_dir()
                .ok_or_else(|| ServiceError::invalid(Code::NoHome, format!("set {HOME_VAR}: no home directory found")))?
                .join(".brightrun"),
        };
        let mut config = Self::embedded(&home);
        for (var, url) in [(DATABASE_URL_VAR, &mut config.database_url), (STORAGE_URL_VAR, &mut config.storage_url)] {
            if let Some(value) = std::env::var(var).ok().filter(|value| !value.trim().is_empty()) {
                *url = value;
            }
        }
        if let Ok(worker) = std::env::var(WORKER_VAR) {
            config.worker_command = worker_command(&worker)?;
        }
        if let Ok(backend) = std::env::var(BACKEND_VAR) {
            config.backend = backend.parse()?;
        }
        if let Ok(slots) = std::env::var(GPU_SLOTS_VAR) {
            config.gpu_slots = slots.split_whitespace().map(String::from).collect();
        }
        if let Ok(names) = std::env::var(WORKER_ENV_VAR) {
            config.worker_env = WorkerEnvironment::parse_extra(&names);
            WorkerEnvironment::new(&config.worker_env)
                .map_err(|e| ServiceError::invalid(Code::InvalidWorkerEnv, format!("{WORKER_ENV_VAR}: {e}")))?;
        }
        for (var, age) in
            [(KEEP_RUNS_VAR, &mut config.retention.finished_runs), (KEEP_SCRATCH_VAR, &mut config.retention.scratch)]
        {
            if let Ok(text) = std::env::var(var) {
                *age = parse_age(&text)
                    .map_err(|e| ServiceError::invalid(Code::InvalidRetention, format!("{var}: {e}")))?;
            }
        }
        Ok(config)
    }

    /// The SQLite database file the configuration names, if it names one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        (rest != ":memory:").then(|| PathBuf::from(rest.trim_start_matches("//")))
    }

    /// Where the local backend keeps its runs.
    pub fn runs_dir(&self) -> PathBuf {
        self.home.join("runs")
    }

    /// Where the Ray backend keeps its handle key and, on a shared filesystem, each
    /// attempt's output.
    pub fn ray_runs_dir(&self) -> PathBuf {
        self.home.join("ray")
    }

    /// Where the Slurm backend keeps its handle key and each attempt's run directory (its
    /// record, output and adapter): the cluster's nodes must see it at the same path.
    pub fn slurm_runs_dir(&self) -> PathBuf {
        self.home.join("slurm")
    }

    /// Scratch space for downloads and conversions.
    pub fn scratch_dir(&self) -> PathBuf {
        self.home.join("scratch")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_command_is_split_as_a_shell_would_and_its_relative_program_made_absolute() {
        let words = worker_command("python3 -m brightrun_trainer").unwrap();
        assert_eq!(words, ["python3", "-m", "brightrun_trainer"], "a program on PATH stays as it is");
        let quoted = worker_command("'/opt/my env/bin/python' -m brightrun_trainer --flag=\"a b\"").unwrap();
        assert_eq!(quoted, ["/opt/my env/bin/python", "-m", "brightrun_trainer", "--flag=a b"]);
        let relative = worker_command(".venv/bin/python -m brightrun_trainer").unwrap();
        let expected = std::env::current_dir().unwrap().join(".venv/bin/python");
        assert_eq!(relative[0], expected.display().to_string());
        for bad in ["", "   ", "python3 'unclosed"] {
            let error = worker_command(bad).unwrap_err();
            assert_eq!(crate::ErrorCode::code(&error), "invalid_worker", "{bad:?}");
            assert!(error.to_string().contains(WORKER_VAR), "{error}");
        }
    }
}
