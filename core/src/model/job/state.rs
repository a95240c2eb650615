//! The job state machine: statuses, stages, the transitions between statuses and the error
//! for an illegal one.
//!
//! ```text
//! queued ──initialize──▶ initializing ──start──▶ running ──complete──▶ completed
//!   ▲                        │                      │
//!   └──── retry_transient ───┴──────────────────────┘
//! queued | initializing | running ──fail──▶ failed
//! queued | initializing | running ──cancel──▶ cancelled
//! ```
//!
//! Nothing leaves a final status (completed, failed, cancelled) and no status moves to
//! itself. [`JobTransition::allowed_from`] is the whole table.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error_code::{Code, ErrorCode};
use crate::model::JobId;
use crate::model::enum_text::impl_enum_text;

/// The status of a training job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Accepted, waiting to be submitted to a GPU backend.
    Queued,
    /// Being submitted to the backend.
    Initializing,
    /// Accepted by the backend; see the job's stage for detail.
    Running,
    /// Trained, collected and verified (final).
    Completed,
    /// Stopped by an error that retrying does not fix (final).
    Failed,
    /// Stopped by the user (final).
    Cancelled,
}

impl_enum_text!(JobStatus, "job status", {
    Queued => "queued",
    Initializing => "initializing",
    Running => "running",
    Completed => "completed",
    Failed => "failed",
    Cancelled => "cancelled",
});

impl JobStatus {
    /// Whether the status is final: completed, failed or cancelled. Nothing leaves it.
    pub const fn is_final(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled)
    }

    /// The status after `transition`, or why the transition is illegal from this status.
    pub fn apply(self, transition: JobTransition) -> Result<JobStatus, TransitionError> {
        if transition.allowed_from().contains(&self) {
            Ok(transition.target())
        } else {
            Err(TransitionError { from: self, transition, job_id: None })
        }
    }

    /// Whether some transition takes a job from this status to `to`.
    pub fn can_become(self, to: JobStatus) -> bool {
        JobTransition::ALL.into_iter().any(|transition| self.apply(transition) == Ok(to))
    }
}

/// What a running job is doing: a refinement of [`JobStatus::Running`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStage {
    /// Accepted by the backend, waiting for a GPU in the engine's own queue.
    QueuedOnBackend,
    /// Loading the base model and the dataset.
    Loading,
    /// Taking optimiser steps.
    Training,
    /// Computing validation loss.
    Evaluating,
    /// Writing the adapter files.
    Saving,
    /// Copying the adapter files to object storage and checking their sha256.
    Collecting,
}

impl_enum_text!(JobStage, "job stage", {
    QueuedOnBackend => "queued_on_backend",
    Loading => "loading",
    Training => "training",
    Evaluating => "evaluating",
    Saving => "saving",
    Collecting => "collecting",
});

/// A change of a job's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobTransition {
    /// queued → initializing: submission to the backend begins.
    Initialize,
    /// initializing → running: the backend accepted the job.
    Start,
    /// running → completed: the backend reported success and the artifacts check out.
    Complete,
    /// queued, initializing or running → failed.
    Fail,
    /// queued, initializing or running → cancelled.
    Cancel,
    /// initializing or running → queued: a retry after a transient failure.
    RetryTransient,
}

impl_enum_text!(JobTransition, "job transition", {
    Initialize => "initialize",
    Start => "start",
    Complete => "complete",
    Fail => "fail",
    Cancel => "cancel",
    RetryTransient => "retry_transient",
});

impl JobTransition {
    /// The status a job has after this transition.
    pub const fn target(self) -> JobStatus {
        match self {
            JobTransition::Initialize => JobStatus::Initializing,
            JobTransition::Start => JobStatus::Running,
            JobTransition::Complete => JobStatus::Completed,
            JobTransition::Fail => JobStatus::Failed,
            JobTransition::Cancel => JobStatus::Cancelled,
            JobTransition::RetryTransient => JobStatus::Queued,
        }
    }

    /// The statuses this transition may start from: the condition of the store's
    /// conditional update (`... WHERE status IN (...)`).
    pub const fn allowed_from(self) -> &'static [JobStatus] {
        use JobStatus::{Initializing, Queued, Running};
        match self {
            JobTransition::Initialize => &[Queued],
            JobTransition::Start => &[Initializing],
            JobTransition::Complete => &[Running],
            JobTransition::Fail | JobTransition::Cancel => &[Queued, Initializing, Running],
            JobTransition::RetryTransient => &[Initializing, Running],
        }
    }

    /// What the job would have been, for messages: "it cannot be {participle}".
    const fn participle(self) -> &'static str {
        match self {
            JobTransition::Initialize => "initialized",
            JobTransition::Start => "started",
            JobTransition::Complete => "completed",
            JobTransition::Fail => "failed",
            JobTransition::Cancel => "cancelled",
            JobTransition::RetryTransient => "requeued for a retry",
        }
    }
}

/// A job status change that the state machine forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionError {
    from: JobStatus,
    transition: JobTransition,
    job_id: Option<JobId>,
}

impl TransitionError {
    /// The status the job had (and still has).
    pub const fn from_status(&self) -> JobStatus {
        self.from
    }

    /// The transition that was refused.
    pub const fn transition(&self) -> JobTransition {
        self.transition
    }

    /// The job, when the error came from a job record rather than a bare status.
    pub const fn job_id(&self) -> Option<JobId> {
        self.job_id
    }

    /// The same error, naming the job.
    pub(in crate::model) const fn for_job(self, job_id: JobId) -> Self {
        Self { job_id: Some(job_id), ..self }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("job ")?;
        if let Some(id) = self.job_id {
            write!(f, "{id} ")?;
        }
        let (from, done) = (self.from, self.transition.participle());
        if from.is_final() {
            write!(f, "is {from}, a final status: it cannot be {done}")
        } else {
            let allowed: Vec<&str> = self.transition.allowed_from().iter().map(JobStatus::as_str).collect();
            write!(f, "is {from}: it cannot be {done} (only a job that is {} can be)", allowed.join(" or "))
        }
    }
}

impl std::error::Error for TransitionError {}

impl ErrorCode for TransitionError {
    fn error_code(&self) -> Code {
        Code::IllegalTransition
    }
}

#[cfg(test)]
mod tests {
    use super::JobStatus::*;
    use super::JobTransition::*;
    use super::*;
    use crate::model::enum_text::assert_names;

    /// Rows: statuses in `JobStatus::ALL` order. Columns: transitions in `JobTransition::ALL`
    /// order. Each cell: the status reached, or `None` where the transition is illegal.
    #[rustfmt::skip]
    const APPLY: [[Option<JobStatus>; 6]; 6] = [
        //              Initialize          Start          Complete         Fail          Cancel           RetryTransient
        /* queued    */ [Some(Initializing), None,          None,            Some(Failed), Some(Cancelled), None],
        /* initial.  */ [None,               Some(Running), None,            Some(Failed), Some(Cancelled), Some(Queued)],
        /* running   */ [None,               None,          Some(Completed), Some(Failed), Some(Cancelled), Some(Queued)],
        /* completed */ [None,               None,          None,            None,         None,            None],
        /* failed    */ [None,               None,          None,            None,         None,            None],
        /* cancelled */ [None,               None,          None,            None,         None,            None],
    ];

    /// Rows: from, columns: to, both in `JobStatus::ALL` order.
    #[rustfmt::skip]
    const CAN_BECOME: [[bool; 6]; 6] = [
        //              queued initial. running completed failed cancelled
        /* queued    */ [false, true,   false,  false,    true,  true],
        /* initial.  */ [true,  false,  true,   false,    true,  true],
        /* running   */ [true,  false,  false,  true,     true,  true],
        /* completed */ [false, false,  false,  false,    false, false],
        /* failed    */ [false, false,  false,  false,    false, false],
        /* cancelled */ [false, false,  false,  false,    false, false],
    ];

    #[test]
    fn tables_are_in_all_order() {
        assert_eq!(JobStatus::ALL, [Queued, Initializing, Running, Completed, Failed, Cancelled]);
        assert_eq!(JobTransition::ALL, [Initialize, Start, Complete, Fail, Cancel, RetryTransient]);
    }

    #[test]
    fn every_status_and_transition_pair_matches_the_table() {
        let mut legal = 0;
        for (row, from) in JobStatus::ALL.into_iter().enumerate() {
            for (column, transition) in JobTransition::ALL.into_iter().enumerate() {
                let result = from.apply(transition);
                match APPLY[row][column] {
                    Some(to) => {
                        assert_eq!(result, Ok(to), "{from} + {transition}");
                        legal += 1;
                    }
                    None => {
                        let err = result.expect_err(&format!("{from} + {transition} must be illegal"));
                        assert_eq!((err.from_status(), err.transition(), err.job_id()), (from, transition, None));
                        assert_eq!(err.code(), "illegal_transition");
                    }
                }
            }
        }
        assert_eq!(legal, 11);
    }

    #[test]
    fn every_status_pair_matches_can_become() {
        for (row, from) in JobStatus::ALL.into_iter().enumerate() {
            for (column, to) in JobStatus::ALL.into_iter().enumerate() {
                assert_eq!(from.can_become(to), CAN_BECOME[row][column], "{from} -> {to}");
            }
        }
    }

    #[test]
    fn no_self_transitions() {
        for status in JobStatus::ALL {
            assert!(!status.can_become(status), "{status}");
        }
    }

    #[test]
    fn a_final_status_has_no_way_out() {
        let finals: Vec<JobStatus> = JobStatus::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [Completed, Failed, Cancelled]);
        for from in finals {
            assert!(JobTransition::ALL.into_iter().all(|t| from.apply(t).is_err()), "{from}");
            assert!(JobStatus::ALL.into_iter().all(|to| !from.can_become(to)), "{from}");
        }
    }

    #[test]
    fn every_transition_starts_only_from_non_final_statuses() {
        for transition in JobTransition::ALL {
            assert!(transition.allowed_from().iter().all(|s| !s.is_final()), "{transition}");
        }
    }

    #[test]
    fn messages_say_what_and_why() {
        let err = Completed.apply(Cancel).unwrap_err();
        assert_eq!(err.to_string(), "job is completed, a final status: it cannot be cancelled");
        let err = Queued.apply(Complete).unwrap_err();
        assert_eq!(err.to_string(), "job is queued: it cannot be completed (only a job that is running can be)");
        let id = JobId::new();
        let err = Queued.apply(RetryTransient).unwrap_err().for_job(id);
        assert_eq!(
            err.to_string(),
            format!(
                "job {id} is queued: it cannot be requeued for a retry (only a job that is initializing or running can be)"
            )
        );
    }

    #[test]
    fn enum_names_are_the_products() {
        assert_names(
            &JobStatus::ALL,
            &[
                (Queued, "queued"),
                (Initializing, "initializing"),
                (Running, "running"),
                (Completed, "completed"),
                (Failed, "failed"),
                (Cancelled, "cancelled"),
            ],
        );
        assert_names(
            &JobStage::ALL,
            &[
                (JobStage::QueuedOnBackend, "queued_on_backend"),
                (JobStage::Loading, "loading"),
                (JobStage::Training, "training"),
                (JobStage::Evaluating, "evaluating"),
                (JobStage::Saving, "saving"),
                (JobStage::Collecting, "collecting"),
            ],
        );
        assert_names(
            &JobTransition::ALL,
            &[
                (Initialize, "initialize"),
                (Start, "start"),
                (Complete, "complete"),
                (Fail, "fail"),
                (Cancel, "cancel"),
                (RetryTransient, "retry_transient"),
            ],
        );
    }

    #[test]
    fn unknown_status_lists_the_allowed_ones() {
        let err = "paused".parse::<JobStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown job status `paused`: expected one of queued, initializing, running, completed, failed, cancelled"
        );
    }
}
