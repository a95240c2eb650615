//! The arguments of each operation, as the JSON objects the bindings send (snake_case).
//!
//! Unknown fields are refused (`deny_unknown_fields`), so a misspelt argument is an
//! `invalid_arguments` error naming it instead of being ignored. With the `schema` feature
//! they are in `schema/brightrun.schema.json`, so the bindings' option types are generated
//! from them.

use std::path::PathBuf;

use serde::Deserialize;

use crate::estimate::FlatEstimateOptions;
use crate::model::{ArtifactStatus, DatasetFormat, DatasetStatus, JobStatus};
use crate::store::MetricSeries;

/// Declares argument structs: each `Deserialize`, refusing unknown fields, and a
/// `JsonSchema` with the `schema` feature.
macro_rules! arguments {
    ($($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* })+) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Deserialize)]
            #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
            #[serde(deny_unknown_fields)]
            pub struct $name { $($body)* }
        )+
    };
}

arguments! {
    /// The arguments of an operation on one row (`datasets.retrieve`, `jobs.cancel`, ...).
    pub struct IdArgs {
        /// The row's id.
        pub id: String,
    }

    /// The arguments of an operation that takes none (`costs.summary`, ...): an empty object.
    pub struct NoArgs {}

    /// `datasets.list`: a page of the user's datasets, newest first.
    pub struct ListDatasetsArgs {
        /// Only datasets of this status.
        pub status: Option<DatasetStatus>,
        /// Only datasets of this format.
        pub format: Option<DatasetFormat>,
        /// Only datasets whose name contains this text.
        pub search: Option<String>,
        /// Rows of the page (default 20).
        pub limit: Option<u32>,
        /// Rows skipped before the page.
        pub offset: Option<u64>,
    }

    /// `datasets.update`: a name or description change; a `description` of `null` clears it.
    pub struct UpdateDatasetArgs {
        /// The dataset.
        pub id: String,
        /// A new name.
        pub name: Option<String>,
        /// A new description (`null` clears it).
        #[serde(default, deserialize_with = "present")]
        pub description: Option<Option<String>>,
    }

    /// `models.update`: a name, description or status change.
    pub struct UpdateModelArgs {
        /// The model.
        pub id: String,
        /// A new name.
        pub name: Option<String>,
        /// A new description (`null` clears it).
        #[serde(default, deserialize_with = "present")]
        pub description: Option<Option<String>>,
        /// A new status (`archived`, ...).
        pub status: Option<ArtifactStatus>,
    }

    /// `jobs.list`: a page of the user's jobs, newest first.
    pub struct ListJobsArgs {
        /// Only jobs of this status.
        pub status: Option<JobStatus>,
        /// Only jobs of this dataset.
        pub dataset_id: Option<String>,
        /// Rows of the page (default 20).
        pub limit: Option<u32>,
        /// Rows skipped before the page.
        pub offset: Option<u64>,
    }

    /// `jobs.events`: the worker's output after a cursor.
    pub struct JobEventsArgs {
        /// The job.
        pub id: String,
        /// The cursor of the previous page (default: from the start).
        pub after: Option<u64>,
    }

    /// `jobs.metrics`: a job's metrics, downsampled.
    pub struct JobMetricsArgs {
        /// The job.
        pub id: String,
        /// The series whose shape the downsampling keeps (default `training_loss`).
        pub series: Option<MetricSeries>,
        /// The most points (2 to 5,000; default 500).
        pub max_points: Option<usize>,
    }

    /// `models.list`: a page of the user's models, newest first.
    pub struct ListModelsArgs {
        /// Only models of this status.
        pub status: Option<ArtifactStatus>,
        /// Only the model of this job.
        pub job_id: Option<String>,
        /// Rows of the page (default 20).
        pub limit: Option<u32>,
        /// Rows skipped before the page.
        pub offset: Option<u64>,
    }

    /// `models.download_urls`: where to download each file of a model.
    pub struct DownloadUrlsArgs {
        /// The model.
        pub id: String,
        /// Seconds a signed URL stays valid (default 3600).
        pub expires_in: Option<u64>,
    }

    /// `costs.history`: monthly totals.
    pub struct CostHistoryArgs {
        /// Months back from this one (default 12).
        pub months: Option<u32>,
    }

    /// `costs.set_budget`: the budget, amounts as decimal strings; an absent amount is unlimited.
    pub struct SetBudgetArgs {
        /// The monthly budget in USD.
        pub monthly: Option<String>,
        /// The share of the budget at which the user is alerted, in percent (default 80).
        pub alert_threshold_percent: Option<u8>,
        /// The most one job may cost, in USD.
        pub per_job_cap: Option<String>,
    }

    /// `notifications.list`: a page of the user's notifications, newest first.
    pub struct ListNotificationsArgs {
        /// Only unread ones.
        pub unread: Option<bool>,
        /// Rows of the page (default 20).
        pub limit: Option<u32>,
        /// Rows skipped before the page.
        pub offset: Option<u64>,
    }

    /// `datasets.create`: a dataset awaiting its file. Without `size` (a stream of unknown
    /// length) the store's cap is declared; the upload records the real size.
    pub struct CreateDatasetArgs {
        /// A name to show.
        pub name: String,
        /// A description.
        pub description: Option<String>,
        /// The file's format.
        pub format: DatasetFormat,
        /// The file's name.
        pub file_name: String,
        /// The file's size in bytes, when known.
        pub size: Option<u64>,
    }

    /// `datasets.upload`: the local file to stream into a dataset awaiting its file.
    pub struct UploadDatasetArgs {
        /// The dataset (status `uploading`).
        pub id: String,
        /// The local file.
        pub path: PathBuf,
    }

    /// `jobs.estimate` and `jobs.create`: the dataset, and the estimate's options (base
    /// model, GPU, count, price, preset and any hyperparameter; the dataset gives the tokens).
    pub struct JobArgs {
        /// The dataset (status `ready`).
        pub dataset_id: String,
        /// The estimate's options.
        #[serde(flatten)]
        pub options: FlatEstimateOptions,
    }
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}
