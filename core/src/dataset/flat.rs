//! Validation and conversion options as the bindings receive them: JSON from Python, a
//! JavaScript object from Node. Both bindings hand these to the core, so they check their
//! arguments with the same codes and run the same validation as `brightrun validate`.

use std::path::Path;

use serde::Deserialize;

use super::convert::{ConvertOptions, ConvertSummary, convert, convert_path};
use super::error::DatasetError;
use super::reader::Progress;
use super::report::{ValidateOptions, ValidationReport};
use super::tokenizer::{EstimatedTokenCounter, ResolveOptions, TokenCounter, load_token_counter};
use super::validate::{validate, validate_path};
use crate::Error;
use crate::estimate::MAX_SAFE_INTEGER;
use crate::model::DatasetFormat;

/// The options of a validation with JSON (or JavaScript) types: numbers are floats and must
/// be whole (`invalid_option`), the format is its name (`unknown_value`), and the tokenizer
/// a Hugging Face model id or a `tokenizer.json` path (`tokenizer_load_failed`). Unset
/// fields take the CLI's defaults: the format detected, `max_seq_len` 2048, `min_examples` 10,
/// tokens estimated.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct FlatValidateOptions {
    /// The format's name (`chat`, `prompt_completion`, `alpaca`, `sharegpt`, `text`,
    /// `brightrun_lora_v3`, `brightrun_lora_v4`).
    pub format: Option<String>,
    /// A Hugging Face model id or the path of a `tokenizer.json`, to count tokens exactly;
    /// found in the local caches only (see [`ResolveOptions::from_env`]).
    pub tokenizer: Option<String>,
    /// Conversations longer than this many tokens are reported.
    pub max_seq_len: Option<f64>,
    /// Fewer training examples than this is an error.
    pub min_examples: Option<f64>,
}

impl FlatValidateOptions {
    /// The core's options, checked; the tokenizer is loaded by [`FlatValidateOptions::validate`].
    pub fn to_options(&self, progress: Option<Progress>) -> Result<ValidateOptions, Error> {
        let defaults = ValidateOptions::default();
        let max_seq_len = match self.max_seq_len {
            // Whole and at most u32::MAX, so the cast is exact.
            Some(value) => Some(whole("max_seq_len", value, u32::MAX.into())? as u32),
            None => defaults.max_seq_len,
        };
        Ok(ValidateOptions {
            format: parse_format(self.format.as_deref())?,
            max_seq_len,
            min_examples: self
                .min_examples
                .map(|v| whole("min_examples", v, MAX_SAFE_INTEGER))
                .transpose()?
                .unwrap_or(defaults.min_examples),
            progress,
            ..defaults
        })
    }

    /// Validates the file at `path` as `brightrun validate` does (with `--tokenizer`'s
    /// counter when one is named). Blocks: reads the file and perhaps a tokenizer.
    pub fn validate(&self, path: &Path, progress: Option<Progress>) -> Result<ValidationReport, Error> {
        self.run(progress, |options, counter| validate_path(path, options, counter))
    }

    /// [`validate`](Self::validate) of a dataset held in memory (records a binding wrote as
    /// JSON Lines, or a file's bytes).
    pub fn validate_bytes(&self, data: &[u8], progress: Option<Progress>) -> Result<ValidationReport, Error> {
        self.run(progress, |options, counter| validate(data, options, counter))
    }

    fn run(
        &self,
        progress: Option<Progress>,
        validation: impl FnOnce(&ValidateOptions, &dyn TokenCounter) -> Result<ValidationReport, DatasetError>,
    ) -> Result<ValidationReport, Error> {
        let options = self.to_options(progress)?;
        let counter: Box<dyn TokenCounter> = match &self.tokenizer {
            Some(spec) => load_token_counter(spec, &ResolveOptions::from_env())?,
            None => Box::new(EstimatedTokenCounter),
        };
        Ok(validation(&options, counter.as_ref())?)
    }
}

/// The options of a conversion with JSON (or JavaScript) types; see [`FlatValidateOptions`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct FlatConvertOptions {
    /// The format's name, instead of recognising it.
    pub format: Option<String>,
    /// Share of the conversations without a `split` that go to validation: 0 to 1 excluded.
    pub validation_fraction: Option<f64>,
}

impl FlatConvertOptions {
    /// Converts the file at `path` into `out_dir`, as `brightrun convert` does. Blocks.
    pub fn convert(&self, path: &Path, out_dir: &Path, progress: Option<Progress>) -> Result<ConvertSummary, Error> {
        Ok(convert_path(path, out_dir, &self.to_options(progress)?)?)
    }

    /// [`convert`](Self::convert) of a dataset held in memory.
    pub fn convert_bytes(
        &self,
        data: &[u8],
        out_dir: &Path,
        progress: Option<Progress>,
    ) -> Result<ConvertSummary, Error> {
        Ok(convert(data, out_dir, &self.to_options(progress)?)?)
    }

    /// The core's options, checked.
    fn to_options(&self, progress: Option<Progress>) -> Result<ConvertOptions, Error> {
        Ok(ConvertOptions {
            format: parse_format(self.format.as_deref())?,
            validation_fraction: self.validation_fraction.unwrap_or(0.0),
            progress,
            ..ConvertOptions::default()
        })
    }
}

fn parse_format(name: Option<&str>) -> Result<Option<DatasetFormat>, Error> {
    Ok(name.map(str::parse::<DatasetFormat>).transpose()?)
}

/// A float that must be a whole number from 0 to `max` (at most [`MAX_SAFE_INTEGER`]).
fn whole(name: &'static str, value: f64, max: u64) -> Result<u64, DatasetError> {
    let max = max.min(MAX_SAFE_INTEGER);
    // Every integer up to 2^53 is a float, so the comparison and the cast are exact.
    let ok = value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= max as f64;
    if ok {
        Ok(value as u64)
    } else {
        Err(DatasetError::InvalidOption { name, reason: format!("{value} is not a whole number from 0 to {max}") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn code(json: serde_json::Value) -> &'static str {
        let options: FlatValidateOptions = serde_json::from_value(json).unwrap();
        options.to_options(None).unwrap_err().code()
    }

    #[test]
    fn defaults_are_the_clis() {
        let options = FlatValidateOptions::default().to_options(None).unwrap();
        let defaults = ValidateOptions::default();
        assert_eq!((options.format, options.max_seq_len, options.min_examples), (None, Some(2048), 10));
        assert_eq!(options.count_tokens, defaults.count_tokens);
    }

    #[test]
    fn bad_values_have_codes() {
        assert_eq!(code(serde_json::json!({"max_seq_len": -1})), "invalid_option");
        assert_eq!(code(serde_json::json!({"max_seq_len": 1e10})), "invalid_option");
        assert_eq!(code(serde_json::json!({"min_examples": 2.5})), "invalid_option");
        assert_eq!(code(serde_json::json!({"format": "csv"})), "unknown_value");
        let parsed =
            FlatValidateOptions { format: Some("CHAT".into()), ..Default::default() }.to_options(None).unwrap();
        assert_eq!(parsed.format, Some(DatasetFormat::Chat));
    }

    #[test]
    fn a_missing_tokenizer_is_a_tokenizer_error() {
        let options =
            FlatValidateOptions { tokenizer: Some("/nonexistent/tokenizer.json".into()), ..Default::default() };
        let error = options.validate(Path::new("/nonexistent.jsonl"), None).unwrap_err();
        assert!(matches!(error, Error::Tokenizer(_)), "{error}");
    }
}
