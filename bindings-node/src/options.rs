//! The options object of `estimate`, as JavaScript passes it.

use std::path::PathBuf;

use brightrun_core::estimate::FlatEstimateOptions;
use napi::Either;
use napi_derive::napi;

/// What to estimate: the CLI's `brightrun estimate` flags, camelCased. Hyperparameters
/// given here replace the preset's values.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct EstimateOptions {
    /// Base model by Hugging Face id (see `baseModels()`).
    pub base_model: String,
    /// GPU type (see `gpus()`).
    pub gpu: String,
    /// Tokens in one epoch of the training split: a whole number.
    pub tokens: f64,
    /// Number of GPUs, 1 to 8 (default 1).
    pub gpus: Option<f64>,
    /// Preset the hyperparameters start from (default `balanced`).
    #[napi(ts_type = "'conservative' | 'balanced' | 'aggressive' | 'custom'")]
    pub preset: Option<String>,
    /// Your price per GPU-hour in USD, instead of the catalog's: a decimal string such as
    /// `"2.49"` (exact), or a number (taken as its shortest decimal form).
    pub price_per_gpu_hour: Option<Either<String, f64>>,
    /// Training examples, for step-count advice and the average example length.
    pub examples: Option<f64>,
    /// Size of the dataset file in bytes, for the storage cost (default 0).
    pub dataset_bytes: Option<f64>,
    /// Tokens per second of one GPU measured on earlier jobs; overrides the FLOPs model.
    pub measured_tokens_per_second: Option<f64>,
    /// Path of the model's `config.json`, for a base model outside the catalog.
    pub model_config: Option<String>,
    /// Peak learning rate.
    pub learning_rate: Option<f64>,
    /// Examples per micro-batch.
    pub batch_size: Option<f64>,
    /// Passes over the training split.
    pub epochs: Option<f64>,
    /// LoRA rank.
    pub lora_rank: Option<f64>,
    /// LoRA alpha.
    pub lora_alpha: Option<f64>,
    /// LoRA dropout.
    pub lora_dropout: Option<f64>,
    /// Warmup steps.
    pub warmup_steps: Option<f64>,
    /// AdamW weight decay.
    pub weight_decay: Option<f64>,
    /// Micro-batches accumulated into one optimiser step.
    pub gradient_accumulation_steps: Option<f64>,
    /// Gradient clipping norm.
    pub max_grad_norm: Option<f64>,
    /// Longest example in tokens.
    pub max_seq_len: Option<f64>,
    /// Module names LoRA adapts, e.g. `['q_proj', 'v_proj']`.
    pub target_modules: Option<Vec<String>>,
    /// Storage of the frozen base weights: bf16, 8-bit, or 4-bit NF4 (QLoRA).
    #[napi(ts_type = "'none' | '8bit' | '4bit'")]
    pub quantization: Option<String>,
    /// Recompute activations in the backward pass to save memory.
    pub gradient_checkpointing: Option<bool>,
}

impl EstimateOptions {
    /// The core's flat options, which check and convert every field with the core's codes.
    pub fn into_flat(self) -> FlatEstimateOptions {
        FlatEstimateOptions {
            base_model: self.base_model,
            gpu: self.gpu,
            tokens: self.tokens,
            gpus: self.gpus,
            preset: self.preset,
            price_per_gpu_hour: self.price_per_gpu_hour.map(|price| match price {
                Either::A(text) => text,
                // Rust prints the shortest decimal that reads back as the same float, as JS does.
                Either::B(number) => number.to_string(),
            }),
            examples: self.examples,
            dataset_bytes: self.dataset_bytes,
            measured_tokens_per_second: self.measured_tokens_per_second,
            model_config: self.model_config.map(PathBuf::from),
            learning_rate: self.learning_rate,
            batch_size: self.batch_size,
            epochs: self.epochs,
            lora_rank: self.lora_rank,
            lora_alpha: self.lora_alpha,
            lora_dropout: self.lora_dropout,
            warmup_steps: self.warmup_steps,
            weight_decay: self.weight_decay,
            gradient_accumulation_steps: self.gradient_accumulation_steps,
            max_grad_norm: self.max_grad_norm,
            max_seq_len: self.max_seq_len,
            target_modules: self.target_modules,
            quantization: self.quantization,
            gradient_checkpointing: self.gradient_checkpointing,
        }
    }
}
