//! `NativeClient`: the core service ([`BrightRun`]) by operation name, and an orchestrator
//! running in the background on napi's tokio runtime.
//!
//! One method, [`NativeClient::call`], runs any service operation with its arguments as a
//! JSON object and answers the core's JSON (`brightrun_core::service::operations`, the code
//! the Python binding runs too): the JS layer (`lib/client.js`) gives each operation its
//! camelCase signature and typed result.

use std::sync::{Mutex, MutexGuard, PoisonError};

use brightrun_core::service::operations::{self, Background, OpenOptions};
use brightrun_core::service::{BrightRun, ServiceError};
use napi::Result;
use napi_derive::napi;

use crate::errors::{coded, to_json};
use crate::upload::NativeUpload;

/// The native half of `BrightRun`: an open service and its background orchestrator. Use
/// `BrightRun.open()`, which wraps it; this class is its low-level door.
#[napi]
pub struct NativeClient {
    app: BrightRun,
    worker: Mutex<Option<Background>>,
}

/// Opens the service from its options as JSON (`home`, `database_url`, `storage_url`,
/// `worker_command`; snake_case): the environment's configuration with these on top.
#[napi]
pub async fn open_client(options: String) -> Result<NativeClient> {
    let options: OpenOptions = serde_json::from_str(&options).map_err(|e| {
        coded(&ServiceError::invalid(
            brightrun_core::error_code::Code::InvalidArguments,
            format!("invalid open options: {e}"),
        ))
    })?;
    let config = options.config().map_err(|e| coded(&e))?;
    let app = BrightRun::open(config).await.map_err(|e| coded(&e))?;
    Ok(NativeClient { app, worker: Mutex::new(None) })
}

impl NativeClient {
    fn worker(&self) -> MutexGuard<'_, Option<Background>> {
        self.worker.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[napi]
impl NativeClient {
    /// The service's parts as JSON: home, database (its scheme only: a URL may hold a
    /// password), storage URL, worker command.
    #[napi]
    pub fn describe(&self) -> Result<String> {
        to_json(&operations::describe(&self.app))
    }

    /// Runs the service operation `method` (`datasets.list`, `jobs.create`, ...) for `user`
    /// (a UUID) with `args` (a JSON object, snake_case); resolves to the core's JSON.
    #[napi]
    pub async fn call(&self, method: String, user: String, args: String) -> Result<String> {
        operations::call(&self.app, &method, &user, &args).await.map_err(|e| coded(&e))
    }

    /// Starts streaming a file into `dataset` (created by `datasets.create`, status
    /// `uploading`) for `user`: feed it with `write`, end it with `finish`, or `abort` it.
    /// `confirm` (default true) queues the dataset for validation once stored; false stores
    /// at most its declared size and leaves it for `datasets.confirm`.
    #[napi]
    pub fn begin_upload(&self, user: String, dataset: String, confirm: Option<bool>) -> Result<NativeUpload> {
        let user = operations::user_id(&user).map_err(|e| coded(&e))?;
        let dataset = operations::dataset_id(&dataset).map_err(|e| coded(&e))?;
        Ok(NativeUpload::start(self.app.clone(), user, dataset, confirm.unwrap_or(true)))
    }

    /// Starts the orchestrator in the background (validation, launching, following jobs),
    /// unless it runs already.
    #[napi]
    pub fn start_worker(&self) {
        let mut worker = self.worker();
        if worker.as_ref().is_some_and(Background::running) {
            return;
        }
        let (background, work) = Background::start(&self.app);
        napi::bindgen_prelude::spawn(work);
        *worker = Some(background);
    }

    /// Whether the background orchestrator runs.
    #[napi]
    pub fn worker_running(&self) -> bool {
        self.worker().as_ref().is_some_and(Background::running)
    }

    /// Stops the background orchestrator after its pass in progress and waits for it;
    /// rejects with the error it stopped with, if any.
    #[napi]
    pub async fn stop_worker(&self) -> Result<()> {
        let Some(worker) = self.worker().take() else { return Ok(()) };
        worker.stop().await.map_err(|e| coded(&e))
    }

    /// One orchestrator pass (validation, launching, following), as JSON counts.
    #[napi]
    pub async fn run_once(&self) -> Result<String> {
        let report = operations::orchestrator(&self.app).run_once().await.map_err(|e| coded(&e))?;
        to_json(&operations::pass_report(&report))
    }
}
