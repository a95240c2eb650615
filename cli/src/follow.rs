//! Running orchestrator passes in the foreground until a job is final, with Ctrl-C as a
//! clean cancel.

use std::time::Duration;

use brightrun_core::model::{DatasetId, DatasetStatus, JobId, TrainingJob};
use brightrun_core::orchestrator::Orchestrator;
use brightrun_core::service::BrightRun;
use tokio::signal::unix::{SignalKind, signal};

use crate::error::CliError;
use crate::local::LOCAL_USER;
use crate::progress::JobBar;

/// Pause between two passes.
const PASS_INTERVAL: Duration = Duration::from_millis(250);
/// Passes to wait for a dataset's validation (a pass validates every waiting dataset).
const VALIDATION_PASSES: u32 = 40;

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
    for _ in 0..VALIDATION_PASSES {
        orchestrator.run_once().await?;
        let status = app.get_dataset(LOCAL_USER, id).await?.status;
        if status != DatasetStatus::Validating {
            return Ok(status);
        }
        tokio::time::sleep(PASS_INTERVAL).await;
    }
    Err(CliError::failed(
        "validation_stuck",
        format!("dataset {id} is still validating after {VALIDATION_PASSES} passes"),
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
    loop {
        orchestrator.run_once().await?;
        let job = app.get_job(LOCAL_USER, id).await?.job;
        bar.update(&job);
        if job.status.is_final() {
            bar.finish();
            return Ok(Outcome { job, interrupted });
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
