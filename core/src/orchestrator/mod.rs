//! The orchestrator: background work that moves datasets and jobs through their lives.
//!
//! [`Orchestrator::run_once`] makes one pass (for a cron or a test), [`Orchestrator::run`]
//! loops until told to stop. A pass validates datasets awaiting validation, submits queued
//! jobs and follows submitted ones: reads new worker events by cursor, writes metrics and
//! progress, and finishes jobs whose workers are done. Validation runs beside the jobs'
//! work, never in front of it.
//!
//! Every row it works on is claimed with a lease first (see [`lease`]), so any number of
//! orchestrators can share one database: a lease is renewed while its work runs, every
//! write is fenced by it, and a dead orchestrator's leases lapse and another carries on.
//! Every step is idempotent: a repeated event is dropped by its sequence number, a metrics
//! point is stored once per step, and the artifact, cost records and notifications have ids
//! derived from the job. A launch or a validation that keeps failing is tried a bounded
//! number of times (see [`retry`]), then fails with a code that says why.

pub mod accounting;
mod failpoints;
mod files;
mod finish;
mod following;
mod launch_record;
mod lease;
mod pinning;
pub mod quality;
pub mod retry;
mod submission;
mod validation;

/// The state of a followed job and the step cap, where the orchestrator's users have found them.
pub use crate::service::{FollowState, MAX_STEPS};
#[cfg(any(test, feature = "failpoints"))]
pub use failpoints::{FAILPOINTS, Failpoints};
pub use launch_record::LaunchRecord;
pub use pinning::pinned_dataset_key;
pub use submission::TRAINING_SEED;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::FutureExt as _;

use crate::model::JobStatus;
use crate::service::{BrightRun, ServiceError};
use crate::store::{LeaseTarget, StoreError};
use lease::{Outcome, Pass};

/// How an orchestrator works.
#[derive(Debug, Clone, PartialEq)]
pub struct OrchestratorOptions {
    /// How long a claim lasts without renewal; a crashed orchestrator's work is retaken
    /// after this. Work in progress renews it every third of it.
    pub lease: TimeDelta,
    /// Retries of a transient failure of a job's worker before the job fails.
    pub max_retries: u32,
    /// Tries of one attempt's launch, and of a dataset's validation, before they fail for
    /// good: a try that fails transiently (storage unavailable, a full disk), crashes or is
    /// cut short by a dying orchestrator counts.
    pub max_tries: u32,
    /// The pause before the second try after a transient failure; it doubles with each
    /// further try, up to [`retry::MAX_BACKOFF`].
    pub retry_backoff: TimeDelta,
    /// Rows of each kind (datasets to validate, jobs to submit, jobs to follow) one pass
    /// claims at most.
    pub max_claims_per_pass: u32,
    /// Share of conversations held out for validation when the dataset has no split.
    pub validation_fraction: f64,
    /// Pause between passes of [`Orchestrator::run`].
    pub poll_interval: Duration,
    /// Event batches read per running job per pass (a worker that exited is read to the end).
    pub max_event_batches: usize,
}

impl Default for OrchestratorOptions {
    fn default() -> Self {
        Self {
            lease: TimeDelta::seconds(60),
            max_retries: retry::DEFAULT_MAX_RETRIES,
            max_tries: retry::DEFAULT_MAX_TRIES,
            retry_backoff: TimeDelta::seconds(10),
            max_claims_per_pass: 64,
            validation_fraction: 0.1,
            poll_interval: Duration::from_secs(1),
            max_event_batches: 16,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PassReport {
    /// Datasets validated.
    pub datasets_validated: u32,
    /// Jobs submitted to the backend.
    pub jobs_submitted: u32,
    /// Submitted jobs whose progress was read.
    pub jobs_followed: u32,
    /// Work that failed in this pass (logged; retried by a later pass).
    pub errors: u32,
}

impl PassReport {
    fn add(self, other: PassReport) -> PassReport {
        PassReport {
            datasets_validated: self.datasets_validated + other.datasets_validated,
            jobs_submitted: self.jobs_submitted + other.jobs_submitted,
            jobs_followed: self.jobs_followed + other.jobs_followed,
            errors: self.errors + other.errors,
        }
    }
}

/// Background work of a [`BrightRun`].
#[derive(Debug, Clone)]
pub struct Orchestrator {
    app: BrightRun,
    holder: String,
    options: OrchestratorOptions,
    passes: Arc<AtomicU64>,
    #[cfg(any(test, feature = "failpoints"))]
    failpoints: Arc<Failpoints>,
}

impl Orchestrator {
    /// An orchestrator over `app`'s parts, with a unique holder name for its leases.
    pub fn new(app: BrightRun, options: OrchestratorOptions) -> Self {
        let holder = format!("orchestrator-{}-{}", std::process::id(), uuid::Uuid::now_v7());
        Self {
            app,
            holder,
            options,
            passes: Arc::default(),
            #[cfg(any(test, feature = "failpoints"))]
            failpoints: Arc::default(),
        }
    }

    /// The name its leases start with; each pass adds its own suffix.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Its failpoints, to arm and to inspect (tests only).
    #[cfg(any(test, feature = "failpoints"))]
    pub fn failpoints(&self) -> &Failpoints {
        &self.failpoints
    }

    /// One pass over everything due: validation beside the jobs' work. Per-item failures,
    /// panics included, are logged and counted, never stop the pass; a later pass tries
    /// again.
    pub async fn run_once(&self) -> Result<PassReport, ServiceError> {
        let (datasets, jobs) = tokio::join!(self.validation_pass(), self.job_pass());
        Ok(datasets?.add(jobs?))
    }

    /// Passes until `shutdown` completes: validation and the jobs' work each in a loop of
    /// its own, so a long validation never holds the jobs up. A pass under way when
    /// `shutdown` completes is finished first.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), ServiceError> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let signal = async {
            shutdown.await;
            stop.send_replace(true);
        };
        tokio::join!(
            signal,
            self.pass_loop(stopped.clone(), || self.validation_pass()),
            self.pass_loop(stopped, || self.job_pass()),
        );
        Ok(())
    }

    async fn pass_loop<F: Future<Output = Result<PassReport, ServiceError>>>(
        &self,
        mut stopped: tokio::sync::watch::Receiver<bool>,
        pass: impl Fn() -> F,
    ) {
        while !*stopped.borrow() {
            if let Err(e) = pass().await {
                tracing::warn!(error = %e, "orchestrator pass failed");
            }
            tokio::select! {
                _ = stopped.wait_for(|stop| *stop) => return,
                () = tokio::time::sleep(self.options.poll_interval) => {}
            }
        }
    }

    /// A new pass of `kind`: a holder name of its own.
    fn pass(&self, kind: &str) -> Pass {
        let n = self.passes.fetch_add(1, Ordering::Relaxed);
        Pass::new(&self.app.db, format!("{}.{kind}{n}", self.holder), self.options.lease)
    }

    /// Validates datasets awaiting validation, at most [`OrchestratorOptions::max_claims_per_pass`].
    async fn validation_pass(&self) -> Result<PassReport, ServiceError> {
        self.run_pass("v", async |pass, report, held| self.validation_work(pass, report, held).await).await
    }

    async fn validation_work(
        &self,
        pass: &Pass,
        report: &mut PassReport,
        held: &mut Vec<(LeaseTarget, Outcome)>,
    ) -> Result<(), ServiceError> {
        for _ in 0..self.options.max_claims_per_pass {
            self.alive()?;
            let Some(dataset) = pass.db.claim_dataset_for_validation(&pass.lease()).await? else { break };
            let target = LeaseTarget::Dataset { user_id: dataset.user_id, id: dataset.id };
            let work = self.holding(pass, target, |hold| isolated(self.validate_dataset(pass, hold, dataset)));
            held.push((target, self.tally(work.await, "validation", report, |r| &mut r.datasets_validated)));
        }
        Ok(())
    }

    /// Submits queued jobs, then follows submitted ones; at most
    /// [`OrchestratorOptions::max_claims_per_pass`] of each.
    async fn job_pass(&self) -> Result<PassReport, ServiceError> {
        self.run_pass("j", async |pass, report, held| self.job_work(pass, report, held).await).await
    }

    /// Runs `work` in a new pass of `kind`, then gives up the rows it still holds (even when
    /// the work failed part way).
    async fn run_pass(
        &self,
        kind: &str,
        work: impl AsyncFnOnce(&Pass, &mut PassReport, &mut Vec<(LeaseTarget, Outcome)>) -> Result<(), ServiceError>,
    ) -> Result<PassReport, ServiceError> {
        let pass = self.pass(kind);
        let mut report = PassReport::default();
        let mut held = Vec::new();
        let result = work(&pass, &mut report, &mut held).await;
        self.alive()?;
        self.give_up(&pass, held).await?;
        result.map(|()| report)
    }

    async fn job_work(
        &self,
        pass: &Pass,
        report: &mut PassReport,
        held: &mut Vec<(LeaseTarget, Outcome)>,
    ) -> Result<(), ServiceError> {
        for _ in 0..self.options.max_claims_per_pass {
            self.alive()?;
            let Some(job) = pass.db.claim_job(&[JobStatus::Queued], &pass.lease()).await? else { break };
            let target = LeaseTarget::Job { user_id: job.user_id, id: job.id };
            let work = self.holding(pass, target, |hold| isolated(self.submit_job(pass, hold, job)));
            held.push((target, self.tally(work.await, "submission", report, |r| &mut r.jobs_submitted)));
        }
        for _ in 0..self.options.max_claims_per_pass {
            self.alive()?;
            let following = [JobStatus::Initializing, JobStatus::Running];
            let Some(job) = pass.db.claim_job(&following, &pass.lease()).await? else { break };
            let target = LeaseTarget::Job { user_id: job.user_id, id: job.id };
            let work = self.holding(pass, target, |hold| isolated(self.follow(pass, hold, job)));
            held.push((target, self.tally(work.await, "follow", report, |r| &mut r.jobs_followed)));
        }
        Ok(())
    }

    /// Counts one item's outcome in the report; a failure is logged, and its row is given
    /// up when the pass ends so that a later pass tries again.
    fn tally(
        &self,
        result: Result<Outcome, ServiceError>,
        what: &str,
        report: &mut PassReport,
        counter: impl FnOnce(&mut PassReport) -> &mut u32,
    ) -> Outcome {
        match result {
            Ok(outcome) => {
                *counter(report) += 1;
                outcome
            }
            Err(error) => {
                match &error {
                    ServiceError::Store(StoreError::LeaseLost { .. }) => {
                        tracing::warn!(error = %error, "{what} stopped: another orchestrator took the work over");
                    }
                    _ => tracing::warn!(error = %error, "{what} failed; it will be retried"),
                }
                report.errors += 1;
                Outcome::Done
            }
        }
    }

    /// An error once a failpoint killed this orchestrator (never without failpoints).
    fn alive(&self) -> Result<(), ServiceError> {
        #[cfg(any(test, feature = "failpoints"))]
        self.failpoints.alive()?;
        Ok(())
    }

    /// The scratch directory of one piece of work, for this pass alone (created):
    /// `scratch/<work>/<holder>`, so that two orchestrators working on the same row never
    /// write each other's files.
    fn scratch_dir(&self, pass: &Pass, work: &str) -> Result<PathBuf, ServiceError> {
        let dir = self.work_dir(work).join(pass.dir_name());
        std::fs::create_dir_all(&dir).map_err(|e| ServiceError::io(format!("creating {}", dir.display()), e))?;
        Ok(dir)
    }

    /// The scratch space of one piece of work, every holder's.
    fn work_dir(&self, work: &str) -> PathBuf {
        self.app.config.scratch_dir().join(work)
    }
}

/// Runs one item's work so that a panic in it becomes that item's error: one bad job (a
/// hostile number that slipped past every check) never stops the pass for the others.
async fn isolated<T>(work: impl Future<Output = Result<T, ServiceError>>) -> Result<T, ServiceError> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => Err(ServiceError::internal(format!("the work panicked: {}", panic_message(&*panic)))),
    }
}

/// The message of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
