//! The RunPod serverless backend.
//!
//! - [`local_server`]: against the REAL runpod SDK's local API server running the trainer's
//!   handler (`python -m brightrun_trainer.runpod_handler --rp_serve_api`), which runs the
//!   real trainer on the smoke model, with the adapter uploaded through signed URLs to an
//!   S3-compatible server that checks signatures. Needs a Python with the trainer's
//!   dependencies and `runpod` (`BRIGHTRUN_TRAINER_PYTHON`, `scripts/python-env` installs
//!   it): without it these tests print SKIPPED, or fail when `CI=true`.
//! - [`api`]: against a TEST DOUBLE of RunPod's API ([`double`]) for what the local server
//!   cannot do: cancel a running job, forget a job (expiry), refuse a key, report COMPLETED
//!   for a failed worker, fail a killed one.

mod api;
mod double;
mod local_server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use brightrun_core::backend::GpuBackend;
use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::dataset::EstimatedTokenCounter;
use brightrun_core::model::{DatasetFormat, DatasetStatus, JobId, TrainingJob, UserId};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::{BackendChoice, BrightRun, BrightRunConfig, JobRequest, NewDataset};
use brightrun_tests::fixtures::chat_dataset;
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};

/// A service and an orchestrator on an S3-compatible store (s3s, checking SigV4).
pub(crate) struct World {
    pub(crate) app: BrightRun,
    pub(crate) orchestrator: Orchestrator,
    pub(crate) user: UserId,
    pub(crate) bucket: std::path::PathBuf,
    config: BrightRunConfig,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// The backend of a world.
pub(crate) enum Backend {
    /// What `BRIGHTRUN_BACKEND` would name.
    Choice(BackendChoice),
    /// One built here (the double's endpoint is not RunPod's address).
    Built(Arc<dyn GpuBackend>),
}

/// A home whose store is a fresh S3-compatible server: its configuration and directories.
pub(crate) async fn s3_home() -> (BrightRunConfig, tempfile::TempDir, tempfile::TempDir) {
    let (home, root) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let endpoint = brightrun_tests::s3::start(root.path()).await.unwrap();
    let mut config = BrightRunConfig::embedded(home.path());
    config.storage_url = brightrun_tests::s3::storage_url(&endpoint, brightrun_tests::s3::SECRET_KEY);
    (config, home, root)
}

pub(crate) async fn world(backend: Backend) -> World {
    let (mut config, home, root) = s3_home().await;
    if let Backend::Choice(choice) = &backend {
        config.backend = choice.clone();
    }
    let (app, orchestrator) = open(&config, backend).await;
    let bucket = root.path().join(brightrun_tests::s3::BUCKET);
    World { app, orchestrator, user: UserId::new(), bucket, config, _dirs: (home, root) }
}

/// The service and an orchestrator of `config`, with `backend`.
async fn open(config: &BrightRunConfig, backend: Backend) -> (BrightRun, Orchestrator) {
    // Short leases, so that a dead orchestrator's work is taken over within seconds; the
    // local server holds a pass for a whole run (it trains inside one request): the default.
    let lease = match backend {
        Backend::Choice(_) => OrchestratorOptions::default().lease,
        Backend::Built(_) => chrono::TimeDelta::seconds(3),
    };
    let app = match backend {
        Backend::Choice(_) => BrightRun::open(config.clone()).await.expect("the backend answers"),
        Backend::Built(backend) => {
            let opened = BrightRun::open(config.clone()).await.unwrap();
            let (db, blobs) = (opened.database().clone(), opened.blobs().clone());
            BrightRun::from_parts(db, blobs, backend, Arc::new(EstimatedTokenCounter), config.clone())
        }
    };
    assert_eq!(app.backend().name(), "runpod");
    let options =
        OrchestratorOptions { poll_interval: Duration::from_millis(100), lease, ..OrchestratorOptions::default() };
    let orchestrator = Orchestrator::new(app.clone(), options);
    (app, orchestrator)
}

impl World {
    /// The process restarted: the service and the orchestrator opened afresh (the same
    /// home and database) with `backend`.
    pub(crate) async fn restart(&mut self, backend: Backend) {
        (self.app, self.orchestrator) = open(&self.config, backend).await;
    }

    /// A ready job on the smoke model over `conversations` conversations, for `epochs` epochs.
    pub(crate) async fn job(&self, conversations: usize, epochs: u32) -> TrainingJob {
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
    pub(crate) async fn run_until(
        &self,
        id: JobId,
        limit: Duration,
        done: impl Fn(&TrainingJob) -> bool,
    ) -> TrainingJob {
        let start = Instant::now();
        loop {
            self.orchestrator.run_once().await.unwrap();
            let job = self.app.get_job(self.user, id).await.unwrap().job;
            if done(&job) {
                return job;
            }
            assert!(start.elapsed() < limit, "job {id} is {:?} after {limit:?}: {:?}", job.status, job.error_message);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Checks that the job's model holds the adapter, each stored file matching its sha256
    /// and size, and that the attempt's objects are gone.
    pub(crate) async fn assert_adapter_stored(&self, job: &TrainingJob) {
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
        let leftovers: Vec<String> = walk(&self.bucket)
            .into_iter()
            .filter(|path| path.contains("/attempts/") || path.contains("/jobs/"))
            .collect();
        assert!(leftovers.is_empty(), "the attempt's objects are removed: {leftovers:?}");
    }
}

/// Every file under `dir`, as paths.
fn walk(dir: &std::path::Path) -> Vec<String> {
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
