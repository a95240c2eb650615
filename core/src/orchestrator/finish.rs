//! Ending a job: collecting and verifying the adapter, accounting, failing and retrying.

use chrono::Datelike as _;
use serde_json::json;

use super::accounting::{attempt_charge, budget_crossings, cost_alert, seconds_between};
use super::failpoints::failpoint;
use super::lease::{Hold, Pass};
use super::quality::quality_metrics;
use super::retry::is_transient;
use super::submission::{INPUT_FILES, model_id_of};
use super::{Orchestrator, files};
use crate::backend::{ARTIFACT_NAMES, ArtifactSource, BackendStatus, Transfer};
use crate::blob::{BlobError, BlobKey};
use crate::estimate::billable_hours;
use crate::model::{
    ArtifactConfiguration, ArtifactFile, ArtifactId, ArtifactStatus, BillingPeriod, CostRecord, CostRecordId, CostType,
    JobTransition, ModelArtifact, Money, NotificationType, Timestamp, TrainingJob, TrainingSummary,
};
use crate::service::{FollowState, ServiceError, derived_id, notify};
use crate::store::{JobError, JobProgress, MetricSeries, StoreError};

/// Points of each curve read back to grade a finished run.
const QUALITY_POINTS: usize = 2_000;

impl Orchestrator {
    /// Acts on a backend status that says the job's worker is done, then clears the
    /// attempt's scratch space.
    pub(super) async fn finish(
        &self,
        pass: &Pass,
        hold: &Hold,
        job: TrainingJob,
        mut state: FollowState,
        status: BackendStatus,
    ) -> Result<(), ServiceError> {
        if let Some(point) = state.flush() {
            failpoint!(self, "finish.last_point");
            pass.db.insert_metrics(job.user_id, job.id, &[point]).await?;
        }
        let attempt = job.retry_count;
        let id = job.id;
        let remote = (self.app.backend.transfer() == Transfer::SignedUrls).then(|| job.clone());
        self.judge(pass, hold, job, state, status).await?;
        failpoint!(self, "finish.cleanup");
        self.remove_work_dir(&self.work_dir(&super::submission::attempt_work(id, attempt))).await;
        if let Some(job) = remote {
            self.remove_attempt_objects(&job, attempt).await;
        }
        Ok(())
    }

    /// The verdict on a finished worker: completed, failed, retried or cancelled.
    async fn judge(
        &self,
        pass: &Pass,
        hold: &Hold,
        job: TrainingJob,
        state: FollowState,
        status: BackendStatus,
    ) -> Result<(), ServiceError> {
        // A worker its owner asked to stop ends cancelled, however it went: not retried.
        let status = match status {
            BackendStatus::Failed { .. } | BackendStatus::Lost { .. } if job.cancel_requested_at.is_some() => {
                BackendStatus::Cancelled
            }
            status => status,
        };
        match status {
            BackendStatus::Succeeded if !state.completed_seen => {
                let error = JobError {
                    error_type: "worker_protocol".into(),
                    message: "the backend reported success but the worker never sent `completed`: \
                              the adapter may be incomplete, so it was not kept"
                        .into(),
                };
                let job = self.account_attempt(pass, &job, &state).await?;
                self.fail_job(pass, &job, &error).await
            }
            BackendStatus::Succeeded => self.complete(pass, hold, job, state).await,
            BackendStatus::Cancelled => {
                let job = self.account_attempt(pass, &job, &state).await?;
                let error = state.stop_reason.map(|message| JobError { error_type: "cost_cap".into(), message });
                self.cancel_job(pass, &job, error.as_ref()).await
            }
            BackendStatus::Failed { exit_code, reason } => {
                let error = state.failure.clone().unwrap_or_else(|| JobError {
                    error_type: match exit_code {
                        Some(2) => "bad_spec",
                        Some(3) => "dataset_error",
                        Some(4) => "out_of_memory",
                        _ => "worker_crashed",
                    }
                    .into(),
                    message: reason,
                });
                let job = self.account_attempt(pass, &job, &state).await?;
                self.fail_or_retry(pass, &job, &error).await
            }
            BackendStatus::Lost { reason } => {
                let job = self.account_attempt(pass, &job, &state).await?;
                self.fail_or_retry(pass, &job, &JobError { error_type: "lost".into(), message: reason }).await
            }
            BackendStatus::Queued | BackendStatus::Running => Ok(()),
        }
    }

    /// Retries a transient failure (bounded), fails a permanent one, and fails a job whose
    /// cost so far already reached its per-job cap: the cap is the whole job's, so another
    /// attempt would only be stopped again.
    async fn fail_or_retry(&self, pass: &Pass, job: &TrainingJob, error: &JobError) -> Result<(), ServiceError> {
        if !is_transient(&error.error_type) {
            return self.fail_job(pass, job, error).await;
        }
        if let Some(cap) = self.reached_cost_cap(pass, job.user_id, job.current_cost).await? {
            let error = JobError {
                error_type: "cost_cap".into(),
                message: format!(
                    "{} (not retried: the job had cost ${}, its per-job cost cap is ${})",
                    error.message,
                    job.current_cost,
                    cap.round_to_cents()
                ),
            };
            return self.fail_job(pass, job, &error).await;
        }
        let now = Timestamp::now();
        let failed = notify::after(job, JobTransition::Fail, Some(error), now);
        let if_failed = notify::job_notification(&failed, NotificationType::JobFailed, now);
        failpoint!(self, "finish.retry");
        let (user_id, id, max_retries) = (job.user_id, job.id, self.options.max_retries);
        pass.db.retry_or_fail_job(user_id, id, error, max_retries, Some(&if_failed), now).await?;
        Ok(())
    }

    /// Cancels a job (`error` says why, when the orchestrator stopped it itself) and tells
    /// its owner, in one write.
    pub(super) async fn cancel_job(
        &self,
        pass: &Pass,
        job: &TrainingJob,
        error: Option<&JobError>,
    ) -> Result<(), ServiceError> {
        let now = Timestamp::now();
        let cancelled = notify::after(job, JobTransition::Cancel, error, now);
        let notification = notify::job_notification(&cancelled, NotificationType::JobCancelled, now);
        failpoint!(self, "finish.cancel");
        match pass.db.transition_job(job.user_id, job.id, JobTransition::Cancel, error, Some(&notification), now).await
        {
            Ok(_) | Err(StoreError::StaleState { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Fails a job for good and tells its owner, in one write.
    pub(super) async fn fail_job(&self, pass: &Pass, job: &TrainingJob, error: &JobError) -> Result<(), ServiceError> {
        let now = Timestamp::now();
        let failed = notify::after(job, JobTransition::Fail, Some(error), now);
        let notification = notify::job_notification(&failed, NotificationType::JobFailed, now);
        failpoint!(self, "finish.fail");
        match pass
            .db
            .transition_job(job.user_id, job.id, JobTransition::Fail, Some(error), Some(&notification), now)
            .await
        {
            // Cancelled meanwhile: nothing to fail.
            Ok(_) | Err(StoreError::StaleState { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Settles what this attempt cost, from its start to its worker's exit, in one cost
    /// record (derived id: once per attempt, whatever is repeated) and returns the job, whose
    /// cost is now the sum of its records. The progress written keeps the attempt's last
    /// step and metrics.
    async fn account_attempt(
        &self,
        pass: &Pass,
        job: &TrainingJob,
        state: &FollowState,
    ) -> Result<TrainingJob, ServiceError> {
        let now = Timestamp::now();
        let ended = state.ended_at.unwrap_or(now);
        let started = state.billed_from(job);
        let charge = attempt_charge(&job.gpu, started, ended)?;
        let period = BillingPeriod::containing(ended);
        let record = CostRecord {
            id: CostRecordId::from_uuid(derived_id(job.id.as_uuid(), &format!("compute/{}", job.retry_count))),
            user_id: job.user_id,
            job_id: Some(job.id),
            cost_type: CostType::Compute,
            amount: charge.amount,
            currency: crate::model::CURRENCY.into(),
            details: json!({
                "gpu_type": job.gpu.gpu_type,
                "gpu_count": job.gpu.gpu_count,
                "price_per_gpu_hour": job.gpu.price_per_gpu_hour,
                "billable_hours": charge.billable_hours,
                "started_at": started,
                "ended_at": ended,
                "attempt": job.retry_count,
            }),
            billing_period_start: period.start,
            billing_period_end: period.end,
            created_at: now,
        };
        failpoint!(self, "finish.settle");
        let settled = pass.db.settle_job_cost(&record, now).await?;
        let stored = &settled.record;
        let stored_period = BillingPeriod { start: stored.billing_period_start, end: stored.billing_period_end };
        failpoint!(self, "finish.budget");
        self.check_budget(pass, job, stored.amount, stored_period, now).await?;
        let progress = JobProgress {
            stage: state.stage,
            progress_percent: job.progress_percent,
            current_epoch: job.current_epoch,
            current_step: state.step,
            current_metrics: state.metrics,
            estimated_completion_at: None,
            current_cost: settled.job.current_cost,
        };
        failpoint!(self, "finish.progress");
        match pass.db.update_job_progress(job.user_id, job.id, &progress, now).await {
            Ok(job) => Ok(job),
            Err(StoreError::StaleState { .. }) => Ok(settled.job),
            Err(e) => Err(e.into()),
        }
    }

    /// Sends a cost alert when this cost pushed the month over a budget line.
    async fn check_budget(
        &self,
        pass: &Pass,
        job: &TrainingJob,
        amount: Money,
        period: BillingPeriod,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let budget = pass.db.budget(job.user_id).await?;
        let Some(limit) = budget.monthly_budget else { return Ok(()) };
        let after = pass.db.cost_totals(job.user_id, period).await?.total;
        let before = Money::new(after.amount().checked_sub(amount.amount()).unwrap_or(rust_decimal::Decimal::ZERO));
        for crossing in budget_crossings(before, after, limit, u32::from(budget.alert_threshold_percent)) {
            cost_alert(&*pass.db, job.user_id, period, crossing, after, limit, now).await?;
        }
        Ok(())
    }

    /// Copies and verifies the adapter, records the model and the cost, completes the job.
    async fn complete(
        &self,
        pass: &Pass,
        hold: &Hold,
        job: TrainingJob,
        state: FollowState,
    ) -> Result<(), ServiceError> {
        failpoint!(self, "finish.collect");
        let collected = self.app.backend.collect(&state.handle).await?;
        let model_id = model_id_of(job.id);
        let mut files = Vec::with_capacity(collected.len());
        for artifact in &collected {
            let key = BlobKey::model(job.user_id, model_id, &artifact.name)?;
            failpoint!(self, "finish.upload");
            let stored = match &artifact.source {
                ArtifactSource::LocalPath { path } => {
                    hold.guard(files::upload_hashed(&self.app.blobs, &key, path.clone())).await??
                }
                ArtifactSource::Uploaded => match self.staged_size(&job, model_id, &artifact.name).await? {
                    Ok(staged) if staged.1 == artifact.bytes => {
                        hold.guard(files::copy_hashed(&self.app.blobs, &staged.0, &key)).await??
                    }
                    Ok((_, bytes)) => files::Uploaded { bytes, sha256: "(not read: the size differs)".into() },
                    Err(problem) => {
                        let error = JobError { error_type: "artifact_mismatch".into(), message: problem };
                        let job = self.account_attempt(pass, &job, &state).await?;
                        return self.fail_job(pass, &job, &error).await;
                    }
                },
            };
            if stored.sha256 != artifact.sha256 || stored.bytes != artifact.bytes {
                failpoint!(self, "finish.mismatch");
                self.app.blobs.delete(&key).await?;
                let error = JobError {
                    error_type: "artifact_mismatch".into(),
                    message: format!(
                        "{} does not match what the worker announced (sha256 {} / {} bytes, found {} / {} bytes)",
                        artifact.name, artifact.sha256, artifact.bytes, stored.sha256, stored.bytes
                    ),
                };
                let job = self.account_attempt(pass, &job, &state).await?;
                return self.fail_job(pass, &job, &error).await;
            }
            files.push(ArtifactFile { name: artifact.name.clone(), bytes: stored.bytes, sha256: stored.sha256 });
        }
        let job = self.account_attempt(pass, &job, &state).await?;
        let now = Timestamp::now();
        let ended = state.ended_at.unwrap_or(now);
        let duration_seconds = state.billed_from(&job).map_or(0.0, |start| seconds_between(start, ended));
        failpoint!(self, "finish.curve");
        let curve = self.curve(pass, &job).await?;
        let tokens = state.tokens_processed.unwrap_or(0);
        let model = ModelArtifact {
            id: model_id,
            user_id: job.user_id,
            job_id: job.id,
            dataset_id: job.dataset_id,
            name: format!(
                "{} LoRA {}-{:02}-{:02}",
                job.hyperparameters.base_model,
                now.as_datetime().year(),
                now.as_datetime().month(),
                now.as_datetime().day()
            ),
            description: None,
            status: ArtifactStatus::Stored,
            base_model: job.hyperparameters.base_model.clone(),
            quality_metrics: quality_metrics(&curve),
            training_summary: TrainingSummary {
                duration_seconds,
                gpu_hours: billable_hours(duration_seconds) * rust_decimal::Decimal::from(job.gpu.gpu_count),
                total_steps: state.step,
                epochs_completed: job.hyperparameters.epochs,
                tokens_processed: tokens,
                average_tokens_per_second: if duration_seconds > 0.0 { tokens as f64 / duration_seconds } else { 0.0 },
                final_cost: job.current_cost,
            },
            configuration: ArtifactConfiguration {
                preset: job.preset,
                hyperparameters: job.hyperparameters.clone(),
                gpu: job.gpu.clone(),
            },
            storage_path: format!("models/{}/{}/", job.user_id, model_id),
            files,
            parent_model_id: None,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        failpoint!(self, "finish.artifact");
        match pass.db.insert_artifact(&model).await {
            Ok(()) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        failpoint!(self, "finish.link_artifact");
        let job = pass.db.set_job_artifact(job.user_id, job.id, model_id, now).await?;
        let completed = notify::after(&job, JobTransition::Complete, None, now);
        let notification = notify::job_notification(&completed, NotificationType::JobComplete, now);
        failpoint!(self, "finish.complete");
        match pass.db.transition_job(job.user_id, job.id, JobTransition::Complete, None, Some(&notification), now).await
        {
            Ok(_) | Err(StoreError::StaleState { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Where the worker of the job's current attempt uploaded `name`, and its size; `Err`
    /// says why it cannot be accepted (a name no URL was signed for, nothing uploaded).
    async fn staged_size(
        &self,
        job: &TrainingJob,
        model_id: ArtifactId,
        name: &str,
    ) -> Result<Result<(BlobKey, u64), String>, ServiceError> {
        if !ARTIFACT_NAMES.contains(&name) {
            return Ok(Err(format!("the worker announced {name:?}, a file no upload URL was given for")));
        }
        let staged = BlobKey::attempt_artifact(job.user_id, model_id, job.retry_count, name)?;
        match self.app.blobs.head(&staged).await {
            Ok(meta) => Ok(Ok((staged, meta.size))),
            Err(BlobError::NotFound { .. }) => {
                Ok(Err(format!("the worker announced {name} but did not upload it (nothing at {staged})")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Removes what a worker of a signed-URL backend was given and left in the object
    /// store for this attempt: its training files and its uploads (copied to the model's
    /// own keys if accepted). A failure is only logged.
    pub(super) async fn remove_attempt_objects(&self, job: &TrainingJob, attempt: u32) {
        let model_id = model_id_of(job.id);
        let inputs =
            INPUT_FILES.iter().map(|file| BlobKey::job_input(job.user_id, job.dataset_id, job.id, attempt, file));
        let uploads = ARTIFACT_NAMES.iter().map(|name| BlobKey::attempt_artifact(job.user_id, model_id, attempt, name));
        for key in inputs.chain(uploads).filter_map(Result::ok) {
            if let Err(e) = self.app.blobs.delete(&key).await {
                tracing::warn!(%key, error = %e, "could not remove an attempt's object");
            }
        }
    }

    /// The training and validation curves, downsampled, merged in step order.
    async fn curve(&self, pass: &Pass, job: &TrainingJob) -> Result<Vec<crate::model::MetricsPoint>, ServiceError> {
        let db = &pass.db;
        let mut points =
            db.metrics_downsampled(job.user_id, job.id, MetricSeries::TrainingLoss, QUALITY_POINTS).await?;
        let validation =
            db.metrics_downsampled(job.user_id, job.id, MetricSeries::ValidationLoss, QUALITY_POINTS).await?;
        for point in validation {
            match points.iter_mut().find(|p| p.step == point.step) {
                Some(existing) => existing.metrics.validation_loss = point.metrics.validation_loss,
                None => points.push(point),
            }
        }
        points.sort_by_key(|p| p.step);
        Ok(points)
    }
}
