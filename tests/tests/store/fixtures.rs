//! Records with every field set, to insert and compare after a round trip.

use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::model::{
    ArtifactConfiguration, ArtifactFile, ArtifactId, ArtifactStatus, BillingPeriod, ConvergenceQuality, CostRecord,
    CostRecordId, CostType, CurrentMetrics, Dataset, DatasetFormat, DatasetId, DatasetStatus, JobId, MetricsPoint,
    ModelArtifact, Notification, NotificationId, NotificationPriority, NotificationType, QualityMetrics, Severity,
    Timestamp, TrainingJob, TrainingSummary, UserId, ValidationFinding,
};
use brightrun_core::store::Database;
use chrono::TimeDelta;

/// A fixed time with a non-zero microsecond part.
pub fn t0() -> Timestamp {
    serde_json::from_str("\"2026-05-04T08:00:00.123456Z\"").unwrap()
}

pub fn at(minutes: i64) -> Timestamp {
    t0().plus(TimeDelta::minutes(minutes))
}

pub fn dataset(user_id: UserId, name: &str) -> Dataset {
    let id = DatasetId::new();
    Dataset {
        id,
        user_id,
        name: name.into(),
        description: Some("v4 export, March".into()),
        format: DatasetFormat::BrightrunLoraV4,
        status: DatasetStatus::Validating,
        storage_path: Some(format!("datasets/{user_id}/{id}/train.jsonl")),
        file_name: "train.jsonl".into(),
        file_size: 5_368_709_120,
        total_training_pairs: 1_200,
        total_validation_pairs: 120,
        total_tokens: 2_345_678,
        avg_turns_per_conversation: Some(6.5),
        avg_tokens_per_example: Some(1_954.73),
        training_ready: false,
        statistics: Some(serde_json::json!({"conversations": 200, "tokenizer": "mistral"})),
        validation_errors: vec![ValidationFinding {
            line: Some(17),
            path: Some("target_response".into()),
            code: "empty_target_response".into(),
            severity: Severity::Error,
            message: "the target response is empty".into(),
            suggestion: Some("write the assistant's reply".into()),
        }],
        sample_data: Some(serde_json::json!([{"messages": [{"role": "user", "content": "héllo 👋"}]}])),
        validated_at: Some(at(1)),
        created_at: t0(),
        updated_at: t0(),
        deleted_at: None,
    }
}

pub fn job(user_id: UserId, dataset_id: DatasetId) -> TrainingJob {
    let hyperparameters = Preset::Balanced.hyperparameters("mistralai/Mistral-7B-v0.1");
    let gpu = GpuSelection::new("A100-80GB", 2, Some("1.8912345".parse().unwrap())).unwrap();
    let mut job = TrainingJob::new_queued(user_id, dataset_id, Preset::Balanced, hyperparameters, gpu, 750, t0());
    job.estimated_total_cost = Some("12.340".parse().unwrap());
    job
}

/// A queued job of `user_id`, stored with its dataset (named `name`).
pub async fn stored_job(db: &dyn Database, user_id: UserId, name: &str) -> TrainingJob {
    let item = dataset(user_id, name);
    db.insert_dataset(&item).await.unwrap();
    let queued = job(user_id, item.id);
    db.insert_job(&queued).await.unwrap();
    queued
}

pub fn point(job_id: JobId, step: u64) -> MetricsPoint {
    let x = step as f64;
    MetricsPoint {
        job_id,
        step,
        epoch: x / 100.0,
        metrics: CurrentMetrics {
            training_loss: Some(2.0 * (-x / 300.0).exp() + 0.4),
            validation_loss: step.is_multiple_of(50).then_some(1.1),
            learning_rate: Some(2e-4),
            grad_norm: Some(0.75),
            tokens_per_second: Some(5_400.5),
            gpu_utilization_percent: Some(97.0),
            gpu_memory_used_gb: Some(61.25),
        },
        recorded_at: at(step as i64),
    }
}

pub fn artifact(job: &TrainingJob) -> ModelArtifact {
    let id = ArtifactId::new();
    ModelArtifact {
        id,
        user_id: job.user_id,
        job_id: job.id,
        dataset_id: job.dataset_id,
        name: "consultant-v1".into(),
        description: Some("first run".into()),
        status: ArtifactStatus::Stored,
        base_model: job.hyperparameters.base_model.clone(),
        quality_metrics: QualityMetrics {
            final_training_loss: Some(0.91),
            final_validation_loss: Some(1.02),
            best_validation_loss: Some(0.99),
            perplexity: Some(2.69),
            best_epoch: Some(3),
            convergence_quality: Some(ConvergenceQuality::Good),
        },
        training_summary: TrainingSummary {
            duration_seconds: 5_400.25,
            gpu_hours: "3.000139".parse().unwrap(),
            total_steps: 750,
            epochs_completed: 5,
            tokens_processed: 24_000_000,
            average_tokens_per_second: 4_444.4,
            final_cost: "8.07".parse().unwrap(),
        },
        configuration: ArtifactConfiguration {
            preset: job.preset,
            hyperparameters: job.hyperparameters.clone(),
            gpu: job.gpu.clone(),
        },
        storage_path: format!("models/{}/{id}/", job.user_id),
        files: vec![ArtifactFile {
            name: "adapter_model.safetensors".into(),
            bytes: 167_832_240,
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        }],
        parent_model_id: None,
        created_at: at(40),
        updated_at: at(40),
        deleted_at: None,
    }
}

pub fn cost(user_id: UserId, job_id: Option<JobId>, cost_type: CostType, amount: &str, time: Timestamp) -> CostRecord {
    let period = BillingPeriod::containing(time);
    CostRecord {
        id: CostRecordId::new(),
        user_id,
        job_id,
        cost_type,
        amount: amount.parse().unwrap(),
        currency: "USD".into(),
        details: serde_json::json!({"gpu_hours": "1.5", "rate": amount}),
        billing_period_start: period.start,
        billing_period_end: period.end,
        created_at: time,
    }
}

pub fn notification(user_id: UserId, minutes: i64) -> Notification {
    Notification {
        id: NotificationId::new(),
        user_id,
        notification_type: NotificationType::JobComplete,
        title: format!("Job done ({minutes})"),
        message: "Your adapter is ready.".into(),
        priority: NotificationPriority::High,
        read: false,
        read_at: None,
        action_url: Some("/jobs/1".into()),
        metadata: serde_json::json!({"job_id": "1", "cost": "8.07"}),
        created_at: at(minutes),
    }
}
