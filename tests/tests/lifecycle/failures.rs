//! Jobs that fail, crash, lie or are cancelled; and a budget alert.

use std::sync::Arc;

use brightrun_core::model::{JobStatus, Money};
use brightrun_core::store::{BudgetSettings, Database};

use crate::world::{Setup, run_dirs, world, world_with};

crate::on_both_backends!(
    each_failure_exit_code_fails_without_retry,
    out_of_memory_is_not_retried,
    a_crash_is_retried_then_fails,
    success_without_completed_is_a_failure,
    an_artifact_with_a_wrong_sha256_is_a_failure,
    cancel_mid_run_records_the_cost_and_notifies,
    a_budget_alert_is_sent_once,
    a_job_over_its_cost_cap_is_stopped,
    a_worker_that_wrote_more_than_a_pass_reads_is_read_to_its_end,
);

async fn each_failure_exit_code_fails_without_retry(db: Arc<dyn Database>) {
    for code in [2, 3] {
        let w = world(db.clone(), &format!("fail-{code}"));
        let job = w.queued_job().await;
        let job = w.run_to_end(job.id).await;
        assert_eq!(job.status, JobStatus::Failed);
        // The worker's own `failed` event names the error.
        assert_eq!(job.error_type.as_deref(), Some("test_failure"), "exit {code}");
        assert!(job.error_message.unwrap().contains(&format!("fail-{code}")));
        assert!(w.notification_types().await.iter().any(|k| k == "job_failed"));
    }
}

async fn out_of_memory_is_not_retried(db: Arc<dyn Database>) {
    let w = world(db, "oom");
    let job = w.queued_job().await;
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref(), job.retry_count), (JobStatus::Failed, Some("out_of_memory"), 0));
}

async fn a_crash_is_retried_then_fails(db: Arc<dyn Database>) {
    let w = world(db, "crash");
    let job = w.queued_job().await;
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.error_type.as_deref(), Some("worker_crashed"));
    assert_eq!(job.retry_count, 2, "two retries, then failed");
    let attempts = run_dirs(&w.home).len();
    assert_eq!(attempts, 3);
}

async fn success_without_completed_is_a_failure(db: Arc<dyn Database>) {
    let w = world(db, "no-completed");
    let job = w.queued_job().await;
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Failed, Some("worker_protocol")));
    assert!(job.artifact_id.is_none());
}

async fn an_artifact_with_a_wrong_sha256_is_a_failure(db: Arc<dyn Database>) {
    let w = world(db, "bad-sha");
    let job = w.queued_job().await;
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Failed, Some("artifact_mismatch")));
    assert!(job.error_message.unwrap().contains("adapter_model.safetensors"));
}

async fn cancel_mid_run_records_the_cost_and_notifies(db: Arc<dyn Database>) {
    let w = world(db, "slow");
    let job = w.queued_job().await;
    let running = w.run_until(job.id, |j| j.status == JobStatus::Running && j.current_step >= 3).await;
    w.app.cancel_job(w.user, running.id).await.unwrap();
    let job = w.run_to_end(running.id).await;
    assert_eq!(job.status, JobStatus::Cancelled);
    assert!(job.final_cost.unwrap() > Money::ZERO);
    assert_eq!(job.final_cost, Some(w.job_cost_records(job.id).await.iter().map(|r| r.amount).sum()));
    assert!(w.notification_types().await.iter().any(|k| k == "job_cancelled"));
    // A finished job cannot be cancelled again.
    assert_eq!(brightrun_core::ErrorCode::code(&w.app.cancel_job(w.user, job.id).await.unwrap_err()), "job_finished");
}

async fn a_budget_alert_is_sent_once(db: Arc<dyn Database>) {
    let w = world(db, "success");
    let budget = BudgetSettings {
        monthly_budget: Some("0.0001".parse().unwrap()),
        alert_threshold_percent: 50,
        per_job_cost_cap: None,
    };
    w.app.set_budget(w.user, &budget).await.unwrap();
    let job = w.queued_job().await;
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Completed);
    let alerts = w.notification_types().await.into_iter().filter(|k| k == "cost_alert").count();
    assert_eq!(alerts, 2, "the threshold and the budget, once each");
}

async fn a_job_over_its_cost_cap_is_stopped(db: Arc<dyn Database>) {
    let w = world(db, "slow");
    let budget = BudgetSettings {
        monthly_budget: None,
        alert_threshold_percent: 80,
        per_job_cost_cap: Some("0.36".parse().unwrap()),
    };
    w.app.set_budget(w.user, &budget).await.unwrap();
    let job = w.queued_job().await;
    // $3600/h: the cap is 0.36 s of compute, passed by the first progress report.
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Cancelled);
    assert_eq!(job.error_type.as_deref(), Some("cost_cap"));
    assert!(job.error_message.unwrap().contains("cost cap"));
}

async fn a_worker_that_wrote_more_than_a_pass_reads_is_read_to_its_end(db: Arc<dyn Database>) {
    let w = world_with(db, Setup::new("flood"));
    let job = w.queued_job().await;
    // Submitted, then not looked at again until the worker is gone: the first look at it
    // sees it done, with 20 MiB of output unread and `completed` at its very end.
    assert_eq!(w.orchestrator.run_once().await.unwrap().jobs_submitted, 1);
    let dir = w.attempt_dir(job.id, 0);
    for _ in 0..1500 {
        if dir.join("exit_code").exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let written = std::fs::metadata(dir.join("events.jsonl")).unwrap().len();
    let one_pass =
        (crate::world::fast_options().max_event_batches * brightrun_core::backend::event_log::MAX_BATCH_BYTES) as u64;
    assert!(written > one_pass, "the worker wrote {written} bytes, no more than a pass reads ({one_pass})");
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?} {:?}", job.error_type, job.error_message);
    let points = w.app.job_metrics(w.user, job.id, brightrun_core::store::MetricSeries::TrainingLoss, 100).await;
    assert_eq!(points.unwrap().len(), 4);
}
