//! What the tests of the remote engines (Ray, Slurm, RunPod) share: a BrightRun on one engine
//! with the real trainer on the smoke model, and the checks each engine must pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use brightrun_core::backend::GpuBackend;

use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::dataset::EstimatedTokenCounter;
use brightrun_core::model::{DatasetFormat, DatasetStatus, JobId, JobStatus, TrainingJob, UserId};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::{BackendChoice, BrightRun, BrightRunConfig, JobRequest, NewDataset};
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};

use crate::fixtures::chat_dataset;

/// The checkout's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The URL in `var`, or `None` after printing SKIPPED; under `CI=true` a missing URL fails
/// (`how` says how to get one).
pub fn engine_url(var: &str, how: &str) -> Option<url::Url> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url::Url::parse(&url).unwrap_or_else(|e| panic!("{var} is a URL: {e}"))),
        _ => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{var} is unset: CI must run these tests ({how})");
            eprintln!("SKIPPED: {var} is unset ({how})");
            None
        }
    }
}

/// The worker command the engines run: `$BRIGHTRUN_TRAINER_PYTHON -m brightrun_trainer`
/// (default `python3`) with this checkout's trainer first on its path, offline.
pub fn worker_command() -> Vec<String> {
    let python = std::env::var("BRIGHTRUN_TRAINER_PYTHON").unwrap_or_else(|_| "python3".into());
    let trainer = repo().join("trainer/src");
    vec![
        "env".into(),
        format!("PYTHONPATH={}", trainer.display()),
        "HF_HUB_OFFLINE=1".into(),
        "TOKENIZERS_PARALLELISM=false".into(),
        python,
        "-m".into(),
        "brightrun_trainer".into(),
    ]
}

/// Short leases, so that a dead orchestrator's work is taken over within seconds.
pub fn options() -> OrchestratorOptions {
    OrchestratorOptions {
        poll_interval: Duration::from_millis(200),
        lease: chrono::TimeDelta::seconds(3),
        ..OrchestratorOptions::default()
    }
}

/// A BrightRun on one engine, in a home of its own.
pub struct World {
    /// The service.
    pub app: BrightRun,
    /// Its orchestrator, run pass by pass by the tests.
    pub orchestrator: Orchestrator,
    /// The user the jobs are for.
    pub user: UserId,
    /// What the service was opened from.
    pub config: BrightRunConfig,
    /// The bucket's directory of the S3-compatible store the world started for itself
    /// ([`World::on_s3`]), if it did.
    pub bucket: Option<PathBuf>,
    options: OrchestratorOptions,
    _dirs: Vec<tempfile::TempDir>,
}

/// The backend of a world.
pub enum Backend {
    /// What `BRIGHTRUN_BACKEND` would name: the service connects to it.
    Choice(BackendChoice),
    /// One the test built (a test double's endpoint, say, which no choice names).
    Built(Arc<dyn GpuBackend>),
}

/// A home whose store is a fresh S3-compatible server (s3s, checking SigV4): its
/// configuration, the home and the server's root directory.
pub async fn s3_home() -> (BrightRunConfig, tempfile::TempDir, tempfile::TempDir) {
    let (home, root) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let endpoint = crate::s3::start(root.path()).await.unwrap();
    let mut config = BrightRunConfig::embedded(home.path());
    config.storage_url = crate::s3::storage_url(&endpoint, crate::s3::SECRET_KEY);
    (config, home, root)
}

/// The service of `config` with `backend`; a chosen one must answer.
async fn open(config: &BrightRunConfig, backend: Backend) -> BrightRun {
    match backend {
        Backend::Choice(_) => BrightRun::open(config.clone()).await.expect("the engine answers"),
        Backend::Built(backend) => {
            let opened = BrightRun::open(config.clone()).await.unwrap();
            let (db, blobs) = (opened.database().clone(), opened.blobs().clone());
            BrightRun::from_parts(db, blobs, backend, Arc::new(EstimatedTokenCounter), config.clone())
        }
    }
}

impl World {
    /// A world on `backend`, with the object store at `storage_url` (else a local directory);
    /// the engine must answer.
    pub async fn new(backend: BackendChoice, storage_url: Option<String>) -> World {
        let home = tempfile::tempdir().unwrap();
        let mut config = BrightRunConfig::embedded(home.path());
        if let Some(url) = storage_url {
            config.storage_url = url;
        }
        config.worker_command = worker_command();
        World::open(config, Backend::Choice(backend), options(), None, vec![home]).await
    }

    /// A world on `backend` whose store is an S3-compatible server of its own ([`s3_home`]),
    /// its orchestrator run with `options`.
    pub async fn on_s3(backend: Backend, options: OrchestratorOptions) -> World {
        let (config, home, root) = s3_home().await;
        let bucket = root.path().join(crate::s3::BUCKET);
        World::open(config, backend, options, Some(bucket), vec![home, root]).await
    }

    async fn open(
        mut config: BrightRunConfig,
        backend: Backend,
        options: OrchestratorOptions,
        bucket: Option<PathBuf>,
        dirs: Vec<tempfile::TempDir>,
    ) -> World {
        if let Backend::Choice(choice) = &backend {
            config.backend = choice.clone();
        }
        let app = open(&config, backend).await;
        let orchestrator = Orchestrator::new(app.clone(), options.clone());
        World { app, orchestrator, user: UserId::new(), config, bucket, options, _dirs: dirs }
    }

    /// The process restarted: the service and the orchestrator opened afresh from the same
    /// configuration (the same home, database and engine).
    pub async fn restart(&mut self) {
        self.restart_on(Backend::Choice(self.config.backend.clone())).await;
    }

    /// The process restarted with `backend` (the same home and database).
    pub async fn restart_on(&mut self, backend: Backend) {
        self.app = open(&self.config, backend).await;
        self.orchestrator = Orchestrator::new(self.app.clone(), self.options.clone());
    }

    /// A job on the smoke model over `conversations` conversations, for `epochs` epochs.
    pub async fn job(&self, conversations: usize, epochs: u32) -> TrainingJob {
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
    pub async fn run_until(&self, id: JobId, limit: Duration, done: impl Fn(&TrainingJob) -> bool) -> TrainingJob {
        let start = Instant::now();
        loop {
            self.orchestrator.run_once().await.unwrap();
            let job = self.app.get_job(self.user, id).await.unwrap().job;
            if done(&job) {
                return job;
            }
            assert!(start.elapsed() < limit, "job {id} is {:?} after {limit:?}: {:?}", job.status, job.error_message);
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }

    /// Checks that the job's model holds the adapter, each stored file's size and sha256 as
    /// recorded.
    pub async fn assert_model_files_verified(&self, job: &TrainingJob) {
        let model = self.app.get_model(self.user, job.artifact_id.expect("a model")).await.unwrap();
        let names: Vec<&str> = model.files.iter().map(|f| f.name.as_str()).collect();
        assert!(names.contains(&"adapter_model.safetensors") && names.contains(&"adapter_config.json"), "{names:?}");
        for file in &model.files {
            let key = brightrun_core::blob::BlobKey::model(self.user, model.id, &file.name).unwrap();
            let mut download = self.app.blobs().download(&key).await.unwrap();
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
    }
}

/// A small job completes, its adapter files stored, each file's size and sha256 as recorded.
pub async fn completes_with_verified_files(world: &World, how: &str) {
    let job = world.job(12, 3).await;
    let submitted = Instant::now();
    let job = world.run_until(job.id, Duration::from_secs(300), |job| job.status.is_final()).await;
    let engine = world.app.backend().name();
    eprintln!("{engine} smoke job ({how}): submit to completed in {:.1} s", submitted.elapsed().as_secs_f64());
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    assert_eq!(job.retry_count, 0);
    world.assert_model_files_verified(&job).await;
    let steps = world.app.get_job(world.user, job.id).await.unwrap().job.current_step;
    assert!(steps > 0, "the metrics reached the job");
}

/// The orchestrator dies (failpoint `launch.store_handle`) between the engine accepting `job`
/// and the job recording its handle: checks that no handle was recorded.
pub async fn strand_after_launch(world: &World, job: &TrainingJob) {
    world.orchestrator.failpoints().arm("launch.store_handle", 1);
    while !world.orchestrator.failpoints().is_dead() {
        let _ = world.orchestrator.run_once().await;
    }
    let stranded = world.app.get_job(world.user, job.id).await.unwrap().job;
    assert_eq!(stranded.external_job_id, None, "the handle was not recorded");
}

/// A small job is stranded after its launch ([`strand_after_launch`]); the restarted
/// orchestrator follows the same attempt to completion, not a retry. Returns the job, for
/// the engine's own checks.
pub async fn a_restarted_orchestrator_completes_the_stranded_job(world: &mut World) -> TrainingJob {
    let job = world.job(12, 3).await;
    strand_after_launch(world, &job).await;
    world.restart().await;
    let job = world.run_until(job.id, Duration::from_secs(300), |job| job.status.is_final()).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    assert_eq!(job.retry_count, 0, "the same attempt, not a retry");
    job
}

/// Checks that no attempt's objects are left in the store's `bucket` directory.
pub fn assert_attempt_objects_removed(bucket: &Path) {
    let leftovers: Vec<String> =
        walk(bucket).into_iter().filter(|path| path.contains("/attempts/") || path.contains("/jobs/")).collect();
    assert!(leftovers.is_empty(), "the attempt's objects are removed: {leftovers:?}");
}

/// Every file under `dir`, as paths.
pub fn walk(dir: &Path) -> Vec<String> {
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

/// A long job is cancelled after its second step: it ends cancelled, not retried, with the
/// partial adapter the worker saved left for its owner.
pub async fn a_running_job_is_cancelled(world: &World) {
    let job = world.job(200, 20).await;
    world.run_until(job.id, Duration::from_secs(300), |job| job.current_step >= 2).await;
    world.app.cancel_job(world.user, job.id).await.unwrap();
    let cancelled = Instant::now();
    let job = world.run_until(job.id, Duration::from_secs(120), |job| job.status.is_final()).await;
    let engine = world.app.backend().name();
    eprintln!("{engine} cancel: stopped in {:.1} s", cancelled.elapsed().as_secs_f64());
    assert_eq!(job.status, JobStatus::Cancelled, "{:?}", job.error_message);
    assert_eq!(job.retry_count, 0);
    let leftovers = world.app.job_leftover_files(world.user, job.id).await.unwrap();
    assert!(leftovers.iter().any(|f| f.name == "adapter_model.safetensors"), "a partial adapter was saved");
}

/// A long job's worker is killed (SIGKILL) after its second step: the failure is reported
/// (`reported` holds for its message) and the job retried; the second attempt runs, and is
/// cancelled.
pub async fn a_killed_worker_is_reported_and_retried(world: &World, reported: impl Fn(&str) -> bool) {
    let job = world.job(200, 20).await;
    world.run_until(job.id, Duration::from_secs(300), |job| job.current_step >= 2).await;
    let killed = kill_worker(job.id);
    assert!(killed > 0, "the worker process of job {} was found", job.id);
    let retried = world.run_until(job.id, Duration::from_secs(120), |job| job.retry_count == 1).await;
    assert!(!retried.status.is_final(), "{:?}: {:?}", retried.status, retried.error_message);
    let message = retried.error_message.clone().unwrap_or_default();
    assert!(reported(&message), "the kill is reported: {message}");
    world
        .run_until(job.id, Duration::from_secs(300), |job| job.current_step >= 1 && job.status == JobStatus::Running)
        .await;
    world.app.cancel_job(world.user, job.id).await.unwrap();
    let job = world.run_until(job.id, Duration::from_secs(120), |job| job.status.is_final()).await;
    assert_eq!(job.status, JobStatus::Cancelled);
}

/// Kills (SIGKILL) the trainer processes of a job, found by the job id the engines put in
/// their environment (`BRIGHTRUN_JOB_ID`); returns how many.
pub fn kill_worker(id: JobId) -> usize {
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
