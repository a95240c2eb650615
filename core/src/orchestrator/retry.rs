//! Which failures are worth another try.
//!
//! A bad spec, a bad dataset or running out of memory fails the same way with the same
//! settings, so it is never retried. A lost worker, an engine error or an unexplained
//! crash may be the machine's fault and is retried, a bounded number of times.

/// Retries of a transient failure before the job fails for good.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// Error types that the same settings will hit again.
const PERMANENT: &[&str] = &["bad_spec", "dataset_error", "out_of_memory", "artifact_mismatch", "cancelled"];

/// Whether a failure of this type may succeed if tried again unchanged.
pub fn is_transient(error_type: &str) -> bool {
    !PERMANENT.contains(&error_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_failures_are_never_retried() {
        for error_type in ["bad_spec", "dataset_error", "out_of_memory", "artifact_mismatch"] {
            assert!(!is_transient(error_type), "{error_type}");
        }
        for error_type in ["lost", "internal", "backend_engine_failed", "worker_crashed"] {
            assert!(is_transient(error_type), "{error_type}");
        }
    }
}
