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

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use brightrun_core::ErrorCode as _;
use brightrun_core::backend::Transfer;
use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::model::{DatasetFormat, DatasetStatus, JobId, JobStatus, TrainingJob, UserId};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::{BackendChoice, BrightRun, BrightRunConfig, JobRequest, NewDataset};
use brightrun_tests::fixtures::chat_dataset;
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};
use url::Url;

/// One Ray job at a time: the head has two CPUs and this machine is small.
static RAY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn ray_url() -> Option<Url> {
    match std::env::var("BRIGHTRUN_TEST_RAY_URL") {
        Ok(url) if !url.is_empty() => Some(Url::parse(&url).expect("BRIGHTRUN_TEST_RAY_URL is a URL")),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "BRIGHTRUN_TEST_RAY_URL is unset: CI must run the Ray tests (start a head with scripts/ray-head)"
            );
            eprintln!("SKIPPED: BRIGHTRUN_TEST_RAY_URL is unset (scripts/ray-head prints it)");
            None
        }
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

struct World {
    app: BrightRun,
    orchestrator: Orchestrator,
    user: UserId,
    config: BrightRunConfig,
    _home: tempfile::TempDir,
}

/// Short leases, so that a dead orchestrator's work is taken over within seconds.
fn options() -> OrchestratorOptions {
    OrchestratorOptions {
        poll_interval: Duration::from_millis(200),
        lease: chrono::TimeDelta::seconds(3),
        ..OrchestratorOptions::default()
    }
}

async fn world(dashboard: &Url) -> World {
    world_with(dashboard, Transfer::SharedFilesystem, None).await
}

/// A world whose workers use `transfer`, with the object store at `storage_url` (else a
/// local directory).
async fn world_with(dashboard: &Url, transfer: Transfer, storage_url: Option<String>) -> World {
    let home = tempfile::tempdir().unwrap();
    let mut config = BrightRunConfig::embedded(home.path());
    if let Some(url) = storage_url {
        config.storage_url = url;
    }
    let python = std::env::var("BRIGHTRUN_TRAINER_PYTHON").unwrap_or_else(|_| "python3".into());
    let trainer = repo().join("trainer/src");
    config.worker_command = vec![
        "env".into(),
        format!("PYTHONPATH={}", trainer.display()),
        "HF_HUB_OFFLINE=1".into(),
        "TOKENIZERS_PARALLELISM=false".into(),
        python,
        "-m".into(),
        "brightrun_trainer".into(),
    ];
    config.backend = BackendChoice::Ray { dashboard: dashboard.clone(), transfer };
    let app = BrightRun::open(config.clone()).await.expect("the Ray head answers");
    assert_eq!(app.backend().name(), "ray");
    let orchestrator = Orchestrator::new(app.clone(), options());
    World { app, orchestrator, user: UserId::new(), config, _home: home }
}

impl World {
    /// The process restarted: the service and the orchestrator opened afresh from the same
    /// configuration (the same home, database and Ray head).
    async fn restart(&mut self) {
        self.app = BrightRun::open(self.config.clone()).await.unwrap();
        self.orchestrator = Orchestrator::new(self.app.clone(), options());
    }

    /// A job on the smoke model over `conversations` conversations, for `epochs` epochs.
    async fn job(&self, conversations: usize, epochs: u32) -> TrainingJob {
        let body = chat_dataset(conversations);
        let new = NewDataset {
            name: "support chats".into(),
            description: None,
            format: DatasetFormat::Chat,
            file_name: "chats.jsonl".into(),
            declared_size: body.len() as u64,
        };
        let upload = self.app.create_dataset(self.user, new).await.unwrap();
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(body))]);
        let dataset = self.app.upload_dataset(self.user, upload.dataset.id, chunks).await.unwrap();
        let dataset = loop {
            self.orchestrator.run_once().await.unwrap();
            let dataset = self.app.get_dataset(self.user, dataset.id).await.unwrap();
            if dataset.status != DatasetStatus::Validating {
                break dataset;
            }
        };
        assert_eq!(dataset.status, DatasetStatus::Ready, "{:?}", dataset.validation_errors);
        let mut hyperparameters = Preset::Conservative.hyperparameters("smoke");
        hyperparameters.epochs = epochs;
        hyperparameters.warmup_steps = 2;
        let request = JobRequest {
            dataset_id: dataset.id,
            preset: Preset::Custom,
            base_model: "smoke".into(),
            hyperparameters: Some(hyperparameters),
            gpu: GpuSelection::new("CPU", 1, None).unwrap(),
            measured_tokens_per_second: None,
        };
        self.app.create_job(self.user, &request).await.unwrap()
    }

    /// Orchestrator passes until `done` holds for the job, for at most `limit`.
    async fn run_until(&self, id: JobId, limit: Duration, done: impl Fn(&TrainingJob) -> bool) -> TrainingJob {
        let start = Instant::now();
        loop {
            self.orchestrator.run_once().await.unwrap();
            let job = self.app.get_job(self.user, id).await.unwrap().job;
            if done(&job) {
                return job;
            }
            assert!(start.elapsed() < limit, "job {id} is {:?} after {limit:?}: {:?}", job.status, job.error_message);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
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
    let leftovers: Vec<String> = walk(&root.path().join(brightrun_tests::s3::BUCKET))
        .into_iter()
        .filter(|path| path.contains("/attempts/") || path.contains("/jobs/"))
        .collect();
    assert!(leftovers.is_empty(), "the attempt's objects are removed: {leftovers:?}");
}

/// An orchestrator dies between Ray accepting the job and the job recording its handle; the
/// restarted one submits the same attempt again (Ray answers "already exists": the same
/// job), records it and follows it to the end.
#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_orchestrator_resubmits_the_same_ray_job_and_follows_it() {
    let Some(url) = ray_url() else { return };
    let _one = RAY.lock().await;
    let mut world = world(&url).await;
    let job = world.job(12, 3).await;
    world.orchestrator.failpoints().arm("launch.store_handle", 1);
    while !world.orchestrator.failpoints().is_dead() {
        let _ = world.orchestrator.run_once().await;
    }
    let stranded = world.app.get_job(world.user, job.id).await.unwrap().job;
    assert_eq!(stranded.external_job_id, None, "the handle was not recorded");
    world.restart().await;
    let job = world.run_until(job.id, Duration::from_secs(300), |job| job.status.is_final()).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    assert_eq!(job.retry_count, 0, "the same attempt, not a retry");
    assert_eq!(job.external_job_id.as_deref(), Some(format!("{}-0", job.id).as_str()));
}

/// Every file under `dir`, as paths.
fn walk(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path.display().to_string());
        }
    }
    files
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

async fn completes_with_verified_files(world: &World, how: &str) {
    let job = world.job(12, 3).await;
    let submitted = Instant::now();
    let job = world.run_until(job.id, Duration::from_secs(300), |job| job.status.is_final()).await;
    eprintln!("Ray smoke job ({how}): submit to completed in {:.1} s", submitted.elapsed().as_secs_f64());
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    assert_eq!(job.retry_count, 0);
    let model = world.app.get_model(world.user, job.artifact_id.expect("a model")).await.unwrap();
    let names: Vec<&str> = model.files.iter().map(|f| f.name.as_str()).collect();
    assert!(names.contains(&"adapter_model.safetensors") && names.contains(&"adapter_config.json"), "{names:?}");
    for file in &model.files {
        let key = brightrun_core::blob::BlobKey::model(world.user, model.id, &file.name).unwrap();
        let mut download = world.app.blobs().download(&key).await.unwrap();
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        while let Some(chunk) = download.stream.next().await {
            let chunk = chunk.unwrap();
            bytes += chunk.len() as u64;
            hasher.update(&chunk);
        }
        let sha256: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!((bytes, sha256.as_str()), (file.bytes, file.sha256.as_str()), "{}", file.name);
    }
    let steps = world.app.get_job(world.user, job.id).await.unwrap().job.current_step;
    assert!(steps > 0, "the metrics reached the job");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_ray_job_is_cancelled() {
    let Some(url) = ray_url() else { return };
    let _one = RAY.lock().await;
    let world = world(&url).await;
    let job = world.job(200, 20).await;
    world.run_until(job.id, Duration::from_secs(300), |job| job.current_step >= 2).await;
    world.app.cancel_job(world.user, job.id).await.unwrap();
    let cancelled = Instant::now();
    let job = world.run_until(job.id, Duration::from_secs(120), |job| job.status.is_final()).await;
    eprintln!("Ray cancel: stopped in {:.1} s", cancelled.elapsed().as_secs_f64());
    assert_eq!(job.status, JobStatus::Cancelled, "{:?}", job.error_message);
    assert_eq!(job.retry_count, 0);
    let leftovers = world.app.job_leftover_files(world.user, job.id).await.unwrap();
    assert!(leftovers.iter().any(|f| f.name == "adapter_model.safetensors"), "a partial adapter was saved");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_ray_worker_is_reported_and_retried() {
    let Some(url) = ray_url() else { return };
    let _one = RAY.lock().await;
    let world = world(&url).await;
    let job = world.job(200, 20).await;
    world.run_until(job.id, Duration::from_secs(300), |job| job.current_step >= 2).await;
    let killed = kill_worker(job.id);
    assert!(killed > 0, "the worker process of job {} was found", job.id);
    let retried = world.run_until(job.id, Duration::from_secs(120), |job| job.retry_count == 1).await;
    assert!(!retried.status.is_final(), "{:?}: {:?}", retried.status, retried.error_message);
    let message = retried.error_message.clone().unwrap_or_default();
    assert!(message.contains("signal 9") || message.contains("Ray"), "the kill is reported: {message}");
    // The second attempt runs on Ray; end it here.
    world
        .run_until(job.id, Duration::from_secs(300), |job| job.current_step >= 1 && job.status == JobStatus::Running)
        .await;
    world.app.cancel_job(world.user, job.id).await.unwrap();
    let job = world.run_until(job.id, Duration::from_secs(120), |job| job.status.is_final()).await;
    assert_eq!(job.status, JobStatus::Cancelled);
}

/// Kills (SIGKILL) the trainer processes of a job, found by the job id Ray puts in their
/// environment; returns how many.
fn kill_worker(id: JobId) -> usize {
    let marker = format!("BRIGHTRUN_JOB_ID={id}");
    let mut killed = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let is_trainer = String::from_utf8_lossy(&cmdline).contains("brightrun_trainer");
        if is_trainer && environ.split(|b| *b == 0).any(|var| var == marker.as_bytes()) {
            let status = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
            killed += usize::from(status.success());
        }
    }
    killed
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
