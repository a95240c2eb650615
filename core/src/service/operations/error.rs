//! What an operation by name fails with: a core error or a service error, each with its code.

use crate::error_code::{Code, ErrorCode};
use crate::service::ServiceError;

/// An operation that failed: its arguments were checked by a core function (an estimate's
/// options, hyperparameters), or the service call failed. Both carry the core's stable code;
/// a binding keeps the two apart to choose its error class.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// A core function refused the arguments (options, hyperparameters, a GPU selection).
    #[error(transparent)]
    Core(#[from] crate::Error),
    /// The service call failed, or the arguments had the wrong shape (`invalid_arguments`).
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl ErrorCode for OperationError {
    fn error_code(&self) -> Code {
        match self {
            OperationError::Core(error) => error.error_code(),
            OperationError::Service(error) => error.error_code(),
        }
    }
}

impl From<crate::store::StoreError> for OperationError {
    fn from(error: crate::store::StoreError) -> Self {
        OperationError::Service(error.into())
    }
}
