//! Launches that fail: a permanent failure fails the job at once with its code, a passing
//! one is tried again after a pause, and a launch that keeps failing gives up after its
//! tries with `launch_failed`; each failed job tells its owner once.

use std::sync::Arc;

use brightrun_core::model::{JobStatus, TrainingJob};
use brightrun_core::orchestrator::{OrchestratorOptions, pinned_dataset_key};
use brightrun_core::store::Database;
use chrono::TimeDelta;

use crate::world::{Harnessed, Setup, chat_dataset, fast_options, world_with};

crate::on_both_backends!(
    a_missing_dataset_object_fails_the_launch_at_once,
    a_trainer_that_cannot_start_fails_the_launch_at_once,
    a_passing_launch_failure_is_tried_again,
    a_launch_that_keeps_failing_gives_up_after_its_tries,
    a_job_cancelled_between_launch_tries_ends_without_a_worker,
);

const MAX_TRIES: u32 = 3;

fn world(db: Arc<dyn Database>) -> Harnessed {
    let options = OrchestratorOptions {
        max_tries: MAX_TRIES,
        retry_backoff: TimeDelta::milliseconds(10),
        lease: TimeDelta::seconds(2),
        ..fast_options()
    };
    world_with(db, Setup { options, ..Setup::new("success") })
}

async fn queued(w: &Harnessed) -> TrainingJob {
    let dataset = w.uploaded_dataset(&chat_dataset(12)).await;
    let dataset = w.validate_with(&w.orchestrator, dataset.id).await;
    w.app.create_job(w.user, &w.job_request(&dataset)).await.unwrap()
}

async fn failed_notifications(w: &Harnessed) -> usize {
    w.notifications().await.iter().filter(|n| n.notification_type.to_string() == "job_failed").count()
}

async fn a_missing_dataset_object_fails_the_launch_at_once(db: Arc<dyn Database>) {
    let w = world(db);
    let job = queued(&w).await;
    let dataset = w.app.get_dataset(w.user, job.dataset_id).await.unwrap();
    let (key, _) = pinned_dataset_key(&dataset).unwrap();
    w.app.blobs().delete(&key).await.unwrap();
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Failed, Some("dataset_missing")));
    assert_eq!(w.store.reads_of("/validated/"), 1, "a permanent failure is not tried again");
    assert_eq!((w.backend.submit_count(), w.worker_starts().len()), (0, 0));
    assert_eq!(failed_notifications(&w).await, 1);
}

async fn a_trainer_that_cannot_start_fails_the_launch_at_once(db: Arc<dyn Database>) {
    let w = world(db);
    w.backend.fail_submits(100, true);
    let job = queued(&w).await;
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Failed, Some("worker_launch_failed")));
    assert_eq!(w.backend.submit_count(), 1, "a permanent failure is not tried again");
    assert_eq!(failed_notifications(&w).await, 1);
}

async fn a_passing_launch_failure_is_tried_again(db: Arc<dyn Database>) {
    let w = world(db);
    w.backend.fail_submits(MAX_TRIES - 1, false);
    let job = queued(&w).await;
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    assert_eq!(w.backend.submit_count(), MAX_TRIES, "tried until it worked");
    assert_eq!(w.worker_starts().len(), 1);
    assert_eq!(failed_notifications(&w).await, 0);
}

async fn a_launch_that_keeps_failing_gives_up_after_its_tries(db: Arc<dyn Database>) {
    let w = world(db);
    w.backend.fail_submits(u32::MAX, false);
    let job = queued(&w).await;
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Failed, Some("launch_failed")));
    let message = job.error_message.unwrap_or_default();
    assert!(message.contains(&format!("after {MAX_TRIES} tries")) && message.contains("backend_io"), "{message}");
    assert_eq!(w.backend.submit_count(), MAX_TRIES);
    assert_eq!(failed_notifications(&w).await, 1);
    // Never tried again.
    for _ in 0..5 {
        w.orchestrator.run_once().await.unwrap();
    }
    assert_eq!(w.backend.submit_count(), MAX_TRIES);
    assert_eq!(w.worker_starts().len(), 0);
    assert_eq!(failed_notifications(&w).await, 1);
}

async fn a_job_cancelled_between_launch_tries_ends_without_a_worker(db: Arc<dyn Database>) {
    let w = world(db);
    w.backend.fail_submits(1, false);
    let job = queued(&w).await;
    w.orchestrator.run_once().await.unwrap();
    let waiting = w.app.get_job(w.user, job.id).await.unwrap().job;
    assert_eq!((waiting.status, w.backend.submit_count()), (JobStatus::Initializing, 1), "the first try failed");
    // Being launched: the request is recorded, and the orchestrator acts on it.
    let requested = w.app.cancel_job(w.user, job.id).await.unwrap();
    assert_eq!(requested.status, JobStatus::Initializing);
    assert!(requested.cancel_requested_at.is_some());
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Cancelled, None));
    assert_eq!((w.backend.submit_count(), w.worker_starts().len()), (1, 0), "not launched again");
    assert_eq!(job.final_cost, Some(brightrun_core::model::Money::ZERO.round_to_cents()));
    let cancelled =
        w.notifications().await.iter().filter(|n| n.notification_type.to_string() == "job_cancelled").count();
    assert_eq!(cancelled, 1);
}
