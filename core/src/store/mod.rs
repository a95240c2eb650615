//! The database: every record of the model, behind the object-safe [`Database`] trait.
//!
//! Two implementations over `sqlx`, both opened through [`open`] (or [`open_sqlite`] and
//! [`open_postgres`]) and used as `Arc<dyn Database>`:
//!
//! - **SQLite**, the embedded default: one file in WAL mode.
//! - **PostgreSQL** for production, plain or a Supabase project. The tables live in their own
//!   schema (default [`DEFAULT_SCHEMA`]) so they never meet a host application's tables; where
//!   an `auth` schema exists (Supabase), the migrations also install row-level security and
//!   grants that let a signed-in client (`auth.uid()`) read its own rows and change only what
//!   a product needs (`docs/security.md`).
//!
//! Migrations run on open. Both backends run the same SQL text (`$1` placeholders) and share
//! the row mapping; they differ only in how a value is encoded: SQLite keeps ids as
//! hyphenated text, times as fixed-width RFC 3339 text with microseconds, money as decimal
//! text and JSON as text; PostgreSQL uses `uuid`, `timestamptz`, `numeric` and `jsonb`.
//!
//! Every operation on a user's rows takes the owner's id: another user's row is
//! [`StoreError::NotFound`], never "forbidden", and is never changed. The claim operations
//! of the orchestrators ([`Database::claim_dataset_for_validation`],
//! [`Database::claim_job`]) are the only ones that cross users; they return the row with its
//! owner, and renewing or releasing the lease names that owner again.
//!
//! An orchestrator writes through [`Database::fenced`]: the same database, where every write
//! to a job or a dataset, and to the records that belong to a job (metrics points, cost
//! records, its artifact), happens only while the orchestrator still holds the row's lease,
//! else [`StoreError::LeaseLost`] and nothing is written. An orchestrator whose lease lapsed
//! and was taken over can therefore never overwrite the work of the one that took over.

mod error;
pub mod lttb;
mod postgres;
mod query;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

pub use error::StoreError;
pub use postgres::{DEFAULT_SCHEMA, PostgresOptions, SchemaName};
pub use query::{
    ArtifactQuery, BudgetSettings, CostTotals, DatasetQuery, DatasetSort, JobError, JobProgress, JobQuery, Lease,
    LeaseTarget, MetricSeries, NotificationQuery, Page, PageRequest, RetryOutcome, Settlement, SortDirection,
    ValidationReport,
};
pub use sqlite::SqliteOptions;

use crate::model::{
    ArtifactId, ArtifactStatus, BillingPeriod, CostRecord, Dataset, DatasetId, JobId, JobStatus, JobTransition,
    MetricsPoint, ModelArtifact, Notification, NotificationId, Timestamp, TrainingJob, UserId,
};

/// Which database engine is behind a [`Database`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite, one file.
    Sqlite,
    /// PostgreSQL (plain or Supabase).
    Postgres,
}

/// The largest number of metrics points one range read returns.
pub const MAX_METRICS_RANGE: u32 = 10_000;

/// Everything BrightRun stores, scoped by the owning user.
///
/// Times come from the caller (`now`) so a whole fleet of orchestrators agrees on lease
/// expiry with the clock each uses, and tests can fix the time. Every method is one atomic
/// statement or transaction unless it says otherwise.
#[async_trait]
pub trait Database: Send + Sync + std::fmt::Debug {
    /// The engine behind this database.
    fn backend(&self) -> Backend;

    /// The same database as the orchestrator holding leases as `holder` writes it: each write
    /// to a job or dataset row ([`Database::update_dataset`], [`Database::record_validation`],
    /// [`Database::save_validation_report`], [`Database::transition_job`],
    /// [`Database::retry_or_fail_job`], [`Database::update_job_progress`],
    /// [`Database::set_job_backend`], [`Database::set_job_artifact`]) and each write of a job's
    /// records ([`Database::insert_metrics`], [`Database::insert_cost`],
    /// [`Database::settle_job_cost`], [`Database::insert_artifact`]) checks, in the same
    /// statement or transaction, that `holder` holds the row's lease; if it does not, nothing
    /// is written and the call is [`StoreError::LeaseLost`]. A status that forbids the write
    /// is still [`StoreError::StaleState`], whoever holds the row. Reads, claims, the lease
    /// calls and the other writes (new rows, the user's own settings, notifications, which
    /// are idempotent by id) are as on `self`.
    fn fenced(&self, holder: &str) -> Arc<dyn Database>;

    // ----- datasets -----

    /// Stores a new dataset. An existing id is [`StoreError::Conflict`].
    async fn insert_dataset(&self, dataset: &Dataset) -> Result<(), StoreError>;

    /// The dataset `id` of `user_id`, unless deleted.
    async fn get_dataset(&self, user_id: UserId, id: DatasetId) -> Result<Dataset, StoreError>;

    /// Writes every field of `dataset` but its id, owner and creation time, to the row of
    /// `dataset.user_id` (not deleted); returns the row as stored. A dataset that leaves
    /// `validating` gives its validation lease up.
    async fn update_dataset(&self, dataset: &Dataset) -> Result<Dataset, StoreError>;

    /// Stores the verdict of a validation in one transaction: `dataset` as
    /// [`Database::update_dataset`] writes it, its full `report`, and the `notification` that
    /// tells its owner (unless one with its id exists). All of it is written, or none.
    async fn record_validation(
        &self,
        dataset: &Dataset,
        report: Option<&ValidationReport>,
        notification: Option<&Notification>,
    ) -> Result<Dataset, StoreError>;

    /// Soft-deletes a dataset at `now`: it disappears from every read.
    async fn delete_dataset(&self, user_id: UserId, id: DatasetId, now: Timestamp) -> Result<(), StoreError>;

    /// A page of the user's datasets matching `query`.
    async fn list_datasets(&self, user_id: UserId, query: &DatasetQuery) -> Result<Page<Dataset>, StoreError>;

    /// Stores the full validation report of a dataset (or where it is), replacing any earlier.
    async fn save_validation_report(
        &self,
        user_id: UserId,
        id: DatasetId,
        report: &ValidationReport,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// The full validation report of a dataset, if one was saved.
    async fn validation_report(&self, user_id: UserId, id: DatasetId) -> Result<Option<ValidationReport>, StoreError>;

    /// Claims the oldest dataset awaiting validation (status `validating`) that no live lease
    /// holds. Two orchestrators never get the same dataset while the lease lasts, and a
    /// holder never claims again a row it holds itself, even once its lease lapsed.
    async fn claim_dataset_for_validation(&self, lease: &Lease) -> Result<Option<Dataset>, StoreError>;

    // ----- jobs -----

    /// Stores a new job of a dataset the same user owns (else [`StoreError::NotFound`] for
    /// the dataset).
    async fn insert_job(&self, job: &TrainingJob) -> Result<(), StoreError>;

    /// The job `id` of `user_id`.
    async fn get_job(&self, user_id: UserId, id: JobId) -> Result<TrainingJob, StoreError>;

    /// A page of the user's jobs, newest first.
    async fn list_jobs(&self, user_id: UserId, query: &JobQuery) -> Result<Page<TrainingJob>, StoreError>;

    /// Applies a status transition as one conditional update
    /// (`... WHERE id = $1 AND user_id = $2 AND status IN (transition.allowed_from())`), with
    /// the same effects on the record as [`TrainingJob::transition`]; `error` is recorded
    /// with it. A job no longer in an allowed status is [`StoreError::StaleState`] and is not
    /// changed. A final status releases the job's lease. `notification`, when given, is
    /// stored in the same transaction (unless one with its id exists): the change and the
    /// message that announces it are written together or not at all.
    async fn transition_job(
        &self,
        user_id: UserId,
        id: JobId,
        transition: JobTransition,
        error: Option<&JobError>,
        notification: Option<&Notification>,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError>;

    /// Cancels a job for its owner. A queued job is cancelled at once, `notification` stored
    /// with the change. An initializing or running job may have a worker starting or running
    /// that only the orchestrator holding it can stop: the request is recorded
    /// (`cancel_requested_at`, the first request's time) and the job is returned as it is; the
    /// orchestrator stops the worker and ends the job `cancelled`. A job in a final status is
    /// [`StoreError::StaleState`].
    async fn request_job_cancel(
        &self,
        user_id: UserId,
        id: JobId,
        notification: &Notification,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError>;

    /// After a transient failure of an initializing or running job: requeues it and counts a
    /// retry while fewer than `max_retries` were made (releasing its lease), else fails it,
    /// as [`TrainingJob::retry_after_transient_failure`] does, storing `if_failed` with the
    /// failure in the same transaction.
    async fn retry_or_fail_job(
        &self,
        user_id: UserId,
        id: JobId,
        error: &JobError,
        max_retries: u32,
        if_failed: Option<&Notification>,
        now: Timestamp,
    ) -> Result<RetryOutcome, StoreError>;

    /// Records the progress of a running job (else [`StoreError::StaleState`]).
    async fn update_job_progress(
        &self,
        user_id: UserId,
        id: JobId,
        progress: &JobProgress,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError>;

    /// Records the backend's id (`None` before the backend knows the job) and serialised
    /// handle of an initializing or running job.
    ///
    /// The handle is stored bound to this job and its current attempt (`retry_count`): both
    /// databases refuse a row whose handle names another job or attempt, a retry clears it,
    /// and a read hands it back only while it is bound to its row (else
    /// [`StoreError::CorruptRow`]).
    async fn set_job_backend(
        &self,
        user_id: UserId,
        id: JobId,
        external_job_id: Option<&str>,
        backend_handle: &serde_json::Value,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError>;

    /// Links the collected adapter to its running job.
    async fn set_job_artifact(
        &self,
        user_id: UserId,
        id: JobId,
        artifact_id: ArtifactId,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError>;

    /// Claims the longest-queued job in one of `statuses` that no live lease holds
    /// (`queued` to submit it; `initializing` or `running` to follow a job whose orchestrator
    /// died). A holder never claims again a row it holds itself, even once its lease lapsed.
    async fn claim_job(&self, statuses: &[JobStatus], lease: &Lease) -> Result<Option<TrainingJob>, StoreError>;

    // ----- leases -----

    /// Extends a lease its holder still has to `lease.expires_at`. A lease another
    /// orchestrator took over is [`StoreError::StaleState`].
    async fn renew_lease(&self, target: LeaseTarget, lease: &Lease) -> Result<(), StoreError>;

    /// Gives a lease up so any orchestrator may take the row at once.
    async fn release_lease(&self, target: LeaseTarget, holder: &str) -> Result<(), StoreError>;

    // ----- metrics -----

    /// Stores metrics points of one job in batches, ignoring steps already stored (a re-read
    /// event never duplicates a point). Returns how many points were new.
    async fn insert_metrics(&self, user_id: UserId, job_id: JobId, points: &[MetricsPoint]) -> Result<u64, StoreError>;

    /// The points with steps in `from_step..=to_step`, in step order, at most
    /// `limit` (capped at [`MAX_METRICS_RANGE`]).
    async fn metrics_range(
        &self,
        user_id: UserId,
        job_id: JobId,
        from_step: u64,
        to_step: u64,
        limit: u32,
    ) -> Result<Vec<MetricsPoint>, StoreError>;

    /// At most `max_points` points chosen by [`lttb`] on `series` so a chart keeps the
    /// curve's shape (first and last points, peaks and dips), in step order. Points without
    /// a value of `series` are left out. A long curve is read from its rollups (each bucket's
    /// lowest and highest point, merged as points are inserted), so the read is bounded
    /// whatever the job's length.
    async fn metrics_downsampled(
        &self,
        user_id: UserId,
        job_id: JobId,
        series: MetricSeries,
        max_points: usize,
    ) -> Result<Vec<MetricsPoint>, StoreError>;

    // ----- artifacts -----

    /// Stores a new artifact of a job the same user owns.
    async fn insert_artifact(&self, artifact: &ModelArtifact) -> Result<(), StoreError>;

    /// The artifact `id` of `user_id`, unless deleted.
    async fn get_artifact(&self, user_id: UserId, id: ArtifactId) -> Result<ModelArtifact, StoreError>;

    /// A page of the user's artifacts, newest first.
    async fn list_artifacts(&self, user_id: UserId, query: &ArtifactQuery) -> Result<Page<ModelArtifact>, StoreError>;

    /// Changes an artifact's status; [`ArtifactStatus::Deleted`] also soft-deletes it.
    async fn set_artifact_status(
        &self,
        user_id: UserId,
        id: ArtifactId,
        status: ArtifactStatus,
        now: Timestamp,
    ) -> Result<ModelArtifact, StoreError>;

    /// Renames and re-describes an artifact (not deleted); returns it as stored.
    async fn rename_artifact(
        &self,
        user_id: UserId,
        id: ArtifactId,
        name: &str,
        description: Option<&str>,
        now: Timestamp,
    ) -> Result<ModelArtifact, StoreError>;

    // ----- costs and budgets -----

    /// Stores a cost record; its job, if any, must be the same user's.
    async fn insert_cost(&self, record: &CostRecord) -> Result<(), StoreError>;

    /// The cost records of one of the user's jobs, oldest first (none for another user's).
    async fn job_costs(&self, user_id: UserId, job_id: JobId) -> Result<Vec<CostRecord>, StoreError>;

    /// Settles what one attempt of a job cost: stores `record` (which names the job) unless
    /// a record with its id is already there, in which case the first one stands; then, unless
    /// the job is final, sets its `current_cost` to the sum of all its cost records. Repeated
    /// after a crash, it changes nothing more: a job's settled cost is always the sum of its
    /// records, never a running total that a repeat could count twice. Not one transaction:
    /// each step is idempotent and the job's lease holder is its only caller.
    async fn settle_job_cost(&self, record: &CostRecord, now: Timestamp) -> Result<Settlement, StoreError>;

    /// The user's cost records of one billing period, oldest first.
    async fn list_costs(&self, user_id: UserId, period: BillingPeriod) -> Result<Vec<CostRecord>, StoreError>;

    /// The exact totals of one billing period, by type.
    async fn cost_totals(&self, user_id: UserId, period: BillingPeriod) -> Result<CostTotals, StoreError>;

    /// The user's budget settings (the defaults until set).
    async fn budget(&self, user_id: UserId) -> Result<BudgetSettings, StoreError>;

    /// Replaces the user's budget settings.
    async fn set_budget(&self, user_id: UserId, budget: &BudgetSettings, now: Timestamp) -> Result<(), StoreError>;

    // ----- notifications -----

    /// Stores a notification.
    async fn insert_notification(&self, notification: &Notification) -> Result<(), StoreError>;

    /// A page of the user's notifications, newest first.
    async fn list_notifications(
        &self,
        user_id: UserId,
        query: &NotificationQuery,
    ) -> Result<Page<Notification>, StoreError>;

    /// How many of the user's notifications are unread.
    async fn unread_notifications(&self, user_id: UserId) -> Result<u64, StoreError>;

    /// Marks one notification read (reading it again keeps the first time).
    async fn mark_notification_read(
        &self,
        user_id: UserId,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<Notification, StoreError>;

    /// Marks every unread notification of the user read; returns how many changed.
    async fn mark_all_notifications_read(&self, user_id: UserId, now: Timestamp) -> Result<u64, StoreError>;
}

/// Opens the database a URL names and applies the migrations:
/// `sqlite://PATH` (created if missing), `sqlite::memory:`, or `postgres://...` /
/// `postgresql://...` (tables in schema [`DEFAULT_SCHEMA`]; see [`open_postgres`] for another).
pub async fn open(url: &str) -> Result<Arc<dyn Database>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        open_postgres(&PostgresOptions::new(url)).await
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        if rest == ":memory:" {
            open_sqlite(&SqliteOptions::in_memory()).await
        } else {
            open_sqlite(&SqliteOptions::new(rest.trim_start_matches("//"))).await
        }
    } else {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        Err(StoreError::InvalidUrl(format!(
            "scheme `{scheme}` names no supported database: use sqlite://PATH, sqlite::memory: or postgres://..."
        )))
    }
}

/// Opens (creating if needed) a SQLite database and applies the migrations.
pub async fn open_sqlite(options: &SqliteOptions) -> Result<Arc<dyn Database>, StoreError> {
    Ok(Arc::new(sql::SqlStore::new(sqlite::SqliteDriver::open(options).await?)))
}

/// Connects to PostgreSQL, creates the schema if needed and applies the migrations in it.
pub async fn open_postgres(options: &PostgresOptions) -> Result<Arc<dyn Database>, StoreError> {
    Ok(Arc::new(sql::SqlStore::new(postgres::PgDriver::open(options).await?)))
}
