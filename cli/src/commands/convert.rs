//! `brightrun convert`: writes the canonical JSONL the trainer reads (chat, or `{"text"}` documents).

use std::path::PathBuf;

use brightrun_core::dataset::{ConvertOptions, ConvertSummary, convert_path};
use brightrun_core::model::DatasetFormat;
use clap::Args;

use crate::error::CliError;
use crate::output::print_json;
use crate::progress::file_progress;

/// Flags of `brightrun convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The dataset, in any format `brightrun validate` reads.
    file: PathBuf,
    /// Folder for `train.jsonl` and `validation.jsonl` (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// Share of the conversations without a `split` of their own that go to validation,
    /// chosen by a hash of their content (the same file always splits the same way).
    #[arg(long, default_value_t = 0.0)]
    validation_fraction: f64,
    /// The format, instead of recognising it from the first records.
    #[arg(long)]
    format: Option<DatasetFormat>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `brightrun convert`.
pub fn run(args: &ConvertArgs) -> Result<(), CliError> {
    let progress = file_progress(&args.file, args.json);
    let options = ConvertOptions {
        format: args.format,
        validation_fraction: args.validation_fraction,
        progress: progress.as_ref().map(|(_, callback)| callback.clone()),
        ..ConvertOptions::default()
    };
    let result = convert_path(&args.file, &args.out, &options);
    if let Some((bar, _)) = progress {
        bar.finish_and_clear();
    }
    let summary = result?;
    if args.json {
        return print_json(&summary);
    }
    print!("{}", report(&summary));
    if summary.skipped_invalid > 0 {
        eprintln!(
            "warning: {} records with errors were skipped; `brightrun validate {}` shows them",
            summary.skipped_invalid,
            args.file.display()
        );
    }
    Ok(())
}

fn report(s: &ConvertSummary) -> String {
    let format = s.format.map_or("no format", |f| f.as_str());
    format!(
        "{format}: wrote {} conversations to {} and {} to {}\n\
         skipped {} with nothing to train on (user turns, weight 0), {} with errors, {} already in the training split\n",
        s.train_conversations,
        s.train_file.display(),
        s.validation_conversations,
        s.validation_file.display(),
        s.skipped_untrained,
        s.skipped_invalid,
        s.skipped_overlap,
    )
}
