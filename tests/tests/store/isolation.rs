//! Isolation: user B acting on user A's ids gets not-found from every operation, and A's rows
//! stay as they were.

use std::sync::Arc;

use brightrun_core::ErrorCode;
use brightrun_core::model::{ArtifactStatus, BillingPeriod, CostType, JobStatus, JobTransition, Money, UserId};
use brightrun_core::store::{
    ArtifactQuery, BudgetSettings, Database, DatasetQuery, JobError, JobProgress, JobQuery, Lease, LeaseTarget,
    MetricSeries, NotificationQuery, StoreError, ValidationReport,
};
use chrono::TimeDelta;

use crate::fixtures::{artifact, at, cost, dataset, job, notification, point, t0};
use crate::on_both_backends;

on_both_backends!(another_users_rows_are_not_found_and_never_changed);

#[track_caller]
fn not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    let err = result.unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
}

async fn another_users_rows_are_not_found_and_never_changed(db: Arc<dyn Database>) {
    let (alice, bob) = (UserId::new(), UserId::new());
    let data = dataset(alice, "alice's data");
    db.insert_dataset(&data).await.unwrap();
    let run = job(alice, data.id);
    db.insert_job(&run).await.unwrap();
    let adapter = artifact(&run);
    db.insert_artifact(&adapter).await.unwrap();
    db.insert_metrics(alice, run.id, &[point(run.id, 1), point(run.id, 2)]).await.unwrap();
    db.insert_cost(&cost(alice, Some(run.id), CostType::Compute, "4.20", at(1))).await.unwrap();
    let note = notification(alice, 1);
    db.insert_notification(&note).await.unwrap();
    let budget = BudgetSettings { monthly_budget: Some("100".parse().unwrap()), ..BudgetSettings::default() };
    db.set_budget(alice, &budget, at(1)).await.unwrap();
    db.save_validation_report(alice, data.id, &ValidationReport::Inline(serde_json::json!({"ok": true})), at(1))
        .await
        .unwrap();

    // Datasets.
    not_found(db.get_dataset(bob, data.id).await);
    let mut hijacked = data.clone();
    hijacked.user_id = bob;
    hijacked.name = "mine now".into();
    not_found(db.update_dataset(&hijacked).await);
    not_found(db.delete_dataset(bob, data.id, at(2)).await);
    assert_eq!(db.list_datasets(bob, &DatasetQuery::default()).await.unwrap().total, 0);
    not_found(db.save_validation_report(bob, data.id, &ValidationReport::Stored { path: "x".into() }, at(2)).await);
    not_found(db.validation_report(bob, data.id).await);

    // Jobs.
    not_found(db.insert_job(&job(bob, data.id)).await);
    not_found(db.get_job(bob, run.id).await);
    assert_eq!(db.list_jobs(bob, &JobQuery::default()).await.unwrap().total, 0);
    for transition in JobTransition::ALL {
        not_found(db.transition_job(bob, run.id, transition, None, None, at(2)).await);
    }
    let error = JobError { error_type: "x".into(), message: "y".into() };
    not_found(db.retry_or_fail_job(bob, run.id, &error, 3, None, at(2)).await);
    let progress = JobProgress { progress_percent: 50.0, current_cost: Money::ZERO, ..JobProgress::default() };
    not_found(db.update_job_progress(bob, run.id, &progress, at(2)).await);
    not_found(db.set_job_backend(bob, run.id, Some("x"), &serde_json::json!({}), at(2)).await);
    not_found(db.set_job_artifact(bob, run.id, adapter.id, at(2)).await);

    // Leases: bob can neither renew nor release alice's rows, even with a claim of his own.
    let claimed = db.claim_job(&[JobStatus::Queued], &Lease::new("orchestrator", at(2), TimeDelta::seconds(30))).await;
    assert_eq!(claimed.unwrap().unwrap().id, run.id);
    let lease = Lease::new("orchestrator", at(2), TimeDelta::minutes(5));
    for target in [LeaseTarget::Job { user_id: bob, id: run.id }, LeaseTarget::Dataset { user_id: bob, id: data.id }] {
        not_found(db.renew_lease(target, &lease).await);
        not_found(db.release_lease(target, "orchestrator").await);
    }

    // Metrics.
    not_found(db.insert_metrics(bob, run.id, &[point(run.id, 3)]).await);
    not_found(db.metrics_range(bob, run.id, 0, 100, 100).await);
    not_found(db.metrics_downsampled(bob, run.id, MetricSeries::TrainingLoss, 10).await);

    // Artifacts.
    let mut stolen = artifact(&run);
    stolen.user_id = bob;
    not_found(db.insert_artifact(&stolen).await);
    not_found(db.get_artifact(bob, adapter.id).await);
    assert_eq!(db.list_artifacts(bob, &ArtifactQuery::default()).await.unwrap().total, 0);
    not_found(db.set_artifact_status(bob, adapter.id, ArtifactStatus::Deleted, at(2)).await);

    // Costs and budgets.
    not_found(db.insert_cost(&cost(bob, Some(run.id), CostType::Compute, "1", at(2))).await);
    let period = BillingPeriod::containing(t0());
    assert!(db.list_costs(bob, period).await.unwrap().is_empty());
    assert_eq!(db.cost_totals(bob, period).await.unwrap().total, Money::ZERO);
    assert_eq!(db.budget(bob).await.unwrap(), BudgetSettings::default());

    // Notifications.
    assert_eq!(db.list_notifications(bob, &NotificationQuery::default()).await.unwrap().total, 0);
    assert_eq!(db.unread_notifications(bob).await.unwrap(), 0);
    not_found(db.mark_notification_read(bob, note.id, at(2)).await);
    assert_eq!(db.mark_all_notifications_read(bob, at(2)).await.unwrap(), 0);

    // Alice's rows are as she left them (her report was saved at minute 1).
    let data = brightrun_core::model::Dataset { updated_at: at(1), ..data };
    assert_eq!(db.get_dataset(alice, data.id).await.unwrap(), data);
    assert_eq!(db.get_job(alice, run.id).await.unwrap(), run);
    assert_eq!(db.get_artifact(alice, adapter.id).await.unwrap(), adapter);
    assert_eq!(db.metrics_range(alice, run.id, 0, 100, 100).await.unwrap().len(), 2);
    assert_eq!(db.cost_totals(alice, period).await.unwrap().total, "4.20".parse().unwrap());
    assert_eq!(db.budget(alice).await.unwrap(), budget);
    assert_eq!(db.unread_notifications(alice).await.unwrap(), 1);
    assert!(db.validation_report(alice, data.id).await.unwrap().is_some());
    db.release_lease(LeaseTarget::Job { user_id: alice, id: run.id }, "orchestrator").await.unwrap();
}
