//! Results as plain JavaScript objects: the core's JSON, field for field, camelCased.
//!
//! napi objects cannot be generic and JavaScript has no exact decimal, so each core type
//! has its mirror here: figures stay numbers, money and billable hours become decimal
//! strings (exact, as the CLI's `--json` prints them), and `u64` counters become numbers
//! (exact up to 2^53 - 1: nine quadrillion tokens, far beyond any training run).

use brightrun_core::config::{
    Advice as CoreAdvice, BaseModel as CoreBaseModel, GpuSelection as CoreGpuSelection, GpuSpec,
    Hyperparameters as CoreHyperparameters, ModelArchitecture as CoreArchitecture, PresetSummary,
};
use brightrun_core::estimate::{
    CostEstimate as CoreCost, DurationEstimate as CoreDuration, Estimate as CoreEstimate, FitSuggestion as CoreFit,
    FlopsPerToken as CoreFlops, MemoryBreakdown as CoreBreakdown, MemoryEstimate as CoreMemory, Spread,
    ThroughputSource,
};
use napi_derive::napi;

/// A `u64` counter as a JavaScript number.
fn count(n: u64) -> f64 {
    n as f64
}

/// A decimal (money, hours) as its exact text, the way the core serialises it.
fn decimal(value: impl std::fmt::Display) -> String {
    value.to_string()
}

/// One figure in three scenarios: the optimistic (low), expected and pessimistic (high).
#[napi(object)]
pub struct SpreadNumber {
    /// The optimistic case: shortest, smallest.
    pub low: f64,
    /// The most likely case.
    pub expected: f64,
    /// The pessimistic case: longest, largest.
    pub high: f64,
}

impl From<Spread<f64>> for SpreadNumber {
    fn from(s: Spread<f64>) -> Self {
        Self { low: s.low, expected: s.expected, high: s.high }
    }
}

/// An exact decimal (money in USD, billable hours) in three scenarios, as decimal strings.
#[napi(object)]
pub struct SpreadDecimal {
    /// The optimistic case: cheapest, shortest.
    pub low: String,
    /// The most likely case.
    pub expected: String,
    /// The pessimistic case: most expensive, longest.
    pub high: String,
}

impl<T: std::fmt::Display> From<Spread<T>> for SpreadDecimal {
    fn from(s: Spread<T>) -> Self {
        Self { low: decimal(s.low), expected: decimal(s.expected), high: decimal(s.high) }
    }
}

/// Everything that shapes one LoRA training run.
#[napi(object)]
pub struct Hyperparameters {
    /// Hugging Face id of the base model.
    pub base_model: String,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// Examples per micro-batch, across all GPUs.
    pub batch_size: u32,
    /// Passes over the training split.
    pub epochs: u32,
    /// LoRA rank.
    pub lora_rank: u32,
    /// LoRA alpha.
    pub lora_alpha: u32,
    /// LoRA dropout.
    pub lora_dropout: f64,
    /// Warmup steps.
    pub warmup_steps: u32,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Micro-batches per optimiser step.
    pub gradient_accumulation_steps: u32,
    /// Gradient clipping norm.
    pub max_grad_norm: f64,
    /// Longest example in tokens.
    pub max_seq_len: u32,
    /// Module names LoRA adapts.
    pub target_modules: Vec<String>,
    /// Storage of the frozen base weights.
    #[napi(ts_type = "'none' | '8bit' | '4bit'")]
    pub quantization: String,
    /// Recompute activations in the backward pass.
    pub gradient_checkpointing: bool,
}

impl From<CoreHyperparameters> for Hyperparameters {
    fn from(h: CoreHyperparameters) -> Self {
        Self {
            base_model: h.base_model,
            learning_rate: h.learning_rate,
            batch_size: h.batch_size,
            epochs: h.epochs,
            lora_rank: h.lora_rank,
            lora_alpha: h.lora_alpha,
            lora_dropout: h.lora_dropout,
            warmup_steps: h.warmup_steps,
            weight_decay: h.weight_decay,
            gradient_accumulation_steps: h.gradient_accumulation_steps,
            max_grad_norm: h.max_grad_norm,
            max_seq_len: h.max_seq_len,
            target_modules: h.target_modules,
            quantization: h.quantization.as_str().to_owned(),
            gradient_checkpointing: h.gradient_checkpointing,
        }
    }
}

/// The GPUs a job runs on: a kind, a count and the price per GPU-hour in USD.
#[napi(object)]
pub struct GpuSelection {
    /// Catalog name of the GPU.
    pub gpu_type: String,
    /// GPUs in the job.
    pub gpu_count: u32,
    /// Price per GPU-hour in USD, a decimal string.
    pub price_per_gpu_hour: String,
}

impl From<CoreGpuSelection> for GpuSelection {
    fn from(g: CoreGpuSelection) -> Self {
        Self { gpu_type: g.gpu_type, gpu_count: g.gpu_count, price_per_gpu_hour: decimal(g.price_per_gpu_hour) }
    }
}

/// The tokens a job trains on.
#[napi(object)]
pub struct TokenCounts {
    /// Tokens in one epoch.
    pub per_epoch: f64,
    /// Tokens over all epochs.
    pub total: f64,
}

/// Training FLOPs of one token, by part.
#[napi(object)]
pub struct FlopsPerToken {
    /// Through the frozen weights (forward, backward, recomputation).
    pub frozen_matmul: f64,
    /// Attention scores and values.
    pub attention: f64,
    /// The adapter.
    pub adapter: f64,
    /// The sum.
    pub total: f64,
}

impl From<CoreFlops> for FlopsPerToken {
    fn from(f: CoreFlops) -> Self {
        Self { frozen_matmul: f.frozen_matmul, attention: f.attention, adapter: f.adapter, total: f.total }
    }
}

/// The duration of a job in seconds, and what it is made of.
#[napi(object)]
pub struct DurationEstimate {
    /// From submission to the adapter being saved.
    pub total_seconds: SpreadNumber,
    /// In training steps.
    pub training_seconds: SpreadNumber,
    /// Scheduling, container start and initialisation.
    pub startup_seconds: SpreadNumber,
    /// Reading the base weights.
    pub model_load_seconds: SpreadNumber,
    /// Writing the adapter.
    pub save_seconds: SpreadNumber,
    /// Tokens trained on per second, all GPUs together.
    pub tokens_per_second: SpreadNumber,
    /// Tokens trained on: tokens per epoch x epochs.
    pub tokens_processed: f64,
    /// Training FLOPs of one token.
    pub flops_per_token: FlopsPerToken,
    /// Where `tokensPerSecond` came from.
    #[napi(ts_type = "'flops_model' | 'measured'")]
    pub throughput_source: String,
}

impl From<CoreDuration> for DurationEstimate {
    fn from(d: CoreDuration) -> Self {
        Self {
            total_seconds: d.total_seconds.into(),
            training_seconds: d.training_seconds.into(),
            startup_seconds: d.startup_seconds.into(),
            model_load_seconds: d.model_load_seconds.into(),
            save_seconds: d.save_seconds.into(),
            tokens_per_second: d.tokens_per_second.into(),
            tokens_processed: count(d.tokens_processed),
            flops_per_token: d.flops_per_token.into(),
            throughput_source: match d.throughput_source {
                ThroughputSource::FlopsModel => "flops_model",
                ThroughputSource::Measured => "measured",
            }
            .to_owned(),
        }
    }
}

/// The cost of a job in exact decimal US dollars (strings), and what it is made of.
#[napi(object)]
pub struct CostEstimate {
    /// Always `USD`.
    pub currency: String,
    /// Price per GPU-hour used.
    pub price_per_gpu_hour: String,
    /// GPUs billed.
    pub gpu_count: u32,
    /// Wall-clock hours billed, rounded up to 0.0001 h.
    pub billable_hours: SpreadDecimal,
    /// Billable hours x GPUs.
    pub gpu_hours: SpreadDecimal,
    /// Compute cost.
    pub compute: SpreadDecimal,
    /// Gigabytes stored (dataset and adapter).
    pub storage_gb: String,
    /// Storage cost.
    pub storage: String,
    /// Expected total: expected compute + storage.
    pub total: String,
    /// Total in the low, expected and high cases.
    pub total_range: SpreadDecimal,
}

impl From<CoreCost> for CostEstimate {
    fn from(c: CoreCost) -> Self {
        Self {
            currency: c.currency.to_owned(),
            price_per_gpu_hour: decimal(c.price_per_gpu_hour),
            gpu_count: c.gpu_count,
            billable_hours: c.billable_hours.into(),
            gpu_hours: c.gpu_hours.into(),
            compute: c.compute.into(),
            storage_gb: decimal(c.storage_gb),
            storage: decimal(c.storage),
            total: decimal(c.total),
            total_range: c.total_range.into(),
        }
    }
}

/// The memory one GPU needs, term by term, in GiB.
#[napi(object)]
pub struct MemoryBreakdown {
    /// Frozen base weights.
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

impl From<CoreBreakdown> for MemoryBreakdown {
    fn from(b: CoreBreakdown) -> Self {
        Self {
            weights_gb: b.weights_gb,
            adapter_gb: b.adapter_gb,
            activations_gb: b.activations_gb,
            logits_gb: b.logits_gb,
            overhead_gb: b.overhead_gb,
        }
    }
}

/// A change that makes a job fit in GPU memory.
#[napi(object)]
pub struct FitSuggestion {
    /// Stable code: `gradient_checkpointing`, `quantization_4bit`, `more_gpus`, ...
    pub code: String,
    /// The change, in words with the new value.
    pub change: String,
    /// GiB per GPU after the change.
    pub required_gb: f64,
}

impl From<CoreFit> for FitSuggestion {
    fn from(f: CoreFit) -> Self {
        Self { code: f.code.to_owned(), change: f.change, required_gb: f.required_gb }
    }
}

/// Whether a job fits in each GPU's memory, by how much, and what would make it fit.
#[napi(object)]
pub struct MemoryEstimate {
    /// GiB needed on each GPU.
    pub required_gb: f64,
    /// GiB each GPU has.
    pub available_gb: f64,
    /// Whether it fits.
    pub fits: bool,
    /// `availableGb - requiredGb`: negative when it does not fit.
    pub margin_gb: f64,
    /// The terms of `requiredGb`.
    pub breakdown: MemoryBreakdown,
    /// Changes that would make it fit (empty when it fits).
    pub suggestions: Vec<FitSuggestion>,
}

impl From<CoreMemory> for MemoryEstimate {
    fn from(m: CoreMemory) -> Self {
        Self {
            required_gb: m.required_gb,
            available_gb: m.available_gb,
            fits: m.fits,
            margin_gb: m.margin_gb,
            breakdown: m.breakdown.into(),
            suggestions: m.suggestions.into_iter().map(FitSuggestion::from).collect(),
        }
    }
}

/// A warning worth a look before starting.
#[napi(object)]
pub struct Advice {
    /// Stable code, e.g. `warmup_longer_than_run`.
    pub code: String,
    /// The field concerned.
    pub field: String,
    /// What was seen, with the numbers.
    pub message: String,
    /// Why it matters and what to do instead.
    pub reason: String,
}

impl From<CoreAdvice> for Advice {
    fn from(a: CoreAdvice) -> Self {
        Self { code: a.code.to_owned(), field: a.field.to_owned(), message: a.message, reason: a.reason }
    }
}

/// A complete estimate of a training job: time, money and memory, with warnings.
#[napi(object)]
pub struct Estimate {
    /// The base model.
    pub base_model: String,
    /// The GPUs priced.
    pub gpu: GpuSelection,
    /// The hyperparameters estimated (the preset with the overrides).
    pub hyperparameters: Hyperparameters,
    /// Tokens trained on.
    pub tokens: TokenCounts,
    /// Trainable adapter parameters.
    pub lora_parameters: f64,
    /// Wall-clock hours.
    pub duration_hours: SpreadNumber,
    /// The duration in detail.
    pub duration: DurationEstimate,
    /// The cost.
    pub cost: CostEstimate,
    /// The memory fit.
    pub memory: MemoryEstimate,
    /// Advice and problems worth a look before starting.
    pub warnings: Vec<Advice>,
}

impl From<CoreEstimate> for Estimate {
    fn from(e: CoreEstimate) -> Self {
        Self {
            base_model: e.base_model,
            gpu: e.gpu.into(),
            hyperparameters: e.hyperparameters.into(),
            tokens: TokenCounts { per_epoch: count(e.tokens.per_epoch), total: count(e.tokens.total) },
            lora_parameters: count(e.lora_parameters),
            duration_hours: e.duration_hours.into(),
            duration: e.duration.into(),
            cost: e.cost.into(),
            memory: e.memory.into(),
            warnings: e.warnings.into_iter().map(Advice::from).collect(),
        }
    }
}

/// A hyperparameter preset: its name, when to choose it, and its values.
#[napi(object)]
pub struct Preset {
    /// The preset's name.
    #[napi(ts_type = "'conservative' | 'balanced' | 'aggressive' | 'custom'")]
    pub name: String,
    /// When to choose it.
    pub description: String,
    /// Its values (the base model is empty: a preset is the same for every model).
    pub hyperparameters: Hyperparameters,
}

impl From<PresetSummary> for Preset {
    fn from(p: PresetSummary) -> Self {
        Self {
            name: p.name.as_str().to_owned(),
            description: p.description.to_owned(),
            hyperparameters: p.hyperparameters.into(),
        }
    }
}

/// A GPU of the catalog.
#[napi(object)]
pub struct Gpu {
    /// Catalog name (`A100-80GB`).
    pub name: String,
    /// Memory per GPU in GiB.
    pub memory_gb: f64,
    /// Dense bf16 tensor-core peak in TFLOP/s.
    pub bf16_tflops: f64,
    /// Memory bandwidth in GB/s.
    pub memory_bandwidth_gbps: f64,
    /// Default price per GPU-hour in USD, a decimal string.
    pub default_price_per_hour: String,
}

impl From<&GpuSpec> for Gpu {
    fn from(g: &GpuSpec) -> Self {
        Self {
            name: g.name.to_owned(),
            memory_gb: g.memory_gb,
            bf16_tflops: g.bf16_tflops,
            memory_bandwidth_gbps: g.memory_bandwidth_gbps,
            default_price_per_hour: decimal(g.default_price_per_hour),
        }
    }
}

/// The shape of a decoder-only transformer, as far as training cost and memory depend on it.
#[napi(object)]
pub struct ModelArchitecture {
    /// Total parameters, embeddings included.
    pub parameters: f64,
    /// Transformer blocks.
    pub layers: u32,
    /// Model width.
    pub hidden_size: u32,
    /// MLP inner width.
    pub intermediate_size: u32,
    /// Query heads.
    pub attention_heads: u32,
    /// Key/value heads.
    pub kv_heads: u32,
    /// Vocabulary size.
    pub vocab_size: u32,
    /// Longest context the model was trained for.
    pub context_length: u32,
    /// Whether the output head shares the embedding matrix.
    pub tied_embeddings: bool,
}

impl From<&CoreArchitecture> for ModelArchitecture {
    fn from(a: &CoreArchitecture) -> Self {
        Self {
            parameters: count(a.parameters),
            layers: a.layers,
            hidden_size: a.hidden_size,
            intermediate_size: a.intermediate_size,
            attention_heads: a.attention_heads,
            kv_heads: a.kv_heads,
            vocab_size: a.vocab_size,
            context_length: a.context_length,
            tied_embeddings: a.tied_embeddings,
        }
    }
}

/// A base model of the catalog.
#[napi(object)]
pub struct BaseModel {
    /// Hugging Face Hub id.
    pub id: String,
    /// Human name.
    pub display_name: String,
    /// The architecture.
    pub architecture: ModelArchitecture,
}

impl From<&CoreBaseModel> for BaseModel {
    fn from(m: &CoreBaseModel) -> Self {
        Self { id: m.id.to_owned(), display_name: m.display_name.to_owned(), architecture: (&m.architecture).into() }
    }
}
