//! The arguments and results of [`Database`](super::Database) operations that are not model
//! records: pages, filters, leases, progress, budgets and totals.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::model::{
    ArtifactStatus, BillingPeriod, CostRecord, CostType, CurrentMetrics, DatasetFormat, DatasetId, DatasetStatus,
    JobId, JobStage, JobStatus, Money, Timestamp, TrainingJob, UserId,
};

/// Which page of a listing to return. The size is capped at [`PageRequest::MAX_LIMIT`] and
/// the offset at [`PageRequest::MAX_OFFSET`], so no request makes the database scan without
/// bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PageRequest {
    /// Rows per page, 1 to [`PageRequest::MAX_LIMIT`] (larger values are lowered to it).
    pub limit: u32,
    /// Rows to skip, at most [`PageRequest::MAX_OFFSET`].
    pub offset: u64,
}

impl PageRequest {
    /// Rows per page when the caller does not say.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// The largest page.
    pub const MAX_LIMIT: u32 = 100;
    /// The deepest offset; past it, filter instead of paging.
    pub const MAX_OFFSET: u64 = 100_000;

    /// The first page of `limit` rows.
    pub const fn first(limit: u32) -> Self {
        Self { limit, offset: 0 }
    }

    /// The limit and offset the database receives: the limit clamped to
    /// 1..=[`PageRequest::MAX_LIMIT`]; an offset beyond the cap is an error.
    pub(crate) fn checked(self) -> Result<(i64, i64), StoreError> {
        if self.offset > Self::MAX_OFFSET {
            return Err(StoreError::InvalidInput {
                field: "offset",
                message: format!(
                    "{} is beyond the cap of {}: narrow the filter instead",
                    self.offset,
                    Self::MAX_OFFSET
                ),
            });
        }
        let limit = self.limit.clamp(1, Self::MAX_LIMIT);
        Ok((i64::from(limit), self.offset as i64))
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first(Self::DEFAULT_LIMIT)
    }
}

/// One page of a listing and the number of rows that match the filter in all pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Page_for_{T}"))]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Rows matching the filter, all pages together.
    pub total: u64,
}

/// Ascending or descending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    /// Smallest first.
    Ascending,
    /// Largest (or newest) first.
    #[default]
    Descending,
}

/// The column a dataset listing is sorted by (ties are broken by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DatasetSort {
    /// Creation time.
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Display name.
    Name,
    /// File size.
    FileSize,
}

/// Filters, order and page of a dataset listing. Deleted datasets are never listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DatasetQuery {
    /// Only datasets in this status.
    pub status: Option<DatasetStatus>,
    /// Only datasets of this format.
    pub format: Option<DatasetFormat>,
    /// Only datasets that can (or cannot) be trained on.
    pub training_ready: Option<bool>,
    /// Only datasets whose name contains this text, ignoring ASCII case. The text is data:
    /// `%` and `_` match themselves.
    pub name_contains: Option<String>,
    /// The sort column.
    pub sort: DatasetSort,
    /// The sort direction.
    pub direction: SortDirection,
    /// The page.
    pub page: PageRequest,
}

/// Filters and page of a job listing, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct JobQuery {
    /// Only jobs in this status.
    pub status: Option<JobStatus>,
    /// Only jobs training this dataset.
    pub dataset_id: Option<DatasetId>,
    /// The page.
    pub page: PageRequest,
}

/// Filters and page of an artifact listing, newest first. Deleted artifacts are never listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArtifactQuery {
    /// Only artifacts in this status.
    pub status: Option<ArtifactStatus>,
    /// Only the artifacts of this job.
    pub job_id: Option<JobId>,
    /// The page.
    pub page: PageRequest,
}

/// Filter and page of a notification listing, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationQuery {
    /// Only notifications not read yet.
    pub unread_only: bool,
    /// The page.
    pub page: PageRequest,
}

/// The full validation report of a dataset: inline JSON, or where it is stored when it is
/// too large for a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValidationReport {
    /// The report itself.
    Inline(serde_json::Value),
    /// The object-storage key of the report.
    Stored {
        /// The key.
        path: String,
    },
}

/// A claim on a row by one orchestrator, until `expires_at`. After that any orchestrator
/// may take the row over, so a crashed one's work is retaken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Lease {
    /// Who holds the claim: a unique id per orchestrator process.
    pub holder: String,
    /// The time of the claim; leases that expired before it are free.
    pub now: Timestamp,
    /// When the claim lapses unless renewed.
    pub expires_at: Timestamp,
}

impl Lease {
    /// A lease for `holder` from `now` for `duration`.
    pub fn new(holder: impl Into<String>, now: Timestamp, duration: TimeDelta) -> Self {
        Self { holder: holder.into(), now, expires_at: now.plus(duration) }
    }
}

/// The row a lease is held on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeaseTarget {
    /// A dataset being validated.
    Dataset {
        /// The owner.
        user_id: UserId,
        /// The dataset.
        id: DatasetId,
    },
    /// A job being submitted or followed.
    Job {
        /// The owner.
        user_id: UserId,
        /// The job.
        id: JobId,
    },
}

/// The error recorded with a failed or retried job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct JobError {
    /// Stable code of the error (`out_of_memory`).
    pub error_type: String,
    /// Its message.
    pub message: String,
}

/// The progress of a running job, as its backend reports it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct JobProgress {
    /// What the job is doing.
    pub stage: Option<JobStage>,
    /// Progress of the current attempt, 0 to 100.
    pub progress_percent: f64,
    /// The epoch in progress.
    pub current_epoch: u32,
    /// Optimiser steps taken.
    pub current_step: u64,
    /// The latest metrics.
    pub current_metrics: Option<CurrentMetrics>,
    /// When the job is expected to complete.
    pub estimated_completion_at: Option<Timestamp>,
    /// The cost so far, every attempt included.
    pub current_cost: Money,
}

/// What [`Database::retry_or_fail_job`](super::Database::retry_or_fail_job) did.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryOutcome {
    /// The job as stored now.
    pub job: TrainingJob,
    /// `true`: requeued for another attempt; `false`: failed, its retries spent.
    pub retried: bool,
}

/// What [`Database::settle_job_cost`](super::Database::settle_job_cost) did.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The job as stored now: while it is not final, its `current_cost` is the sum of its
    /// cost records.
    pub job: TrainingJob,
    /// The record as stored: the one given, or the one stored first under its id.
    pub record: CostRecord,
    /// Whether this call stored the record (`false`: it was already there).
    pub newly_recorded: bool,
}

/// One metric series of the metrics points, for downsampled reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MetricSeries {
    /// Training loss.
    #[default]
    TrainingLoss,
    /// Validation loss.
    ValidationLoss,
    /// Learning rate.
    LearningRate,
    /// Gradient norm.
    GradNorm,
    /// Tokens per second.
    TokensPerSecond,
    /// GPU utilisation.
    GpuUtilization,
    /// GPU memory used.
    GpuMemory,
}

impl MetricSeries {
    /// Every series.
    pub const ALL: [MetricSeries; 7] = [
        MetricSeries::TrainingLoss,
        MetricSeries::ValidationLoss,
        MetricSeries::LearningRate,
        MetricSeries::GradNorm,
        MetricSeries::TokensPerSecond,
        MetricSeries::GpuUtilization,
        MetricSeries::GpuMemory,
    ];

    /// The series' value in a set of metrics.
    pub(crate) const fn value(self, metrics: &CurrentMetrics) -> Option<f64> {
        match self {
            MetricSeries::TrainingLoss => metrics.training_loss,
            MetricSeries::ValidationLoss => metrics.validation_loss,
            MetricSeries::LearningRate => metrics.learning_rate,
            MetricSeries::GradNorm => metrics.grad_norm,
            MetricSeries::TokensPerSecond => metrics.tokens_per_second,
            MetricSeries::GpuUtilization => metrics.gpu_utilization_percent,
            MetricSeries::GpuMemory => metrics.gpu_memory_used_gb,
        }
    }

    /// The column of the series in `metrics_points` (a fixed name, never input).
    pub(crate) const fn column(self) -> &'static str {
        match self {
            MetricSeries::TrainingLoss => "training_loss",
            MetricSeries::ValidationLoss => "validation_loss",
            MetricSeries::LearningRate => "learning_rate",
            MetricSeries::GradNorm => "grad_norm",
            MetricSeries::TokensPerSecond => "tokens_per_second",
            MetricSeries::GpuUtilization => "gpu_utilization_percent",
            MetricSeries::GpuMemory => "gpu_memory_used_gb",
        }
    }
}

/// A user's spending limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BudgetSettings {
    /// The most the user wants to spend in a calendar month; `None` for no limit.
    pub monthly_budget: Option<Money>,
    /// Alert when the month's spending reaches this percentage of the budget (1 to 100).
    pub alert_threshold_percent: u8,
    /// The most one job may cost; `None` for no cap.
    pub per_job_cost_cap: Option<Money>,
}

impl BudgetSettings {
    /// The alert threshold when the user has not chosen one.
    pub const DEFAULT_ALERT_THRESHOLD_PERCENT: u8 = 80;
}

impl Default for BudgetSettings {
    fn default() -> Self {
        Self {
            monthly_budget: None,
            alert_threshold_percent: Self::DEFAULT_ALERT_THRESHOLD_PERCENT,
            per_job_cost_cap: None,
        }
    }
}

/// The costs of one billing period, exact, in total and by type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CostTotals {
    /// The period.
    pub period: BillingPeriod,
    /// All costs of the period.
    pub total: Money,
    /// Every cost type, in [`CostType::ALL`] order, with its sum (zero when none).
    pub by_type: Vec<(CostType, Money)>,
}

impl CostTotals {
    /// The sum of one cost type.
    pub fn of(&self, cost_type: CostType) -> Money {
        self.by_type.iter().find(|(kind, _)| *kind == cost_type).map_or(Money::ZERO, |(_, amount)| *amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_limit_is_clamped_and_offset_capped() {
        assert_eq!(PageRequest { limit: 0, offset: 5 }.checked().unwrap(), (1, 5));
        assert_eq!(PageRequest { limit: 10_000, offset: 0 }.checked().unwrap(), (100, 0));
        let err = PageRequest { limit: 10, offset: PageRequest::MAX_OFFSET + 1 }.checked().unwrap_err();
        assert_eq!(crate::ErrorCode::code(&err), "invalid_input");
    }

    #[test]
    fn lease_expires_after_its_duration() {
        let now = Timestamp::now();
        let lease = Lease::new("orchestrator-1", now, TimeDelta::seconds(30));
        assert_eq!(lease.expires_at, now.plus(TimeDelta::seconds(30)));
    }
}
