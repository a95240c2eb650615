//! An orchestrator killed at each failpoint in turn (every name in `FAILPOINTS`, so a new
//! one is covered as soon as it is listed), then a fresh orchestrator that takes the work
//! over once the dead one's leases lapse. Whatever the place of death, the dataset and the
//! job end, and end right: one worker per attempt, one artifact per completed job, at most
//! one notification of each kind per job and per dataset, a final cost that is the sum of
//! the cost records. A failpoint that its scenario never reaches fails the test, so the list
//! stays honest.
//!
//! Each failpoint gets a database of its own (the worlds run side by side).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use brightrun_core::model::{DatasetStatus, JobStatus, TrainingJob};
use brightrun_core::orchestrator::{FAILPOINTS, Orchestrator, OrchestratorOptions};
use brightrun_core::store::{BudgetSettings, Database};
use chrono::TimeDelta;
use futures_util::StreamExt as _;

use crate::world::{Harnessed, Setup, chat_dataset, fast_options, world_with};

/// Failpoint cases run at once per backend.
const AT_ONCE: usize = 4;

/// A case that has not ended by then is stuck: it fails, named, instead of hanging the run.
const CASE_LIMIT: Duration = Duration::from_secs(180);

mod every_failpoint_is_survived {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::every_failpoint(false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if crate::harness::postgres_url(module_path!()).is_none() {
            return;
        }
        super::every_failpoint(true).await;
    }
}

async fn every_failpoint(postgres: bool) {
    let cases = futures_util::stream::iter(FAILPOINTS.iter().copied())
        .map(|name| async move {
            let run = tokio::spawn(async move {
                let test = if postgres {
                    crate::harness::postgres(name).await.unwrap()
                } else {
                    crate::harness::sqlite().await
                };
                let trace = Trace::default();
                let ended = tokio::time::timeout(CASE_LIMIT, die_at(test.db.clone(), name, &trace)).await;
                assert!(ended.is_ok(), "stuck: not ended after {CASE_LIMIT:?}; last: {}", trace.last());
                test.finish().await;
            });
            (name, run.await)
        })
        .buffer_unordered(AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    let failed: Vec<String> = cases
        .into_iter()
        .filter_map(|(name, result)| result.err().map(|e| format!("{name}: {}", panic_text(e))))
        .collect();
    assert!(failed.is_empty(), "{} of {} failpoints failed:\n{}", failed.len(), FAILPOINTS.len(), failed.join("\n"));
}

fn panic_text(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}

/// Where a case is: what a stuck case reports.
#[derive(Debug, Default)]
struct Trace {
    text: std::sync::Mutex<String>,
    started: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Trace {
    fn set(&self, text: String) {
        *self.text.lock().unwrap() = text;
    }

    /// A pass begins.
    fn enter(&self, orchestrator: &str, pass: u32) {
        *self.started.lock().unwrap() = Some(std::time::Instant::now());
        self.set(format!("{orchestrator} orchestrator in pass {pass}"));
    }

    /// The pass ended.
    fn passed(&self) {
        let took = self.started.lock().unwrap().take().map(|at| at.elapsed());
        let text = format!("{} (ended after {took:?})", self.text.lock().unwrap());
        self.set(text);
    }

    /// The job as seen after a pass.
    fn saw(&self, job: &TrainingJob) {
        let text = format!(
            "{}; job {} step {} retries {} cancel requested {} handle {}",
            self.text.lock().unwrap(),
            job.status,
            job.current_step,
            job.retry_count,
            job.cancel_requested_at.is_some(),
            job.backend_handle.as_ref().map_or("none".into(), |h| h.to_string().chars().take(160).collect::<String>()),
        );
        self.set(text);
    }

    /// The last thing known, and for how long a pass in progress has run.
    fn last(&self) -> String {
        let running = self.started.lock().unwrap().map(|at| at.elapsed());
        format!("{} (a pass running for {running:?})", self.text.lock().unwrap())
    }
}

/// What a failpoint needs to be reached, and how its job must end.
struct Case {
    scenario: &'static str,
    /// A per-job cost cap that the first progress report passes.
    cost_cap: bool,
    /// Reads of the upload that fail before the validation succeeds.
    failed_upload_reads: u32,
    /// Transient submit failures before the launch succeeds.
    failed_submits: u32,
    /// When the user cancels the job, if they do.
    cancel: Cancel,
    /// An orchestrator that dies at this failpoint first (then the leases lapse).
    die_first_at: Option<&'static str>,
    max_tries: u32,
    /// How the job ends, and its error type.
    ends: (JobStatus, Option<&'static str>),
    /// Attempts made.
    attempts: u32,
}

/// When the user cancels the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cancel {
    Never,
    /// As soon as its worker was submitted, before the handle is stored.
    AfterSubmit,
    /// Once the first dying orchestrator died.
    AfterFirstDeath,
    /// Once it is seen running (before the worker is released).
    WhenRunning,
}

fn case(name: &str) -> Case {
    let plain = Case {
        scenario: "plan:success:2:wait",
        cost_cap: false,
        failed_upload_reads: 0,
        failed_submits: 0,
        cancel: Cancel::Never,
        die_first_at: None,
        max_tries: 5,
        ends: (JobStatus::Completed, None),
        attempts: 1,
    };
    match name {
        "follow.stop_at_cap" | "finish.cancel" => {
            Case { scenario: "plan:hold:2", cost_cap: true, ends: (JobStatus::Cancelled, Some("cost_cap")), ..plain }
        }
        // A completed job keeps the error of the attempt that was retried.
        "finish.retry" => Case {
            scenario: "plan:crash:1,success:1",
            attempts: 2,
            ends: (JobStatus::Completed, Some("worker_crashed")),
            ..plain
        },
        "finish.fail" => Case { scenario: "plan:fail:1", ends: (JobStatus::Failed, Some("dataset_error")), ..plain },
        "finish.mismatch" => {
            Case { scenario: "bad-sha", ends: (JobStatus::Failed, Some("artifact_mismatch")), ..plain }
        }
        "validate.retry_later" => Case { failed_upload_reads: 1, ..plain },
        "launch.retry_later" => Case { failed_submits: 1, ..plain },
        // (A worker that waits: one that finished before the cancel reached it would rightly
        // end the job completed.)
        "launch.cancel_submitted" => Case { cancel: Cancel::AfterSubmit, ends: (JobStatus::Cancelled, None), ..plain },
        // The worker was started but its orchestrator died before recording it, and the user
        // cancelled meanwhile: the next orchestrator finds the worker and stops it.
        "launch.find" => Case {
            die_first_at: Some("launch.store_handle"),
            cancel: Cancel::AfterFirstDeath,
            ends: (JobStatus::Cancelled, None),
            ..plain
        },
        "follow.cancel" => Case { cancel: Cancel::WhenRunning, ends: (JobStatus::Cancelled, None), ..plain },
        // A try cut short at the last allowed: the next orchestrator gives up.
        "launch.give_up" => Case {
            die_first_at: Some("launch.submit"),
            max_tries: 1,
            ends: (JobStatus::Failed, Some("launch_failed")),
            attempts: 0,
            ..plain
        },
        _ => plain,
    }
}

fn options(case: &Case) -> OrchestratorOptions {
    OrchestratorOptions {
        lease: TimeDelta::seconds(1),
        max_tries: case.max_tries,
        retry_backoff: TimeDelta::milliseconds(10),
        ..fast_options()
    }
}

/// Runs the scenario of `name` with an orchestrator that dies there, then a fresh one to
/// the end, and checks every invariant.
async fn die_at(db: Arc<dyn Database>, name: &'static str, trace: &Trace) {
    let case = case(name);
    let mut setup = Setup::new(case.scenario);
    setup.options = options(&case);
    let w = world_with(db, setup);
    w.backend.fail_submits(case.failed_submits, false);
    if case.cancel == Cancel::AfterSubmit {
        w.backend.cancel_after_submit(w.user);
    }
    if case.cost_cap {
        let cap = BudgetSettings {
            monthly_budget: None,
            alert_threshold_percent: 80,
            per_job_cost_cap: Some("0.01".parse().unwrap()),
        };
        w.app.set_budget(w.user, &cap).await.unwrap();
    }
    let fresh = || Orchestrator::new(w.app.clone(), options(&case));
    let dataset = w.uploaded_dataset(&chat_dataset(12)).await;
    // After the upload's own check of its object: the validation's reads fail.
    w.store.fail_reads("chats.jsonl", case.failed_upload_reads);

    let dataset = if name.starts_with("validate.") {
        let dying = fresh();
        dying.failpoints().arm(name, 1);
        run_until_dead(&w, &dying, None, case.cancel, trace).await;
        assert_reached(&dying, name);
        w.validate_with(&fresh(), dataset.id).await
    } else {
        w.validate_with(&fresh(), dataset.id).await
    };
    assert_eq!(dataset.status, DatasetStatus::Ready, "{:?}", dataset.validation_errors);
    assert!(dataset.storage_path.as_deref().is_some_and(|key| key.contains("/validated/")));

    let job = w.app.create_job(w.user, &w.job_request(&dataset)).await.unwrap();
    if !name.starts_with("validate.") {
        if let Some(first) = case.die_first_at {
            let dying = fresh();
            dying.failpoints().arm(first, 1);
            run_until_dead(&w, &dying, Some(&job), case.cancel, trace).await;
            assert_reached(&dying, first);
            if case.cancel == Cancel::AfterFirstDeath {
                w.app.cancel_job(w.user, job.id).await.unwrap();
            }
        }
        let dying = fresh();
        dying.failpoints().arm(name, 1);
        run_until_dead(&w, &dying, Some(&job), case.cancel, trace).await;
        assert_reached(&dying, name);
    }
    let survivor = fresh();
    let job = run_to_final(&w, &survivor, &job, trace).await;

    // How it ended.
    assert_eq!(
        (job.status, job.error_type.as_deref()),
        case.ends,
        "{:?} after {} retries",
        job.error_message,
        job.retry_count
    );
    assert_eq!(job.retry_count, case.attempts.saturating_sub(1), "retries");
    if case.attempts == 0 {
        assert!(w.worker_starts().is_empty(), "no worker for a launch that gave up");
    }
    check_invariants(&w, &job).await;
}

/// Passes of a dying orchestrator until it dies (releasing a waiting worker once it was
/// seen running), or until everything ended without it dying.
async fn run_until_dead(w: &Harnessed, dying: &Orchestrator, job: Option<&TrainingJob>, cancel: Cancel, trace: &Trace) {
    for pass in 0..1500 {
        trace.enter("dying", pass);
        let _ = dying.run_once().await;
        trace.passed();
        if dying.failpoints().is_dead() {
            return;
        }
        if let Some(job) = job {
            let now = w.app.get_job(w.user, job.id).await.unwrap().job;
            trace.saw(&now);
            if cancel == Cancel::WhenRunning && now.status == JobStatus::Running && now.cancel_requested_at.is_none() {
                w.app.cancel_job(w.user, job.id).await.unwrap();
                continue;
            }
            release_when_seen_running(w, &now);
            if now.status.is_final() {
                return;
            }
        } else if w
            .app
            .list_datasets(w.user, &Default::default())
            .await
            .unwrap()
            .items
            .iter()
            .all(|d| d.status != DatasetStatus::Validating)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn assert_reached(dying: &Orchestrator, name: &str) {
    assert!(
        dying.failpoints().is_dead(),
        "failpoint {name} was never reached by its scenario (reached: {:?})",
        dying.failpoints().reached()
    );
}

/// A `wait` worker finishes once it was seen running at its second step: the progress of a
/// running job is written first. One its owner cancelled waits for the stop.
fn release_when_seen_running(w: &Harnessed, job: &TrainingJob) {
    if job.status == JobStatus::Running && job.current_step >= 2 && job.cancel_requested_at.is_none() {
        let dir = w.attempt_dir(job.id, job.retry_count);
        if dir.exists() {
            let _ = std::fs::write(dir.join("release"), "");
        }
    }
}

async fn run_to_final(w: &Harnessed, orchestrator: &Orchestrator, job: &TrainingJob, trace: &Trace) -> TrainingJob {
    for pass in 0..1500 {
        trace.enter("survivor", pass);
        orchestrator.run_once().await.unwrap();
        trace.passed();
        let now = w.app.get_job(w.user, job.id).await.unwrap().job;
        trace.saw(&now);
        release_when_seen_running(w, &now);
        if now.status.is_final() {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {} never ended", job.id);
}

/// The invariants that hold at the end, wherever an orchestrator died.
async fn check_invariants(w: &Harnessed, job: &TrainingJob) {
    // One worker per attempt made, none for an attempt never made.
    let mut starts: BTreeMap<u32, u32> = BTreeMap::new();
    for (id, attempt) in w.worker_starts() {
        assert_eq!(id, job.id.to_string());
        *starts.entry(attempt).or_default() += 1;
    }
    assert!(starts.values().all(|n| *n == 1), "workers started per attempt: {starts:?}");
    assert!(starts.keys().all(|attempt| *attempt <= job.retry_count), "{starts:?}");
    if job.status == JobStatus::Completed {
        assert_eq!(starts.len() as u32, job.retry_count + 1, "every attempt ran once: {starts:?}");
    }

    // One artifact per completed job, linked to it.
    let models = w.app.list_models(w.user, &Default::default()).await.unwrap().items;
    if job.status == JobStatus::Completed {
        assert_eq!(models.len(), 1, "{models:?}");
        assert_eq!(job.artifact_id, Some(models[0].id));
        assert_eq!(models[0].training_summary.final_cost, job.final_cost.unwrap());
    } else {
        assert!(models.is_empty(), "{models:?}");
    }

    // The final cost is the sum of the cost records, one per attempt that ran at most.
    let records = w.job_cost_records(job.id).await;
    assert!(records.len() as u32 <= job.retry_count + 1, "{records:?}");
    assert_eq!(job.final_cost, Some(records.iter().map(|r| r.amount).sum()));

    // At most one notification of each kind per job and per dataset; one final one each.
    let mut kinds: BTreeMap<(String, Option<String>), u32> = BTreeMap::new();
    for notification in w.notifications().await {
        *kinds.entry((notification.notification_type.to_string(), notification.action_url.clone())).or_default() += 1;
    }
    // (Each attempt that starts says so: `job_started` once per attempt.)
    for ((kind, _), n) in &kinds {
        let most = if kind == "job_started" { job.retry_count + 1 } else { 1 };
        assert!(*n <= most, "{kinds:?}");
    }
    let final_kind = match job.status {
        JobStatus::Completed => "job_complete",
        JobStatus::Failed => "job_failed",
        _ => "job_cancelled",
    };
    assert!(kinds.keys().any(|(kind, _)| kind == final_kind), "{kinds:?}");
    assert!(kinds.keys().any(|(kind, _)| kind == "dataset_ready"), "{kinds:?}");

    // Nothing left in the middle of its life.
    for dataset in w.app.list_datasets(w.user, &Default::default()).await.unwrap().items {
        assert!(matches!(dataset.status, DatasetStatus::Ready | DatasetStatus::Error), "{:?}", dataset.status);
    }
    for other in w.app.list_jobs(w.user, &Default::default()).await.unwrap().items {
        assert!(other.status.is_final(), "{:?}", other.status);
    }
}
