//! Errors of the estimation concern.

use crate::config::{CatalogError, HyperparameterError};
use crate::error_code::{Code, ErrorCode};

/// An estimate that cannot be made from its inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    /// The hyperparameters are invalid; every bad field is listed.
    #[error(transparent)]
    Hyperparameters(#[from] HyperparameterError),
    /// The GPU is not in the catalog, or the count is out of range.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A LoRA target module that the architecture does not have.
    #[error(
        "target module `{module}` is not a linear layer of a Llama-, Mistral- or Qwen-style model; \
         use q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj or down_proj"
    )]
    UnknownTargetModule {
        /// The module name given.
        module: String,
    },
    /// No tokens to train on.
    #[error("the dataset has no tokens to train on: pass the token count of its training split")]
    NoTokens,
    /// A measured throughput that is not a positive number.
    #[error("measured throughput must be a positive number of tokens per second per GPU, not {value}")]
    InvalidThroughput {
        /// The value given.
        value: f64,
    },
    /// A figure of the estimate that no sensible job reaches (a duration of more than
    /// [`MAX_ESTIMATED_HOURS`](super::MAX_ESTIMATED_HOURS), an amount beyond what a decimal
    /// holds): the inputs are wrong, most often a throughput or price typed out of scale.
    #[error("the estimated {what} is out of range: check the throughput, price and sizes given")]
    OutOfRange {
        /// Which figure (`duration`, `compute cost`, ...).
        what: &'static str,
    },
    /// A count given as a number that is not a whole number a count can hold (negative,
    /// fractional, not finite, or too large); front ends whose numbers are floats (JSON,
    /// JavaScript) report their input this way.
    #[error("`{field}` must be a whole number from 0 to {max}, not {value}")]
    InvalidNumber {
        /// The option, as the caller named it.
        field: String,
        /// The value given.
        value: f64,
        /// The largest value accepted.
        max: u64,
    },
}

impl ErrorCode for EstimateError {
    fn error_code(&self) -> Code {
        match self {
            EstimateError::Hyperparameters(e) => e.error_code(),
            EstimateError::Catalog(e) => e.error_code(),
            EstimateError::UnknownTargetModule { .. } => Code::UnknownTargetModule,
            EstimateError::NoTokens => Code::NoTokens,
            EstimateError::InvalidThroughput { .. } => Code::InvalidThroughput,
            EstimateError::InvalidNumber { .. } => Code::InvalidNumber,
            EstimateError::OutOfRange { .. } => Code::EstimateOutOfRange,
        }
    }
}
