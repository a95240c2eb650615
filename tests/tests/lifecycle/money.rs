//! Money over a job's whole life. A property test drives jobs of random stories (attempts
//! that succeed, crash, fail or hold until cancelled) through random pass boundaries,
//! pauses, cancels, orchestrator restarts and orchestrators that die in the middle of a
//! pass (after any number of database calls, see [`crate::crash`]), and checks the job's
//! cost against its cost records after every step: at every end the final cost is their
//! sum. Then the rules one at a time: billing stops at the worker's
//! exit, the live cost adds the earlier attempts, the per-job cap is the whole job's.

use std::sync::Arc;
use std::time::Duration;

use brightrun_core::ErrorCode;
use brightrun_core::dataset::EstimatedTokenCounter;
use brightrun_core::estimate::billable_hours;
use brightrun_core::model::{CostRecord, JobId, JobStatus, Money, Timestamp, TrainingJob};
use brightrun_core::orchestrator::accounting::seconds_between;
use brightrun_core::orchestrator::{FollowState, Orchestrator, OrchestratorOptions};
use brightrun_core::service::BrightRun;
use brightrun_core::store::{BudgetSettings, Database};
use chrono::TimeDelta;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rust_decimal::Decimal;

use crate::crash::DiesAfter;
use crate::world::{PRICE_PER_GPU_HOUR, World, fast_options, world};

crate::on_both_backends!(
    final_cost_is_the_sum_of_the_cost_records_at_every_end,
    billing_stops_at_the_workers_exit,
    the_live_cost_adds_the_earlier_attempts_and_the_cap_is_the_whole_jobs,
    a_job_whose_cost_reached_its_cap_is_not_retried,
);

/// Stories played per backend unless `PROPTEST_CASES` says otherwise (each runs real
/// worker processes, about a second).
const DEFAULT_CASES: u32 = 16;

/// How an attempt of the test double ends (see `plan:` in the test double).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Success,
    Crash,
    Fail,
    Hold,
}

#[derive(Debug, Clone, Copy)]
struct Attempt {
    end: End,
    steps: u8,
}

/// What the test does between checks.
#[derive(Debug, Clone, Copy)]
enum Action {
    /// One whole pass.
    Pass,
    /// A pass whose orchestrator dies after `calls` database calls (its leases then run
    /// out); a new orchestrator takes over.
    CrashedPass { calls: u8 },
    /// A new orchestrator takes over between passes.
    Restart,
    /// Time passes; the worker carries on.
    Pause { millis: u8 },
    /// The user cancels the job.
    Cancel,
}

#[derive(Debug, Clone)]
struct Story {
    attempts: Vec<Attempt>,
    actions: Vec<Action>,
}

impl Story {
    /// The test double's scenario.
    fn plan(&self) -> String {
        let attempts: Vec<String> = self
            .attempts
            .iter()
            .map(|a| {
                let end = match a.end {
                    End::Success => "success",
                    End::Crash => "crash",
                    End::Fail => "fail",
                    End::Hold => "hold",
                };
                format!("{end}:{}", a.steps)
            })
            .collect();
        format!("plan:{}", attempts.join(","))
    }

    /// The story of attempt `n` (the last one repeats, as in the test double).
    fn attempt(&self, n: u32) -> Attempt {
        self.attempts[(n as usize).min(self.attempts.len() - 1)]
    }
}

fn any_story() -> impl Strategy<Value = Story> {
    let end = prop_oneof![3 => Just(End::Success), 3 => Just(End::Crash), 1 => Just(End::Fail), 1 => Just(End::Hold)];
    let attempt = (end, 0u8..=8).prop_map(|(end, steps)| Attempt { end, steps });
    let action = prop_oneof![
        6 => Just(Action::Pass),
        2 => (0u8..=40).prop_map(|calls| Action::CrashedPass { calls }),
        1 => Just(Action::Restart),
        3 => (0u8..=80).prop_map(|millis| Action::Pause { millis }),
        1 => Just(Action::Cancel),
    ];
    (prop::collection::vec(attempt, 1..=3), prop::collection::vec(action, 0..=14))
        .prop_map(|(attempts, actions)| Story { attempts, actions })
}

async fn final_cost_is_the_sum_of_the_cost_records_at_every_end(db: Arc<dyn Database>) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_CASES);
    let config = Config { cases, max_shrink_iters: 32, failure_persistence: None, ..Config::default() };
    let runtime = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        TestRunner::new(config).run(&any_story(), |story| runtime.block_on(play(db.clone(), story)))
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

/// Plays one story to its end, checking the money after every step.
async fn play(db: Arc<dyn Database>, story: Story) -> Result<(), TestCaseError> {
    let w = world(db, &story.plan());
    let id = w.queued_job().await.id;
    let mut orchestrator = new_orchestrator(&w);
    for action in &story.actions {
        match *action {
            Action::Pass => {
                orchestrator.run_once().await.map_err(|e| TestCaseError::fail(format!("pass: {e}")))?;
            }
            Action::CrashedPass { calls } => {
                // Whatever it did before dying stays done; the error it died with is its own.
                let _ = dying_orchestrator(&w, calls.into()).run_once().await;
                orchestrator = new_orchestrator(&w);
            }
            Action::Restart => orchestrator = new_orchestrator(&w),
            Action::Pause { millis } => tokio::time::sleep(Duration::from_millis(millis.into())).await,
            Action::Cancel => cancel(&w, id).await?,
        }
        check_costs(&w, id).await?;
    }
    // Then on to the end, as a user would: a held attempt is cancelled.
    for _ in 0..1500 {
        let job = w.app.get_job(w.user, id).await.unwrap().job;
        if job.status.is_final() {
            return check_costs(&w, id).await;
        }
        if job.status == JobStatus::Running && story.attempt(job.retry_count).end == End::Hold {
            cancel(&w, id).await?;
        }
        orchestrator.run_once().await.map_err(|e| TestCaseError::fail(format!("pass: {e}")))?;
        check_costs(&w, id).await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(TestCaseError::fail(format!("job {id} never finished")))
}

fn short_leases() -> OrchestratorOptions {
    OrchestratorOptions { lease: TimeDelta::seconds(2), ..fast_options() }
}

/// A fresh orchestrator (a new process, as far as leases tell) with short leases, so the
/// work of one that died is retaken soon.
fn new_orchestrator(w: &World) -> Orchestrator {
    Orchestrator::new(w.app.clone(), short_leases())
}

/// An orchestrator over the same parts whose process dies after `calls` database calls.
fn dying_orchestrator(w: &World, calls: u32) -> Orchestrator {
    let db: Arc<dyn Database> = Arc::new(DiesAfter::dying_after(w.app.database().clone(), calls));
    let app = BrightRun::from_parts(
        db,
        w.app.blobs().clone(),
        w.app.backend().clone(),
        Arc::new(EstimatedTokenCounter),
        w.app.config().clone(),
    );
    Orchestrator::new(app, short_leases())
}

async fn cancel(w: &World, id: JobId) -> Result<(), TestCaseError> {
    match w.app.cancel_job(w.user, id).await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == "job_finished" => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("cancel: {} ({})", e, e.code()))),
    }
}

fn sum(records: &[CostRecord]) -> Money {
    records.iter().map(|record| record.amount).sum()
}

fn decimal(record: &CostRecord, field: &str) -> Decimal {
    record.details[field].as_str().and_then(|text| text.parse().ok()).unwrap_or_else(|| {
        panic!("cost record detail {field} is not a decimal string: {}", record.details);
    })
}

/// The money rules, whenever the job is looked at.
async fn check_costs(w: &World, id: JobId) -> Result<(), TestCaseError> {
    let job = w.app.get_job(w.user, id).await.unwrap().job;
    let records = w.job_cost_records(id).await;
    prop_assert!(records.len() as u32 <= job.retry_count + 1, "one record per attempt at most: {:?}", records);
    for record in &records {
        // Billable hours x price x GPUs, rounded half up to cents once, in the record.
        let exact = decimal(record, "billable_hours") * decimal(record, "price_per_gpu_hour");
        let gpus = Decimal::from(record.details["gpu_count"].as_u64().unwrap_or(0));
        prop_assert_eq!(record.amount, Money::new(exact * gpus).round_to_cents());
        prop_assert_eq!(record.amount.amount().scale(), 2);
    }
    let attempt_of = |record: &CostRecord| record.details["attempt"].as_u64().unwrap_or(u64::MAX);
    let earlier: Vec<CostRecord> =
        records.iter().filter(|r| attempt_of(r) < u64::from(job.retry_count)).cloned().collect();
    // Amounts shown are whole cents with two decimals, zero too, whichever database.
    prop_assert_eq!(job.current_cost.amount().scale(), 2, "current cost {}", job.current_cost);
    prop_assert!(job.final_cost.is_none_or(|cost| cost.amount().scale() == 2), "final cost {:?}", job.final_cost);
    if job.status.is_final() {
        prop_assert_eq!(job.final_cost, Some(sum(&records)), "final cost of {:?} vs its records", job.status);
        prop_assert_eq!(job.current_cost, sum(&records));
    } else if job.status == JobStatus::Queued {
        // Between attempts nothing runs: the cost is what the attempts so far were charged.
        prop_assert_eq!(job.current_cost, sum(&records));
        prop_assert_eq!(records.len(), earlier.len());
    } else {
        // The live cost is the earlier attempts plus (once reported) the current one.
        prop_assert!(job.current_cost >= sum(&earlier), "{} < {}", job.current_cost, sum(&earlier));
    }
    Ok(())
}

/// A job of the world's scenario, queued.
async fn queued(w: &World) -> JobId {
    w.queued_job().await.id
}

/// Lets attempt `attempt` of the job (a `wait` plan) finish, and returns when its worker
/// exited, as the local backend recorded it.
async fn release(w: &World, id: JobId, attempt: u32) -> Timestamp {
    let dir = w.attempt_dir(id, attempt);
    std::fs::write(dir.join("release"), "").unwrap();
    for _ in 0..1500 {
        if let Ok(modified) = std::fs::metadata(dir.join("exit_code")).and_then(|m| m.modified()) {
            return Timestamp::from_datetime(modified.into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("attempt {attempt} of job {id} never exited");
}

fn running_at(step: u64) -> impl Fn(&TrainingJob) -> bool {
    move |job| job.status == JobStatus::Running && job.current_step >= step
}

async fn billing_stops_at_the_workers_exit(db: Arc<dyn Database>) {
    let w = world(db, "plan:success:2:wait");
    let id = queued(&w).await;
    w.run_until(id, running_at(2)).await;
    let exited = release(&w, id, 0).await;
    // Nobody looks for a while: the job is noticed done at least a second after its exit.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let job = w.run_to_end(id).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);

    let records = w.job_cost_records(id).await;
    assert_eq!(records.len(), 1);
    let record = &records[0];
    let started: Timestamp = serde_json::from_value(record.details["started_at"].clone()).unwrap();
    let ended: Timestamp = serde_json::from_value(record.details["ended_at"].clone()).unwrap();
    assert_eq!(ended, exited, "billed to the exit the backend recorded");
    assert!(started <= ended && started <= job.started_at.unwrap());
    let hours = billable_hours(seconds_between(started, ended));
    assert_eq!(decimal(record, "billable_hours"), hours);
    let price: Decimal = PRICE_PER_GPU_HOUR.parse().unwrap();
    assert_eq!(record.amount, Money::new(hours * price).round_to_cents());
    // Billing to when it was noticed would have added that second (2.7 units of 0.36 s).
    let noticed = billable_hours(seconds_between(started, job.completed_at.unwrap()));
    assert!(noticed >= hours + Decimal::new(2, 4), "{noticed} vs {hours}");
    assert_eq!((job.final_cost, job.current_cost), (Some(record.amount), record.amount));
    let model = w.app.get_model(w.user, job.artifact_id.unwrap()).await.unwrap();
    assert_eq!(model.training_summary.final_cost, record.amount);
}

async fn the_live_cost_adds_the_earlier_attempts_and_the_cap_is_the_whole_jobs(db: Arc<dyn Database>) {
    let w = world(db, "plan:crash:1:wait,hold:1");
    let id = queued(&w).await;
    w.run_until(id, running_at(1)).await;
    release(&w, id, 0).await;
    let second = w.run_until(id, |j| j.retry_count == 1 && running_at(1)(j)).await;
    let records = w.job_cost_records(id).await;
    assert_eq!(records.len(), 1);
    let first = records[0].amount;
    assert!(first > Money::ZERO, "the first attempt ran: {first}");
    assert!(second.current_cost >= first, "live {} includes the first attempt's {first}", second.current_cost);

    // A cap of what the job has already cost stops it at the next report, however little
    // the second attempt itself has cost.
    let cap = BudgetSettings { monthly_budget: None, alert_threshold_percent: 80, per_job_cost_cap: Some(first) };
    w.app.set_budget(w.user, &cap).await.unwrap();
    w.orchestrator.run_once().await.unwrap();
    let stopping = w.app.get_job(w.user, id).await.unwrap().job;
    let reason = FollowState::of(&stopping).and_then(|state| state.stop_reason);
    assert!(reason.as_deref().is_some_and(|r| r.contains("cost cap")), "{reason:?}");

    let job = w.run_to_end(id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Cancelled, Some("cost_cap")));
    let records = w.job_cost_records(id).await;
    assert_eq!(records.len(), 2);
    assert_eq!(job.final_cost, Some(sum(&records)));
}

async fn a_job_whose_cost_reached_its_cap_is_not_retried(db: Arc<dyn Database>) {
    let w = world(db, "plan:crash:2:wait,success:2");
    let id = queued(&w).await;
    w.run_until(id, running_at(2)).await;
    // The worker crashes after it was seen running, so it cost at least 0.36 s ($0.36).
    release(&w, id, 0).await;
    let cap = BudgetSettings {
        monthly_budget: None,
        alert_threshold_percent: 80,
        per_job_cost_cap: Some("0.10".parse().unwrap()),
    };
    w.app.set_budget(w.user, &cap).await.unwrap();
    let job = w.run_to_end(id).await;
    assert_eq!((job.status, job.error_type.as_deref(), job.retry_count), (JobStatus::Failed, Some("cost_cap"), 0));
    assert!(job.error_message.as_deref().unwrap_or_default().contains("not retried"), "{:?}", job.error_message);
    let records = w.job_cost_records(id).await;
    assert_eq!(records.len(), 1);
    assert!(records[0].amount >= "0.36".parse().unwrap(), "{}", records[0].amount);
    assert_eq!(job.final_cost, Some(records[0].amount));
    assert!(!w.attempt_dir(id, 1).exists(), "no second attempt was started");
}
