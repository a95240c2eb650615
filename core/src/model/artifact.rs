//! The `model_artifacts` table: a trained LoRA adapter and how it came to be.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::enum_text::impl_enum_text;
use super::{ArtifactId, DatasetId, JobId, Money, Timestamp, UserId};
use crate::config::{GpuSelection, Hyperparameters, Preset};

/// Where an artifact is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArtifactStatus {
    /// In object storage, downloadable.
    Stored,
    /// Kept, but hidden from the default listings.
    Archived,
    /// Deleted by the user; its files are removed.
    Deleted,
}

impl_enum_text!(ArtifactStatus, "artifact status", {
    Stored => "stored",
    Archived => "archived",
    Deleted => "deleted",
});

/// How well the training loss converged, judged from the loss curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConvergenceQuality {
    /// Smooth, steady decrease; validation loss follows training loss.
    Excellent,
    /// Decreasing, with some noise or a small generalisation gap.
    Good,
    /// Slow or unsteady decrease, or a growing generalisation gap.
    Fair,
    /// No real decrease, divergence or clear overfitting.
    Poor,
}

impl_enum_text!(ConvergenceQuality, "convergence quality", {
    Excellent => "excellent",
    Good => "good",
    Fair => "fair",
    Poor => "poor",
});

/// The quality figures of a trained adapter.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QualityMetrics {
    /// Training loss at the last step.
    pub final_training_loss: Option<f64>,
    /// Validation loss at the last evaluation.
    pub final_validation_loss: Option<f64>,
    /// Lowest validation loss of the run.
    pub best_validation_loss: Option<f64>,
    /// Perplexity on the validation split (`exp` of its loss).
    pub perplexity: Option<f64>,
    /// The epoch (1-based) with the lowest validation loss.
    pub best_epoch: Option<u32>,
    /// How well the loss converged.
    pub convergence_quality: Option<ConvergenceQuality>,
}

/// What the training run took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TrainingSummary {
    /// Wall-clock seconds from start to completion.
    pub duration_seconds: f64,
    /// GPU-hours billed: duration times GPU count, exact.
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::DecimalText"))]
    pub gpu_hours: Decimal,
    /// Optimiser steps taken.
    pub total_steps: u64,
    /// Whole epochs completed.
    pub epochs_completed: u32,
    /// Tokens trained on, all epochs together.
    pub tokens_processed: u64,
    /// Mean training throughput.
    pub average_tokens_per_second: f64,
    /// The cost of the job.
    pub final_cost: Money,
}

/// The configuration the adapter was trained with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArtifactConfiguration {
    /// The preset the hyperparameters started from.
    pub preset: Preset,
    /// The hyperparameters of the run.
    pub hyperparameters: Hyperparameters,
    /// The GPUs and their price.
    pub gpu: GpuSelection,
}

/// One file of an adapter (`adapter_model.safetensors`, `adapter_config.json`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArtifactFile {
    /// File name inside the artifact's storage prefix.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// A trained LoRA adapter (PEFT files) with its provenance and quality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModelArtifact {
    /// The artifact's id.
    pub id: ArtifactId,
    /// The owner.
    pub user_id: UserId,
    /// The job that trained it.
    pub job_id: JobId,
    /// The dataset it was trained on.
    pub dataset_id: DatasetId,
    /// Display name.
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Where the artifact is in its life.
    pub status: ArtifactStatus,
    /// The base model the adapter applies to (Hugging Face id).
    pub base_model: String,
    /// Loss, perplexity and convergence.
    pub quality_metrics: QualityMetrics,
    /// Duration, GPU-hours, steps, tokens and cost.
    pub training_summary: TrainingSummary,
    /// Preset, hyperparameters and GPUs.
    pub configuration: ArtifactConfiguration,
    /// Object-storage prefix of the files: `models/{user}/{model}/`.
    pub storage_path: String,
    /// The files under the prefix.
    pub files: Vec<ArtifactFile>,
    /// The adapter this one continued training from.
    pub parent_model_id: Option<ArtifactId>,
    /// When the row was created.
    pub created_at: Timestamp,
    /// When the row last changed.
    pub updated_at: Timestamp,
    /// When the user deleted the artifact (soft delete).
    pub deleted_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::enum_text::assert_names;

    fn sample() -> ModelArtifact {
        let now: Timestamp = serde_json::from_str("\"2026-05-04T09:00:00.000042Z\"").unwrap();
        let (id, user_id) = (ArtifactId::new(), UserId::new());
        let hyperparameters = Preset::Aggressive.hyperparameters("Qwen/Qwen2.5-7B");
        ModelArtifact {
            id,
            user_id,
            job_id: JobId::new(),
            dataset_id: DatasetId::new(),
            name: "consultant-v1".into(),
            description: Some("first run".into()),
            status: ArtifactStatus::Archived,
            base_model: hyperparameters.base_model.clone(),
            quality_metrics: QualityMetrics {
                final_training_loss: Some(0.91),
                final_validation_loss: Some(1.02),
                best_validation_loss: Some(0.99),
                perplexity: Some(2.69),
                best_epoch: Some(8),
                convergence_quality: Some(ConvergenceQuality::Good),
            },
            training_summary: TrainingSummary {
                duration_seconds: 5_400.25,
                gpu_hours: "3.000139".parse().unwrap(),
                total_steps: 1_500,
                epochs_completed: 10,
                tokens_processed: 24_000_000,
                average_tokens_per_second: 4_444.4,
                final_cost: "8.07".parse().unwrap(),
            },
            configuration: ArtifactConfiguration {
                preset: Preset::Aggressive,
                hyperparameters,
                gpu: GpuSelection::new("H100-80GB", 2, None).unwrap(),
            },
            storage_path: format!("models/{user_id}/{id}/"),
            files: vec![ArtifactFile {
                name: "adapter_model.safetensors".into(),
                bytes: 167_832_240,
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            }],
            parent_model_id: Some(ArtifactId::new()),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }

    #[test]
    fn full_record_round_trips_through_json() {
        let artifact = sample();
        let json = serde_json::to_value(&artifact).unwrap();
        assert_eq!(json["status"], "archived");
        assert_eq!(json["quality_metrics"]["convergence_quality"], "good");
        assert_eq!(json["training_summary"]["gpu_hours"], "3.000139");
        assert_eq!(json["training_summary"]["final_cost"], "8.07");
        assert_eq!(json["configuration"]["preset"], "aggressive");
        assert_eq!(serde_json::from_value::<ModelArtifact>(json).unwrap(), artifact);
    }

    #[test]
    fn enum_names_are_the_products() {
        use ConvergenceQuality::*;
        assert_names(
            &ArtifactStatus::ALL,
            &[
                (ArtifactStatus::Stored, "stored"),
                (ArtifactStatus::Archived, "archived"),
                (ArtifactStatus::Deleted, "deleted"),
            ],
        );
        assert_names(
            &ConvergenceQuality::ALL,
            &[(Excellent, "excellent"), (Good, "good"), (Fair, "fair"), (Poor, "poor")],
        );
    }

    #[test]
    fn unknown_status_lists_the_allowed_ones() {
        let err = "published".parse::<ArtifactStatus>().unwrap_err();
        assert_eq!(err.to_string(), "unknown artifact status `published`: expected one of stored, archived, deleted");
    }
}
