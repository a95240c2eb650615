//! Fencing: an orchestrator writes a leased row, or the records that belong to it, only
//! while it still holds the row's lease.
//!
//! A write to the leased row itself carries the condition `claimed_by = holder`. A write to
//! the records of a leased row (metrics points, cost records, artifacts of a job) runs in a
//! transaction behind a guard: a no-op update of the row that matches only while the holder
//! holds it, and that on PostgreSQL keeps the row locked until the transaction ends, so a
//! claim cannot slip in between. Expiry is not checked: a lapsed lease that nobody took over
//! is still the holder's, and the first claim by another orchestrator ends it.

use super::rows::RowExt;
use super::statement::Statement;
use super::{Driver, fetch_one};
use crate::store::{LeaseTarget, StoreError};

/// Whose write this is: unfenced (the service, acting for the row's owner) or an
/// orchestrator's, which must still hold the row's lease.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Fence<'a> {
    holder: Option<&'a str>,
}

impl<'a> Fence<'a> {
    /// A write that no lease restricts.
    pub(crate) const NONE: Fence<'static> = Fence { holder: None };

    /// The writes of the holder of leases named `holder`.
    pub(crate) fn holder(holder: &'a str) -> Self {
        Self { holder: Some(holder) }
    }

    /// Appends ` AND claimed_by = $n` to a statement on the leased row itself.
    pub(crate) fn restrict(self, statement: &mut Statement) {
        if let Some(holder) = self.holder {
            let placeholder = statement.arg(holder);
            statement.push(&format!(" AND claimed_by = {placeholder}"));
        }
    }

    /// The guard of a write to the records of `target`: changes the row (to the same
    /// values) only while the holder holds its lease. `None` when unfenced.
    pub(crate) fn guard(self, target: LeaseTarget) -> Option<Statement> {
        let holder = self.holder?;
        let (table, _, id, user_id) = target_row(target);
        Some(
            Statement::new(format!(
                "UPDATE {table} SET claimed_by = claimed_by WHERE id = $1 AND user_id = $2 AND claimed_by = $3"
            ))
            .bind(id)
            .bind(user_id)
            .bind(holder),
        )
    }

    /// Whether a row held by `claimed_by` now admits this write.
    pub(crate) fn admits(self, claimed_by: Option<&str>) -> bool {
        self.holder.is_none_or(|holder| claimed_by == Some(holder))
    }

    /// The error of a write to `entity` `id` refused because its lease is not the writer's.
    pub(crate) fn lost(self, entity: &'static str, id: impl ToString) -> StoreError {
        StoreError::LeaseLost { entity, id: id.to_string(), holder: self.holder.unwrap_or_default().to_owned() }
    }
}

/// Runs `statements` in one transaction, behind the fence's guard of `target` when fenced;
/// returns the rows each changed. A fenced write to a row the writer does not hold is
/// [`StoreError::LeaseLost`] (a missing row, [`StoreError::NotFound`]) and writes nothing.
pub(crate) async fn execute_fenced<D: Driver>(
    db: &D,
    target: LeaseTarget,
    fence: Fence<'_>,
    statements: Vec<Statement>,
) -> Result<Vec<u64>, StoreError> {
    let Some(guard) = fence.guard(target) else {
        return db.execute_all(statements).await;
    };
    if let Some(changed) = db.execute_guarded(guard, statements).await? {
        return Ok(changed);
    }
    let (table, entity, id, user_id) = target_row(target);
    let statement =
        Statement::new(format!("SELECT claimed_by FROM {table} WHERE id = $1 AND user_id = $2")).bind(id).bind(user_id);
    match fetch_one(db, statement, |row| row.opt_text("claimed_by")).await? {
        Some(_) => Err(fence.lost(entity, id)),
        None => Err(StoreError::not_found(entity, id)),
    }
}

/// The table, the entity name and the key of a lease target.
pub(crate) fn target_row(target: LeaseTarget) -> (&'static str, &'static str, uuid::Uuid, uuid::Uuid) {
    match target {
        LeaseTarget::Dataset { user_id, id } => ("datasets", "dataset", *id.as_uuid(), *user_id.as_uuid()),
        LeaseTarget::Job { user_id, id } => ("training_jobs", "job", *id.as_uuid(), *user_id.as_uuid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{JobId, UserId};

    #[test]
    fn an_unfenced_write_is_never_restricted() {
        let mut statement = Statement::new("UPDATE training_jobs SET x = 1 WHERE id = $1");
        Fence::NONE.restrict(&mut statement);
        assert_eq!(statement.sql, "UPDATE training_jobs SET x = 1 WHERE id = $1");
        assert!(Fence::NONE.guard(LeaseTarget::Job { user_id: UserId::new(), id: JobId::new() }).is_none());
        assert!(Fence::NONE.admits(Some("anyone")) && Fence::NONE.admits(None));
    }

    #[test]
    fn a_fenced_write_needs_its_holder() {
        let fence = Fence::holder("o-1");
        let mut statement = Statement::new("UPDATE training_jobs SET x = 1 WHERE id = $1").bind(JobId::new());
        fence.restrict(&mut statement);
        assert_eq!(statement.sql, "UPDATE training_jobs SET x = 1 WHERE id = $1 AND claimed_by = $2");
        assert!(fence.admits(Some("o-1")));
        assert!(!fence.admits(Some("o-2")) && !fence.admits(None));
        assert_eq!(crate::ErrorCode::code(&fence.lost("job", "1")), "lease_lost");
    }
}
