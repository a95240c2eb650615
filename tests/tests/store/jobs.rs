//! Jobs: round trips, the state machine as conditional updates, retries, progress.

use std::sync::Arc;

use brightrun_core::ErrorCode;
use brightrun_core::model::{
    ArtifactId, CurrentMetrics, DatasetId, JobStage, JobStatus, JobTransition, Money, TrainingJob, UserId,
};
use brightrun_core::store::{Database, JobError, JobProgress, JobQuery};

use crate::fixtures::{artifact, at, dataset, job, notification};
use crate::on_both_backends;

on_both_backends!(
    a_job_round_trips_and_lists,
    transitions_match_the_model_and_refuse_stale_states,
    retries_are_counted_until_spent,
    progress_backend_and_artifact_of_a_running_job,
    a_cancel_ends_a_queued_job_and_is_recorded_for_a_launched_one,
);

/// A user with one dataset and one queued job, both stored.
async fn queued_job(db: &Arc<dyn Database>) -> TrainingJob {
    let user = UserId::new();
    let item = dataset(user, "jobs");
    db.insert_dataset(&item).await.unwrap();
    let queued = job(user, item.id);
    db.insert_job(&queued).await.unwrap();
    queued
}

fn oom() -> JobError {
    JobError { error_type: "out_of_memory".into(), message: "CUDA out of memory".into() }
}

async fn a_job_round_trips_and_lists(db: Arc<dyn Database>) {
    let queued = queued_job(&db).await;
    let user = queued.user_id;
    assert_eq!(db.get_job(user, queued.id).await.unwrap(), queued, "money exact, times to the microsecond");
    assert_eq!(db.insert_job(&queued).await.unwrap_err().code(), "conflict");
    let orphan = job(user, DatasetId::new());
    assert_eq!(db.insert_job(&orphan).await.unwrap_err().code(), "not_found", "no such dataset");

    let mut second = job(user, queued.dataset_id);
    second.created_at = at(1);
    db.insert_job(&second).await.unwrap();
    db.transition_job(user, second.id, JobTransition::Cancel, None, None, at(2)).await.unwrap();
    let all = db.list_jobs(user, &JobQuery::default()).await.unwrap();
    assert_eq!((all.total, all.items[0].id, all.items[1].id), (2, second.id, queued.id), "newest first");
    let cancelled = JobQuery { status: Some(JobStatus::Cancelled), ..JobQuery::default() };
    assert_eq!(db.list_jobs(user, &cancelled).await.unwrap().items.len(), 1);
    let of_dataset = JobQuery { dataset_id: Some(DatasetId::new()), ..JobQuery::default() };
    assert_eq!(db.list_jobs(user, &of_dataset).await.unwrap().total, 0);
}

async fn transitions_match_the_model_and_refuse_stale_states(db: Arc<dyn Database>) {
    let mut model = queued_job(&db).await;
    let (user, id) = (model.user_id, model.id);
    let path = [(JobTransition::Initialize, 1), (JobTransition::Start, 2), (JobTransition::Complete, 9)];
    for (transition, minute) in path {
        if transition == JobTransition::Complete {
            let progress = JobProgress {
                stage: Some(JobStage::Collecting),
                progress_percent: 99.5,
                current_epoch: 5,
                current_step: 749,
                current_metrics: Some(CurrentMetrics { training_loss: Some(0.9), ..CurrentMetrics::default() }),
                estimated_completion_at: Some(at(10)),
                current_cost: "3.14".parse().unwrap(),
            };
            model = db.update_job_progress(user, id, &progress, at(8)).await.unwrap();
        }
        let stored = db.transition_job(user, id, transition, None, None, at(minute)).await.unwrap();
        model.transition(transition, at(minute)).unwrap();
        assert_eq!(stored, model, "{transition}");
    }
    assert_eq!(model.final_cost, Some("3.14".parse().unwrap()));

    // A final status has no way out: the conditional update changes nothing.
    let err = db.transition_job(user, id, JobTransition::Cancel, None, None, at(10)).await.unwrap_err();
    assert_eq!(err.code(), "stale_state");
    assert!(err.to_string().contains("completed, a final status"), "{err}");
    assert_eq!(db.get_job(user, id).await.unwrap(), model);

    // Two orchestrators race to initialize the same queued job: exactly one wins.
    let other = queued_job(&db).await;
    let (first, second) = tokio::join!(
        db.transition_job(other.user_id, other.id, JobTransition::Initialize, None, None, at(1)),
        db.transition_job(other.user_id, other.id, JobTransition::Initialize, None, None, at(1)),
    );
    assert_eq!([first.is_ok(), second.is_ok()].iter().filter(|ok| **ok).count(), 1);

    // Failing records the error, like the model's `fail`.
    let mut failing = queued_job(&db).await;
    let stored =
        db.transition_job(failing.user_id, failing.id, JobTransition::Fail, Some(&oom()), None, at(3)).await.unwrap();
    failing.fail("out_of_memory", "CUDA out of memory", at(3)).unwrap();
    assert_eq!(stored, failing);
}

async fn retries_are_counted_until_spent(db: Arc<dyn Database>) {
    let mut model = queued_job(&db).await;
    let (user, id) = (model.user_id, model.id);
    let error = JobError { error_type: "backend_unavailable".into(), message: "503".into() };
    assert_eq!(
        db.retry_or_fail_job(user, id, &error, 2, None, at(1)).await.unwrap_err().code(),
        "stale_state",
        "queued"
    );

    for (minute, expect_retry) in [(2, true), (4, true), (6, false)] {
        db.transition_job(user, id, JobTransition::Initialize, None, None, at(minute)).await.unwrap();
        model.transition(JobTransition::Initialize, at(minute)).unwrap();
        let outcome = db.retry_or_fail_job(user, id, &error, 2, None, at(minute + 1)).await.unwrap();
        let retried = model.retry_after_transient_failure("backend_unavailable", "503", 2, at(minute + 1)).unwrap();
        assert_eq!((outcome.retried, &outcome.job), (expect_retry, &model));
        assert_eq!(retried, expect_retry);
        if !expect_retry {
            break;
        }
    }
    assert_eq!((model.status, model.retry_count), (JobStatus::Failed, 2));
    assert_eq!(db.retry_or_fail_job(user, id, &error, 2, None, at(9)).await.unwrap_err().code(), "stale_state");
}

async fn progress_backend_and_artifact_of_a_running_job(db: Arc<dyn Database>) {
    let queued = queued_job(&db).await;
    let (user, id) = (queued.user_id, queued.id);
    let progress = JobProgress { progress_percent: 10.0, current_cost: Money::ZERO, ..JobProgress::default() };
    assert_eq!(db.update_job_progress(user, id, &progress, at(1)).await.unwrap_err().code(), "stale_state");
    let handle = serde_json::json!({"kind": "local", "pid": 4242});
    assert_eq!(db.set_job_backend(user, id, Some("local-1"), &handle, at(1)).await.unwrap_err().code(), "stale_state");

    db.transition_job(user, id, JobTransition::Initialize, None, None, at(1)).await.unwrap();
    let stored = db.set_job_backend(user, id, Some("local-1"), &handle, at(2)).await.unwrap();
    assert_eq!((stored.external_job_id.as_deref(), stored.backend_handle.as_ref()), (Some("local-1"), Some(&handle)));
    db.transition_job(user, id, JobTransition::Start, None, None, at(3)).await.unwrap();

    let bad = JobProgress { progress_percent: 120.0, ..progress };
    assert_eq!(db.update_job_progress(user, id, &bad, at(4)).await.unwrap_err().code(), "invalid_input");
    let progress = JobProgress {
        stage: Some(JobStage::Training),
        progress_percent: 42.5,
        current_epoch: 2,
        current_step: 300,
        current_metrics: Some(CurrentMetrics {
            training_loss: Some(1.2),
            grad_norm: Some(0.5),
            ..CurrentMetrics::default()
        }),
        estimated_completion_at: Some(at(30)),
        current_cost: "0.8000".parse().unwrap(),
    };
    let stored = db.update_job_progress(user, id, &progress, at(4)).await.unwrap();
    assert_eq!((stored.stage, stored.progress_percent, stored.current_step), (Some(JobStage::Training), 42.5, 300));
    assert_eq!(
        (stored.current_metrics, stored.current_cost, stored.updated_at),
        (progress.current_metrics, progress.current_cost, at(4))
    );

    assert_eq!(db.set_job_artifact(user, id, ArtifactId::new(), at(5)).await.unwrap_err().code(), "not_found");
    let adapter = artifact(&stored);
    db.insert_artifact(&adapter).await.unwrap();
    let stored = db.set_job_artifact(user, id, adapter.id, at(5)).await.unwrap();
    assert_eq!(stored.artifact_id, Some(adapter.id));
    assert_eq!(db.get_job(user, id).await.unwrap(), stored);
}

async fn a_cancel_ends_a_queued_job_and_is_recorded_for_a_launched_one(db: Arc<dyn Database>) {
    // Queued: cancelled at once, with its notification in the same write.
    let queued = queued_job(&db).await;
    let user = queued.user_id;
    let told = notification(user, 1);
    let cancelled = db.request_job_cancel(user, queued.id, &told, at(1)).await.unwrap();
    assert_eq!(
        (cancelled.status, cancelled.completed_at, cancelled.cancel_requested_at),
        (JobStatus::Cancelled, Some(at(1)), None)
    );
    assert_eq!(db.list_notifications(user, &Default::default()).await.unwrap().total, 1);
    let again = db.request_job_cancel(user, queued.id, &notification(user, 2), at(2)).await.unwrap_err();
    assert_eq!(again.code(), "stale_state", "a final job is not cancelled again");

    // Being launched: recorded once (the first request's time), the status left to the
    // orchestrator; nothing is announced yet.
    let launched = job(user, queued.dataset_id);
    db.insert_job(&launched).await.unwrap();
    db.transition_job(user, launched.id, JobTransition::Initialize, None, None, at(3)).await.unwrap();
    let requested = db.request_job_cancel(user, launched.id, &notification(user, 4), at(4)).await.unwrap();
    assert_eq!((requested.status, requested.cancel_requested_at), (JobStatus::Initializing, Some(at(4))));
    let repeated = db.request_job_cancel(user, launched.id, &notification(user, 5), at(5)).await.unwrap();
    assert_eq!(repeated.cancel_requested_at, Some(at(4)));
    assert_eq!(db.get_job(user, launched.id).await.unwrap(), repeated);
    assert_eq!(db.list_notifications(user, &Default::default()).await.unwrap().total, 1);
    // It survives the worker's start; only the owner's own jobs can be asked.
    let running = db.transition_job(user, launched.id, JobTransition::Start, None, None, at(6)).await.unwrap();
    assert_eq!(running.cancel_requested_at, Some(at(4)));
    let intruder = db.request_job_cancel(UserId::new(), launched.id, &notification(user, 7), at(7)).await.unwrap_err();
    assert_eq!(intruder.code(), "not_found");
}
