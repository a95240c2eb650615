//! `brightrun cancel ID`: stops a job.

use brightrun_core::model::{JobId, JobStatus};
use clap::Args;

use crate::error::CliError;
use crate::local::{self, LOCAL_USER};
use crate::output::print_json;

/// Flags of `brightrun cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The job id (see `brightrun jobs`).
    id: JobId,
    /// Print the job as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `brightrun cancel`: a queued job is cancelled at once; a running one is asked to
/// stop (its worker saves a partial adapter), and the orchestrator that follows it
/// (`brightrun train` or `brightrun worker`) records the end and the final cost.
pub fn run(args: &CancelArgs) -> Result<(), CliError> {
    local::block_on(async {
        let app = local::open().await?;
        let job = app.cancel_job(LOCAL_USER, args.id).await?;
        if args.json {
            return print_json(&job);
        }
        if job.status == JobStatus::Cancelled {
            println!("job {} cancelled", job.id);
        } else {
            println!(
                "job {} is stopping after its current step; `brightrun train` or `brightrun worker` records the end",
                job.id
            );
        }
        Ok(())
    })
}
