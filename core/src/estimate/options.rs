//! An estimate described by flat options, the way every front end receives it: the CLI's
//! flags, the Python keyword arguments, the Node options object.
//!
//! [`EstimateOptions`] turns names and numbers into the core's types (the catalog's
//! architecture or a `config.json`, a preset with overrides, a GPU selection) and runs
//! [`estimate`](super::estimate). Every front end goes through it, so the CLI and the
//! bindings give the same estimate for the same inputs by construction.
//! [`FlatEstimateOptions`] is the same request as loosely typed front ends hold it (counts
//! as floats, names as text): the Python and Node bindings fill it, and its checked
//! conversion gives both the same error codes and messages.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Assumptions, DatasetSize, Estimate, EstimateError, EstimateRequest, estimate};
use crate::Error;
use crate::config::{
    BaseModel, CatalogError, FieldError, GpuSelection, HyperparameterError, HyperparameterOverrides, Hyperparameters,
    ModelArchitecture, Preset, Quantization,
};
use crate::model::Money;

/// Everything `brightrun estimate` takes, as plain values.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateOptions {
    /// Base model by Hugging Face id.
    pub base_model: String,
    /// The model's `config.json`, for a base model outside the catalog.
    pub model_config: Option<PathBuf>,
    /// GPU type, a catalog name.
    pub gpu: String,
    /// Number of GPUs, 1 to 8.
    pub gpus: u32,
    /// Price per GPU-hour, instead of the catalog default.
    pub price_per_gpu_hour: Option<Money>,
    /// Preset the hyperparameters start from.
    pub preset: Preset,
    /// Tokens in one epoch of the training split.
    pub tokens: u64,
    /// Training examples, for step-count advice and the average example length.
    pub examples: Option<u64>,
    /// Size of the dataset file in bytes, for the storage cost.
    pub dataset_bytes: u64,
    /// Tokens per second of one GPU measured on earlier jobs.
    pub measured_tokens_per_second: Option<f64>,
    /// Values that replace the preset's.
    pub overrides: HyperparameterOverrides,
}

impl EstimateOptions {
    /// Options with the CLI's defaults: one GPU at the catalog price, the `balanced` preset,
    /// no example count, no dataset bytes, no measured throughput, no overrides.
    pub fn new(base_model: impl Into<String>, gpu: impl Into<String>, tokens: u64) -> Self {
        Self {
            base_model: base_model.into(),
            model_config: None,
            gpu: gpu.into(),
            gpus: 1,
            price_per_gpu_hour: None,
            preset: Preset::Balanced,
            tokens,
            examples: None,
            dataset_bytes: 0,
            measured_tokens_per_second: None,
            overrides: HyperparameterOverrides::default(),
        }
    }

    /// The catalog's architecture of the base model, or the one its `config.json` describes.
    pub fn architecture(&self) -> Result<ModelArchitecture, CatalogError> {
        match &self.model_config {
            None => Ok(BaseModel::find(&self.base_model)?.architecture.clone()),
            Some(path) => read_model_config(path),
        }
    }

    /// The preset's hyperparameters for the base model (the smoke model's own for it), with
    /// the overrides applied: the values a job of these options trains with.
    pub fn hyperparameters(&self) -> Hyperparameters {
        self.preset.resolve(&self.base_model, &self.overrides).1
    }

    /// Estimates with the default [`Assumptions`].
    pub fn estimate(&self) -> Result<Estimate, Error> {
        self.estimate_with(&Assumptions::default())
    }

    /// Estimates with the host's own assumptions.
    pub fn estimate_with(&self, assumptions: &Assumptions) -> Result<Estimate, Error> {
        let architecture = self.architecture()?;
        let hyperparameters = self.hyperparameters();
        let gpu = GpuSelection::new(&self.gpu, self.gpus, self.price_per_gpu_hour)?;
        Ok(estimate(&EstimateRequest {
            architecture: &architecture,
            hyperparameters: &hyperparameters,
            gpu: &gpu,
            dataset: DatasetSize {
                tokens_per_epoch: self.tokens,
                training_examples: self.examples,
                dataset_bytes: self.dataset_bytes,
            },
            measured_tokens_per_second: self.measured_tokens_per_second,
            assumptions,
        })?)
    }
}

/// Reads a Hugging Face `config.json` into an architecture.
pub fn read_model_config(path: &Path) -> Result<ModelArchitecture, CatalogError> {
    let unreadable = |reason: &dyn std::fmt::Display| CatalogError::UnreadableModelConfig {
        path: path.display().to_string(),
        reason: reason.to_string(),
    };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(&e))?;
    let config = serde_json::from_str(&text).map_err(|e| unreadable(&e))?;
    ModelArchitecture::from_hf_config(&config)
}

/// Declares [`FlatEstimateOptions`] with one field a hyperparameter of the table.
macro_rules! flat_estimate_options {
    ($(#[doc = $doc:literal] $name:ident: $ty:ty, flat [$($flat:tt)+]
        $(, range $min:literal ..= $max:literal)? $(, ts $ts:literal)?;)+) => {
        /// An estimate's options the way front ends without Rust's types hold them: names and
        /// amounts as text, counts as numbers that may be floats (JSON, JavaScript, Python).
        ///
        /// Field names are [`EstimateOptions`]' and [`HyperparameterOverrides`]' (snake_case, as
        /// in JSON); everything but `base_model`, `gpu` and `tokens` is optional. The Python
        /// binding deserialises it from JSON, the Node binding fills it from its options object;
        /// [`FlatEstimateOptions::into_options`] checks and converts every field, so both report
        /// bad input with the same codes and messages.
        #[derive(Debug, Clone, PartialEq, Default, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(default, deny_unknown_fields)]
        pub struct FlatEstimateOptions {
            /// Base model by Hugging Face id.
            pub base_model: String,
            /// GPU type, a catalog name.
            pub gpu: String,
            /// Tokens in one epoch: a whole number.
            pub tokens: f64,
            /// Number of GPUs (default 1).
            pub gpus: Option<f64>,
            /// Preset name (default `balanced`).
            pub preset: Option<String>,
            /// Price per GPU-hour as decimal text (`"2.49"`).
            pub price_per_gpu_hour: Option<String>,
            /// Training examples.
            pub examples: Option<f64>,
            /// Dataset bytes (default 0).
            pub dataset_bytes: Option<f64>,
            /// Measured tokens per second of one GPU.
            pub measured_tokens_per_second: Option<f64>,
            /// Path of the model's `config.json`.
            pub model_config: Option<PathBuf>,
            $(#[doc = $doc] pub $name: Option<$($flat)+>,)+
        }

        impl FlatEstimateOptions {
            /// The core's options. Counts must be whole numbers (`invalid_number`); the preset,
            /// price and quantization are parsed by the core (`unknown_preset`, `invalid_money`,
            /// `invalid_hyperparameters`); ranges are checked later, by the estimate itself.
            pub fn into_options(self) -> Result<EstimateOptions, Error> {
                let u32_field = |field: &str, value: Option<f64>| value.map(|v| whole_u32(field, v)).transpose();
                let u64_field =
                    |field: &str, value: Option<f64>| value.map(|v| whole_number(field, v, MAX_SAFE_INTEGER)).transpose();
                Ok(EstimateOptions {
                    tokens: whole_number("tokens", self.tokens, MAX_SAFE_INTEGER)?,
                    gpus: u32_field("gpus", self.gpus)?.unwrap_or(1),
                    preset: self.preset.as_deref().map(str::parse::<Preset>).transpose()?.unwrap_or(Preset::Balanced),
                    price_per_gpu_hour: self.price_per_gpu_hour.as_deref().map(str::parse::<Money>).transpose()?,
                    examples: u64_field("examples", self.examples)?,
                    dataset_bytes: u64_field("dataset_bytes", self.dataset_bytes)?.unwrap_or(0),
                    measured_tokens_per_second: self.measured_tokens_per_second,
                    model_config: self.model_config,
                    overrides: HyperparameterOverrides {
                        $($name: self.$name.map(|value| FromFlat::from_flat(stringify!($name), value)).transpose()?,)+
                    },
                    base_model: self.base_model,
                    gpu: self.gpu,
                })
            }
        }
    };
}

crate::with_hyperparameters!(flat_estimate_options);

/// A hyperparameter's value from what a loosely typed front end holds (`F`).
trait FromFlat<F>: Sized {
    /// The value of `field`, or the error that names it.
    fn from_flat(field: &str, value: F) -> Result<Self, Error>;
}

/// Values that front ends hold as they are.
impl<T> FromFlat<T> for T {
    fn from_flat(_: &str, value: T) -> Result<Self, Error> {
        Ok(value)
    }
}

/// Counts: whole numbers (`invalid_number`).
impl FromFlat<f64> for u32 {
    fn from_flat(field: &str, value: f64) -> Result<Self, Error> {
        Ok(whole_u32(field, value)?)
    }
}

/// Quantization by name (`invalid_hyperparameters`).
impl FromFlat<String> for Quantization {
    fn from_flat(_: &str, name: String) -> Result<Self, Error> {
        Ok(parse_quantization(&name)?)
    }
}

/// A quantization by name (`none`, `8bit`, `4bit`, or an alias such as `qlora`), as an
/// `invalid_hyperparameters` error naming the field when it is none of them.
fn parse_quantization(name: &str) -> Result<Quantization, HyperparameterError> {
    name.parse().map_err(|_| {
        HyperparameterError::Invalid(vec![FieldError::new("quantization", format!("{name:?}"), "none, 8bit or 4bit")])
    })
}

/// The largest integer that a float (a JSON or JavaScript number) holds exactly: 2^53 - 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A float that must be a whole number from 0 to `max` (at most [`MAX_SAFE_INTEGER`]).
fn whole_number(field: &str, value: f64, max: u64) -> Result<u64, EstimateError> {
    let max = max.min(MAX_SAFE_INTEGER);
    // Every integer up to 2^53 is exactly representable, so the comparison and the cast are exact.
    let whole = value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= max as f64;
    if whole { Ok(value as u64) } else { Err(EstimateError::InvalidNumber { field: field.to_owned(), value, max }) }
}

/// [`whole_number`] for a field that holds a `u32`.
fn whole_u32(field: &str, value: f64) -> Result<u32, EstimateError> {
    let max = u64::from(u32::MAX);
    let n = whole_number(field, value, max)?;
    u32::try_from(n).map_err(|_| EstimateError::InvalidNumber { field: field.to_owned(), value, max })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn defaults_are_the_clis() {
        let options = EstimateOptions::new("mistralai/Mistral-7B-v0.1", "A6000-48GB", 1_000_000);
        assert_eq!((options.gpus, options.preset, options.dataset_bytes), (1, Preset::Balanced, 0));
        assert_eq!(options.hyperparameters(), Preset::Balanced.hyperparameters("mistralai/Mistral-7B-v0.1"));
        let estimate = options.estimate().unwrap();
        assert_eq!(estimate.gpu.price_per_gpu_hour.to_string(), "0.49");
    }

    #[test]
    fn overrides_replace_only_what_they_name() {
        let mut options = EstimateOptions::new("m", "A100-80GB", 1);
        options.preset = Preset::Conservative;
        options.overrides.lora_rank = Some(64);
        options.overrides.quantization = Some(Quantization::Nf4);
        options.overrides.gradient_checkpointing = Some(false);
        let hp = options.hyperparameters();
        let mut expected = Preset::Conservative.hyperparameters("m");
        (expected.lora_rank, expected.quantization, expected.gradient_checkpointing) = (64, Quantization::Nf4, false);
        assert_eq!(hp, expected);
    }

    #[test]
    fn errors_carry_the_codes_of_their_concern() {
        let code = |options: EstimateOptions| options.estimate().unwrap_err().code();
        assert_eq!(code(EstimateOptions::new("gpt2", "A100-80GB", 1)), "unknown_base_model");
        assert_eq!(code(EstimateOptions::new("Qwen/Qwen3-8B", "RTX-4090", 1)), "unknown_gpu");
        assert_eq!(code(EstimateOptions::new("Qwen/Qwen3-8B", "A100-80GB", 0)), "no_tokens");
        let mut options = EstimateOptions::new("Qwen/Qwen3-8B", "A100-80GB", 1);
        options.overrides.batch_size = Some(0);
        assert_eq!(code(options), "invalid_hyperparameters");
        let mut options = EstimateOptions::new("Qwen/Qwen3-8B", "A100-80GB", 1);
        options.model_config = Some(PathBuf::from("/nonexistent/config.json"));
        assert_eq!(code(options), "unreadable_model_config");
    }

    #[test]
    fn a_model_config_file_describes_a_model_outside_the_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"hidden_size": 2048, "num_attention_heads": 16, "num_hidden_layers": 16,
                "intermediate_size": 8192, "vocab_size": 32000, "max_position_embeddings": 4096}"#,
        )
        .unwrap();
        let mut options = EstimateOptions::new("my-org/my-1b", "A6000-48GB", 1_000_000);
        options.model_config = Some(path.clone());
        assert_eq!(options.estimate().unwrap().base_model, "my-org/my-1b");
        std::fs::write(&path, "not json").unwrap();
        let err = options.estimate().unwrap_err();
        assert_eq!(err.code(), "unreadable_model_config");
        assert!(err.to_string().contains("config.json"), "{err}");
    }

    #[test]
    fn quantization_names_parse_with_a_coded_error() {
        assert_eq!(parse_quantization("QLoRA").unwrap(), Quantization::Nf4);
        let err = parse_quantization("3bit").unwrap_err();
        assert_eq!(err.code(), "invalid_hyperparameters");
        assert!(err.to_string().contains("quantization = \"3bit\" (allowed: none, 8bit or 4bit)"), "{err}");
    }

    #[test]
    fn whole_numbers_reject_what_a_count_cannot_hold() {
        assert_eq!(whole_number("tokens", 4_200_000.0, MAX_SAFE_INTEGER).unwrap(), 4_200_000);
        assert_eq!(whole_number("tokens", 9_007_199_254_740_991.0, u64::MAX).unwrap(), MAX_SAFE_INTEGER);
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 9_007_199_254_740_992.0] {
            let err = whole_number("tokens", bad, u64::MAX).unwrap_err();
            assert_eq!(err.code(), "invalid_number", "{bad}");
        }
        assert_eq!(whole_u32("batch_size", 8.0).unwrap(), 8);
        let err = whole_u32("batch_size", 4_294_967_296.0).unwrap_err();
        assert!(err.to_string().starts_with("`batch_size` must be a whole number from 0 to 4294967295"), "{err}");
    }

    fn flat(json: serde_json::Value) -> Result<EstimateOptions, Error> {
        serde_json::from_value::<FlatEstimateOptions>(json).unwrap().into_options()
    }

    #[test]
    fn flat_options_convert_to_the_same_options_the_cli_builds() {
        let options = flat(serde_json::json!({
            "base_model": "Qwen/Qwen3-8B", "gpu": "A100-80GB", "tokens": 4.2e6, "gpus": 2, "preset": "Aggressive",
            "price_per_gpu_hour": "$1.10", "examples": 2000, "dataset_bytes": 9500000,
            "lora_rank": 64, "quantization": "qlora", "gradient_checkpointing": false,
            "target_modules": ["q_proj"], "model_config": null
        }))
        .unwrap();
        let mut expected = EstimateOptions::new("Qwen/Qwen3-8B", "A100-80GB", 4_200_000);
        expected.gpus = 2;
        expected.preset = Preset::Aggressive;
        expected.price_per_gpu_hour = Some("1.10".parse().unwrap());
        (expected.examples, expected.dataset_bytes) = (Some(2000), 9_500_000);
        expected.overrides.lora_rank = Some(64);
        expected.overrides.quantization = Some(Quantization::Nf4);
        expected.overrides.gradient_checkpointing = Some(false);
        expected.overrides.target_modules = Some(vec!["q_proj".into()]);
        assert_eq!(options, expected);
    }

    #[test]
    fn flat_options_report_bad_input_with_the_cores_codes() {
        let code = |extra: serde_json::Value| {
            let mut json = serde_json::json!({"base_model": "Qwen/Qwen3-8B", "gpu": "A100-80GB", "tokens": 1});
            json.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            flat(json).unwrap_err().code()
        };
        assert_eq!(code(serde_json::json!({"tokens": -1})), "invalid_number");
        assert_eq!(code(serde_json::json!({"batch_size": 2.5})), "invalid_number");
        assert_eq!(code(serde_json::json!({"gpus": 1e10})), "invalid_number");
        assert_eq!(code(serde_json::json!({"preset": "turbo"})), "unknown_preset");
        assert_eq!(code(serde_json::json!({"price_per_gpu_hour": "cheap"})), "invalid_money");
        assert_eq!(code(serde_json::json!({"quantization": "3bit"})), "invalid_hyperparameters");
        assert!(serde_json::from_value::<FlatEstimateOptions>(serde_json::json!({"lerning_rate": 1})).is_err());
    }
}
