//! `brightrun`: the command-line front end of BrightRun.

mod adapter;
mod chart;
mod commands;
mod curves;
mod defaults;
mod error;
mod follow;
mod local;
mod outcome;
mod output;
mod progress;
mod sparkline;
mod trainer;
mod transfer;
mod upload;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::{
    cancel, catalog, convert, costs, download, estimate, job, jobs, models, notifications, train, validate, worker,
};

/// mimalloc: about twice as fast as the system allocator for tokenizers and the validator's
/// many small strings.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// BrightRun: from a chat dataset to a trained LoRA adapter.
#[derive(Debug, Parser)]
#[command(name = "brightrun", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the hyperparameter presets.
    Presets(catalog::ListArgs),
    /// List the GPUs the estimator knows, with default prices.
    Gpus(catalog::ListArgs),
    /// List the base models the estimator knows.
    BaseModels(catalog::ListArgs),
    /// List the hyperparameters a job may set, with their allowed values.
    Hyperparameters(catalog::ListArgs),
    /// Estimate the duration, cost and GPU memory of a training job.
    Estimate(Box<estimate::EstimateArgs>),
    /// Validate a dataset file: statistics, token counts and every problem with its line.
    /// Exit code 0 when valid, 1 when it has errors, 2 when it cannot be read.
    Validate(validate::ValidateArgs),
    /// Convert a dataset to the chat JSONL the trainer reads (train.jsonl, validation.jsonl).
    Convert(convert::ConvertArgs),
    /// Train a LoRA adapter on a dataset file, here: upload, validate, estimate, confirm,
    /// run with a live progress bar. Exit 0 completed, 1 failed or cancelled, 2 usage,
    /// 130 after Ctrl-C (which cancels the job cleanly).
    Train(Box<train::TrainArgs>),
    /// List training jobs, newest first.
    Jobs(jobs::JobsArgs),
    /// Show one job: status, progress, cost and its loss in short.
    Job(job::JobArgs),
    /// Cancel a job (a running one stops after its current step, saving a partial adapter).
    Cancel(cancel::CancelArgs),
    /// List trained adapters, newest first.
    Models(models::ModelsArgs),
    /// Copy every file of a trained adapter to a directory, checking each sha256.
    Download(download::DownloadArgs),
    /// This month's costs by type, and the budget.
    Costs(costs::CostsArgs),
    /// List notifications (jobs started, finished, failed; datasets ready; cost alerts).
    Notifications(notifications::NotificationsArgs),
    /// Run the orchestrator for a host application until SIGINT or SIGTERM.
    Worker(worker::WorkerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Presets(args) => catalog::presets(&args).map(|()| ExitCode::SUCCESS),
        Command::Gpus(args) => catalog::gpus(&args).map(|()| ExitCode::SUCCESS),
        Command::BaseModels(args) => catalog::base_models(&args).map(|()| ExitCode::SUCCESS),
        Command::Hyperparameters(args) => catalog::hyperparameters(&args).map(|()| ExitCode::SUCCESS),
        Command::Estimate(args) => estimate::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Validate(args) => validate::run(&args),
        Command::Convert(args) => convert::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Train(args) => train::run(&args),
        Command::Jobs(args) => jobs::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Job(args) => job::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Cancel(args) => cancel::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Models(args) => models::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Download(args) => download::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Costs(args) => costs::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Notifications(args) => notifications::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Worker(args) => worker::run(&args).map(|()| ExitCode::SUCCESS),
    };
    result.unwrap_or_else(|error| error.report())
}
