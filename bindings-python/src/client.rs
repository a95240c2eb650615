//! `brightrun._native.Client`: the core service ([`BrightRun`]) and, optionally, an
//! orchestrator running in the background on the binding's runtime.
//!
//! One method, [`Client::call`] (and [`Client::call_async`]), runs any service operation
//! by name with its arguments as a JSON object and returns the core's JSON: the Python
//! layer (`brightrun._client`) gives each operation its typed signature and result.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::operations::{self, OpenOptions};
use brightrun_core::service::{BrightRun, ServiceError};
use pyo3::prelude::*;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::errors::NativeError;
use crate::{panics, runtime, to_json};

/// How often the background orchestrator looks for work.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// An orchestrator running on the runtime, and how to stop it.
struct Worker {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServiceError>>,
}

/// An open BrightRun: the service, and the background orchestrator while it runs.
#[pyclass(frozen, module = "brightrun._native")]
pub struct Client {
    app: BrightRun,
    worker: Mutex<Option<Worker>>,
}

impl Client {
    fn worker(&self) -> std::sync::MutexGuard<'_, Option<Worker>> {
        self.worker.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn orchestrator(&self) -> Orchestrator {
        Orchestrator::new(self.app.clone(), OrchestratorOptions { poll_interval: POLL_INTERVAL, ..Default::default() })
    }
}

#[pymethods]
impl Client {
    /// Opens the service from its options as JSON; the interpreter is released meanwhile.
    #[new]
    fn new(py: Python<'_>, options: &str) -> PyResult<Self> {
        let options: OpenOptions = crate::parse_options("BrightRun", options)?;
        let runtime = runtime::runtime()?;
        let app = py
            .detach(|| {
                panics::catch(|| -> Result<BrightRun, ServiceError> {
                    let config = options.config()?;
                    runtime.block_on(BrightRun::open(config))
                })
            })
            .map_err(|e| e.into_py_err(py))?;
        Ok(Self { app, worker: Mutex::new(None) })
    }

    /// A description of the service's parts, as JSON: home, database, storage, worker.
    fn describe(&self) -> PyResult<String> {
        let config = self.app.config();
        to_json(&serde_json::json!({
            "home": config.home,
            // The scheme only: a URL may hold a password.
            "database": config.database_url.split(':').next().unwrap_or_default(),
            "storage_url": config.storage_url,
            "worker_command": config.worker_command,
        }))
    }

    /// Runs the service operation `method` for `user` with `args` (a JSON object), and
    /// returns its result as JSON; the interpreter is released meanwhile.
    fn call(&self, py: Python<'_>, method: &str, user: &str, args: &str) -> PyResult<String> {
        let (app, method, user, args) = (self.app.clone(), method.to_owned(), user.to_owned(), args.to_owned());
        let runtime = runtime::runtime()?;
        crate::run_detached(py, move || runtime.block_on(call(&app, &method, &user, &args)))
    }

    /// [`Client::call`] on the binding's runtime: an `asyncio` future of the same JSON.
    fn call_async<'py>(&self, py: Python<'py>, method: &str, user: &str, args: &str) -> PyResult<Bound<'py, PyAny>> {
        let (app, method, user, args) = (self.app.clone(), method.to_owned(), user.to_owned(), args.to_owned());
        let handle = runtime::runtime()?.handle().clone();
        runtime::spawn_future(py, move || handle.block_on(call(&app, &method, &user, &args)))
    }

    /// Starts the orchestrator in the background (validation, launching, following jobs),
    /// unless it runs already.
    fn start_worker(&self) -> PyResult<()> {
        let mut worker = self.worker();
        if worker.as_ref().is_some_and(|w| !w.task.is_finished()) {
            return Ok(());
        }
        let orchestrator = self.orchestrator();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = runtime::runtime()?.spawn(async move {
            orchestrator
                .run(async {
                    let _ = stopped.await;
                })
                .await
        });
        *worker = Some(Worker { stop, task });
        Ok(())
    }

    /// Whether the background orchestrator runs.
    fn worker_running(&self) -> bool {
        self.worker().as_ref().is_some_and(|w| !w.task.is_finished())
    }

    /// Stops the background orchestrator after its pass in progress, and waits for it;
    /// the interpreter is released meanwhile. Raises the error it stopped with, if any.
    fn stop_worker(&self, py: Python<'_>) -> PyResult<()> {
        let Some(worker) = self.worker().take() else { return Ok(()) };
        let _ = worker.stop.send(());
        let runtime = runtime::runtime()?;
        py.detach(|| {
            panics::catch(|| match runtime.block_on(worker.task) {
                Ok(outcome) => outcome,
                Err(e) => Err(ServiceError::internal(format!("the background orchestrator stopped: {e}"))),
            })
        })
        .map_err(|e| e.into_py_err(py))
    }

    /// One orchestrator pass (validation, launching, following), as JSON counts.
    fn run_once(&self, py: Python<'_>) -> PyResult<String> {
        let orchestrator = self.orchestrator();
        let runtime = runtime::runtime()?;
        let report =
            py.detach(|| panics::catch(|| runtime.block_on(orchestrator.run_once()))).map_err(|e| e.into_py_err(py))?;
        to_json(&serde_json::json!({
            "datasets_validated": report.datasets_validated,
            "jobs_submitted": report.jobs_submitted,
            "jobs_followed": report.jobs_followed,
            "errors": report.errors,
        }))
    }
}

/// The core's operation by name ([`operations::call`]), its errors as the binding's.
async fn call(app: &BrightRun, method: &str, user: &str, args: &str) -> Result<serde_json::Value, NativeError> {
    operations::call(app, method, user, args).await.map_err(NativeError::from)
}
