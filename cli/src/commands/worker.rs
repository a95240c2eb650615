//! `brightrun worker`: the orchestrator loop for a host application on the embedded
//! default (or any app sharing its `$BRIGHTRUN_HOME`), or on the production parts that
//! `$BRIGHTRUN_DATABASE_URL` and `$BRIGHTRUN_STORAGE_URL` name, until SIGINT or SIGTERM.

use std::time::{Duration, Instant};

use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};

use crate::error::CliError;
use crate::local;

/// How often the retention rule is applied (also once at start).
const SWEEP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Flags of `brightrun worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Pause between passes, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    poll_interval_ms: u64,
}

/// Runs `brightrun worker`: validates uploaded datasets, submits queued jobs, follows
/// running ones; prints a line for each pass that did something. Fails at once (exit 2)
/// when no trainer can run; applies the retention rule at start and hourly. A stop signal ends it
/// between passes (running workers carry on, and the next orchestrator follows them).
pub fn run(args: &WorkerArgs) -> Result<(), CliError> {
    local::block_on(async {
        let app = local::open_to_train().await?;
        let signal_error = |e: std::io::Error| CliError::usage("signal_failed", format!("listening for signals: {e}"));
        let mut interrupt = signal(SignalKind::interrupt()).map_err(signal_error)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(signal_error)?;
        let options = OrchestratorOptions {
            poll_interval: Duration::from_millis(args.poll_interval_ms.max(10)),
            ..OrchestratorOptions::default()
        };
        let orchestrator = Orchestrator::new(app.clone(), options.clone());
        let config = app.config();
        let database = config.database_url.split(':').next().unwrap_or_default();
        eprintln!("orchestrating {} on {database} as {} (Ctrl-C stops)", config.home.display(), orchestrator.holder());
        let mut last_sweep = Instant::now();
        loop {
            if last_sweep.elapsed() >= SWEEP_INTERVAL {
                local::sweep(&app).await;
                last_sweep = Instant::now();
            }
            match orchestrator.run_once().await {
                Ok(r) if r.datasets_validated + r.jobs_submitted + r.errors > 0 => eprintln!(
                    "pass: {} datasets validated, {} jobs submitted, {} followed, {} errors",
                    r.datasets_validated, r.jobs_submitted, r.jobs_followed, r.errors
                ),
                Ok(_) => {}
                Err(e) => eprintln!("pass failed: {e}"),
            }
            tokio::select! {
                _ = interrupt.recv() => break,
                _ = terminate.recv() => break,
                () = tokio::time::sleep(options.poll_interval) => {}
            }
        }
        eprintln!("stopped");
        Ok(())
    })
}
