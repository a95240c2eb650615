//! The `training_jobs` table: inserts, reads and the conditional updates of the job state
//! machine.

use super::fence::Fence;
use super::rows::{self, RowExt};
use super::statement::{Statement, count, json};
use super::{Driver, Filter, fetch_one, handle, notifications};
use crate::model::{ArtifactId, JobId, JobStatus, JobTransition, Notification, Timestamp, TrainingJob, UserId};
use crate::store::{JobError, JobProgress, JobQuery, Page, RetryOutcome, StoreError};

const ENTITY: &str = "job";

const COLUMNS: [&str; 32] = [
    "id",
    "user_id",
    "dataset_id",
    "preset",
    "hyperparameters",
    "gpu_type",
    "gpu_count",
    "price_per_gpu_hour",
    "status",
    "stage",
    "progress_percent",
    "current_epoch",
    "total_epochs",
    "current_step",
    "total_steps",
    "current_metrics",
    "queued_at",
    "started_at",
    "completed_at",
    "estimated_completion_at",
    "estimated_total_cost",
    "current_cost",
    "final_cost",
    "error_type",
    "error_message",
    "retry_count",
    "external_job_id",
    "backend_handle",
    "artifact_id",
    "cancel_requested_at",
    "created_at",
    "updated_at",
];

/// Inserts the job if its dataset is the same user's (and not deleted).
pub(super) async fn insert<D: Driver>(db: &D, job: &TrainingJob) -> Result<(), StoreError> {
    let placeholders: Vec<String> = (1..=COLUMNS.len()).map(|n| format!("${n}")).collect();
    let statement = Statement::new(format!(
        "INSERT INTO training_jobs ({}) SELECT {} \
         WHERE EXISTS (SELECT 1 FROM datasets WHERE id = $3 AND user_id = $2 AND deleted_at IS NULL)",
        COLUMNS.join(", "),
        placeholders.join(", ")
    ))
    .bind(job.id)
    .bind(job.user_id)
    .bind(job.dataset_id)
    .bind(job.preset.as_str())
    .bind(json("hyperparameters", &job.hyperparameters)?)
    .bind(job.gpu.gpu_type.as_str())
    .bind(job.gpu.gpu_count)
    .bind(job.gpu.price_per_gpu_hour)
    .bind(job.status.as_str())
    .bind(job.stage.map(|stage| stage.as_str()))
    .bind(job.progress_percent)
    .bind(job.current_epoch)
    .bind(job.total_epochs)
    .bind(count("current_step", job.current_step)?)
    .bind(count("total_steps", job.total_steps)?)
    .bind(json("current_metrics", &job.current_metrics)?)
    .bind(job.queued_at)
    .bind(job.started_at)
    .bind(job.completed_at)
    .bind(job.estimated_completion_at)
    .bind(job.estimated_total_cost)
    .bind(job.current_cost)
    .bind(job.final_cost)
    .bind(job.error_type.as_deref())
    .bind(job.error_message.as_deref())
    .bind(job.retry_count)
    .bind(job.external_job_id.as_deref())
    .bind(handle::bound(job.id, job.retry_count, job.backend_handle.as_ref()))
    .bind(job.artifact_id)
    .bind(job.cancel_requested_at)
    .bind(job.created_at)
    .bind(job.updated_at);
    match db.execute(statement).await.map_err(|err| err.on_insert(ENTITY, job.id))? {
        0 => Err(StoreError::not_found("dataset", job.dataset_id)),
        _ => Ok(()),
    }
}

pub(super) async fn get<D: Driver>(db: &D, user_id: UserId, id: JobId) -> Result<TrainingJob, StoreError> {
    let statement = Statement::new("SELECT * FROM training_jobs WHERE id = $1 AND user_id = $2").bind(id).bind(user_id);
    fetch_one(db, statement, rows::job).await?.ok_or_else(|| StoreError::not_found(ENTITY, id))
}

pub(super) async fn list<D: Driver>(
    db: &D,
    user_id: UserId,
    query: &JobQuery,
) -> Result<Page<TrainingJob>, StoreError> {
    let mut filter = Filter::new("training_jobs", user_id, "");
    filter.eq("status", query.status.map(|status| status.as_str())).eq("dataset_id", query.dataset_id);
    filter.page(db, "created_at DESC, id DESC", query.page, rows::job).await
}

/// What a transition writes besides `status`, `stage` and `updated_at` (`$4` is `now`):
/// the SQL form of [`TrainingJob::transition`], checked against it by the store tests.
/// Leaving for a final status or the queue also releases the lease.
const fn effects(transition: JobTransition) -> &'static str {
    const FINISH: &str = ", completed_at = $4, final_cost = COALESCE(final_cost, current_cost), \
                          claimed_by = NULL, lease_expires_at = NULL";
    match transition {
        JobTransition::Initialize => "",
        JobTransition::Start => ", started_at = $4",
        JobTransition::Complete => {
            ", completed_at = $4, final_cost = COALESCE(final_cost, current_cost), progress_percent = 100, \
             claimed_by = NULL, lease_expires_at = NULL"
        }
        JobTransition::Fail | JobTransition::Cancel => FINISH,
        JobTransition::RetryTransient => {
            ", started_at = NULL, progress_percent = 0, current_epoch = 0, current_step = 0, \
             current_metrics = NULL, estimated_completion_at = NULL, external_job_id = NULL, \
             backend_handle = NULL, retry_count = retry_count + 1, claimed_by = NULL, lease_expires_at = NULL"
        }
    }
}

/// One conditional status change.
struct Change<'a> {
    transition: JobTransition,
    /// The statuses the row must have.
    allowed: &'a [JobStatus],
    /// For a retry: the row must have had fewer retries.
    max_retries: Option<u32>,
    /// The error recorded with the change.
    error: Option<&'a JobError>,
    /// The notification stored with the change, in the same transaction.
    notification: Option<&'a Notification>,
}

/// The conditional update of one change; `None` when the row is not in a state it allows
/// (or, fenced, not leased to the writer).
async fn conditional<D: Driver>(
    db: &D,
    user_id: UserId,
    id: JobId,
    change: Change<'_>,
    fence: Fence<'_>,
    now: Timestamp,
) -> Result<Option<TrainingJob>, StoreError> {
    let Change { transition, allowed, max_retries, error, notification } = change;
    let mut statement = Statement::new("UPDATE training_jobs SET status = $3, stage = NULL, updated_at = $4")
        .bind(id)
        .bind(user_id)
        .bind(transition.target().as_str())
        .bind(now);
    statement.push(effects(transition));
    if let Some(error) = error {
        let error_type = statement.arg(error.error_type.as_str());
        let message = statement.arg(error.message.as_str());
        statement.push(&format!(", error_type = {error_type}, error_message = {message}"));
    }
    statement.push(" WHERE id = $1 AND user_id = $2 AND status IN ");
    statement.push_list(allowed.iter().map(|status| status.as_str()));
    if let Some(max_retries) = max_retries {
        let max = statement.arg(max_retries);
        statement.push(&format!(" AND retry_count < {max}"));
    }
    fence.restrict(&mut statement);
    let Some(notification) = notification else {
        statement.push(" RETURNING *");
        return fetch_one(db, statement, rows::job).await;
    };
    match db.execute_guarded(statement, vec![notifications::insert_once(notification)]).await? {
        Some(_) => get(db, user_id, id).await.map(Some),
        None => Ok(None),
    }
}

/// Why a conditional update of job `id` changed nothing: the job is not the user's (or does
/// not exist), it is in another state than `expected` accepts (`Some(reason)`), or, for a
/// fenced write, its lease is not the writer's.
async fn refused<D: Driver>(
    db: &D,
    user_id: UserId,
    id: JobId,
    fence: Fence<'_>,
    expected: impl FnOnce(JobStatus) -> Option<String>,
) -> StoreError {
    let statement = Statement::new("SELECT status, claimed_by FROM training_jobs WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id);
    let found = fetch_one(db, statement, |row| Ok((row.parse::<JobStatus>("status")?, row.opt_text("claimed_by")?)));
    match found.await {
        Ok(Some((status, holder))) => match expected(status) {
            Some(reason) => StoreError::StaleState { entity: ENTITY, id: id.to_string(), reason },
            None if !fence.admits(holder.as_deref()) => fence.lost(ENTITY, id),
            None => StoreError::StaleState {
                entity: ENTITY,
                id: id.to_string(),
                reason: format!("job is {status} and changed concurrently"),
            },
        },
        Ok(None) => StoreError::not_found(ENTITY, id),
        Err(err) => err,
    }
}

/// The reason a transition was refused, from the job's status now; `None` when the status
/// allows it.
fn transition_refused(transition: JobTransition) -> impl FnOnce(JobStatus) -> Option<String> {
    move |status| status.apply(transition).err().map(|err| err.to_string())
}

pub(super) async fn transition<D: Driver>(
    db: &D,
    user_id: UserId,
    id: JobId,
    change: (JobTransition, Option<&JobError>, Option<&Notification>),
    fence: Fence<'_>,
    now: Timestamp,
) -> Result<TrainingJob, StoreError> {
    let (transition, error, notification) = change;
    let allowed = transition.allowed_from();
    let change = Change { transition, allowed, max_retries: None, error, notification };
    match conditional(db, user_id, id, change, fence, now).await? {
        Some(job) => Ok(job),
        None => Err(refused(db, user_id, id, fence, transition_refused(transition)).await),
    }
}

/// Cancels a queued job at once (with its notification); records the request on an
/// initializing or running one, for the orchestrator that holds it to act on.
pub(super) async fn request_cancel<D: Driver>(
    db: &D,
    user_id: UserId,
    id: JobId,
    notification: &Notification,
    now: Timestamp,
) -> Result<TrainingJob, StoreError> {
    let cancel = JobTransition::Cancel;
    let change = Change {
        transition: cancel,
        allowed: &[JobStatus::Queued],
        max_retries: None,
        error: None,
        notification: Some(notification),
    };
    if let Some(job) = conditional(db, user_id, id, change, Fence::NONE, now).await? {
        return Ok(job);
    }
    // Not queued (any more): a launch may be in flight, so only its holder can stop it.
    let statement = Statement::new(
        "UPDATE training_jobs SET cancel_requested_at = COALESCE(cancel_requested_at, $3), updated_at = $3 \
         WHERE id = $1 AND user_id = $2 AND status IN ('initializing', 'running') RETURNING *",
    )
    .bind(id)
    .bind(user_id)
    .bind(now);
    match fetch_one(db, statement, rows::job).await? {
        Some(job) => Ok(job),
        None => Err(refused(db, user_id, id, Fence::NONE, transition_refused(cancel)).await),
    }
}

pub(super) async fn retry_or_fail<D: Driver>(
    db: &D,
    user_id: UserId,
    id: JobId,
    (error, max_retries, if_failed): (&JobError, u32, Option<&Notification>),
    fence: Fence<'_>,
    now: Timestamp,
) -> Result<RetryOutcome, StoreError> {
    let retry = JobTransition::RetryTransient;
    let allowed = retry.allowed_from();
    let change =
        Change { transition: retry, allowed, max_retries: Some(max_retries), error: Some(error), notification: None };
    if let Some(job) = conditional(db, user_id, id, change, fence, now).await? {
        return Ok(RetryOutcome { job, retried: true });
    }
    // Not retried: either the retries are spent (fail it) or the job is not in a retryable
    // state (fail nothing).
    let change = Change {
        transition: JobTransition::Fail,
        allowed,
        max_retries: None,
        error: Some(error),
        notification: if_failed,
    };
    match conditional(db, user_id, id, change, fence, now).await? {
        Some(job) => Ok(RetryOutcome { job, retried: false }),
        None => Err(refused(db, user_id, id, fence, transition_refused(retry)).await),
    }
}

pub(super) async fn update_progress<D: Driver>(
    db: &D,
    user_id: UserId,
    id: JobId,
    progress: &JobProgress,
    fence: Fence<'_>,
    now: Timestamp,
) -> Result<TrainingJob, StoreError> {
    if !(0.0..=100.0).contains(&progress.progress_percent) {
        return Err(StoreError::InvalidInput {
            field: "progress_percent",
            message: format!("{} is not between 0 and 100", progress.progress_percent),
        });
    }
    let mut statement = Statement::new(
        "UPDATE training_jobs SET stage = $3, progress_percent = $4, current_epoch = $5, current_step = $6, \
         current_metrics = $7, estimated_completion_at = $8, current_cost = $9, updated_at = $10 \
         WHERE id = $1 AND user_id = $2 AND status = 'running'",
    )
    .bind(id)
    .bind(user_id)
    .bind(progress.stage.map(|stage| stage.as_str()))
    .bind(progress.progress_percent)
    .bind(progress.current_epoch)
    .bind(count("current_step", progress.current_step)?)
    .bind(json("current_metrics", &progress.current_metrics)?)
    .bind(progress.estimated_completion_at)
    .bind(progress.current_cost)
    .bind(now);
    fence.restrict(&mut statement);
    statement.push(" RETURNING *");
    match fetch_one(db, statement, rows::job).await? {
        Some(job) => Ok(job),
        None => {
            let expected = |status| {
                (status != JobStatus::Running).then(|| format!("job is {status}: only a running job has progress"))
            };
            Err(refused(db, user_id, id, fence, expected).await)
        }
    }
}

pub(super) async fn set_backend<D: Driver>(
    db: &D,
    user_id: UserId,
    id: JobId,
    external_job_id: Option<&str>,
    backend_handle: &serde_json::Value,
    fence: Fence<'_>,
    now: Timestamp,
) -> Result<TrainingJob, StoreError> {
    let mut statement = Statement::new(format!(
        "UPDATE training_jobs SET external_job_id = $3, backend_handle = {}, updated_at = $5 \
         WHERE id = $1 AND user_id = $2 AND status IN ('initializing', 'running')",
        D::bound_handle("$4")
    ))
    .bind(id)
    .bind(user_id)
    .bind(external_job_id)
    .bind(backend_handle.clone())
    .bind(now);
    fence.restrict(&mut statement);
    statement.push(" RETURNING *");
    match fetch_one(db, statement, rows::job).await? {
        Some(job) => Ok(job),
        None => {
            let expected = |status| {
                (!matches!(status, JobStatus::Initializing | JobStatus::Running))
                    .then(|| format!("job is {status}: only an initializing or running job has a backend"))
            };
            Err(refused(db, user_id, id, fence, expected).await)
        }
    }
}

pub(super) async fn set_artifact<D: Driver>(
    db: &D,
    user_id: UserId,
    id: JobId,
    artifact_id: ArtifactId,
    fence: Fence<'_>,
    now: Timestamp,
) -> Result<TrainingJob, StoreError> {
    let mut statement = Statement::new(
        "UPDATE training_jobs SET artifact_id = $3, updated_at = $4 \
         WHERE id = $1 AND user_id = $2 AND status = 'running' \
         AND EXISTS (SELECT 1 FROM model_artifacts WHERE id = $3 AND user_id = $2 AND deleted_at IS NULL)",
    )
    .bind(id)
    .bind(user_id)
    .bind(artifact_id)
    .bind(now);
    fence.restrict(&mut statement);
    statement.push(" RETURNING *");
    if let Some(job) = fetch_one(db, statement, rows::job).await? {
        return Ok(job);
    }
    let job = get(db, user_id, id).await?;
    match job.status {
        JobStatus::Running => match refused(db, user_id, id, fence, |_| None).await {
            lost @ StoreError::LeaseLost { .. } => Err(lost),
            _ => Err(StoreError::not_found("artifact", artifact_id)),
        },
        status => Err(StoreError::StaleState {
            entity: ENTITY,
            id: id.to_string(),
            reason: format!("job is {status}: only a running job collects its adapter"),
        }),
    }
}
