//! Errors of the configuration concern: hyperparameters and catalogs.

use std::fmt;

use crate::error_code::{Code, ErrorCode};

/// One invalid field: its name, the value given and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field, as named in JSON and CLI flags (`batch_size`).
    pub field: &'static str,
    /// The value that was given, as text.
    pub value: String,
    /// What the field accepts (`1 to 512`).
    pub allowed: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: &'static str, value: impl Into<String>, allowed: impl Into<String>) -> Self {
        Self { field, value: value.into(), allowed: allowed.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {} (allowed: {})", self.field, self.value, self.allowed)
    }
}

/// Hyperparameters that cannot be trained with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HyperparameterError {
    /// One or more fields are out of range; every one of them is listed.
    #[error("invalid hyperparameters: {}", join(.0))]
    Invalid(Vec<FieldError>),
}

fn join(fields: &[FieldError]) -> String {
    fields.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl ErrorCode for HyperparameterError {
    fn error_code(&self) -> Code {
        Code::InvalidHyperparameters
    }
}

/// A GPU, base model or preset that the catalogs do not know, or a malformed architecture.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// No GPU of that name.
    #[error("unknown GPU `{name}`: choose one of {known}")]
    UnknownGpu {
        /// The name asked for.
        name: String,
        /// The known names, comma separated.
        known: String,
    },
    /// A GPU count outside 1 to 8.
    #[error("a job uses 1 to 8 GPUs, not {count}")]
    InvalidGpuCount {
        /// The count asked for.
        count: u32,
    },
    /// A price per GPU-hour that is negative or beyond any rental rate.
    #[error("a price per GPU-hour is from $0 to ${max}, not ${price}")]
    InvalidPrice {
        /// The price given.
        price: crate::model::Money,
        /// The highest price accepted.
        max: crate::model::Money,
    },
    /// No base model of that id, and no architecture was given for it.
    #[error(
        "unknown base model `{id}`: choose one of {known}, or describe its architecture \
         (a Hugging Face config.json)"
    )]
    UnknownBaseModel {
        /// The id asked for.
        id: String,
        /// The known ids, comma separated.
        known: String,
    },
    /// No preset of that name.
    #[error("unknown preset `{name}`: choose conservative, balanced, aggressive or custom")]
    UnknownPreset {
        /// The name asked for.
        name: String,
    },
    /// An architecture description that is incomplete or inconsistent.
    #[error("invalid model architecture: {reason}")]
    InvalidArchitecture {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A model `config.json` that cannot be read or is not JSON.
    #[error("cannot read {path}: {reason}")]
    UnreadableModelConfig {
        /// The path given.
        path: String,
        /// Why it could not be read or parsed.
        reason: String,
    },
}

impl ErrorCode for CatalogError {
    fn error_code(&self) -> Code {
        match self {
            CatalogError::UnknownGpu { .. } => Code::UnknownGpu,
            CatalogError::InvalidGpuCount { .. } => Code::InvalidGpuCount,
            CatalogError::InvalidPrice { .. } => Code::InvalidPrice,
            CatalogError::UnknownBaseModel { .. } => Code::UnknownBaseModel,
            CatalogError::UnknownPreset { .. } => Code::UnknownPreset,
            CatalogError::InvalidArchitecture { .. } => Code::InvalidArchitecture,
            CatalogError::UnreadableModelConfig { .. } => Code::UnreadableModelConfig,
        }
    }
}
