//! The `training_jobs` table: one LoRA training run, its progress, cost and outcome.
//!
//! The status changes only through [`TrainingJob::transition`] and the methods built on it,
//! which follow the state machine of [`JobStatus`] and keep the rest of the record consistent.

mod state;

use serde::{Deserialize, Serialize};

pub use state::{JobStage, JobStatus, JobTransition, TransitionError};

use super::{ArtifactId, DatasetId, JobId, Money, Timestamp, UserId};
use crate::config::{GpuSelection, Hyperparameters, Preset};

/// The latest training metrics of a job (also the values of one stored metrics point).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CurrentMetrics {
    /// Training loss.
    pub training_loss: Option<f64>,
    /// Validation loss, at evaluation steps.
    pub validation_loss: Option<f64>,
    /// Learning rate of the schedule.
    pub learning_rate: Option<f64>,
    /// Gradient norm before clipping.
    pub grad_norm: Option<f64>,
    /// Training throughput in tokens per second, all GPUs together.
    pub tokens_per_second: Option<f64>,
    /// GPU utilisation in percent (0 to 100), averaged over the job's GPUs.
    pub gpu_utilization_percent: Option<f64>,
    /// GPU memory in use, in GiB, on the fullest GPU.
    pub gpu_memory_used_gb: Option<f64>,
}

/// A training job: one LoRA fine-tuning run of one dataset on one GPU selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TrainingJob {
    /// The job's id.
    pub id: JobId,
    /// The owner.
    pub user_id: UserId,
    /// The dataset trained on.
    pub dataset_id: DatasetId,
    /// The preset the hyperparameters started from.
    pub preset: Preset,
    /// The hyperparameters of the run.
    pub hyperparameters: Hyperparameters,
    /// The GPUs and their price.
    pub gpu: GpuSelection,
    /// The status, changed only through [`TrainingJob::transition`].
    pub status: JobStatus,
    /// What a running job is doing; `None` in every other status.
    pub stage: Option<JobStage>,
    /// Progress of the current attempt, 0 to 100.
    pub progress_percent: f64,
    /// The epoch in progress (1-based; 0 before training starts).
    pub current_epoch: u32,
    /// Epochs the run will take.
    pub total_epochs: u32,
    /// Optimiser steps taken in the current attempt.
    pub current_step: u64,
    /// Optimiser steps the run will take.
    pub total_steps: u64,
    /// The latest metrics reported.
    pub current_metrics: Option<CurrentMetrics>,
    /// When the job was queued.
    pub queued_at: Timestamp,
    /// When the current attempt started running.
    pub started_at: Option<Timestamp>,
    /// When the job reached a final status.
    pub completed_at: Option<Timestamp>,
    /// When the job is expected to complete.
    pub estimated_completion_at: Option<Timestamp>,
    /// The cost estimated before submission.
    pub estimated_total_cost: Option<Money>,
    /// The cost so far, every attempt included.
    pub current_cost: Money,
    /// The cost of the whole job, set when it reaches a final status.
    pub final_cost: Option<Money>,
    /// Stable code of the most recent error (`out_of_memory`), transient or final.
    pub error_type: Option<String>,
    /// Message of the most recent error.
    pub error_message: Option<String>,
    /// Retries after transient failures so far.
    pub retry_count: u32,
    /// The backend's own id of the current attempt.
    pub external_job_id: Option<String>,
    /// The backend's serialised handle of the current attempt, so polling survives a restart.
    pub backend_handle: Option<serde_json::Value>,
    /// The adapter produced, once collected.
    pub artifact_id: Option<ArtifactId>,
    /// When its owner asked to cancel the job while it was being launched or ran: the
    /// orchestrator stops its worker and the job ends `cancelled` once the worker is gone.
    pub cancel_requested_at: Option<Timestamp>,
    /// When the row was created.
    pub created_at: Timestamp,
    /// When the row last changed.
    pub updated_at: Timestamp,
}

impl TrainingJob {
    /// A new job in status `queued`, with a fresh id, no progress and no cost.
    ///
    /// `total_epochs` is taken from the hyperparameters; `total_steps` comes from the
    /// dataset size and the hyperparameters (the estimator computes it).
    pub fn new_queued(
        user_id: UserId,
        dataset_id: DatasetId,
        preset: Preset,
        hyperparameters: Hyperparameters,
        gpu: GpuSelection,
        total_steps: u64,
        now: Timestamp,
    ) -> Self {
        Self {
            id: JobId::new(),
            user_id,
            dataset_id,
            preset,
            total_epochs: hyperparameters.epochs,
            hyperparameters,
            gpu,
            status: JobStatus::Queued,
            stage: None,
            progress_percent: 0.0,
            current_epoch: 0,
            current_step: 0,
            total_steps,
            current_metrics: None,
            queued_at: now,
            started_at: None,
            completed_at: None,
            estimated_completion_at: None,
            estimated_total_cost: None,
            current_cost: Money::ZERO.round_to_cents(),
            final_cost: None,
            error_type: None,
            error_message: None,
            retry_count: 0,
            external_job_id: None,
            backend_handle: None,
            artifact_id: None,
            cancel_requested_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Applies a transition and keeps the record consistent; on error nothing changes.
    ///
    /// Every transition clears the stage (a job enters `running` without one and leaves it
    /// without one) and sets `updated_at`. `start` sets `started_at`. A final transition
    /// sets `completed_at` and, unless already set, `final_cost` to the cost so far;
    /// `complete` also sets the progress to 100. `retry_transient` forgets the failed
    /// attempt (start time, progress, metrics, backend handle) but keeps its cost, which
    /// was spent; the caller cancels the old backend job first if it may still exist.
    pub fn transition(&mut self, transition: JobTransition, now: Timestamp) -> Result<(), TransitionError> {
        let next = self.status.apply(transition).map_err(|err| err.for_job(self.id))?;
        match transition {
            JobTransition::Initialize => {}
            JobTransition::Start => self.started_at = Some(now),
            JobTransition::Complete | JobTransition::Fail | JobTransition::Cancel => {
                self.completed_at = Some(now);
                self.final_cost.get_or_insert(self.current_cost);
                if transition == JobTransition::Complete {
                    self.progress_percent = 100.0;
                }
            }
            JobTransition::RetryTransient => self.forget_attempt(),
        }
        self.status = next;
        self.stage = None;
        self.updated_at = now;
        Ok(())
    }

    /// Fails the job with an error that retrying does not fix.
    pub fn fail(
        &mut self,
        error_type: impl Into<String>,
        error_message: impl Into<String>,
        now: Timestamp,
    ) -> Result<(), TransitionError> {
        self.transition(JobTransition::Fail, now)?;
        self.record_error(error_type, error_message);
        Ok(())
    }

    /// Handles a transient failure of an initializing or running job: records the error and,
    /// while fewer than `max_retries` retries were made, counts a retry and requeues the job
    /// (`Ok(true)`); otherwise fails it (`Ok(false)`). Any other status is an error and
    /// changes nothing.
    pub fn retry_after_transient_failure(
        &mut self,
        error_type: impl Into<String>,
        error_message: impl Into<String>,
        max_retries: u32,
        now: Timestamp,
    ) -> Result<bool, TransitionError> {
        self.status.apply(JobTransition::RetryTransient).map_err(|err| err.for_job(self.id))?;
        let retry = self.retry_count < max_retries;
        if retry {
            self.transition(JobTransition::RetryTransient, now)?;
            self.retry_count += 1;
        } else {
            self.transition(JobTransition::Fail, now)?;
        }
        self.record_error(error_type, error_message);
        Ok(retry)
    }

    fn record_error(&mut self, error_type: impl Into<String>, error_message: impl Into<String>) {
        self.error_type = Some(error_type.into());
        self.error_message = Some(error_message.into());
    }

    fn forget_attempt(&mut self) {
        self.started_at = None;
        self.progress_percent = 0.0;
        self.current_epoch = 0;
        self.current_step = 0;
        self.current_metrics = None;
        self.estimated_completion_at = None;
        self.external_job_id = None;
        self.backend_handle = None;
    }
}

/// A queued one-CPU job of the smoke model, for the unit tests.
#[cfg(test)]
pub(crate) fn smoke_job() -> TrainingJob {
    use crate::config::{GpuSelection, Preset};
    use crate::model::{DatasetId, UserId};
    TrainingJob::new_queued(
        UserId::new(),
        DatasetId::new(),
        Preset::Balanced,
        Preset::Balanced.hyperparameters("smoke"),
        GpuSelection::new("CPU", 1, None).expect("the CPU is in the catalog"),
        4,
        Timestamp::now(),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn t0() -> Timestamp {
        serde_json::from_str("\"2026-05-04T08:00:00.000001Z\"").unwrap()
    }

    fn minutes(n: i64) -> Timestamp {
        t0().plus(TimeDelta::minutes(n))
    }

    fn queued() -> TrainingJob {
        let hyperparameters = Preset::Balanced.hyperparameters("mistralai/Mistral-7B-v0.1");
        let gpu = GpuSelection::new("A100-80GB", 2, None).unwrap();
        TrainingJob::new_queued(UserId::new(), DatasetId::new(), Preset::Balanced, hyperparameters, gpu, 750, t0())
    }

    fn running() -> TrainingJob {
        let mut job = queued();
        job.transition(JobTransition::Initialize, minutes(1)).unwrap();
        job.transition(JobTransition::Start, minutes(2)).unwrap();
        job.stage = Some(JobStage::Training);
        job.progress_percent = 40.0;
        job.current_epoch = 2;
        job.current_step = 300;
        job.current_metrics = Some(CurrentMetrics { training_loss: Some(1.2), ..CurrentMetrics::default() });
        job.external_job_id = Some("rp-123".into());
        job.backend_handle = Some(serde_json::json!({"kind": "runpod", "id": "rp-123"}));
        job.current_cost = "0.80".parse().unwrap();
        job
    }

    #[test]
    fn new_job_is_queued_with_nothing_done() {
        let job = queued();
        assert_eq!((job.status, job.stage, job.retry_count), (JobStatus::Queued, None, 0));
        assert_eq!((job.current_epoch, job.total_epochs, job.current_step, job.total_steps), (0, 5, 0, 750));
        assert_eq!((job.queued_at, job.created_at, job.updated_at), (t0(), t0(), t0()));
        assert_eq!((job.current_cost, job.final_cost, job.started_at), (Money::ZERO, None, None));
    }

    #[test]
    fn a_successful_run_sets_its_timestamps_and_final_cost() {
        let mut job = running();
        assert_eq!(job.started_at, Some(minutes(2)));
        job.stage = Some(JobStage::Collecting);
        job.transition(JobTransition::Complete, minutes(30)).unwrap();
        assert_eq!((job.status, job.stage), (JobStatus::Completed, None));
        assert_eq!((job.completed_at, job.updated_at), (Some(minutes(30)), minutes(30)));
        assert_eq!(job.final_cost, Some(job.current_cost));
        assert_eq!(job.progress_percent, 100.0);
    }

    #[test]
    fn an_illegal_transition_names_the_job_and_changes_nothing() {
        let mut job = running();
        job.transition(JobTransition::Cancel, minutes(5)).unwrap();
        let before = job.clone();
        let err = job.transition(JobTransition::Cancel, minutes(6)).unwrap_err();
        assert_eq!(err.job_id(), Some(job.id));
        assert_eq!(err.to_string(), format!("job {} is cancelled, a final status: it cannot be cancelled", job.id));
        assert_eq!(job, before);
        assert!(job.fail("oom", "out of memory", minutes(7)).is_err());
        assert!(job.retry_after_transient_failure("timeout", "backend timed out", 3, minutes(7)).is_err());
        assert_eq!(job, before);
    }

    #[test]
    fn an_existing_final_cost_is_kept() {
        let mut job = running();
        let accounted: Money = "0.85".parse().unwrap();
        job.final_cost = Some(accounted);
        job.transition(JobTransition::Cancel, minutes(9)).unwrap();
        assert_eq!(job.final_cost, Some(accounted));
    }

    #[test]
    fn fail_records_the_error() {
        let mut job = running();
        job.fail("out_of_memory", "CUDA out of memory", minutes(4)).unwrap();
        assert_eq!((job.status, job.completed_at), (JobStatus::Failed, Some(minutes(4))));
        assert_eq!(job.error_type.as_deref(), Some("out_of_memory"));
        assert_eq!(job.error_message.as_deref(), Some("CUDA out of memory"));
    }

    #[test]
    fn retries_are_counted_until_the_limit_then_the_job_fails() {
        let mut job = running();
        let spent = job.current_cost;
        assert!(job.retry_after_transient_failure("backend_unavailable", "503", 2, minutes(3)).unwrap());
        assert_eq!((job.status, job.retry_count, job.stage), (JobStatus::Queued, 1, None));
        assert_eq!((job.started_at, job.current_step, job.progress_percent), (None, 0, 0.0));
        assert_eq!((job.external_job_id.as_deref(), job.backend_handle.as_ref()), (None, None));
        assert_eq!((job.current_metrics, job.current_cost, job.completed_at), (None, spent, None));
        assert_eq!(job.error_type.as_deref(), Some("backend_unavailable"));

        job.transition(JobTransition::Initialize, minutes(4)).unwrap();
        assert!(job.retry_after_transient_failure("submit_timeout", "timed out", 2, minutes(5)).unwrap());
        assert_eq!((job.status, job.retry_count), (JobStatus::Queued, 2));

        job.transition(JobTransition::Initialize, minutes(6)).unwrap();
        job.transition(JobTransition::Start, minutes(7)).unwrap();
        assert!(!job.retry_after_transient_failure("node_lost", "node went away", 2, minutes(8)).unwrap());
        assert_eq!((job.status, job.retry_count), (JobStatus::Failed, 2));
        assert_eq!((job.completed_at, job.final_cost), (Some(minutes(8)), Some(spent)));
        assert_eq!(job.error_message.as_deref(), Some("node went away"));
    }

    #[test]
    fn zero_max_retries_fails_at_once_and_a_queued_job_cannot_retry() {
        let mut job = queued();
        let before = job.clone();
        let err = job.retry_after_transient_failure("x", "y", 5, minutes(1)).unwrap_err();
        assert_eq!(err.transition(), JobTransition::RetryTransient);
        assert_eq!(job, before);
        job.transition(JobTransition::Initialize, minutes(1)).unwrap();
        assert!(!job.retry_after_transient_failure("x", "y", 0, minutes(2)).unwrap());
        assert_eq!((job.status, job.retry_count), (JobStatus::Failed, 0));
    }

    #[test]
    fn full_record_round_trips_through_json() {
        let mut job = running();
        job.estimated_completion_at = Some(minutes(40));
        job.estimated_total_cost = Some("1.6400".parse().unwrap());
        job.final_cost = Some("1.23".parse().unwrap());
        job.error_type = Some("transient".into());
        job.error_message = Some("retried".into());
        job.retry_count = 1;
        job.artifact_id = Some(ArtifactId::new());
        job.completed_at = Some(minutes(41));
        job.current_metrics = Some(CurrentMetrics {
            training_loss: Some(1.25),
            validation_loss: Some(1.4),
            learning_rate: Some(2e-4),
            grad_norm: Some(0.9),
            tokens_per_second: Some(5_400.5),
            gpu_utilization_percent: Some(97.0),
            gpu_memory_used_gb: Some(61.2),
        });
        let json = serde_json::to_value(&job).unwrap();
        assert_eq!(json["status"], "running");
        assert_eq!(json["stage"], "training");
        assert_eq!(json["preset"], "balanced");
        assert_eq!(json["estimated_total_cost"], "1.6400");
        assert_eq!(json["gpu"]["gpu_type"], "A100-80GB");
        assert_eq!(serde_json::from_value::<TrainingJob>(json).unwrap(), job);
    }
}
