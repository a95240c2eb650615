//! A panic in native work becomes a `brightrun.InternalError` (code `internal`), raised
//! where the caller waits: never a pending awaitable (a panic on a runtime thread would
//! otherwise end that task silently and leave its future unresolved for ever), never a
//! `BaseException` that `except Exception` misses.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::prelude::*;

use crate::errors;

/// Why native work gave no result.
pub enum Failure {
    /// The core or the service reported an error.
    Error(errors::NativeError),
    /// The work panicked, with this message.
    Panic(String),
}

impl Failure {
    /// The `brightrun` exception for it.
    pub fn into_py_err(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Error(error) => error.to_py_err(py),
            Failure::Panic(message) => errors::internal(py, &format!("a bug in brightrun's native code: {message}")),
        }
    }
}

/// Runs `work`, turning a panic into [`Failure::Panic`]. The work's values are dropped
/// with the panic, so nothing half-changed is seen again (the unwind-safety concern).
pub fn catch<T, E: Into<errors::NativeError>>(work: impl FnOnce() -> Result<T, E>) -> Result<T, Failure> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(outcome) => outcome.map_err(|e| Failure::Error(e.into())),
        Err(payload) => Err(Failure::Panic(message(payload.as_ref()))),
    }
}

/// The text a panic was raised with.
fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
