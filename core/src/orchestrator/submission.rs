//! Submitting queued jobs to the backend.

use super::follow::FollowState;
use super::validation::training_examples;
use super::{Orchestrator, files};
use crate::backend::WorkerSpec;
use crate::backend::protocol::{PROTOCOL_VERSION, SpecDataset, SpecOutput};
use crate::dataset::{ConvertOptions, convert_path};
use crate::model::{JobStatus, JobTransition, Timestamp, TrainingJob};
use crate::service::ServiceError;
use crate::store::{JobError, StoreError};

/// The seed every job trains with, so a retried attempt repeats the first.
pub const TRAINING_SEED: u64 = 42;

impl Orchestrator {
    /// Takes a queued job to `initializing` and launches it.
    pub(super) async fn submit_job(&self, job: TrainingJob) -> Result<(), ServiceError> {
        let now = Timestamp::now();
        let job = match self.app.db.transition_job(job.user_id, job.id, JobTransition::Initialize, None, now).await {
            Ok(job) => job,
            // Cancelled (or taken) since it was claimed: nothing to do.
            Err(StoreError::StaleState { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        self.launch(job).await
    }

    /// Prepares the job's data and hands the worker spec to the backend. Run again for a
    /// job left initializing without a handle (its orchestrator died before storing it):
    /// backends treat a repeated submit of the same attempt as the same job.
    pub(super) async fn launch(&self, job: TrainingJob) -> Result<(), ServiceError> {
        let dataset = match self.app.db.get_dataset(job.user_id, job.dataset_id).await {
            Ok(dataset) => dataset,
            Err(StoreError::NotFound { .. }) => {
                let error = JobError {
                    error_type: "dataset_error".into(),
                    message: "the job's dataset was deleted before it could start".into(),
                };
                return self.fail_job(&job, &error).await;
            }
            Err(e) => return Err(e.into()),
        };
        let data_dir = self.scratch_dir(&format!("job-{}-{}", job.id, job.retry_count))?;
        let input = data_dir.join("input");
        files::download_to(&self.app.blobs, &self.app.dataset_key(&dataset)?, &input).await?;
        let options = ConvertOptions {
            format: Some(dataset.format),
            validation_fraction: if dataset.total_validation_pairs > 0 {
                0.0
            } else {
                self.options.validation_fraction
            },
            ..ConvertOptions::default()
        };
        let out = data_dir.clone();
        let summary = tokio::task::spawn_blocking(move || convert_path(&input, &out, &options))
            .await
            .map_err(|e| ServiceError::io("converting", std::io::Error::other(e.to_string())))??;
        if summary.train_conversations == 0 {
            let error = JobError {
                error_type: "dataset_error".into(),
                message: "the dataset has no trainable conversation left after conversion".into(),
            };
            return self.fail_job(&job, &error).await;
        }
        let spec = WorkerSpec {
            v: PROTOCOL_VERSION,
            job_id: job.id,
            attempt: job.retry_count,
            base_model: job.hyperparameters.base_model.clone(),
            hyperparameters: job.hyperparameters.clone(),
            dataset: SpecDataset {
                train: summary.train_file.display().to_string(),
                validation: (summary.validation_conversations > 0)
                    .then(|| summary.validation_file.display().to_string()),
            },
            output: SpecOutput { dir: data_dir.join("output").display().to_string(), upload_urls: Default::default() },
            seed: TRAINING_SEED,
            logging_steps: 1,
            max_steps: None,
        };
        tracing::info!(job = %job.id, examples = training_examples(&dataset), "submitting");
        let handle = self.app.backend.submit(&spec).await?;
        let state = FollowState::new(handle.clone());
        match self
            .app
            .db
            .set_job_backend(job.user_id, job.id, &handle.external_id, &state.to_value(), Timestamp::now())
            .await
        {
            Ok(_) => Ok(()),
            Err(StoreError::StaleState { .. }) => {
                // Cancelled while it was being submitted: stop what was started.
                let current = self.app.db.get_job(job.user_id, job.id).await?;
                if current.status == JobStatus::Cancelled {
                    self.app.backend.cancel(&handle).await?;
                }
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}
