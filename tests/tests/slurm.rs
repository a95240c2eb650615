//! The Slurm backend against a real single-node Slurm (`scripts/slurm-node`: slurmctld,
//! slurmd and slurmrestd with JWT), running the real trainer on the smoke model: a job
//! completes with its adapter stored and verified (through the shared filesystem, and through
//! signed URLs), a second is cancelled mid-run, a worker killed mid-run is reported and
//! retried, a submission cut short is found again and never repeated, and a job Slurm forgot
//! answers from its record.
//!
//! Set `BRIGHTRUN_TEST_SLURM_URL` to the URL `scripts/slurm-node` prints, and `SLURM_JWT`
//! (and `SLURM_USER`, default `USER`) to the token it writes. Unset, these tests print
//! SKIPPED, or fail when `CI=true`. The worker is `$BRIGHTRUN_TRAINER_PYTHON -m
//! brightrun_trainer` (default `python3`), with this checkout's trainer first on its path;
//! the node is this machine, so the run directories are a shared filesystem.
//!
//! Always run (no Slurm needed): a slurmrestd that does not answer fails at start with
//! `backend_unreachable`.

use std::time::{Duration, Instant};

use brightrun_core::ErrorCode as _;
use brightrun_core::backend::protocol::{PROTOCOL_VERSION, SpecDataset, SpecOutput};
use brightrun_core::backend::slurm::ApiVersion;
use brightrun_core::backend::slurm::record::{self, Record};
use brightrun_core::backend::{BackendStatus, SlurmBackend, SlurmBackendConfig, SlurmJobOptions, Transfer};
use brightrun_core::backend::{GpuBackend as _, WorkerSpec};
use brightrun_core::config::Preset;
use brightrun_core::model::{JobId, JobStatus};
use brightrun_core::service::BackendChoice;
use brightrun_tests::engine::{
    World, a_killed_worker_is_reported_and_retried, a_restarted_orchestrator_completes_the_stranded_job,
    a_running_job_is_cancelled, completes_with_verified_files, engine_url, worker_command,
};
use url::Url;

/// One Slurm job at a time: this machine is small.
static SLURM: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn slurm_url() -> Option<Url> {
    engine_url("BRIGHTRUN_TEST_SLURM_URL", "start Slurm with scripts/slurm-node, which prints it")
}

/// What the tests' jobs ask for: little memory and time, as a small node can give.
fn job_options() -> SlurmJobOptions {
    SlurmJobOptions { memory_mb: 3072, time_limit_minutes: 30, ..SlurmJobOptions::default() }
}

async fn world(url: &Url) -> World {
    world_with(url, Transfer::SharedFilesystem, None).await
}

/// A world whose workers use `transfer`, with the object store at `storage_url` (else a
/// local directory).
async fn world_with(url: &Url, transfer: Transfer, storage_url: Option<String>) -> World {
    let choice = BackendChoice::Slurm { url: url.clone(), api: ApiVersion::V0038, transfer, job: job_options() };
    let world = World::new(choice, storage_url).await;
    assert_eq!(world.app.backend().name(), "slurm");
    world
}

#[tokio::test(flavor = "multi_thread")]
async fn a_smoke_job_completes_on_slurm_with_its_adapter_stored_and_verified() {
    let Some(url) = slurm_url() else { return };
    let _one = SLURM.lock().await;
    completes_with_verified_files(&world(&url).await, "shared filesystem").await;
}

/// The same through signed URLs of an S3-compatible store that checks SigV4 (s3s), which
/// the job, on this machine, reaches on loopback.
#[tokio::test(flavor = "multi_thread")]
async fn a_smoke_job_completes_on_slurm_through_signed_urls() {
    let Some(url) = slurm_url() else { return };
    let _one = SLURM.lock().await;
    let root = tempfile::tempdir().unwrap();
    let endpoint = brightrun_tests::s3::start(root.path()).await.unwrap();
    let storage = brightrun_tests::s3::storage_url(&endpoint, brightrun_tests::s3::SECRET_KEY);
    let world = world_with(&url, Transfer::SignedUrls, Some(storage)).await;
    completes_with_verified_files(&world, "signed URLs").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_slurm_job_is_cancelled() {
    let Some(url) = slurm_url() else { return };
    let _one = SLURM.lock().await;
    a_running_job_is_cancelled(&world(&url).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_slurm_worker_is_reported_and_retried() {
    let Some(url) = slurm_url() else { return };
    let _one = SLURM.lock().await;
    let world = world(&url).await;
    a_killed_worker_is_reported_and_retried(&world, |message| message.contains("signal 9")).await;
}

/// An orchestrator dies between Slurm accepting the job and the job recording its handle;
/// the restarted one submits the same attempt again, which finds the Slurm job recorded in
/// the attempt's run directory instead of starting a second one, and follows it to the end.
#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_orchestrator_finds_the_same_slurm_job_and_follows_it() {
    let Some(url) = slurm_url() else { return };
    let _one = SLURM.lock().await;
    let mut world = world(&url).await;
    let job = a_restarted_orchestrator_completes_the_stranded_job(&mut world).await;
    let record = world.config.slurm_runs_dir().join(format!("{}-0", job.id)).join("slurm-job.json");
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(record).unwrap()).unwrap();
    assert_eq!(record["ended"]["status"]["state"], "succeeded", "the end is recorded: {record}");
}

/// slurmctld forgets a finished job after `MinJobAge` (20 s on `scripts/slurm-node`): the
/// end the backend recorded still answers, and without that record the job is lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_finished_job_slurm_forgot_is_answered_from_its_record() {
    let Some(url) = slurm_url() else { return };
    let _one = SLURM.lock().await;
    let world = world(&url).await;
    let job = world.job(12, 1).await;
    let job = world.run_until(job.id, Duration::from_secs(300), |job| job.status.is_final()).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    let backend = world.app.backend();
    let handle = backend.find(job.id, 0).await.unwrap().expect("the attempt is found again");
    let dir = world.config.slurm_runs_dir().join(format!("{}-0", job.id));
    let recorded = record::read(&dir).unwrap().expect("a record");
    let forgotten = Instant::now();
    while slurm_knows(&url, recorded.job_id).await {
        assert!(forgotten.elapsed() < Duration::from_secs(240), "Slurm still knows job {}", recorded.job_id);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    eprintln!("Slurm forgot job {} {:.0} s after it ended", recorded.job_id, forgotten.elapsed().as_secs_f64());
    assert_eq!(backend.status(&handle).await.unwrap(), BackendStatus::Succeeded);
    let times = backend.worker_times(&handle).await.unwrap();
    assert!(times.started_at.is_some() && times.ended_at >= times.started_at, "{times:?}");
    record::write(&dir, &Record { job_id: recorded.job_id, ended: None }).unwrap();
    let lost = backend.status(&handle).await.unwrap();
    assert!(matches!(lost, BackendStatus::Lost { ref reason } if reason.contains("MinJobAge")), "{lost:?}");
}

/// Whether slurmctld still has job `id`, asked directly.
async fn slurm_knows(url: &Url, id: u64) -> bool {
    let token = std::env::var("SLURM_JWT").expect("SLURM_JWT");
    let user = std::env::var("SLURM_USER").unwrap_or_else(|_| "root".into());
    let answer = reqwest::Client::new()
        .get(url.join(&format!("slurm/v0.0.38/job/{id}")).unwrap())
        .header("X-SLURM-USER-NAME", user)
        .header("X-SLURM-USER-TOKEN", token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    answer["jobs"].as_array().is_some_and(|jobs| !jobs.is_empty())
}

/// An orchestrator dies between Slurm accepting the job and the backend recording its id:
/// the attempt is found again by its name in Slurm, and submitting it again starts nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_submit_cut_short_is_found_by_its_name_and_not_repeated() {
    let Some(url) = slurm_url() else { return };
    let _one = SLURM.lock().await;
    let home = tempfile::tempdir().unwrap();
    let token = std::env::var("SLURM_JWT").expect("SLURM_JWT");
    let backend = SlurmBackend::connect(config(url.clone(), home.path(), &token)).await.unwrap();
    let spec = WorkerSpec {
        v: PROTOCOL_VERSION,
        job_id: JobId::new(),
        attempt: 0,
        transfer: Transfer::SharedFilesystem,
        gpus: 1,
        base_model: "smoke".into(),
        hyperparameters: Preset::Conservative.hyperparameters("smoke"),
        // The worker fails at once (exit 3): only the submission matters here.
        dataset: SpecDataset { train: "/nonexistent/train.jsonl".into(), validation: None },
        output: SpecOutput { dir: "/nonexistent".into(), upload_urls: Default::default() },
        seed: 1,
        logging_steps: 1,
        max_steps: None,
    };
    let handle = backend.submit(&spec).await.unwrap();
    let dir = home.path().join("slurm").join(&handle.external_id);
    let submitted = record::read(&dir).unwrap().expect("a record");
    std::fs::remove_file(dir.join(record::RECORD_FILE)).unwrap();
    assert_eq!(backend.find(spec.job_id, 0).await.unwrap(), Some(handle.clone()), "found by its name");
    assert_eq!(record::read(&dir).unwrap().map(|r| r.job_id), Some(submitted.job_id), "and recorded again");
    std::fs::remove_file(dir.join(record::RECORD_FILE)).unwrap();
    assert_eq!(backend.submit(&spec).await.unwrap(), handle);
    assert_eq!(record::read(&dir).unwrap().map(|r| r.job_id), Some(submitted.job_id), "no second job");
    assert_eq!(backend.find(spec.job_id, 1).await.unwrap(), None, "another attempt was never sent");
    let start = Instant::now();
    let status = loop {
        let status = backend.status(&handle).await.unwrap();
        if status.is_terminal() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{status:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(matches!(status, BackendStatus::Failed { exit_code: Some(3), .. }), "{status:?}");
}

/// A token slurmrestd refuses fails at start with `backend_unauthorized`.
#[tokio::test]
async fn a_refused_token_fails_at_start() {
    let Some(url) = slurm_url() else { return };
    let home = tempfile::tempdir().unwrap();
    let error = SlurmBackend::connect(config(url, home.path(), "not-a-token")).await.unwrap_err();
    assert_eq!(error.code(), "backend_unauthorized", "{error}");
    assert!(error.to_string().contains("SLURM_JWT"), "{error}");
}

#[tokio::test]
async fn a_slurmrestd_that_does_not_answer_fails_at_start() {
    let home = tempfile::tempdir().unwrap();
    let error =
        SlurmBackend::connect(config(Url::parse("http://127.0.0.1:9/").unwrap(), home.path(), "t")).await.unwrap_err();
    assert_eq!(error.code(), "backend_unreachable", "{error}");
    assert!(error.to_string().contains("127.0.0.1:9"), "{error}");
}

fn config(url: Url, home: &std::path::Path, token: &str) -> SlurmBackendConfig {
    SlurmBackendConfig {
        url,
        api: ApiVersion::V0038,
        user: std::env::var("SLURM_USER").unwrap_or_else(|_| "root".into()),
        token: token.into(),
        transfer: Transfer::SharedFilesystem,
        runs_dir: home.join("slurm"),
        worker_command: worker_command(),
        job: job_options(),
    }
}
