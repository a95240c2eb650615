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
//!   ([`errors::to_py_err`]); a panic is a `brightrun.InternalError` ([`panics`]).
//! - **Sync functions release the interpreter** while Rust works (`py.detach`); async ones
//!   return an `asyncio` future completed from the binding's tokio runtime
//!   ([`runtime::spawn_future`]).
//!
//! Adding a function is a few lines: parse the arguments, call the core inside
//! [`run_detached`] or [`runtime::spawn_future`], return its JSON.

/// mimalloc for the Rust side, as in the CLI: about twice as fast as the system allocator
/// for the validator's small allocations. Only this library's allocations use it; the
/// host's objects are built by copying, never freed across the boundary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod client;
mod errors;
mod panics;
mod progress;
mod runtime;
#[cfg(feature = "test-hooks")]
mod test_hooks;

use std::path::PathBuf;
use std::sync::Arc;

use brightrun_core::Error as CoreError;
use brightrun_core::config::{BASE_MODEL_CATALOG, GPU_CATALOG, HYPERPARAMETERS, Preset};
use brightrun_core::dataset::{ConvertSummary, FlatConvertOptions, FlatValidateOptions, Progress, ValidationReport};
use brightrun_core::estimate::{EstimateOptions, FlatEstimateOptions};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::progress::PyProgress;

/// `value` as JSON text, the way the CLI prints it.
fn to_json<T: Serialize + ?Sized>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(format!("cannot serialise a result: {e}")))
}

/// Runs `work` with the interpreter released, and serialises its result.
fn run_detached<T, E, F>(py: Python<'_>, work: F) -> PyResult<String>
where
    T: Serialize + Send,
    E: Into<errors::NativeError>,
    F: FnOnce() -> Result<T, E> + Send,
{
    let value = py.detach(|| panics::catch(work)).map_err(|e| e.into_py_err(py))?;
    to_json(&value)
}

/// The core's options from the JSON object `brightrun.estimate` sends: a JSON type error
/// (text for a count) is a `TypeError`; a bad value raises the core's coded error.
fn estimate_options(py: Python<'_>, json: &str) -> PyResult<EstimateOptions> {
    let flat: FlatEstimateOptions =
        serde_json::from_str(json).map_err(|e| PyTypeError::new_err(format!("invalid estimate options: {e}")))?;
    flat.into_options().map_err(|e| errors::to_py_err(py, &e))
}

/// Options sent as a JSON object (the core's `Flat*Options`): a wrong shape is a `TypeError`.
fn parse_options<T: DeserializeOwned>(function: &str, json: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| PyTypeError::new_err(format!("invalid {function} options: {e}")))
}

/// A dataset as Python gives it: the path of a file, or its bytes (records the Python layer
/// wrote as JSON Lines, or a file's content).
#[derive(FromPyObject)]
enum DatasetSource {
    /// A file.
    Path(PathBuf),
    /// Bytes in memory.
    Bytes(Vec<u8>),
}

impl DatasetSource {
    /// Its size in bytes, for a progress bar (0 when unknown).
    fn size(&self) -> u64 {
        match self {
            DatasetSource::Path(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
            DatasetSource::Bytes(bytes) => bytes.len() as u64,
        }
    }

    fn validate(&self, options: &FlatValidateOptions, hook: Option<Progress>) -> Result<ValidationReport, CoreError> {
        match self {
            DatasetSource::Path(path) => options.validate(path, hook),
            DatasetSource::Bytes(bytes) => options.validate_bytes(bytes, hook),
        }
    }

    fn convert(
        &self,
        options: &FlatConvertOptions,
        out_dir: &std::path::Path,
        hook: Option<Progress>,
    ) -> Result<ConvertSummary, CoreError> {
        match self {
            DatasetSource::Path(path) => options.convert(path, out_dir, hook),
            DatasetSource::Bytes(bytes) => options.convert_bytes(bytes, out_dir, hook),
        }
    }
}

/// The progress callback of a dataset's work and the core's hook into it.
fn progress_of(callback: Option<Py<PyAny>>, source: &DatasetSource) -> (Option<Arc<PyProgress>>, Option<Progress>) {
    let progress = callback.map(|callback| PyProgress::new(callback, source.size()));
    let hook = progress.as_ref().map(PyProgress::hook);
    (progress, hook)
}

/// Runs `work` with the interpreter released and a progress callback; an exception the
/// callback raised is raised instead of the result.
fn run_with_progress<T, F>(py: Python<'_>, progress: Option<Arc<PyProgress>>, work: F) -> PyResult<String>
where
    T: Serialize + Send,
    F: FnOnce() -> Result<T, brightrun_core::Error> + Send,
{
    let json = run_detached(py, work);
    match progress.and_then(|p| p.take_error()) {
        Some(error) => Err(error),
        None => json,
    }
}

/// [`runtime::spawn_future`] with a progress callback; an exception the callback raised is
/// reported as unraisable (the future has its own outcome).
fn spawn_with_progress<'py, T, F>(
    py: Python<'py>,
    progress: Option<Arc<PyProgress>>,
    work: F,
) -> PyResult<Bound<'py, PyAny>>
where
    T: Serialize,
    F: FnOnce() -> Result<T, brightrun_core::Error> + Send + 'static,
{
    runtime::spawn_future(py, move || {
        let outcome = work();
        if let Some(error) = progress.and_then(|p| p.take_error()) {
            runtime::with_interpreter(|py| error.write_unraisable(py, None));
        }
        outcome
    })
}

/// The native module. Every function returns JSON text; see `_native.pyi`.
#[pymodule]
mod _native {
    use super::*;

    /// Hooks the runtime's hand-over of results into interpreter exit.
    #[pymodule_export]
    use crate::client::Client;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        #[cfg(feature = "test-hooks")]
        test_hooks::register(m)?;
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

    /// The hyperparameters a job may set, as the JSON of `brightrun hyperparameters --json`.
    #[pyfunction]
    fn hyperparameters() -> PyResult<String> {
        to_json(&HYPERPARAMETERS)
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

    /// A validation of the dataset `source` (a path, or bytes) with its options as JSON (the
    /// core's `FlatValidateOptions`), as the JSON of `brightrun validate --json`. The
    /// interpreter is released meanwhile; `progress(bytes_read, total_bytes)` is called at
    /// most every 100 ms, and an exception it raises is raised after the validation.
    #[pyfunction]
    #[pyo3(signature = (source, options, progress=None))]
    fn validate(py: Python<'_>, source: DatasetSource, options: &str, progress: Option<Py<PyAny>>) -> PyResult<String> {
        let options: FlatValidateOptions = parse_options("validate", options)?;
        let (progress, hook) = progress_of(progress, &source);
        run_with_progress(py, progress, move || source.validate(&options, hook))
    }

    /// [`validate`] on the binding's runtime: an `asyncio` future of the same JSON.
    #[pyfunction]
    #[pyo3(signature = (source, options, progress=None))]
    fn validate_async<'py>(
        py: Python<'py>,
        source: DatasetSource,
        options: &str,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options: FlatValidateOptions = parse_options("validate", options)?;
        let (progress, hook) = progress_of(progress, &source);
        spawn_with_progress(py, progress, move || source.validate(&options, hook))
    }

    /// A conversion of the dataset `source` (a path, or bytes) into `out_dir` (the core's
    /// `FlatConvertOptions` as JSON), as the JSON of `brightrun convert --json`; see
    /// [`validate`] for `progress`.
    #[pyfunction]
    #[pyo3(signature = (source, out_dir, options, progress=None))]
    fn convert(
        py: Python<'_>,
        source: DatasetSource,
        out_dir: PathBuf,
        options: &str,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let options: FlatConvertOptions = parse_options("convert", options)?;
        let (progress, hook) = progress_of(progress, &source);
        run_with_progress(py, progress, move || source.convert(&options, &out_dir, hook))
    }

    /// [`convert`] on the binding's runtime: an `asyncio` future of the same JSON.
    #[pyfunction]
    #[pyo3(signature = (source, out_dir, options, progress=None))]
    fn convert_async<'py>(
        py: Python<'py>,
        source: DatasetSource,
        out_dir: PathBuf,
        options: &str,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options: FlatConvertOptions = parse_options("convert", options)?;
        let (progress, hook) = progress_of(progress, &source);
        spawn_with_progress(py, progress, move || source.convert(&options, &out_dir, hook))
    }
}
