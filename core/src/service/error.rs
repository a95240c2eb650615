//! Errors of the service: what a host application gets back from a [`BrightRun`](super::BrightRun) call.

use crate::backend::BackendError;
use crate::blob::BlobError;
use crate::dataset::{DatasetError, TokenizerError};
use crate::error_code::{Code, ErrorCode};
use crate::estimate::EstimateError;
use crate::store::StoreError;

/// A service call that failed. Every variant carries a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller's input is wrong; the message says what and how to fix it.
    #[error("{message}")]
    InvalidInput {
        /// Registered code of the problem (`invalid_text`, `dataset_not_ready`, ...).
        code: Code,
        /// What is wrong.
        message: String,
    },
    /// The database refused or failed (not found, stale state, ...).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Object storage refused or failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The dataset could not be read or converted.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The tokenizer could not be loaded.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// The estimate could not be made.
    #[error(transparent)]
    Estimate(#[from] EstimateError),
    /// The GPU backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A fault in BrightRun itself (a panic caught at the edge of one job's work); the
    /// message says where.
    #[error("internal error: {message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
    /// Local files (scratch space, the BrightRun home) could not be used.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl ServiceError {
    /// Input the caller can fix.
    pub fn invalid(code: Code, message: impl Into<String>) -> Self {
        Self::InvalidInput { code, message: message.into() }
    }

    /// A fault in BrightRun itself.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal { message: message.into() }
    }

    /// A local I/O failure with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io { context: context.into(), source }
    }
}

impl ErrorCode for ServiceError {
    fn error_code(&self) -> Code {
        match self {
            ServiceError::InvalidInput { code, .. } => *code,
            ServiceError::Store(e) => e.error_code(),
            ServiceError::Blob(e) => e.error_code(),
            ServiceError::Dataset(e) => e.error_code(),
            ServiceError::Tokenizer(e) => e.error_code(),
            ServiceError::Estimate(e) => e.error_code(),
            ServiceError::Backend(e) => e.error_code(),
            ServiceError::Io { .. } => Code::LocalIo,
            ServiceError::Internal { .. } => Code::Internal,
        }
    }
}
