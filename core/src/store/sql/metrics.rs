//! The `metrics_points` table: batched, idempotent writes; range and downsampled reads.

use super::rows::{self, RowExt};
use super::statement::{Statement, count};
use super::{Driver, fetch_all, fetch_one};
use crate::model::{JobId, MetricsPoint, UserId};
use crate::store::lttb::lttb;
use crate::store::{MAX_METRICS_RANGE, MetricSeries, StoreError};

/// Points per `INSERT`: 12 arguments each stays far below both backends' argument limits.
const INSERT_BATCH: usize = 1_000;
/// Steps per `IN (...)` list of a downsampled read.
const READ_BATCH: usize = 1_000;

/// Fails with not-found unless the job is the user's.
async fn require_job<D: Driver>(db: &D, user_id: UserId, job_id: JobId) -> Result<(), StoreError> {
    let statement =
        Statement::new("SELECT id FROM training_jobs WHERE id = $1 AND user_id = $2").bind(job_id).bind(user_id);
    match fetch_one(db, statement, |_| Ok(())).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found("job", job_id)),
    }
}

pub(super) async fn insert<D: Driver>(
    db: &D,
    user_id: UserId,
    job_id: JobId,
    points: &[MetricsPoint],
) -> Result<u64, StoreError> {
    if let Some(other) = points.iter().find(|point| point.job_id != job_id) {
        return Err(StoreError::InvalidInput {
            field: "points",
            message: format!("a point of job {} is in the batch of job {job_id}", other.job_id),
        });
    }
    require_job(db, user_id, job_id).await?;
    let mut statements = Vec::with_capacity(points.len().div_ceil(INSERT_BATCH));
    for batch in points.chunks(INSERT_BATCH) {
        let mut statement = Statement::new(
            "INSERT INTO metrics_points (job_id, user_id, step, epoch, training_loss, validation_loss, \
             learning_rate, grad_norm, tokens_per_second, gpu_utilization_percent, gpu_memory_used_gb, \
             recorded_at) VALUES ",
        );
        for (index, point) in batch.iter().enumerate() {
            if index > 0 {
                statement.push(", ");
            }
            let metrics = point.metrics;
            statement.push_list([
                job_id.into(),
                user_id.into(),
                count("step", point.step)?,
                point.epoch.into(),
                metrics.training_loss.into(),
                metrics.validation_loss.into(),
                metrics.learning_rate.into(),
                metrics.grad_norm.into(),
                metrics.tokens_per_second.into(),
                metrics.gpu_utilization_percent.into(),
                metrics.gpu_memory_used_gb.into(),
                point.recorded_at.into(),
            ]);
        }
        statement.push(" ON CONFLICT (job_id, step) DO NOTHING");
        statements.push(statement);
    }
    db.execute_all(statements).await
}

pub(super) async fn range<D: Driver>(
    db: &D,
    user_id: UserId,
    job_id: JobId,
    from_step: u64,
    to_step: u64,
    limit: u32,
) -> Result<Vec<MetricsPoint>, StoreError> {
    let statement = Statement::new(
        "SELECT * FROM metrics_points WHERE job_id = $1 AND user_id = $2 AND step >= $3 AND step <= $4 \
         ORDER BY step LIMIT $5",
    )
    .bind(job_id)
    .bind(user_id)
    .bind(count("from_step", from_step)?)
    .bind(count("to_step", to_step)?)
    .bind(limit.min(MAX_METRICS_RANGE));
    let points = fetch_all(db, statement, rows::metrics_point).await?;
    if points.is_empty() {
        require_job(db, user_id, job_id).await?;
    }
    Ok(points)
}

pub(super) async fn downsampled<D: Driver>(
    db: &D,
    user_id: UserId,
    job_id: JobId,
    series: MetricSeries,
    max_points: usize,
) -> Result<Vec<MetricsPoint>, StoreError> {
    let column = series.column();
    let statement = Statement::new(format!(
        "SELECT step, {column} AS value FROM metrics_points \
         WHERE job_id = $1 AND user_id = $2 AND {column} IS NOT NULL ORDER BY step"
    ))
    .bind(job_id)
    .bind(user_id);
    let curve = fetch_all(db, statement, |row| Ok((row.int("step")?, row.real("value")?))).await?;
    if curve.is_empty() {
        require_job(db, user_id, job_id).await?;
        return Ok(Vec::new());
    }
    let xy: Vec<(f64, f64)> = curve.iter().map(|&(step, value)| (step as f64, value)).collect();
    let steps: Vec<i64> =
        lttb(&xy, max_points.min(MAX_METRICS_RANGE as usize)).into_iter().map(|i| curve[i].0).collect();
    let mut points = Vec::with_capacity(steps.len());
    for batch in steps.chunks(READ_BATCH) {
        let mut statement =
            Statement::new("SELECT * FROM metrics_points WHERE job_id = $1 AND user_id = $2 AND step IN ")
                .bind(job_id)
                .bind(user_id);
        statement.push_list(batch.iter().copied());
        statement.push(" ORDER BY step");
        points.extend(fetch_all(db, statement, rows::metrics_point).await?);
    }
    Ok(points)
}
