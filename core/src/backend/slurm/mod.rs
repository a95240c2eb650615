//! The Slurm backend: each attempt of a job is one Slurm batch job, over slurmrestd's REST
//! API with a JWT.
//!
//! The job's name is `brightrun-<job>-<attempt>` and its comment says the same: submitting an
//! attempt again (another orchestrator, a restarted one) finds the job already recorded in
//! the attempt's run directory, or else (if it was perhaps sent) already in Slurm by that
//! name, and returns the same handle; [`find`](GpuBackend::find) looks in the same two places. The batch script `exec`s
//! the worker command with `--spec-env BRIGHTRUN_SPEC`, the spec travelling in the job's
//! environment (which is all the environment it gets: `PATH` and the BrightRun variables).
//! Every job asks for its memory and its time limit (a job without a memory request is
//! given the whole node) and, with GPUs, for `gres gpu:N`.
//!
//! Slurm has no log API: the worker's stdout goes to `stdout.log` in the attempt's run
//! directory, which the nodes must share with this machine, and is read from there by byte
//! offset. slurmctld forgets a finished job after `MinJobAge`, so the first time an
//! attempt is seen over, its end is recorded in the run directory ([`record`]) and read from
//! there afterwards; a job Slurm no longer knows with no recorded end is lost (and retried).
//! Cancel is SIGTERM to the job, sent again while Slurm answers "try again later" (a job
//! being launched): the worker saves a partial adapter and exits 143. States are mapped in
//! [`states`]; the plugin's shapes are in one file per version ([`v0038`]).
//!
//! Data and adapter travel per [`Transfer`]: with a shared filesystem (the default, and the
//! natural one for Slurm) the worker reads the orchestrator's converted files and writes the
//! adapter under the run directory's `out/`; with signed URLs it downloads and uploads
//! through the object store (the run directory still has to be shared, for the output).
//!
//! Handles are signed like the local backend's ([`HandleKey`], kept in `runs_dir`).

mod client;
pub mod record;
pub mod states;
mod v0038;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use url::Url;

use super::artifacts::announced;
use super::error::BackendError;
use super::event_log::{EventBatch, EventCursor, read_all_events, read_events};
use super::local::files::create_dir;
use super::local::handle::{HandleKey, run_name};
use super::protocol::{Transfer, WorkerSpec, spec_env_command};
use super::{BackendHandle, BackendStatus, CollectedArtifact, GpuBackend, WorkerTimes};
use crate::model::JobId;
use client::{BatchJob, SlurmClient};
use record::{Ended, Record};

pub use client::{ApiVersion, ExitStatus, JobInfo};

const BACKEND_NAME: &str = "slurm";
pub use super::protocol::{JOB_VAR, SPEC_VAR};
/// The worker's stdout (its events) in the attempt's run directory.
pub const STDOUT_FILE: &str = "stdout.log";
/// The worker's stderr in the attempt's run directory.
pub const STDERR_FILE: &str = "stderr.log";

/// What every batch job asks Slurm for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmJobOptions {
    /// Memory of the job, MiB (always sent: without it Slurm gives a job the whole node).
    pub memory_mb: u64,
    /// Time limit, minutes: Slurm sends SIGTERM then (after `KillWait`) SIGKILL at the end.
    pub time_limit_minutes: u32,
    /// CPUs of the job.
    pub cpus_per_task: u32,
    /// The partition; the cluster's default when `None`.
    pub partition: Option<String>,
    /// `PATH` of the batch script (slurmrestd passes no environment of its own).
    pub path: String,
}

impl Default for SlurmJobOptions {
    fn default() -> Self {
        Self {
            memory_mb: 32 * 1024,
            time_limit_minutes: 24 * 60,
            cpus_per_task: 1,
            partition: None,
            path: "/usr/local/bin:/usr/bin:/bin".into(),
        }
    }
}

/// How the Slurm backend reaches its cluster and runs workers there.
#[derive(Clone, PartialEq, Eq)]
pub struct SlurmBackendConfig {
    /// slurmrestd, `http://HOST:PORT/` (6820 by convention).
    pub url: Url,
    /// The slurmrestd plugin version.
    pub api: ApiVersion,
    /// The Slurm user the jobs run as (`X-SLURM-USER-NAME`).
    pub user: String,
    /// That user's JWT (`X-SLURM-USER-TOKEN`), e.g. from `scontrol token`.
    pub token: String,
    /// How data and adapters travel between this machine and the workers.
    pub transfer: Transfer,
    /// The handle key and each attempt's run directory (`<job>-<attempt>/`: the record,
    /// stdout, stderr and, on a shared filesystem, `out/`); the nodes must see it at the same
    /// path.
    pub runs_dir: PathBuf,
    /// The worker command as the nodes run it; `--spec-env BRIGHTRUN_SPEC` is appended.
    pub worker_command: Vec<String>,
    /// What each batch job asks for.
    pub job: SlurmJobOptions,
}

impl std::fmt::Debug for SlurmBackendConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlurmBackendConfig")
            .field("url", &self.url)
            .field("api", &self.api)
            .field("user", &self.user)
            .field("transfer", &self.transfer)
            .field("runs_dir", &self.runs_dir)
            .field("worker_command", &self.worker_command)
            .field("job", &self.job)
            .finish_non_exhaustive()
    }
}

/// The Slurm backend.
#[derive(Debug, Clone)]
pub struct SlurmBackend {
    config: SlurmBackendConfig,
    client: SlurmClient,
    key: Arc<OnceLock<HandleKey>>,
}

/// Slurm's name of an attempt's job.
pub fn job_name(job_id: &JobId, attempt: u32) -> String {
    format!("brightrun-{}", run_name(job_id, attempt))
}

impl SlurmBackend {
    /// A backend of the cluster `config` names; fails with [`BackendError::Unreachable`]
    /// unless slurmrestd answers, or [`BackendError::Unauthorized`] if it refuses the token.
    pub async fn connect(config: SlurmBackendConfig) -> Result<Self, BackendError> {
        if config.worker_command.is_empty() {
            return Err(BackendError::Launch { reason: "no worker command configured".into() });
        }
        let client = SlurmClient::new(config.url.clone(), config.api, config.user.clone(), config.token.clone())?;
        let release = client.ping().await?;
        tracing::info!(url = %config.url, slurm = %release, user = %config.user, transfer = ?config.transfer, "Slurm backend");
        Ok(Self { config, client, key: Arc::default() })
    }

    /// The run directory of a handle this backend issued.
    fn run_dir(&self, handle: &BackendHandle) -> Result<PathBuf, BackendError> {
        HandleKey::verify_cached(&self.key, BACKEND_NAME, &self.config.runs_dir, handle)
    }

    fn key(&self, create: bool) -> Result<Option<&HandleKey>, BackendError> {
        HandleKey::cached(&self.key, &self.config.runs_dir, create)
    }

    /// The batch job of `spec`, run in `dir`, writing its adapter to `dir/out` on a shared
    /// filesystem.
    fn batch_job(&self, spec: &WorkerSpec, dir: &Path) -> Result<BatchJob, BackendError> {
        let mut spec = spec.clone();
        if self.config.transfer == Transfer::SharedFilesystem {
            spec.output.dir = dir.join("out").display().to_string();
        }
        let (command, spec_json) = spec_env_command(&self.config.worker_command, &spec)?;
        let options = &self.config.job;
        let job = spec.job_id.to_string();
        Ok(BatchJob {
            name: job_name(&spec.job_id, spec.attempt),
            comment: format!("brightrun job {job} attempt {}", spec.attempt),
            // exec: the worker is the batch script, so Slurm's signals and exit status are its.
            script: format!("#!/bin/sh\nexec {}\n", shell_words::join(&command)),
            working_dir: dir.display().to_string(),
            stdout: dir.join(STDOUT_FILE).display().to_string(),
            stderr: dir.join(STDERR_FILE).display().to_string(),
            environment: BTreeMap::from([
                ("PATH".to_owned(), options.path.clone()),
                (SPEC_VAR.to_owned(), spec_json),
                (JOB_VAR.to_owned(), job),
            ]),
            cpus_per_task: options.cpus_per_task,
            memory_mb: options.memory_mb,
            time_limit_minutes: options.time_limit_minutes,
            gpus: spec.gpus,
            partition: options.partition.clone(),
        })
    }

    /// The recorded Slurm job of run directory `dir`, or, if it may have been sent, the one
    /// Slurm has by the attempt's name (recorded now): how a submit cut short is found again.
    async fn recorded_or_named(&self, dir: &Path, name: &str) -> Result<Option<Record>, BackendError> {
        if let Some(record) = record::read(dir)? {
            return Ok(Some(record));
        }
        if !record::was_submitting(dir) {
            return Ok(None);
        }
        let Some(job) = self.client.jobs().await?.into_iter().filter(|job| job.name == name).max_by_key(|j| j.job_id)
        else {
            return Ok(None);
        };
        let record = Record { job_id: job.job_id, ended: None };
        record::write(dir, &record)?;
        Ok(Some(record))
    }

    /// The attempt's record, its end written the first time Slurm reports one.
    async fn follow(&self, dir: &Path) -> Result<Option<(Record, Option<JobInfo>)>, BackendError> {
        let Some(mut record) = record::read(dir)? else { return Ok(None) };
        if record.ended.is_some() {
            return Ok(Some((record, None)));
        }
        let info = self.client.job(record.job_id).await?;
        if let Some(info) = &info {
            let status = states::status_of(info);
            if status.is_terminal() {
                record.ended = Some(Ended { status, times: states::times_of(info) });
                record::write(dir, &record)?;
            }
        }
        Ok(Some((record, info)))
    }
}

#[async_trait]
impl GpuBackend for SlurmBackend {
    fn name(&self) -> &'static str {
        BACKEND_NAME
    }

    fn transfer(&self) -> Transfer {
        self.config.transfer
    }

    /// Submits the attempt once: an attempt already recorded here, or known to Slurm by its
    /// name, is not submitted again.
    async fn submit(&self, spec: &WorkerSpec) -> Result<BackendHandle, BackendError> {
        let key = self.key(true)?.ok_or_else(|| BackendError::Launch { reason: "no handle key".into() })?;
        let handle = key.issue(BACKEND_NAME, &self.config.runs_dir, spec.job_id, spec.attempt);
        let dir = self.run_dir(&handle)?;
        create_dir(&dir)?;
        if self.config.transfer == Transfer::SharedFilesystem {
            create_dir(&dir.join("out"))?;
        }
        let name = job_name(&spec.job_id, spec.attempt);
        if let Some(record) = self.recorded_or_named(&dir, &name).await? {
            tracing::info!(job = %spec.job_id, attempt = spec.attempt, slurm_job = record.job_id, "Slurm job already submitted");
            return Ok(handle);
        }
        let job = self.batch_job(spec, &dir)?;
        record::mark_submitting(&dir)?;
        let job_id = self.client.submit(&job).await?;
        record::write(&dir, &Record { job_id, ended: None })?;
        tracing::info!(job = %spec.job_id, attempt = spec.attempt, slurm_job = job_id, "Slurm job submitted");
        Ok(handle)
    }

    async fn find(&self, job_id: JobId, attempt: u32) -> Result<Option<BackendHandle>, BackendError> {
        let Some(key) = self.key(false)? else { return Ok(None) };
        let handle = key.issue(BACKEND_NAME, &self.config.runs_dir, job_id, attempt);
        let dir = self.run_dir(&handle)?;
        Ok(self.recorded_or_named(&dir, &job_name(&job_id, attempt)).await?.map(|_| handle))
    }

    async fn status(&self, handle: &BackendHandle) -> Result<BackendStatus, BackendError> {
        let dir = self.run_dir(handle)?;
        Ok(match self.follow(&dir).await? {
            None => BackendStatus::Lost { reason: format!("no Slurm job was recorded in {}", dir.display()) },
            Some((Record { ended: Some(ended), .. }, _)) => ended.status,
            Some((_, Some(info))) => states::status_of(&info),
            Some((record, None)) => states::forgotten(record.job_id),
        })
    }

    async fn worker_times(&self, handle: &BackendHandle) -> Result<WorkerTimes, BackendError> {
        let dir = self.run_dir(handle)?;
        Ok(match self.follow(&dir).await? {
            Some((Record { ended: Some(ended), .. }, _)) => ended.times,
            Some((_, Some(info))) => states::times_of(&info),
            _ => WorkerTimes::default(),
        })
    }

    async fn events(&self, handle: &BackendHandle, cursor: EventCursor) -> Result<EventBatch, BackendError> {
        let dir = self.run_dir(handle)?;
        // A last line without its newline is read only once the job's end is recorded.
        let finished = record::read(&dir)?.is_some_and(|record| record.ended.is_some());
        read_events(&dir.join(STDOUT_FILE), cursor, finished)
    }

    async fn cancel(&self, handle: &BackendHandle) -> Result<(), BackendError> {
        let dir = self.run_dir(handle)?;
        match record::read(&dir)? {
            Some(Record { job_id, ended: None }) => self.client.terminate(job_id).await,
            _ => Ok(()),
        }
    }

    /// The files the worker announced: under the attempt's output directory on a shared
    /// filesystem (by bare name, never a path the worker chose), else uploaded through the
    /// signed URLs of its spec.
    async fn collect(&self, handle: &BackendHandle) -> Result<Vec<CollectedArtifact>, BackendError> {
        let dir = self.run_dir(handle)?;
        let lines = read_all_events(&dir.join(STDOUT_FILE))?;
        announced(lines, self.config.transfer, &dir.join("out").join("adapter"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::protocol::example_spec;

    fn backend(transfer: Transfer) -> SlurmBackend {
        let config = SlurmBackendConfig {
            url: Url::parse("http://127.0.0.1:9/").unwrap(),
            api: ApiVersion::V0038,
            user: "trainer".into(),
            token: "secret-token".into(),
            transfer,
            runs_dir: PathBuf::from("/shared/brightrun/slurm"),
            worker_command: vec!["/opt/my venv/bin/python".into(), "-m".into(), "brightrun_trainer".into()],
            job: SlurmJobOptions { memory_mb: 8192, time_limit_minutes: 120, ..SlurmJobOptions::default() },
        };
        let client =
            SlurmClient::new(config.url.clone(), config.api, config.user.clone(), config.token.clone()).unwrap();
        SlurmBackend { config, client, key: Arc::default() }
    }

    fn spec(gpus: u32) -> WorkerSpec {
        example_spec(1, gpus)
    }

    #[test]
    fn the_batch_job_execs_the_worker_with_its_limits_and_its_spec_in_the_environment() {
        let spec = spec(2);
        let dir = PathBuf::from("/shared/brightrun/slurm").join(run_name(&spec.job_id, 1));
        let job = backend(Transfer::SharedFilesystem).batch_job(&spec, &dir).unwrap();
        assert_eq!(job.name, format!("brightrun-{}-1", spec.job_id));
        assert!(job.comment.contains(&spec.job_id.to_string()) && job.comment.ends_with("attempt 1"));
        assert_eq!(
            job.script,
            "#!/bin/sh\nexec '/opt/my venv/bin/python' -m brightrun_trainer --spec-env BRIGHTRUN_SPEC\n"
        );
        assert_eq!((job.memory_mb, job.time_limit_minutes, job.gpus, job.cpus_per_task), (8192, 120, 2, 1));
        assert_eq!(job.stdout, dir.join("stdout.log").display().to_string());
        assert_eq!(job.environment["PATH"], "/usr/local/bin:/usr/bin:/bin");
        assert_eq!(job.environment[JOB_VAR], spec.job_id.to_string());
        let sent: WorkerSpec = serde_json::from_str(&job.environment[SPEC_VAR]).unwrap();
        assert_eq!(sent.output.dir, dir.join("out").display().to_string(), "the adapter goes to the run directory");
    }

    #[test]
    fn with_signed_urls_the_spec_is_sent_as_it_is() {
        let spec = spec(0);
        let job = backend(Transfer::SignedUrls).batch_job(&spec, Path::new("/shared/x")).unwrap();
        assert_eq!(job.gpus, 0);
        let sent: WorkerSpec = serde_json::from_str(&job.environment[SPEC_VAR]).unwrap();
        assert_eq!(sent, spec);
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let backend = backend(Transfer::SharedFilesystem);
        let shown = format!("{backend:?} {:?}", backend.config);
        assert!(!shown.contains("secret-token"), "{shown}");
    }

    #[tokio::test]
    async fn an_ended_attempt_is_read_from_its_record_without_asking_slurm() {
        let runs = tempfile::tempdir().unwrap();
        let mut backend = backend(Transfer::SharedFilesystem);
        // Nothing listens there: any request would fail.
        backend.config.runs_dir = runs.path().to_path_buf();
        let key = backend.key(true).unwrap().unwrap().clone();
        let spec = spec(0);
        let handle = key.issue(BACKEND_NAME, runs.path(), spec.job_id, spec.attempt);
        let dir = backend.run_dir(&handle).unwrap();
        std::fs::create_dir(&dir).unwrap();
        assert!(matches!(backend.status(&handle).await.unwrap(), BackendStatus::Lost { .. }), "nothing recorded");
        let ended = Ended { status: BackendStatus::Cancelled, times: WorkerTimes::default() };
        record::write(&dir, &Record { job_id: 3, ended: Some(ended) }).unwrap();
        assert_eq!(backend.status(&handle).await.unwrap(), BackendStatus::Cancelled);
        backend.cancel(&handle).await.unwrap();
        assert_eq!(backend.find(spec.job_id, spec.attempt).await.unwrap(), Some(handle));
    }
}
