//! The errors of object storage, each with a stable code.

use crate::error_code::{Code, ErrorCode};

/// A failed object-storage operation.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// A file name or key that cannot become a safe object key.
    #[error("`{name}` cannot be used as an object key: {reason}")]
    InvalidKey {
        /// The name or key given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// An upload larger than its cap; nothing of it was kept.
    #[error("the upload is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// An object whose bytes are not the ones expected (their sha256 differs): it was
    /// replaced since it was checked.
    #[error("the object at `{key}` changed: its sha256 is {found}, {expected} was expected")]
    Changed {
        /// The key.
        key: String,
        /// The hex sha256 expected.
        expected: String,
        /// The hex sha256 of the bytes read.
        found: String,
    },
    /// No object under this key.
    #[error("no object at `{key}`")]
    NotFound {
        /// The key.
        key: String,
    },
    /// A storage URL that names no supported store or cannot be parsed.
    #[error("invalid storage URL: {0}")]
    InvalidUrl(String),
    /// A signed URL's lifetime outside 1 second to 7 days.
    #[error("a signed URL must live between 1 second and 7 days, not {seconds} s")]
    InvalidExpiry {
        /// The lifetime asked for, in seconds.
        seconds: u64,
    },
    /// The store can give no direct location of an object (an in-memory store).
    #[error("this object store gives no direct location for its objects")]
    NoDirectAccess,
    /// The stream being uploaded failed; nothing of it was kept.
    #[error("the upload stream failed: {0}")]
    Source(#[source] std::io::Error),
    /// The object store failed.
    #[error("object storage error: {0}")]
    Storage(#[source] object_store::Error),
}

impl From<object_store::Error> for BlobError {
    fn from(err: object_store::Error) -> Self {
        match err {
            object_store::Error::NotFound { path, .. } => BlobError::NotFound { key: path },
            other => BlobError::Storage(other),
        }
    }
}

impl ErrorCode for BlobError {
    fn error_code(&self) -> Code {
        match self {
            BlobError::InvalidKey { .. } => Code::InvalidKey,
            BlobError::TooLarge { .. } => Code::TooLarge,
            BlobError::NotFound { .. } => Code::NotFound,
            BlobError::Changed { .. } => Code::ObjectChanged,
            BlobError::InvalidUrl(_) => Code::InvalidStorageUrl,
            BlobError::InvalidExpiry { .. } => Code::InvalidExpiry,
            BlobError::NoDirectAccess => Code::DirectAccessUnsupported,
            BlobError::Source(_) => Code::UploadInterrupted,
            BlobError::Storage(_) => Code::StorageError,
        }
    }
}
