//! The `metrics_points` and `metrics_rollups` tables: batched, idempotent writes that keep
//! the rollups merged; range reads; downsampled reads.

use super::fence::{Fence, execute_fenced};
use super::rollups;
use super::rows::{self, RowExt};
use super::statement::{Statement, Value, count};
use super::{Driver, fetch_all, fetch_one};
use crate::model::{JobId, MetricsPoint, UserId};
use crate::store::lttb::lttb;
use crate::store::{LeaseTarget, MAX_METRICS_RANGE, MetricSeries, StoreError};

/// The arguments of one point.
const POINT_ARGUMENTS: usize = 12;
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
    fence: Fence<'_>,
) -> Result<u64, StoreError> {
    if let Some(other) = points.iter().find(|point| point.job_id != job_id) {
        return Err(StoreError::InvalidInput {
            field: "points",
            message: format!("a point of job {} is in the batch of job {job_id}", other.job_id),
        });
    }
    require_job(db, user_id, job_id).await?;
    let mut statements = Vec::new();
    for batch in points.chunks(D::MAX_INSERT_ARGUMENTS / POINT_ARGUMENTS) {
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
    let point_statements = statements.len();
    statements.extend(rollup_statements::<D>(user_id, job_id, points));
    let changed = execute_fenced(db, LeaseTarget::Job { user_id, id: job_id }, fence, statements).await?;
    Ok(changed[..point_statements].iter().sum())
}

/// The arguments of one rollup row.
const ROLLUP_ARGUMENTS: usize = 9;

/// Upserts that merge a batch's rollups into the stored ones (see [`rollups`]).
fn rollup_statements<D: Driver>(user_id: UserId, job_id: JobId, points: &[MetricsPoint]) -> Vec<Statement> {
    let rollups: Vec<_> = rollups::rollups(points).into_iter().collect();
    rollups
        .chunks(D::MAX_INSERT_ARGUMENTS / ROLLUP_ARGUMENTS)
        .map(|batch| {
            let mut statement = Statement::new(
                "INSERT INTO metrics_rollups (job_id, user_id, series, width, bucket, lo, lo_step, hi, hi_step) VALUES ",
            );
            for (index, ((series, width, bucket), extremes)) in batch.iter().enumerate() {
                if index > 0 {
                    statement.push(", ");
                }
                statement.push_list([
                    job_id.into(),
                    user_id.into(),
                    series.column().into(),
                    Value::from(*width),
                    Value::from(*bucket),
                    extremes.lo.into(),
                    extremes.lo_step.into(),
                    extremes.hi.into(),
                    extremes.hi_step.into(),
                ]);
            }
            statement.push(
                " ON CONFLICT (job_id, series, width, bucket) DO UPDATE SET \
                 lo_step = CASE WHEN excluded.lo < metrics_rollups.lo OR (excluded.lo = metrics_rollups.lo \
                     AND excluded.lo_step < metrics_rollups.lo_step) THEN excluded.lo_step ELSE metrics_rollups.lo_step END, \
                 lo = CASE WHEN excluded.lo < metrics_rollups.lo THEN excluded.lo ELSE metrics_rollups.lo END, \
                 hi_step = CASE WHEN excluded.hi > metrics_rollups.hi OR (excluded.hi = metrics_rollups.hi \
                     AND excluded.hi_step > metrics_rollups.hi_step) THEN excluded.hi_step ELSE metrics_rollups.hi_step END, \
                 hi = CASE WHEN excluded.hi > metrics_rollups.hi THEN excluded.hi ELSE metrics_rollups.hi END",
            );
            statement
        })
        .collect()
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

/// Up to this many steps per chart point, the points themselves are read; beyond it the
/// narrowest rollups (64 steps, two points each) still give LTTB more points than it keeps.
const READ_POINTS_UP_TO: i64 = 32;

/// The first (or last) point of a series, found through the primary key's order.
async fn endpoint<D: Driver>(
    db: &D,
    user_id: UserId,
    job_id: JobId,
    column: &str,
    last: bool,
) -> Result<Option<(i64, f64)>, StoreError> {
    let order = if last { "DESC" } else { "ASC" };
    let statement = Statement::new(format!(
        "SELECT step, {column} AS value FROM metrics_points \
         WHERE job_id = $1 AND user_id = $2 AND {column} IS NOT NULL ORDER BY step {order} LIMIT 1"
    ))
    .bind(job_id)
    .bind(user_id);
    fetch_one(db, statement, |row| Ok((row.int("step")?, row.real("value")?))).await
}

/// The curve of one series as `(step, value)` in step order: every point when its steps are
/// few, else the first and last points and each rollup bucket's lowest and highest point —
/// the envelope a line chart draws — so a long curve costs a bounded read.
async fn curve<D: Driver>(
    db: &D,
    user_id: UserId,
    job_id: JobId,
    series: MetricSeries,
    max_points: usize,
) -> Result<Vec<(i64, f64)>, StoreError> {
    let column = series.column();
    let Some(first) = endpoint(db, user_id, job_id, column, false).await? else {
        return Ok(Vec::new());
    };
    let last = endpoint(db, user_id, job_id, column, true).await?.unwrap_or(first);
    if last.0 - first.0 < (max_points as i64).saturating_mul(READ_POINTS_UP_TO) {
        let statement = Statement::new(format!(
            "SELECT step, {column} AS value FROM metrics_points \
             WHERE job_id = $1 AND user_id = $2 AND {column} IS NOT NULL ORDER BY step"
        ))
        .bind(job_id)
        .bind(user_id);
        return fetch_all(db, statement, |row| Ok((row.int("step")?, row.real("value")?))).await;
    }
    let statement = Statement::new(
        "SELECT lo, lo_step, hi, hi_step FROM metrics_rollups \
         WHERE job_id = $1 AND user_id = $2 AND series = $3 AND width = $4 ORDER BY bucket",
    )
    .bind(job_id)
    .bind(user_id)
    .bind(column)
    .bind(rollups::width_for(first.0, last.0, max_points));
    let buckets = fetch_all(db, statement, |row| {
        Ok([(row.int("lo_step")?, row.real("lo")?), (row.int("hi_step")?, row.real("hi")?)])
    })
    .await?;
    let mut envelope: Vec<(i64, f64)> = buckets.into_iter().flatten().chain([first, last]).collect();
    envelope.sort_by_key(|&(step, _)| step);
    envelope.dedup_by_key(|&mut (step, _)| step);
    Ok(envelope)
}

pub(super) async fn downsampled<D: Driver>(
    db: &D,
    user_id: UserId,
    job_id: JobId,
    series: MetricSeries,
    max_points: usize,
) -> Result<Vec<MetricsPoint>, StoreError> {
    let max_points = max_points.min(MAX_METRICS_RANGE as usize);
    let curve = curve(db, user_id, job_id, series, max_points).await?;
    if curve.is_empty() {
        require_job(db, user_id, job_id).await?;
        return Ok(Vec::new());
    }
    let xy: Vec<(f64, f64)> = curve.iter().map(|&(step, value)| (step as f64, value)).collect();
    let steps: Vec<i64> = lttb(&xy, max_points).into_iter().map(|i| curve[i].0).collect();
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
