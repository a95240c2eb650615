//! Validating datasets that finished uploading.

use std::sync::Arc;

use super::{Orchestrator, files, notify};
use crate::dataset::{TokenCounter, ValidateOptions, ValidationReport, validate_path};
use crate::error::ErrorCode;
use crate::model::{Dataset, DatasetStatus, Severity, Timestamp, ValidationFinding};
use crate::service::ServiceError;
use crate::store::{LeaseTarget, ValidationReport as StoredReport};

impl Orchestrator {
    /// Validates one dataset: streams it from storage to scratch space, validates it off the
    /// async threads, stores the report and statistics, and notifies the owner.
    pub(super) async fn validate_dataset(&self, mut dataset: Dataset) -> Result<(), ServiceError> {
        let scratch = self.scratch_dir(&format!("dataset-{}", dataset.id))?;
        let path = scratch.join("input");
        let key = self.app.dataset_key(&dataset)?;
        let outcome = match files::download_to(&self.app.blobs, &key, &path).await {
            Ok(_) => {
                let options = ValidateOptions { format: Some(dataset.format), ..ValidateOptions::default() };
                let counter: Arc<dyn TokenCounter> = self.app.token_counter.clone();
                let file = path.clone();
                tokio::task::spawn_blocking(move || validate_path(&file, &options, &*counter))
                    .await
                    .map_err(|e| ServiceError::io("validating", std::io::Error::other(e.to_string())))?
                    .map_err(ServiceError::from)
            }
            Err(e) => Err(e),
        };
        let _ = std::fs::remove_dir_all(&scratch);
        let now = Timestamp::now();
        let full_report = match outcome {
            Ok(report) => {
                apply_report(&mut dataset, &report, now);
                serde_json::to_value(&report).ok()
            }
            Err(error) => {
                dataset.status = DatasetStatus::Error;
                dataset.training_ready = false;
                dataset.validation_errors = vec![ValidationFinding {
                    line: None,
                    path: None,
                    code: error.code().to_owned(),
                    severity: Severity::Error,
                    message: error.to_string(),
                    suggestion: Some("check the file is one of the supported formats and upload it again".into()),
                }];
                None
            }
        };
        dataset.validated_at = Some(now);
        dataset.updated_at = now;
        let stored = self.app.db.update_dataset(&dataset).await?;
        if let Some(report) = full_report {
            self.app.db.save_validation_report(dataset.user_id, dataset.id, &StoredReport::Inline(report), now).await?;
        }
        notify::dataset(&*self.app.db, &stored, now).await?;
        self.app
            .db
            .release_lease(LeaseTarget::Dataset { user_id: dataset.user_id, id: dataset.id }, &self.holder)
            .await?;
        Ok(())
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

/// Training examples of a validated dataset (conversations with a target in the training
/// split), from its statistics; the pair count when they are missing.
pub fn training_examples(dataset: &Dataset) -> u64 {
    dataset
        .statistics
        .as_ref()
        .and_then(|s| s.get("training_examples"))
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(dataset.total_training_pairs)
}
