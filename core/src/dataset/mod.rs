//! The dataset engine: formats, streaming validation, token counts and conversion to the
//! canonical chat JSONL the trainer reads.
//!
//! Entry points: [`validate`] (or [`validate_path`]) reads a file once and returns a
//! [`ValidationReport`]: every finding counted by code, the first ones of each code with
//! their line, JSON path and a suggestion, and the statistics (kept even for an invalid
//! file). [`convert`] (or [`convert_path`]) writes the `train.jsonl` and `validation.jsonl`
//! the trainer reads. Both accept chat, prompt/completion, Alpaca, ShareGPT and
//! `brightrun_lora_v3` JSONL and `brightrun_lora_v4` (JSONL or one full JSON document),
//! plain or gzip, from any `std::io::Read`; memory is
//! bounded by the longest line, never the file, and JSONL is checked on every core.
//!
//! ```
//! use brightrun_core::dataset::{EstimatedTokenCounter, ValidateOptions, validate};
//!
//! let jsonl = r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}"#;
//! let options = ValidateOptions { min_examples: 1, ..ValidateOptions::default() };
//! let report = validate(jsonl.as_bytes(), &options, &EstimatedTokenCounter)?;
//! assert!(report.valid);
//! assert_eq!(report.stats.training_pairs, 1);
//! # Ok::<(), brightrun_core::dataset::DatasetError>(())
//! ```

mod chunk;
mod codes;
mod conversation;
mod convert;
mod cross_record;
mod document;
mod error;
mod findings;
mod flat;
mod format;
mod inflate;
mod pipeline;
mod reader;
mod report;
mod rules;
mod scan;
mod stats;
mod table;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod test_support;
pub mod tokenizer;
mod tools;
mod validate;

#[cfg(test)]
mod tests;

pub use codes::RuleCode;
pub use conversation::{
    Conversation, FunctionCall, FunctionDefinition, JsonObject, Message, Role, Source, Split, Tool, ToolCall, ToolKind,
    leading_assistant, with_empty_user_turn,
};
pub use convert::{ConvertOptions, ConvertSummary, TRAIN_FILE, VALIDATION_FILE, convert, convert_path};
pub use error::DatasetError;
pub use flat::{FlatConvertOptions, FlatValidateOptions};
pub use format::detect::Layout;
pub use inflate::{InflateLimits, InflatedTooFar};
pub use reader::{DEFAULT_MAX_LINE_BYTES, Progress};
pub use report::{SAMPLE_SIZE, ValidateOptions, ValidationReport};
pub use stats::{DatasetStats, RoleCounts, Spread, TokenSpread};
pub use tokenizer::{EstimatedTokenCounter, TokenCount, TokenCounter, TokenizerError};
pub use validate::{validate, validate_path};
