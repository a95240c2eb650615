//! A job's backend handle is bound to its job and attempt: the store hands back what it was
//! given, no writer (an administrator with SQL included) can move a handle to another job's row
//! or keep it into a retry, and a handle that is not bound to its row reads as corrupt.

use brightrun_core::ErrorCode;
use brightrun_core::model::{JobTransition, TrainingJob, UserId};
use brightrun_core::store::JobError;

use crate::fixtures::{at, dataset, job};
use crate::harness::TestDb;
use crate::on_both_backends;

on_both_backends!(
    raw:
    a_handle_reads_back_as_given_and_a_retry_clears_it,
    no_writer_moves_a_handle_to_another_job_or_attempt,
    a_handle_not_bound_to_its_row_reads_as_corrupt,
);

/// A job of a new user, initializing, with `handle` recorded.
async fn submitted(test: &TestDb, handle: &serde_json::Value) -> TrainingJob {
    let user = UserId::new();
    let data = dataset(user, "handles");
    test.db.insert_dataset(&data).await.unwrap();
    let queued = job(user, data.id);
    test.db.insert_job(&queued).await.unwrap();
    test.db.transition_job(user, queued.id, JobTransition::Initialize, None, None, at(1)).await.unwrap();
    test.db.set_job_backend(user, queued.id, Some("ext-1"), handle, at(2)).await.unwrap()
}

fn local_handle(run: &str) -> serde_json::Value {
    serde_json::json!({"handle": {"backend": "local", "external_id": run, "data": {"work_dir": format!("/runs/{run}")}}})
}

/// The raw error of a statement the database refused as a CHECK violation.
#[track_caller]
fn check_violation(result: Result<u64, sqlx::Error>, constraint: &str) {
    match result {
        Err(sqlx::Error::Database(err)) if err.is_check_violation() => {
            assert!(err.message().contains(constraint), "{} names {constraint}", err.message())
        }
        other => panic!("expected a violation of {constraint}, got {other:?}"),
    }
}

async fn a_handle_reads_back_as_given_and_a_retry_clears_it(test: &TestDb) {
    let handle = local_handle("run-a");
    let running = submitted(test, &handle).await;
    assert_eq!(running.backend_handle.as_ref(), Some(&handle));
    let (user, id) = (running.user_id, running.id);
    assert_eq!(test.db.get_job(user, id).await.unwrap().backend_handle.as_ref(), Some(&handle));

    let error = JobError { error_type: "backend_unavailable".into(), message: "503".into() };
    let retried = test.db.retry_or_fail_job(user, id, &error, 3, None, at(3)).await.unwrap();
    assert_eq!((retried.retried, retried.job.backend_handle, retried.job.retry_count), (true, None, 1));
    test.db.transition_job(user, id, JobTransition::Initialize, None, None, at(4)).await.unwrap();
    let second = local_handle("run-a-1");
    let stored = test.db.set_job_backend(user, id, Some("ext-2"), &second, at(5)).await.unwrap();
    assert_eq!(stored.backend_handle.as_ref(), Some(&second));
    assert_eq!(test.db.get_job(user, id).await.unwrap(), stored);

    // Stored bound to the job's id and the attempt it was written in.
    let sql = format!(
        "UPDATE training_jobs SET error_message = 'probe' WHERE id = '{id}' \
         AND backend_handle IS NOT NULL AND retry_count = 1"
    );
    assert_eq!(test.execute_raw(&sql).await.unwrap(), 1);
}

async fn no_writer_moves_a_handle_to_another_job_or_attempt(test: &TestDb) {
    let victim = submitted(test, &local_handle("victim")).await;
    let thief = submitted(test, &local_handle("thief")).await;
    let constraint = "training_jobs_backend_handle_bound";
    // Another job's handle, copied whole.
    let copy = format!(
        "UPDATE training_jobs SET backend_handle = (SELECT backend_handle FROM training_jobs WHERE id = '{}') \
         WHERE id = '{}'",
        victim.id, thief.id
    );
    check_violation(test.execute_raw(&copy).await, constraint);
    // The job's own handle kept into the next attempt.
    let keep = format!("UPDATE training_jobs SET retry_count = retry_count + 1 WHERE id = '{}'", thief.id);
    check_violation(test.execute_raw(&keep).await, constraint);
    // A bare handle, bound to nothing.
    let bare = format!("UPDATE training_jobs SET backend_handle = '{}' WHERE id = '{}'", local_handle("x"), thief.id);
    check_violation(test.execute_raw(&bare).await, constraint);
    let stored = test.db.get_job(thief.user_id, thief.id).await.unwrap();
    assert_eq!(stored.backend_handle, Some(local_handle("thief")));
}

async fn a_handle_not_bound_to_its_row_reads_as_corrupt(test: &TestDb) {
    let victim = submitted(test, &local_handle("victim")).await;
    let thief = submitted(test, &local_handle("thief")).await;
    // An administrator turns the database's check off and copies the victim's handle.
    let lift = match test.db.backend() {
        brightrun_core::store::Backend::Sqlite => "PRAGMA ignore_check_constraints = ON;",
        brightrun_core::store::Backend::Postgres => {
            "ALTER TABLE training_jobs DROP CONSTRAINT training_jobs_backend_handle_bound;"
        }
    };
    let copy = format!(
        "{lift} UPDATE training_jobs SET backend_handle = (SELECT backend_handle FROM training_jobs WHERE id = '{}') \
         WHERE id = '{}'",
        victim.id, thief.id
    );
    test.execute_raw(&copy).await.unwrap();
    let err = test.db.get_job(thief.user_id, thief.id).await.unwrap_err();
    assert_eq!(err.code(), "corrupt_row", "{err}");
    assert!(err.to_string().contains(&victim.id.to_string()), "{err}");
    // The victim's own row is untouched and still reads.
    assert_eq!(test.db.get_job(victim.user_id, victim.id).await.unwrap().backend_handle, Some(local_handle("victim")));
}
