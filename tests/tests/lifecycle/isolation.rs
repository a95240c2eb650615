//! Another user's ids are "not found" through every service call, and change nothing.

use std::sync::Arc;

use brightrun_core::ErrorCode;
use brightrun_core::model::{JobStatus, UserId};
use brightrun_core::service::{DatasetUpdate, ModelUpdate};
use brightrun_core::store::{Database, MetricSeries};

use crate::world::world;

crate::on_both_backends!(another_users_ids_are_not_found);

async fn another_users_ids_are_not_found(db: Arc<dyn Database>) {
    let w = world(db, "success");
    let job = w.queued_job().await;
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Completed);
    let model_id = job.artifact_id.unwrap();
    let intruder = UserId::new();
    let app = &w.app;
    let not_found = |code: &str| assert_eq!(code, "not_found");
    not_found(app.get_dataset(intruder, job.dataset_id).await.unwrap_err().code());
    not_found(
        app.update_dataset(intruder, job.dataset_id, DatasetUpdate { name: Some("mine".into()), description: None })
            .await
            .unwrap_err()
            .code(),
    );
    not_found(app.delete_dataset(intruder, job.dataset_id).await.unwrap_err().code());
    not_found(app.get_job(intruder, job.id).await.unwrap_err().code());
    not_found(app.cancel_job(intruder, job.id).await.unwrap_err().code());
    not_found(app.job_events(intruder, job.id, Default::default()).await.unwrap_err().code());
    not_found(app.get_model(intruder, model_id).await.unwrap_err().code());
    not_found(
        app.update_model(
            intruder,
            model_id,
            ModelUpdate { status: Some(brightrun_core::model::ArtifactStatus::Deleted), ..Default::default() },
        )
        .await
        .unwrap_err()
        .code(),
    );
    not_found(app.model_downloads(intruder, model_id, std::time::Duration::from_secs(60)).await.unwrap_err().code());
    assert!(
        app.job_metrics(intruder, job.id, MetricSeries::TrainingLoss, 10).await.map(|p| p.is_empty()).unwrap_or(true)
    );
    assert_eq!(app.unread_notifications(intruder).await.unwrap(), 0);
    let owners_notification = app.list_notifications(w.user, &Default::default()).await.unwrap().items[0].id;
    not_found(app.mark_notification_read(intruder, owners_notification).await.unwrap_err().code());
    assert_eq!(app.mark_all_notifications_read(intruder).await.unwrap(), 0);
    assert_eq!(app.list_datasets(intruder, &Default::default()).await.unwrap().total, 0);
    assert_eq!(app.list_jobs(intruder, &Default::default()).await.unwrap().total, 0);
    assert_eq!(app.list_models(intruder, &Default::default()).await.unwrap().total, 0);
    assert_eq!(app.cost_summary(intruder).await.unwrap().month.total, brightrun_core::model::Money::ZERO);
    assert!(app.unread_notifications(w.user).await.unwrap() > 0, "the owner's stay unread");
    // Nothing of the owner's changed.
    assert_eq!(app.get_dataset(w.user, job.dataset_id).await.unwrap().name, "support chats");
    assert_eq!(app.get_model(w.user, model_id).await.unwrap().status, brightrun_core::model::ArtifactStatus::Stored);
    assert_eq!(app.get_job(w.user, job.id).await.unwrap().job.status, JobStatus::Completed);
}
