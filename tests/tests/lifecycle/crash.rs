//! An orchestrator that dies in the middle of a pass, as a process does: after a number
//! of database calls, every further call fails as if its connection were gone. (The
//! database in between, [`Intercepted`], also serves other tests that need a hook around
//! the real store's calls.)
//!
//! Each store call is one statement or one transaction, so a process that dies during a
//! call leaves the database as if it had died just before or just after it: stopping
//! between calls reaches every state a real crash can leave. (Dropping a pass's future
//! instead would not: on PostgreSQL, a statement abandoned mid-flight keeps its row
//! locked, idle in transaction, until sqlx reuses or reaps the pooled connection.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use brightrun_core::model::{
    ArtifactId, ArtifactStatus, BillingPeriod, CostRecord, Dataset, DatasetId, JobId, JobStatus, JobTransition,
    MetricsPoint, ModelArtifact, Notification, NotificationId, Timestamp, TrainingJob, UserId,
};
use brightrun_core::store::{
    ArtifactQuery, Backend, BudgetSettings, CostTotals, Database, DatasetQuery, JobError, JobProgress, JobQuery, Lease,
    LeaseTarget, MetricSeries, NotificationQuery, Page, RetryOutcome, Settlement, StoreError, ValidationReport,
};

/// What runs around each call of an [`Intercepted`] database.
#[async_trait::async_trait]
pub trait Intercept: std::fmt::Debug + Clone + Send + Sync + 'static {
    /// Runs `call`, the store method `name` of the real database, or fails it instead.
    async fn around<T: Send>(
        &self,
        name: &'static str,
        call: impl std::future::Future<Output = Result<T, StoreError>> + Send,
    ) -> Result<T, StoreError>;
}

/// A real database with `hook` around every call (its fenced views share the hook: they
/// are the same process).
#[derive(Debug)]
pub struct Intercepted<H> {
    inner: Arc<dyn Database>,
    hook: H,
}

impl<H: Intercept> Intercepted<H> {
    pub fn new(inner: Arc<dyn Database>, hook: H) -> Self {
        Self { inner, hook }
    }
}

/// A database that answers `calls` calls, then fails every one.
pub type DiesAfter = Intercepted<CallsLeft>;

impl DiesAfter {
    pub fn dying_after(inner: Arc<dyn Database>, calls: u32) -> Self {
        Intercepted::new(inner, CallsLeft(Arc::new(AtomicU32::new(calls))))
    }
}

/// The calls a [`DiesAfter`] database still answers.
#[derive(Debug, Clone)]
pub struct CallsLeft(Arc<AtomicU32>);

#[async_trait::async_trait]
impl Intercept for CallsLeft {
    async fn around<T: Send>(
        &self,
        _: &'static str,
        call: impl std::future::Future<Output = Result<T, StoreError>> + Send,
    ) -> Result<T, StoreError> {
        match self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1)) {
            Ok(_) => call.await,
            Err(_) => Err(StoreError::Database(sqlx::Error::PoolClosed)),
        }
    }
}

/// The `Database` impl: each method runs the real one inside the hook.
macro_rules! intercepted {
    ($(fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)+) => {
        #[async_trait::async_trait]
        impl<H: Intercept> Database for Intercepted<H> {
            fn backend(&self) -> Backend {
                self.inner.backend()
            }

            fn fenced(&self, holder: &str) -> Arc<dyn Database> {
                Arc::new(Intercepted { inner: self.inner.fenced(holder), hook: self.hook.clone() })
            }

            $(
                async fn $name(&self, $($arg: $ty),*) -> Result<$out, StoreError> {
                    self.hook.around(stringify!($name), self.inner.$name($($arg),*)).await
                }
            )+
        }
    };
}

intercepted! {
    fn insert_dataset(dataset: &Dataset) -> ();
    fn get_dataset(user_id: UserId, id: DatasetId) -> Dataset;
    fn update_dataset(dataset: &Dataset) -> Dataset;
    fn record_validation(
        dataset: &Dataset,
        report: Option<&ValidationReport>,
        notification: Option<&Notification>
    ) -> Dataset;
    fn delete_dataset(user_id: UserId, id: DatasetId, now: Timestamp) -> ();
    fn list_datasets(user_id: UserId, query: &DatasetQuery) -> Page<Dataset>;
    fn save_validation_report(user_id: UserId, id: DatasetId, report: &ValidationReport, now: Timestamp) -> ();
    fn validation_report(user_id: UserId, id: DatasetId) -> Option<ValidationReport>;
    fn claim_dataset_for_validation(lease: &Lease) -> Option<Dataset>;
    fn insert_job(job: &TrainingJob) -> ();
    fn get_job(user_id: UserId, id: JobId) -> TrainingJob;
    fn list_jobs(user_id: UserId, query: &JobQuery) -> Page<TrainingJob>;
    fn transition_job(
        user_id: UserId,
        id: JobId,
        transition: JobTransition,
        error: Option<&JobError>,
        notification: Option<&Notification>,
        now: Timestamp
    ) -> TrainingJob;
    fn request_job_cancel(user_id: UserId, id: JobId, notification: &Notification, now: Timestamp) -> TrainingJob;
    fn retry_or_fail_job(
        user_id: UserId,
        id: JobId,
        error: &JobError,
        max_retries: u32,
        if_failed: Option<&Notification>,
        now: Timestamp
    ) -> RetryOutcome;
    fn update_job_progress(user_id: UserId, id: JobId, progress: &JobProgress, now: Timestamp) -> TrainingJob;
    fn set_job_backend(
        user_id: UserId,
        id: JobId,
        external_job_id: Option<&str>,
        backend_handle: &serde_json::Value,
        now: Timestamp
    ) -> TrainingJob;
    fn set_job_artifact(user_id: UserId, id: JobId, artifact_id: ArtifactId, now: Timestamp) -> TrainingJob;
    fn claim_job(statuses: &[JobStatus], lease: &Lease) -> Option<TrainingJob>;
    fn renew_lease(target: LeaseTarget, lease: &Lease) -> ();
    fn release_lease(target: LeaseTarget, holder: &str) -> ();
    fn insert_metrics(user_id: UserId, job_id: JobId, points: &[MetricsPoint]) -> u64;
    fn metrics_range(user_id: UserId, job_id: JobId, from_step: u64, to_step: u64, limit: u32) -> Vec<MetricsPoint>;
    fn metrics_downsampled(user_id: UserId, job_id: JobId, series: MetricSeries, max_points: usize) -> Vec<MetricsPoint>;
    fn insert_artifact(artifact: &ModelArtifact) -> ();
    fn get_artifact(user_id: UserId, id: ArtifactId) -> ModelArtifact;
    fn list_artifacts(user_id: UserId, query: &ArtifactQuery) -> Page<ModelArtifact>;
    fn set_artifact_status(user_id: UserId, id: ArtifactId, status: ArtifactStatus, now: Timestamp) -> ModelArtifact;
    fn rename_artifact(
        user_id: UserId,
        id: ArtifactId,
        name: &str,
        description: Option<&str>,
        now: Timestamp
    ) -> ModelArtifact;
    fn insert_cost(record: &CostRecord) -> ();
    fn job_costs(user_id: UserId, job_id: JobId) -> Vec<CostRecord>;
    fn settle_job_cost(record: &CostRecord, now: Timestamp) -> Settlement;
    fn list_costs(user_id: UserId, period: BillingPeriod) -> Vec<CostRecord>;
    fn cost_totals(user_id: UserId, period: BillingPeriod) -> CostTotals;
    fn budget(user_id: UserId) -> BudgetSettings;
    fn set_budget(user_id: UserId, budget: &BudgetSettings, now: Timestamp) -> ();
    fn insert_notification(notification: &Notification) -> ();
    fn list_notifications(user_id: UserId, query: &NotificationQuery) -> Page<Notification>;
    fn unread_notifications(user_id: UserId) -> u64;
    fn mark_notification_read(user_id: UserId, id: NotificationId, now: Timestamp) -> Notification;
    fn mark_all_notifications_read(user_id: UserId, now: Timestamp) -> u64;
}
