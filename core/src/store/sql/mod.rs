//! The one implementation of [`Database`] over SQL, shared by SQLite and PostgreSQL.
//!
//! [`SqlStore`] builds every statement and maps every row; a [`Driver`] only runs
//! statements on its pool and encodes and decodes values. The table modules hold the SQL:
//! [`datasets`], [`jobs`], [`leases`], [`metrics`], [`artifacts`], [`costs`],
//! [`notifications`]; [`handle`] binds a job's backend handle to its job.

mod artifacts;
mod costs;
mod datasets;
mod fence;
mod handle;
mod jobs;
mod leases;
mod metrics;
mod notifications;
mod rollups;
pub(crate) mod rows;
pub(crate) mod statement;

use std::sync::Arc;

use async_trait::async_trait;

use self::fence::Fence;
use self::rows::RowExt;
use self::statement::Statement;
use super::{
    ArtifactQuery, Backend, BudgetSettings, CostTotals, Database, DatasetQuery, JobError, JobProgress, JobQuery, Lease,
    LeaseTarget, MetricSeries, NotificationQuery, Page, RetryOutcome, Settlement, StoreError, ValidationReport,
};
use crate::model::{
    ArtifactId, ArtifactStatus, BillingPeriod, CostRecord, Dataset, DatasetId, JobId, JobStatus, JobTransition,
    MetricsPoint, ModelArtifact, Notification, NotificationId, Timestamp, TrainingJob, UserId,
};

/// Runs statements on one backend's pool.
#[async_trait]
pub(crate) trait Driver: Send + Sync + std::fmt::Debug + 'static {
    /// A row of a result.
    type Row: RowExt + Send + Sync;

    /// Which engine this is.
    const BACKEND: Backend;

    /// Appended to the subquery that picks the row to claim. PostgreSQL locks the row and
    /// skips rows other claimers hold (`FOR UPDATE SKIP LOCKED`); SQLite needs nothing, since
    /// its one writer runs the whole `UPDATE ... WHERE id = (SELECT ...)` atomically.
    const CLAIM_LOCK: &'static str;

    /// The most arguments one multi-row `INSERT` should carry on this backend.
    const MAX_INSERT_ARGUMENTS: usize;

    /// SQL of a backend handle as [`handle`] stores it: the JSON argument `state` (a
    /// placeholder) stamped with the row's `id` and `retry_count`.
    fn bound_handle(state: &str) -> String;

    /// Runs a statement; returns the number of rows it changed.
    async fn execute(&self, statement: Statement) -> Result<u64, StoreError>;

    /// Runs statements in one transaction; returns the rows each changed.
    async fn execute_all(&self, statements: Vec<Statement>) -> Result<Vec<u64>, StoreError>;

    /// Runs `guard` and, only if it changed a row, `statements` after it, in one transaction;
    /// returns the rows each of `statements` changed, or `None` when the guard changed
    /// nothing (then nothing else ran). A guard that updates a row also locks it (on
    /// PostgreSQL) until the transaction ends, so no one changes it in between.
    async fn execute_guarded(
        &self,
        guard: Statement,
        statements: Vec<Statement>,
    ) -> Result<Option<Vec<u64>>, StoreError>;

    /// The first row of a query, if any.
    async fn fetch_optional(&self, statement: Statement) -> Result<Option<Self::Row>, StoreError>;

    /// Every row of a query.
    async fn fetch_all(&self, statement: Statement) -> Result<Vec<Self::Row>, StoreError>;
}

/// The first row of a query, mapped.
async fn fetch_one<D: Driver, T>(
    db: &D,
    statement: Statement,
    map: fn(&D::Row) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    db.fetch_optional(statement).await?.as_ref().map(map).transpose()
}

/// Every row of a query, mapped.
async fn fetch_all<D: Driver, T>(
    db: &D,
    statement: Statement,
    map: fn(&D::Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    db.fetch_all(statement).await?.iter().map(map).collect()
}

/// The `n` of a `SELECT COUNT(*) AS n ...`.
async fn fetch_count<D: Driver>(db: &D, statement: Statement) -> Result<u64, StoreError> {
    Ok(fetch_one(db, statement, |row| row.count("n")).await?.unwrap_or(0))
}

/// The conditions of a listing, built piece by piece, giving both the page and the count
/// of all matching rows.
struct Filter {
    table: &'static str,
    conditions: Statement,
}

impl Filter {
    /// The rows of `user_id` in `table` that also meet `always` (fixed text, may be empty).
    fn new(table: &'static str, user_id: UserId, always: &str) -> Self {
        Self { table, conditions: Statement::new(format!("user_id = $1{always}")).bind(user_id) }
    }

    /// Adds ` AND {column} = $n` when `value` is given.
    fn eq<V: Into<statement::Value>>(&mut self, column: &str, value: Option<V>) -> &mut Self {
        if let Some(value) = value {
            let placeholder = self.conditions.arg(value);
            self.conditions.push(&format!(" AND {column} = {placeholder}"));
        }
        self
    }

    /// The matching rows in `order_by` order, one page of them, and how many match in all.
    async fn page<D: Driver, T>(
        self,
        db: &D,
        order_by: &str,
        page: super::PageRequest,
        map: fn(&D::Row) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let (limit, offset) = page.checked()?;
        let Statement { sql: conditions, args } = self.conditions;
        let table = self.table;
        let count =
            Statement { sql: format!("SELECT COUNT(*) AS n FROM {table} WHERE {conditions}"), args: args.clone() };
        let mut select =
            Statement { sql: format!("SELECT * FROM {table} WHERE {conditions} ORDER BY {order_by}"), args };
        let (limit, offset) = (select.arg(limit), select.arg(offset));
        select.push(&format!(" LIMIT {limit} OFFSET {offset}"));
        let items = fetch_all(db, select, map).await?;
        let total = fetch_count(db, count).await?;
        Ok(Page { items, total })
    }
}

/// The [`Database`] of one backend, unfenced or fenced by one holder's leases.
#[derive(Debug)]
pub(crate) struct SqlStore<D> {
    driver: Arc<D>,
    holder: Option<Arc<str>>,
}

impl<D: Driver> SqlStore<D> {
    pub(crate) fn new(driver: D) -> Self {
        Self { driver: Arc::new(driver), holder: None }
    }

    /// The fence of this store's writes.
    fn fence(&self) -> Fence<'_> {
        self.holder.as_deref().map_or(Fence::NONE, Fence::holder)
    }
}

#[async_trait]
impl<D: Driver> Database for SqlStore<D> {
    fn backend(&self) -> Backend {
        D::BACKEND
    }

    fn fenced(&self, holder: &str) -> Arc<dyn Database> {
        Arc::new(SqlStore { driver: self.driver.clone(), holder: Some(Arc::from(holder)) })
    }

    async fn insert_dataset(&self, dataset: &Dataset) -> Result<(), StoreError> {
        datasets::insert(&*self.driver, dataset).await
    }

    async fn get_dataset(&self, user_id: UserId, id: DatasetId) -> Result<Dataset, StoreError> {
        datasets::get(&*self.driver, user_id, id).await
    }

    async fn update_dataset(&self, dataset: &Dataset) -> Result<Dataset, StoreError> {
        datasets::update(&*self.driver, dataset, self.fence()).await
    }

    async fn record_validation(
        &self,
        dataset: &Dataset,
        report: Option<&ValidationReport>,
        notification: Option<&Notification>,
    ) -> Result<Dataset, StoreError> {
        datasets::record_validation(&*self.driver, dataset, report, notification, self.fence()).await
    }

    async fn delete_dataset(&self, user_id: UserId, id: DatasetId, now: Timestamp) -> Result<(), StoreError> {
        datasets::delete(&*self.driver, user_id, id, now).await
    }

    async fn list_datasets(&self, user_id: UserId, query: &DatasetQuery) -> Result<Page<Dataset>, StoreError> {
        datasets::list(&*self.driver, user_id, query).await
    }

    async fn save_validation_report(
        &self,
        user_id: UserId,
        id: DatasetId,
        report: &ValidationReport,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        datasets::save_report(&*self.driver, user_id, id, report, self.fence(), now).await
    }

    async fn validation_report(&self, user_id: UserId, id: DatasetId) -> Result<Option<ValidationReport>, StoreError> {
        datasets::report(&*self.driver, user_id, id).await
    }

    async fn claim_dataset_for_validation(&self, lease: &Lease) -> Result<Option<Dataset>, StoreError> {
        leases::claim_dataset(&*self.driver, lease).await
    }

    async fn insert_job(&self, job: &TrainingJob) -> Result<(), StoreError> {
        jobs::insert(&*self.driver, job).await
    }

    async fn get_job(&self, user_id: UserId, id: JobId) -> Result<TrainingJob, StoreError> {
        jobs::get(&*self.driver, user_id, id).await
    }

    async fn list_jobs(&self, user_id: UserId, query: &JobQuery) -> Result<Page<TrainingJob>, StoreError> {
        jobs::list(&*self.driver, user_id, query).await
    }

    async fn transition_job(
        &self,
        user_id: UserId,
        id: JobId,
        transition: JobTransition,
        error: Option<&JobError>,
        notification: Option<&Notification>,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError> {
        jobs::transition(&*self.driver, user_id, id, (transition, error, notification), self.fence(), now).await
    }

    async fn request_job_cancel(
        &self,
        user_id: UserId,
        id: JobId,
        notification: &Notification,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError> {
        jobs::request_cancel(&*self.driver, user_id, id, notification, now).await
    }

    async fn retry_or_fail_job(
        &self,
        user_id: UserId,
        id: JobId,
        error: &JobError,
        max_retries: u32,
        if_failed: Option<&Notification>,
        now: Timestamp,
    ) -> Result<RetryOutcome, StoreError> {
        jobs::retry_or_fail(&*self.driver, user_id, id, (error, max_retries, if_failed), self.fence(), now).await
    }

    async fn update_job_progress(
        &self,
        user_id: UserId,
        id: JobId,
        progress: &JobProgress,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError> {
        jobs::update_progress(&*self.driver, user_id, id, progress, self.fence(), now).await
    }

    async fn set_job_backend(
        &self,
        user_id: UserId,
        id: JobId,
        external_job_id: Option<&str>,
        backend_handle: &serde_json::Value,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError> {
        jobs::set_backend(&*self.driver, user_id, id, external_job_id, backend_handle, self.fence(), now).await
    }

    async fn set_job_artifact(
        &self,
        user_id: UserId,
        id: JobId,
        artifact_id: ArtifactId,
        now: Timestamp,
    ) -> Result<TrainingJob, StoreError> {
        jobs::set_artifact(&*self.driver, user_id, id, artifact_id, self.fence(), now).await
    }

    async fn claim_job(&self, statuses: &[JobStatus], lease: &Lease) -> Result<Option<TrainingJob>, StoreError> {
        leases::claim_job(&*self.driver, statuses, lease).await
    }

    async fn renew_lease(&self, target: LeaseTarget, lease: &Lease) -> Result<(), StoreError> {
        leases::renew(&*self.driver, target, lease).await
    }

    async fn release_lease(&self, target: LeaseTarget, holder: &str) -> Result<(), StoreError> {
        leases::release(&*self.driver, target, holder).await
    }

    async fn insert_metrics(&self, user_id: UserId, job_id: JobId, points: &[MetricsPoint]) -> Result<u64, StoreError> {
        metrics::insert(&*self.driver, user_id, job_id, points, self.fence()).await
    }

    async fn metrics_range(
        &self,
        user_id: UserId,
        job_id: JobId,
        from_step: u64,
        to_step: u64,
        limit: u32,
    ) -> Result<Vec<MetricsPoint>, StoreError> {
        metrics::range(&*self.driver, user_id, job_id, from_step, to_step, limit).await
    }

    async fn metrics_downsampled(
        &self,
        user_id: UserId,
        job_id: JobId,
        series: MetricSeries,
        max_points: usize,
    ) -> Result<Vec<MetricsPoint>, StoreError> {
        metrics::downsampled(&*self.driver, user_id, job_id, series, max_points).await
    }

    async fn insert_artifact(&self, artifact: &ModelArtifact) -> Result<(), StoreError> {
        artifacts::insert(&*self.driver, artifact, self.fence()).await
    }

    async fn get_artifact(&self, user_id: UserId, id: ArtifactId) -> Result<ModelArtifact, StoreError> {
        artifacts::get(&*self.driver, user_id, id).await
    }

    async fn list_artifacts(&self, user_id: UserId, query: &ArtifactQuery) -> Result<Page<ModelArtifact>, StoreError> {
        artifacts::list(&*self.driver, user_id, query).await
    }

    async fn set_artifact_status(
        &self,
        user_id: UserId,
        id: ArtifactId,
        status: ArtifactStatus,
        now: Timestamp,
    ) -> Result<ModelArtifact, StoreError> {
        artifacts::set_status(&*self.driver, user_id, id, status, now).await
    }

    async fn rename_artifact(
        &self,
        user_id: UserId,
        id: ArtifactId,
        name: &str,
        description: Option<&str>,
        now: Timestamp,
    ) -> Result<ModelArtifact, StoreError> {
        artifacts::rename(&*self.driver, user_id, id, name, description, now).await
    }

    async fn insert_cost(&self, record: &CostRecord) -> Result<(), StoreError> {
        costs::insert(&*self.driver, record, self.fence()).await
    }

    async fn job_costs(&self, user_id: UserId, job_id: JobId) -> Result<Vec<CostRecord>, StoreError> {
        costs::of_job(&*self.driver, user_id, job_id).await
    }

    async fn settle_job_cost(&self, record: &CostRecord, now: Timestamp) -> Result<Settlement, StoreError> {
        costs::settle(&*self.driver, record, self.fence(), now).await
    }

    async fn list_costs(&self, user_id: UserId, period: BillingPeriod) -> Result<Vec<CostRecord>, StoreError> {
        costs::list(&*self.driver, user_id, period).await
    }

    async fn cost_totals(&self, user_id: UserId, period: BillingPeriod) -> Result<CostTotals, StoreError> {
        costs::totals(&*self.driver, user_id, period).await
    }

    async fn budget(&self, user_id: UserId) -> Result<BudgetSettings, StoreError> {
        costs::budget(&*self.driver, user_id).await
    }

    async fn set_budget(&self, user_id: UserId, budget: &BudgetSettings, now: Timestamp) -> Result<(), StoreError> {
        costs::set_budget(&*self.driver, user_id, budget, now).await
    }

    async fn insert_notification(&self, notification: &Notification) -> Result<(), StoreError> {
        notifications::insert(&*self.driver, notification).await
    }

    async fn list_notifications(
        &self,
        user_id: UserId,
        query: &NotificationQuery,
    ) -> Result<Page<Notification>, StoreError> {
        notifications::list(&*self.driver, user_id, query).await
    }

    async fn unread_notifications(&self, user_id: UserId) -> Result<u64, StoreError> {
        notifications::unread(&*self.driver, user_id).await
    }

    async fn mark_notification_read(
        &self,
        user_id: UserId,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<Notification, StoreError> {
        notifications::mark_read(&*self.driver, user_id, id, now).await
    }

    async fn mark_all_notifications_read(&self, user_id: UserId, now: Timestamp) -> Result<u64, StoreError> {
        notifications::mark_all_read(&*self.driver, user_id, now).await
    }
}
