//! Artifacts, costs and budgets, notifications.

use std::sync::Arc;

use brightrun_core::ErrorCode;
use brightrun_core::model::{ArtifactStatus, BillingPeriod, CostRecord, CostType, JobId, JobTransition, Money, UserId};
use brightrun_core::store::{ArtifactQuery, BudgetSettings, Database, NotificationQuery, PageRequest};

use crate::fixtures::{artifact, at, cost, notification, stored_job, t0};
use crate::on_both_backends;

on_both_backends!(
    artifacts_round_trip_and_change_status,
    costs_sum_exactly_by_month_and_type,
    a_job_cost_is_settled_once_per_record_and_is_their_sum,
    a_zero_cost_reads_back_in_cents,
    notifications_are_read_once
);

async fn artifacts_round_trip_and_change_status(db: Arc<dyn Database>) {
    let user = UserId::new();
    let trained = stored_job(db.as_ref(), user, "artifacts").await;
    let adapter = artifact(&trained);
    db.insert_artifact(&adapter).await.unwrap();
    assert_eq!(db.get_artifact(user, adapter.id).await.unwrap(), adapter);
    assert_eq!(db.insert_artifact(&adapter).await.unwrap_err().code(), "conflict");
    let mut orphan = artifact(&trained);
    orphan.job_id = JobId::new();
    assert_eq!(db.insert_artifact(&orphan).await.unwrap_err().code(), "not_found");

    let second = artifact(&trained);
    db.insert_artifact(&second).await.unwrap();
    let archived = db.set_artifact_status(user, second.id, ArtifactStatus::Archived, at(50)).await.unwrap();
    assert_eq!((archived.status, archived.updated_at, archived.deleted_at), (ArtifactStatus::Archived, at(50), None));
    let stored_only = ArtifactQuery { status: Some(ArtifactStatus::Stored), ..ArtifactQuery::default() };
    assert_eq!(db.list_artifacts(user, &stored_only).await.unwrap().items, std::slice::from_ref(&adapter));
    let of_job = ArtifactQuery { job_id: Some(trained.id), ..ArtifactQuery::default() };
    assert_eq!(db.list_artifacts(user, &of_job).await.unwrap().total, 2);

    let deleted = db.set_artifact_status(user, adapter.id, ArtifactStatus::Deleted, at(51)).await.unwrap();
    assert_eq!(deleted.deleted_at, Some(at(51)));
    assert_eq!(db.get_artifact(user, adapter.id).await.unwrap_err().code(), "not_found");
    assert_eq!(db.list_artifacts(user, &ArtifactQuery::default()).await.unwrap().total, 1);
}

async fn costs_sum_exactly_by_month_and_type(db: Arc<dyn Database>) {
    let user = UserId::new();
    let trained = stored_job(db.as_ref(), user, "costs").await;

    // 0.1 ten times is exactly 1: no float ever touches an amount.
    for i in 0..10 {
        db.insert_cost(&cost(user, Some(trained.id), CostType::Compute, "0.1", at(i))).await.unwrap();
    }
    // Amounts are recorded in whole cents, rounded once by whoever priced them.
    let sub_cent = db.insert_cost(&cost(user, None, CostType::Storage, "0.000000001", at(11))).await.unwrap_err();
    assert_eq!(sub_cent.code(), "invalid_input");
    assert!(sub_cent.to_string().contains("cents"), "{sub_cent}");
    db.insert_cost(&cost(user, None, CostType::Storage, "0.01", at(11))).await.unwrap();
    db.insert_cost(&cost(user, None, CostType::DataTransfer, "12345678901234.57", at(12))).await.unwrap();
    let next_month = t0().plus(chrono::TimeDelta::days(40));
    db.insert_cost(&cost(user, Some(trained.id), CostType::Compute, "5", next_month)).await.unwrap();
    let foreign_job = cost(user, Some(JobId::new()), CostType::Compute, "1", at(13));
    assert_eq!(db.insert_cost(&foreign_job).await.unwrap_err().code(), "not_found");

    let period = BillingPeriod::containing(t0());
    let totals = db.cost_totals(user, period).await.unwrap();
    let money = |text: &str| text.parse::<Money>().unwrap();
    assert_eq!(totals.of(CostType::Compute), money("1"));
    assert_eq!(totals.of(CostType::Storage), money("0.01"));
    assert_eq!(totals.of(CostType::DataTransfer), money("12345678901234.57"));
    assert_eq!(totals.total, money("12345678901235.58"));
    let records = db.list_costs(user, period).await.unwrap();
    assert_eq!(records.len(), 12);
    assert_eq!(records[11], cost_like(&records[11]), "round trip");
    assert_eq!(db.cost_totals(user, BillingPeriod::containing(next_month)).await.unwrap().total, money("5"));

    assert_eq!(db.budget(user).await.unwrap(), BudgetSettings::default());
    let budget = BudgetSettings {
        monthly_budget: Some(money("250.00")),
        alert_threshold_percent: 75,
        per_job_cost_cap: Some(money("19.99")),
    };
    db.set_budget(user, &budget, at(1)).await.unwrap();
    assert_eq!(db.budget(user).await.unwrap(), budget);
    let lowered = BudgetSettings { monthly_budget: None, ..budget };
    db.set_budget(user, &lowered, at(2)).await.unwrap();
    assert_eq!(db.budget(user).await.unwrap(), lowered);
    let bad = BudgetSettings { alert_threshold_percent: 0, ..budget };
    assert_eq!(db.set_budget(user, &bad, at(3)).await.unwrap_err().code(), "invalid_input");
}

async fn a_job_cost_is_settled_once_per_record_and_is_their_sum(db: Arc<dyn Database>) {
    let user = UserId::new();
    let trained = stored_job(db.as_ref(), user, "settled").await;
    let money = |text: &str| text.parse::<Money>().unwrap();

    let first = cost(user, Some(trained.id), CostType::Compute, "20.52", at(1));
    let settled = db.settle_job_cost(&first, at(2)).await.unwrap();
    assert!(settled.newly_recorded);
    assert_eq!((settled.record.clone(), settled.job.current_cost), (first.clone(), money("20.52")));
    assert_eq!(settled.job.updated_at, at(2));

    // The same attempt settled again (a restart, priced later): the first record stands and
    // nothing is counted twice.
    let repeat = CostRecord { amount: money("41.04"), created_at: at(3), ..first.clone() };
    let again = db.settle_job_cost(&repeat, at(3)).await.unwrap();
    assert!(!again.newly_recorded);
    assert_eq!((again.record, again.job.current_cost), (first.clone(), money("20.52")));

    let second = cost(user, Some(trained.id), CostType::Compute, "0.30", at(4));
    assert_eq!(db.settle_job_cost(&second, at(4)).await.unwrap().job.current_cost, money("20.82"));
    let records = db.job_costs(user, trained.id).await.unwrap();
    assert_eq!(records, vec![first.clone(), second.clone()]);
    assert!(db.job_costs(UserId::new(), trained.id).await.unwrap().is_empty(), "another user sees none");

    let stranger = cost(UserId::new(), Some(trained.id), CostType::Compute, "1.00", at(5));
    assert_eq!(db.settle_job_cost(&stranger, at(5)).await.unwrap_err().code(), "not_found");
    let sub_cent = cost(user, Some(trained.id), CostType::Compute, "0.001", at(5));
    assert_eq!(db.settle_job_cost(&sub_cent, at(5)).await.unwrap_err().code(), "invalid_input");
    let no_job = cost(user, None, CostType::Compute, "1.00", at(5));
    assert_eq!(db.settle_job_cost(&no_job, at(5)).await.unwrap_err().code(), "invalid_input");

    // A final job keeps the cost it ended with.
    let cancelled = db.transition_job(user, trained.id, JobTransition::Cancel, None, None, at(6)).await.unwrap();
    assert_eq!((cancelled.current_cost, cancelled.final_cost), (money("20.82"), Some(money("20.82"))));
    let late = cost(user, Some(trained.id), CostType::Compute, "5.00", at(7));
    let after = db.settle_job_cost(&late, at(7)).await.unwrap().job;
    assert_eq!((after.current_cost, after.final_cost, after.updated_at), (money("20.82"), Some(money("20.82")), at(6)));
}

/// A job that cost nothing shows `0.00`, as any amount in cents, on both databases (sqlx
/// reads a PostgreSQL zero back as `0`).
async fn a_zero_cost_reads_back_in_cents(db: Arc<dyn Database>) {
    let user = UserId::new();
    let trained = stored_job(db.as_ref(), user, "free").await;
    assert_eq!(db.get_job(user, trained.id).await.unwrap().current_cost.to_string(), "0.00");
    let free = cost(user, Some(trained.id), CostType::Compute, "0.00", at(1));
    let settled = db.settle_job_cost(&free, at(2)).await.unwrap();
    assert_eq!(
        (settled.record.amount.to_string(), settled.job.current_cost.to_string()),
        ("0.00".into(), "0.00".into())
    );
    assert_eq!(db.job_costs(user, trained.id).await.unwrap()[0].amount.to_string(), "0.00");
    let cancelled = db.transition_job(user, trained.id, JobTransition::Cancel, None, None, at(3)).await.unwrap();
    assert_eq!(cancelled.final_cost.map(|cost| cost.to_string()).as_deref(), Some("0.00"));
}

/// The record as inserted: every field but the id is determined by the fixture's inputs.
fn cost_like(record: &brightrun_core::model::CostRecord) -> brightrun_core::model::CostRecord {
    let mut expected =
        cost(record.user_id, record.job_id, record.cost_type, &record.amount.to_string(), record.created_at);
    expected.id = record.id;
    expected
}

async fn notifications_are_read_once(db: Arc<dyn Database>) {
    let user = UserId::new();
    let notes: Vec<_> = (0..5).map(|i| notification(user, i)).collect();
    for note in &notes {
        db.insert_notification(note).await.unwrap();
    }
    db.insert_notification(&notification(UserId::new(), 9)).await.unwrap();
    assert_eq!(db.unread_notifications(user).await.unwrap(), 5);
    let page = db
        .list_notifications(user, &NotificationQuery { unread_only: false, page: PageRequest::first(2) })
        .await
        .unwrap();
    assert_eq!((page.total, page.items), (5, vec![notes[4].clone(), notes[3].clone()]), "newest first");

    let read = db.mark_notification_read(user, notes[0].id, at(10)).await.unwrap();
    let mut expected = notes[0].clone();
    expected.mark_read(at(10));
    assert_eq!(read, expected);
    let again = db.mark_notification_read(user, notes[0].id, at(11)).await.unwrap();
    assert_eq!(again.read_at, Some(at(10)), "the first read time is kept");
    assert_eq!(db.unread_notifications(user).await.unwrap(), 4);
    let unread = NotificationQuery { unread_only: true, ..NotificationQuery::default() };
    assert_eq!(db.list_notifications(user, &unread).await.unwrap().total, 4);

    assert_eq!(db.mark_all_notifications_read(user, at(12)).await.unwrap(), 4);
    assert_eq!(db.unread_notifications(user).await.unwrap(), 0);
    assert_eq!(db.mark_all_notifications_read(user, at(13)).await.unwrap(), 0);
    let all = db.list_notifications(user, &NotificationQuery::default()).await.unwrap();
    assert!(all.items.iter().all(|n| n.read && n.read_at.is_some()));
    assert_eq!(all.items.iter().find(|n| n.id == notes[0].id).unwrap().read_at, Some(at(10)));
}
