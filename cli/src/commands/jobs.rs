//! `brightrun jobs`: the local user's training jobs, newest first.

use brightrun_core::model::JobStatus;
use brightrun_core::store::{JobQuery, PageRequest};
use clap::Args;

use crate::error::CliError;
use crate::local::{self, LOCAL_USER};
use crate::outcome::total_steps;
use crate::output::{money, number, print_json, table, when};

/// Flags of `brightrun jobs`.
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Only jobs with this status (queued, initializing, running, completed, failed, cancelled).
    #[arg(long)]
    status: Option<JobStatus>,
    /// How many to list (at most 100).
    #[arg(long, default_value_t = PageRequest::DEFAULT_LIMIT)]
    limit: u32,
    /// Print the page as one JSON object (`items`, `total`).
    #[arg(long)]
    json: bool,
}

/// Runs `brightrun jobs`.
pub fn run(args: &JobsArgs) -> Result<(), CliError> {
    local::block_on(async {
        let app = local::open().await?;
        let query = JobQuery { status: args.status, page: PageRequest::first(args.limit), ..JobQuery::default() };
        let page = app.list_jobs(LOCAL_USER, &query).await?;
        if args.json {
            return print_json(&page);
        }
        let rows: Vec<Vec<String>> = page
            .items
            .iter()
            .map(|job| {
                vec![
                    job.id.to_string(),
                    job.status.to_string(),
                    format!("{}/{}", job.current_step, total_steps(job)),
                    number(job.current_metrics.and_then(|m| m.training_loss), 3),
                    job.hyperparameters.base_model.clone(),
                    format!("{} x {}", job.gpu.gpu_count, job.gpu.gpu_type),
                    money(job.final_cost.unwrap_or(job.current_cost)),
                    when(Some(job.queued_at)),
                ]
            })
            .collect();
        print!("{}", table(&["id", "status", "step", "loss", "base model", "gpu", "cost", "queued"], &rows));
        println!("{} of {} jobs", page.items.len(), page.total);
        Ok(())
    })
}
