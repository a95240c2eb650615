//! `validate` and `convert`: their options and results as plain JavaScript objects.
//!
//! Options become the core's `FlatValidateOptions` / `FlatConvertOptions`, which check them
//! with the same codes as the Python package; results mirror the core's report field for
//! field, camelCased, with `u64` counters as numbers (exact up to 2^53 - 1).

use std::collections::BTreeMap;

use brightrun_core::dataset::{
    Conversation as CoreConversation, ConvertSummary as CoreSummary, DatasetStats as CoreStats, FlatConvertOptions,
    FlatValidateOptions, Message as CoreMessage, RoleCounts as CoreRoles, Source, Spread, TokenSpread as CoreTokens,
    ValidationReport as CoreReport,
};
use brightrun_core::model::ValidationFinding;
use napi_derive::napi;

/// A `u64` counter as a JavaScript number.
fn count(n: u64) -> f64 {
    n as f64
}

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

/// Minimum, mean and maximum of messages per conversation.
#[napi(object)]
pub struct MessageSpread {
    /// The smallest.
    pub min: f64,
    /// The mean.
    pub mean: f64,
    /// The largest.
    pub max: f64,
}

impl From<Spread> for MessageSpread {
    fn from(s: Spread) -> Self {
        Self { min: count(s.min), mean: s.mean, max: count(s.max) }
    }
}

/// The distribution of tokens per conversation (exact quantiles, by nearest rank).
#[napi(object)]
pub struct TokenSpread {
    /// The shortest conversation.
    pub min: f64,
    /// The median (the lower one for an even count).
    pub median: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The longest conversation.
    pub max: f64,
    /// The mean.
    pub mean: f64,
}

impl From<CoreTokens> for TokenSpread {
    fn from(t: CoreTokens) -> Self {
        Self { min: count(t.min), median: count(t.median), p95: count(t.p95), max: count(t.max), mean: t.mean }
    }
}

/// Messages by role, over all conversations.
#[napi(object)]
pub struct RoleCounts {
    /// System messages.
    pub system: f64,
    /// User messages.
    pub user: f64,
    /// Assistant messages.
    pub assistant: f64,
}

impl From<CoreRoles> for RoleCounts {
    fn from(r: CoreRoles) -> Self {
        Self { system: count(r.system), user: count(r.user), assistant: count(r.assistant) }
    }
}

/// The statistics of a validation, kept even for an invalid file. Token figures are
/// absent when tokens were not counted.
#[napi(object)]
pub struct DatasetStats {
    /// Lines of the file, blank lines counted.
    pub lines: f64,
    /// Bytes of the file (decompressed).
    pub bytes: f64,
    /// Records (`_meta` aside).
    pub records: f64,
    /// Records that became a canonical conversation (a v4 pair is one).
    pub conversations: f64,
    /// Distinct `conversation_id`s, when the format has them.
    pub source_conversations: Option<f64>,
    /// Conversations of the train split with at least one assistant target.
    pub training_examples: f64,
    /// Conversations of the validation split with at least one assistant target.
    pub validation_examples: f64,
    /// Assistant targets (the pairs learnt from) in the train split.
    pub training_pairs: f64,
    /// Assistant targets in the validation split.
    pub validation_pairs: f64,
    /// v4 pairs whose `target_response` is null: user turns, not trained on.
    pub user_turn_pairs: f64,
    /// Chat conversations with `weight: 0`, not trained on.
    pub zero_weight_conversations: f64,
    /// Messages per conversation.
    pub messages_per_conversation: Option<MessageSpread>,
    /// Messages by role.
    pub roles: RoleCounts,
    /// The token counter, as it names itself.
    pub tokenizer: Option<String>,
    /// Whether the token counts are exactly the trainer's (false for an estimate).
    pub tokens_exact: bool,
    /// Tokens of the conversations the trainer sees, both splits.
    pub total_tokens: Option<f64>,
    /// Of which assistant tokens, the ones the loss is computed on.
    pub trainable_tokens: Option<f64>,
    /// Of `totalTokens`, those of the validation split.
    pub validation_tokens: Option<f64>,
    /// Tokens per conversation the trainer sees.
    pub tokens_per_conversation: Option<TokenSpread>,
    /// The maximum sequence length checked against.
    pub max_seq_len: Option<u32>,
    /// Conversations longer than `maxSeqLen` (they will be truncated).
    pub over_max_seq_len: f64,
    /// Conversations that repeat an earlier one in the same split.
    pub duplicates: f64,
    /// Conversations that are in both the train and the validation split.
    pub train_validation_overlap: f64,
}

impl From<CoreStats> for DatasetStats {
    fn from(s: CoreStats) -> Self {
        Self {
            lines: count(s.lines),
            bytes: count(s.bytes),
            records: count(s.records),
            conversations: count(s.conversations),
            source_conversations: s.source_conversations.map(count),
            training_examples: count(s.training_examples),
            validation_examples: count(s.validation_examples),
            training_pairs: count(s.training_pairs),
            validation_pairs: count(s.validation_pairs),
            user_turn_pairs: count(s.user_turn_pairs),
            zero_weight_conversations: count(s.zero_weight_conversations),
            messages_per_conversation: s.messages_per_conversation.map(MessageSpread::from),
            roles: s.roles.into(),
            tokenizer: s.tokenizer,
            tokens_exact: s.tokens_exact,
            total_tokens: s.total_tokens.map(count),
            trainable_tokens: s.trainable_tokens.map(count),
            validation_tokens: s.validation_tokens.map(count),
            tokens_per_conversation: s.tokens_per_conversation.map(TokenSpread::from),
            max_seq_len: s.max_seq_len,
            over_max_seq_len: count(s.over_max_seq_len),
            duplicates: count(s.duplicates),
            train_validation_overlap: count(s.train_validation_overlap),
        }
    }
}

/// One problem or remark found in a dataset, where it is and how to fix it.
#[napi(object)]
pub struct Finding {
    /// The 1-based line (blank lines counted); absent for the file as a whole.
    pub line: Option<f64>,
    /// The JSON path inside the record (`conversations[3].training_pairs[2]`).
    pub path: Option<String>,
    /// The rule's stable snake_case code (`missing_target_response`).
    pub code: String,
    /// How serious it is: an error makes the file invalid.
    #[napi(ts_type = "'error' | 'warning' | 'info'")]
    pub severity: String,
    /// What is wrong, for a person.
    pub message: String,
    /// How to fix it, when there is an obvious fix.
    pub suggestion: Option<String>,
}

impl From<ValidationFinding> for Finding {
    fn from(f: ValidationFinding) -> Self {
        Self {
            line: f.line.map(count),
            path: f.path,
            code: f.code,
            severity: f.severity.as_str().to_owned(),
            message: f.message,
            suggestion: f.suggestion,
        }
    }
}

/// One message of a conversation.
#[napi(object)]
pub struct Message {
    /// Who speaks.
    #[napi(ts_type = "'system' | 'user' | 'assistant'")]
    pub role: String,
    /// What is said.
    pub content: String,
    /// `0` for an assistant message that is read but not trained on; absent (as `1`) otherwise.
    #[napi(ts_type = "0 | 1")]
    pub weight: Option<u32>,
}

impl From<CoreMessage> for Message {
    fn from(m: CoreMessage) -> Self {
        Self { role: m.role.as_str().to_owned(), content: m.content, weight: m.weight.map(u32::from) }
    }
}

/// Where a conversation came from in its file.
#[napi(object)]
pub struct ConversationSource {
    /// 1-based line of the record, or of its start in a JSON document.
    pub line: f64,
    /// JSON path of the record inside a JSON document.
    pub path: Option<String>,
    /// The record's own id, when the format has one.
    pub id: Option<String>,
}

/// A conversation in the canonical form the trainer learns from.
#[napi(object)]
pub struct Conversation {
    /// The messages in order.
    pub messages: Vec<Message>,
    /// Train or validation.
    #[napi(ts_type = "'train' | 'validation'")]
    pub split: String,
    /// Where it came from.
    pub source: ConversationSource,
}

impl From<CoreConversation> for Conversation {
    fn from(c: CoreConversation) -> Self {
        let Source { line, path, id } = c.source;
        Self {
            messages: c.messages.into_iter().map(Message::from).collect(),
            split: c.split.as_str().to_owned(),
            source: ConversationSource { line: count(line), path, id },
        }
    }
}

/// The outcome of validating a dataset file: `brightrun validate --json`, camelCased.
#[napi(object)]
pub struct ValidationReport {
    /// Whether the file can be trained on: no finding of severity error.
    pub valid: bool,
    /// The file's format; absent for a file without records.
    #[napi(ts_type = "DatasetFormat")]
    pub format: Option<String>,
    /// How the records are laid out.
    #[napi(ts_type = "'jsonl' | 'json_document' | 'json_array'")]
    pub layout: String,
    /// The statistics, produced even for an invalid file.
    pub stats: DatasetStats,
    /// Findings of severity error, all counted.
    pub errors: f64,
    /// Findings of severity warning, all counted.
    pub warnings: f64,
    /// Findings of severity info, all counted.
    pub infos: f64,
    /// Every finding counted by its (snake_case) code.
    pub counts: BTreeMap<String, f64>,
    /// The first findings of each code, in file order.
    pub findings: Vec<Finding>,
    /// Whether some counted findings are left out of `findings`.
    pub findings_truncated: bool,
    /// The first conversations in canonical form, for a preview.
    pub sample_data: Vec<Conversation>,
}

impl From<CoreReport> for ValidationReport {
    fn from(r: CoreReport) -> Self {
        Self {
            valid: r.valid,
            format: r.format.map(|f| f.as_str().to_owned()),
            layout: r.layout.as_str().to_owned(),
            stats: r.stats.into(),
            errors: count(r.errors),
            warnings: count(r.warnings),
            infos: count(r.infos),
            counts: r.counts.into_iter().map(|(code, n)| (code, count(n))).collect(),
            findings: r.findings.into_iter().map(Finding::from).collect(),
            findings_truncated: r.findings_truncated,
            sample_data: r.sample_data.into_iter().map(Conversation::from).collect(),
        }
    }
}

/// What a conversion wrote and skipped: `brightrun convert --json`, camelCased.
#[napi(object)]
pub struct ConvertSummary {
    /// The input's format; absent for a file without records.
    #[napi(ts_type = "DatasetFormat")]
    pub format: Option<String>,
    /// How the input was laid out.
    #[napi(ts_type = "'jsonl' | 'json_document' | 'json_array'")]
    pub layout: String,
    /// The training file written.
    pub train_file: String,
    /// The validation file written (empty when no conversation went to validation).
    pub validation_file: String,
    /// Conversations written to the training file.
    pub train_conversations: f64,
    /// Conversations written to the validation file.
    pub validation_conversations: f64,
    /// Records skipped because they had an error (`validate` shows them).
    pub skipped_invalid: f64,
    /// Conversations with nothing to train on (v4 user turns, `weight: 0`).
    pub skipped_untrained: f64,
    /// Validation copies of conversations already in the training split.
    pub skipped_overlap: f64,
}

impl From<CoreSummary> for ConvertSummary {
    fn from(s: CoreSummary) -> Self {
        Self {
            format: s.format.map(|f| f.as_str().to_owned()),
            layout: s.layout.as_str().to_owned(),
            train_file: s.train_file.to_string_lossy().into_owned(),
            validation_file: s.validation_file.to_string_lossy().into_owned(),
            train_conversations: count(s.train_conversations),
            validation_conversations: count(s.validation_conversations),
            skipped_invalid: count(s.skipped_invalid),
            skipped_untrained: count(s.skipped_untrained),
            skipped_overlap: count(s.skipped_overlap),
        }
    }
}
