//! The options objects of `estimate`, `validate` and `convert`, as JavaScript passes them.
//!
//! They stay napi objects (not JSON) so that napi checks their JS types and a `NaN` or a
//! fraction reaches the core's checks, which report it with the core's codes.

use std::path::PathBuf;

use brightrun_core::dataset::{FlatConvertOptions, FlatValidateOptions};
use brightrun_core::estimate::FlatEstimateOptions;
use napi::Either;
use napi_derive::napi;

/// Declares [`EstimateOptions`] with one option a hyperparameter of the core's table.
macro_rules! estimate_options {
    ($(#[doc = $doc:literal] $name:ident: $ty:ty, flat [$($flat:tt)+]
        $(, range $min:literal ..= $max:literal)? $(, ts $ts:literal)?;)+) => {
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
            $(#[doc = $doc] $(#[napi(ts_type = $ts)])? pub $name: Option<$($flat)+>,)+
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
                    $($name: self.$name,)+
                }
            }
        }
    };
}

brightrun_core::with_hyperparameters!(estimate_options);

/// How to validate: the CLI's `brightrun validate` flags, camelCased.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// The format, instead of recognising it from the first records.
    #[napi(ts_type = "DatasetFormat")]
    pub format: Option<String>,
    /// A Hugging Face model id (found in the local caches) or the path of a
    /// `tokenizer.json`, to count tokens exactly; tokens are estimated without one.
    pub tokenizer: Option<String>,
    /// Report conversations longer than this many tokens (default 2048).
    pub max_seq_len: Option<f64>,
    /// Fewer training examples than this is an error (default 10).
    pub min_examples: Option<f64>,
}

impl From<ValidateOptions> for FlatValidateOptions {
    fn from(o: ValidateOptions) -> Self {
        Self { format: o.format, tokenizer: o.tokenizer, max_seq_len: o.max_seq_len, min_examples: o.min_examples }
    }
}

/// How to convert: the CLI's `brightrun convert` flags, camelCased.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// Share of the conversations without a `split` of their own that go to validation,
    /// chosen by a hash of their content: 0 (the default) to 1 excluded.
    pub validation_fraction: Option<f64>,
    /// The format, instead of recognising it from the first records.
    #[napi(ts_type = "DatasetFormat")]
    pub format: Option<String>,
}

impl From<ConvertOptions> for FlatConvertOptions {
    fn from(o: ConvertOptions) -> Self {
        Self { format: o.format, validation_fraction: o.validation_fraction }
    }
}
