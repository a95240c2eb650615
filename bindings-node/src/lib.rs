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

/// mimalloc for the Rust side, as in the CLI: about twice as fast as the system allocator
/// for the validator's small allocations. Only this library's allocations use it; the
/// host's objects are built by copying, never freed across the boundary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod dataset;
mod options;
mod results;

use std::path::PathBuf;

use brightrun_core::config::{BASE_MODEL_CATALOG, GPU_CATALOG, Preset as CorePreset};
use brightrun_core::{Error as CoreError, ErrorCode};
use napi::{Error, Result, Status};
use napi_derive::napi;

pub use crate::dataset::{ConvertOptions, ConvertSummary, ValidateOptions, ValidationReport};
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
    blocking("estimate", work).await
}

/// Runs blocking core `work` on tokio's blocking pool; core errors become coded errors.
async fn blocking<T, F>(what: &str, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> std::result::Result<T, CoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::new(Status::GenericFailure, format!("the {what} task failed: {e}")))?
        .map_err(|e| coded(&e))
}

/// Validates a dataset file: the report of `brightrun validate --json`, from the same core.
/// Problems in the file are findings of the report (`valid` is false when one is an error),
/// a file that is not UTF-8 or of no known format included; the Promise rejects with a
/// `BrightRunError` only when the file cannot be opened or read (`dataset_not_found`,
/// `invalid_gzip`, ...), an option is out of range (`invalid_option`, `unknown_value`) or
/// the tokenizer cannot be loaded (`tokenizer_load_failed`).
#[napi]
pub async fn validate(path: String, options: Option<ValidateOptions>) -> Result<ValidationReport> {
    let flat = brightrun_core::dataset::FlatValidateOptions::from(options.unwrap_or_default());
    blocking("validate", move || flat.validate(&PathBuf::from(path), None).map(ValidationReport::from)).await
}

/// Converts a dataset into the `train.jsonl` and `validation.jsonl` the trainer reads, in
/// `outDir` (created if needed), as `brightrun convert --json` does. Records with errors
/// and conversations with nothing to train on are skipped and counted.
#[napi]
pub async fn convert(path: String, out_dir: String, options: Option<ConvertOptions>) -> Result<ConvertSummary> {
    let flat = brightrun_core::dataset::FlatConvertOptions::from(options.unwrap_or_default());
    let work = move || flat.convert(&PathBuf::from(path), &PathBuf::from(out_dir), None).map(ConvertSummary::from);
    blocking("convert", work).await
}
