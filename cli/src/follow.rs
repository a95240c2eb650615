//! Running orchestrator passes in the foreground until a job is final, with Ctrl-C as a
//! clean cancel.

use std::time::Duration;

use brightrun_core::model::{DatasetId, DatasetStatus, JobId, TrainingJob};
use brightrun_core::orchestrator::Orchestrator;
use brightrun_core::service::{BrightRun, ServiceError};
use tokio::signal::unix::{SignalKind, signal};

use crate::error::CliError;
use crate::local::LOCAL_USER;
use crate::progress::JobBar;

/// Pause between two passes.
const PASS_INTERVAL: Duration = Duration::from_millis(250);
/// Passes to wait for a dataset's validation (a pass validates every waiting dataset).
const VALIDATION_PASSES: u32 = 40;
/// Failed passes in a row (a busy database, say) before giving up: about 30 seconds.
const MAX_FAILED_PASSES: u32 = 120;

/// How a followed job ended.
#[derive(Debug)]
pub struct Outcome {
    /// The job in its final state.
    pub job: TrainingJob,
    /// Whether the user pressed Ctrl-C (the job was cancelled for it).
    pub interrupted: bool,
}

/// Runs passes until the dataset's validation is done; returns its status.
pub async fn validate(app: &BrightRun, orchestrator: &Orchestrator, id: DatasetId) -> Result<DatasetStatus, CliError> {
    let mut last_error = None;
    for _ in 0..VALIDATION_PASSES {
        let status = match orchestrator.run_once().await {
            Ok(_) => app.get_dataset(LOCAL_USER, id).await.map(|d| d.status),
            Err(e) => Err(e),
        };
        match status {
            Ok(DatasetStatus::Validating) => {}
            Ok(status) => return Ok(status),
            // Transient (the database busy with another process): the next pass retries.
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(PASS_INTERVAL).await;
    }
    Err(last_error.map_or_else(
        || {
            CliError::failed(
                "validation_stuck",
                format!("dataset {id} is still validating after {VALIDATION_PASSES} passes"),
            )
        },
        CliError::from,
    ))
}

/// Runs passes until the job is final, showing it on `bar`. The first Ctrl-C cancels the
/// job (the worker stops after its current step and saves a partial adapter) and the
/// passes go on until it is final; a second one leaves at once, the job cancelling.
pub async fn job_to_end(
    app: &BrightRun,
    orchestrator: &Orchestrator,
    id: JobId,
    bar: &mut JobBar,
) -> Result<Outcome, CliError> {
    let mut interrupts = signal(SignalKind::interrupt())
        .map_err(|e| CliError::usage("signal_failed", format!("listening for Ctrl-C: {e}")))?;
    let mut interrupted = false;
    let mut failed_passes = 0;
    loop {
        match pass(app, orchestrator, id).await {
            Ok(job) if job.status.is_final() => {
                bar.update(&job);
                bar.finish();
                return Ok(Outcome { job, interrupted });
            }
            Ok(job) => {
                failed_passes = 0;
                bar.update(&job);
            }
            Err(e) if failed_passes < MAX_FAILED_PASSES => {
                // Transient (the database busy with another process): the next pass retries.
                failed_passes += 1;
                if failed_passes == 1 {
                    bar.note(&format!("a pass failed, retrying: {e}"));
                }
            }
            Err(e) => {
                bar.finish();
                return Err(e.into());
            }
        }
        tokio::select! {
            _ = interrupts.recv() => {
                if interrupted {
                    bar.finish();
                    return Err(CliError::interrupted(format!(
                        "left job {id} cancelling; `brightrun worker` finishes its bookkeeping"
                    )));
                }
                interrupted = true;
                bar.note("cancelling: the worker stops after its current step (Ctrl-C again to leave now)");
                if let Err(e) = app.cancel_job(LOCAL_USER, id).await {
                    bar.note(&format!("cancel: {e}"));
                }
            }
            () = tokio::time::sleep(PASS_INTERVAL) => {}
        }
    }
}

/// One orchestrator pass, then the job as it is now.
async fn pass(app: &BrightRun, orchestrator: &Orchestrator, id: JobId) -> Result<TrainingJob, ServiceError> {
    orchestrator.run_once().await?;
    Ok(app.get_job(LOCAL_USER, id).await?.job)
}
