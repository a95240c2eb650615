//! The service: the operations a host application calls.
//!
//! [`BrightRun`] is built from a database, a blob store and a GPU backend (each from a URL
//! or brought as a trait object), or [`BrightRun::open_default`] for the embedded default.
//! Every call takes the caller's user id (the host has authenticated the user): another
//! user's rows are "not found", never changed. Background work (validation, submission,
//! following jobs) is the [`Orchestrator`](crate::orchestrator::Orchestrator)'s, built from
//! the same parts.

mod config;
mod costs;
mod datasets;
mod error;
mod ids;
mod jobs;
mod models;
mod notifications;

pub use config::{BrightRunConfig, GPU_SLOTS_VAR, HOME_VAR, WORKER_VAR};
pub use costs::CostSummary;
pub use datasets::{DatasetUpdate, DatasetUpload, NewDataset};
pub use error::ServiceError;
pub use ids::derived_id;
pub use jobs::{JobDetails, JobRequest};
pub use models::{ModelDownload, ModelUpdate};

use std::sync::Arc;

use crate::backend::{GpuBackend, LocalBackendConfig, LocalProcessBackend};
use crate::blob::BlobStore;
use crate::dataset::{EstimatedTokenCounter, TokenCounter};
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

    /// Opens each part from the configuration's URLs and paths (creating the home).
    pub async fn open(config: BrightRunConfig) -> Result<Self, ServiceError> {
        std::fs::create_dir_all(&config.home)
            .map_err(|e| ServiceError::io(format!("creating {}", config.home.display()), e))?;
        let db = store::open(&config.database_url).await?;
        let blobs = Arc::new(if config.storage_url.contains("://") {
            BlobStore::from_url(&config.storage_url)?
        } else {
            std::fs::create_dir_all(&config.storage_url)
                .map_err(|e| ServiceError::io(format!("creating {}", config.storage_url), e))?;
            BlobStore::local(&config.storage_url)?
        });
        let backend = Arc::new(LocalProcessBackend::new(LocalBackendConfig {
            runs_dir: config.runs_dir(),
            worker_command: config.worker_command.clone(),
            gpu_slots: config.gpu_slots.clone(),
            cancel_grace: config.cancel_grace,
        })?);
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
}
