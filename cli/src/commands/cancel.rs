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

/// Runs `brightrun cancel`: a queued job is cancelled at once; for one being launched or
/// running the request is recorded, and the orchestrator that follows it (`brightrun train`
/// or `brightrun worker`) stops its worker (which saves a partial adapter) and records the
/// end and the final cost.
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
                "job {}: cancel requested; it stops after its current step once `brightrun train` or `brightrun worker` follows it",
                job.id
            );
        }
        Ok(())
    })
}
