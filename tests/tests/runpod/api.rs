//! The backend against the TEST DOUBLE of RunPod's API ([`super::double`]): cancel, expiry,
//! a refused key, COMPLETED with a failed output, a killed worker; and the start-up checks.

use std::sync::Arc;
use std::time::Duration;

use brightrun_core::ErrorCode as _;
use brightrun_core::backend::runpod::{API_KEY_VAR, Server};
use brightrun_core::backend::{RunPodBackend, RunPodBackendConfig};
use brightrun_core::model::JobStatus;
use brightrun_core::service::{BrightRun, BrightRunConfig};

use super::double::{KEY, RunPodDouble, Script};
use brightrun_tests::engine::{Backend, World, s3_home, strand_after_launch};

use super::{assert_adapter_stored, world};

const LIMIT: Duration = Duration::from_secs(60);

async fn backend(double: &RunPodDouble, key: &str, runs_dir: &std::path::Path) -> Result<RunPodBackend, String> {
    let config = RunPodBackendConfig {
        base: double.base.clone(),
        server: Server::Api { key: key.into() },
        runs_dir: runs_dir.to_path_buf(),
    };
    RunPodBackend::connect(config).await.map_err(|e| format!("{}: {e}", e.code()))
}

async fn double_world(scripts: impl IntoIterator<Item = Script>) -> (World, RunPodDouble, tempfile::TempDir) {
    let double = RunPodDouble::start(scripts).await;
    let runs = tempfile::tempdir().unwrap();
    let backend = backend(&double, KEY, runs.path()).await.unwrap();
    (world(Backend::Built(Arc::new(backend))).await, double, runs)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_completes_and_is_collected_after_runpod_forgot_it() {
    let (world, double, _runs) = double_world([Script::Complete]).await;
    let job = world.job(12, 1).await;
    let job = world.run_until(job.id, LIMIT, |job| job.status.is_final()).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    assert_eq!(job.current_step, 4, "every metric was drained from /stream");
    assert_adapter_stored(&world, &job).await;
    // The double forgot the job as soon as /status reported its end (404 since): the
    // verdict and collect used what was recorded here.
    let requests = double.seen(|seen| seen.requests.clone());
    assert!(requests.iter().any(|r| r.starts_with("GET /v2/double/stream/")), "{requests:?}");
    let sent = double.seen(|seen| seen.inputs[0].clone());
    assert_eq!(sent["job_id"], job.id.to_string(), "the input is the worker spec");
    assert_eq!(sent["transfer"], "signed_urls");
}

/// An orchestrator dies between RunPod accepting the job and the job recording its handle,
/// then again mid-run; the restarted ones find the same RunPod job (no second `/run`) and
/// follow it to the end.
#[tokio::test(flavor = "multi_thread")]
async fn restarted_orchestrators_follow_the_same_runpod_job() {
    let (mut world, double, runs) = double_world([Script::Complete]).await;
    let job = world.job(12, 1).await;
    strand_after_launch(&world, &job).await;
    world.restart_on(Backend::Built(Arc::new(backend(&double, KEY, runs.path()).await.unwrap()))).await;
    world.run_until(job.id, LIMIT, |job| job.current_step >= 2).await;
    world.restart_on(Backend::Built(Arc::new(backend(&double, KEY, runs.path()).await.unwrap()))).await;
    let job = world.run_until(job.id, LIMIT, |job| job.status.is_final()).await;
    assert_eq!((job.status, job.retry_count), (JobStatus::Completed, 0), "{:?}", job.error_message);
    assert_eq!(job.current_step, 4);
    let runs_sent = double.seen(|seen| seen.requests.iter().filter(|r| r.starts_with("POST /v2/double/run")).count());
    assert_eq!(runs_sent, 1, "the attempt was sent to RunPod once");
    assert_adapter_stored(&world, &job).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_job_is_cancelled_through_runpods_cancel() {
    let (world, double, _runs) = double_world([Script::UntilCancelled]).await;
    let job = world.job(12, 1).await;
    world.run_until(job.id, LIMIT, |job| job.current_step >= 2).await;
    world.app.cancel_job(world.user, job.id).await.unwrap();
    let job = world.run_until(job.id, LIMIT, |job| job.status.is_final()).await;
    assert_eq!(job.status, JobStatus::Cancelled, "{:?}", job.error_message);
    assert_eq!(job.retry_count, 0);
    assert!(double.seen(|seen| seen.requests.contains(&"POST /v2/double/cancel/double-1".to_owned())));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_runpod_forgot_before_its_end_is_lost_and_retried() {
    let (world, _double, _runs) = double_world([Script::Expire, Script::Complete]).await;
    let job = world.job(12, 1).await;
    let retried = world.run_until(job.id, LIMIT, |job| job.retry_count == 1).await;
    let message = retried.error_message.clone().unwrap_or_default();
    assert!(message.contains("expired"), "the loss is reported: {message}");
    let job = world.run_until(job.id, LIMIT, |job| job.status.is_final()).await;
    assert_eq!((job.status, job.retry_count), (JobStatus::Completed, 1), "{:?}", job.error_message);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_worker_is_reported_and_retried() {
    let (world, _double, _runs) = double_world([Script::Killed, Script::Complete]).await;
    let job = world.job(12, 1).await;
    let retried = world.run_until(job.id, LIMIT, |job| job.retry_count == 1).await;
    let message = retried.error_message.clone().unwrap_or_default();
    assert!(message.contains("signal 9"), "the kill is reported: {message}");
    let job = world.run_until(job.id, LIMIT, |job| job.status.is_final()).await;
    assert_eq!((job.status, job.retry_count), (JobStatus::Completed, 1), "{:?}", job.error_message);
}

#[tokio::test(flavor = "multi_thread")]
async fn completed_with_the_workers_failed_event_is_a_failure() {
    let (world, _double, _runs) = double_world([Script::CompletedWithFailedOutput]).await;
    let job = world.job(12, 1).await;
    let job = world.run_until(job.id, LIMIT, |job| job.status.is_final()).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.retry_count, 0, "out of memory is not retried");
    let message = job.error_message.unwrap_or_default();
    assert!(message.contains("CUDA out of memory"), "{message}");
    assert_eq!(job.artifact_id, None);
}

#[tokio::test]
async fn a_refused_key_fails_at_start() {
    let double = RunPodDouble::start([]).await;
    let runs = tempfile::tempdir().unwrap();
    let error = backend(&double, "wrong-key", runs.path()).await.unwrap_err();
    assert!(error.starts_with("backend_unauthorized:"), "{error}");
    assert!(error.contains(API_KEY_VAR), "{error}");
}

#[tokio::test]
async fn a_local_server_that_does_not_answer_fails_at_start() {
    let (mut config, _home, _root) = s3_home().await;
    config.backend = "runpod+http://127.0.0.1:9".parse().unwrap();
    let error = BrightRun::open(config).await.unwrap_err();
    assert_eq!(error.code(), "backend_unreachable", "{error}");
}

#[tokio::test]
async fn runpod_needs_a_store_that_signs_and_a_key() {
    let home = tempfile::tempdir().unwrap();
    let mut config = BrightRunConfig::embedded(home.path());
    config.backend = "runpod://abc123".parse().unwrap();
    let error = BrightRun::open(config).await.unwrap_err();
    assert_eq!(error.code(), "storage_cannot_sign", "{error}");
    if std::env::var_os(API_KEY_VAR).is_none() {
        let (mut config, _home, _root) = s3_home().await;
        config.backend = "runpod://abc123".parse().unwrap();
        let error = BrightRun::open(config).await.unwrap_err();
        assert_eq!(error.code(), "backend_credentials_missing", "{error}");
    }
}
