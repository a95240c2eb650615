//! Whether a job fits in GPU memory, and what would make it fit.
//!
//! Per GPU, in GiB:
//! - **weights**: transformer blocks at the chosen precision (bf16 2 bytes, 8-bit 1 byte,
//!   NF4 4.127 bits with double quantisation, Dettmers et al., 2023, sec. 3) plus the input
//!   embedding and output head, which bitsandbytes leaves in bf16; sharded over the GPUs
//!   (FSDP or a device map);
//! - **adapter**: trainable parameters in fp32 with their gradient and two AdamW moments,
//!   16 bytes each;
//! - **activations**: for a micro-batch of `b` sequences of `s` tokens, a Llama-style block
//!   keeps about `7h + 3kv + 4i` bf16 values per token (norm inputs and outputs, q/k/v
//!   before and after rotary embedding, attention output, gate, up, SiLU and product; flash
//!   attention stores no score matrix) — Korthikanti et al., 2022, eq. 2, adapted to gated
//!   MLPs and grouped-query attention. With gradient checkpointing only each block's input
//!   (`h` values) is kept, plus one block recomputed at a time. LoRA dropout keeps a masked
//!   copy of every target module's input. The logits add `b x s x vocab x 10` bytes (bf16
//!   logits, their fp32 upcast for the loss, and its gradient);
//! - **overhead**: a fixed CUDA context and workspace, plus a fraction for fragmentation.

use serde::Serialize;

use super::assumptions::Assumptions;
use crate::config::{GpuSpec, Hyperparameters, ModelArchitecture, Quantization};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const BF16_BYTES: f64 = 2.0;
/// Bytes per adapter parameter while training: fp32 weight, gradient, AdamW m and v.
const ADAPTER_TRAINING_BYTES: f64 = 16.0;
/// Bytes per logit element across the bf16 logits, the fp32 upcast and its gradient.
const LOGIT_BYTES: f64 = 10.0;

/// Bytes per block parameter at a quantisation.
pub fn bytes_per_parameter(quantization: Quantization) -> f64 {
    match quantization {
        Quantization::None => BF16_BYTES,
        // Row-wise absmax scales add a negligible fp32 per row.
        Quantization::Int8 => 1.0,
        // 4 bits + 0.127 bits of double-quantised block constants.
        Quantization::Nf4 => 4.127 / 8.0,
    }
}

/// The memory one GPU needs, term by term, in GiB.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemoryBreakdown {
    /// Frozen base weights on this GPU.
    pub weights_gb: f64,
    /// Adapter weights, gradients and optimiser state.
    pub adapter_gb: f64,
    /// Activations kept for the backward pass.
    pub activations_gb: f64,
    /// Logits and their gradient.
    pub logits_gb: f64,
    /// CUDA context, workspaces and fragmentation.
    pub overhead_gb: f64,
}

impl MemoryBreakdown {
    /// The sum of the terms.
    pub fn total_gb(&self) -> f64 {
        self.weights_gb + self.adapter_gb + self.activations_gb + self.logits_gb + self.overhead_gb
    }
}

/// The shape of the job as far as memory depends on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryInputs<'a> {
    /// The base model.
    pub architecture: &'a ModelArchitecture,
    /// The hyperparameters (batch, sequence, quantisation, checkpointing, dropout).
    pub hyperparameters: &'a Hyperparameters,
    /// GPUs sharing the weights and the batch.
    pub gpu_count: u32,
    /// Trainable adapter parameters.
    pub lora_parameters: u64,
    /// Summed input width of the target modules of one block.
    pub lora_input_width: u64,
}

/// The memory one GPU needs for this job.
pub fn memory_breakdown(inputs: &MemoryInputs<'_>, assumptions: &Assumptions) -> MemoryBreakdown {
    let arch = inputs.architecture;
    let hp = inputs.hyperparameters;
    let gpus = f64::from(inputs.gpu_count.max(1));
    let weights = arch.block_parameters() as f64 * bytes_per_parameter(hp.quantization)
        + arch.embedding_parameters() as f64 * BF16_BYTES;
    let adapter = inputs.lora_parameters as f64 * ADAPTER_TRAINING_BYTES;

    let micro_batch = f64::from(hp.batch_size.div_ceil(inputs.gpu_count.max(1)));
    let tokens = micro_batch * f64::from(hp.max_seq_len);
    let hidden = f64::from(arch.hidden_size);
    let full_block_values = 7.0 * hidden + 3.0 * arch.kv_dim() as f64 + 4.0 * f64::from(arch.intermediate_size);
    let dropout_values = if hp.lora_dropout > 0.0 { inputs.lora_input_width as f64 } else { 0.0 };
    let layers = f64::from(arch.layers);
    let per_token_values = if hp.gradient_checkpointing {
        layers * hidden + full_block_values + dropout_values
    } else {
        layers * (full_block_values + dropout_values)
    };
    let activations = tokens * per_token_values * BF16_BYTES;
    let logits = tokens * f64::from(arch.vocab_size) * LOGIT_BYTES;

    let computed_gb = (weights / gpus + adapter + activations + logits) / GIB;
    MemoryBreakdown {
        weights_gb: weights / gpus / GIB,
        adapter_gb: adapter / GIB,
        activations_gb: activations / GIB,
        logits_gb: logits / GIB,
        overhead_gb: assumptions.memory_fixed_overhead_gb + computed_gb * assumptions.memory_fragmentation,
    }
}

/// A single change that makes a job fit, with what it would then need.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FitSuggestion {
    /// Stable code: `gradient_checkpointing`, `quantization_4bit`, `quantization_8bit`,
    /// `more_gpus`, `smaller_batch`, `shorter_sequences`, `larger_gpu`.
    pub code: &'static str,
    /// The change, in words with the new value.
    pub change: String,
    /// GiB per GPU after the change.
    pub required_gb: f64,
}

/// Whether the job fits, by how much, and what would make it fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemoryEstimate {
    /// GiB needed on each GPU.
    pub required_gb: f64,
    /// GiB each GPU has.
    pub available_gb: f64,
    /// Whether `required_gb` fits in `available_gb`.
    pub fits: bool,
    /// `available_gb - required_gb`: negative when it does not fit.
    pub margin_gb: f64,
    /// The terms of `required_gb`.
    pub breakdown: MemoryBreakdown,
    /// Changes that would make it fit (empty when it fits).
    pub suggestions: Vec<FitSuggestion>,
}

/// Estimates the memory of a job on `gpu`, with suggestions when it does not fit.
pub fn estimate_memory(inputs: &MemoryInputs<'_>, gpu: &GpuSpec, assumptions: &Assumptions) -> MemoryEstimate {
    let breakdown = memory_breakdown(inputs, assumptions);
    let required_gb = breakdown.total_gb();
    let available_gb = gpu.memory_gb;
    let fits = required_gb <= available_gb;
    let suggestions = if fits { Vec::new() } else { suggest(inputs, gpu, assumptions) };
    MemoryEstimate { required_gb, available_gb, fits, margin_gb: available_gb - required_gb, breakdown, suggestions }
}

/// Tries each single change in turn and keeps those that fit.
fn suggest(inputs: &MemoryInputs<'_>, gpu: &GpuSpec, assumptions: &Assumptions) -> Vec<FitSuggestion> {
    let hp = inputs.hyperparameters;
    let need = |hp: &Hyperparameters, gpu_count: u32| {
        memory_breakdown(&MemoryInputs { hyperparameters: hp, gpu_count, ..*inputs }, assumptions).total_gb()
    };
    let fits = |gb: f64| gb <= gpu.memory_gb;
    let mut suggestions = Vec::new();
    let mut push = |code: &'static str, change: String, required_gb: f64| {
        suggestions.push(FitSuggestion { code, change, required_gb });
    };

    if !hp.gradient_checkpointing {
        let changed = Hyperparameters { gradient_checkpointing: true, ..hp.clone() };
        let gb = need(&changed, inputs.gpu_count);
        if fits(gb) {
            push("gradient_checkpointing", "turn on gradient checkpointing".into(), gb);
        }
    }
    for (quantization, code) in [(Quantization::Int8, "quantization_8bit"), (Quantization::Nf4, "quantization_4bit")] {
        if bytes_per_parameter(quantization) >= bytes_per_parameter(hp.quantization) {
            continue;
        }
        let changed = Hyperparameters { quantization, ..hp.clone() };
        if let Some((batch, gb)) = largest_batch(&changed, |h| need(h, inputs.gpu_count), fits) {
            let change = if batch == hp.batch_size {
                format!("load the base model in {quantization} (QLoRA for 4bit)")
            } else {
                format!("load the base model in {quantization} with batch size {batch}")
            };
            push(code, change, gb);
        }
    }
    if let Some((count, gb)) = (inputs.gpu_count + 1..=crate::config::MAX_GPUS_PER_JOB)
        .map(|count| (count, need(hp, count)))
        .find(|(_, gb)| fits(*gb))
    {
        push("more_gpus", format!("use {count} {} GPUs", gpu.name), gb);
    }
    if let Some((batch, gb)) = largest_batch(hp, |h| need(h, inputs.gpu_count), fits)
        && batch < hp.batch_size
    {
        let accumulation = hp.gradient_accumulation_steps * hp.batch_size.div_ceil(batch);
        push(
            "smaller_batch",
            format!("batch size {batch} with gradient accumulation {accumulation} (same effective batch)"),
            gb,
        );
    }
    let mut seq = hp.max_seq_len / 2;
    while seq >= 256 {
        let changed = Hyperparameters { max_seq_len: seq, ..hp.clone() };
        let gb = need(&changed, inputs.gpu_count);
        if fits(gb) {
            push("shorter_sequences", format!("max sequence length {seq} (longer examples are truncated)"), gb);
            break;
        }
        seq /= 2;
    }
    let current = need(hp, inputs.gpu_count);
    if let Some(larger) = crate::config::GPU_CATALOG
        .iter()
        .filter(|other| current <= other.memory_gb)
        .min_by(|a, b| a.memory_gb.total_cmp(&b.memory_gb))
    {
        push("larger_gpu", format!("use {} GPUs", larger.name), current);
    }
    suggestions
}

/// The largest batch size not above the current one for which `need` fits, halving.
fn largest_batch(
    hp: &Hyperparameters,
    need: impl Fn(&Hyperparameters) -> f64,
    fits: impl Fn(f64) -> bool,
) -> Option<(u32, f64)> {
    let mut batch = hp.batch_size;
    while batch >= 1 {
        let changed = Hyperparameters { batch_size: batch, ..hp.clone() };
        let gb = need(&changed);
        if fits(gb) {
            return Some((batch, gb));
        }
        batch /= 2;
    }
    None
}
