//! The embedded default as the CLI uses it: one local user, a runtime, the opened app.
//!
//! Everything lives under `$BRIGHTRUN_HOME` (default `~/.brightrun`): the SQLite database,
//! the storage directory, the runs of the local process backend and scratch space.

use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::{BrightRun, BrightRunConfig};

use crate::error::CliError;
use crate::trainer;

pub use brightrun_core::service::LOCAL_USER;

/// A multi-threaded tokio runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage("runtime_failed", format!("starting the async runtime: {e}")))
}

/// Runs one async command on a fresh runtime.
pub fn block_on<T>(command: impl Future<Output = Result<T, CliError>>) -> Result<T, CliError> {
    runtime()?.block_on(command)
}

/// The embedded default at `$BRIGHTRUN_HOME`.
pub async fn open() -> Result<BrightRun, CliError> {
    Ok(BrightRun::open_default().await?)
}

/// The embedded default at `$BRIGHTRUN_HOME`, for commands that run workers: fails
/// (exit 2, `trainer_not_found`, nothing created) when no trainer can run. Applies the
/// retention rule to the home's runs and scratch space.
pub async fn open_to_train() -> Result<BrightRun, CliError> {
    let mut config = BrightRunConfig::from_env()?;
    trainer::require(&mut config)?;
    let app = BrightRun::open(config).await?;
    sweep(&app).await;
    Ok(app)
}

/// Applies the retention rule; a failure is a warning (the next sweep tries again).
pub async fn sweep(app: &BrightRun) {
    if let Err(e) = app.sweep_local_files().await {
        eprintln!("warning: the retention sweep of {} failed: {e}", app.config().home.display());
    }
}

/// An orchestrator over `app` that polls often (the CLI waits on it in the foreground).
pub fn orchestrator(app: &BrightRun) -> Orchestrator {
    let options = OrchestratorOptions { poll_interval: std::time::Duration::from_millis(250), ..Default::default() };
    Orchestrator::new(app.clone(), options)
}
