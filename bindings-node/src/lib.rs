//! Node bindings of BrightRun: the native addon under the npm package `brightrun`.
//!
//! The package's JS layer (`index.js`, `lib/`) is the public API; this addon does the work
//! and answers in the core's own JSON, which the JS layer reads into camelCase objects with
//! tables generated from the core's schema (`scripts/generate-types`), so no result type is
//! restated here.
//!
//! - **Results cross as JSON text**: the bytes `brightrun ... --json` prints. Money stays
//!   an exact decimal string; counters become numbers (exact up to 2^53 - 1).
//! - **Errors carry the core's code in their message**, `[code] message`: napi cannot give
//!   an async rejection its own `code`, so the JS layer parses it back out.
//! - **Anything that does I/O returns a Promise**; the in-memory catalogs are synchronous.
//! - **The client is [`client::NativeClient`]**: the core service by operation name
//!   (`brightrun_core::service::operations`, shared with the Python binding), the
//!   background orchestrator, and streamed dataset uploads ([`upload::NativeUpload`]).
//!
//! Functions whose JS wrapper has another signature (JSON in, typed objects out) are
//! `skip_typescript`: `dts-header.d.ts` declares what the JS layer exports.

/// mimalloc for the Rust side, as in the CLI: about twice as fast as the system allocator
/// for the validator's small allocations. Only this library's allocations use it; the
/// host's objects are built by copying, never freed across the boundary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod client;
mod errors;
mod options;
mod upload;

use std::path::PathBuf;

use brightrun_core::config::{BASE_MODEL_CATALOG, GPU_CATALOG, HYPERPARAMETERS, Preset as CorePreset};
use brightrun_core::dataset::{FlatConvertOptions, FlatValidateOptions};
use napi::Result;
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

pub use crate::client::{NativeClient, open_client};
use crate::errors::{blocking, to_json};
pub use crate::options::{ConvertOptions, EstimateOptions, ValidateOptions};
pub use crate::upload::NativeUpload;

/// The hyperparameter presets, as the JSON of `brightrun presets --json`.
#[napi(skip_typescript)]
pub fn presets() -> Result<String> {
    to_json(&CorePreset::summaries())
}

/// The GPU catalog, as the JSON of `brightrun gpus --json`.
#[napi(skip_typescript)]
pub fn gpus() -> Result<String> {
    to_json(&GPU_CATALOG)
}

/// The base-model catalog, as the JSON of `brightrun base-models --json`.
#[napi(skip_typescript)]
pub fn base_models() -> Result<String> {
    to_json(&BASE_MODEL_CATALOG)
}

/// The hyperparameters a job may set, as the JSON of `brightrun hyperparameters --json`.
#[napi(skip_typescript)]
pub fn hyperparameters() -> Result<String> {
    to_json(&HYPERPARAMETERS)
}

/// The estimate of `brightrun estimate --json`, from the same core; rejects with the
/// core's code (`unknown_gpu`, `invalid_hyperparameters`, ...).
#[napi(skip_typescript)]
pub async fn estimate(options: EstimateOptions) -> Result<String> {
    let flat = options.into_flat();
    let estimate = blocking("estimate", move || flat.into_options().and_then(|options| options.estimate())).await?;
    to_json(&estimate)
}

/// A dataset as JS gives it, owned by the task that reads it.
enum Source {
    /// The path of a file.
    Path(PathBuf),
    /// The dataset's bytes (copied out of the JS buffer).
    Bytes(Vec<u8>),
}

impl From<Either<String, Buffer>> for Source {
    fn from(source: Either<String, Buffer>) -> Self {
        match source {
            Either::A(path) => Source::Path(PathBuf::from(path)),
            Either::B(bytes) => Source::Bytes(bytes.to_vec()),
        }
    }
}

/// The report of `brightrun validate --json` for the dataset `source`: the path of a file,
/// or the dataset's bytes (records the JS layer wrote as JSON Lines, or a file's content).
/// Problems in the data are findings; the Promise rejects when it cannot be read, an
/// option is out of range or the tokenizer cannot be loaded.
#[napi(skip_typescript)]
pub async fn validate(source: Either<String, Buffer>, options: Option<ValidateOptions>) -> Result<String> {
    let flat = FlatValidateOptions::from(options.unwrap_or_default());
    let source = Source::from(source);
    let report = blocking("validate", move || match source {
        Source::Path(path) => flat.validate(&path, None),
        Source::Bytes(bytes) => flat.validate_bytes(&bytes, None),
    })
    .await?;
    to_json(&report)
}

/// The summary of `brightrun convert --json`: `train.jsonl` and `validation.jsonl` in
/// `outDir` (created if needed), from the dataset `source` (a path, or bytes).
#[napi(skip_typescript)]
pub async fn convert(
    source: Either<String, Buffer>,
    out_dir: String,
    options: Option<ConvertOptions>,
) -> Result<String> {
    let flat = FlatConvertOptions::from(options.unwrap_or_default());
    let (source, out_dir) = (Source::from(source), PathBuf::from(out_dir));
    let summary = blocking("convert", move || match source {
        Source::Path(path) => flat.convert(&path, &out_dir, None),
        Source::Bytes(bytes) => flat.convert_bytes(&bytes, &out_dir, None),
    })
    .await?;
    to_json(&summary)
}

/// The format of a dataset from its first bytes, as the validator recognises it; `null`
/// when they show none. Unless `complete` (the whole file), only whole lines are read.
#[napi(skip_typescript)]
pub async fn detect_format(head: napi::bindgen_prelude::Uint8Array, complete: bool) -> Result<Option<String>> {
    let head = head.to_vec();
    let work = move || {
        let whole_lines = head.iter().rposition(|&b| b == b'\n').map_or(head.len(), |i| i + 1);
        let end = if complete { head.len() } else { whole_lines };
        let options = brightrun_core::dataset::FlatValidateOptions { min_examples: Some(0.0), ..Default::default() }
            .to_options(None)?;
        let options = brightrun_core::dataset::ValidateOptions { count_tokens: false, ..options };
        let counter = brightrun_core::dataset::EstimatedTokenCounter;
        Ok(brightrun_core::dataset::validate(std::io::Cursor::new(&head[..end]), &options, &counter)
            .map_err(brightrun_core::Error::from)?
            .format)
    };
    Ok(blocking("detect_format", work).await?.map(|format| format.to_string()))
}
