//! The validation report and the options of a validation.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::conversation::Conversation;
use super::format::detect::Layout;
use super::inflate::InflateLimits;
use super::reader::{DEFAULT_MAX_LINE_BYTES, Progress};
use super::stats::DatasetStats;
use crate::model::{DatasetFormat, ValidationFinding};

/// Conversations kept in [`ValidationReport::sample_data`].
pub const SAMPLE_SIZE: usize = 3;

/// How to validate a dataset. `ValidateOptions::default()` suits most files.
#[derive(Clone)]
pub struct ValidateOptions {
    /// The file's format; `None` recognises it from the first records.
    pub format: Option<DatasetFormat>,
    /// Conversations longer than this many tokens are reported (they will be truncated);
    /// `None` checks nothing. Default 2048, the presets' sequence length.
    pub max_seq_len: Option<u32>,
    /// Fewer training examples than this is an error; 0 checks nothing. Default 10.
    pub min_examples: u64,
    /// Findings kept in the report per code (all are counted). Default 50.
    pub max_findings_per_code: usize,
    /// Longer lines are reported and skipped, so memory stays bounded. Default 64 MiB.
    pub max_line_bytes: usize,
    /// Whether to count tokens (the slowest part of a validation). Default true.
    pub count_tokens: bool,
    /// Worker threads; 0 uses every core. Default 0.
    pub threads: usize,
    /// Told the input bytes read so far, for a progress bar.
    pub progress: Option<Progress>,
    /// How far a gzip file may inflate; past it the validation stops with
    /// [`DatasetError::Inflated`](super::DatasetError::Inflated).
    pub inflate: InflateLimits,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        Self {
            format: None,
            max_seq_len: Some(2048),
            min_examples: 10,
            max_findings_per_code: 50,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            count_tokens: true,
            threads: 0,
            progress: None,
            inflate: InflateLimits::default(),
        }
    }
}

impl fmt::Debug for ValidateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidateOptions")
            .field("format", &self.format)
            .field("max_seq_len", &self.max_seq_len)
            .field("min_examples", &self.min_examples)
            .field("max_findings_per_code", &self.max_findings_per_code)
            .field("max_line_bytes", &self.max_line_bytes)
            .field("count_tokens", &self.count_tokens)
            .field("threads", &self.threads)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .field("inflate", &self.inflate)
            .finish()
    }
}

/// The outcome of validating a dataset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidationReport {
    /// Whether the file can be trained on: no finding of severity error.
    pub valid: bool,
    /// The file's format; `None` for a file without records.
    pub format: Option<DatasetFormat>,
    /// How the records are laid out (JSON Lines expected).
    pub layout: Layout,
    /// The statistics, produced even for an invalid file.
    pub stats: DatasetStats,
    /// Findings of severity error, all counted.
    pub errors: u64,
    /// Findings of severity warning, all counted.
    pub warnings: u64,
    /// Findings of severity info, all counted.
    pub infos: u64,
    /// Every finding counted by code.
    pub counts: BTreeMap<String, u64>,
    /// The first findings of each code, in file order.
    pub findings: Vec<ValidationFinding>,
    /// Whether some counted findings are left out of `findings`.
    pub findings_truncated: bool,
    /// The first canonical conversations, for a preview.
    pub sample_data: Vec<Conversation>,
}
