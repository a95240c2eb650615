//! The service's operations by name, for bindings: arguments as a JSON object, results as
//! the core's JSON (the bytes `brightrun ... --json` prints).
//!
//! A binding needs one native entry point, [`call`], instead of one per operation: the
//! Python and Node clients both send `("jobs.create", user, {"dataset_id": ..., ...})` and
//! read back the same JSON, so an operation is added (and checked) once, here. Each
//! operation reads its arguments into a small struct (an unknown or mistyped argument is
//! an `invalid_arguments` error naming it) and calls one [`BrightRun`] method for the
//! user. A malformed id is reported like a missing one (`not_found`).
//!
//! [`OpenOptions`] is how a binding's `open` options become a
//! [`BrightRunConfig`](super::BrightRunConfig), and [`Background`] the orchestrator a
//! binding runs beside its host.
//!
//! ```no_run
//! # async fn demo(app: brightrun_core::service::BrightRun) -> Result<(), brightrun_core::service::OperationError> {
//! use brightrun_core::service::operations;
//!
//! let user = "00000000-0000-4000-8000-627269676874";
//! let page = operations::call(&app, "datasets.list", user, r#"{"limit": 5}"#).await?;
//! assert!(page.starts_with(r#"{"items":["#));
//! # Ok(()) }
//! ```

mod args;
mod background;
mod error;
mod jobs;
mod open;

pub use args::{
    CostHistoryArgs, CreateDatasetArgs, DownloadUrlsArgs, IdArgs, JobArgs, JobEventsArgs, JobMetricsArgs,
    ListDatasetsArgs, ListJobsArgs, ListModelsArgs, ListNotificationsArgs, NoArgs, SetBudgetArgs, UpdateDatasetArgs,
    UpdateModelArgs, UploadDatasetArgs,
};
pub use background::{Background, POLL_INTERVAL, describe, orchestrator, pass_report};
pub use error::OperationError;
pub use jobs::job_request;
pub use open::OpenOptions;

use std::str::FromStr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use serde::de::DeserializeOwned;
use tokio::io::AsyncReadExt as _;

use super::{BrightRun, DatasetUpdate, ModelUpdate, NewDataset, ServiceError};
use crate::backend::EventCursor;
use crate::error_code::Code;
use crate::model::{ArtifactId, DatasetId, JobId, Money, NotificationId, UserId};
use crate::store::{ArtifactQuery, BudgetSettings, DatasetQuery, JobQuery, NotificationQuery, PageRequest, StoreError};

type Outcome = Result<String, OperationError>;

/// The names of every operation [`call`] runs.
pub const OPERATIONS: &[&str] = &[
    "datasets.create",
    "datasets.upload",
    "datasets.confirm",
    "datasets.list",
    "datasets.retrieve",
    "datasets.update",
    "datasets.delete",
    "datasets.report",
    "jobs.estimate",
    "jobs.create",
    "jobs.list",
    "jobs.retrieve",
    "jobs.details",
    "jobs.cancel",
    "jobs.costs",
    "jobs.events",
    "jobs.metrics",
    "models.list",
    "models.retrieve",
    "models.update",
    "models.download_urls",
    "costs.summary",
    "costs.history",
    "costs.budget",
    "costs.set_budget",
    "notifications.list",
    "notifications.unread_count",
    "notifications.mark_read",
    "notifications.mark_all_read",
];

/// Runs the operation `method` for `user` (a UUID) with `args` (a JSON object, snake_case)
/// and returns its result as the core's JSON text.
///
/// The arguments are read straight into the operation's typed struct and the result
/// written straight to text, with no `serde_json::Value` between: a binding's call costs
/// little more than the service method it runs.
///
/// Errors: `invalid_user_id`, `invalid_arguments` (not JSON, an unknown or mistyped
/// argument), `unknown_operation`, `not_found` (a malformed, missing or another user's id),
/// and whatever the service call reports.
pub async fn call(app: &BrightRun, method: &str, user: &str, args: &str) -> Outcome {
    let user = user_id(user)?;
    match method {
        "datasets.create" => datasets_create(app, user, args).await,
        "datasets.upload" => datasets_upload(app, user, args).await,
        "datasets.confirm" => done(app.confirm_dataset_upload(user, id::<DatasetId>("dataset", args)?).await),
        "datasets.list" => {
            let a: ListDatasetsArgs = parse(args)?;
            let query = DatasetQuery {
                status: a.status,
                format: a.format,
                name_contains: a.search,
                page: page(a.limit, a.offset),
                ..DatasetQuery::default()
            };
            done(app.list_datasets(user, &query).await)
        }
        "datasets.retrieve" => done(app.get_dataset(user, id::<DatasetId>("dataset", args)?).await),
        "datasets.update" => {
            let a: UpdateDatasetArgs = parse(args)?;
            let update = DatasetUpdate { name: a.name, description: a.description };
            done(app.update_dataset(user, parse_id::<DatasetId>("dataset", &a.id)?, update).await)
        }
        "datasets.delete" => {
            app.delete_dataset(user, id::<DatasetId>("dataset", args)?).await?;
            Ok("null".to_owned())
        }
        "datasets.report" => done(app.dataset_report(user, id::<DatasetId>("dataset", args)?).await),
        "jobs.estimate" => {
            let request = job_request(args)?;
            done(app.estimate_job(user, &request).await)
        }
        "jobs.create" => {
            let request = job_request(args)?;
            done(app.create_job(user, &request).await)
        }
        "jobs.list" => {
            let a: ListJobsArgs = parse(args)?;
            let dataset_id = a.dataset_id.as_deref().map(|d| parse_id::<DatasetId>("dataset", d)).transpose()?;
            let query = JobQuery { status: a.status, dataset_id, page: page(a.limit, a.offset) };
            done(app.list_jobs(user, &query).await)
        }
        "jobs.retrieve" => done(app.get_job(user, id::<JobId>("job", args)?).await.map(|d| d.job)),
        "jobs.details" => done(app.get_job(user, id::<JobId>("job", args)?).await),
        "jobs.cancel" => done(app.cancel_job(user, id::<JobId>("job", args)?).await),
        "jobs.costs" => done(app.job_costs(user, id::<JobId>("job", args)?).await),
        "jobs.events" => {
            let a: JobEventsArgs = parse(args)?;
            let cursor = EventCursor(a.after.unwrap_or(0));
            done(app.job_events(user, parse_id::<JobId>("job", &a.id)?, cursor).await)
        }
        "jobs.metrics" => {
            let a: JobMetricsArgs = parse(args)?;
            let id = parse_id::<JobId>("job", &a.id)?;
            let series = a.series.unwrap_or_default();
            done(app.job_metrics(user, id, series, a.max_points.unwrap_or(500)).await)
        }
        "models.list" => {
            let a: ListModelsArgs = parse(args)?;
            let job_id = a.job_id.as_deref().map(|j| parse_id::<JobId>("job", j)).transpose()?;
            let query = ArtifactQuery { status: a.status, job_id, page: page(a.limit, a.offset) };
            done(app.list_models(user, &query).await)
        }
        "models.retrieve" => done(app.get_model(user, id::<ArtifactId>("model", args)?).await),
        "models.update" => {
            let a: UpdateModelArgs = parse(args)?;
            let update = ModelUpdate { name: a.name, description: a.description, status: a.status };
            done(app.update_model(user, parse_id::<ArtifactId>("model", &a.id)?, update).await)
        }
        "models.download_urls" => {
            let a: DownloadUrlsArgs = parse(args)?;
            let expires_in = Duration::from_secs(a.expires_in.unwrap_or(3600));
            done(app.model_downloads(user, parse_id::<ArtifactId>("model", &a.id)?, expires_in).await)
        }
        "costs.summary" => {
            parse::<NoArgs>(args)?;
            done(app.cost_summary(user).await)
        }
        "costs.history" => {
            let a: CostHistoryArgs = parse(args)?;
            done(app.cost_history(user, a.months.unwrap_or(12)).await)
        }
        "costs.budget" => {
            parse::<NoArgs>(args)?;
            done(app.budget(user).await)
        }
        "costs.set_budget" => {
            let a: SetBudgetArgs = parse(args)?;
            let money = |field: &str, value: Option<String>| {
                value.map(|v| Money::from_str(&v).map_err(|e| invalid(format!("{field}: {e}")))).transpose()
            };
            let budget = BudgetSettings {
                monthly_budget: money("monthly", a.monthly)?,
                alert_threshold_percent: a.alert_threshold_percent.unwrap_or(80),
                per_job_cost_cap: money("per_job_cap", a.per_job_cap)?,
            };
            done(app.set_budget(user, &budget).await)
        }
        "notifications.list" => {
            let a: ListNotificationsArgs = parse(args)?;
            let query = NotificationQuery { unread_only: a.unread.unwrap_or(false), page: page(a.limit, a.offset) };
            done(app.list_notifications(user, &query).await)
        }
        "notifications.unread_count" => {
            parse::<NoArgs>(args)?;
            done(app.unread_notifications(user).await)
        }
        "notifications.mark_read" => {
            done(app.mark_notification_read(user, id::<NotificationId>("notification", args)?).await)
        }
        "notifications.mark_all_read" => {
            parse::<NoArgs>(args)?;
            done(app.mark_all_notifications_read(user).await)
        }
        other => Err(ServiceError::invalid(Code::UnknownOperation, format!("no operation {other:?}")).into()),
    }
}

/// The user id of a call: a UUID, else `invalid_user_id`.
pub fn user_id(text: &str) -> Result<UserId, ServiceError> {
    text.parse().map_err(|_| ServiceError::invalid(Code::InvalidUserId, format!("{text:?} is not a user id (a UUID)")))
}

/// A dataset id given by a caller: one that is not a UUID names no row, so it is `not_found`.
pub fn dataset_id(text: &str) -> Result<DatasetId, ServiceError> {
    parse_id("dataset", text)
}

/// A service result as JSON text.
fn done<T: serde::Serialize>(result: Result<T, ServiceError>) -> Outcome {
    let value = result?;
    serde_json::to_string(&value).map_err(|e| ServiceError::internal(format!("cannot serialise a result: {e}")).into())
}

/// An `invalid_arguments` error.
fn invalid(message: String) -> ServiceError {
    ServiceError::invalid(Code::InvalidArguments, message)
}

/// The arguments (JSON text) as `T`; a wrong shape names the field and what it expected.
fn parse<T: DeserializeOwned>(args: &str) -> Result<T, ServiceError> {
    serde_json::from_str(args).map_err(|e| invalid(format!("invalid arguments: {e}")))
}

/// An id from its text: one that is not a UUID names no row, so it is not found.
fn parse_id<T: FromStr>(entity: &'static str, text: &str) -> Result<T, ServiceError> {
    text.parse().map_err(|_| ServiceError::Store(StoreError::NotFound { entity, id: text.to_owned() }))
}

/// The arguments of an operation on one row: its `id`, and nothing else.
fn id<T: FromStr>(entity: &'static str, args: &str) -> Result<T, ServiceError> {
    let a: IdArgs = parse(args)?;
    parse_id(entity, &a.id)
}

fn page(limit: Option<u32>, offset: Option<u64>) -> PageRequest {
    PageRequest { limit: limit.unwrap_or(PageRequest::DEFAULT_LIMIT), offset: offset.unwrap_or(0) }
}

/// Creates a dataset awaiting its file.
async fn datasets_create(app: &BrightRun, user: UserId, args: &str) -> Outcome {
    let a: CreateDatasetArgs = parse(args)?;
    let new = NewDataset {
        name: a.name,
        description: a.description,
        format: a.format,
        file_name: a.file_name,
        declared_size: a.size.unwrap_or(app.blobs().limits().dataset_bytes),
    };
    done(app.create_dataset(user, new).await)
}

/// Streams the local file `path` into a dataset awaiting its file, and confirms it.
async fn datasets_upload(app: &BrightRun, user: UserId, args: &str) -> Outcome {
    let a: UploadDatasetArgs = parse(args)?;
    let id = parse_id::<DatasetId>("dataset", &a.id)?;
    let file = tokio::fs::File::open(&a.path)
        .await
        .map_err(|e| ServiceError::io(format!("opening {}", a.path.display()), e))?;
    done(app.upload_dataset(user, id, chunks(file)).await)
}

/// A file's bytes in chunks of 256 KiB.
fn chunks(file: tokio::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buffer = vec![0u8; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(Bytes::from(buffer)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

#[cfg(test)]
mod tests;
