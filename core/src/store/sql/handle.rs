//! A job's backend handle, bound to its job.
//!
//! The column `backend_handle` holds `{"job_id": ..., "attempt": ..., "state": ...}`: the
//! caller's value (`state`) stamped with the row's own id and retry count. Both databases
//! refuse a row whose handle names another job or another attempt (constraint
//! `training_jobs_backend_handle_bound`, migration 0004), and every read checks it again and
//! hands back `state` alone. A handle is never moved to another job's row, nor kept into a
//! retry, by any writer; clients of a Supabase project cannot write it at all.

use uuid::Uuid;

use super::rows::RowExt;
use crate::model::JobId;
use crate::store::StoreError;

const COLUMN: &str = "backend_handle";

/// The stored form of `state` for attempt `attempt` of job `job_id`.
pub(super) fn bound(job_id: JobId, attempt: u32, state: Option<&serde_json::Value>) -> Option<serde_json::Value> {
    state.map(|state| serde_json::json!({ "job_id": job_id.to_string(), "attempt": attempt, "state": state }))
}

/// The handle of the job in `row`: its `state`, once the row's id and retry count are found
/// in it; a handle bound to anything else is a [`StoreError::CorruptRow`].
pub(super) fn of_row(row: &impl RowExt) -> Result<Option<serde_json::Value>, StoreError> {
    let Some(stored) = row.opt_json(COLUMN)? else { return Ok(None) };
    let (id, attempt) = (row.uuid("id")?, row.int("retry_count")?);
    let bound_to = |key: &str| stored.get(key);
    let job_id = bound_to("job_id").and_then(|v| v.as_str()).and_then(|text| Uuid::parse_str(text).ok());
    let stored_attempt = bound_to("attempt").and_then(serde_json::Value::as_i64);
    match bound_to("state") {
        Some(state) if job_id == Some(id) && stored_attempt == Some(attempt) => Ok(Some(state.clone())),
        _ => Err(StoreError::corrupt(
            COLUMN,
            format!(
                "the handle is bound to job {} attempt {}, not to job {id} attempt {attempt}",
                bound_to("job_id").unwrap_or(&serde_json::Value::Null),
                bound_to("attempt").unwrap_or(&serde_json::Value::Null),
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_is_stamped_with_its_job_and_attempt() {
        let job = JobId::new();
        let state = serde_json::json!({"handle": {"backend": "local", "external_id": "x"}});
        assert_eq!(
            bound(job, 2, Some(&state)),
            Some(serde_json::json!({"job_id": job.to_string(), "attempt": 2, "state": state}))
        );
        assert_eq!(bound(job, 0, None), None);
    }
}
