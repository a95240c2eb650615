//! The arguments of each operation, as the JSON objects the bindings send (snake_case).
//!
//! Unknown fields are refused (`deny_unknown_fields`), so a misspelt argument is an
//! `invalid_arguments` error naming it instead of being ignored.

use serde::Deserialize;

use crate::model::{ArtifactStatus, DatasetFormat, DatasetStatus, JobStatus};
use crate::store::MetricSeries;

/// `datasets.list`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListDatasets {
    pub status: Option<DatasetStatus>,
    pub format: Option<DatasetFormat>,
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u64>,
}

/// `datasets.update`: a name or description change; a `description` of `null` clears it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Update {
    #[allow(dead_code)]
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
}

/// `models.update`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateModel {
    #[allow(dead_code)]
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
    pub status: Option<ArtifactStatus>,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `jobs.list`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListJobs {
    pub status: Option<JobStatus>,
    pub dataset_id: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u64>,
}

/// `jobs.events`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Events {
    #[allow(dead_code)]
    pub id: String,
    pub after: Option<u64>,
}

/// `jobs.metrics`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Metrics {
    #[allow(dead_code)]
    pub id: String,
    pub series: Option<MetricSeries>,
    pub max_points: Option<usize>,
}

/// `models.list`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListModels {
    pub status: Option<ArtifactStatus>,
    pub job_id: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u64>,
}

/// `models.download_urls`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Downloads {
    #[allow(dead_code)]
    pub id: String,
    pub expires_in: Option<u64>,
}

/// `costs.history`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct History {
    pub months: Option<u32>,
}

/// `costs.set_budget`: amounts as decimal strings.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Budget {
    pub monthly: Option<String>,
    pub alert_threshold_percent: Option<u8>,
    pub per_job_cap: Option<String>,
}

/// `notifications.list`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListNotifications {
    pub unread: Option<bool>,
    pub limit: Option<u32>,
    pub offset: Option<u64>,
}

/// `datasets.create`: a dataset awaiting its file. Without `size` (a stream of unknown
/// length) the store's cap is declared; the upload records the real size.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateDataset {
    pub name: String,
    pub description: Option<String>,
    pub format: DatasetFormat,
    pub file_name: String,
    pub size: Option<u64>,
}

/// `datasets.upload`: the local file to stream into a dataset awaiting its file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Upload {
    #[allow(dead_code)]
    pub id: String,
    pub path: std::path::PathBuf,
}
