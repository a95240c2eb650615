//! Training jobs: estimate, create, read, list, cancel, and follow their metrics and events.

use serde::Serialize;

use super::{BrightRun, FollowState, MAX_STEPS, ServiceError, notify};
use crate::backend::{EventBatch, EventCursor};
use crate::config::{BaseModel, GpuSelection, Hyperparameters, Preset};
use crate::error_code::Code;
use crate::estimate::{Assumptions, DatasetSize, Estimate, EstimateRequest, estimate};
use crate::model::{
    CostRecord, Dataset, DatasetFormat, DatasetId, DatasetStatus, JobId, JobStatus, JobTransition, MetricsPoint,
    NotificationType, Timestamp, TrainingJob, UserId,
};
use crate::store::{JobQuery, MetricSeries, Page, StoreError};

/// The most points a chart read returns.
pub const MAX_CHART_POINTS: usize = 5_000;

/// What to train: a ready dataset, a base model, a preset (or custom values) and GPUs.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRequest {
    /// The dataset, which must be the caller's and ready.
    pub dataset_id: DatasetId,
    /// The preset the values come from (`custom` with `hyperparameters`).
    pub preset: Preset,
    /// Hub id of the base model (see the base-model catalog), or `smoke`.
    pub base_model: String,
    /// Values that replace the preset's; `None` uses the preset for `base_model`.
    pub hyperparameters: Option<Hyperparameters>,
    /// GPU kind, count and price.
    pub gpu: GpuSelection,
    /// Tokens per second of one GPU measured on earlier jobs, if known.
    pub measured_tokens_per_second: Option<f64>,
}

/// What a job page shows about its dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DatasetSummary {
    /// The dataset.
    pub id: DatasetId,
    /// Its name.
    pub name: String,
    /// Its format.
    pub format: DatasetFormat,
    /// Training pairs.
    pub training_pairs: u64,
    /// Tokens.
    pub total_tokens: u64,
}

/// A job with its dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct JobDetails {
    /// The job.
    pub job: TrainingJob,
    /// Its dataset (even if since deleted, as it was).
    pub dataset: Option<DatasetSummary>,
}

impl JobRequest {
    fn hyperparameters(&self) -> Hyperparameters {
        let mut hyperparameters =
            self.hyperparameters.clone().unwrap_or_else(|| self.preset.hyperparameters(&self.base_model));
        hyperparameters.base_model.clone_from(&self.base_model);
        hyperparameters
    }
}

/// Optimiser steps of a run over `examples` training examples, at most
/// [`MAX_STEPS`] (what the databases count).
pub(crate) fn total_steps(examples: u64, hyperparameters: &Hyperparameters) -> u64 {
    let profile = crate::config::DatasetProfile { training_examples: examples };
    profile.total_steps(hyperparameters).min(MAX_STEPS)
}

impl BrightRun {
    /// Estimates a job from the dataset's real token counts. GPUs the backend cannot give
    /// the job are refused ([`Code::NotEnoughGpus`]), here and in [`create_job`](Self::create_job).
    pub async fn estimate_job(&self, user_id: UserId, request: &JobRequest) -> Result<Estimate, ServiceError> {
        let dataset = self.ready_dataset(user_id, request.dataset_id).await?;
        self.estimate_for(&dataset, request)
    }

    /// Creates a queued job; the orchestrator submits it.
    pub async fn create_job(&self, user_id: UserId, request: &JobRequest) -> Result<TrainingJob, ServiceError> {
        let dataset = self.ready_dataset(user_id, request.dataset_id).await?;
        let estimate = self.estimate_for(&dataset, request)?;
        let now = Timestamp::now();
        let hyperparameters = request.hyperparameters();
        // The trainer batches conversations (training examples), not assistant turns.
        let steps = total_steps(dataset.training_examples(), &hyperparameters);
        let mut job = TrainingJob::new_queued(
            user_id,
            dataset.id,
            request.preset,
            hyperparameters,
            request.gpu.clone(),
            steps,
            now,
        );
        job.estimated_total_cost = Some(estimate.cost.total);
        // None when the estimate ends beyond any timestamp (a throughput near zero).
        job.estimated_completion_at = now.checked_plus_seconds(estimate.duration.total_seconds.expected);
        self.db.insert_job(&job).await?;
        notify::job(&*self.db, &job, NotificationType::JobQueued, now).await?;
        Ok(job)
    }

    /// A job with its dataset summary.
    pub async fn get_job(&self, user_id: UserId, id: JobId) -> Result<JobDetails, ServiceError> {
        let job = self.db.get_job(user_id, id).await?;
        let dataset = match self.db.get_dataset(user_id, job.dataset_id).await {
            Ok(d) => Some(DatasetSummary {
                id: d.id,
                name: d.name,
                format: d.format,
                training_pairs: d.total_training_pairs,
                total_tokens: d.total_tokens,
            }),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(JobDetails { job, dataset })
    }

    /// A page of the user's jobs, newest first.
    pub async fn list_jobs(&self, user_id: UserId, query: &JobQuery) -> Result<Page<TrainingJob>, ServiceError> {
        Ok(self.db.list_jobs(user_id, query).await?)
    }

    /// Cancels a job. A queued one is cancelled at once. For one being launched or running
    /// the request is recorded ([`TrainingJob::cancel_requested_at`]) and the job returned
    /// as it is: the orchestrator that holds it asks its worker to stop on its next pass (the
    /// worker saves a partial adapter), a worker whose launch was in flight included, and
    /// ends the job `cancelled` with its final cost once the worker is gone. Nothing here
    /// waits on the backend. A finished job is a [`Code::JobFinished`] error.
    pub async fn cancel_job(&self, user_id: UserId, id: JobId) -> Result<TrainingJob, ServiceError> {
        let job = self.db.get_job(user_id, id).await?;
        let finished = |status: JobStatus| {
            ServiceError::invalid(
                Code::JobFinished,
                format!("job {id} is already {status}: there is nothing to cancel"),
            )
        };
        if job.status.is_final() {
            return Err(finished(job.status));
        }
        let now = Timestamp::now();
        let cancelled = notify::after(&job, JobTransition::Cancel, None, now);
        let notification = notify::job_notification(&cancelled, NotificationType::JobCancelled, now);
        let job = match self.db.request_job_cancel(user_id, id, &notification, now).await {
            Ok(job) => job,
            Err(StoreError::StaleState { .. }) => return Err(finished(self.db.get_job(user_id, id).await?.status)),
            Err(e) => return Err(e.into()),
        };
        Ok(job)
    }

    /// A job's cost records, one per attempt that ran, oldest first: its cost is their sum.
    pub async fn job_costs(&self, user_id: UserId, id: JobId) -> Result<Vec<CostRecord>, ServiceError> {
        self.db.get_job(user_id, id).await?;
        Ok(self.db.job_costs(user_id, id).await?)
    }

    /// A job's metric curve downsampled to at most `max_points` for a chart.
    pub async fn job_metrics(
        &self,
        user_id: UserId,
        id: JobId,
        series: MetricSeries,
        max_points: usize,
    ) -> Result<Vec<MetricsPoint>, ServiceError> {
        let max_points = max_points.clamp(2, MAX_CHART_POINTS);
        Ok(self.db.metrics_downsampled(user_id, id, series, max_points).await?)
    }

    /// The worker's output after `cursor`: events and log lines, and the next cursor.
    pub async fn job_events(
        &self,
        user_id: UserId,
        id: JobId,
        cursor: EventCursor,
    ) -> Result<EventBatch, ServiceError> {
        let job = self.db.get_job(user_id, id).await?;
        match FollowState::of(&job) {
            Some(state) => Ok(self.backend.events(&state.handle, cursor).await?),
            None => Ok(EventBatch { lines: Vec::new(), cursor }),
        }
    }

    async fn ready_dataset(&self, user_id: UserId, id: DatasetId) -> Result<Dataset, ServiceError> {
        let dataset = self.db.get_dataset(user_id, id).await?;
        if dataset.status != DatasetStatus::Ready || !dataset.training_ready {
            return Err(ServiceError::invalid(
                Code::DatasetNotReady,
                format!("dataset {id} is {}: only a validated, ready dataset can be trained on", dataset.status),
            ));
        }
        Ok(dataset)
    }

    /// Refuses GPUs the job would be billed for and never get: more than one process on the
    /// CPU (it trains in one), or more GPUs than the backend can give one job (a local
    /// machine's largest GPU slot).
    fn check_gpus(&self, gpu: &GpuSelection) -> Result<(), ServiceError> {
        if gpu.worker_gpus() == 0 && gpu.gpu_count > 1 {
            return Err(ServiceError::invalid(
                Code::NotEnoughGpus,
                format!(
                    "a CPU job trains in one process: ask for 1 CPU, not {} (data-parallel training needs GPUs)",
                    gpu.gpu_count
                ),
            ));
        }
        Ok(self.backend.check_gpus(gpu.worker_gpus())?)
    }

    fn estimate_for(&self, dataset: &Dataset, request: &JobRequest) -> Result<Estimate, ServiceError> {
        self.check_gpus(&request.gpu)?;
        let model = BaseModel::find(&request.base_model).map_err(crate::estimate::EstimateError::from)?;
        let hyperparameters = request.hyperparameters();
        Ok(estimate(&EstimateRequest {
            architecture: &model.architecture,
            hyperparameters: &hyperparameters,
            gpu: &request.gpu,
            dataset: DatasetSize {
                tokens_per_epoch: dataset.total_tokens,
                training_examples: Some(dataset.training_examples()),
                dataset_bytes: dataset.file_size,
            },
            measured_tokens_per_second: request.measured_tokens_per_second,
            assumptions: &Assumptions::default(),
        })?)
    }
}
