//! Submitting queued jobs to the backend: each launch claimed in the database first, tried a
//! bounded number of times, and failed with a clear code when it cannot succeed.

use std::path::Path;
use std::sync::Arc;

use super::failpoints::failpoint;
use super::launch_record::LaunchRecord;
use super::lease::{Hold, Outcome, Pass};
use super::pinning::pinned_dataset_key;
use super::retry::{DATASET_NOT_PINNED, Failure, LAUNCH_FAILED, backoff};
use super::{Orchestrator, files};
use crate::backend::protocol::{PROTOCOL_VERSION, SpecDataset, SpecOutput};
use crate::backend::{ARTIFACT_NAMES, BackendHandle, Transfer, WorkerSpec};
use crate::blob::{Access, BlobKey, Location, MAX_SIGNED_URL_LIFETIME};
use crate::dataset::{ConvertOptions, convert_path};
use crate::error_code::Code;
use crate::model::{ArtifactId, JobId, JobTransition, Timestamp, TrainingJob};
use crate::service::ServiceError;
use crate::service::{FollowState, derived_id};
use crate::store::{JobError, StoreError};

/// The seed every job trains with, so a retried attempt repeats the first.
pub const TRAINING_SEED: u64 = 42;

/// The names the training files of an attempt have in the object store, for a worker that
/// downloads them: the training split, then the validation split.
pub(super) const INPUT_FILES: [&str; 2] = ["train.jsonl", "validation.jsonl"];

/// The id a job's model gets (derived from the job's: one model per job, whatever attempt
/// or orchestrator completes it).
pub(super) fn model_id_of(job_id: JobId) -> ArtifactId {
    ArtifactId::from_uuid(derived_id(job_id.as_uuid(), "artifact"))
}

/// The scratch work of one attempt of a job, every holder's: `job-<id>-<attempt>`.
pub(super) fn attempt_work(id: JobId, attempt: u32) -> String {
    format!("job-{id}-{attempt}")
}

impl Orchestrator {
    /// Takes a queued job to `initializing` and launches it.
    pub(super) async fn submit_job(
        &self,
        pass: &Pass,
        hold: Arc<Hold>,
        job: TrainingJob,
    ) -> Result<Outcome, ServiceError> {
        let now = Timestamp::now();
        failpoint!(self, "submit.initialize");
        let job = match pass.db.transition_job(job.user_id, job.id, JobTransition::Initialize, None, None, now).await {
            Ok(job) => job,
            // Cancelled (or taken) since it was claimed: nothing to do.
            Err(StoreError::StaleState { .. }) => return Ok(Outcome::Done),
            Err(e) => return Err(e.into()),
        };
        self.launch(pass, &hold, job).await
    }

    /// One try of the launch of the job's current attempt: claims it in the database (a
    /// [`LaunchRecord`]), prepares the data and asks the backend. Run again for a job left
    /// initializing without a handle (its orchestrator died meanwhile): the backend treats a
    /// repeated submit of the same attempt as the same job. A permanent failure fails the
    /// job; a transient one is tried again later, until the tries run out.
    pub(super) async fn launch(&self, pass: &Pass, hold: &Hold, job: TrainingJob) -> Result<Outcome, ServiceError> {
        if job.cancel_requested_at.is_some() {
            return self.cancel_launch(pass, job).await;
        }
        let now = Timestamp::now();
        let mut record = LaunchRecord::next_try(&job, &pass.holder, now);
        if record.launch.tries > self.options.max_tries {
            failpoint!(self, "launch.give_up");
            let error = gave_up(record.launch.tries - 1, record.launch.last_error.as_ref());
            self.fail_job(pass, &job, &error).await?;
            return Ok(Outcome::Done);
        }
        failpoint!(self, "launch.record");
        match pass.db.set_job_backend(job.user_id, job.id, None, &record.to_value(), now).await {
            Ok(_) => {}
            // Cancelled meanwhile: nothing to launch.
            Err(StoreError::StaleState { .. }) => return Ok(Outcome::Done),
            Err(e) => return Err(e.into()),
        }
        let work = self.work_dir(&attempt_work(job.id, job.retry_count));
        let mine = work.join(pass.dir_name());
        let failure = match self.prepare_and_submit(pass, hold, &job, &mine).await {
            Ok(handle) => return self.store_handle(pass, &job, handle).await.map(|()| Outcome::Done),
            Err(failure) => failure,
        };
        // A dead orchestrator does nothing more, not even tidying up.
        self.alive()?;
        match failure {
            Failure::Stop(e) => Err(e),
            Failure::Permanent(error) => {
                self.remove_work_dir(&mine).await;
                self.fail_job(pass, &job, &error).await?;
                Ok(Outcome::Done)
            }
            Failure::Transient(error) => {
                self.remove_work_dir(&mine).await;
                tracing::warn!(job = %job.id, tries = record.launch.tries, error = %error.message, "launch failed");
                record.launch.last_error = Some(error);
                if record.launch.tries >= self.options.max_tries {
                    let error = gave_up(record.launch.tries, record.launch.last_error.as_ref());
                    self.fail_job(pass, &job, &error).await?;
                    return Ok(Outcome::Done);
                }
                failpoint!(self, "launch.retry_later");
                match pass.db.set_job_backend(job.user_id, job.id, None, &record.to_value(), Timestamp::now()).await {
                    Ok(_) | Err(StoreError::StaleState { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
                Ok(Outcome::RetryAt(now.plus(backoff(self.options.retry_backoff, record.launch.tries))))
            }
        }
    }

    /// Downloads the dataset's validated copy, converts it and asks the backend to start the
    /// worker, all in `dir` (this holder's own scratch space for the attempt).
    async fn prepare_and_submit(
        &self,
        pass: &Pass,
        hold: &Hold,
        job: &TrainingJob,
        dir: &Path,
    ) -> Result<BackendHandle, Failure> {
        let dataset = match pass.db.get_dataset(job.user_id, job.dataset_id).await {
            Ok(dataset) => dataset,
            Err(StoreError::NotFound { .. }) => {
                let message = "the job's dataset was deleted before it could start";
                return Err(Failure::Permanent(JobError {
                    error_type: "dataset_error".into(),
                    message: message.into(),
                }));
            }
            Err(e) => return Err(Failure::Stop(e.into())),
        };
        let Some((key, sha256)) = pinned_dataset_key(&dataset) else {
            let message = format!(
                "dataset {} has no validated copy to train on (validated by an older version): upload it again",
                dataset.id
            );
            return Err(Failure::Permanent(JobError { error_type: DATASET_NOT_PINNED.into(), message }));
        };
        let _ = tokio::fs::remove_dir_all(dir).await;
        let input = dir.join("input");
        let expect = files::Expect { max_bytes: self.app.blobs.limits().dataset_bytes, sha256: Some(&sha256) };
        failpoint!(self, "launch.download");
        hold.guard(files::download_to(&self.app.blobs, &key, &input, expect)).await??;
        let options = ConvertOptions {
            format: Some(dataset.format),
            validation_fraction: if dataset.total_validation_pairs > 0 {
                0.0
            } else {
                self.options.validation_fraction
            },
            ..ConvertOptions::default()
        };
        let out = dir.to_owned();
        failpoint!(self, "launch.convert");
        let converted = hold.guard(tokio::task::spawn_blocking(move || convert_path(&input, &out, &options))).await?;
        let summary = converted
            .map_err(|e| ServiceError::internal(format!("the conversion crashed: {e}")))?
            .map_err(ServiceError::from)?;
        if summary.train_conversations == 0 {
            let message = "the dataset has no trainable conversation left after conversion".into();
            return Err(Failure::Permanent(JobError { error_type: "dataset_error".into(), message }));
        }
        let validation = (summary.validation_conversations > 0).then_some(summary.validation_file.as_path());
        let transfer = self.app.backend.transfer();
        let (data, output) = match transfer {
            Transfer::SharedFilesystem => (
                SpecDataset {
                    train: summary.train_file.display().to_string(),
                    validation: validation.map(|path| path.display().to_string()),
                },
                SpecOutput { dir: dir.join("output").display().to_string(), upload_urls: Default::default() },
            ),
            Transfer::SignedUrls => self.signed_transfer(hold, job, &summary.train_file, validation).await?,
        };
        let spec = WorkerSpec {
            v: PROTOCOL_VERSION,
            job_id: job.id,
            attempt: job.retry_count,
            transfer,
            gpus: job.gpu.worker_gpus(),
            base_model: job.hyperparameters.base_model.clone(),
            hyperparameters: job.hyperparameters.clone(),
            dataset: data,
            output,
            seed: TRAINING_SEED,
            logging_steps: 1,
            max_steps: None,
        };
        tracing::info!(job = %job.id, attempt = job.retry_count, examples = dataset.training_examples(), "submitting");
        // Still the holder: a submit is never abandoned half-way, so check before it.
        hold.check()?;
        failpoint!(self, "launch.submit");
        Ok(self.app.backend.submit(&spec).await.map_err(ServiceError::from)?)
    }

    /// For a worker that sees nothing of this machine: uploads the converted training files
    /// to the attempt's own keys and gives signed URLs to read them, and a signed URL to
    /// upload each file of the adapter to ([`BlobKey::attempt_artifact`]). The URLs live
    /// as long as a signature may ([`MAX_SIGNED_URL_LIFETIME`]): a job can wait in the
    /// engine's queue and train for days; the objects go when the attempt ends.
    async fn signed_transfer(
        &self,
        hold: &Hold,
        job: &TrainingJob,
        train: &Path,
        validation: Option<&Path>,
    ) -> Result<(SpecDataset, SpecOutput), Failure> {
        let now = Timestamp::now();
        let (user, attempt) = (job.user_id, job.retry_count);
        let mut urls = Vec::with_capacity(2);
        for (file, path) in INPUT_FILES.iter().zip([Some(train), validation]) {
            let Some(path) = path else { continue };
            let key = BlobKey::job_input(user, job.dataset_id, job.id, attempt, file).map_err(ServiceError::from)?;
            hold.guard(files::upload_hashed(&self.app.blobs, &key, path.to_owned())).await??;
            urls.push(self.signed_url(&key, Access::Download, now).await?);
        }
        let mut urls = urls.into_iter();
        let dataset = SpecDataset {
            train: urls.next().ok_or_else(|| ServiceError::internal("no training file was signed"))?,
            validation: urls.next(),
        };
        let model_id = model_id_of(job.id);
        let mut upload_urls = std::collections::BTreeMap::new();
        for name in ARTIFACT_NAMES {
            let key = BlobKey::attempt_artifact(user, model_id, attempt, name).map_err(ServiceError::from)?;
            upload_urls.insert(name.to_owned(), self.signed_url(&key, Access::Upload, now).await?);
        }
        Ok((dataset, SpecOutput { dir: "output".into(), upload_urls }))
    }

    /// A signed URL of `key`; a store that gives only local paths cannot serve a remote
    /// worker.
    async fn signed_url(&self, key: &BlobKey, access: Access, now: Timestamp) -> Result<String, ServiceError> {
        match self.app.blobs.location(key, access, MAX_SIGNED_URL_LIFETIME, now).await? {
            Location::SignedUrl { url, .. } => Ok(url.to_string()),
            Location::LocalPath(_) => Err(ServiceError::invalid(
                Code::StorageCannotSign,
                "the backend's workers need signed URLs, and the object store is a local directory",
            )),
        }
    }

    /// Stores the backend's handle in place of the launch record; asks the worker to stop
    /// at once if its owner cancelled the job meanwhile (the follower asks again if this
    /// orchestrator dies first).
    async fn store_handle(&self, pass: &Pass, job: &TrainingJob, handle: BackendHandle) -> Result<(), ServiceError> {
        let state = FollowState::new(handle.clone());
        failpoint!(self, "launch.store_handle");
        let external_id = Some(handle.external_id.as_str());
        let stop = match pass
            .db
            .set_job_backend(job.user_id, job.id, external_id, &state.to_value(), Timestamp::now())
            .await
        {
            Ok(stored) => stored.cancel_requested_at.is_some(),
            // Ended meanwhile by another writer: nothing will follow this worker.
            Err(StoreError::StaleState { .. }) => true,
            Err(e) => return Err(e.into()),
        };
        if stop {
            failpoint!(self, "launch.cancel_submitted");
            self.app.backend.cancel(&handle).await?;
        }
        Ok(())
    }

    /// A job cancelled before its worker was recorded. A worker an earlier try started
    /// (its orchestrator died before recording it) is recorded, asked to stop and followed
    /// to its end, so what it ran is billed; without one the job is cancelled now.
    async fn cancel_launch(&self, pass: &Pass, job: TrainingJob) -> Result<Outcome, ServiceError> {
        failpoint!(self, "launch.find");
        if let Some(handle) = self.app.backend.find(job.id, job.retry_count).await? {
            self.store_handle(pass, &job, handle).await?;
            return Ok(Outcome::Done);
        }
        self.cancel_job(pass, &job, None).await?;
        Ok(Outcome::Done)
    }

    /// Removes a scratch directory; a failure is only logged (the space is reused or
    /// removed with the attempt).
    pub(super) async fn remove_work_dir(&self, dir: &Path) {
        match tokio::fs::remove_dir_all(dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "could not remove a scratch directory"),
        }
    }
}

/// The error of a launch that failed each of its `tries`, the last with `last_error`.
fn gave_up(tries: u32, last_error: Option<&JobError>) -> JobError {
    let last = last_error.map_or_else(
        || "each try was cut short (the orchestrator running it stopped)".to_owned(),
        |error| format!("the last error ({}): {}", error.error_type, error.message),
    );
    JobError {
        error_type: LAUNCH_FAILED.into(),
        message: format!("the worker could not be launched after {tries} tries; {last}"),
    }
}
