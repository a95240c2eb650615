//! Validating datasets that finished uploading.
//!
//! A validation is tried at most [`max_tries`](super::OrchestratorOptions::max_tries) times.
//! Each try is recorded in the dataset's findings before it starts (code
//! `validation_interrupted`), so a try whose orchestrator dies, even of the file itself,
//! still counts; a try that fails transiently (storage unavailable, a full disk) or whose
//! validator crashes replaces that finding with its error and is tried again after a pause.
//! A file that cannot be a dataset (missing, too large, corrupt) is an `error` at once. The
//! verdict, the report and the notification are written together, and a valid file's bytes
//! are kept under a key of their own for training (see [`super::pinning`]).

use std::path::Path;
use std::sync::Arc;

use super::failpoints::failpoint;
use super::lease::{Hold, Outcome, Pass};
use super::retry::{Failure, VALIDATION_FAILED, VALIDATION_INTERRUPTED, VALIDATOR_CRASHED, backoff};
use super::{Orchestrator, files};
use crate::blob::BlobKey;
use crate::dataset::{TokenCounter, ValidateOptions, ValidationReport, validate_path};
use crate::model::{Dataset, DatasetStatus, Severity, Timestamp, ValidationFinding};
use crate::service::ServiceError;
use crate::service::notify;
use crate::store::{JobError, ValidationReport as StoredReport};

impl Orchestrator {
    /// One try of a dataset's validation: streams the file from storage to this pass's
    /// scratch space (capped at the dataset limit), validates it off the async threads, keeps
    /// a valid file's bytes, and stores the verdict, the report and the notification.
    pub(super) async fn validate_dataset(
        &self,
        pass: &Pass,
        hold: Arc<Hold>,
        dataset: Dataset,
    ) -> Result<Outcome, ServiceError> {
        let tries = u32::try_from(dataset.validation_errors.len()).unwrap_or(u32::MAX);
        if tries >= self.options.max_tries {
            return self.give_up_validation(pass, dataset).await;
        }
        let now = Timestamp::now();
        let mut trying = dataset;
        trying.validation_errors.push(try_finding(
            tries + 1,
            self.options.max_tries,
            &JobError {
                error_type: VALIDATION_INTERRUPTED.into(),
                message: format!("begun by {} at {now}, it never reported back", pass.holder),
            },
        ));
        trying.updated_at = now;
        failpoint!(self, "validate.record");
        let trying = pass.db.update_dataset(&trying).await?;
        let scratch = self.scratch_dir(pass, &format!("dataset-{}", trying.id))?;
        let tried = self.validate_file(&hold, &trying, &scratch).await;
        self.alive()?;
        self.remove_work_dir(&scratch).await;
        match tried {
            Ok((report, pinned)) => {
                let mut dataset = trying;
                apply_report(&mut dataset, &report, Timestamp::now());
                if let Some(key) = pinned {
                    dataset.storage_path = Some(key.as_str().to_owned());
                }
                let report = serde_json::to_value(&report).ok().map(StoredReport::Inline);
                self.verdict(pass, dataset, report.as_ref()).await
            }
            Err(Failure::Stop(e)) => Err(e),
            Err(Failure::Permanent(error)) => {
                let mut dataset = trying;
                dataset.status = DatasetStatus::Error;
                dataset.training_ready = false;
                dataset.validation_errors = vec![error_finding(&error, "upload the file again")];
                self.verdict(pass, dataset, None).await
            }
            Err(Failure::Transient(error)) => {
                tracing::warn!(dataset = %trying.id, tries = tries + 1, error = %error.message, "validation failed");
                let mut dataset = trying;
                dataset.validation_errors.pop();
                dataset.validation_errors.push(try_finding(tries + 1, self.options.max_tries, &error));
                if tries + 1 >= self.options.max_tries {
                    return self.give_up_validation(pass, dataset).await;
                }
                dataset.updated_at = Timestamp::now();
                failpoint!(self, "validate.retry_later");
                pass.db.update_dataset(&dataset).await?;
                Ok(Outcome::RetryAt(dataset.updated_at.plus(backoff(self.options.retry_backoff, tries + 1))))
            }
        }
    }

    /// Downloads, validates and, when valid, keeps the file: the report, and the key of the
    /// kept copy.
    async fn validate_file(
        &self,
        hold: &Hold,
        dataset: &Dataset,
        scratch: &Path,
    ) -> Result<(ValidationReport, Option<BlobKey>), Failure> {
        let path = scratch.join("input");
        let key = self.app.dataset_key(dataset)?;
        let expect = files::Expect { max_bytes: self.app.blobs.limits().dataset_bytes, sha256: None };
        failpoint!(self, "validate.download");
        let downloaded = hold.guard(files::download_to(&self.app.blobs, &key, &path, expect)).await??;
        let options = ValidateOptions { format: Some(dataset.format), ..ValidateOptions::default() };
        let counter: Arc<dyn TokenCounter> = self.app.token_counter.clone();
        let file = path.clone();
        failpoint!(self, "validate.run");
        let report =
            match hold.guard(tokio::task::spawn_blocking(move || validate_path(&file, &options, &*counter))).await? {
                Ok(report) => report.map_err(ServiceError::from)?,
                Err(crashed) => {
                    let message = match crashed.try_into_panic() {
                        Ok(panic) => format!("the validator crashed: {}", super::panic_message(&*panic)),
                        Err(cancelled) => format!("the validator stopped: {cancelled}"),
                    };
                    return Err(Failure::Transient(JobError { error_type: VALIDATOR_CRASHED.into(), message }));
                }
            };
        if !report.valid {
            return Ok((report, None));
        }
        let pinned =
            BlobKey::validated_dataset(dataset.user_id, dataset.id, &downloaded.sha256).map_err(ServiceError::from)?;
        failpoint!(self, "validate.pin");
        let kept = hold.guard(files::upload_hashed(&self.app.blobs, &pinned, path)).await??;
        if kept.sha256 != downloaded.sha256 {
            let message =
                format!("the copy kept for training changed on its way ({} then {})", downloaded.sha256, kept.sha256);
            return Err(Failure::Transient(JobError { error_type: "local_io".into(), message }));
        }
        Ok((report, Some(pinned)))
    }

    /// Stores the verdict: the dataset as validated, its report and its owner's
    /// notification, in one write that also gives the lease up.
    async fn verdict(
        &self,
        pass: &Pass,
        mut dataset: Dataset,
        report: Option<&StoredReport>,
    ) -> Result<Outcome, ServiceError> {
        let now = Timestamp::now();
        dataset.validated_at = Some(now);
        dataset.updated_at = now;
        let notification = notify::dataset_notification(&dataset, now);
        failpoint!(self, "validate.verdict");
        pass.db.record_validation(&dataset, report, Some(&notification)).await?;
        Ok(Outcome::Done)
    }

    /// Ends a validation whose tries ran out: an `error`, with every try's finding.
    async fn give_up_validation(&self, pass: &Pass, mut dataset: Dataset) -> Result<Outcome, ServiceError> {
        let tries = dataset.validation_errors.len();
        let last = dataset
            .validation_errors
            .last()
            .map_or_else(String::new, |finding| format!("; the last ({}): {}", finding.code, finding.message));
        let error = JobError {
            error_type: VALIDATION_FAILED.into(),
            message: format!("the file could not be validated in {tries} tries{last}"),
        };
        dataset.status = DatasetStatus::Error;
        dataset.training_ready = false;
        dataset.validation_errors.push(error_finding(&error, "upload the file again; if it fails again, report it"));
        self.verdict(pass, dataset, None).await
    }
}

/// The finding that records try `n` of `max` of a validation and how it ended.
fn try_finding(n: u32, max: u32, error: &JobError) -> ValidationFinding {
    ValidationFinding {
        line: None,
        path: None,
        code: error.error_type.clone(),
        severity: Severity::Warning,
        message: format!("validation try {n} of {max}: {}", error.message),
        suggestion: Some("nothing to do: it is tried again by itself".into()),
    }
}

/// The finding of an error that ends a validation.
fn error_finding(error: &JobError, suggestion: &str) -> ValidationFinding {
    ValidationFinding {
        line: None,
        path: None,
        code: error.error_type.clone(),
        severity: Severity::Error,
        message: error.message.clone(),
        suggestion: Some(suggestion.into()),
    }
}

/// Copies a report's verdict, statistics, findings and sample into the dataset record.
fn apply_report(dataset: &mut Dataset, report: &ValidationReport, now: Timestamp) {
    let stats = &report.stats;
    dataset.status = if report.valid { DatasetStatus::Ready } else { DatasetStatus::Error };
    dataset.training_ready = report.valid;
    if let Some(format) = report.format {
        dataset.format = format;
    }
    dataset.total_training_pairs = stats.training_pairs;
    dataset.total_validation_pairs = stats.validation_pairs;
    dataset.total_tokens = stats.total_tokens.unwrap_or(0).saturating_sub(stats.validation_tokens.unwrap_or(0));
    dataset.avg_turns_per_conversation = stats.messages_per_conversation.as_ref().map(|s| s.mean);
    dataset.avg_tokens_per_example =
        (stats.training_examples > 0).then(|| dataset.total_tokens as f64 / stats.training_examples as f64);
    dataset.statistics = serde_json::to_value(stats).ok();
    dataset.validation_errors = report.findings.clone();
    dataset.sample_data = serde_json::to_value(&report.sample_data).ok();
    dataset.validated_at = Some(now);
}
