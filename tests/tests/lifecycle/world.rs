//! A BrightRun over a test database, a local storage directory and the local backend
//! running the protocol test double with one scenario.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use brightrun_core::backend::{GpuBackend, LocalBackendConfig, LocalProcessBackend};
use brightrun_core::blob::BlobStore;
use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::dataset::EstimatedTokenCounter;
use brightrun_core::model::{CostRecord, Dataset, DatasetFormat, DatasetStatus, JobId, Money, TrainingJob, UserId};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::{BrightRun, BrightRunConfig, JobRequest, NewDataset};
use brightrun_core::store::Database;

/// The price of the test jobs: $1 a second of worker time, so that even the test double's
/// short runs cost whole cents.
pub const PRICE_PER_GPU_HOUR: &str = "3600.00";

pub struct World {
    pub app: BrightRun,
    pub orchestrator: Orchestrator,
    pub user: UserId,
    pub home: PathBuf,
    _dir: tempfile::TempDir,
}

fn test_double() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workers/protocol_test_double.py").display().to_string()
}

pub fn world(db: Arc<dyn Database>, scenario: &str) -> World {
    world_with_backend(db, scenario, |backend| backend)
}

/// A world whose backend is the local one as `wrap` wraps it.
pub fn world_with_backend(
    db: Arc<dyn Database>,
    scenario: &str,
    wrap: impl FnOnce(Arc<dyn GpuBackend>) -> Arc<dyn GpuBackend>,
) -> World {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_path_buf();
    let mut config = BrightRunConfig::embedded(&home);
    config.worker_command = vec!["python3".into(), test_double(), "--scenario".into(), scenario.into()];
    config.cancel_grace = Duration::from_secs(5);
    let backend = LocalProcessBackend::new(LocalBackendConfig {
        runs_dir: config.runs_dir(),
        worker_command: config.worker_command.clone(),
        gpu_slots: vec!["all".into()],
        cancel_grace: config.cancel_grace,
        worker_env: config.worker_env.clone(),
    })
    .unwrap();
    std::fs::create_dir_all(home.join("storage")).unwrap();
    let blobs = Arc::new(BlobStore::local(home.join("storage")).unwrap());
    let app = BrightRun::from_parts(db, blobs, wrap(Arc::new(backend)), Arc::new(EstimatedTokenCounter), config);
    let orchestrator = Orchestrator::new(app.clone(), fast_options());
    World { app, orchestrator, user: UserId::new(), home, _dir: dir }
}

/// The run directories of the local backend under `home` (its hidden entries, the GPU
/// slots and the handle key, are not runs).
pub fn run_dirs(home: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join("runs"))
        .unwrap()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect()
}

pub fn fast_options() -> OrchestratorOptions {
    OrchestratorOptions { poll_interval: Duration::from_millis(20), ..OrchestratorOptions::default() }
}

/// Chat JSONL with `n` distinct conversations.
pub fn chat_dataset(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"messages": [{{"role": "system", "content": "Be kind."}}, {{"role": "user", "content": "Question number {i}?"}}, {{"role": "assistant", "content": "Answer number {i}, calmly."}}]}}"#
            ) + "\n"
        })
        .collect()
}

impl World {
    /// A dataset uploaded through the service and validated by the orchestrator.
    pub async fn ready_dataset(&self) -> Dataset {
        let body = chat_dataset(12);
        let upload = self
            .app
            .create_dataset(
                self.user,
                NewDataset {
                    name: "support chats".into(),
                    description: None,
                    format: DatasetFormat::Chat,
                    file_name: "chats.jsonl".into(),
                    declared_size: body.len() as u64,
                },
            )
            .await
            .unwrap();
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(body))]);
        let dataset = self.app.upload_dataset(self.user, upload.dataset.id, chunks).await.unwrap();
        assert_eq!(dataset.status, DatasetStatus::Validating);
        let report = self.orchestrator.run_once().await.unwrap();
        assert_eq!(report.datasets_validated, 1);
        let dataset = self.app.get_dataset(self.user, dataset.id).await.unwrap();
        assert_eq!(dataset.status, DatasetStatus::Ready, "{:?}", dataset.validation_errors);
        dataset
    }

    pub fn job_request(&self, dataset: &Dataset) -> JobRequest {
        JobRequest {
            dataset_id: dataset.id,
            preset: Preset::Conservative,
            base_model: "smoke".into(),
            hyperparameters: None,
            gpu: GpuSelection::new("CPU", 1, Some(PRICE_PER_GPU_HOUR.parse::<Money>().unwrap())).unwrap(),
            measured_tokens_per_second: None,
        }
    }

    pub async fn queued_job(&self) -> TrainingJob {
        let dataset = self.ready_dataset().await;
        self.app.create_job(self.user, &self.job_request(&dataset)).await.unwrap()
    }

    /// Passes of the orchestrator until the job is final (or 30 s).
    pub async fn run_to_end(&self, id: JobId) -> TrainingJob {
        run_to_end(&self.orchestrator, &self.app, self.user, id).await
    }

    /// Passes until `done` holds for the job.
    pub async fn run_until(&self, id: JobId, done: impl Fn(&TrainingJob) -> bool) -> TrainingJob {
        for _ in 0..1500 {
            self.orchestrator.run_once().await.unwrap();
            let job = self.app.get_job(self.user, id).await.unwrap().job;
            if done(&job) {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("job {id} never reached the expected state");
    }

    /// The job's cost records, oldest first.
    pub async fn job_cost_records(&self, id: JobId) -> Vec<CostRecord> {
        self.app.job_costs(self.user, id).await.unwrap()
    }

    /// The run directory of one attempt of a job (the local backend's).
    pub fn attempt_dir(&self, id: JobId, attempt: u32) -> PathBuf {
        self.home.join("runs").join(format!("{id}-{attempt}"))
    }

    pub async fn notification_types(&self) -> Vec<String> {
        let page =
            self.app.list_notifications(self.user, &brightrun_core::store::NotificationQuery::default()).await.unwrap();
        page.items.iter().map(|n| n.notification_type.to_string()).collect()
    }
}

pub async fn run_to_end(orchestrator: &Orchestrator, app: &BrightRun, user: UserId, id: JobId) -> TrainingJob {
    for _ in 0..1500 {
        orchestrator.run_once().await.unwrap();
        let job = app.get_job(user, id).await.unwrap().job;
        if job.status.is_final() {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never finished");
}
