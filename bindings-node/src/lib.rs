//! Node bindings of BrightRun: the native addon under the npm package `brightrun`.
//!
//! napi-rs generates `index.d.ts` from these items (committed, checked for drift in CI);
//! the package's thin JS layer (`index.js`, `index.mjs`) re-exports them and turns errors
//! into `BrightRunError`s with a `code`.
//!
//! - **Names are camelCase** in options and results (napi renames the Rust fields).
//! - **Money is a decimal string**; counters are numbers, exact up to 2^53 - 1.
//! - **Errors carry the core's code in their message**, `[code] message`: napi cannot give
//!   an async rejection its own `code`, so the JS layer parses it back out.
//! - **Anything that does I/O returns a Promise** (`estimate` may read a model config);
//!   the in-memory catalogs are synchronous.
//!
//! Adding a function is a few lines: a `#[napi]` fn that calls the core (inside
//! `spawn_blocking` when it blocks), maps errors with [`coded`], and converts the result
//! with a `From` impl in [`results`]; then one line in `index.js`.

mod options;
mod results;

use brightrun_core::config::{BASE_MODEL_CATALOG, GPU_CATALOG, Preset as CorePreset};
use brightrun_core::{Error as CoreError, ErrorCode};
use napi::{Error, Result, Status};
use napi_derive::napi;

pub use crate::options::EstimateOptions;
pub use crate::results::{BaseModel, Estimate, Gpu, Preset};

/// A core error as a JS error whose message starts with the stable code: `[code] message`.
fn coded(error: &CoreError) -> Error {
    Error::new(Status::GenericFailure, format!("[{}] {error}", error.code()))
}

/// The hyperparameter presets: `conservative`, `balanced`, `aggressive`, `custom`.
#[napi]
pub fn presets() -> Vec<Preset> {
    CorePreset::summaries().into_iter().map(Preset::from).collect()
}

/// The GPUs the estimator knows, with data-sheet figures and default prices.
#[napi]
pub fn gpus() -> Vec<Gpu> {
    GPU_CATALOG.iter().map(Gpu::from).collect()
}

/// The base models the estimator knows by Hugging Face id.
#[napi]
pub fn base_models() -> Vec<BaseModel> {
    BASE_MODEL_CATALOG.iter().map(BaseModel::from).collect()
}

/// Estimates the duration, cost and GPU memory of a LoRA training job: the same estimate
/// as `brightrun estimate`, from the same core. Rejects with a `BrightRunError` whose
/// `code` is the core's (`unknown_gpu`, `invalid_hyperparameters`, ...).
#[napi]
pub async fn estimate(options: EstimateOptions) -> Result<Estimate> {
    let flat = options.into_flat();
    let work = move || flat.into_options().and_then(|options| options.estimate()).map(Estimate::from);
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::new(Status::GenericFailure, format!("the estimate task failed: {e}")))?
        .map_err(|e| coded(&e))
}
