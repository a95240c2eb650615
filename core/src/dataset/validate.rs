//! Validating a dataset: one streaming pass that checks every record, counts tokens and
//! gathers the statistics of the report.

use std::io::Read;
use std::path::Path;

use super::chunk::{ChunkOutput, RecordSink};
use super::codes::RuleCode;
use super::conversation::{Conversation, Message, Tool, document_text, with_empty_user_turn};
use super::cross_record::{ConversationFact, CrossRecord, Fact, MetaKind};
use super::error::DatasetError;
use super::findings::{FieldPath, Findings, Location};
use super::format::View;
use super::report::{SAMPLE_SIZE, ValidateOptions, ValidationReport};
use super::scan::{Input, ScanSettings, Scanned, Unrecognised, scan};
use super::stats::{FileTotals, StatsAccumulator, TokenInfo};
use super::tokenizer::{TokenCount, TokenCounter, TokenizerError};
use crate::model::Severity;

/// Validates a dataset read from `reader` (plain or gzip JSONL, or a v4 JSON document),
/// counting tokens with `counter`.
///
/// Problems in the file are findings of the report, never errors, including an encoding
/// other than UTF-8 and records of no known format: an error means the input could not be
/// read (or decompressed), or an option is out of range.
pub fn validate<R: Read>(
    reader: R,
    options: &ValidateOptions,
    counter: &dyn TokenCounter,
) -> Result<ValidationReport, DatasetError> {
    validate_sized(Input::Stream(reader), None, options, counter)
}

/// [`validate`] on a file.
pub fn validate_path(
    path: impl AsRef<Path>,
    options: &ValidateOptions,
    counter: &dyn TokenCounter,
) -> Result<ValidationReport, DatasetError> {
    let (input, size) = Input::open(path.as_ref())?;
    validate_sized(input, size, options, counter)
}

/// [`validate`] of an input of `input_size` bytes, when known.
fn validate_sized<R: Read>(
    input: Input<R>,
    input_size: Option<u64>,
    options: &ValidateOptions,
    counter: &dyn TokenCounter,
) -> Result<ValidationReport, DatasetError> {
    let tokens = options.count_tokens.then_some(TokenRules { counter, max_seq_len: options.max_seq_len });
    let settings = ScanSettings::new(
        options.format,
        Unrecognised::Check,
        options.max_line_bytes,
        options.max_findings_per_code,
        options.threads,
        (options.progress.clone(), options.inflate),
    )?;
    let make_sink = || ValidateSink::new(tokens.as_ref());
    let mut merger = Merger::new(options.max_findings_per_code, input_size);
    let scanned = scan(input, &settings, &make_sink, &mut |out| merger.merge(out))?;
    Ok(merger.finish(scanned, options, counter))
}

/// How tokens are counted and checked.
struct TokenRules<'c> {
    counter: &'c dyn TokenCounter,
    max_seq_len: Option<u32>,
}

impl TokenRules<'_> {
    /// Counts a conversation's tokens and checks its length; `None` when counting failed.
    ///
    /// A conversation that opens with the assistant and that the chat template refuses is
    /// counted as the trainer renders it: with an empty user turn before that reply.
    fn count(
        &self,
        messages: &[Message],
        tools: Option<&[Tool]>,
        at: Location<'_>,
        findings: &mut Findings,
    ) -> (Option<TokenCount>, bool) {
        let count = |messages: &[Message]| self.counter.count_with_tools(messages, tools);
        let counted = count(messages).or_else(|error| match (&error, with_empty_user_turn(messages)) {
            (TokenizerError::ToolsUnsupported { .. } | TokenizerError::ReasoningUnsupported { .. }, _) | (_, None) => {
                Err(error)
            }
            (_, Some(fixed)) => count(&fixed).map_err(|_| error),
        });
        match counted {
            Ok(count) => {
                let over = self.max_seq_len.filter(|max| count.total > u64::from(*max));
                if let Some(max) = over
                    && document_text(messages).is_some()
                {
                    findings.add(RuleCode::TextSplitIntoWindows, at, FieldPath::Record, || {
                        format!(
                            "the text is {} tokens, over max_seq_len {max}: it is trained on as {} windows",
                            count.total,
                            count.total.div_ceil(u64::from(max))
                        )
                    });
                } else if let Some(max) = over {
                    findings.add(RuleCode::ExceedsMaxSeqLen, at, FieldPath::Record, || {
                        format!(
                            "the conversation is {} tokens, over max_seq_len {max}; the end will be cut",
                            count.total
                        )
                    });
                }
                (Some(count), over.is_some())
            }
            Err(TokenizerError::ToolsUnsupported { tokenizer, reason }) => {
                findings.add(RuleCode::ToolsUnsupportedByTemplate, at, FieldPath::Record, || {
                    format!("{tokenizer} cannot train on this conversation's tool calls: {reason}")
                });
                (None, false)
            }
            Err(TokenizerError::ReasoningUnsupported { tokenizer, reason }) => {
                findings.add(RuleCode::ReasoningUnsupportedByTemplate, at, FieldPath::Record, || {
                    format!("{tokenizer} cannot train on this conversation's reasoning: {reason}")
                });
                (None, false)
            }
            Err(error) => {
                findings.add(RuleCode::TokenCountFailed, at, FieldPath::Record, || {
                    format!("{} cannot count this conversation: {error}", self.counter.name())
                });
                (None, false)
            }
        }
    }
}

/// What a validation keeps of a block of records.
struct ValidateSink<'t, 'c> {
    tokens: Option<&'t TokenRules<'c>>,
    stats: StatsAccumulator,
    facts: Vec<Fact<()>>,
    samples: Vec<Conversation>,
}

impl<'t, 'c> ValidateSink<'t, 'c> {
    fn new(tokens: Option<&'t TokenRules<'c>>) -> Self {
        Self { tokens, stats: StatsAccumulator::default(), facts: Vec::new(), samples: Vec::new() }
    }
}

impl RecordSink for ValidateSink<'_, '_> {
    fn conversation(&mut self, view: View<'_>, at: Location<'_>, findings: &mut Findings, _clean: bool) {
        let split = view.split.unwrap_or_default();
        let mut owned = None;
        let (tokens, over) = match self.tokens {
            // Only what the trainer sees is counted: conversations with a target.
            Some(rules) if view.targets > 0 => {
                rules.count(owned.insert(view.owned_messages()), view.tools.as_deref(), at, findings)
            }
            _ => (None, false),
        };
        self.stats.add(&view, split, tokens, over);
        if self.samples.len() < SAMPLE_SIZE {
            let messages = owned.unwrap_or_else(|| view.owned_messages());
            self.samples.push(view.to_conversation(messages, at));
        }
        self.facts.push(Fact::Conversation(ConversationFact::new(&view, at, ())));
    }

    fn meta(&mut self, line: Option<u64>, total_pairs: Option<u64>, kind: MetaKind) {
        self.facts.push(Fact::Meta { line, total_pairs, kind });
    }
}

/// Adds up the blocks in file order.
struct Merger {
    findings: Findings,
    stats: StatsAccumulator,
    cross: CrossRecord,
    samples: Vec<Conversation>,
    lines_before: u64,
    records: u64,
}

impl Merger {
    fn new(finding_cap: usize, input_size: Option<u64>) -> Self {
        Self {
            findings: Findings::new(finding_cap),
            stats: StatsAccumulator::default(),
            cross: CrossRecord::new(input_size),
            samples: Vec::new(),
            lines_before: 0,
            records: 0,
        }
    }

    fn merge(&mut self, out: ChunkOutput<ValidateSink<'_, '_>>) {
        let base = self.lines_before;
        self.cross.block(out.bytes, out.records);
        self.findings.absorb(out.findings, base);
        for fact in out.sink.facts {
            match fact {
                Fact::Conversation(fact) => {
                    self.cross.observe(&fact, fact.split.unwrap_or_default(), base, &mut self.findings);
                }
                Fact::Meta { line, total_pairs, kind } => {
                    self.cross.meta(line.map(|line| line + base), total_pairs, kind, &mut self.findings);
                }
            }
        }
        self.stats.merge(out.sink.stats);
        for mut sample in out.sink.samples.into_iter().take(SAMPLE_SIZE.saturating_sub(self.samples.len())) {
            sample.source.line += base;
            self.samples.push(sample);
        }
        self.records += out.records;
        self.lines_before += out.lines;
    }

    fn finish(mut self, scanned: Scanned, options: &ValidateOptions, counter: &dyn TokenCounter) -> ValidationReport {
        let cross = self.cross.finish(self.records, self.stats.trained_conversations(), &mut self.findings);
        if self.records == 0 {
            self.findings
                .add(RuleCode::EmptyFile, Location::file(), FieldPath::Record, || "the file has no records".to_owned());
        } else if scanned.format.is_some() && self.stats.training_examples() < options.min_examples {
            // In a file whose format was not recognised every record has its finding already.
            let examples = self.stats.training_examples();
            let min = options.min_examples;
            self.findings.add(RuleCode::TooFewExamples, Location::file(), FieldPath::Record, || {
                format!("{examples} training examples; at least {min} are needed")
            });
        }
        let stats = self.stats.finish(FileTotals {
            lines: scanned.lines,
            bytes: scanned.bytes,
            records: self.records,
            cross,
            tokens: options
                .count_tokens
                .then(|| TokenInfo { name: counter.name().to_owned(), exact: counter.is_exact() }),
            max_seq_len: options.max_seq_len,
        });
        let errors = self.findings.by_severity(Severity::Error);
        let warnings = self.findings.by_severity(Severity::Warning);
        let infos = self.findings.by_severity(Severity::Info);
        let (counts, findings) = self.findings.finish();
        ValidationReport {
            valid: errors == 0,
            format: scanned.format,
            layout: scanned.layout,
            stats,
            errors,
            warnings,
            infos,
            findings_truncated: findings.len() as u64 != errors + warnings + infos,
            counts,
            findings,
            sample_data: self.samples,
        }
    }
}
