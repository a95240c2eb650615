//! `brightrun._native.Client`: the core service ([`BrightRun`]) and, optionally, an
//! orchestrator running in the background on the binding's runtime.
//!
//! One method, [`Client::call`] (and [`Client::call_async`]), runs any service operation
//! by name with its arguments as a JSON object and returns the core's JSON: the Python
//! layer (`brightrun._client`) gives each operation its typed signature and result.

use std::sync::{Mutex, PoisonError};

use brightrun_core::service::operations::{self, Background, OpenOptions};
use brightrun_core::service::{BrightRun, ServiceError};
use pyo3::prelude::*;

use crate::errors::NativeError;
use crate::{panics, runtime, to_json};

/// An open BrightRun: the service, and the background orchestrator while it runs.
#[pyclass(frozen, module = "brightrun._native")]
pub struct Client {
    app: BrightRun,
    worker: Mutex<Option<Background>>,
}

impl Client {
    fn worker(&self) -> std::sync::MutexGuard<'_, Option<Background>> {
        self.worker.lock().unwrap_or_else(PoisonError::into_inner)
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
        to_json(&operations::describe(&self.app))
    }

    /// Runs the service operation `method` for `user` with `args` (a JSON object), and
    /// returns its result as JSON; the interpreter is released meanwhile.
    fn call(&self, py: Python<'_>, method: &str, user: &str, args: &str) -> PyResult<String> {
        let (app, method, user, args) = (self.app.clone(), method.to_owned(), user.to_owned(), args.to_owned());
        let runtime = runtime::runtime()?;
        py.detach(|| panics::catch(|| runtime.block_on(call(&app, &method, &user, &args))))
            .map_err(|e| e.into_py_err(py))
    }

    /// [`Client::call`] on the binding's runtime: an `asyncio` future of the same JSON.
    fn call_async<'py>(&self, py: Python<'py>, method: &str, user: &str, args: &str) -> PyResult<Bound<'py, PyAny>> {
        let (app, method, user, args) = (self.app.clone(), method.to_owned(), user.to_owned(), args.to_owned());
        let handle = runtime::runtime()?.handle().clone();
        runtime::spawn_json(py, move || handle.block_on(call(&app, &method, &user, &args)))
    }

    /// Starts the orchestrator in the background (validation, launching, following jobs),
    /// unless it runs already.
    fn start_worker(&self) -> PyResult<()> {
        let mut worker = self.worker();
        if worker.as_ref().is_some_and(Background::running) {
            return Ok(());
        }
        let (background, work) = Background::start(&self.app);
        runtime::runtime()?.spawn(work);
        *worker = Some(background);
        Ok(())
    }

    /// Whether the background orchestrator runs.
    fn worker_running(&self) -> bool {
        self.worker().as_ref().is_some_and(Background::running)
    }

    /// Stops the background orchestrator after its pass in progress, and waits for it;
    /// the interpreter is released meanwhile. Raises the error it stopped with, if any.
    fn stop_worker(&self, py: Python<'_>) -> PyResult<()> {
        let Some(worker) = self.worker().take() else { return Ok(()) };
        let runtime = runtime::runtime()?;
        py.detach(|| panics::catch(|| runtime.block_on(worker.stop()))).map_err(|e| e.into_py_err(py))
    }

    /// One orchestrator pass (validation, launching, following), as JSON counts.
    fn run_once(&self, py: Python<'_>) -> PyResult<String> {
        let orchestrator = operations::orchestrator(&self.app);
        let runtime = runtime::runtime()?;
        let report =
            py.detach(|| panics::catch(|| runtime.block_on(orchestrator.run_once()))).map_err(|e| e.into_py_err(py))?;
        to_json(&operations::pass_report(&report))
    }
}

/// The core's operation by name ([`operations::call`]), its errors as the binding's.
async fn call(app: &BrightRun, method: &str, user: &str, args: &str) -> Result<String, NativeError> {
    operations::call(app, method, user, args).await.map_err(NativeError::from)
}
