//! `brightrun estimate`: duration, cost and memory of a job before it runs.

use std::path::PathBuf;

use brightrun_core::config::{Preset, Quantization};
use brightrun_core::estimate::{Estimate, EstimateOptions, HyperparameterOverrides};
use brightrun_core::model::Money;
use clap::Args;

use crate::error::CliError;
use crate::output::print_json;

/// Flags of `brightrun estimate`. Hyperparameter flags override the preset.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Base model by Hugging Face id (see `brightrun base-models`).
    #[arg(long)]
    base_model: String,
    /// The model's `config.json`, for a base model outside the catalog.
    #[arg(long, value_name = "PATH")]
    model_config: Option<PathBuf>,
    /// GPU type (see `brightrun gpus`).
    #[arg(long)]
    gpu: String,
    /// Number of GPUs, 1 to 8.
    #[arg(long, default_value_t = 1)]
    gpus: u32,
    /// Your price per GPU-hour in USD, instead of the catalog default.
    #[arg(long, value_name = "USD")]
    price_per_gpu_hour: Option<Money>,
    /// Preset to start from.
    #[arg(long, default_value = "balanced")]
    preset: Preset,
    /// Tokens in one epoch of the training split.
    #[arg(long)]
    tokens: u64,
    /// Training examples, for step-count advice and the average example length.
    #[arg(long)]
    examples: Option<u64>,
    /// Size of the dataset file in bytes, for the storage cost.
    #[arg(long, default_value_t = 0)]
    dataset_bytes: u64,
    /// Tokens per second of one GPU measured on earlier jobs; overrides the FLOPs model.
    #[arg(long)]
    measured_tokens_per_second: Option<f64>,
    #[command(flatten)]
    overrides: HyperparameterFlags,
    /// Print one JSON object instead of a report.
    #[arg(long)]
    json: bool,
}

/// Flags named after the hyperparameter fields; each overrides the preset's value (also
/// taken by `brightrun train`).
#[derive(Debug, Args)]
pub struct HyperparameterFlags {
    #[arg(long)]
    learning_rate: Option<f64>,
    #[arg(long)]
    batch_size: Option<u32>,
    #[arg(long)]
    epochs: Option<u32>,
    #[arg(long)]
    lora_rank: Option<u32>,
    #[arg(long)]
    lora_alpha: Option<u32>,
    #[arg(long)]
    lora_dropout: Option<f64>,
    #[arg(long)]
    warmup_steps: Option<u32>,
    #[arg(long)]
    weight_decay: Option<f64>,
    #[arg(long)]
    gradient_accumulation_steps: Option<u32>,
    #[arg(long)]
    max_grad_norm: Option<f64>,
    #[arg(long)]
    max_seq_len: Option<u32>,
    /// Comma-separated module names, e.g. q_proj,v_proj.
    #[arg(long, value_delimiter = ',')]
    target_modules: Option<Vec<String>>,
    /// none, 8bit or 4bit (QLoRA).
    #[arg(long)]
    quantization: Option<Quantization>,
    /// Turn gradient checkpointing on (the presets' default).
    #[arg(long, conflicts_with = "no_gradient_checkpointing")]
    gradient_checkpointing: bool,
    /// Turn gradient checkpointing off.
    #[arg(long)]
    no_gradient_checkpointing: bool,
}

impl HyperparameterFlags {
    /// The flags given, as the core's overrides.
    pub fn overrides(&self) -> HyperparameterOverrides {
        let gradient_checkpointing = match (self.gradient_checkpointing, self.no_gradient_checkpointing) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        HyperparameterOverrides {
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
            target_modules: self.target_modules.clone(),
            quantization: self.quantization,
            gradient_checkpointing,
        }
    }
}

impl EstimateArgs {
    /// The flags as the core's flat options, the same the Python and Node bindings build.
    fn options(&self) -> EstimateOptions {
        EstimateOptions {
            base_model: self.base_model.clone(),
            model_config: self.model_config.clone(),
            gpu: self.gpu.clone(),
            gpus: self.gpus,
            price_per_gpu_hour: self.price_per_gpu_hour,
            preset: self.preset,
            tokens: self.tokens,
            examples: self.examples,
            dataset_bytes: self.dataset_bytes,
            measured_tokens_per_second: self.measured_tokens_per_second,
            overrides: self.overrides.overrides(),
        }
    }
}

/// Runs `brightrun estimate`.
pub fn run(args: &EstimateArgs) -> Result<(), CliError> {
    let result = args.options().estimate()?;
    if args.json {
        print_json(&result)
    } else {
        print!("{}", report(&result, args.preset));
        Ok(())
    }
}

/// The human-readable report (also printed by `brightrun train`).
pub fn report(e: &Estimate, preset: Preset) -> String {
    let h = &e.hyperparameters;
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!(
        "{} on {} x {} (preset {preset}, rank {}, batch {}, seq {}, {}, quantization {})",
        e.base_model,
        e.gpu.gpu_count,
        e.gpu.gpu_type,
        h.lora_rank,
        h.batch_size,
        h.max_seq_len,
        if h.gradient_checkpointing { "checkpointing" } else { "no checkpointing" },
        h.quantization,
    ));
    line(format!(
        "Tokens     {} per epoch x {} epochs = {}; {} trainable adapter parameters",
        e.tokens.per_epoch, h.epochs, e.tokens.total, e.lora_parameters
    ));
    let d = &e.duration_hours;
    line(format!(
        "Duration   {:.2} h expected ({:.2} - {:.2} h) at {:.0} tokens/s",
        d.expected, d.low, d.high, e.duration.tokens_per_second.expected
    ));
    let c = &e.cost;
    line(format!(
        "Cost       ${} expected (${} - ${}) = {} GPU-hours x ${}/GPU-hour + ${} storage",
        c.total.round_to_cents(),
        c.total_range.low.round_to_cents(),
        c.total_range.high.round_to_cents(),
        c.gpu_hours.expected,
        c.price_per_gpu_hour,
        c.storage.round_to_cents(),
    ));
    let m = &e.memory;
    let b = &m.breakdown;
    line(format!(
        "Memory     {:.1} of {:.0} GiB per GPU: {} (weights {:.1}, adapter {:.1}, activations {:.1}, logits {:.1}, overhead {:.1})",
        m.required_gb,
        m.available_gb,
        if m.fits { format!("fits, {:.1} GiB spare", m.margin_gb) } else { "DOES NOT FIT".to_owned() },
        b.weights_gb,
        b.adapter_gb,
        b.activations_gb,
        b.logits_gb,
        b.overhead_gb,
    ));
    for suggestion in &m.suggestions {
        line(format!("  to fit: {} ({:.1} GiB)", suggestion.change, suggestion.required_gb));
    }
    for warning in &e.warnings {
        line(format!("warning[{}]: {}: {}", warning.code, warning.message, warning.reason));
    }
    out
}
