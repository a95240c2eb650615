//! `brightrun train`: from a dataset file to a trained adapter on the embedded default.
//!
//! Uploads the file as a dataset, validates it, estimates the job, asks, then runs the
//! orchestrator in this process until the job is final, with a live progress bar. Ctrl-C
//! cancels the job cleanly (exit 130). Exit 0 completed, 1 failed, cancelled or invalid
//! dataset, 2 usage.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use brightrun_core::config::{BaseModel, GpuSelection, Preset, SMOKE_MODEL_ID};
use brightrun_core::dataset::{EstimatedTokenCounter, ValidateOptions, ValidationReport, validate_path};
use brightrun_core::estimate::Estimate;
use brightrun_core::model::{Dataset, DatasetFormat, DatasetStatus, JobStatus, Money};
use brightrun_core::service::JobRequest;
use clap::Args;
use serde::Serialize;

use crate::commands::{estimate, validate};
use crate::error::{CliError, EXIT_FAILED, EXIT_INTERRUPTED};
use crate::follow;
use crate::local::{self, LOCAL_USER};
use crate::outcome::JobOutcome;
use crate::output::print_json;
use crate::progress::{JobBar, file_progress};
use crate::{defaults, upload};

/// Flags of `brightrun train`. Hyperparameter flags override the preset.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The dataset file (chat, prompt_completion, alpaca, sharegpt, gemini, text,
    /// brightrun_lora_v3 or brightrun_lora_v4; plain or gzip).
    file: PathBuf,
    /// The file's format, instead of recognising it from the first records.
    #[arg(long)]
    format: Option<DatasetFormat>,
    /// Preset to start from. For the smoke model its values are replaced by ones that
    /// train in seconds on a CPU (recorded as `custom`).
    #[arg(long, default_value = "balanced")]
    preset: Preset,
    /// Base model by Hugging Face id (see `brightrun base-models`); `smoke` is a tiny model
    /// that trains on a CPU.
    #[arg(long, default_value = SMOKE_MODEL_ID)]
    base_model: String,
    /// GPU type (see `brightrun gpus`); default: this machine's CUDA GPU, or CPU.
    #[arg(long)]
    gpu: Option<String>,
    /// Number of GPUs, 1 to 8.
    #[arg(long, default_value_t = 1)]
    gpus: u32,
    /// Your price per GPU-hour in USD, instead of the catalog default.
    #[arg(long, value_name = "USD")]
    price_per_gpu_hour: Option<Money>,
    #[command(flatten)]
    overrides: estimate::HyperparameterFlags,
    /// Start without asking (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Print one JSON document at the end instead of reports and a progress bar.
    #[arg(long)]
    json: bool,
}

/// Everything `train --json` prints.
#[derive(Debug, Serialize)]
struct TrainReport {
    dataset: Dataset,
    validation: Option<ValidationReport>,
    estimate: Option<Estimate>,
    #[serde(flatten)]
    outcome: Option<JobOutcome>,
    interrupted: bool,
}

/// Runs `brightrun train`.
pub fn run(args: &TrainArgs) -> Result<ExitCode, CliError> {
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "confirmation_required",
            "train asks before it starts a job and stdin is not a terminal: pass --yes to start without asking \
             (`brightrun estimate` shows the cost first)",
        ));
    }
    local::block_on(train(args))
}

async fn train(args: &TrainArgs) -> Result<ExitCode, CliError> {
    let gpu = GpuSelection::new(&defaults::gpu_type(args.gpu.as_deref())?, args.gpus, args.price_per_gpu_hour)?;
    BaseModel::find(&args.base_model)?;
    let (preset, hyperparameters) = args.preset.resolve(&args.base_model, &args.overrides.overrides());
    hyperparameters.validate()?;
    // Before anything is uploaded or queued: a job no trainer can run would only fail.
    let app = local::open_to_train().await?;
    let format = match args.format {
        Some(format) => format,
        None => match detect_format(&args.file, args.json)? {
            Ok(format) => format,
            Err(report) => return finish_invalid(args, &report, None),
        },
    };
    let orchestrator = local::orchestrator(&app);
    let dataset = upload::dataset(&app, &args.file, format).await?;
    let status = follow::validate(&app, &orchestrator, dataset.id).await?;
    let dataset = app.get_dataset(LOCAL_USER, dataset.id).await?;
    let validation = app.dataset_report(LOCAL_USER, dataset.id).await?;
    let mut report = TrainReport { dataset, validation, estimate: None, outcome: None, interrupted: false };
    if status != DatasetStatus::Ready {
        return match &report.validation {
            Some(validation) => finish_invalid(args, validation, Some(&report.dataset)),
            None => finish(args, &report, ExitCode::from(EXIT_FAILED)),
        };
    }
    if let (false, Some(validation)) = (args.json, &report.validation) {
        println!("{}", validate::summary(&args.file.display().to_string(), validation));
    }
    let request = JobRequest {
        dataset_id: report.dataset.id,
        preset,
        base_model: args.base_model.clone(),
        hyperparameters: Some(hyperparameters),
        gpu,
        measured_tokens_per_second: None,
    };
    let estimate = app.estimate_job(LOCAL_USER, &request).await?;
    if !args.json {
        println!("{}", estimate::report(&estimate, preset));
    }
    report.estimate = Some(estimate);
    if !args.yes && !confirm()? {
        eprintln!("not started");
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    let job = app.create_job(LOCAL_USER, &request).await?;
    let mut bar = JobBar::new(args.json);
    bar.note(&format!("job {} queued ({} steps expected)", job.id, job.total_steps));
    let followed = follow::job_to_end(&app, &orchestrator, job.id, &mut bar).await?;
    let mut outcome = JobOutcome::read(&app, followed.job).await?;
    outcome.write_chart();
    let code = match (followed.interrupted, outcome.job.status) {
        (true, _) => ExitCode::from(EXIT_INTERRUPTED),
        (false, JobStatus::Completed) => ExitCode::SUCCESS,
        _ => ExitCode::from(EXIT_FAILED),
    };
    report.interrupted = followed.interrupted;
    report.outcome = Some(outcome);
    finish(args, &report, code)
}

/// The file's format from a quick local pass (no token counts); the pass's report when
/// the file has no recognisable record.
fn detect_format(path: &Path, json: bool) -> Result<Result<DatasetFormat, ValidationReport>, CliError> {
    let progress = file_progress(path, json);
    let options = ValidateOptions {
        count_tokens: false,
        progress: progress.as_ref().map(|(_, callback)| callback.clone()),
        ..ValidateOptions::default()
    };
    let result = validate_path(path, &options, &EstimatedTokenCounter);
    if let Some((bar, _)) = progress {
        bar.finish_and_clear();
    }
    let report = result?;
    Ok(report.format.ok_or(report))
}

/// An invalid dataset: its findings, exit 1.
fn finish_invalid(
    args: &TrainArgs,
    report: &ValidationReport,
    dataset: Option<&Dataset>,
) -> Result<ExitCode, CliError> {
    if args.json {
        print_json(&serde_json::json!({ "dataset": dataset, "validation": report }))?;
    } else {
        print!("{}", validate::summary(&args.file.display().to_string(), report));
        eprintln!(
            "error[invalid_dataset]: {} cannot be trained on: fix the errors above and run again",
            args.file.display()
        );
    }
    Ok(ExitCode::from(EXIT_FAILED))
}

/// Prints the end of the run.
fn finish(args: &TrainArgs, report: &TrainReport, code: ExitCode) -> Result<ExitCode, CliError> {
    if args.json {
        print_json(report)?;
    } else if let Some(outcome) = &report.outcome {
        print!("{}", outcome.describe());
    } else {
        for finding in &report.dataset.validation_errors {
            eprintln!("{}[{}]: {}", finding.severity, finding.code, finding.message);
        }
    }
    Ok(code)
}

/// Asks on the terminal; true for yes.
fn confirm() -> Result<bool, CliError> {
    eprint!("Start this job? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::usage("unreadable_answer", format!("reading the answer: {e}")))?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
