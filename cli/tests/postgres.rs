//! The CLI on production parts: `BRIGHTRUN_DATABASE_URL` names a PostgreSQL database
//! (`BRIGHTRUN_TEST_DATABASE_URL`; without it these tests print SKIPPED, or fail under CI).

mod common;

use std::time::Duration;

use brightrun_core::testing::skip;
use common::{Home, interrupt, sample};

const TEST_DATABASE_VAR: &str = "BRIGHTRUN_TEST_DATABASE_URL";

/// Held by each test that runs an orchestrator: the CLI has no schema option, so these tests
/// share the database's `brightrun` schema, and two orchestrators over one schema with two
/// homes' storage would each claim the other's rows and find no files for them.
static ONE_ORCHESTRATOR: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The test database's URL, or `None` after saying why the test is skipped.
fn database_url(test: &str) -> Option<String> {
    let url = std::env::var(TEST_DATABASE_VAR).ok().filter(|url| !url.is_empty());
    if url.is_none() {
        skip(test, &format!("{TEST_DATABASE_VAR} is not set"));
    }
    url
}

#[test]
fn train_and_list_jobs_on_postgresql_from_any_home() {
    let Some(url) = database_url("train_and_list_jobs_on_postgresql_from_any_home") else { return };
    let _alone = ONE_ORCHESTRATOR.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let home = Home::test_double("success").with_env("BRIGHTRUN_DATABASE_URL", &url);
    let train = home.json(&["train", &sample("sample_chat.jsonl"), "--yes"]);
    assert_eq!(train["job"]["status"], "completed", "{train}");
    let job_id = train["job"]["id"].as_str().unwrap().to_owned();
    assert!(!home.path().join("brightrun.db").exists(), "the home's SQLite database was used");

    // Another home on the same database sees the job: it lives in PostgreSQL.
    let elsewhere = Home::test_double("success").with_env("BRIGHTRUN_DATABASE_URL", &url);
    let details = elsewhere.json(&["job", &job_id]);
    assert_eq!(details["job"]["status"], "completed", "{details}");
    let jobs = elsewhere.json(&["jobs", "--limit", "100"]);
    let listed = jobs["items"].as_array().unwrap().iter().any(|job| job["id"] == job_id.as_str());
    assert!(listed, "job {job_id} is not listed: {jobs}");
}

#[test]
fn worker_orchestrates_on_postgresql_until_interrupted() {
    let Some(url) = database_url("worker_orchestrates_on_postgresql_until_interrupted") else { return };
    let _alone = ONE_ORCHESTRATOR.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let home = Home::test_double("success").with_env("BRIGHTRUN_DATABASE_URL", &url);
    let mut worker = home.spawn(&["worker", "--poll-interval-ms", "50"]);
    // Time for the migrations and a few passes over the database.
    std::thread::sleep(Duration::from_secs(3));
    assert!(worker.try_wait().unwrap().is_none(), "the worker exited before it was stopped");
    interrupt(&worker);
    let output = worker.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("on postgres") && stderr.contains("stopped"), "{stderr}");
    assert!(!home.path().join("brightrun.db").exists(), "the home's SQLite database was used");
}

#[test]
fn a_bad_database_url_is_refused_with_its_code() {
    let home = Home::test_double("success").with_env("BRIGHTRUN_DATABASE_URL", "mysql://localhost/app");
    let output = home.run(&["jobs"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[invalid_database_url]"), "{stderr}");
}
