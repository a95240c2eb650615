//! Claims with leases: how orchestrators share the work without ever taking the same row.
//!
//! A claim is one `UPDATE ... WHERE id = (SELECT id ... LIMIT 1 {lock}) RETURNING *`: the row
//! must be free (no holder, or a lease that expired before `lease.now`), and it becomes the
//! claimer's until `lease.expires_at`. On PostgreSQL the subquery locks the row it picks and
//! skips rows other claimers have locked (`FOR UPDATE SKIP LOCKED`), and re-checks a row that
//! changed before it could lock it; on SQLite the single writer runs the statement whole.
//! A claimer never takes back a row it holds itself, even once that lease lapsed: a pass
//! that holds a row is working on it, or gave it up for now (a retry later).

use super::fence::target_row;
use super::rows::{self, RowExt};
use super::statement::Statement;
use super::{Driver, fetch_one};
use crate::model::{Dataset, JobStatus, TrainingJob};
use crate::store::{Lease, LeaseTarget, StoreError};

pub(super) async fn claim_dataset<D: Driver>(db: &D, lease: &Lease) -> Result<Option<Dataset>, StoreError> {
    let statement = Statement::new(format!(
        "UPDATE datasets SET claimed_by = $1, lease_expires_at = $2 \
         WHERE id = (SELECT id FROM datasets \
             WHERE status = 'validating' AND deleted_at IS NULL \
             AND (claimed_by IS NULL OR (lease_expires_at <= $3 AND claimed_by <> $1)) \
             ORDER BY created_at, id LIMIT 1{}) \
         RETURNING *",
        D::CLAIM_LOCK
    ))
    .bind(lease.holder.as_str())
    .bind(lease.expires_at)
    .bind(lease.now);
    fetch_one(db, statement, rows::dataset).await
}

pub(super) async fn claim_job<D: Driver>(
    db: &D,
    statuses: &[JobStatus],
    lease: &Lease,
) -> Result<Option<TrainingJob>, StoreError> {
    if statuses.is_empty() {
        return Ok(None);
    }
    let mut statement = Statement::new(
        "UPDATE training_jobs SET claimed_by = $1, lease_expires_at = $2 \
         WHERE id = (SELECT id FROM training_jobs \
             WHERE (claimed_by IS NULL OR (lease_expires_at <= $3 AND claimed_by <> $1)) AND status IN ",
    )
    .bind(lease.holder.as_str())
    .bind(lease.expires_at)
    .bind(lease.now);
    statement.push_list(statuses.iter().map(|status| status.as_str()));
    statement.push(" ORDER BY queued_at, id LIMIT 1").push(D::CLAIM_LOCK).push(") RETURNING *");
    fetch_one(db, statement, rows::job).await
}

pub(super) async fn renew<D: Driver>(db: &D, target: LeaseTarget, lease: &Lease) -> Result<(), StoreError> {
    let (table, entity, id, user_id) = target_row(target);
    let statement = Statement::new(format!(
        "UPDATE {table} SET lease_expires_at = $4 WHERE id = $1 AND user_id = $2 AND claimed_by = $3"
    ))
    .bind(id)
    .bind(user_id)
    .bind(lease.holder.as_str())
    .bind(lease.expires_at);
    if db.execute(statement).await? > 0 {
        return Ok(());
    }
    match holder(db, target).await? {
        None => Err(StoreError::not_found(entity, id)),
        Some(_) => Err(StoreError::StaleState {
            entity,
            id: id.to_string(),
            reason: format!("`{}` no longer holds its lease", lease.holder),
        }),
    }
}

pub(super) async fn release<D: Driver>(db: &D, target: LeaseTarget, holder_id: &str) -> Result<(), StoreError> {
    let (table, entity, id, user_id) = target_row(target);
    let statement = Statement::new(format!(
        "UPDATE {table} SET claimed_by = NULL, lease_expires_at = NULL \
         WHERE id = $1 AND user_id = $2 AND claimed_by = $3"
    ))
    .bind(id)
    .bind(user_id)
    .bind(holder_id);
    if db.execute(statement).await? > 0 {
        return Ok(());
    }
    match holder(db, target).await? {
        None => Err(StoreError::not_found(entity, id)),
        // Released already (or by a final transition): nothing to give up.
        Some(None) => Ok(()),
        Some(Some(_)) => Err(StoreError::StaleState {
            entity,
            id: id.to_string(),
            reason: format!("`{holder_id}` does not hold its lease: another orchestrator took it over"),
        }),
    }
}

/// `None` when the row is not the user's; else who holds it, if anyone.
async fn holder<D: Driver>(db: &D, target: LeaseTarget) -> Result<Option<Option<String>>, StoreError> {
    let (table, _, id, user_id) = target_row(target);
    let statement =
        Statement::new(format!("SELECT claimed_by FROM {table} WHERE id = $1 AND user_id = $2")).bind(id).bind(user_id);
    fetch_one(db, statement, |row| row.opt_text("claimed_by")).await
}
