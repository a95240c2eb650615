//! # brightrun-core
//!
//! The control plane for LoRA fine-tuning, as an embeddable library: the domain model of
//! datasets, training jobs, metrics, artifacts, costs and notifications; the hyperparameter,
//! GPU and base-model catalogs with presets; and the estimators of duration, cost and GPU
//! memory; the [`store`] that keeps the records in SQLite or PostgreSQL; the [`blob`] store of
//! dataset and model files.
//!
//! The core never creates a tokio runtime and never prints: it logs through `tracing`, and
//! every fallible operation returns an error that carries a stable [`ErrorCode`].

pub mod backend;
pub mod blob;
pub mod config;
pub mod dataset;
pub mod error;
pub mod error_code;
pub mod estimate;
pub mod model;
pub mod orchestrator;
pub(crate) mod private_files;
pub mod service;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod testing;

pub use error::Error;
pub use error_code::ErrorCode;
