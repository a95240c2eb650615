//! Python bindings of BrightRun: the private native module `brightrun._native`.
//!
//! The public API is the pure-Python package `brightrun` (`python/brightrun`), which calls
//! this module and turns its answers into typed dataclasses. Three rules keep the two
//! layers small and in step with the CLI:
//!
//! - **Arguments and results cross as JSON text.** Arguments become the core's
//!   [`FlatEstimateOptions`], which checks them with the same codes the Node binding
//!   reports; results are the core's own serialisation, the bytes `brightrun ... --json`
//!   prints, which the Python layer parses (money as `Decimal`).
//! - **Errors cross as `brightrun` exceptions** with the core's stable code
//!   ([`errors::to_py_err`]).
//! - **Sync functions release the interpreter** while Rust works (`py.detach`); async ones
//!   return an `asyncio` future completed from the binding's tokio runtime
//!   ([`runtime::spawn_future`]).
//!
//! Adding a function is a few lines: parse the arguments, call the core inside
//! [`run_detached`] or [`runtime::spawn_future`], return its JSON.

mod errors;
mod runtime;

use brightrun_core::config::{BASE_MODEL_CATALOG, GPU_CATALOG, Preset};
use brightrun_core::estimate::{EstimateOptions, FlatEstimateOptions};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use serde::Serialize;

/// `value` as JSON text, the way the CLI prints it.
fn to_json<T: Serialize + ?Sized>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(format!("cannot serialise a result: {e}")))
}

/// Runs `work` with the interpreter released, and serialises its result.
fn run_detached<T, F>(py: Python<'_>, work: F) -> PyResult<String>
where
    T: Serialize + Send,
    F: FnOnce() -> Result<T, brightrun_core::Error> + Send,
{
    let value = py.detach(work).map_err(|e| errors::to_py_err(py, &e))?;
    to_json(&value)
}

/// The core's options from the JSON object `brightrun.estimate` sends: a JSON type error
/// (text for a count) is a `TypeError`; a bad value raises the core's coded error.
fn estimate_options(py: Python<'_>, json: &str) -> PyResult<EstimateOptions> {
    let flat: FlatEstimateOptions =
        serde_json::from_str(json).map_err(|e| PyTypeError::new_err(format!("invalid estimate options: {e}")))?;
    flat.into_options().map_err(|e| errors::to_py_err(py, &e))
}

/// The native module. Every function returns JSON text; see `_native.pyi`.
#[pymodule]
mod _native {
    use super::*;

    /// Hooks the runtime's hand-over of results into interpreter exit.
    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        runtime::register_exit_hook(m.py())
    }

    /// The hyperparameter presets, as the JSON of `brightrun presets --json`.
    #[pyfunction]
    fn presets() -> PyResult<String> {
        to_json(&Preset::summaries())
    }

    /// The GPU catalog, as the JSON of `brightrun gpus --json`.
    #[pyfunction]
    fn gpus() -> PyResult<String> {
        to_json(GPU_CATALOG)
    }

    /// The base-model catalog, as the JSON of `brightrun base-models --json`.
    #[pyfunction]
    fn base_models() -> PyResult<String> {
        to_json(BASE_MODEL_CATALOG)
    }

    /// An estimate from its options as JSON (the core's `FlatEstimateOptions`), as the JSON
    /// of `brightrun estimate --json`; the interpreter is released
    /// while the model config is read and the estimate computed.
    #[pyfunction]
    fn estimate(py: Python<'_>, options: &str) -> PyResult<String> {
        let options = estimate_options(py, options)?;
        run_detached(py, move || options.estimate())
    }

    /// [`estimate`] on the binding's runtime: an `asyncio` future of the same JSON, created
    /// on the running event loop (raises `RuntimeError` outside one).
    #[pyfunction]
    fn estimate_async<'py>(py: Python<'py>, options: &str) -> PyResult<Bound<'py, PyAny>> {
        let options = estimate_options(py, options)?;
        runtime::spawn_future(py, move || options.estimate())
    }
}
