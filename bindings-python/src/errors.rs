//! Core errors as Python exceptions.
//!
//! The exception classes are plain Python (`brightrun/_errors.py`: docstrings, `.code`,
//! pickling); this module only decides which class a core error becomes and builds it with
//! the error's message and stable code.

use brightrun_core::blob::BlobError;
use brightrun_core::estimate::EstimateError;
use brightrun_core::service::{OperationError, ServiceError};
use brightrun_core::store::StoreError;
use brightrun_core::{Error, ErrorCode};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The Python module that defines the exception classes.
const ERRORS_MODULE: &str = "brightrun._errors";

/// The name of the `brightrun` exception class for a core error: one class per concern.
///
/// An estimate error that wraps a hyperparameter or catalog error is reported as that
/// concern, so `except brightrun.CatalogError` catches an unknown GPU wherever it arose.
pub fn class_name(error: &Error) -> &'static str {
    match error {
        Error::Hyperparameters(_) | Error::Estimate(EstimateError::Hyperparameters(_)) => "HyperparameterError",
        Error::Catalog(_) | Error::Estimate(EstimateError::Catalog(_)) => "CatalogError",
        Error::Estimate(_) => "EstimateError",
        Error::Money(_) => "MoneyError",
        Error::UnknownValue(_) => "UnknownValueError",
        Error::Transition(_) => "TransitionError",
        Error::Tokenizer(_) => "TokenizerError",
        Error::Backend(_) => "BackendError",
        Error::Dataset(_) => "DatasetError",
        Error::Store(_) => "StoreError",
        Error::Blob(_) => "StorageError",
    }
}

/// The exception for a core error: `brightrun.<Concern>Error(message, code)`.
pub fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    build(py, class_name(error), &error.to_string(), error.code())
}

/// An error of native work: a core function's or a service call's.
#[derive(Debug)]
pub enum NativeError {
    /// A core function failed (estimate, validate, convert, option parsing).
    Core(Error),
    /// A service call failed.
    Service(ServiceError),
}

impl From<Error> for NativeError {
    fn from(error: Error) -> Self {
        NativeError::Core(error)
    }
}

impl From<ServiceError> for NativeError {
    fn from(error: ServiceError) -> Self {
        NativeError::Service(error)
    }
}

impl From<OperationError> for NativeError {
    fn from(error: OperationError) -> Self {
        match error {
            OperationError::Core(error) => NativeError::Core(error),
            OperationError::Service(error) => NativeError::Service(error),
        }
    }
}

impl NativeError {
    /// The `brightrun` exception for it.
    pub fn to_py_err(&self, py: Python<'_>) -> PyErr {
        match self {
            NativeError::Core(error) => to_py_err(py, error),
            NativeError::Service(error) => build(py, service_class_name(error), &error.to_string(), error.code()),
        }
    }
}

/// The name of the `brightrun` exception class for a service error. A missing row or object,
/// and another user's (which the core reports the same way), is a `NotFoundError`, which is
/// also a `LookupError`.
pub fn service_class_name(error: &ServiceError) -> &'static str {
    match error {
        ServiceError::Store(StoreError::NotFound { .. }) | ServiceError::Blob(BlobError::NotFound { .. }) => {
            "NotFoundError"
        }
        ServiceError::InvalidInput { .. } => "InvalidRequestError",
        ServiceError::Store(_) => "StoreError",
        ServiceError::Blob(_) => "StorageError",
        ServiceError::Dataset(_) => "DatasetError",
        ServiceError::Tokenizer(_) => "TokenizerError",
        ServiceError::Estimate(EstimateError::Hyperparameters(_)) => "HyperparameterError",
        ServiceError::Estimate(EstimateError::Catalog(_)) => "CatalogError",
        ServiceError::Estimate(_) => "EstimateError",
        ServiceError::Backend(_) => "BackendError",
        ServiceError::Internal { .. } => "InternalError",
        ServiceError::Io { .. } => "LocalFilesError",
    }
}

/// A fault of BrightRun itself: `brightrun.InternalError(message, "internal")`.
pub fn internal(py: Python<'_>, message: &str) -> PyErr {
    build(py, "InternalError", message, "internal")
}

/// `brightrun._errors.<class>(message, code)`.
fn build(py: Python<'_>, class: &str, message: &str, code: &str) -> PyErr {
    let built = py
        .import(ERRORS_MODULE)
        .and_then(|module| module.getattr(class))
        .and_then(|class| class.call1((message, code)));
    match built {
        Ok(exception) => PyErr::from_value(exception),
        // Only a broken installation gets here; keep the code in the message.
        Err(import_error) => {
            let fallback = PyRuntimeError::new_err(format!("[{code}] {message}"));
            fallback.set_cause(py, Some(import_error));
            fallback
        }
    }
}
