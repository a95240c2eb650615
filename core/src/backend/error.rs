//! Errors of the backend concern.

use crate::error_code::{Code, ErrorCode};

/// A backend that cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Reading or writing the backend's own files or processes failed.
    #[error("backend I/O failed: {context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A handle this backend did not issue, or one whose data is malformed.
    #[error("invalid backend handle: {reason}")]
    InvalidHandle {
        /// What is wrong with it.
        reason: String,
    },
    /// The worker could not be started.
    #[error("cannot start the worker: {reason}")]
    Launch {
        /// Why, and how to fix it.
        reason: String,
    },
    /// The job asks for more GPUs than this backend can give one job.
    #[error("the job asks for {asked} GPUs and the {backend} backend can give one job at most {available}: {hint}")]
    NotEnoughGpus {
        /// Which backend.
        backend: &'static str,
        /// GPUs the job asks for.
        asked: u32,
        /// The most this backend gives one job.
        available: u32,
        /// Where the limit comes from, and how to lift it.
        hint: String,
    },
    /// The engine (RunPod, Ray, Slurm, ...) refused or failed a request.
    #[error("the {engine} engine failed: {reason}")]
    Engine {
        /// Which engine.
        engine: &'static str,
        /// Its answer.
        reason: String,
    },
    /// The engine did not answer: it is down, or the address is not the engine's.
    #[error("the {engine} engine at {url} cannot be reached: {reason}")]
    Unreachable {
        /// Which engine.
        engine: &'static str,
        /// Where it was asked.
        url: String,
        /// What happened.
        reason: String,
    },
    /// The engine refused this machine's credentials (a wrong or expired key or token).
    #[error("the {engine} engine refused the credentials: {reason}")]
    Unauthorized {
        /// Which engine.
        engine: &'static str,
        /// Its answer, and which setting holds the credentials.
        reason: String,
    },
    /// The job has no artifacts to collect (it did not complete).
    #[error("nothing to collect: {reason}")]
    NotCollectable {
        /// Why.
        reason: String,
    },
}

impl BackendError {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io { context: context.into(), source }
    }
}

impl ErrorCode for BackendError {
    fn error_code(&self) -> Code {
        match self {
            BackendError::Io { .. } => Code::BackendIo,
            BackendError::InvalidHandle { .. } => Code::InvalidBackendHandle,
            BackendError::Launch { .. } => Code::WorkerLaunchFailed,
            BackendError::NotEnoughGpus { .. } => Code::NotEnoughGpus,
            BackendError::Engine { .. } => Code::BackendEngineFailed,
            BackendError::Unreachable { .. } => Code::BackendUnreachable,
            BackendError::NotCollectable { .. } => Code::NothingToCollect,
            BackendError::Unauthorized { .. } => Code::BackendUnauthorized,
        }
    }
}
