//! Estimates of duration, cost and GPU memory: pure functions of the model, the
//! hyperparameters, the GPUs and the dataset's token count.
//!
//! Every figure comes with its breakdown, and every constant behind it is an
//! [`Assumptions`] field a host can override. The formulas and their sources are in each
//! module's documentation and in `docs/estimation.md`.

mod assumptions;
mod cost;
mod duration;
mod error;
mod flops;
mod lora;
mod memory;
mod options;
mod spread;

pub use crate::config::HyperparameterOverrides;
pub use assumptions::Assumptions;
pub use cost::{BILLABLE_HOUR_DECIMALS, CostEstimate, billable_hours, compute_cost, estimate_cost};
pub use duration::{DurationEstimate, DurationInputs, ThroughputSource, estimate_duration};
pub use error::EstimateError;
pub use flops::{FlopsPerToken, flops_per_token};
pub use lora::{ADAPTER_BYTES_PER_PARAMETER, adapter_bytes, lora_input_width, lora_parameters};
pub use memory::{
    FitSuggestion, MemoryBreakdown, MemoryEstimate, MemoryInputs, bytes_per_parameter, estimate_memory,
    memory_breakdown,
};
pub use options::{EstimateOptions, FlatEstimateOptions, MAX_SAFE_INTEGER, read_model_config};
pub use spread::Spread;

use serde::Serialize;

use crate::config::{Advice, DatasetProfile, GpuSelection, Hyperparameters, ModelArchitecture, advise};

/// The longest duration an estimate gives, in hours: the most ten-thousandths of an hour
/// (the billing unit) a float counts exactly, 2^53 - 1 of them (about 100 million years).
/// A longer or non-finite duration comes from inputs out of scale (a throughput near zero)
/// and is [`EstimateError::OutOfRange`].
pub const MAX_ESTIMATED_HOURS: f64 = 9_007_199_254_740_991.0 / 10_000.0;

/// What the dataset contributes to an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DatasetSize {
    /// Tokens in one epoch of the training split (every token the model reads).
    pub tokens_per_epoch: u64,
    /// Training examples, when known: enables advice that depends on the step count and
    /// uses the average example length for attention cost.
    pub training_examples: Option<u64>,
    /// Bytes of the dataset file, for the storage cost.
    pub dataset_bytes: u64,
}

/// Everything an estimate is made from.
#[derive(Debug, Clone, Copy)]
pub struct EstimateRequest<'a> {
    /// The base model's architecture (from the catalog or a `config.json`).
    pub architecture: &'a ModelArchitecture,
    /// Validated before estimating.
    pub hyperparameters: &'a Hyperparameters,
    /// GPU kind, count and price.
    pub gpu: &'a GpuSelection,
    /// The dataset.
    pub dataset: DatasetSize,
    /// Tokens per second of one GPU measured on earlier jobs of this model on this GPU; it
    /// overrides the FLOPs model.
    pub measured_tokens_per_second: Option<f64>,
    /// The constants of the models.
    pub assumptions: &'a Assumptions,
}

/// The tokens a job trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenCounts {
    /// Tokens in one epoch.
    pub per_epoch: u64,
    /// Tokens over all epochs.
    pub total: u64,
}

/// A complete estimate: time, money and memory, with warnings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Estimate {
    /// The base model, as given in the hyperparameters.
    pub base_model: String,
    /// The GPUs priced.
    pub gpu: GpuSelection,
    /// The hyperparameters estimated.
    pub hyperparameters: Hyperparameters,
    /// Tokens trained on.
    pub tokens: TokenCounts,
    /// Trainable adapter parameters.
    pub lora_parameters: u64,
    /// Wall-clock hours, low / expected / high.
    pub duration_hours: Spread<f64>,
    /// The duration in detail.
    pub duration: DurationEstimate,
    /// The cost.
    pub cost: CostEstimate,
    /// The memory fit.
    pub memory: MemoryEstimate,
    /// Advice and problems worth a look before starting.
    pub warnings: Vec<Advice>,
}

/// Estimates the duration, cost and memory of a job.
pub fn estimate(request: &EstimateRequest<'_>) -> Result<Estimate, EstimateError> {
    let hp = request.hyperparameters;
    hp.validate()?;
    let gpu_spec = request.gpu.validate()?;
    if request.dataset.tokens_per_epoch == 0 {
        return Err(EstimateError::NoTokens);
    }
    if let Some(value) = request.measured_tokens_per_second
        && !(value.is_finite() && value > 0.0)
    {
        return Err(EstimateError::InvalidThroughput { value });
    }
    let architecture = request.architecture;
    let lora_parameters = lora_parameters(architecture, hp)?;
    let adapter_bytes = adapter_bytes(lora_parameters);
    let tokens = TokenCounts {
        per_epoch: request.dataset.tokens_per_epoch,
        total: request.dataset.tokens_per_epoch.saturating_mul(u64::from(hp.epochs)),
    };
    let context = average_context(request.dataset, hp);
    let flops = flops_per_token(architecture, hp, lora_parameters, context);
    let duration = estimate_duration(
        &DurationInputs {
            architecture,
            gpu: gpu_spec,
            gpu_count: request.gpu.gpu_count,
            quantization: hp.quantization,
            tokens_processed: tokens.total,
            flops_per_token: flops,
            measured_tokens_per_second: request.measured_tokens_per_second,
            adapter_bytes,
        },
        request.assumptions,
    );
    let hours = duration.total_seconds.map(|s| s / 3600.0);
    if ![hours.low, hours.expected, hours.high].iter().all(|h| (0.0..=MAX_ESTIMATED_HOURS).contains(h)) {
        return Err(EstimateError::OutOfRange { what: "duration" });
    }
    let cost = estimate_cost(
        duration.total_seconds,
        request.gpu,
        request.dataset.dataset_bytes.saturating_add(adapter_bytes),
        request.assumptions,
    )?;
    let memory = estimate_memory(
        &MemoryInputs {
            architecture,
            hyperparameters: hp,
            gpu_count: request.gpu.gpu_count,
            lora_parameters,
            lora_input_width: lora_input_width(architecture, hp),
        },
        gpu_spec,
        request.assumptions,
    );
    let warnings = warnings(request, &memory);
    Ok(Estimate {
        base_model: hp.base_model.clone(),
        gpu: request.gpu.clone(),
        hyperparameters: hp.clone(),
        tokens,
        lora_parameters,
        duration_hours: hours,
        duration,
        cost,
        memory,
        warnings,
    })
}

/// The average example length when the example count is known, else the maximum.
fn average_context(dataset: DatasetSize, hp: &Hyperparameters) -> f64 {
    let max = f64::from(hp.max_seq_len);
    match dataset.training_examples {
        Some(examples) if examples > 0 => (dataset.tokens_per_epoch as f64 / examples as f64).min(max),
        _ => max,
    }
}

fn warnings(request: &EstimateRequest<'_>, memory: &MemoryEstimate) -> Vec<Advice> {
    let hp = request.hyperparameters;
    let mut warnings = Vec::new();
    if !memory.fits {
        let options = memory.suggestions.iter().map(|s| s.change.as_str()).collect::<Vec<_>>();
        warnings.push(Advice {
            code: "does_not_fit",
            field: "gpu",
            message: format!(
                "needs {:.1} GiB per GPU but a {} has {:.0} GiB",
                memory.required_gb, request.gpu.gpu_type, memory.available_gb
            ),
            reason: if options.is_empty() {
                "nothing in reach makes it fit: choose a smaller base model".into()
            } else {
                format!("the job would run out of memory; any of these fits: {}", options.join("; "))
            },
        });
    }
    if hp.max_seq_len > request.architecture.context_length {
        warnings.push(Advice {
            code: "sequence_beyond_context",
            field: "max_seq_len",
            message: format!(
                "max sequence length {} exceeds the model's context of {} tokens",
                hp.max_seq_len, request.architecture.context_length
            ),
            reason: "positions beyond the trained context degrade quality; lower max_seq_len".into(),
        });
    }
    if let Some(examples) = request.dataset.training_examples {
        warnings.extend(advise(hp, &DatasetProfile { training_examples: examples }));
    }
    warnings
}

#[cfg(test)]
mod tests;
