//! The binding's tokio runtime, and the bridge from its tasks to `asyncio` futures.
//!
//! The core never creates a runtime; this binding owns exactly one, created on first use.
//! It is kept with the id of the process that created it: after `fork()` the child has
//! none of the parent's runtime threads, so a child that needs the runtime builds its own
//! and abandons (never drops, which would wait on threads that do not exist) the copy it
//! inherited. That is why this is a `Mutex<Option<..>>` and not a `OnceLock`.
//!
//! Runtime threads are foreign to Python, and a foreign thread that needs the interpreter
//! while it finalises is killed inside Python (`pthread_exit`), which aborts a Rust thread.
//! Results are therefore handed over through a [`Gate`]: an `atexit` hook closes it and
//! waits for the hand-overs in progress, and a result that arrives later is dropped (its
//! caller's event loop is gone anyway).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use serde::Serialize;
use tokio::runtime::Runtime;

use brightrun_core::service::ServiceError;

use crate::errors::NativeError;
use crate::panics::{self, Failure};

/// The runtime and the process that built it.
static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// Worker threads: the work is short and mostly blocking (files, CPU); blocking work runs
/// on tokio's separate blocking pool.
const WORKER_THREADS: usize = 2;

/// The binding's runtime, built on first use in this process.
pub fn runtime() -> PyResult<Arc<Runtime>> {
    let mut slot = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if let Some((owner, runtime)) = slot.as_ref()
        && *owner == pid
    {
        return Ok(Arc::clone(runtime));
    }
    if let Some((_, inherited)) = slot.take() {
        // Forked child: the runtime's threads stayed in the parent. Dropping it would join them.
        std::mem::forget(inherited);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .thread_name("brightrun-runtime")
        .build()
        .map(Arc::new)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the brightrun runtime: {e}")))?;
    *slot = Some((pid, Arc::clone(&runtime)));
    Ok(runtime)
}

/// Runs blocking `work` on the runtime and returns an `asyncio` future, created on the
/// running event loop, that completes with its result as JSON text or with the
/// `brightrun` exception for its error (`brightrun.InternalError` if it panics).
///
/// Raises `RuntimeError` when no event loop is running in this thread, as every native
/// awaitable does; the Python layer calls this from an `async def`.
pub fn spawn_future<'py, T, E, F>(py: Python<'py>, work: F) -> PyResult<Bound<'py, PyAny>>
where
    T: Serialize,
    E: Into<NativeError>,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    spawn_json(py, move || {
        let value = work().map_err(Into::into)?;
        serde_json::to_string(&value)
            .map_err(|e| NativeError::Service(ServiceError::internal(format!("cannot serialise a result: {e}"))))
    })
}

/// [`spawn_future`] of work whose result is JSON text already (a service call's).
pub fn spawn_json<'py, F>(py: Python<'py>, work: F) -> PyResult<Bound<'py, PyAny>>
where
    F: FnOnce() -> Result<String, NativeError> + Send + 'static,
{
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let future = event_loop.call_method0("create_future")?;
    let (event_loop, target) = (event_loop.unbind(), future.clone().unbind());
    runtime()?.spawn_blocking(move || {
        // A panic here would end the task and leave the future pending for ever.
        let outcome = panics::catch(work);
        // None: the interpreter is finalising and nobody is waiting any more.
        with_interpreter(|py| deliver(py, &event_loop, &target, outcome));
    });
    Ok(future)
}

/// Runs `f` attached to the interpreter from any thread, unless the interpreter is exiting
/// (then `None`): how runtime threads hand over results and report progress.
pub fn with_interpreter<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    let _open = Gate::enter()?;
    Python::try_attach(f)
}

/// Hand-overs of results to the interpreter in progress, and whether it is exiting.
struct Gate {
    closed: bool,
    delivering: usize,
}

static GATE: Mutex<Gate> = Mutex::new(Gate { closed: false, delivering: 0 });
static GATE_CHANGED: Condvar = Condvar::new();

/// A hand-over in progress; dropping it ends the hand-over.
struct Delivering;

impl Gate {
    fn lock() -> MutexGuard<'static, Gate> {
        GATE.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a hand-over, unless the interpreter is exiting.
    fn enter() -> Option<Delivering> {
        let mut gate = Self::lock();
        if gate.closed {
            return None;
        }
        gate.delivering += 1;
        Some(Delivering)
    }
}

impl Drop for Delivering {
    fn drop(&mut self) {
        Gate::lock().delivering -= 1;
        GATE_CHANGED.notify_all();
    }
}

/// Closes the gate and waits, detached, for the hand-overs in progress. Registered with
/// `atexit`, so it runs while the interpreter is still whole.
#[pyfunction]
fn close_gate(py: Python<'_>) {
    py.detach(|| {
        let mut gate = Gate::lock();
        gate.closed = true;
        while gate.delivering > 0 {
            gate = GATE_CHANGED.wait(gate).unwrap_or_else(PoisonError::into_inner);
        }
    });
}

/// Registers [`close_gate`] to run at interpreter exit; called when the module loads.
pub fn register_exit_hook(py: Python<'_>) -> PyResult<()> {
    let hook = wrap_pyfunction!(close_gate, py)?;
    py.import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}

/// Hands `outcome` to the event loop's thread, which sets it on `future`.
fn deliver(py: Python<'_>, event_loop: &Py<PyAny>, future: &Py<PyAny>, outcome: Result<String, Failure>) {
    let (ok, value): (bool, Py<PyAny>) = match outcome.map_err(|e| e.into_py_err(py)) {
        Ok(json) => (true, pyo3::types::PyString::new(py, &json).into_any().unbind()),
        Err(error) => (false, error.into_value(py).into_any()),
    };
    let delivered = wrap_pyfunction!(resolve, py)
        .and_then(|resolve| event_loop.call_method1(py, "call_soon_threadsafe", (resolve, future, ok, value)));
    if let Err(error) = delivered {
        // A closed loop means the caller has gone and nobody waits: nothing to report.
        // Anything else is a bug; report it like any error nobody can catch.
        let closed = event_loop.call_method0(py, "is_closed").and_then(|c| c.is_truthy(py)).unwrap_or(true);
        if !closed {
            error.write_unraisable(py, Some(future.bind(py)));
        }
    }
}

/// Sets a result or an exception on `future`, unless it is already done (cancelled).
/// Runs on the event loop's thread.
#[pyfunction]
fn resolve(future: &Bound<'_, PyAny>, ok: bool, value: &Bound<'_, PyAny>) -> PyResult<()> {
    if future.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    future.call_method1(if ok { "set_result" } else { "set_exception" }, (value,))?;
    Ok(())
}
