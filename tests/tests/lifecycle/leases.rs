//! Leases that hold: work that outlasts its lease keeps its row (the heartbeat renews it),
//! a renewal that waits on the work's own row lock does not stall the work, and work whose
//! lease is taken stops, its writes refused.

use std::sync::Arc;
use std::time::Duration;

use brightrun_core::ErrorCode;
use brightrun_core::model::{
    DatasetStatus, JobStatus, Notification, NotificationId, NotificationPriority, NotificationType, Timestamp,
};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::store::{Database, Lease, LeaseTarget, StoreError};
use chrono::TimeDelta;

use crate::crash::{Intercept, Intercepted};
use crate::harness::TestDb;
use crate::world::{Harnessed, Setup, chat_dataset, fast_options, world_with};

crate::on_both_backends!(
    a_step_longer_than_the_lease_keeps_its_row,
    a_renewal_waiting_on_the_works_own_row_lock_does_not_stall_it,
);
crate::on_both_backends!(raw: a_taken_lease_stops_the_work_and_refuses_its_writes);

/// The lease of these tests: the held steps below last several of them.
const LEASE: TimeDelta = TimeDelta::seconds(1);

fn options() -> OrchestratorOptions {
    OrchestratorOptions { lease: LEASE, ..fast_options() }
}

fn world(db: Arc<dyn Database>) -> Harnessed {
    world_with(db, Setup { options: options(), ..Setup::new("success") })
}

/// Waits (bounded) until `part` was read `n` times.
async fn until_read(w: &Harnessed, part: &str, n: usize) {
    for _ in 0..500 {
        if w.store.reads_of(part) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{part} was never read");
}

/// Passes of `other` for three leases and more, while the first orchestrator's download is
/// held: `other` must never take the row.
async fn other_passes_for_three_leases(w: &Harnessed, other: &Orchestrator, part: &str) {
    let lease = LEASE.to_std().unwrap();
    let start = tokio::time::Instant::now();
    let mut passes = 0;
    let reads = w.store.reads_of(part);
    while start.elapsed() < lease * 3 + lease / 2 || passes < 10 {
        let report = other.run_once().await.unwrap();
        assert_eq!((report.datasets_validated, report.jobs_submitted), (0, 0), "pass {passes}: {report:?}");
        assert_eq!(w.store.reads_of(part), reads, "the second orchestrator took the row over");
        passes += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_step_longer_than_the_lease_keeps_its_row(db: Arc<dyn Database>) {
    let w = world(db);
    let (a, b) = (Orchestrator::new(w.app.clone(), options()), Orchestrator::new(w.app.clone(), options()));

    // A validation whose download takes more than three leases.
    let dataset = w.uploaded_dataset(&chat_dataset(12)).await;
    w.store.hold_reads("chats.jsonl");
    let first = tokio::spawn({
        let a = a.clone();
        async move { a.run_once().await }
    });
    until_read(&w, "chats.jsonl", 2).await;
    other_passes_for_three_leases(&w, &b, "chats.jsonl").await;
    w.store.open();
    let report = first.await.unwrap().unwrap();
    assert_eq!((report.datasets_validated, report.errors), (1, 0), "{report:?}");
    let dataset = w.app.get_dataset(w.user, dataset.id).await.unwrap();
    assert_eq!(dataset.status, DatasetStatus::Ready, "{:?}", dataset.validation_errors);
    assert_eq!(w.store.reads_of("chats.jsonl"), 2, "the upload's own check, then one validation");
    assert!(dataset.validation_errors.iter().all(|f| f.code != "validation_interrupted"), "one try");

    // A launch whose download of the validated copy takes more than three leases.
    w.store.hold_reads("/validated/");
    let job = w.app.create_job(w.user, &w.job_request(&dataset)).await.unwrap();
    let first = tokio::spawn({
        let a = a.clone();
        async move { a.run_once().await }
    });
    until_read(&w, "/validated/", 1).await;
    other_passes_for_three_leases(&w, &b, "/validated/").await;
    w.store.open();
    let report = first.await.unwrap().unwrap();
    assert_eq!((report.jobs_submitted, report.errors), (1, 0), "{report:?}");
    for _ in 0..1500 {
        let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
        ra.unwrap();
        rb.unwrap();
        if w.app.get_job(w.user, job.id).await.unwrap().job.status.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let job = w.app.get_job(w.user, job.id).await.unwrap().job;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    assert_eq!(w.backend.submit_count(), 1, "submitted once");
    assert_eq!(w.worker_starts().len(), 1, "one worker");
    assert_eq!(w.store.reads_of("/validated/"), 1, "downloaded once");
    let kinds: Vec<String> = w.notifications().await.iter().map(|n| n.notification_type.to_string()).collect();
    for kind in ["dataset_ready", "job_started", "job_complete"] {
        assert_eq!(kinds.iter().filter(|k| *k == kind).count(), 1, "{kind}: {kinds:?}");
    }
}

async fn a_taken_lease_stops_the_work_and_refuses_its_writes(test: &TestDb) {
    let w = world(test.db.clone());
    let a = Orchestrator::new(w.app.clone(), options());
    let dataset = w.uploaded_dataset(&chat_dataset(12)).await;
    w.store.hold_reads("chats.jsonl");
    let work = tokio::spawn({
        let a = a.clone();
        async move { a.run_once().await }
    });
    until_read(&w, "chats.jsonl", 2).await;

    // Another orchestrator takes the row (as one does once a lease lapsed): the validation
    // pass of a fresh orchestrator's first pass is `<holder>.v0`.
    let holder = format!("{}.v0", a.holder());
    let taken = test
        .execute_raw(&format!("UPDATE datasets SET claimed_by = 'another' WHERE claimed_by = '{holder}'"))
        .await
        .unwrap();
    assert_eq!(taken, 1, "the row was {holder}'s");
    let before = w.app.get_dataset(w.user, dataset.id).await.unwrap();

    // The heartbeat finds it out: the held download is abandoned (the storage never
    // answers), the work stops, and the pass ends with the error.
    let report = tokio::time::timeout(Duration::from_secs(30), work).await.expect("the work never stopped");
    let report = report.unwrap().unwrap();
    assert_eq!((report.datasets_validated, report.errors), (0, 1), "{report:?}");
    let after = w.app.get_dataset(w.user, dataset.id).await.unwrap();
    assert_eq!(after, before, "nothing written after the lease was taken");
    assert_eq!(after.status, DatasetStatus::Validating);

    // Its writes are refused, and write nothing.
    let fenced = test.db.fenced(&holder);
    let mut verdict = before.clone();
    verdict.status = DatasetStatus::Error;
    let error = fenced.update_dataset(&verdict).await.unwrap_err();
    assert_eq!(error.code(), "lease_lost", "{error}");
    let notification = Notification {
        id: NotificationId::new(),
        user_id: w.user,
        notification_type: NotificationType::DatasetError,
        title: "late".into(),
        message: "a verdict of a lost lease".into(),
        priority: NotificationPriority::Normal,
        read: false,
        read_at: None,
        action_url: None,
        metadata: serde_json::Value::Null,
        created_at: Timestamp::now(),
    };
    let error = fenced.record_validation(&verdict, None, Some(&notification)).await.unwrap_err();
    assert_eq!(error.code(), "lease_lost", "{error}");
    assert_eq!(w.app.get_dataset(w.user, dataset.id).await.unwrap(), before);
    assert!(w.notifications().await.is_empty(), "no notification of a refused verdict");
    let target = LeaseTarget::Dataset { user_id: w.user, id: dataset.id };
    assert!(fenced.renew_lease(target, &Lease::new(holder.clone(), Timestamp::now(), LEASE)).await.is_err());

    // Once the other holder lets it go, a fresh orchestrator validates it, once.
    w.store.open();
    test.execute_raw("UPDATE datasets SET claimed_by = NULL, lease_expires_at = NULL").await.unwrap();
    let dataset = w.validate_with(&Orchestrator::new(w.app.clone(), options()), dataset.id).await;
    assert_eq!(dataset.status, DatasetStatus::Ready, "{:?}", dataset.validation_errors);
    let kinds: Vec<String> = w.notifications().await.iter().map(|n| n.notification_type.to_string()).collect();
    assert_eq!(kinds, ["dataset_ready"]);
}

/// PostgreSQL's row lock, modelled around the calls that take it: a fenced write
/// (`insert_metrics`, a transaction whose guard locks the job's row) keeps the lock a while
/// after its statements, as a client between its last statement and `COMMIT` does, and a
/// renewal (an `UPDATE` of the row) waits for it.
#[derive(Debug, Clone)]
struct RowLock {
    lock: Arc<tokio::sync::Mutex<()>>,
    held_for: Duration,
}

#[async_trait::async_trait]
impl Intercept for RowLock {
    async fn around<T: Send>(
        &self,
        name: &'static str,
        call: impl std::future::Future<Output = Result<T, StoreError>> + Send,
    ) -> Result<T, StoreError> {
        match name {
            "insert_metrics" => {
                let _locked = self.lock.lock().await;
                let out = call.await;
                tokio::time::sleep(self.held_for).await;
                out
            }
            "renew_lease" => {
                let _locked = self.lock.lock().await;
                call.await
            }
            _ => call.await,
        }
    }
}

/// A heartbeat that ran inside the work's poll would wait on a lock only the work, no
/// longer polled, could release: the pass would stall for good (it did on PostgreSQL).
async fn a_renewal_waiting_on_the_works_own_row_lock_does_not_stall_it(db: Arc<dyn Database>) {
    // Held longer than a third of the lease: a renewal is due while the lock is held.
    let hook = RowLock { lock: Arc::default(), held_for: LEASE.to_std().unwrap() };
    let w = world(Arc::new(Intercepted::new(db, hook)));
    let dataset = w.uploaded_dataset(&chat_dataset(12)).await;
    let dataset = w.validate_with(&w.orchestrator, dataset.id).await;
    let job = w.app.create_job(w.user, &w.job_request(&dataset)).await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(120), w.run_to_end(job.id)).await;
    let job = ended.expect("the pass stalled: its renewal waited on the row lock its own work held");
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
}
