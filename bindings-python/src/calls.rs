//! The service operations by name: arguments from a JSON object, results as the core's JSON.
//!
//! Each operation reads its arguments into a small struct (unknown or mistyped arguments
//! are an `invalid_arguments` error naming the problem) and calls one service method for
//! the given user. A malformed id is reported like a missing one (`not_found`).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use brightrun_core::backend::EventCursor;
use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::error_code::Code;
use brightrun_core::estimate::FlatEstimateOptions;
use brightrun_core::model::{
    ArtifactId, ArtifactStatus, DatasetFormat, DatasetId, DatasetStatus, JobId, JobStatus, Money, NotificationId,
    UserId,
};
use brightrun_core::service::{BrightRun, DatasetUpdate, JobRequest, ModelUpdate, NewDataset, ServiceError};
use brightrun_core::store::{
    ArtifactQuery, BudgetSettings, DatasetQuery, JobQuery, MetricSeries, NotificationQuery, PageRequest, StoreError,
};
use bytes::Bytes;
use futures_util::Stream;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::io::AsyncReadExt as _;

use crate::errors::NativeError;

type Outcome = Result<Value, NativeError>;

/// Runs `method` for `user` with `args` (a JSON object).
pub async fn call(app: &BrightRun, method: &str, user: &str, args: &str) -> Outcome {
    let user: UserId = user
        .parse()
        .map_err(|_| ServiceError::invalid(Code::InvalidUserId, format!("{user:?} is not a user id (a UUID)")))?;
    let args: Value = serde_json::from_str(args).map_err(|e| invalid(format!("arguments are not JSON: {e}")))?;
    match method {
        "datasets.create" => datasets_create(app, user, args).await,
        "datasets.upload" => datasets_upload(app, user, args).await,
        "datasets.list" => {
            let a: ListDatasets = parse(args)?;
            let query = DatasetQuery {
                status: a.status,
                format: a.format,
                name_contains: a.search,
                page: page(a.limit, a.offset),
                ..DatasetQuery::default()
            };
            done(app.list_datasets(user, &query).await)
        }
        "datasets.retrieve" => done(app.get_dataset(user, id::<DatasetId>("dataset", &args)?).await),
        "datasets.update" => {
            let a: Update = parse(args.clone())?;
            let update = DatasetUpdate { name: a.name, description: a.description };
            done(app.update_dataset(user, id::<DatasetId>("dataset", &args)?, update).await)
        }
        "datasets.delete" => {
            app.delete_dataset(user, id::<DatasetId>("dataset", &args)?).await?;
            Ok(Value::Null)
        }
        "datasets.report" => done(app.dataset_report(user, id::<DatasetId>("dataset", &args)?).await),
        "jobs.estimate" => {
            let request = job_request(args)?;
            done(app.estimate_job(user, &request).await)
        }
        "jobs.create" => {
            let request = job_request(args)?;
            done(app.create_job(user, &request).await)
        }
        "jobs.list" => {
            let a: ListJobs = parse(args)?;
            let dataset_id = a.dataset_id.as_deref().map(|d| parse_id::<DatasetId>("dataset", d)).transpose()?;
            let query = JobQuery { status: a.status, dataset_id, page: page(a.limit, a.offset) };
            done(app.list_jobs(user, &query).await)
        }
        "jobs.retrieve" => done(app.get_job(user, id::<JobId>("job", &args)?).await.map(|d| d.job)),
        "jobs.details" => done(app.get_job(user, id::<JobId>("job", &args)?).await),
        "jobs.cancel" => done(app.cancel_job(user, id::<JobId>("job", &args)?).await),
        "jobs.costs" => done(app.job_costs(user, id::<JobId>("job", &args)?).await),
        "jobs.events" => {
            let a: Events = parse(args.clone())?;
            let cursor = EventCursor(a.after.unwrap_or(0));
            done(app.job_events(user, id::<JobId>("job", &args)?, cursor).await)
        }
        "jobs.metrics" => {
            let a: Metrics = parse(args.clone())?;
            let id = id::<JobId>("job", &args)?;
            let series = a.series.unwrap_or_default();
            done(app.job_metrics(user, id, series, a.max_points.unwrap_or(500)).await)
        }
        "models.list" => {
            let a: ListModels = parse(args)?;
            let job_id = a.job_id.as_deref().map(|j| parse_id::<JobId>("job", j)).transpose()?;
            let query = ArtifactQuery { status: a.status, job_id, page: page(a.limit, a.offset) };
            done(app.list_models(user, &query).await)
        }
        "models.retrieve" => done(app.get_model(user, id::<ArtifactId>("model", &args)?).await),
        "models.update" => {
            let a: UpdateModel = parse(args.clone())?;
            let update = ModelUpdate { name: a.name, description: a.description, status: a.status };
            done(app.update_model(user, id::<ArtifactId>("model", &args)?, update).await)
        }
        "models.download_urls" => {
            let a: Downloads = parse(args.clone())?;
            let expires_in = Duration::from_secs(a.expires_in.unwrap_or(3600));
            done(app.model_downloads(user, id::<ArtifactId>("model", &args)?, expires_in).await)
        }
        "costs.summary" => done(app.cost_summary(user).await),
        "costs.history" => {
            let a: History = parse(args)?;
            done(app.cost_history(user, a.months.unwrap_or(12)).await)
        }
        "costs.budget" => done(app.budget(user).await),
        "costs.set_budget" => {
            let a: Budget = parse(args)?;
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
            let a: ListNotifications = parse(args)?;
            let query = NotificationQuery { unread_only: a.unread.unwrap_or(false), page: page(a.limit, a.offset) };
            done(app.list_notifications(user, &query).await)
        }
        "notifications.unread_count" => done(app.unread_notifications(user).await),
        "notifications.mark_read" => {
            done(app.mark_notification_read(user, id::<NotificationId>("notification", &args)?).await)
        }
        "notifications.mark_all_read" => done(app.mark_all_notifications_read(user).await),
        other => Err(ServiceError::invalid(Code::UnknownOperation, format!("no operation {other:?}")).into()),
    }
}

/// A service result as JSON.
fn done<T: serde::Serialize>(result: Result<T, ServiceError>) -> Outcome {
    let value = result?;
    serde_json::to_value(value).map_err(|e| ServiceError::internal(format!("cannot serialise a result: {e}")).into())
}

fn invalid(message: String) -> ServiceError {
    ServiceError::invalid(Code::InvalidArguments, message)
}

/// The arguments as `T`; a wrong shape names the field and what it expected.
fn parse<T: DeserializeOwned>(args: Value) -> Result<T, ServiceError> {
    serde_json::from_value(args).map_err(|e| invalid(e.to_string()))
}

/// An id from its text: one that is not a UUID names no row, so it is not found.
fn parse_id<T: FromStr>(entity: &'static str, text: &str) -> Result<T, ServiceError> {
    text.parse().map_err(|_| ServiceError::Store(StoreError::NotFound { entity, id: text.to_owned() }))
}

/// The `id` argument.
fn id<T: FromStr>(entity: &'static str, args: &Value) -> Result<T, ServiceError> {
    match args.get("id") {
        Some(Value::String(text)) => parse_id(entity, text),
        _ => Err(invalid(format!("the {entity} id is missing (a string)"))),
    }
}

fn page(limit: Option<u32>, offset: Option<u64>) -> PageRequest {
    PageRequest { limit: limit.unwrap_or(PageRequest::DEFAULT_LIMIT), offset: offset.unwrap_or(0) }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListDatasets {
    status: Option<DatasetStatus>,
    format: Option<DatasetFormat>,
    search: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

/// A name or description change; a `description` of `null` clears it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Update {
    #[allow(dead_code)]
    id: String,
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateModel {
    #[allow(dead_code)]
    id: String,
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    status: Option<ArtifactStatus>,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListJobs {
    status: Option<JobStatus>,
    dataset_id: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Events {
    #[allow(dead_code)]
    id: String,
    after: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Metrics {
    #[allow(dead_code)]
    id: String,
    series: Option<MetricSeries>,
    max_points: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListModels {
    status: Option<ArtifactStatus>,
    job_id: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Downloads {
    #[allow(dead_code)]
    id: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct History {
    months: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Budget {
    monthly: Option<String>,
    alert_threshold_percent: Option<u8>,
    per_job_cap: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListNotifications {
    unread: Option<bool>,
    limit: Option<u32>,
    offset: Option<u64>,
}

/// A job: `dataset_id` and the estimate's options (`FlatEstimateOptions`: base model,
/// GPU, count, price, preset and any hyperparameter).
fn job_request(mut args: Value) -> Result<JobRequest, NativeError> {
    let dataset = args.as_object_mut().and_then(|a| a.remove("dataset_id"));
    let dataset_id = match dataset {
        Some(Value::String(text)) => parse_id::<DatasetId>("dataset", &text)?,
        _ => return Err(invalid("dataset_id is missing (a string)".into()).into()),
    };
    let flat: FlatEstimateOptions = parse(args)?;
    let options = flat.into_options()?;
    let defaults = options.preset.hyperparameters(&options.base_model);
    let mut hyperparameters = defaults.clone();
    options.overrides.apply(&mut hyperparameters);
    hyperparameters.validate().map_err(brightrun_core::Error::from)?;
    let preset = if hyperparameters == defaults { options.preset } else { Preset::Custom };
    let gpu = GpuSelection::new(&options.gpu, options.gpus, options.price_per_gpu_hour)
        .map_err(brightrun_core::Error::from)?;
    Ok(JobRequest {
        dataset_id,
        preset,
        base_model: options.base_model,
        hyperparameters: Some(hyperparameters),
        gpu,
        measured_tokens_per_second: options.measured_tokens_per_second,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateDataset {
    name: String,
    description: Option<String>,
    format: DatasetFormat,
    file_name: String,
    size: u64,
}

/// Creates a dataset awaiting its file.
async fn datasets_create(app: &BrightRun, user: UserId, args: Value) -> Outcome {
    let a: CreateDataset = parse(args)?;
    let new = NewDataset {
        name: a.name,
        description: a.description,
        format: a.format,
        file_name: a.file_name,
        declared_size: a.size,
    };
    done(app.create_dataset(user, new).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Upload {
    id: String,
    path: PathBuf,
}

/// Streams the local file `path` into a dataset awaiting its file, and confirms it.
async fn datasets_upload(app: &BrightRun, user: UserId, args: Value) -> Outcome {
    let a: Upload = parse(args)?;
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
