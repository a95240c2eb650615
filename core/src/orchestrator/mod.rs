//! The orchestrator: background work that moves datasets and jobs through their lives.
//!
//! [`Orchestrator::run_once`] makes one pass (for a cron or a test), [`Orchestrator::run`]
//! loops until told to stop. A pass validates datasets awaiting validation, submits queued
//! jobs and follows submitted ones: reads new worker events by cursor, writes metrics and
//! progress, and finishes jobs whose workers are done. Every row it works on is claimed
//! with a lease first, so any number of orchestrators can share one database; a dead
//! one's leases expire and another carries on. Every step is idempotent: a repeated event
//! is dropped by its sequence number, a metrics point is stored once per step, and the
//! artifact, cost records and notifications have ids derived from the job.

pub mod accounting;
mod files;
mod finish;
mod follow;
pub(crate) mod notify;
pub mod quality;
pub mod retry;
mod submission;
mod validation;

pub use follow::{FollowState, MAX_STEPS};
pub use submission::TRAINING_SEED;
pub use validation::training_examples;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::FutureExt as _;

use crate::model::{JobStatus, JobTransition, Money, Timestamp, TrainingJob};
use crate::service::{BrightRun, ServiceError};
use crate::store::{JobProgress, Lease, LeaseTarget, StoreError};
use accounting::{eta, progress_percent, running_cost};

/// How an orchestrator works.
#[derive(Debug, Clone, PartialEq)]
pub struct OrchestratorOptions {
    /// How long a claim lasts without renewal; a crashed orchestrator's work is retaken
    /// after this.
    pub lease: TimeDelta,
    /// Retries of a transient failure before a job fails.
    pub max_retries: u32,
    /// Share of conversations held out for validation when the dataset has no split.
    pub validation_fraction: f64,
    /// Pause between passes of [`Orchestrator::run`].
    pub poll_interval: Duration,
    /// Event batches read per job per pass.
    pub max_event_batches: usize,
}

impl Default for OrchestratorOptions {
    fn default() -> Self {
        Self {
            lease: TimeDelta::seconds(60),
            max_retries: retry::DEFAULT_MAX_RETRIES,
            validation_fraction: 0.1,
            poll_interval: Duration::from_secs(1),
            max_event_batches: 16,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PassReport {
    /// Datasets validated.
    pub datasets_validated: u32,
    /// Jobs submitted to the backend.
    pub jobs_submitted: u32,
    /// Submitted jobs whose progress was read.
    pub jobs_followed: u32,
    /// Jobs whose work failed in this pass (logged; retried next pass).
    pub errors: u32,
}

/// Background work of a [`BrightRun`].
#[derive(Debug, Clone)]
pub struct Orchestrator {
    app: BrightRun,
    holder: String,
    options: OrchestratorOptions,
}

impl Orchestrator {
    /// An orchestrator over `app`'s parts, with a unique holder name for its leases.
    pub fn new(app: BrightRun, options: OrchestratorOptions) -> Self {
        let holder = format!("orchestrator-{}-{}", std::process::id(), uuid::Uuid::now_v7());
        Self { app, holder, options }
    }

    /// The name its leases carry.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// One pass over everything due. Per-item failures, panics included, are logged and
    /// counted, never stop the pass; the item's lease lapses and a later pass tries again.
    pub async fn run_once(&self) -> Result<PassReport, ServiceError> {
        let mut report = PassReport::default();
        while let Some(dataset) = self.app.db.claim_dataset_for_validation(&self.lease()).await? {
            match isolated(self.validate_dataset(dataset)).await {
                Ok(()) => report.datasets_validated += 1,
                Err(e) => self.log_failure("validation", &e, &mut report),
            }
        }
        let mut claimed = Vec::new();
        while let Some(job) = self.app.db.claim_job(&[JobStatus::Queued], &self.lease()).await? {
            claimed.push((job.user_id, job.id));
            match isolated(self.submit_job(job)).await {
                Ok(()) => report.jobs_submitted += 1,
                Err(e) => self.log_failure("submission", &e, &mut report),
            }
        }
        while let Some(job) =
            self.app.db.claim_job(&[JobStatus::Initializing, JobStatus::Running], &self.lease()).await?
        {
            claimed.push((job.user_id, job.id));
            match isolated(self.follow(job)).await {
                Ok(()) => report.jobs_followed += 1,
                Err(e) => self.log_failure("follow", &e, &mut report),
            }
        }
        for (user_id, id) in claimed {
            // A job that reached a final status already gave its lease up.
            match self.app.db.release_lease(LeaseTarget::Job { user_id, id }, &self.holder).await {
                Ok(()) | Err(StoreError::NotFound { .. } | StoreError::StaleState { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(report)
    }

    /// Passes until `shutdown` completes, pausing between them.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), ServiceError> {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            if let Err(e) = self.run_once().await {
                tracing::warn!(error = %e, "orchestrator pass failed");
            }
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(self.options.poll_interval) => {}
            }
        }
    }

    fn lease(&self) -> Lease {
        Lease::new(self.holder.clone(), Timestamp::now(), self.options.lease)
    }

    fn log_failure(&self, what: &str, error: &ServiceError, report: &mut PassReport) {
        tracing::warn!(error = %error, "{what} failed; it will be retried");
        report.errors += 1;
    }

    /// A fresh scratch directory for one piece of work.
    fn scratch_dir(&self, name: &str) -> Result<PathBuf, ServiceError> {
        let dir = self.app.config.scratch_dir().join(name);
        std::fs::create_dir_all(&dir).map_err(|e| ServiceError::io(format!("creating {}", dir.display()), e))?;
        Ok(dir)
    }

    /// Reads a submitted job's new output and status, records progress, finishes it when
    /// its worker is done.
    async fn follow(&self, job: TrainingJob) -> Result<(), ServiceError> {
        let Some(mut state) = FollowState::of(&job) else {
            // Initializing without a handle: its orchestrator died mid-submission.
            return self.launch(job).await;
        };
        let status = self.app.backend.status(&state.handle).await?;
        let mut points = Vec::new();
        for _ in 0..self.options.max_event_batches {
            let batch = self.app.backend.events(&state.handle, state.cursor).await?;
            let done = batch.cursor == state.cursor;
            points.extend(state.apply(&job, batch.lines, Timestamp::now()));
            state.cursor = batch.cursor;
            if done {
                break;
            }
        }
        if !points.is_empty() {
            self.app.db.insert_metrics(job.user_id, job.id, &points).await?;
        }
        let now = Timestamp::now();
        let mut job = job;
        if job.status == JobStatus::Initializing && (state.total_steps.is_some() || status.is_terminal()) {
            job = match self.app.db.transition_job(job.user_id, job.id, JobTransition::Start, None, now).await {
                Ok(job) => {
                    notify::job(&*self.app.db, &job, crate::model::NotificationType::JobStarted, now).await?;
                    job
                }
                Err(StoreError::StaleState { .. }) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
        }
        self.record_worker_times(&mut state, status.is_terminal(), now).await?;
        self.app.db.set_job_backend(job.user_id, job.id, &state.handle.external_id, &state.to_value(), now).await?;
        if status.is_terminal() {
            return self.finish(job, state, status).await;
        }
        if job.status == JobStatus::Running {
            self.record_progress(&job, &mut state, now).await?;
        }
        Ok(())
    }

    /// Learns when the worker started and, once it is done, when it ended: each fixed the
    /// first time it is known (never later than `now`) and stored with the state before
    /// anything is billed, so every later pass, on any orchestrator, bills the same.
    async fn record_worker_times(
        &self,
        state: &mut FollowState,
        done: bool,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let ended_unknown = done && state.ended_at.is_none();
        if state.worker_started_at.is_some() && !ended_unknown {
            return Ok(());
        }
        let times = self.app.backend.worker_times(&state.handle).await?;
        state.worker_started_at = state.worker_started_at.or(times.started_at.map(|started| started.min(now)));
        if ended_unknown {
            state.ended_at = Some(times.ended_at.map_or(now, |ended| ended.min(now)));
        }
        Ok(())
    }

    /// Writes progress, ETA and the live cost (the settled attempts plus this one so far);
    /// stops a job whose whole cost reached its cap.
    async fn record_progress(
        &self,
        job: &TrainingJob,
        state: &mut FollowState,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let total = state.total_steps.unwrap_or(job.total_steps).max(1);
        let started = job.started_at.unwrap_or(now);
        let settled = self.settled_cost(job).await?;
        let current_cost = running_cost(settled, &job.gpu, state.billed_from(job), now)?;
        let progress = JobProgress {
            stage: state.stage,
            progress_percent: progress_percent(state.step, total),
            current_epoch: state.epoch.floor().max(0.0) as u32,
            current_step: state.step,
            current_metrics: state.metrics,
            estimated_completion_at: eta(started, now, state.step, total),
            current_cost,
        };
        match self.app.db.update_job_progress(job.user_id, job.id, &progress, now).await {
            Ok(_) | Err(StoreError::StaleState { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(cap) = self.reached_cost_cap(job.user_id, current_cost).await?
            && state.stop_reason.is_none()
        {
            state.stop_reason = Some(format!(
                "stopped at the per-job cost cap of ${}: the job had cost ${}",
                cap.round_to_cents(),
                current_cost
            ));
            self.app.db.set_job_backend(job.user_id, job.id, &state.handle.external_id, &state.to_value(), now).await?;
            self.app.backend.cancel(&state.handle).await?;
        }
        Ok(())
    }

    /// What the job's finished attempts cost: the sum of its cost records.
    async fn settled_cost(&self, job: &TrainingJob) -> Result<Money, ServiceError> {
        let records = self.app.db.job_costs(job.user_id, job.id).await?;
        Money::checked_sum(records.iter().map(|record| record.amount))
            .ok_or(ServiceError::Estimate(crate::estimate::EstimateError::OutOfRange { what: "job cost" }))
    }

    /// The user's per-job cost cap, when a job that cost `cost` has reached it.
    async fn reached_cost_cap(
        &self,
        user_id: crate::model::UserId,
        cost: Money,
    ) -> Result<Option<Money>, ServiceError> {
        let budget = self.app.db.budget(user_id).await?;
        Ok(budget.per_job_cost_cap.filter(|cap| cost >= *cap))
    }
}

/// Runs one item's work so that a panic in it becomes that item's error: one bad job (a
/// hostile number that slipped past every check) never stops the pass for the others.
async fn isolated(work: impl Future<Output = Result<(), ServiceError>>) -> Result<(), ServiceError> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            Err(ServiceError::internal(format!("the work panicked: {message}")))
        }
    }
}
