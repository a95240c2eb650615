//! The `training_metrics` table: one row of metrics per job and optimiser step.

use serde::{Deserialize, Serialize};

use super::{CurrentMetrics, JobId, Timestamp};

/// The metrics of one job at one optimiser step (unique per job and step).
///
/// In JSON and in the database the metric values are plain columns beside `step` and
/// `epoch`; in Rust they are the same [`CurrentMetrics`] a job keeps as its latest values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricsPoint {
    /// The job.
    pub job_id: JobId,
    /// The optimiser step.
    pub step: u64,
    /// Fractional epoch at this step (`1.5` is halfway through the second epoch).
    pub epoch: f64,
    /// The metric values at this step.
    #[serde(flatten)]
    pub metrics: CurrentMetrics,
    /// When the worker measured them.
    pub recorded_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_record_round_trips_through_flat_json() {
        let point = MetricsPoint {
            job_id: JobId::new(),
            step: 120,
            epoch: 1.5,
            metrics: CurrentMetrics {
                training_loss: Some(1.18),
                validation_loss: Some(1.31),
                learning_rate: Some(1.9e-4),
                grad_norm: Some(0.72),
                tokens_per_second: Some(4_812.25),
                gpu_utilization_percent: Some(96.5),
                gpu_memory_used_gb: Some(58.75),
            },
            recorded_at: serde_json::from_str("\"2026-05-04T08:12:00.5Z\"").unwrap(),
        };
        let json = serde_json::to_value(point).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "epoch",
                "gpu_memory_used_gb",
                "gpu_utilization_percent",
                "grad_norm",
                "job_id",
                "learning_rate",
                "recorded_at",
                "step",
                "tokens_per_second",
                "training_loss",
                "validation_loss",
            ]
        );
        assert_eq!(json["training_loss"], 1.18);
        assert_eq!(serde_json::from_value::<MetricsPoint>(json).unwrap(), point);
    }

    #[test]
    fn missing_and_null_values_read_as_none() {
        let job_id = JobId::new();
        let json = format!(
            r#"{{"job_id":"{job_id}","step":1,"epoch":0.01,"training_loss":null,"recorded_at":"2026-05-04T08:00:00Z"}}"#
        );
        let point: MetricsPoint = serde_json::from_str(&json).unwrap();
        assert_eq!((point.job_id, point.step), (job_id, 1));
        assert_eq!(point.metrics, CurrentMetrics::default());
    }
}
