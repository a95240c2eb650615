//! The launch of an attempt, claimed in the database before the backend is asked.
//!
//! Before an orchestrator asks the backend to start an attempt's worker it writes a
//! [`LaunchRecord`] into the job's backend handle column, fenced by its lease; the handle
//! the backend returns replaces it. An orchestrator that takes the job over finds the
//! record: it knows the backend may already have been asked (it asks again, and a submit
//! of the same job and attempt is idempotent: see [`GpuBackend::submit`]) and how many tries
//! were made, a try cut short by a dying orchestrator included.
//!
//! [`GpuBackend::submit`]: crate::backend::GpuBackend::submit

use serde::{Deserialize, Serialize};

use crate::model::{Timestamp, TrainingJob};
use crate::store::JobError;

/// An attempt's launch in progress, as stored with its job (under the key `launch`, so it
/// never reads as a submitted job's [`FollowState`](crate::service::FollowState)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchRecord {
    /// The launch.
    pub launch: Launch,
}

/// The tries of one attempt's launch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Launch {
    /// The attempt (the job's retry count) being launched.
    pub attempt: u32,
    /// Tries begun so far, the latest included.
    pub tries: u32,
    /// The holder that began the latest try.
    pub by: String,
    /// When it began.
    pub at: Timestamp,
    /// Why the last failed try failed, if one did.
    pub last_error: Option<JobError>,
}

impl LaunchRecord {
    /// The record of the job's current attempt, if its launch has begun and it has no
    /// backend handle yet.
    pub fn of(job: &TrainingJob) -> Option<Self> {
        let record: Self = job.backend_handle.clone().and_then(|value| serde_json::from_value(value).ok())?;
        (record.launch.attempt == job.retry_count).then_some(record)
    }

    /// The next try of the job's current attempt, begun by `holder` at `now`.
    pub fn next_try(job: &TrainingJob, holder: &str, now: Timestamp) -> Self {
        let previous = Self::of(job);
        Self {
            launch: Launch {
                attempt: job.retry_count,
                tries: previous.as_ref().map_or(0, |record| record.launch.tries).saturating_add(1),
                by: holder.to_owned(),
                at: now,
                last_error: previous.and_then(|record| record.launch.last_error),
            },
        }
    }

    /// As stored in the job's backend handle column.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendHandle;
    use crate::model::smoke_job as job;
    use crate::service::FollowState;

    #[test]
    fn tries_count_up_within_an_attempt_and_start_again_with_the_next() {
        let mut job = job();
        assert_eq!(LaunchRecord::of(&job), None);
        let first = LaunchRecord::next_try(&job, "a", Timestamp::now());
        assert_eq!(first.launch.tries, 1);
        job.backend_handle = Some(first.to_value());
        let mut second = LaunchRecord::next_try(&job, "b", Timestamp::now());
        assert_eq!((second.launch.tries, second.launch.by.as_str()), (2, "b"));
        second.launch.last_error = Some(JobError { error_type: "storage_error".into(), message: "down".into() });
        job.backend_handle = Some(second.to_value());
        assert_eq!(LaunchRecord::next_try(&job, "c", Timestamp::now()).launch.last_error, second.launch.last_error);
        job.retry_count = 1;
        assert_eq!(LaunchRecord::of(&job), None, "another attempt");
        assert_eq!(LaunchRecord::next_try(&job, "d", Timestamp::now()).launch.tries, 1);
    }

    #[test]
    fn a_launch_record_and_a_follow_state_never_read_as_each_other() {
        let mut job = job();
        job.backend_handle = Some(LaunchRecord::next_try(&job, "a", Timestamp::now()).to_value());
        assert!(FollowState::of(&job).is_none());
        let handle = BackendHandle { backend: "local".into(), external_id: "x".into(), data: serde_json::Value::Null };
        job.backend_handle = Some(FollowState::new(handle).to_value());
        assert!(LaunchRecord::of(&job).is_none());
        assert!(FollowState::of(&job).is_some());
    }
}
