//! A BrightRun over a test database, a local storage directory and the local backend
//! running the protocol test double with one scenario.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use brightrun_core::backend::{GpuBackend, LocalBackendConfig, LocalProcessBackend};
use brightrun_core::blob::BlobStore;
use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::dataset::EstimatedTokenCounter;
use brightrun_core::model::{
    CostRecord, Dataset, DatasetFormat, DatasetId, DatasetStatus, JobId, Money, TrainingJob, UserId,
};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::{BrightRun, BrightRunConfig, JobRequest, NewDataset};
use brightrun_core::store::Database;
pub use brightrun_tests::fixtures::chat_dataset;

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
    world_with_slots(db, scenario, &["all"], wrap)
}

/// A world whose local backend has these GPU slots, wrapped by `wrap`.
pub fn world_with_slots(
    db: Arc<dyn Database>,
    scenario: &str,
    slots: &[&str],
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
        gpu_slots: slots.iter().map(|slot| (*slot).to_owned()).collect(),
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

impl World {
    /// A dataset uploaded through the service and validated by the orchestrator.
    pub async fn ready_dataset(&self) -> Dataset {
        let dataset = self.uploaded_dataset(&chat_dataset(12)).await;
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

/// What a world built by [`world_with`] is made of, beyond its scenario.
pub struct Setup {
    pub scenario: String,
    pub options: OrchestratorOptions,
    pub limits: Option<brightrun_core::blob::UploadLimits>,
    pub token_counter: Option<Arc<dyn brightrun_core::dataset::tokenizer::TokenCounter>>,
}

impl Setup {
    pub fn new(scenario: &str) -> Self {
        Self { scenario: scenario.into(), options: fast_options(), limits: None, token_counter: None }
    }
}

/// A world built by [`world_with`]: its storage and its backend are test doubles around
/// the real ones (see [`TestStore`] and [`TestBackend`]), and each worker the backend
/// starts is recorded in `workers.txt` under `home`.
pub struct Harnessed {
    pub world: World,
    pub store: Arc<TestStore>,
    pub backend: Arc<TestBackend>,
}

impl std::ops::Deref for Harnessed {
    type Target = World;

    fn deref(&self) -> &World {
        &self.world
    }
}

pub fn world_with(db: Arc<dyn Database>, setup: Setup) -> Harnessed {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_path_buf();
    let mut config = BrightRunConfig::embedded(&home);
    config.worker_command = vec![
        "python3".into(),
        test_double(),
        "--scenario".into(),
        setup.scenario.clone(),
        "--record".into(),
        home.join("workers.txt").display().to_string(),
    ];
    config.cancel_grace = Duration::from_secs(5);
    let local = LocalProcessBackend::new(LocalBackendConfig {
        runs_dir: config.runs_dir(),
        worker_command: config.worker_command.clone(),
        gpu_slots: vec!["all".into()],
        cancel_grace: config.cancel_grace,
        worker_env: config.worker_env.clone(),
    })
    .unwrap();
    let backend = Arc::new(TestBackend::new(Arc::new(local)));
    std::fs::create_dir_all(home.join("storage")).unwrap();
    let store = Arc::new(TestStore::local(&home.join("storage")));
    let mut blobs = BlobStore::from_store(store.clone(), None);
    if let Some(limits) = setup.limits {
        blobs = blobs.with_limits(limits);
    }
    let counter = setup.token_counter.unwrap_or_else(|| Arc::new(EstimatedTokenCounter));
    let app = BrightRun::from_parts(db, Arc::new(blobs), backend.clone(), counter, config);
    backend.set_app(app.clone());
    let orchestrator = Orchestrator::new(app.clone(), setup.options);
    Harnessed { world: World { app, orchestrator, user: UserId::new(), home, _dir: dir }, store, backend }
}

impl World {
    /// A dataset uploaded through the service, not yet validated.
    pub async fn uploaded_dataset(&self, body: &str) -> Dataset {
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
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(body.to_owned()))]);
        let dataset = self.app.upload_dataset(self.user, upload.dataset.id, chunks).await.unwrap();
        assert_eq!(dataset.status, DatasetStatus::Validating);
        dataset
    }

    /// Passes of `orchestrator` until the dataset is validated (ready or error).
    pub async fn validate_with(&self, orchestrator: &Orchestrator, id: DatasetId) -> Dataset {
        for _ in 0..1500 {
            let _ = orchestrator.run_once().await;
            let dataset = self.app.get_dataset(self.user, id).await.unwrap();
            if dataset.status != DatasetStatus::Validating {
                return dataset;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("dataset {id} was never validated");
    }

    /// The workers the backend started, as `(job, attempt)`, one entry per start (worlds of
    /// [`world_with`] only).
    pub fn worker_starts(&self) -> Vec<(String, u32)> {
        let Ok(text) = std::fs::read_to_string(self.home.join("workers.txt")) else { return Vec::new() };
        text.lines()
            .map(|line| {
                let mut fields = line.split_whitespace();
                let job = fields.next().unwrap().to_owned();
                (job, fields.next().unwrap().parse().unwrap())
            })
            .collect()
    }

    /// Every notification of the user.
    pub async fn notifications(&self) -> Vec<brightrun_core::model::Notification> {
        let query = brightrun_core::store::NotificationQuery {
            page: brightrun_core::store::PageRequest::first(100),
            ..Default::default()
        };
        self.app.list_notifications(self.user, &query).await.unwrap().items
    }
}

/// The storage TEST DOUBLE: a local directory whose reads a test can fail (storage that does
/// not answer) or hold back (a slow download) for the keys it names, and which counts
/// every read.
#[derive(Debug)]
pub struct TestStore {
    inner: Arc<dyn object_store::ObjectStore>,
    /// Key part -> reads of matching keys still to fail.
    failing: std::sync::Mutex<Vec<(String, u32)>>,
    /// Key part whose reads wait until the gate opens.
    gated: std::sync::Mutex<Option<String>>,
    gate: tokio::sync::watch::Sender<bool>,
    reads: std::sync::Mutex<Vec<String>>,
}

impl std::fmt::Display for TestStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestStore({})", self.inner)
    }
}

impl TestStore {
    pub fn local(root: &std::path::Path) -> Self {
        let inner = object_store::local::LocalFileSystem::new_with_prefix(root).unwrap().with_automatic_cleanup(true);
        Self {
            inner: Arc::new(inner),
            failing: Default::default(),
            gated: Default::default(),
            gate: tokio::sync::watch::Sender::new(true),
            reads: Default::default(),
        }
    }

    /// The next `times` reads of keys containing `part` fail as unreachable storage does.
    pub fn fail_reads(&self, part: &str, times: u32) {
        self.failing.lock().unwrap().push((part.to_owned(), times));
    }

    /// Reads of keys containing `part` wait until [`TestStore::open`].
    pub fn hold_reads(&self, part: &str) {
        *self.gated.lock().unwrap() = Some(part.to_owned());
        self.gate.send_replace(false);
    }

    pub fn open(&self) {
        self.gate.send_replace(true);
    }

    /// Reads begun of keys containing `part`, failed and held ones included.
    pub fn reads_of(&self, part: &str) -> usize {
        self.reads.lock().unwrap().iter().filter(|key| key.contains(part)).count()
    }

    async fn before_read(&self, location: &object_store::path::Path) -> object_store::Result<()> {
        let key = location.to_string();
        self.reads.lock().unwrap().push(key.clone());
        let fail = {
            let mut failing = self.failing.lock().unwrap();
            match failing.iter_mut().find(|(part, left)| key.contains(part.as_str()) && *left > 0) {
                Some((_, left)) => {
                    *left -= 1;
                    true
                }
                None => false,
            }
        };
        if fail {
            return Err(object_store::Error::Generic { store: "TestStore", source: "connection reset by peer".into() });
        }
        let gated = self.gated.lock().unwrap().clone();
        if gated.is_some_and(|part| key.contains(&part)) {
            let mut open = self.gate.subscribe();
            let _ = open.wait_for(|open| *open).await;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl object_store::ObjectStore for TestStore {
    async fn put_opts(
        &self,
        location: &object_store::path::Path,
        payload: object_store::PutPayload,
        opts: object_store::PutOptions,
    ) -> object_store::Result<object_store::PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &object_store::path::Path,
        opts: object_store::PutMultipartOptions,
    ) -> object_store::Result<Box<dyn object_store::MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &object_store::path::Path,
        options: object_store::GetOptions,
    ) -> object_store::Result<object_store::GetResult> {
        self.before_read(location).await?;
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: futures_util::stream::BoxStream<'static, object_store::Result<object_store::path::Path>>,
    ) -> futures_util::stream::BoxStream<'static, object_store::Result<object_store::path::Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(
        &self,
        prefix: Option<&object_store::path::Path>,
    ) -> futures_util::stream::BoxStream<'static, object_store::Result<object_store::ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(
        &self,
        prefix: Option<&object_store::path::Path>,
    ) -> object_store::Result<object_store::ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &object_store::path::Path,
        to: &object_store::path::Path,
        options: object_store::CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

/// The backend TEST DOUBLE: the local backend, whose submits a test can fail (transiently,
/// or as a trainer that cannot start) or follow with the user's cancel; it counts submits.
pub struct TestBackend {
    inner: Arc<dyn GpuBackend>,
    app: std::sync::OnceLock<BrightRun>,
    /// Submits still to fail, and whether as a launch failure (permanent) or an I/O one.
    failing: std::sync::Mutex<(u32, bool)>,
    /// The user who cancels each job as soon as its worker was submitted.
    cancel_after_submit: std::sync::Mutex<Option<UserId>>,
    pub submits: std::sync::atomic::AtomicU32,
}

impl TestBackend {
    fn new(inner: Arc<dyn GpuBackend>) -> Self {
        Self {
            inner,
            app: Default::default(),
            failing: std::sync::Mutex::new((0, false)),
            cancel_after_submit: Default::default(),
            submits: Default::default(),
        }
    }

    fn set_app(&self, app: BrightRun) {
        let _ = self.app.set(app);
    }

    /// The next `times` submits fail: as a trainer that cannot be started (`permanent`) or
    /// as a passing I/O failure.
    pub fn fail_submits(&self, times: u32, permanent: bool) {
        *self.failing.lock().unwrap() = (times, permanent);
    }

    /// Each job of `user` is cancelled by them right after its worker was submitted.
    pub fn cancel_after_submit(&self, user: UserId) {
        *self.cancel_after_submit.lock().unwrap() = Some(user);
    }

    pub fn submit_count(&self) -> u32 {
        self.submits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl GpuBackend for TestBackend {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn submit(
        &self,
        spec: &brightrun_core::backend::WorkerSpec,
    ) -> Result<brightrun_core::backend::BackendHandle, brightrun_core::backend::BackendError> {
        use brightrun_core::backend::BackendError;
        self.submits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let fail = {
            let mut failing = self.failing.lock().unwrap();
            let fail = (failing.0 > 0).then_some(failing.1);
            failing.0 = failing.0.saturating_sub(1);
            fail
        };
        match fail {
            Some(true) => return Err(BackendError::Launch { reason: "the trainer cannot be started".into() }),
            Some(false) => {
                return Err(BackendError::io(
                    "spawning the worker",
                    std::io::Error::other("Resource temporarily unavailable"),
                ));
            }
            None => {}
        }
        let handle = self.inner.submit(spec).await?;
        let canceller = *self.cancel_after_submit.lock().unwrap();
        if let Some(user) = canceller
            && let Some(app) = self.app.get()
        {
            app.cancel_job(user, spec.job_id).await.unwrap();
        }
        Ok(handle)
    }

    async fn find(
        &self,
        job_id: brightrun_core::model::JobId,
        attempt: u32,
    ) -> Result<Option<brightrun_core::backend::BackendHandle>, brightrun_core::backend::BackendError> {
        self.inner.find(job_id, attempt).await
    }

    async fn status(
        &self,
        handle: &brightrun_core::backend::BackendHandle,
    ) -> Result<brightrun_core::backend::BackendStatus, brightrun_core::backend::BackendError> {
        self.inner.status(handle).await
    }

    async fn worker_times(
        &self,
        handle: &brightrun_core::backend::BackendHandle,
    ) -> Result<brightrun_core::backend::WorkerTimes, brightrun_core::backend::BackendError> {
        self.inner.worker_times(handle).await
    }

    async fn events(
        &self,
        handle: &brightrun_core::backend::BackendHandle,
        cursor: brightrun_core::backend::EventCursor,
    ) -> Result<brightrun_core::backend::EventBatch, brightrun_core::backend::BackendError> {
        self.inner.events(handle, cursor).await
    }

    async fn cancel(
        &self,
        handle: &brightrun_core::backend::BackendHandle,
    ) -> Result<(), brightrun_core::backend::BackendError> {
        self.inner.cancel(handle).await
    }

    async fn collect(
        &self,
        handle: &brightrun_core::backend::BackendHandle,
    ) -> Result<Vec<brightrun_core::backend::CollectedArtifact>, brightrun_core::backend::BackendError> {
        self.inner.collect(handle).await
    }
}
