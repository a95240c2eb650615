//! Training hyperparameters and their allowed ranges.

use std::fmt;
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

/// The table of every hyperparameter a caller may set: name, type, the type a loosely typed
/// front end (JSON, Python, JavaScript) passes, allowed range and doc line, declared once.
///
/// `with_hyperparameters!(callback)` expands to `callback! { ... }` with one entry a field of
/// [`Hyperparameters`] (all but `base_model`), in this form:
///
/// ```text
/// #[doc = "Peak learning rate of the schedule."]
/// learning_rate: f64, flat [f64], range 1e-7 ..= 1e-2;
/// ```
///
/// with an optional `, ts "..."` (the TypeScript type of a value named by text). The docs are
/// `#[doc = "..."]` attributes, not `///` comments, so that the Node binding's generated
/// TypeScript reads them as plain strings. The core
/// builds [`HYPERPARAMETERS`], the validation, [`HyperparameterOverrides`] and the flat
/// estimate options from it; the CLI its flags, the Node binding its options.
#[macro_export]
macro_rules! with_hyperparameters {
    ($callback:ident) => {
        $callback! {
            #[doc = "Peak learning rate of the schedule."]
            learning_rate: f64, flat [f64], range 1e-7 ..= 1e-2;
            #[doc = "Examples per micro-batch, across all GPUs of the job."]
            batch_size: u32, flat [f64], range 1 ..= 512;
            #[doc = "Passes over the training split."]
            epochs: u32, flat [f64], range 1 ..= 100;
            #[doc = "LoRA rank `r`."]
            lora_rank: u32, flat [f64], range 1 ..= 512;
            #[doc = "LoRA scaling numerator `alpha` (the update is scaled by `alpha / r`)."]
            lora_alpha: u32, flat [f64], range 1 ..= 1024;
            #[doc = "Dropout applied to the LoRA input."]
            lora_dropout: f64, flat [f64], range 0 ..= 0.5;
            #[doc = "Optimiser steps of linear learning-rate warmup."]
            warmup_steps: u32, flat [f64], range 0 ..= 100_000;
            #[doc = "AdamW weight decay."]
            weight_decay: f64, flat [f64], range 0 ..= 1;
            #[doc = "Micro-batches accumulated into one optimiser step."]
            gradient_accumulation_steps: u32, flat [f64], range 1 ..= 1024;
            #[doc = "Gradient clipping norm."]
            max_grad_norm: f64, flat [f64], range 0.01 ..= 100;
            #[doc = "Longest example in tokens; longer ones are truncated by the trainer."]
            max_seq_len: u32, flat [f64], range 64 ..= 262_144;
            #[doc = "Module names LoRA adapts (`q_proj`, `v_proj`, ...); the range is their count."]
            target_modules: Vec<String>, flat [Vec<String>], range 1 ..= 32;
            #[doc = "Storage of the frozen base weights: none (bf16), 8bit or 4bit (QLoRA NF4)."]
            quantization: $crate::config::Quantization, flat [String], ts "'none' | '8bit' | '4bit'";
            #[doc = "Recompute activations in the backward pass to save memory."]
            gradient_checkpointing: bool, flat [bool];
        }
    };
}

/// The kind of value a hyperparameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A real number.
    Float,
    /// A whole number.
    Integer,
    /// A list of names (given as one comma-separated text).
    Names,
    /// One of a few names.
    Choice,
    /// On or off.
    Switch,
}

impl ValueKind {
    /// The name used in JSON: `float`, `integer`, `names`, `choice`, `switch`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            ValueKind::Float => "float",
            ValueKind::Integer => "integer",
            ValueKind::Names => "names",
            ValueKind::Choice => "choice",
            ValueKind::Switch => "switch",
        }
    }
}

/// The closed interval of a hyperparameter's allowed values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AllowedRange {
    /// The smallest allowed value.
    pub min: f64,
    /// The largest allowed value.
    pub max: f64,
}

impl AllowedRange {
    /// Whether `value` is allowed (never for NaN).
    ///
    /// ```
    /// use brightrun_core::config::AllowedRange;
    ///
    /// let range = AllowedRange { min: 1.0, max: 512.0 };
    /// assert!(range.contains(512.0));
    /// assert!(!range.contains(0.0) && !range.contains(f64::NAN));
    /// ```
    pub fn contains(&self, value: f64) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

impl fmt::Display for AllowedRange {
    /// `1 to 512`, as error messages and help texts say it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.min, self.max)
    }
}

/// One hyperparameter a job may set: its name, kind, allowed values and what it is. The
/// bindings' `hyperparameters()` and `brightrun hyperparameters --json` list them all, so a
/// form can offer exactly what a job accepts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HyperparameterSpec {
    /// The field, as named in JSON and flags (`lora_rank`, `--lora-rank`, `loraRank`).
    pub name: &'static str,
    /// What it holds.
    pub kind: ValueKind,
    /// The allowed values (for a list of names, their count), when a range applies.
    pub range: Option<AllowedRange>,
    /// The allowed names of a choice (empty for the other kinds).
    pub choices: &'static [&'static str],
    /// What it is, in one line.
    pub doc: &'static str,
}

impl HyperparameterSpec {
    /// The allowed values in words (`1 to 512`, `none, 8bit or 4bit`), if restricted.
    ///
    /// ```
    /// use brightrun_core::config::{HYPERPARAMETERS, ValueKind};
    ///
    /// let rank = HYPERPARAMETERS.iter().find(|spec| spec.name == "lora_rank").unwrap();
    /// assert_eq!(rank.kind, ValueKind::Integer);
    /// assert_eq!(rank.allowed().as_deref(), Some("1 to 512"));
    /// ```
    pub fn allowed(&self) -> Option<String> {
        match (self.range, self.choices) {
            (Some(range), _) => Some(range.to_string()),
            (None, [first, .., last]) => {
                let middle = &self.choices[1..self.choices.len() - 1];
                Some(middle.iter().fold(first.to_string(), |text, name| format!("{text}, {name}")) + " or " + last)
            }
            _ => None,
        }
    }
}

/// How each type of the table is described, checked and parsed from text.
trait Declared: Sized {
    const KIND: ValueKind;
    const CHOICES: &'static [&'static str] = &[];

    /// Reports `self` in `errors` when it is out of `range`.
    fn check(&self, field: &'static str, range: Option<AllowedRange>, errors: &mut Vec<FieldError>) {
        if let (Some(number), Some(range)) = (self.number(), range) {
            // `contains` is false for NaN, so a NaN is reported like any other out-of-range value.
            if !range.contains(number) {
                errors.push(FieldError::new(field, number.to_string(), range.to_string()));
            }
        }
    }

    /// The value as a number, for the range check.
    fn number(&self) -> Option<f64> {
        None
    }

    /// Reads the value from text, as a flag gives it.
    fn parse(text: &str) -> Result<Self, String>;
}

impl Declared for f64 {
    const KIND: ValueKind = ValueKind::Float;

    fn number(&self) -> Option<f64> {
        Some(*self)
    }

    fn parse(text: &str) -> Result<Self, String> {
        text.trim().parse().map_err(|e| format!("`{text}` is not a number: {e}"))
    }
}

impl Declared for u32 {
    const KIND: ValueKind = ValueKind::Integer;

    fn number(&self) -> Option<f64> {
        Some(f64::from(*self))
    }

    fn parse(text: &str) -> Result<Self, String> {
        text.trim().parse().map_err(|e| format!("`{text}` is not a whole number from 0 to {}: {e}", u32::MAX))
    }
}

impl Declared for Vec<String> {
    const KIND: ValueKind = ValueKind::Names;

    fn check(&self, field: &'static str, range: Option<AllowedRange>, errors: &mut Vec<FieldError>) {
        if let Some(range) = range
            && !range.contains(self.len() as f64)
        {
            errors.push(FieldError::new(field, format!("{} modules", self.len()), range.to_string()));
        }
        for module in self {
            let valid = !module.is_empty()
                && module.len() <= 64
                && module.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !valid {
                errors.push(FieldError::new(
                    field,
                    format!("{module:?}"),
                    "module names of letters, digits, `_` and `.` (at most 64), e.g. q_proj",
                ));
            }
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        Ok(text.split(',').map(|name| name.trim().to_owned()).collect())
    }
}

impl Declared for Quantization {
    const KIND: ValueKind = ValueKind::Choice;
    const CHOICES: &'static [&'static str] =
        &[Quantization::None.as_str(), Quantization::Int8.as_str(), Quantization::Nf4.as_str()];

    fn parse(text: &str) -> Result<Self, String> {
        text.parse()
    }
}

impl Declared for bool {
    const KIND: ValueKind = ValueKind::Switch;

    fn parse(text: &str) -> Result<Self, String> {
        text.trim().parse().map_err(|_| format!("`{text}` is neither true nor false"))
    }
}

/// Builds [`HYPERPARAMETERS`], the range checks, [`HyperparameterOverrides`] and the
/// setting by name from the table of [`with_hyperparameters!`].
macro_rules! declare_hyperparameters {
    (@range) => { None };
    (@range $min:literal $max:literal) => { Some(AllowedRange { min: $min as f64, max: $max as f64 }) };
    ($(#[doc = $doc:literal] $name:ident: $ty:ty, flat [$($flat:tt)+]
        $(, range $min:literal ..= $max:literal)? $(, ts $ts:literal)?;)+) => {
        /// Every hyperparameter a caller may set, in the order of [`Hyperparameters`]' fields.
        pub const HYPERPARAMETERS: [HyperparameterSpec; [$(stringify!($name)),+].len()] = [$(HyperparameterSpec {
            name: stringify!($name),
            kind: <$ty as Declared>::KIND,
            range: declare_hyperparameters!(@range $($min $max)?),
            choices: <$ty as Declared>::CHOICES,
            doc: $doc.trim_ascii(),
        }),+];

        /// Hyperparameters that replace a preset's values; `None` keeps the preset's.
        ///
        /// The fields are named after [`Hyperparameters`]' fields, as are the CLI flags
        /// (`--lora-rank`) and the bindings' options (`lora_rank=`, `loraRank:`).
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct HyperparameterOverrides {
            $(#[doc = $doc] pub $name: Option<$ty>,)+
        }

        impl HyperparameterOverrides {
            /// Replaces each of `hyperparameters`' fields that is overridden.
            pub fn apply(&self, hyperparameters: &mut Hyperparameters) {
                $(if let Some(value) = &self.$name {
                    hyperparameters.$name.clone_from(value);
                })+
            }

            /// Sets the hyperparameter `name` from text, as a flag gives it (`2e-4`,
            /// `q_proj,v_proj`, `4bit`, `false`); says what is wrong when it cannot be read.
            pub fn set_text(&mut self, name: &str, text: &str) -> Result<(), String> {
                match name {
                    $(stringify!($name) => self.$name = Some(Declared::parse(text)?),)+
                    _ => return Err(format!("`{name}` is not a hyperparameter")),
                }
                Ok(())
            }
        }

        impl Hyperparameters {
            fn check_declared(&self, errors: &mut Vec<FieldError>) {
                $(self.$name.check(stringify!($name), declare_hyperparameters!(@range $($min $max)?), errors);)+
            }
        }
    };
}

with_hyperparameters!(declare_hyperparameters);

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
        self.check_declared(&mut errors);
        if errors.is_empty() { Ok(()) } else { Err(HyperparameterError::Invalid(errors)) }
    }

    /// Examples consumed by one optimiser step.
    pub fn effective_batch_size(&self) -> u64 {
        u64::from(self.batch_size) * u64::from(self.gradient_accumulation_steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::error_code::ErrorCode;

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
    fn the_table_names_every_field_but_the_base_model() {
        let value = serde_json::to_value(balanced()).unwrap();
        let mut fields: Vec<&str> =
            value.as_object().unwrap().keys().map(String::as_str).filter(|name| *name != "base_model").collect();
        let mut names: Vec<&str> = HYPERPARAMETERS.iter().map(|spec| spec.name).collect();
        fields.sort_unstable();
        names.sort_unstable();
        assert_eq!(fields, names);
        let lora_rank = HYPERPARAMETERS.iter().find(|spec| spec.name == "lora_rank").unwrap();
        assert_eq!((lora_rank.kind, lora_rank.allowed().as_deref()), (ValueKind::Integer, Some("1 to 512")));
        let quantization = HYPERPARAMETERS.iter().find(|spec| spec.name == "quantization").unwrap();
        assert_eq!(quantization.allowed().as_deref(), Some("none, 8bit or 4bit"));
        assert!(HYPERPARAMETERS.iter().all(|spec| !spec.doc.is_empty() && !spec.doc.starts_with(' ')));
    }

    #[test]
    fn a_kind_is_named_as_its_json() {
        for spec in &HYPERPARAMETERS {
            assert_eq!(serde_json::to_value(spec.kind).unwrap(), spec.kind.as_str());
        }
        let kinds: std::collections::BTreeSet<&str> = HYPERPARAMETERS.iter().map(|spec| spec.kind.as_str()).collect();
        assert_eq!(kinds.len(), 5, "every kind is in the table: {kinds:?}");
    }

    #[test]
    fn overrides_are_set_by_name_from_text_and_replace_only_what_they_name() {
        let mut overrides = HyperparameterOverrides::default();
        for (name, text) in [
            ("learning_rate", "3e-4"),
            ("lora_rank", "64"),
            ("target_modules", "q_proj, v_proj"),
            ("quantization", "qlora"),
            ("gradient_checkpointing", "false"),
        ] {
            overrides.set_text(name, text).unwrap();
        }
        let mut hp = balanced();
        overrides.apply(&mut hp);
        assert_eq!((hp.learning_rate, hp.lora_rank, hp.quantization), (3e-4, 64, Quantization::Nf4));
        assert_eq!((hp.target_modules.join(","), hp.gradient_checkpointing), ("q_proj,v_proj".to_owned(), false));
        assert_eq!(hp.epochs, balanced().epochs);
        assert!(overrides.set_text("lora_rank", "-1").unwrap_err().contains("whole number"));
        assert!(overrides.set_text("quantization", "3bit").is_err());
        assert!(overrides.set_text("base_model", "x").unwrap_err().contains("not a hyperparameter"));
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
