//! How long a job takes: training time from tokens and FLOPs, plus fixed overheads.
//!
//! `training seconds = tokens x epochs x FLOPs per token /
//!  (peak x utilisation x quantisation factor x effective GPUs)`,
//! or `tokens x epochs / (measured tokens/s per GPU x effective GPUs)` when a throughput
//! measured on finished jobs is supplied. Then `+ start-up + model load + save`, where the
//! model load reads the bf16 checkpoint (`2 bytes x parameters`) at the load bandwidth.

use serde::Serialize;

use super::assumptions::Assumptions;
use super::flops::FlopsPerToken;
use super::spread::Spread;
use crate::config::{GpuSpec, ModelArchitecture, Quantization};

/// Where the throughput figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ThroughputSource {
    /// Computed from FLOPs, the GPU's peak and the utilisation assumption.
    FlopsModel,
    /// A throughput measured on earlier jobs of this model on this GPU.
    Measured,
}

/// The duration of a job and what it is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DurationEstimate {
    /// Wall-clock seconds from submission to the adapter being saved.
    pub total_seconds: Spread<f64>,
    /// Seconds spent in training steps.
    pub training_seconds: Spread<f64>,
    /// Scheduling, container start and initialisation.
    pub startup_seconds: Spread<f64>,
    /// Reading the base weights.
    pub model_load_seconds: Spread<f64>,
    /// Writing the adapter.
    pub save_seconds: Spread<f64>,
    /// Tokens trained on per second, all GPUs together.
    pub tokens_per_second: Spread<f64>,
    /// Tokens trained on: tokens per epoch x epochs.
    pub tokens_processed: u64,
    /// Training FLOPs of one token.
    pub flops_per_token: FlopsPerToken,
    /// Where `tokens_per_second` came from.
    pub throughput_source: ThroughputSource,
}

/// The inputs of the duration model.
#[derive(Debug, Clone, Copy)]
pub struct DurationInputs<'a> {
    /// The base model.
    pub architecture: &'a ModelArchitecture,
    /// The GPU kind.
    pub gpu: &'a GpuSpec,
    /// GPUs in the job.
    pub gpu_count: u32,
    /// Base-weight storage.
    pub quantization: Quantization,
    /// Tokens trained on, all epochs.
    pub tokens_processed: u64,
    /// FLOPs of one token.
    pub flops_per_token: FlopsPerToken,
    /// Measured tokens/s of one GPU, overriding the FLOPs model.
    pub measured_tokens_per_second: Option<f64>,
    /// Bytes of the adapter to save.
    pub adapter_bytes: u64,
}

const BYTES_PER_GB: f64 = 1e9;
const BF16_BYTES: f64 = 2.0;

/// Estimates the duration of a job.
pub fn estimate_duration(inputs: &DurationInputs<'_>, assumptions: &Assumptions) -> DurationEstimate {
    let effective_gpus = assumptions.effective_gpus(inputs.gpu_count);
    let (per_gpu, throughput_source) = match inputs.measured_tokens_per_second {
        Some(measured) => {
            let spread = assumptions.measured_throughput_spread;
            (Spread::new(measured * (1.0 + spread), measured, measured * (1.0 - spread)), ThroughputSource::Measured)
        }
        None => {
            let factor = assumptions.quantization_throughput_factor(inputs.quantization);
            let peak_flops = inputs.gpu.bf16_tflops * 1e12;
            let per_gpu = assumptions
                .utilization
                .map(|utilization| peak_flops * utilization * factor / inputs.flops_per_token.total);
            (per_gpu, ThroughputSource::FlopsModel)
        }
    };
    let tokens_per_second = per_gpu.map(|t| t * effective_gpus);
    let tokens = inputs.tokens_processed as f64;
    let training_seconds = tokens_per_second.map(|tps| tokens / tps);
    let checkpoint_gb = inputs.architecture.parameters as f64 * BF16_BYTES / BYTES_PER_GB;
    let model_load_seconds = assumptions.load_bandwidth_gb_per_s.map(|bandwidth| checkpoint_gb / bandwidth);
    let adapter_gb = inputs.adapter_bytes as f64 / BYTES_PER_GB;
    let save_seconds =
        assumptions.load_bandwidth_gb_per_s.map(|bandwidth| assumptions.save_fixed_seconds + adapter_gb / bandwidth);
    let startup_seconds = assumptions.startup_seconds;
    let total_seconds = training_seconds
        .zip(startup_seconds, |a, b| a + b)
        .zip(model_load_seconds, |a, b| a + b)
        .zip(save_seconds, |a, b| a + b);
    DurationEstimate {
        total_seconds,
        training_seconds,
        startup_seconds,
        model_load_seconds,
        save_seconds,
        tokens_per_second,
        tokens_processed: inputs.tokens_processed,
        flops_per_token: inputs.flops_per_token,
        throughput_source,
    }
}
