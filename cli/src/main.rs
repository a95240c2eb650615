//! `brightrun`: the command-line front end of BrightRun.

mod commands;
mod error;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::{catalog, estimate};

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
    /// Estimate the duration, cost and GPU memory of a training job.
    Estimate(Box<estimate::EstimateArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Presets(args) => catalog::presets(&args),
        Command::Gpus(args) => catalog::gpus(&args),
        Command::BaseModels(args) => catalog::base_models(&args),
        Command::Estimate(args) => estimate::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
