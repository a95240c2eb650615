//! An orchestrator a binding runs in the background of its host process, on the binding's
//! own runtime: started, asked whether it runs, stopped.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::orchestrator::{Orchestrator, OrchestratorOptions, PassReport};
use crate::service::{BrightRun, ServiceError};

/// How often a binding's orchestrator looks for work: often, since a notebook or a web app
/// waits on it.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The orchestrator of a binding, polling every [`POLL_INTERVAL`].
pub fn orchestrator(app: &BrightRun) -> Orchestrator {
    Orchestrator::new(app.clone(), OrchestratorOptions { poll_interval: POLL_INTERVAL, ..Default::default() })
}

/// One pass's counts as JSON (`datasets_validated`, `jobs_submitted`, `jobs_followed`,
/// `errors`): what a binding's `run_once` answers.
pub fn pass_report(report: &PassReport) -> Value {
    json!({
        "datasets_validated": report.datasets_validated,
        "jobs_submitted": report.jobs_submitted,
        "jobs_followed": report.jobs_followed,
        "errors": report.errors,
    })
}

/// A description of a service's parts as JSON: home, database (its scheme only: a URL may
/// hold a password), storage URL, worker command.
pub fn describe(app: &BrightRun) -> Value {
    let config = app.config();
    json!({
        "home": config.home,
        "database": config.database_url.split(':').next().unwrap_or_default(),
        "storage_url": config.storage_url,
        "worker_command": config.worker_command,
    })
}

/// An orchestrator running in the background, and how to stop it. The binding spawns the
/// future [`Background::start`] returns on its runtime (the core creates none).
///
/// ```no_run
/// # async fn demo(app: brightrun_core::service::BrightRun) -> Result<(), brightrun_core::service::ServiceError> {
/// use brightrun_core::service::operations::Background;
///
/// let (background, work) = Background::start(&app);
/// tokio::spawn(work);
/// assert!(background.running());
/// background.stop().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Background {
    stop: oneshot::Sender<()>,
    outcome: oneshot::Receiver<Result<(), ServiceError>>,
    finished: Arc<AtomicBool>,
}

impl Background {
    /// The handle of a new background orchestrator, and the work to spawn.
    pub fn start(app: &BrightRun) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let orchestrator = orchestrator(app);
        let (stop, stopped) = oneshot::channel::<()>();
        let (report, outcome) = oneshot::channel();
        let finished = Arc::new(AtomicBool::new(false));
        let done = Finished(Arc::clone(&finished));
        let work = async move {
            let _done = done;
            let ended = orchestrator
                .run(async {
                    let _ = stopped.await;
                })
                .await;
            let _ = report.send(ended);
        };
        (Self { stop, outcome, finished }, work)
    }

    /// Whether it still runs (it stops on [`Background::stop`] or on an error).
    pub fn running(&self) -> bool {
        !self.finished.load(Ordering::Acquire)
    }

    /// Stops it after its pass in progress and waits for it; the error it stopped with, if
    /// any. Work that was never spawned (or panicked) is an internal error.
    pub async fn stop(self) -> Result<(), ServiceError> {
        let _ = self.stop.send(());
        match self.outcome.await {
            Ok(outcome) => outcome,
            Err(_) => Err(ServiceError::internal("the background orchestrator stopped without an outcome")),
        }
    }
}

/// Marks the work finished when it ends, a panic included.
struct Finished(Arc<AtomicBool>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}
