//! Which failures are worth another try, and when.
//!
//! A worker's failure: a bad spec, a bad dataset or running out of memory fails the same way
//! with the same settings, so it is never retried; a lost worker, an engine error or an
//! unexplained crash may be the machine's fault and is retried, a bounded number of times.
//!
//! A launch's or a validation's failure ([`classify`]): a dataset that is gone, too large,
//! changed since it was validated or unreadable as a dataset, or a worker that cannot be
//! started at all, is permanent and fails the job (or the dataset) at once with its code.
//! Storage that does not answer, a full disk or a crash is transient: tried again after a
//! pause that doubles each time ([`backoff`]), at most
//! [`OrchestratorOptions::max_tries`](super::OrchestratorOptions::max_tries) times in all.

use chrono::TimeDelta;

use crate::backend::BackendError;
use crate::blob::BlobError;
use crate::dataset::DatasetError;
use crate::error_code::ErrorCode;
use crate::service::ServiceError;
use crate::store::JobError;

/// Retries of a transient failure before the job fails for good.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// Tries of a launch or a validation before it fails for good.
pub const DEFAULT_MAX_TRIES: u32 = 5;

/// The longest pause before another try.
pub const MAX_BACKOFF: TimeDelta = TimeDelta::minutes(10);

/// The job error of a launch that failed every try it was allowed.
pub const LAUNCH_FAILED: &str = "launch_failed";
/// The job error of a launch whose dataset object is gone from storage.
pub const DATASET_MISSING: &str = "dataset_missing";
/// The job error (and dataset finding) of a dataset file larger than the dataset cap.
pub const DATASET_TOO_LARGE: &str = "dataset_too_large";
/// The job error of a dataset whose validated copy no longer has the bytes validated.
pub const DATASET_CHANGED: &str = "dataset_changed";
/// The job error of a dataset with no validated copy (validated before copies were kept).
pub const DATASET_NOT_PINNED: &str = "dataset_not_pinned";
/// The dataset finding of a validation that failed every try it was allowed.
pub const VALIDATION_FAILED: &str = "validation_failed";
/// The dataset finding of a try whose validator crashed (panicked).
pub const VALIDATOR_CRASHED: &str = "validator_crashed";
/// The dataset finding of a try that never reported back (its orchestrator died).
pub const VALIDATION_INTERRUPTED: &str = "validation_interrupted";

/// Error types that the same settings will hit again.
const PERMANENT: &[&str] =
    &["bad_spec", "dataset_error", "out_of_memory", "not_enough_gpus", "artifact_mismatch", "cancelled"];

/// Whether a worker failure of this type may succeed if tried again unchanged.
pub fn is_transient(error_type: &str) -> bool {
    !PERMANENT.contains(&error_type)
}

/// How a try of a launch or a validation failed.
#[derive(Debug)]
pub enum Failure {
    /// The same input fails the same way: no further try.
    Permanent(JobError),
    /// May succeed later: tried again, a bounded number of times.
    Transient(JobError),
    /// Not the try's fault (the lease was lost, the database failed, the orchestrator
    /// died): the work stops and nothing is recorded against it.
    Stop(ServiceError),
}

impl From<ServiceError> for Failure {
    fn from(error: ServiceError) -> Self {
        classify(error)
    }
}

/// Sorts an error of a launch or a validation (downloading, reading, converting, starting the
/// worker) into permanent, transient, or not the try's fault.
pub fn classify(error: ServiceError) -> Failure {
    let as_job_error =
        |code: &str, error: &ServiceError| JobError { error_type: code.to_owned(), message: error.to_string() };
    let permanent = |code: &str| Failure::Permanent(as_job_error(code, &error));
    let transient = |code: &str| Failure::Transient(as_job_error(code, &error));
    match &error {
        ServiceError::Store(_) => Failure::Stop(error),
        ServiceError::Blob(BlobError::NotFound { .. }) => permanent(DATASET_MISSING),
        ServiceError::Blob(BlobError::TooLarge { .. }) => permanent(DATASET_TOO_LARGE),
        ServiceError::Blob(BlobError::Changed { .. }) => permanent(DATASET_CHANGED),
        ServiceError::Blob(BlobError::InvalidKey { .. }) => permanent(error.code()),
        ServiceError::Blob(_) => transient(error.code()),
        // Local files that cannot be opened, read or written: a full or failing disk.
        ServiceError::Dataset(DatasetError::Open { .. } | DatasetError::Read { .. } | DatasetError::Write { .. }) => {
            transient(error.code())
        }
        // The file itself: not gzip, no known format, inflating without bound, ...
        ServiceError::Dataset(_) => permanent(error.code()),
        ServiceError::Backend(BackendError::Launch { .. } | BackendError::NotEnoughGpus { .. }) => {
            permanent(error.code())
        }
        ServiceError::Backend(_) | ServiceError::Io { .. } | ServiceError::Internal { .. } => transient(error.code()),
        ServiceError::InvalidInput { .. } | ServiceError::Tokenizer(_) | ServiceError::Estimate(_) => {
            permanent(error.code())
        }
    }
}

/// The pause after try number `tries` (1 = the first) failed transiently: `base` doubled
/// for each earlier try, at most [`MAX_BACKOFF`].
pub fn backoff(base: TimeDelta, tries: u32) -> TimeDelta {
    let doublings = tries.saturating_sub(1).min(20);
    base.checked_mul(1 << doublings).unwrap_or(MAX_BACKOFF).clamp(TimeDelta::zero(), MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_failures_are_never_retried() {
        for error_type in ["bad_spec", "dataset_error", "out_of_memory", "not_enough_gpus", "artifact_mismatch"] {
            assert!(!is_transient(error_type), "{error_type}");
        }
        for error_type in ["lost", "internal", "backend_engine_failed", "worker_crashed"] {
            assert!(is_transient(error_type), "{error_type}");
        }
    }

    fn code_of(failure: Failure) -> (&'static str, String) {
        match failure {
            Failure::Permanent(error) => ("permanent", error.error_type),
            Failure::Transient(error) => ("transient", error.error_type),
            Failure::Stop(error) => ("stop", error.code().to_owned()),
        }
    }

    #[test]
    fn launch_failures_are_sorted_by_what_another_try_could_change() {
        let io = || std::io::Error::other("No space left on device");
        let cases: Vec<(ServiceError, (&str, &str))> = vec![
            (BlobError::NotFound { key: "k".into() }.into(), ("permanent", DATASET_MISSING)),
            (BlobError::TooLarge { limit: 1 }.into(), ("permanent", DATASET_TOO_LARGE)),
            (
                BlobError::Changed { key: "k".into(), expected: "a".into(), found: "b".into() }.into(),
                ("permanent", DATASET_CHANGED),
            ),
            (
                BlobError::Storage(object_store::Error::Generic { store: "S3", source: "connection reset".into() })
                    .into(),
                ("transient", "storage_error"),
            ),
            (DatasetError::Write { path: "/x".into(), source: io() }.into(), ("transient", "dataset_write_failed")),
            (DatasetError::UnknownFormat { reason: "?".into() }.into(), ("permanent", "unknown_dataset_format")),
            (BackendError::Launch { reason: "no trainer".into() }.into(), ("permanent", "worker_launch_failed")),
            (BackendError::io("spawning", io()).into(), ("transient", "backend_io")),
            (
                BackendError::NotEnoughGpus { backend: "local", asked: 2, available: 1, hint: "one slot".into() }
                    .into(),
                ("permanent", "not_enough_gpus"),
            ),
            (ServiceError::io("creating scratch", io()), ("transient", "local_io")),
            (ServiceError::internal("the converter panicked"), ("transient", "internal")),
            (crate::store::StoreError::NotFound { entity: "job", id: "1".into() }.into(), ("stop", "not_found")),
        ];
        for (error, expected) in cases {
            let text = error.to_string();
            let (kind, code) = code_of(classify(error));
            assert_eq!((kind, code.as_str()), expected, "{text}");
        }
    }

    #[test]
    fn the_pause_doubles_up_to_its_cap() {
        let base = TimeDelta::seconds(10);
        assert_eq!(backoff(base, 1), base);
        assert_eq!(backoff(base, 2), TimeDelta::seconds(20));
        assert_eq!(backoff(base, 4), TimeDelta::seconds(80));
        assert_eq!(backoff(base, 30), MAX_BACKOFF);
        assert_eq!(backoff(TimeDelta::MAX, 3), MAX_BACKOFF);
        assert_eq!(backoff(TimeDelta::seconds(-5), 1), TimeDelta::zero());
    }
}
