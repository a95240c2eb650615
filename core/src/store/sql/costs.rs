//! The `cost_records` and `budget_settings` tables.

use super::fence::{Fence, execute_fenced};
use super::rows::{self, RowExt};
use super::statement::Statement;
use super::{Driver, fetch_all, fetch_one, jobs};
use crate::model::{BillingPeriod, CENT_DECIMALS, CostRecord, CostType, JobId, Money, Timestamp, UserId};
use crate::store::{BudgetSettings, CostTotals, LeaseTarget, Settlement, StoreError};

/// Inserts the record if its job, when it has one, is the same user's. The amount must be
/// in whole cents: it was rounded once, by whoever priced it.
pub(super) async fn insert<D: Driver>(db: &D, record: &CostRecord, fence: Fence<'_>) -> Result<(), StoreError> {
    let amount = record.amount.amount();
    if amount.round_dp(CENT_DECIMALS) != amount {
        return Err(StoreError::InvalidInput {
            field: "amount",
            message: format!("{amount} is not a whole number of cents: round it (half up) before recording it"),
        });
    }
    let statement = Statement::new(
        "INSERT INTO cost_records (id, user_id, job_id, cost_type, amount, currency, details, \
         billing_period_start, billing_period_end, created_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
         WHERE $3 IS NULL OR EXISTS (SELECT 1 FROM training_jobs WHERE id = $3 AND user_id = $2)",
    )
    .bind(record.id)
    .bind(record.user_id)
    .bind(record.job_id)
    .bind(record.cost_type.as_str())
    .bind(record.amount)
    .bind(record.currency.as_str())
    .bind(record.details.clone())
    .bind(record.billing_period_start)
    .bind(record.billing_period_end)
    .bind(record.created_at);
    let changed = match record.job_id {
        Some(job_id) => {
            let target = LeaseTarget::Job { user_id: record.user_id, id: job_id };
            execute_fenced(db, target, fence, vec![statement]).await.map(|changed| changed.iter().sum())
        }
        None => db.execute(statement).await,
    };
    match changed.map_err(|err| err.on_insert("cost record", record.id))? {
        0 => Err(StoreError::not_found("job", record.job_id.map(|id| id.to_string()).unwrap_or_default())),
        _ => Ok(()),
    }
}

pub(super) async fn of_job<D: Driver>(db: &D, user_id: UserId, job_id: JobId) -> Result<Vec<CostRecord>, StoreError> {
    let statement =
        Statement::new("SELECT * FROM cost_records WHERE job_id = $1 AND user_id = $2 ORDER BY created_at, id")
            .bind(job_id)
            .bind(user_id);
    fetch_all(db, statement, rows::cost_record).await
}

pub(super) async fn settle<D: Driver>(
    db: &D,
    record: &CostRecord,
    fence: Fence<'_>,
    now: Timestamp,
) -> Result<Settlement, StoreError> {
    let Some(job_id) = record.job_id else {
        return Err(StoreError::InvalidInput { field: "job_id", message: "a settled cost belongs to a job".into() });
    };
    let newly_recorded = match insert(db, record, fence).await {
        Ok(()) => true,
        Err(StoreError::Conflict { .. }) => false,
        Err(e) => return Err(e),
    };
    let records = of_job(db, record.user_id, job_id).await?;
    let stored = records
        .iter()
        .find(|stored| stored.id == record.id)
        .cloned()
        .ok_or_else(|| StoreError::not_found("cost record", record.id))?;
    // Whole cents, so the sum is too; written with two decimals like every amount shown.
    let total =
        Money::checked_sum(records.iter().map(|r| r.amount)).map(|sum| sum.round_to_cents()).ok_or_else(|| {
            StoreError::InvalidInput {
                field: "amount",
                message: format!("the costs of job {job_id} add up to more than a decimal holds"),
            }
        })?;
    let mut statement = Statement::new(
        "UPDATE training_jobs SET current_cost = $3, updated_at = $4 \
         WHERE id = $1 AND user_id = $2 AND status IN ('queued', 'initializing', 'running')",
    )
    .bind(job_id)
    .bind(record.user_id)
    .bind(total)
    .bind(now);
    fence.restrict(&mut statement);
    statement.push(" RETURNING *");
    let job = match fetch_one(db, statement, rows::job).await? {
        Some(job) => job,
        None => {
            let job = jobs::get(db, record.user_id, job_id).await?;
            if !job.status.is_final() {
                // Not final, so not leased to this writer any more.
                return Err(fence.lost("job", job_id));
            }
            // Final: its cost was settled when it ended and stays as it was.
            job
        }
    };
    Ok(Settlement { job, record: stored, newly_recorded })
}

/// The records of `user_id` that fall in `period`, oldest first, selecting `columns`.
fn in_period(columns: &str, user_id: UserId, period: BillingPeriod) -> Statement {
    Statement::new(format!(
        "SELECT {columns} FROM cost_records \
         WHERE user_id = $1 AND billing_period_start >= $2 AND billing_period_end <= $3 \
         ORDER BY created_at, id"
    ))
    .bind(user_id)
    .bind(period.start)
    .bind(period.end)
}

pub(super) async fn list<D: Driver>(
    db: &D,
    user_id: UserId,
    period: BillingPeriod,
) -> Result<Vec<CostRecord>, StoreError> {
    fetch_all(db, in_period("*", user_id, period), rows::cost_record).await
}

/// Sums in exact decimals here rather than in SQL, where SQLite would sum text as floats.
pub(super) async fn totals<D: Driver>(
    db: &D,
    user_id: UserId,
    period: BillingPeriod,
) -> Result<CostTotals, StoreError> {
    let amounts = fetch_all(db, in_period("cost_type, amount", user_id, period), |row| {
        Ok((row.parse::<CostType>("cost_type")?, row.money("amount")?))
    })
    .await?;
    // Sums of whole cents, written as cents (`0.00` for none).
    let sum = |amounts: &mut dyn Iterator<Item = Money>| {
        Money::checked_sum(amounts).map(|sum| sum.round_to_cents()).ok_or_else(|| StoreError::InvalidInput {
            field: "amount",
            message: format!("the costs of {} to {} add up to more than a decimal holds", period.start, period.end),
        })
    };
    let by_type = CostType::ALL
        .into_iter()
        .map(|kind| Ok((kind, sum(&mut amounts.iter().filter(|(of, _)| *of == kind).map(|(_, amount)| *amount))?)))
        .collect::<Result<Vec<(CostType, Money)>, StoreError>>()?;
    let total = sum(&mut by_type.iter().map(|(_, amount)| *amount))?;
    Ok(CostTotals { period, total, by_type })
}

pub(super) async fn budget<D: Driver>(db: &D, user_id: UserId) -> Result<BudgetSettings, StoreError> {
    let statement = Statement::new("SELECT * FROM budget_settings WHERE user_id = $1").bind(user_id);
    Ok(fetch_one(db, statement, rows::budget).await?.unwrap_or_default())
}

pub(super) async fn set_budget<D: Driver>(
    db: &D,
    user_id: UserId,
    budget: &BudgetSettings,
    now: Timestamp,
) -> Result<(), StoreError> {
    if !(1..=100).contains(&budget.alert_threshold_percent) {
        return Err(StoreError::InvalidInput {
            field: "alert_threshold_percent",
            message: format!("{} is not between 1 and 100", budget.alert_threshold_percent),
        });
    }
    let negative = |amount: Option<Money>| amount.is_some_and(|amount| amount < Money::ZERO);
    if negative(budget.monthly_budget) || negative(budget.per_job_cost_cap) {
        return Err(StoreError::InvalidInput { field: "budget", message: "amounts cannot be negative".into() });
    }
    let statement = Statement::new(
        "INSERT INTO budget_settings (user_id, monthly_budget, alert_threshold_percent, per_job_cost_cap, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id) DO UPDATE SET monthly_budget = excluded.monthly_budget, \
         alert_threshold_percent = excluded.alert_threshold_percent, \
         per_job_cost_cap = excluded.per_job_cost_cap, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(budget.monthly_budget)
    .bind(u32::from(budget.alert_threshold_percent))
    .bind(budget.per_job_cost_cap)
    .bind(now);
    db.execute(statement).await?;
    Ok(())
}
