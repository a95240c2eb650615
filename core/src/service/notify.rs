//! The notifications the service and the orchestrator send, each written once.
//!
//! A notification's id is derived from what it is about (the job and attempt, the dataset,
//! the billing month), so a step repeated after a crash finds it already there. The
//! notification of a status change is built from the record as the change leaves it and
//! stored with the change, in one transaction ([`job_notification`], [`dataset_notification`]).

use serde_json::json;

use super::derived_id;
use crate::model::{
    Dataset, DatasetStatus, JobTransition, Notification, NotificationId, NotificationPriority, NotificationType,
    Timestamp, TrainingJob, UserId,
};
use crate::store::{Database, JobError, StoreError};

/// Stores `notification` unless it is already there (its id says what it is about).
pub(crate) async fn insert_once(db: &dyn Database, notification: Notification) -> Result<(), StoreError> {
    match db.insert_notification(&notification).await {
        Ok(()) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// What a notification says, before it is addressed.
pub(crate) struct Draft {
    pub(crate) kind: NotificationType,
    pub(crate) priority: NotificationPriority,
    pub(crate) title: String,
    pub(crate) message: String,
    pub(crate) action_url: String,
    pub(crate) metadata: serde_json::Value,
}

impl Draft {
    /// The notification addressed to `user_id` under `id`.
    pub(crate) fn to(self, user_id: UserId, id: uuid::Uuid, now: Timestamp) -> Notification {
        Notification {
            id: NotificationId::from_uuid(id),
            user_id,
            notification_type: self.kind,
            title: self.title,
            message: self.message,
            priority: self.priority,
            read: false,
            read_at: None,
            action_url: Some(self.action_url),
            metadata: self.metadata,
            created_at: now,
        }
    }
}

/// Tells the job's owner what happened to it (`job_queued`, `job_started`, `job_complete`,
/// `job_failed`, `job_cancelled`).
pub async fn job(
    db: &dyn Database,
    job: &TrainingJob,
    kind: NotificationType,
    now: Timestamp,
) -> Result<(), StoreError> {
    insert_once(db, job_notification(job, kind, now)).await
}

/// The notification of `kind` about `job`, as the job is after what it announces.
pub fn job_notification(job: &TrainingJob, kind: NotificationType, now: Timestamp) -> Notification {
    let cost = job.final_cost.unwrap_or(job.current_cost).round_to_cents();
    let (text, priority) = match kind {
        NotificationType::JobQueued => (
            (
                "Training job queued".to_owned(),
                format!("{} on {} is queued.", job.hyperparameters.base_model, job.gpu.gpu_type),
            ),
            NotificationPriority::Low,
        ),
        NotificationType::JobStarted => (
            ("Training started".to_owned(), format!("Job {} is training ({} steps).", job.id, job.total_steps)),
            NotificationPriority::Low,
        ),
        NotificationType::JobComplete => (
            ("Your adapter is ready".to_owned(), format!("Job {} completed; it cost ${cost}.", job.id)),
            NotificationPriority::High,
        ),
        NotificationType::JobFailed => (
            (
                "Training failed".to_owned(),
                format!("Job {} failed: {}", job.id, job.error_message.as_deref().unwrap_or("no reason given")),
            ),
            NotificationPriority::High,
        ),
        _ => (
            ("Training cancelled".to_owned(), format!("Job {} was cancelled; it cost ${cost}.", job.id)),
            NotificationPriority::Normal,
        ),
    };
    let id = derived_id(job.id.as_uuid(), &format!("{kind}/{}", job.retry_count));
    let metadata = json!({ "job_id": job.id, "status": job.status, "error_type": job.error_type });
    let ((title, message), action_url) = (text, format!("/jobs/{}", job.id));
    Draft { kind, priority, title, message, action_url, metadata }.to(job.user_id, id, now)
}

/// `job` as `transition` (recording `error`) leaves it: what its notification tells. An
/// illegal transition leaves it as it is (the store refuses it, and the notification with it).
pub fn after(job: &TrainingJob, transition: JobTransition, error: Option<&JobError>, now: Timestamp) -> TrainingJob {
    let mut next = job.clone();
    if next.transition(transition, now).is_ok()
        && let Some(error) = error
    {
        next.error_type = Some(error.error_type.clone());
        next.error_message = Some(error.message.clone());
    }
    next
}

/// The notification that tells the dataset's owner how its validation ended.
pub fn dataset_notification(dataset: &Dataset, now: Timestamp) -> Notification {
    let ready = dataset.status == DatasetStatus::Ready;
    let (kind, text, priority) = if ready {
        (
            NotificationType::DatasetReady,
            (
                "Dataset ready".to_owned(),
                format!(
                    "{} is valid: {} training pairs, {} tokens.",
                    dataset.name, dataset.total_training_pairs, dataset.total_tokens
                ),
            ),
            NotificationPriority::Normal,
        )
    } else {
        (
            NotificationType::DatasetError,
            (
                "Dataset has errors".to_owned(),
                format!("{} cannot be trained on yet: see its validation report.", dataset.name),
            ),
            NotificationPriority::High,
        )
    };
    let validated = dataset.validated_at.map(|t| t.unix_micros()).unwrap_or_default();
    let id = derived_id(dataset.id.as_uuid(), &format!("{kind}/{validated}"));
    let metadata = json!({ "dataset_id": dataset.id, "status": dataset.status });
    let ((title, message), action_url) = (text, format!("/datasets/{}", dataset.id));
    Draft { kind, priority, title, message, action_url, metadata }.to(dataset.user_id, id, now)
}
