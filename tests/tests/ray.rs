//! The Ray backend against a real Ray head (`scripts/ray-head`), running the real trainer on
//! the smoke model: a job completes with its adapter stored and verified, a second is
//! cancelled mid-run, and a worker killed mid-run is reported and retried.
//!
//! Set `BRIGHTRUN_TEST_RAY_URL` to the dashboard `scripts/ray-head` prints. Unset, these
//! tests print SKIPPED, or fail when `CI=true`. The worker is `$BRIGHTRUN_TRAINER_PYTHON -m
//! brightrun_trainer` (default `python3`), with this checkout's trainer first on its path.
//! The jobs run in Ray on this machine, so the data and the adapter travel through the
//! filesystem (`?transfer=shared_filesystem`).
//!
//! Always run (no Ray needed): a backend that does not answer, or that needs signed URLs
//! from a store that signs none, fails at start with its code.

use std::path::Path;
use std::time::Duration;

use brightrun_core::ErrorCode as _;
use brightrun_core::backend::Transfer;
use brightrun_core::service::{BackendChoice, BrightRun, BrightRunConfig};
use brightrun_tests::engine::{
    World, a_killed_worker_is_reported_and_retried, a_restarted_orchestrator_completes_the_stranded_job,
    a_running_job_is_cancelled, assert_attempt_objects_removed, completes_with_verified_files, engine_url, repo,
};
use url::Url;

/// One Ray job at a time: the head has two CPUs and this machine is small.
static RAY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn ray_url() -> Option<Url> {
    engine_url("BRIGHTRUN_TEST_RAY_URL", "start a head with scripts/ray-head, which prints it")
}

async fn world(dashboard: &Url) -> World {
    world_with(dashboard, Transfer::SharedFilesystem, None).await
}

/// A world whose workers use `transfer`, with the object store at `storage_url` (else a
/// local directory).
async fn world_with(dashboard: &Url, transfer: Transfer, storage_url: Option<String>) -> World {
    let world = World::new(BackendChoice::Ray { dashboard: dashboard.clone(), transfer }, storage_url).await;
    assert_eq!(world.app.backend().name(), "ray");
    world
}

#[tokio::test(flavor = "multi_thread")]
async fn a_smoke_job_completes_on_ray_with_its_adapter_stored_and_verified() {
    let Some(url) = ray_url() else { return };
    let _one = RAY.lock().await;
    let world = world(&url).await;
    completes_with_verified_files(&world, "shared filesystem").await;
}

/// The same through signed URLs of an S3-compatible store that checks SigV4 (s3s): the
/// worker, inside Ray's network namespace, reaches it through a forwarder.
#[tokio::test(flavor = "multi_thread")]
async fn a_smoke_job_completes_on_ray_through_signed_urls() {
    let Some(url) = ray_url() else { return };
    let _one = RAY.lock().await;
    let root = tempfile::tempdir().unwrap();
    let endpoint = brightrun_tests::s3::start(root.path()).await.unwrap();
    let _forward = Forward::into_ray_namespace(&endpoint);
    let storage = brightrun_tests::s3::storage_url(&endpoint, brightrun_tests::s3::SECRET_KEY);
    let world = world_with(&url, Transfer::SignedUrls, Some(storage)).await;
    completes_with_verified_files(&world, "signed URLs").await;
    assert_attempt_objects_removed(&root.path().join(brightrun_tests::s3::BUCKET));
}

/// An orchestrator dies between Ray accepting the job and the job recording its handle; the
/// restarted one submits the same attempt again (Ray answers "already exists": the same
/// job), records it and follows it to the end.
#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_orchestrator_resubmits_the_same_ray_job_and_follows_it() {
    let Some(url) = ray_url() else { return };
    let _one = RAY.lock().await;
    let job = a_restarted_orchestrator_completes_the_stranded_job(&mut world(&url).await).await;
    assert_eq!(job.external_job_id.as_deref(), Some(format!("{}-0", job.id).as_str()));
}

/// Makes `endpoint`'s port on this loopback reachable at the same address inside the Ray
/// head's network namespace (`scripts/ray-head`'s `brightrun-ray`), if it runs in one.
struct Forward(Option<std::process::Child>);

impl Forward {
    fn into_ray_namespace(endpoint: &str) -> Self {
        if !Path::new("/run/netns/brightrun-ray").exists() {
            return Self(None);
        }
        let port = endpoint.rsplit(':').next().unwrap().to_owned();
        let script = repo().join("scripts/ray_forward.py");
        let child = std::process::Command::new("ip")
            .args(["netns", "exec", "brightrun-ray", "python3"])
            .arg(script)
            .arg(format!("/proc/{}/ns/net", std::process::id()))
            .args([&port, &port])
            .spawn()
            .expect("the forwarder starts");
        std::thread::sleep(Duration::from_millis(500));
        Self(Some(child))
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_ray_job_is_cancelled() {
    let Some(url) = ray_url() else { return };
    let _one = RAY.lock().await;
    a_running_job_is_cancelled(&world(&url).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_ray_worker_is_reported_and_retried() {
    let Some(url) = ray_url() else { return };
    let _one = RAY.lock().await;
    let world = world(&url).await;
    a_killed_worker_is_reported_and_retried(&world, |message| message.contains("signal 9") || message.contains("Ray"))
        .await;
}

#[tokio::test]
async fn a_ray_head_that_does_not_answer_fails_at_start() {
    let home = tempfile::tempdir().unwrap();
    let mut config = BrightRunConfig::embedded(home.path());
    config.backend = "ray+http://127.0.0.1:9?transfer=shared_filesystem".parse().unwrap();
    let error = BrightRun::open(config).await.unwrap_err();
    assert_eq!(error.code(), "backend_unreachable", "{error}");
    assert!(error.to_string().contains("127.0.0.1:9"), "{error}");
}

#[tokio::test]
async fn signed_urls_need_a_store_that_signs() {
    let home = tempfile::tempdir().unwrap();
    let mut config = BrightRunConfig::embedded(home.path());
    config.backend = "ray+http://127.0.0.1:9".parse().unwrap();
    let error = BrightRun::open(config).await.unwrap_err();
    assert_eq!(error.code(), "storage_cannot_sign", "{error}");
}
