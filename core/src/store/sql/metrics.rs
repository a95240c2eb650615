//! The `metrics_points` table: batched, idempotent writes; range and downsampled reads.

use super::rows::{self, RowExt};
use super::statement::{Statement, count};
use super::{Driver, fetch_all, fetch_one};
use crate::model::{JobId, MetricsPoint, UserId};
use crate::store::lttb::lttb;
use crate::store::{MAX_METRICS_RANGE, MetricSeries, StoreError};

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
) -> Result<u64, StoreError> {
    if let Some(other) = points.iter().find(|point| point.job_id != job_id) {
        return Err(StoreError::InvalidInput {
            field: "points",
            message: format!("a point of job {} is in the batch of job {job_id}", other.job_id),
        });
    }
    require_job(db, user_id, job_id).await?;
    let batch_size = D::MAX_INSERT_ARGUMENTS / POINT_ARGUMENTS;
    let mut statements = Vec::with_capacity(points.len().div_ceil(batch_size));
    for batch in points.chunks(batch_size) {
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

/// Above this many points per chart point, the curve is first reduced in the database.
const REDUCE_ABOVE: usize = 8;
/// Buckets per chart point of that reduction.
const BUCKETS_PER_POINT: usize = 4;

/// The curve of one series as `(step, value)` in step order: every point when there are
/// few, else the M4 reduction of it (per bucket of steps, the first, last, lowest and highest
/// point — the points a line chart of that resolution draws) computed by the database, so a
/// million-point curve never crosses the wire whole.
async fn curve<D: Driver>(
    db: &D,
    user_id: UserId,
    job_id: JobId,
    column: &str,
    max_points: usize,
) -> Result<Vec<(i64, f64)>, StoreError> {
    let stats = Statement::new(format!(
        "SELECT COUNT(*) AS n, MIN(step) AS first_step, MAX(step) AS last_step FROM metrics_points \
         WHERE job_id = $1 AND user_id = $2 AND {column} IS NOT NULL"
    ))
    .bind(job_id)
    .bind(user_id);
    let stats = fetch_one(db, stats, |row| {
        Ok((row.count::<usize>("n")?, row.opt_int("first_step")?, row.opt_int("last_step")?))
    })
    .await?;
    let (n, first, last) = match stats {
        Some((n, Some(first), Some(last))) if n > 0 => (n, first, last),
        _ => return Ok(Vec::new()),
    };
    if n <= max_points.saturating_mul(REDUCE_ABOVE) {
        let statement = Statement::new(format!(
            "SELECT step, {column} AS value FROM metrics_points \
             WHERE job_id = $1 AND user_id = $2 AND {column} IS NOT NULL ORDER BY step"
        ))
        .bind(job_id)
        .bind(user_id);
        return fetch_all(db, statement, |row| Ok((row.int("step")?, row.real("value")?))).await;
    }
    let buckets = (max_points * BUCKETS_PER_POINT) as i64;
    let width = ((last - first) / buckets + 1).max(1);
    let statement = Statement::new(format!(
        "WITH pts AS (SELECT step, {column} AS v, (step - $3) / $4 AS b FROM metrics_points \
             WHERE job_id = $1 AND user_id = $2 AND {column} IS NOT NULL), \
         agg AS (SELECT b, MIN(step) AS first_step, MAX(step) AS last_step, MIN(v) AS lo, MAX(v) AS hi \
             FROM pts GROUP BY b) \
         SELECT a.b, a.first_step, a.last_step, a.lo, a.hi, \
             MIN(CASE WHEN p.step = a.first_step THEN p.v END) AS first_value, \
             MIN(CASE WHEN p.step = a.last_step THEN p.v END) AS last_value, \
             MIN(CASE WHEN p.v = a.lo THEN p.step END) AS lo_step, \
             MIN(CASE WHEN p.v = a.hi THEN p.step END) AS hi_step \
         FROM pts p JOIN agg a ON p.b = a.b \
         GROUP BY a.b, a.first_step, a.last_step, a.lo, a.hi ORDER BY a.b"
    ))
    .bind(job_id)
    .bind(user_id)
    .bind(first)
    .bind(width);
    let buckets = fetch_all(db, statement, |row| {
        Ok([
            (row.int("first_step")?, row.real("first_value")?),
            (row.int("lo_step")?, row.real("lo")?),
            (row.int("hi_step")?, row.real("hi")?),
            (row.int("last_step")?, row.real("last_value")?),
        ])
    })
    .await?;
    let mut reduced: Vec<(i64, f64)> = buckets.into_iter().flatten().collect();
    reduced.sort_by_key(|&(step, _)| step);
    reduced.dedup_by_key(|&mut (step, _)| step);
    Ok(reduced)
}

pub(super) async fn downsampled<D: Driver>(
    db: &D,
    user_id: UserId,
    job_id: JobId,
    series: MetricSeries,
    max_points: usize,
) -> Result<Vec<MetricsPoint>, StoreError> {
    let max_points = max_points.min(MAX_METRICS_RANGE as usize);
    let curve = curve(db, user_id, job_id, series.column(), max_points).await?;
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
