//! Hooks for the binding's own tests, compiled only with the `test-hooks` feature (which
//! `scripts/test` builds with; a release wheel has none): native functions that panic, to
//! check that a panic reaches Python as `brightrun.InternalError`.

use pyo3::prelude::*;

use crate::{run_detached, runtime};

/// `_native._panic(message)`: panics in sync native work.
#[pyfunction]
#[pyo3(name = "_panic")]
fn panic_now(py: Python<'_>, message: String) -> PyResult<String> {
    run_detached(py, move || -> Result<(), brightrun_core::Error> { panic!("{message}") })
}

/// `_native._panic_async(message)`: an awaitable whose work panics on the runtime.
#[pyfunction]
#[pyo3(name = "_panic_async")]
fn panic_async<'py>(py: Python<'py>, message: String) -> PyResult<Bound<'py, PyAny>> {
    runtime::spawn_future(py, move || -> Result<(), brightrun_core::Error> { panic!("{message}") })
}

/// Sets the hooks on the native module, as private attributes outside its `__all__`, so
/// the module's public surface (and `stubtest`'s view of it) is the same with or without
/// them.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.setattr("_panic", wrap_pyfunction!(panic_now, module)?)?;
    module.setattr("_panic_async", wrap_pyfunction!(panic_async, module)?)
}
