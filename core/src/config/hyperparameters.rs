//! Training hyperparameters and their allowed ranges.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::{FieldError, HyperparameterError};

/// How the frozen base weights are stored on the GPU during training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Quantization {
    /// bf16 weights (2 bytes a parameter): plain LoRA.
    #[default]
    None,
    /// 8-bit weights (bitsandbytes LLM.int8, about 1 byte a parameter).
    #[serde(rename = "8bit")]
    Int8,
    /// 4-bit NF4 weights with double quantisation (QLoRA, about 0.52 bytes a parameter).
    #[serde(rename = "4bit")]
    Nf4,
}

impl Quantization {
    /// Every variant, in order of decreasing precision.
    pub const ALL: [Quantization; 3] = [Quantization::None, Quantization::Int8, Quantization::Nf4];

    /// The name used in flags and JSON: `none`, `8bit`, `4bit`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Quantization::None => "none",
            Quantization::Int8 => "8bit",
            Quantization::Nf4 => "4bit",
        }
    }
}

impl fmt::Display for Quantization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Quantization {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "bf16" => Ok(Quantization::None),
            "8bit" | "int8" => Ok(Quantization::Int8),
            "4bit" | "nf4" | "qlora" => Ok(Quantization::Nf4),
            _ => Err(format!("unknown quantization `{s}`: use none, 8bit or 4bit")),
        }
    }
}

/// Everything that shapes one LoRA training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Hyperparameters {
    /// Hugging Face Hub id (or local directory) of the base model.
    pub base_model: String,
    /// Peak learning rate of the schedule.
    pub learning_rate: f64,
    /// Examples per micro-batch, across all GPUs of the job.
    pub batch_size: u32,
    /// Passes over the training split.
    pub epochs: u32,
    /// LoRA rank `r`.
    pub lora_rank: u32,
    /// LoRA scaling numerator `alpha` (the update is scaled by `alpha / r`).
    pub lora_alpha: u32,
    /// Dropout applied to the LoRA input.
    pub lora_dropout: f64,
    /// Optimiser steps of linear learning-rate warmup.
    pub warmup_steps: u32,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Micro-batches accumulated into one optimiser step.
    pub gradient_accumulation_steps: u32,
    /// Gradient clipping norm.
    pub max_grad_norm: f64,
    /// Longest example in tokens; longer ones are truncated by the trainer.
    pub max_seq_len: u32,
    /// Module names LoRA adapts (`q_proj`, `v_proj`, ...).
    pub target_modules: Vec<String>,
    /// Storage of the frozen base weights.
    pub quantization: Quantization,
    /// Recompute activations in the backward pass to save memory.
    pub gradient_checkpointing: bool,
}

/// The allowed range of every numeric hyperparameter, as shown in error messages and docs.
pub mod ranges {
    use std::ops::RangeInclusive;

    /// Learning rate.
    pub const LEARNING_RATE: RangeInclusive<f64> = 1e-7..=1e-2;
    /// Batch size.
    pub const BATCH_SIZE: RangeInclusive<u32> = 1..=512;
    /// Epochs.
    pub const EPOCHS: RangeInclusive<u32> = 1..=100;
    /// LoRA rank.
    pub const LORA_RANK: RangeInclusive<u32> = 1..=512;
    /// LoRA alpha.
    pub const LORA_ALPHA: RangeInclusive<u32> = 1..=1024;
    /// LoRA dropout.
    pub const LORA_DROPOUT: RangeInclusive<f64> = 0.0..=0.5;
    /// Warmup steps.
    pub const WARMUP_STEPS: RangeInclusive<u32> = 0..=100_000;
    /// Weight decay.
    pub const WEIGHT_DECAY: RangeInclusive<f64> = 0.0..=1.0;
    /// Gradient accumulation steps.
    pub const GRADIENT_ACCUMULATION_STEPS: RangeInclusive<u32> = 1..=1024;
    /// Maximum gradient norm.
    pub const MAX_GRAD_NORM: RangeInclusive<f64> = 0.01..=100.0;
    /// Maximum sequence length.
    pub const MAX_SEQ_LEN: RangeInclusive<u32> = 64..=262_144;
    /// Number of target modules.
    pub const TARGET_MODULES: RangeInclusive<usize> = 1..=32;
}

/// The target modules used when none are given: the attention projections of
/// Llama-, Mistral- and Qwen-style models, as in the LoRA paper.
pub const DEFAULT_TARGET_MODULES: [&str; 4] = ["q_proj", "k_proj", "v_proj", "o_proj"];

impl Hyperparameters {
    /// Checks every field and returns *all* that are invalid, each with its allowed range.
    pub fn validate(&self) -> Result<(), HyperparameterError> {
        let mut errors = Vec::new();
        if self.base_model.trim().is_empty() {
            errors.push(FieldError::new(
                "base_model",
                "\"\"",
                "a Hugging Face model id such as mistralai/Mistral-7B-v0.1",
            ));
        }
        check_float(&mut errors, "learning_rate", self.learning_rate, ranges::LEARNING_RATE);
        check_int(&mut errors, "batch_size", self.batch_size, ranges::BATCH_SIZE);
        check_int(&mut errors, "epochs", self.epochs, ranges::EPOCHS);
        check_int(&mut errors, "lora_rank", self.lora_rank, ranges::LORA_RANK);
        check_int(&mut errors, "lora_alpha", self.lora_alpha, ranges::LORA_ALPHA);
        check_float(&mut errors, "lora_dropout", self.lora_dropout, ranges::LORA_DROPOUT);
        check_int(&mut errors, "warmup_steps", self.warmup_steps, ranges::WARMUP_STEPS);
        check_float(&mut errors, "weight_decay", self.weight_decay, ranges::WEIGHT_DECAY);
        check_int(
            &mut errors,
            "gradient_accumulation_steps",
            self.gradient_accumulation_steps,
            ranges::GRADIENT_ACCUMULATION_STEPS,
        );
        check_float(&mut errors, "max_grad_norm", self.max_grad_norm, ranges::MAX_GRAD_NORM);
        check_int(&mut errors, "max_seq_len", self.max_seq_len, ranges::MAX_SEQ_LEN);
        self.check_target_modules(&mut errors);
        if errors.is_empty() { Ok(()) } else { Err(HyperparameterError::Invalid(errors)) }
    }

    /// Examples consumed by one optimiser step.
    pub fn effective_batch_size(&self) -> u64 {
        u64::from(self.batch_size) * u64::from(self.gradient_accumulation_steps)
    }

    fn check_target_modules(&self, errors: &mut Vec<FieldError>) {
        let count = self.target_modules.len();
        if !ranges::TARGET_MODULES.contains(&count) {
            errors.push(FieldError::new(
                "target_modules",
                format!("{count} modules"),
                describe_range(&ranges::TARGET_MODULES),
            ));
        }
        for module in &self.target_modules {
            let valid = !module.is_empty()
                && module.len() <= 64
                && module.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !valid {
                errors.push(FieldError::new(
                    "target_modules",
                    format!("{module:?}"),
                    "module names of letters, digits, `_` and `.` (at most 64), e.g. q_proj",
                ));
            }
        }
    }
}

fn describe_range<T: fmt::Display>(range: &RangeInclusive<T>) -> String {
    format!("{} to {}", range.start(), range.end())
}

fn check_int(errors: &mut Vec<FieldError>, field: &'static str, value: u32, range: RangeInclusive<u32>) {
    if !range.contains(&value) {
        errors.push(FieldError::new(field, value.to_string(), describe_range(&range)));
    }
}

fn check_float(errors: &mut Vec<FieldError>, field: &'static str, value: f64, range: RangeInclusive<f64>) {
    // `contains` is false for NaN, so a NaN is reported like any other out-of-range value.
    if !range.contains(&value) {
        errors.push(FieldError::new(field, value.to_string(), describe_range(&range)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::error::ErrorCode;

    fn balanced() -> Hyperparameters {
        Preset::Balanced.hyperparameters("mistralai/Mistral-7B-v0.1")
    }

    #[test]
    fn presets_are_valid() {
        for preset in Preset::NAMED {
            preset.hyperparameters("m").validate().unwrap();
        }
    }

    #[test]
    fn every_invalid_field_is_reported_with_its_range() {
        let mut hp = balanced();
        hp.learning_rate = f64::NAN;
        hp.batch_size = 0;
        hp.epochs = 1_000;
        hp.lora_dropout = 0.9;
        hp.max_seq_len = 8;
        hp.target_modules = vec!["q_proj".into(), "../etc".into()];
        let err = hp.validate().unwrap_err();
        assert_eq!(err.code(), "invalid_hyperparameters");
        let HyperparameterError::Invalid(fields) = &err;
        let names: Vec<&str> = fields.iter().map(|f| f.field).collect();
        assert_eq!(names, ["learning_rate", "batch_size", "epochs", "lora_dropout", "max_seq_len", "target_modules"]);
        let message = err.to_string();
        assert!(message.contains("batch_size = 0 (allowed: 1 to 512)"), "{message}");
        assert!(message.contains("epochs = 1000 (allowed: 1 to 100)"), "{message}");
    }

    #[test]
    fn empty_target_modules_and_base_model_are_invalid() {
        let mut hp = balanced();
        hp.base_model = " ".into();
        hp.target_modules.clear();
        let HyperparameterError::Invalid(fields) = hp.validate().unwrap_err();
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn quantization_names_round_trip() {
        for q in Quantization::ALL {
            assert_eq!(q.as_str().parse::<Quantization>().unwrap(), q);
            assert_eq!(serde_json::to_string(&q).unwrap(), format!("\"{q}\""));
        }
        assert!("3bit".parse::<Quantization>().is_err());
    }
}
