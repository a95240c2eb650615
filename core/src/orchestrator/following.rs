//! Following a submitted job on each pass: its status, its new output, its progress and
//! its live cost; finishing it once its worker is done.

use std::sync::Arc;

use super::Orchestrator;
use super::accounting::{eta, progress_percent, running_cost};
use super::failpoints::failpoint;
use super::lease::{Hold, Outcome, Pass};
use crate::model::{JobStatus, JobTransition, Money, NotificationType, Timestamp, TrainingJob, UserId};
use crate::service::FollowState;
use crate::service::ServiceError;
use crate::service::notify;
use crate::store::{JobProgress, StoreError};

/// Metrics points written at once while reading a long output.
const METRICS_BATCH: usize = 5_000;

impl Orchestrator {
    /// Reads a submitted job's new output and status, records progress, finishes it when
    /// its worker is done. A job left initializing without a handle is launched.
    pub(super) async fn follow(&self, pass: &Pass, hold: Arc<Hold>, job: TrainingJob) -> Result<Outcome, ServiceError> {
        let Some(mut state) = FollowState::of(&job) else {
            // Not launched yet, or its orchestrator died while launching it.
            return self.launch(pass, &hold, job).await;
        };
        failpoint!(self, "follow.status");
        let status = self.app.backend.status(&state.handle).await?;
        let done = status.is_terminal();
        if job.cancel_requested_at.is_some() && !done && !state.cancel_sent {
            failpoint!(self, "follow.cancel");
            self.app.backend.cancel(&state.handle).await?;
            state.cancel_sent = true;
        }
        self.read_events(pass, &hold, &job, &mut state, done).await?;
        let now = Timestamp::now();
        let mut job = job;
        if job.status == JobStatus::Initializing && (state.total_steps.is_some() || done) {
            failpoint!(self, "follow.start");
            let started = notify::after(&job, JobTransition::Start, None, now);
            let notification = notify::job_notification(&started, NotificationType::JobStarted, now);
            job = match pass
                .db
                .transition_job(job.user_id, job.id, JobTransition::Start, None, Some(&notification), now)
                .await
            {
                Ok(job) => job,
                Err(StoreError::StaleState { .. }) => return Ok(Outcome::Done),
                Err(e) => return Err(e.into()),
            };
        }
        self.record_worker_times(&mut state, done, now).await?;
        failpoint!(self, "follow.store_state");
        let external_id = Some(state.handle.external_id.as_str());
        pass.db.set_job_backend(job.user_id, job.id, external_id, &state.to_value(), now).await?;
        if done {
            hold.check()?;
            self.finish(pass, &hold, job, state, status).await?;
        } else if job.status == JobStatus::Running {
            self.record_progress(pass, &job, &mut state, now).await?;
        }
        Ok(Outcome::Done)
    }

    /// Reads the worker's new output into `state` and stores its metrics points: at most
    /// [`super::OrchestratorOptions::max_event_batches`] batches while the worker runs, and,
    /// once it is done, every batch to the end, so the verdict sees all it wrote.
    async fn read_events(
        &self,
        pass: &Pass,
        hold: &Hold,
        job: &TrainingJob,
        state: &mut FollowState,
        done: bool,
    ) -> Result<(), ServiceError> {
        let mut points = Vec::new();
        let mut batches = 0;
        while done || batches < self.options.max_event_batches {
            hold.check()?;
            failpoint!(self, "follow.events");
            let batch = self.app.backend.events(&state.handle, state.cursor).await?;
            batches += 1;
            let at_end = batch.cursor == state.cursor;
            points.extend(state.apply(job, batch.lines, Timestamp::now()));
            state.cursor = batch.cursor;
            if points.len() >= METRICS_BATCH {
                failpoint!(self, "follow.metrics");
                pass.db.insert_metrics(job.user_id, job.id, &std::mem::take(&mut points)).await?;
            }
            if at_end {
                break;
            }
        }
        if !points.is_empty() {
            failpoint!(self, "follow.metrics");
            pass.db.insert_metrics(job.user_id, job.id, &points).await?;
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
        failpoint!(self, "follow.worker_times");
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
        pass: &Pass,
        job: &TrainingJob,
        state: &mut FollowState,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let total = state.total_steps.unwrap_or(job.total_steps).max(1);
        let started = job.started_at.unwrap_or(now);
        failpoint!(self, "follow.progress");
        let settled = self.settled_cost(pass, job).await?;
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
        match pass.db.update_job_progress(job.user_id, job.id, &progress, now).await {
            Ok(_) | Err(StoreError::StaleState { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        failpoint!(self, "follow.cost_cap");
        if let Some(cap) = self.reached_cost_cap(pass, job.user_id, current_cost).await?
            && state.stop_reason.is_none()
        {
            state.stop_reason = Some(format!(
                "stopped at the per-job cost cap of ${}: the job had cost ${}",
                cap.round_to_cents(),
                current_cost
            ));
            failpoint!(self, "follow.stop_at_cap");
            let external_id = Some(state.handle.external_id.as_str());
            pass.db.set_job_backend(job.user_id, job.id, external_id, &state.to_value(), now).await?;
            self.app.backend.cancel(&state.handle).await?;
        }
        Ok(())
    }

    /// What the job's finished attempts cost: the sum of its cost records.
    pub(super) async fn settled_cost(&self, pass: &Pass, job: &TrainingJob) -> Result<Money, ServiceError> {
        let records = pass.db.job_costs(job.user_id, job.id).await?;
        Money::checked_sum(records.iter().map(|record| record.amount))
            .ok_or(ServiceError::Estimate(crate::estimate::EstimateError::OutOfRange { what: "job cost" }))
    }

    /// The user's per-job cost cap, when a job that cost `cost` has reached it.
    pub(super) async fn reached_cost_cap(
        &self,
        pass: &Pass,
        user_id: UserId,
        cost: Money,
    ) -> Result<Option<Money>, ServiceError> {
        let budget = pass.db.budget(user_id).await?;
        Ok(budget.per_job_cost_cap.filter(|cap| cost >= *cap))
    }
}
