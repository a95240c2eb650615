//! The `datasets` table: an uploaded training file, its validation outcome and statistics.

use serde::{Deserialize, Serialize};

use super::enum_text::impl_enum_text;
use super::{DatasetId, Timestamp, UserId};

/// The file format of a dataset, detected from its first records (one format per file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DatasetFormat {
    /// BrightRun LoRA v4: one training pair per JSONL line, or one full JSON document.
    BrightrunLoraV4,
    /// BrightRun LoRA v3: one conversation of `turns` per JSONL line.
    BrightrunLoraV3,
    /// Chat JSONL: one `{"messages": [...]}` conversation per line (OpenAI, Together).
    Chat,
    /// Prompt/completion JSONL: `{"prompt", "completion"}` per line (OpenAI legacy, Together);
    /// the completion is trained on.
    PromptCompletion,
    /// Alpaca JSONL: `{"instruction", "input"?, "output", "system"?}` per line; the output is
    /// trained on.
    Alpaca,
    /// ShareGPT (Vicuna) JSONL: `{"conversations": [{"from", "value"}...]}` per line.
    Sharegpt,
    /// Plain text for continued pretraining: `{"text", "split"?, "id"?}` per line; every
    /// token is trained on.
    Text,
    /// Gemini JSONL, as Vertex AI tunes Gemini models: `{"contents": [{"role", "parts"}...],
    /// "systemInstruction"?, "tools"?}` per line; the `model` turns are trained on.
    Gemini,
}

impl_enum_text!(DatasetFormat, "dataset format", {
    BrightrunLoraV4 => "brightrun_lora_v4",
    BrightrunLoraV3 => "brightrun_lora_v3",
    Chat => "chat",
    PromptCompletion => "prompt_completion",
    Alpaca => "alpaca",
    Sharegpt => "sharegpt",
    Text => "text",
    Gemini => "gemini",
});

/// Where a dataset is in its life: uploaded, checked, then usable or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DatasetStatus {
    /// The file is being uploaded to object storage.
    Uploading,
    /// The file is uploaded and waits for, or is in, validation.
    Validating,
    /// Validation found no error: the dataset can be trained on.
    Ready,
    /// Validation found errors (its statistics are still kept).
    Error,
}

impl_enum_text!(DatasetStatus, "dataset status", {
    Uploading => "uploading",
    Validating => "validating",
    Ready => "ready",
    Error => "error",
});

/// How serious a validation finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The dataset cannot be trained on until this is fixed.
    Error,
    /// Trainable, but probably not what the author meant.
    Warning,
    /// Worth knowing; nothing to fix.
    Info,
}

impl_enum_text!(Severity, "severity", {
    Error => "error",
    Warning => "warning",
    Info => "info",
});

/// One problem or remark found while validating a dataset file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidationFinding {
    /// The file's real 1-based line number (blank lines counted), when the finding has one.
    pub line: Option<u64>,
    /// The JSON path inside the record or document (`conversations[3].training_pairs[2]`).
    pub path: Option<String>,
    /// Stable snake_case code of the rule (`missing_target_response`).
    pub code: String,
    /// How serious the finding is.
    pub severity: Severity,
    /// What is wrong, for a person.
    pub message: String,
    /// How to fix it, when there is an obvious fix.
    pub suggestion: Option<String>,
}

/// A dataset: one uploaded training file of one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Dataset {
    /// The dataset's id.
    pub id: DatasetId,
    /// The owner.
    pub user_id: UserId,
    /// Display name chosen by the user.
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// The detected file format.
    pub format: DatasetFormat,
    /// Where the dataset is in its life.
    pub status: DatasetStatus,
    /// Object-storage key of the file (`datasets/{user}/{dataset}/{file}`), once uploaded.
    pub storage_path: Option<String>,
    /// The file name as uploaded.
    pub file_name: String,
    /// File size in bytes.
    pub file_size: u64,
    /// Trainable pairs (assistant targets) in the training split.
    pub total_training_pairs: u64,
    /// Pairs in the validation split.
    pub total_validation_pairs: u64,
    /// Exact token count of the whole file, with the base model's tokenizer.
    pub total_tokens: u64,
    /// Mean number of turns per conversation.
    pub avg_turns_per_conversation: Option<f64>,
    /// Mean number of tokens per training example.
    pub avg_tokens_per_example: Option<f64>,
    /// Whether the dataset passed validation and can be trained on.
    pub training_ready: bool,
    /// The full statistics object of the validation report.
    pub statistics: Option<serde_json::Value>,
    /// The stored findings of validation (the first ones of each code, up to a cap).
    pub validation_errors: Vec<ValidationFinding>,
    /// The first canonical conversations, for preview.
    pub sample_data: Option<serde_json::Value>,
    /// When validation finished.
    pub validated_at: Option<Timestamp>,
    /// When the row was created.
    pub created_at: Timestamp,
    /// When the row last changed.
    pub updated_at: Timestamp,
    /// When the user deleted the dataset (soft delete).
    pub deleted_at: Option<Timestamp>,
}

impl Dataset {
    /// Training examples of a validated dataset (conversations with a target in the training
    /// split), from its statistics; the pair count when they are missing.
    pub fn training_examples(&self) -> u64 {
        self.statistics
            .as_ref()
            .and_then(|s| s.get("training_examples"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(self.total_training_pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::enum_text::assert_names;

    fn sample() -> Dataset {
        let now: Timestamp = serde_json::from_str("\"2026-03-01T09:30:00.123456Z\"").unwrap();
        let user_id = UserId::new();
        let id = DatasetId::new();
        Dataset {
            id,
            user_id,
            name: "Consultant conversations".into(),
            description: Some("v4 export, March".into()),
            format: DatasetFormat::BrightrunLoraV4,
            status: DatasetStatus::Error,
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
                suggestion: Some("write the assistant's reply or set it to null".into()),
            }],
            sample_data: Some(serde_json::json!([{"messages": []}])),
            validated_at: Some(now),
            created_at: now,
            updated_at: now,
            deleted_at: Some(now),
        }
    }

    #[test]
    fn full_record_round_trips_through_json() {
        let dataset = sample();
        let json = serde_json::to_value(&dataset).unwrap();
        assert_eq!(json["format"], "brightrun_lora_v4");
        assert_eq!(json["validation_errors"][0]["severity"], "error");
        assert_eq!(json["file_size"], 5_368_709_120_u64);
        assert_eq!(serde_json::from_value::<Dataset>(json).unwrap(), dataset);
    }

    #[test]
    fn enum_names_are_the_products() {
        use DatasetFormat::*;
        assert_names(
            &DatasetFormat::ALL,
            &[
                (BrightrunLoraV4, "brightrun_lora_v4"),
                (BrightrunLoraV3, "brightrun_lora_v3"),
                (Chat, "chat"),
                (PromptCompletion, "prompt_completion"),
                (Alpaca, "alpaca"),
                (Sharegpt, "sharegpt"),
                (Text, "text"),
                (Gemini, "gemini"),
            ],
        );
        assert_names(
            &DatasetStatus::ALL,
            &[
                (DatasetStatus::Uploading, "uploading"),
                (DatasetStatus::Validating, "validating"),
                (DatasetStatus::Ready, "ready"),
                (DatasetStatus::Error, "error"),
            ],
        );
        assert_names(
            &Severity::ALL,
            &[(Severity::Error, "error"), (Severity::Warning, "warning"), (Severity::Info, "info")],
        );
    }

    #[test]
    fn unknown_names_list_the_allowed_ones() {
        let err = "csv".parse::<DatasetFormat>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown dataset format `csv`: expected one of brightrun_lora_v4, brightrun_lora_v3, chat, \
             prompt_completion, alpaca, sharegpt, text, gemini"
        );
        assert!("fatal".parse::<Severity>().is_err());
    }
}
