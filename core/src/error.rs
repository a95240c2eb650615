//! Errors that cross the library boundary.
//!
//! Each concern has its own error type (a hyperparameter error, a catalog error, an illegal
//! job transition, ...). Every one of them implements [`ErrorCode`], which names the failure
//! with a stable snake_case string that the CLI prints and the Python and Node bindings carry
//! as `code`. [`Error`] gathers them for callers who want one type.

use crate::backend::BackendError;
use crate::blob::BlobError;
use crate::config::{CatalogError, HyperparameterError};
use crate::dataset::{DatasetError, TokenizerError};
use crate::estimate::EstimateError;
use crate::model::{MoneyParseError, ParseEnumError, TransitionError};
use crate::store::StoreError;

/// A stable, machine-readable name for a failure.
///
/// Codes never change meaning once released: hosts match on them, log them and translate
/// them. They are snake_case ASCII.
pub trait ErrorCode {
    /// The stable code of this error, e.g. `invalid_hyperparameters`.
    fn code(&self) -> &'static str;
}

/// Any error of the core, for callers who want a single error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Hyperparameters out of range or inconsistent.
    #[error(transparent)]
    Hyperparameters(#[from] HyperparameterError),
    /// An unknown GPU or base model, or a malformed architecture.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// An estimate that cannot be made from its inputs.
    #[error(transparent)]
    Estimate(#[from] EstimateError),
    /// A job status change that the state machine forbids.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A money amount that is not a decimal number.
    #[error(transparent)]
    Money(#[from] MoneyParseError),
    /// A GPU backend that cannot submit, follow, cancel or collect a job.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A tokenizer that cannot be loaded or cannot count.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// A name that is not one of an enum's values (a status, a format, a role, ...).
    #[error(transparent)]
    UnknownValue(#[from] ParseEnumError),
    /// A database operation that failed: not found, stale state, conflict, unavailable, ...
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An object-storage operation that failed: invalid key, too large, not found, ...
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A dataset that cannot be read, recognised or converted.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
}

impl ErrorCode for Error {
    fn code(&self) -> &'static str {
        match self {
            Error::Hyperparameters(e) => e.code(),
            Error::Catalog(e) => e.code(),
            Error::Estimate(e) => e.code(),
            Error::Transition(e) => e.code(),
            Error::Money(e) => e.code(),
            Error::UnknownValue(e) => e.code(),
            Error::Backend(e) => e.code(),
            Error::Tokenizer(e) => e.code(),
            Error::Store(e) => e.code(),
            Error::Blob(e) => e.code(),
            Error::Dataset(e) => e.code(),
        }
    }
}
