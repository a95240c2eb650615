//! Configuration: hyperparameters and their ranges, presets, dataset-aware advice, and the
//! GPU and base-model catalogs.

mod advice;
mod base_model;
mod error;
mod gpu;
mod hyperparameters;
mod presets;

pub use advice::{Advice, DatasetProfile, advise};
pub use base_model::{BASE_MODEL_CATALOG, BaseModel, ModelArchitecture, SMOKE_MODEL_ID};
pub use error::{CatalogError, FieldError, HyperparameterError};
pub use gpu::{GPU_CATALOG, GpuSelection, GpuSpec, MAX_GPUS_PER_JOB, MAX_PRICE_PER_GPU_HOUR};
pub use hyperparameters::{
    AllowedRange, DEFAULT_TARGET_MODULES, HYPERPARAMETERS, HyperparameterOverrides, HyperparameterSpec,
    Hyperparameters, Quantization, ValueKind,
};
pub use presets::{Preset, PresetSummary};
