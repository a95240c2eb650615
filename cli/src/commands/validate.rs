//! `brightrun validate`: checks a dataset file and reports its statistics and findings.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use brightrun_core::dataset::tokenizer::{ResolveOptions, TokenizerError, load_token_counter, validate_model_id};
use brightrun_core::dataset::{
    EstimatedTokenCounter, RuleCode, TokenCounter, ValidateOptions, ValidationReport, validate_path,
};
use brightrun_core::model::DatasetFormat;
use clap::Args;

use crate::error::CliError;
use crate::output::{print_json, table};
use crate::progress::file_progress;

/// Exit code of a dataset that has errors.
const EXIT_INVALID: u8 = 1;

/// Findings listed in the text report (the JSON report has the first of every code).
const FINDINGS_SHOWN: usize = 20;

/// Flags of `brightrun validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The dataset: JSON Lines (chat, prompt_completion, alpaca, sharegpt, gemini, text,
    /// brightrun_lora_v3, brightrun_lora_v4) or a v4 JSON document, plain or gzip.
    file: PathBuf,
    /// The format, instead of recognising it from the first records.
    #[arg(long)]
    format: Option<DatasetFormat>,
    /// Report conversations longer than this many tokens (they would be truncated).
    #[arg(long, default_value_t = 2048)]
    max_seq_len: u32,
    /// Fewer training examples than this is an error.
    #[arg(long, default_value_t = 10)]
    min_examples: u64,
    /// Do not count tokens (faster; no token statistics).
    #[arg(long, conflicts_with = "tokenizer")]
    no_tokens: bool,
    /// Count tokens exactly with this Hugging Face tokenizer: a path to `tokenizer.json`, a
    /// directory holding it (with `tokenizer_config.json` for the chat template), or a model
    /// id found in `$BRIGHTRUN_HOME/tokenizers/` or the Hugging Face cache. Without it,
    /// tokens are estimated (chars/4).
    #[arg(long, value_name = "PATH|MODEL_ID")]
    tokenizer: Option<String>,
    /// Let a model id given to `--tokenizer` that is in no cache be fetched from the Hugging
    /// Face Hub (`$HF_ENDPOINT`, `$HF_TOKEN`) into `$BRIGHTRUN_HOME/tokenizers/`.
    #[arg(long, requires = "tokenizer")]
    allow_download: bool,
    /// Print the whole report as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `brightrun validate`: exit 0 when valid, 1 when the file has errors.
pub fn run(args: &ValidateArgs) -> Result<ExitCode, CliError> {
    let counter = token_counter(args)?;
    let progress = file_progress(&args.file, args.json);
    let options = ValidateOptions {
        format: args.format,
        max_seq_len: Some(args.max_seq_len),
        min_examples: args.min_examples,
        count_tokens: !args.no_tokens,
        progress: progress.as_ref().map(|(_, callback)| callback.clone()),
        ..ValidateOptions::default()
    };
    let result = validate_path(&args.file, &options, counter.as_ref());
    if let Some((bar, _)) = progress {
        bar.finish_and_clear();
    }
    let report = result?;
    if args.json {
        print_json(&report)?;
    } else {
        print!("{}", summary(&args.file.display().to_string(), &report));
    }
    Ok(if report.valid { ExitCode::SUCCESS } else { ExitCode::from(EXIT_INVALID) })
}

/// The counter of `--tokenizer`, loaded before the file is read; the estimate without it.
fn token_counter(args: &ValidateArgs) -> Result<Box<dyn TokenCounter>, CliError> {
    let Some(spec) = args.tokenizer.as_deref() else { return Ok(Box::new(EstimatedTokenCounter)) };
    let options = ResolveOptions::from_env().allow_network(args.allow_download);
    load_token_counter(spec, &options).map_err(|error| {
        let mut cli_error = CliError::from(error.clone());
        if is_uncached_model_id(spec, &error) && !args.allow_download {
            cli_error = cli_error.with_hint("pass --allow-download to fetch it from the Hugging Face Hub");
        }
        cli_error
    })
}

/// Whether `spec` is a model id that could not be found on this machine.
fn is_uncached_model_id(spec: &str, error: &TokenizerError) -> bool {
    matches!(error, TokenizerError::Load { .. })
        && !std::path::Path::new(spec).exists()
        && validate_model_id(spec).is_ok()
}

/// The text report: verdict, statistics, counts by code, then the first findings (also
/// printed by `brightrun train`).
pub fn summary(name: &str, report: &ValidationReport) -> String {
    let s = &report.stats;
    let mut out = String::new();
    let format = report.format.map_or("no format", |f| f.as_str());
    let verdict = if report.valid { "valid" } else { "INVALID" };
    let _ = writeln!(
        out,
        "{name}: {format}, {verdict} ({} errors, {} warnings, {} notes)",
        report.errors, report.warnings, report.infos
    );
    let sources = s.source_conversations.map_or(String::new(), |n| format!(" from {n} source conversations"));
    let _ = writeln!(
        out,
        "Records      {} on {} lines, {} bytes: {} conversations{sources}",
        s.records, s.lines, s.bytes, s.conversations
    );
    let _ = writeln!(
        out,
        "Training     {} pairs in {} examples; validation {} pairs in {} examples",
        s.training_pairs, s.training_examples, s.validation_pairs, s.validation_examples
    );
    if s.user_turn_pairs + s.zero_weight_conversations > 0 {
        let _ = writeln!(
            out,
            "Not trained  {} user turns (null target_response), {} with weight 0",
            s.user_turn_pairs, s.zero_weight_conversations
        );
    }
    if let Some(m) = s.messages_per_conversation {
        let r = s.roles;
        let _ = writeln!(
            out,
            "Messages     {} to {} per conversation, mean {:.1}; system {}, user {}, assistant {}",
            m.min, m.max, m.mean, r.system, r.user, r.assistant
        );
    }
    match (&s.tokenizer, s.total_tokens, s.trainable_tokens) {
        (Some(tokenizer), Some(total), Some(trainable)) => {
            let exact = if s.tokens_exact { "exact" } else { "an estimate" };
            let _ = write!(out, "Tokens       {total} ({tokenizer}, {exact}), {trainable} trainable");
            if let Some(t) = s.tokens_per_conversation {
                let _ =
                    write!(out, "; per conversation min {}, median {}, p95 {}, max {}", t.min, t.median, t.p95, t.max);
            }
            out.push('\n');
            if let Some(max) = s.max_seq_len {
                let _ = writeln!(out, "Max seq len  {max}: {} conversations longer", s.over_max_seq_len);
            }
        }
        _ => out.push_str("Tokens       not counted\n"),
    }
    let _ = writeln!(out, "Duplicates   {}; train/validation overlap {}", s.duplicates, s.train_validation_overlap);
    if report.counts.is_empty() {
        return out;
    }
    let rows: Vec<Vec<String>> = report
        .counts
        .iter()
        .map(|(code, count)| {
            let severity = RuleCode::from_code(code).map_or("", |rule| rule.severity().as_str());
            vec![code.clone(), severity.to_owned(), count.to_string()]
        })
        .collect();
    out.push('\n');
    out.push_str(&table(&["code", "severity", "count"], &rows));
    out.push('\n');
    for f in report.findings.iter().take(FINDINGS_SHOWN) {
        let line = f.line.map_or_else(|| "file".to_owned(), |line| format!("line {line}"));
        let path = f.path.as_deref().map_or(String::new(), |path| format!(" {path}"));
        let _ = writeln!(out, "{line}{path}: {}[{}]: {}", f.severity, f.code, f.message);
        if let Some(suggestion) = &f.suggestion {
            let _ = writeln!(out, "    fix: {suggestion}");
        }
    }
    let total = report.errors + report.warnings + report.infos;
    let shown = report.findings.len().min(FINDINGS_SHOWN) as u64;
    if total > shown {
        let _ = writeln!(out, "... and {} more (--json lists the first of every code)", total - shown);
    }
    out
}
