//! Rows to model records, once for both backends.
//!
//! Each backend implements the few typed getters of [`RowExt`] (how it stores an id, a
//! time, money, JSON, a date); everything else — which column becomes which field, enums
//! from their text, counts from integers — is here.

use std::str::FromStr;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::super::{BudgetSettings, StoreError};
use crate::config::GpuSelection;
use crate::model::{
    CostRecord, CurrentMetrics, Dataset, MetricsPoint, ModelArtifact, Money, Notification, Timestamp, TrainingJob,
};

/// Typed column access by name. The `opt_` getters are what a backend implements; a NULL in
/// a required column is a [`StoreError::CorruptRow`].
pub(crate) trait RowExt {
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    fn opt_real(&self, column: &str) -> Result<Option<f64>, StoreError>;
    fn opt_bool(&self, column: &str) -> Result<Option<bool>, StoreError>;
    fn opt_time(&self, column: &str) -> Result<Option<Timestamp>, StoreError>;
    fn opt_money(&self, column: &str) -> Result<Option<Money>, StoreError>;
    fn opt_json(&self, column: &str) -> Result<Option<serde_json::Value>, StoreError>;
    fn opt_date(&self, column: &str) -> Result<Option<NaiveDate>, StoreError>;

    fn uuid(&self, column: &str) -> Result<Uuid, StoreError> {
        required(column, self.opt_uuid(column)?)
    }

    fn text(&self, column: &str) -> Result<String, StoreError> {
        required(column, self.opt_text(column)?)
    }

    fn int(&self, column: &str) -> Result<i64, StoreError> {
        required(column, self.opt_int(column)?)
    }

    fn real(&self, column: &str) -> Result<f64, StoreError> {
        required(column, self.opt_real(column)?)
    }

    fn boolean(&self, column: &str) -> Result<bool, StoreError> {
        required(column, self.opt_bool(column)?)
    }

    fn time(&self, column: &str) -> Result<Timestamp, StoreError> {
        required(column, self.opt_time(column)?)
    }

    fn money(&self, column: &str) -> Result<Money, StoreError> {
        required(column, self.opt_money(column)?)
    }

    /// An amount that is whole cents by construction (a cost record, a job's cost), with its
    /// two decimals: PostgreSQL, through sqlx, gives any zero back as `0` however it was
    /// written, where SQLite keeps `0.00`.
    fn cents(&self, column: &str) -> Result<Money, StoreError> {
        Ok(self.money(column)?.round_to_cents())
    }

    fn date(&self, column: &str) -> Result<NaiveDate, StoreError> {
        required(column, self.opt_date(column)?)
    }

    /// A non-negative integer column as an unsigned count (`u64`, `u32`).
    fn count<T: TryFrom<i64>>(&self, column: &str) -> Result<T, StoreError> {
        let value = self.int(column)?;
        T::try_from(value).map_err(|_| StoreError::corrupt(column, format!("{value} is out of range")))
    }

    /// A text column parsed by the model (`status`, `format`, ...).
    fn parse<T: FromStr>(&self, column: &str) -> Result<T, StoreError>
    where
        T::Err: std::fmt::Display,
    {
        self.text(column)?.parse().map_err(|err| StoreError::corrupt(column, err))
    }

    /// An optional text column parsed by the model.
    fn parse_opt<T: FromStr>(&self, column: &str) -> Result<Option<T>, StoreError>
    where
        T::Err: std::fmt::Display,
    {
        self.opt_text(column)?.map(|text| text.parse().map_err(|err| StoreError::corrupt(column, err))).transpose()
    }

    /// A JSON column deserialised into a model type.
    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T, StoreError> {
        let value = required(column, self.opt_json(column)?)?;
        serde_json::from_value(value).map_err(|err| StoreError::corrupt(column, err))
    }

    /// An optional JSON column deserialised into a model type.
    fn json_opt<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>, StoreError> {
        self.opt_json(column)?
            .map(|value| serde_json::from_value(value).map_err(|err| StoreError::corrupt(column, err)))
            .transpose()
    }
}

fn required<T>(column: &str, value: Option<T>) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::corrupt(column, "unexpected NULL"))
}

pub(crate) fn dataset(row: &impl RowExt) -> Result<Dataset, StoreError> {
    Ok(Dataset {
        id: row.uuid("id")?.into(),
        user_id: row.uuid("user_id")?.into(),
        name: row.text("name")?,
        description: row.opt_text("description")?,
        format: row.parse("format")?,
        status: row.parse("status")?,
        storage_path: row.opt_text("storage_path")?,
        file_name: row.text("file_name")?,
        file_size: row.count("file_size")?,
        total_training_pairs: row.count("total_training_pairs")?,
        total_validation_pairs: row.count("total_validation_pairs")?,
        total_tokens: row.count("total_tokens")?,
        avg_turns_per_conversation: row.opt_real("avg_turns_per_conversation")?,
        avg_tokens_per_example: row.opt_real("avg_tokens_per_example")?,
        training_ready: row.boolean("training_ready")?,
        statistics: row.opt_json("statistics")?,
        validation_errors: row.json("validation_errors")?,
        sample_data: row.opt_json("sample_data")?,
        validated_at: row.opt_time("validated_at")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
        deleted_at: row.opt_time("deleted_at")?,
    })
}

pub(crate) fn job(row: &impl RowExt) -> Result<TrainingJob, StoreError> {
    Ok(TrainingJob {
        id: row.uuid("id")?.into(),
        user_id: row.uuid("user_id")?.into(),
        dataset_id: row.uuid("dataset_id")?.into(),
        preset: row.parse("preset")?,
        hyperparameters: row.json("hyperparameters")?,
        gpu: GpuSelection {
            gpu_type: row.text("gpu_type")?,
            gpu_count: row.count("gpu_count")?,
            price_per_gpu_hour: row.money("price_per_gpu_hour")?,
        },
        status: row.parse("status")?,
        stage: row.parse_opt("stage")?,
        progress_percent: row.real("progress_percent")?,
        current_epoch: row.count("current_epoch")?,
        total_epochs: row.count("total_epochs")?,
        current_step: row.count("current_step")?,
        total_steps: row.count("total_steps")?,
        current_metrics: row.json_opt("current_metrics")?,
        queued_at: row.time("queued_at")?,
        started_at: row.opt_time("started_at")?,
        completed_at: row.opt_time("completed_at")?,
        estimated_completion_at: row.opt_time("estimated_completion_at")?,
        estimated_total_cost: row.opt_money("estimated_total_cost")?,
        current_cost: row.cents("current_cost")?,
        final_cost: row.opt_money("final_cost")?.map(|cost| cost.round_to_cents()),
        error_type: row.opt_text("error_type")?,
        error_message: row.opt_text("error_message")?,
        retry_count: row.count("retry_count")?,
        external_job_id: row.opt_text("external_job_id")?,
        backend_handle: super::handle::of_row(row)?,
        artifact_id: row.opt_uuid("artifact_id")?.map(Into::into),
        cancel_requested_at: row.opt_time("cancel_requested_at")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub(crate) fn metrics_point(row: &impl RowExt) -> Result<MetricsPoint, StoreError> {
    Ok(MetricsPoint {
        job_id: row.uuid("job_id")?.into(),
        step: row.count("step")?,
        epoch: row.real("epoch")?,
        metrics: CurrentMetrics {
            training_loss: row.opt_real("training_loss")?,
            validation_loss: row.opt_real("validation_loss")?,
            learning_rate: row.opt_real("learning_rate")?,
            grad_norm: row.opt_real("grad_norm")?,
            tokens_per_second: row.opt_real("tokens_per_second")?,
            gpu_utilization_percent: row.opt_real("gpu_utilization_percent")?,
            gpu_memory_used_gb: row.opt_real("gpu_memory_used_gb")?,
        },
        recorded_at: row.time("recorded_at")?,
    })
}

pub(crate) fn artifact(row: &impl RowExt) -> Result<ModelArtifact, StoreError> {
    Ok(ModelArtifact {
        id: row.uuid("id")?.into(),
        user_id: row.uuid("user_id")?.into(),
        job_id: row.uuid("job_id")?.into(),
        dataset_id: row.uuid("dataset_id")?.into(),
        name: row.text("name")?,
        description: row.opt_text("description")?,
        status: row.parse("status")?,
        base_model: row.text("base_model")?,
        quality_metrics: row.json("quality_metrics")?,
        training_summary: row.json("training_summary")?,
        configuration: row.json("configuration")?,
        storage_path: row.text("storage_path")?,
        files: row.json("files")?,
        parent_model_id: row.opt_uuid("parent_model_id")?.map(Into::into),
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
        deleted_at: row.opt_time("deleted_at")?,
    })
}

pub(crate) fn cost_record(row: &impl RowExt) -> Result<CostRecord, StoreError> {
    Ok(CostRecord {
        id: row.uuid("id")?.into(),
        user_id: row.uuid("user_id")?.into(),
        job_id: row.opt_uuid("job_id")?.map(Into::into),
        cost_type: row.parse("cost_type")?,
        amount: row.cents("amount")?,
        currency: row.text("currency")?,
        details: row.json("details")?,
        billing_period_start: row.date("billing_period_start")?,
        billing_period_end: row.date("billing_period_end")?,
        created_at: row.time("created_at")?,
    })
}

pub(crate) fn notification(row: &impl RowExt) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: row.uuid("id")?.into(),
        user_id: row.uuid("user_id")?.into(),
        notification_type: row.parse("notification_type")?,
        title: row.text("title")?,
        message: row.text("message")?,
        priority: row.parse("priority")?,
        read: row.boolean("read")?,
        read_at: row.opt_time("read_at")?,
        action_url: row.opt_text("action_url")?,
        metadata: row.json("metadata")?,
        created_at: row.time("created_at")?,
    })
}

pub(crate) fn budget(row: &impl RowExt) -> Result<BudgetSettings, StoreError> {
    Ok(BudgetSettings {
        monthly_budget: row.opt_money("monthly_budget")?,
        alert_threshold_percent: row.count("alert_threshold_percent")?,
        per_job_cost_cap: row.opt_money("per_job_cost_cap")?,
    })
}
