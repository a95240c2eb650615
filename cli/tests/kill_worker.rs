//! `brightrun worker` killed with SIGKILL at random moments while jobs run, and started
//! again each time, until every job is over. Whatever the moment of each kill, the jobs
//! end as they would have without them: one worker per attempt (the protocol test double
//! records every start), one adapter per job, one notification of each kind per job,
//! every final cost the sum of the job's cost records, and no job left unfinished.
//!
//! The seed of the random moments is printed; `KILL_SEED=N` repeats a run and `KILLS=N`
//! sets how many kills to make (default 40).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime};

use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::model::{DatasetFormat, DatasetStatus, JobStatus, Money, NotificationType, UserId};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::{BrightRun, BrightRunConfig, JobRequest, NewDataset};
use brightrun_core::store::{ArtifactQuery, JobQuery, NotificationQuery, PageRequest};
use common::{Home, repo};

const JOBS: usize = 6;

/// Each job crashes on its first attempt (a transient failure, retried) and succeeds on its
/// second; every attempt takes a few dozen steps, so kills land in every phase.
const PLAN: &str = "plan:crash:4,success:25";

/// A small deterministic generator for the kill moments.
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn worker_command(record: &Path) -> String {
    let double = repo().join("tests/workers/protocol_test_double.py");
    format!("python3 {} --scenario {PLAN} --record {}", double.display(), record.display())
}

fn start_worker(home: &Home) -> Child {
    home.command(&["worker", "--poll-interval-ms", "20"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

fn kill(child: &mut Child) {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    child.wait().unwrap();
}

/// The service over the same home the CLI uses.
async fn service(home: &Home, worker: &str) -> BrightRun {
    let mut config = BrightRunConfig::embedded(home.path());
    config.worker_command = worker.split_whitespace().map(String::from).collect();
    BrightRun::open(config).await.unwrap()
}

/// Queues `JOBS` jobs on a dataset validated in-process.
async fn queue_jobs(app: &BrightRun, user: UserId) {
    let body: String = (0..12)
        .map(|i| {
            format!(r#"{{"messages": [{{"role": "user", "content": "Question {i}?"}}, {{"role": "assistant", "content": "Answer {i}."}}]}}"#) + "\n"
        })
        .collect();
    let new = NewDataset {
        name: "chats".into(),
        description: None,
        format: DatasetFormat::Chat,
        file_name: "chats.jsonl".into(),
        declared_size: body.len() as u64,
    };
    let upload = app.create_dataset(user, new).await.unwrap();
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(body))]);
    app.upload_dataset(user, upload.dataset.id, chunks).await.unwrap();
    Orchestrator::new(app.clone(), OrchestratorOptions::default()).run_once().await.unwrap();
    let dataset = app.get_dataset(user, upload.dataset.id).await.unwrap();
    assert_eq!(dataset.status, DatasetStatus::Ready, "{:?}", dataset.validation_errors);
    let request = JobRequest {
        dataset_id: dataset.id,
        preset: Preset::Conservative,
        base_model: "smoke".into(),
        hyperparameters: None,
        gpu: GpuSelection::new("CPU", 1, Some("3600.00".parse::<Money>().unwrap())).unwrap(),
        measured_tokens_per_second: None,
    };
    for _ in 0..JOBS {
        app.create_job(user, &request).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_at_random_moments_loses_and_doubles_nothing() {
    let seed = std::env::var("KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64);
    let kills: u32 = std::env::var("KILLS").ok().and_then(|s| s.parse().ok()).unwrap_or(40);
    eprintln!("kill_worker: seed {seed}, {kills} kills (KILL_SEED={seed} repeats this run)");
    let mut moments = Moments(seed);
    let record_dir = tempfile::tempdir().unwrap();
    let record = record_dir.path().join("starts");
    let worker = worker_command(&record);
    let home = Home::new(worker.clone());
    let app = service(&home, &worker).await;
    let user = UserId::new();
    queue_jobs(&app, user).await;

    let deadline = Instant::now() + Duration::from_secs(600);
    let mut killed = 0;
    let all_over = || async {
        let jobs = app
            .list_jobs(user, &JobQuery { page: PageRequest { limit: 100, offset: 0 }, ..JobQuery::default() })
            .await
            .unwrap();
        jobs.items.iter().all(|job| job.status.is_final())
    };
    while killed < kills && !all_over().await {
        assert!(Instant::now() < deadline, "jobs still running after {killed} kills (seed {seed})");
        let mut child = start_worker(&home);
        tokio::time::sleep(Duration::from_millis(moments.next_ms(700))).await;
        kill(&mut child);
        killed += 1;
    }
    // Then one that is left alone to finish the work.
    let mut last = start_worker(&home);
    while !all_over().await {
        assert!(Instant::now() < deadline, "jobs still running after {killed} kills (seed {seed})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kill(&mut last);
    eprintln!("kill_worker: the jobs ended after {killed} kills");

    let jobs = app
        .list_jobs(user, &JobQuery { page: PageRequest { limit: 100, offset: 0 }, ..JobQuery::default() })
        .await
        .unwrap()
        .items;
    assert_eq!(jobs.len(), JOBS);
    let starts = std::fs::read_to_string(&record).unwrap();
    let mut workers: HashMap<(String, String), u32> = HashMap::new();
    for line in starts.lines() {
        let mut fields = line.split_whitespace();
        let key = (fields.next().unwrap().to_owned(), fields.next().unwrap().to_owned());
        *workers.entry(key).or_default() += 1;
    }
    for job in &jobs {
        assert_eq!(job.status, JobStatus::Completed, "job {} (seed {seed}): {:?}", job.id, job.error_message);
        for attempt in 0..=job.retry_count {
            let started = workers.get(&(job.id.to_string(), attempt.to_string())).copied().unwrap_or(0);
            assert_eq!(started, 1, "job {} attempt {attempt} had {started} workers (seed {seed})", job.id);
        }
        let costs = app.job_costs(user, job.id).await.unwrap();
        let sum = costs.iter().fold(Money::ZERO, |sum, record| sum + record.amount);
        assert_eq!(job.final_cost, Some(sum), "job {} (seed {seed})", job.id);
    }
    let models = app
        .list_models(user, &ArtifactQuery { page: PageRequest { limit: 100, offset: 0 }, ..ArtifactQuery::default() })
        .await
        .unwrap()
        .items;
    assert_eq!(models.len(), JOBS, "one adapter per job (seed {seed})");
    let notifications = app
        .list_notifications(
            user,
            &NotificationQuery { page: PageRequest { limit: 100, offset: 0 }, ..NotificationQuery::default() },
        )
        .await
        .unwrap()
        .items;
    let mut kinds: HashMap<(String, NotificationType), u32> = HashMap::new();
    for notification in &notifications {
        let job = notification.metadata["job_id"].as_str().unwrap_or_default().to_owned();
        *kinds.entry((job, notification.notification_type)).or_default() += 1;
    }
    for job in &jobs {
        let count = |kind| kinds.get(&(job.id.to_string(), kind)).copied().unwrap_or(0);
        assert_eq!(count(NotificationType::JobComplete), 1, "job {} (seed {seed}): {kinds:?}", job.id);
        assert_eq!(count(NotificationType::JobFailed) + count(NotificationType::JobCancelled), 0);
        let started = count(NotificationType::JobStarted);
        assert!((1..=job.retry_count + 1).contains(&started), "job {}: {started} job_started (seed {seed})", job.id);
    }
}
