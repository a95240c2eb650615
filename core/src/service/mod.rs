//! The service: the operations a host application calls.
//!
//! [`BrightRun`] is built from a database, a blob store and a GPU backend (each from a URL
//! or brought as a trait object), or [`BrightRun::open_default`] for the embedded default.
//! Every call takes the caller's user id (the host has authenticated the user): another
//! user's rows are "not found", never changed. Background work (validation, submission,
//! following jobs) is the [`Orchestrator`](crate::orchestrator::Orchestrator)'s, built from
//! the same parts.

mod backend_choice;
mod config;
mod costs;
mod datasets;
mod error;
mod follow;
mod ids;
mod jobs;
mod models;
mod notifications;
pub(crate) mod notify;
pub mod operations;

pub use backend_choice::{BACKEND_VAR, BackendChoice, SLURM_JWT_VAR, SLURM_USER_VAR};
pub use config::{
    BrightRunConfig, DATABASE_URL_VAR, GPU_SLOTS_VAR, HOME_VAR, KEEP_RUNS_VAR, KEEP_SCRATCH_VAR, LOCAL_USER,
    STORAGE_URL_VAR, WORKER_ENV_VAR, WORKER_VAR, worker_command,
};
pub use costs::CostSummary;
pub use datasets::{DatasetUpdate, DatasetUpload, NewDataset};
pub use error::ServiceError;
pub use follow::{FollowState, MAX_STEPS};
pub use ids::derived_id;
pub use jobs::{JobDetails, JobRequest};
pub use models::{ModelDownload, ModelUpdate};
pub use operations::OperationError;

use std::path::Path;
use std::sync::Arc;

use crate::backend::local::retention::{self, SweepReport};
use crate::backend::runpod::{API_KEY_VAR, Server};
use crate::backend::{
    GpuBackend, LocalBackendConfig, LocalProcessBackend, RayBackend, RayBackendConfig, RunPodBackend,
    RunPodBackendConfig, SlurmBackend, SlurmBackendConfig, Transfer,
};
use crate::blob::BlobStore;
use crate::dataset::{EstimatedTokenCounter, TokenCounter};
use crate::error_code::Code;
use crate::private_files;
use crate::store::{self, Database};

/// The parts a BrightRun is made of.
#[derive(Clone)]
pub struct BrightRun {
    pub(crate) db: Arc<dyn Database>,
    pub(crate) blobs: Arc<BlobStore>,
    pub(crate) backend: Arc<dyn GpuBackend>,
    pub(crate) token_counter: Arc<dyn TokenCounter>,
    pub(crate) config: BrightRunConfig,
}

impl std::fmt::Debug for BrightRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrightRun")
            .field("db", &self.db.backend())
            .field("backend", &self.backend.name())
            .field("token_counter", &self.token_counter.name())
            .field("home", &self.config.home)
            .finish_non_exhaustive()
    }
}

impl BrightRun {
    /// The embedded default: `$BRIGHTRUN_HOME` (or `~/.brightrun`) with SQLite, a local
    /// storage directory and the local process backend running the reference trainer.
    pub async fn open_default() -> Result<Self, ServiceError> {
        Self::open(BrightRunConfig::from_env()?).await
    }

    /// Opens each part from the configuration's URLs and paths. What it creates (the home,
    /// a SQLite database file, a local storage directory, scratch space) only its owner
    /// can read (0700 directories, 0600 files), whatever the umask; what exists is kept.
    pub async fn open(config: BrightRunConfig) -> Result<Self, ServiceError> {
        private_dir(&config.home)?;
        private_dir(&config.scratch_dir())?;
        if let Some(path) = config.sqlite_path()
            && path.parent().is_some_and(Path::is_dir)
        {
            // SQLite gives its journal and WAL files the database file's mode.
            private_files::create_file(&path)
                .map_err(|e| ServiceError::io(format!("creating {}", path.display()), e))?;
        }
        let db = store::open(&config.database_url).await?;
        let blobs = Arc::new(if config.storage_url.contains("://") {
            BlobStore::from_url(&config.storage_url)?
        } else {
            private_dir(Path::new(&config.storage_url))?;
            BlobStore::local(&config.storage_url)?
        });
        let backend = open_backend(&config, &blobs).await?;
        Ok(Self::from_parts(db, blobs, backend, Arc::new(EstimatedTokenCounter), config))
    }

    /// Assembles a BrightRun from parts a host brings (its own database, store, backend or
    /// token counter); `config.home` still holds scratch space.
    pub fn from_parts(
        db: Arc<dyn Database>,
        blobs: Arc<BlobStore>,
        backend: Arc<dyn GpuBackend>,
        token_counter: Arc<dyn TokenCounter>,
        config: BrightRunConfig,
    ) -> Self {
        Self { db, blobs, backend, token_counter, config }
    }

    /// The database.
    pub fn database(&self) -> &Arc<dyn Database> {
        &self.db
    }

    /// The object store.
    pub fn blobs(&self) -> &Arc<BlobStore> {
        &self.blobs
    }

    /// The GPU backend.
    pub fn backend(&self) -> &Arc<dyn GpuBackend> {
        &self.backend
    }

    /// The configuration.
    pub fn config(&self) -> &BrightRunConfig {
        &self.config
    }

    /// Applies the retention rule ([`retention`]) to the local runs and scratch space under
    /// the home: finished runs older than `config.retention.finished_runs`, the scratch of
    /// ended runs, idle scratch older than `config.retention.scratch`. Cheap when there is
    /// nothing to do (two directory listings); run it now and then (`brightrun worker`
    /// does, hourly).
    pub async fn sweep_local_files(&self) -> Result<SweepReport, ServiceError> {
        let (runs, scratch, policy) = (self.config.runs_dir(), self.config.scratch_dir(), self.config.retention);
        tokio::task::spawn_blocking(move || retention::sweep(&runs, &scratch, &policy, std::time::SystemTime::now()))
            .await
            .map_err(|e| ServiceError::internal(format!("the retention sweep stopped: {e}")))?
            .map_err(ServiceError::from)
    }
}

/// `storage_cannot_sign` unless the object store signs URLs, which `engine`'s workers get
/// the data and return the adapter through; `otherwise` adds what else would do.
fn signing_store(
    config: &BrightRunConfig,
    blobs: &BlobStore,
    engine: &str,
    otherwise: &str,
) -> Result<(), ServiceError> {
    if blobs.signs_urls() {
        return Ok(());
    }
    Err(ServiceError::invalid(
        Code::StorageCannotSign,
        format!(
            "{BACKEND_VAR}: {engine} workers get the data and return the adapter through signed URLs, and the \
             object store ({}) signs none: use S3-compatible storage{otherwise}",
            config.storage_url
        ),
    ))
}

/// The backend the configuration names, checked at once: a remote engine must answer, and a
/// backend whose workers upload needs a store that signs URLs.
async fn open_backend(config: &BrightRunConfig, blobs: &BlobStore) -> Result<Arc<dyn GpuBackend>, ServiceError> {
    match &config.backend {
        BackendChoice::Local => Ok(Arc::new(LocalProcessBackend::new(LocalBackendConfig {
            runs_dir: config.runs_dir(),
            worker_command: config.worker_command.clone(),
            gpu_slots: config.gpu_slots.clone(),
            cancel_grace: config.cancel_grace,
            worker_env: config.worker_env.clone(),
        })?)),
        BackendChoice::Ray { dashboard, transfer } => {
            if *transfer == Transfer::SignedUrls {
                signing_store(
                    config,
                    blobs,
                    "Ray",
                    ", or add `?transfer=shared_filesystem` if the cluster sees this machine's files",
                )?;
            }
            let ray = RayBackend::connect(RayBackendConfig {
                dashboard: dashboard.clone(),
                transfer: *transfer,
                runs_dir: config.ray_runs_dir(),
                worker_command: config.worker_command.clone(),
            })
            .await?;
            Ok(Arc::new(ray))
        }
        BackendChoice::RunPod { base, local_server } => {
            signing_store(config, blobs, "RunPod", "")?;
            let server = if *local_server {
                Server::LocalServer
            } else {
                match std::env::var(API_KEY_VAR) {
                    Ok(key) if !key.trim().is_empty() => Server::Api { key: key.trim().to_owned() },
                    _ => {
                        return Err(ServiceError::invalid(
                            Code::BackendCredentialsMissing,
                            format!("{BACKEND_VAR}={base}: set {API_KEY_VAR} to the RunPod API key"),
                        ));
                    }
                }
            };
            let config = RunPodBackendConfig { base: base.clone(), server, runs_dir: config.home.join("runpod") };
            Ok(Arc::new(RunPodBackend::connect(config).await?))
        }
        BackendChoice::Slurm { url, api, transfer, job } => {
            if *transfer == Transfer::SignedUrls {
                signing_store(config, blobs, "Slurm", ", or the default `?transfer=shared_filesystem`")?;
            }
            let (user, token) = backend_choice::slurm_credentials()?;
            let slurm = SlurmBackend::connect(SlurmBackendConfig {
                url: url.clone(),
                api: *api,
                user,
                token,
                transfer: *transfer,
                runs_dir: config.slurm_runs_dir(),
                worker_command: config.worker_command.clone(),
                job: job.clone(),
            })
            .await?;
            Ok(Arc::new(slurm))
        }
    }
}

/// Creates a private directory (0700) unless it exists; warns about an existing one that
/// others can read.
fn private_dir(dir: &Path) -> Result<(), ServiceError> {
    let created =
        private_files::create_dir(dir).map_err(|e| ServiceError::io(format!("creating {}", dir.display()), e))?;
    if !created && private_files::is_shared(dir).unwrap_or(false) {
        tracing::warn!(dir = %dir.display(), "readable by other users: `chmod 700` it to keep datasets and adapters private");
    }
    Ok(())
}
