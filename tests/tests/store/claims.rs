//! Claims: many orchestrators at once, exactly one winner per row; leases that expire,
//! renew and release.

use std::collections::HashSet;
use std::sync::Arc;

use brightrun_core::ErrorCode;
use brightrun_core::model::{DatasetStatus, JobStatus, JobTransition, Timestamp, UserId};
use brightrun_core::store::{Database, Lease, LeaseTarget};
use chrono::TimeDelta;

use crate::fixtures::{at, dataset, job};
use crate::on_both_backends;

on_both_backends!(
    many_claimers_one_dataset_exactly_one_wins,
    many_claimers_many_jobs_no_job_twice,
    an_expired_lease_is_retaken_and_the_old_holder_is_refused,
);

const CLAIMERS: usize = 16;

fn lease(holder: &str, now: Timestamp) -> Lease {
    Lease::new(holder, now, TimeDelta::seconds(30))
}

/// Every claimer tries once, all at the same time; returns the ids won, by claimer.
async fn claim_all(db: &Arc<dyn Database>, datasets: bool, now: Timestamp) -> Vec<Option<String>> {
    let tasks: Vec<_> = (0..CLAIMERS)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let lease = lease(&format!("orchestrator-{i}"), now);
                if datasets {
                    db.claim_dataset_for_validation(&lease).await.unwrap().map(|d| d.id.to_string())
                } else {
                    db.claim_job(&[JobStatus::Queued], &lease).await.unwrap().map(|j| j.id.to_string())
                }
            })
        })
        .collect();
    let mut won = Vec::new();
    for task in tasks {
        won.push(task.await.unwrap());
    }
    won
}

async fn many_claimers_one_dataset_exactly_one_wins(db: Arc<dyn Database>) {
    let user = UserId::new();
    let mut ready = dataset(user, "already validated");
    ready.status = DatasetStatus::Ready;
    db.insert_dataset(&ready).await.unwrap();
    let waiting = dataset(user, "waiting");
    db.insert_dataset(&waiting).await.unwrap();

    let won: Vec<String> = claim_all(&db, true, at(1)).await.into_iter().flatten().collect();
    assert_eq!(won, [waiting.id.to_string()], "exactly one claimer wins the one dataset awaiting validation");
    assert_eq!(claim_all(&db, true, at(1)).await.into_iter().flatten().count(), 0, "the lease holds");
}

async fn many_claimers_many_jobs_no_job_twice(db: Arc<dyn Database>) {
    let user = UserId::new();
    let item = dataset(user, "jobs");
    db.insert_dataset(&item).await.unwrap();
    let mut queued = HashSet::new();
    for i in 0..5 {
        let mut next = job(user, item.id);
        next.queued_at = at(i);
        db.insert_job(&next).await.unwrap();
        queued.insert(next.id.to_string());
    }
    let won: Vec<String> = claim_all(&db, false, at(1)).await.into_iter().flatten().collect();
    assert_eq!(won.len(), 5, "five jobs, five winners: {won:?}");
    assert_eq!(won.iter().cloned().collect::<HashSet<_>>(), queued, "no job claimed twice");
    assert!(db.claim_job(&[], &lease("x", at(1))).await.unwrap().is_none());
}

async fn an_expired_lease_is_retaken_and_the_old_holder_is_refused(db: Arc<dyn Database>) {
    let user = UserId::new();
    let item = dataset(user, "work");
    db.insert_dataset(&item).await.unwrap();
    let queued = job(user, item.id);
    db.insert_job(&queued).await.unwrap();
    let dataset_target = LeaseTarget::Dataset { user_id: user, id: item.id };
    let job_target = LeaseTarget::Job { user_id: user, id: queued.id };

    // The first orchestrator claims both, then dies.
    assert!(db.claim_dataset_for_validation(&lease("first", at(0))).await.unwrap().is_some());
    let claimed = db.claim_job(&[JobStatus::Queued], &lease("first", at(0))).await.unwrap().unwrap();
    db.transition_job(user, claimed.id, JobTransition::Initialize, None, None, at(0)).await.unwrap();
    let active = [JobStatus::Queued, JobStatus::Initializing, JobStatus::Running];
    let before_expiry = at(0).plus(TimeDelta::seconds(29));
    assert!(db.claim_dataset_for_validation(&lease("second", before_expiry)).await.unwrap().is_none());
    assert!(db.claim_job(&active, &lease("second", before_expiry)).await.unwrap().is_none());

    // After 30 s the leases have lapsed: the second orchestrator takes the work over.
    let later = at(1);
    let retaken = db.claim_dataset_for_validation(&lease("second", later)).await.unwrap().unwrap();
    assert_eq!(retaken.id, item.id);
    let retaken = db.claim_job(&active, &lease("second", later)).await.unwrap().unwrap();
    assert_eq!((retaken.id, retaken.status), (queued.id, JobStatus::Initializing));

    // The first one comes back: its lease is gone.
    for target in [dataset_target, job_target] {
        let err = db.renew_lease(target, &lease("first", later)).await.unwrap_err();
        assert_eq!(err.code(), "stale_state", "{target:?}");
        assert_eq!(db.release_lease(target, "first").await.unwrap_err().code(), "stale_state");
    }

    // The holder renews, so the lease outlives its first expiry; then releases it.
    db.renew_lease(job_target, &Lease::new("second", later, TimeDelta::minutes(10))).await.unwrap();
    assert!(db.claim_job(&active, &lease("third", at(5))).await.unwrap().is_none(), "renewed to minute 11");
    db.release_lease(job_target, "second").await.unwrap();
    db.release_lease(job_target, "second").await.unwrap();
    let third = db.claim_job(&active, &lease("third", at(5))).await.unwrap().unwrap();
    assert_eq!(third.id, queued.id, "released work is free at once");

    // A final status releases the lease.
    db.transition_job(user, queued.id, JobTransition::Cancel, None, None, at(6)).await.unwrap();
    db.release_lease(job_target, "third").await.unwrap();
}
