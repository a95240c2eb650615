//! `brightrun job ID`: one job in detail, with its loss in short.

use brightrun_core::model::JobId;
use clap::Args;
use serde_json::json;

use crate::curves::Curves;
use crate::error::CliError;
use crate::local::{self, LOCAL_USER};
use crate::outcome::job_lines;
use crate::output::print_json;

/// Flags of `brightrun job`.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// The job id (see `brightrun jobs`).
    id: JobId,
    /// Print one JSON object: `job`, `dataset`, `loss` (steps, first/last/best loss,
    /// validation loss), `curve` (`training` and `validation`: `[[step, loss], ...]`,
    /// downsampled past 2,000 points) and `model`.
    #[arg(long)]
    json: bool,
}

/// Runs `brightrun job`.
pub fn run(args: &JobArgs) -> Result<(), CliError> {
    local::block_on(async {
        let app = local::open().await?;
        let details = app.get_job(LOCAL_USER, args.id).await?;
        let curves = Curves::read(&app, args.id).await?;
        let model = match details.job.artifact_id {
            Some(id) => Some(app.get_model(LOCAL_USER, id).await?),
            None => None,
        };
        if args.json {
            return print_json(&json!({
                "job": details.job,
                "dataset": details.dataset,
                "loss": curves.summary(),
                "curve": curves,
                "model": model,
            }));
        }
        print!("{}", job_lines(&details.job));
        if let Some(d) = &details.dataset {
            println!(
                "Dataset    {} {} ({}, {} pairs, {} tokens)",
                d.id, d.name, d.format, d.training_pairs, d.total_tokens
            );
        }
        print!("{}", curves.describe());
        if let Some(model) = model {
            println!("Model      {} {} (`brightrun download {} --out DIR`)", model.id, model.name, model.id);
        }
        Ok(())
    })
}
