//! The `datasets` table.

use super::fence::Fence;
use super::rows::RowExt;
use super::statement::{Statement, count, json};
use super::{Driver, Filter, fetch_one, notifications, rows};
use crate::model::{Dataset, DatasetId, Notification, Timestamp, UserId};
use crate::store::{DatasetQuery, DatasetSort, Page, SortDirection, StoreError, ValidationReport};

const ENTITY: &str = "dataset";

pub(super) async fn insert<D: Driver>(db: &D, dataset: &Dataset) -> Result<(), StoreError> {
    let statement = Statement::new(
        "INSERT INTO datasets (id, user_id, name, description, format, status, storage_path, file_name, \
         file_size, total_training_pairs, total_validation_pairs, total_tokens, avg_turns_per_conversation, \
         avg_tokens_per_example, training_ready, statistics, validation_errors, sample_data, validated_at, \
         created_at, updated_at, deleted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    )
    .bind(dataset.id)
    .bind(dataset.user_id);
    let statement =
        bind_fields(statement, dataset)?.bind(dataset.created_at).bind(dataset.updated_at).bind(dataset.deleted_at);
    db.execute(statement).await.map_err(|err| err.on_insert(ENTITY, dataset.id))?;
    Ok(())
}

/// Binds the fields an update may change, `name` to `validated_at`, in column order.
fn bind_fields(statement: Statement, dataset: &Dataset) -> Result<Statement, StoreError> {
    let findings = json("validation_errors", &dataset.validation_errors)?;
    Ok(statement
        .bind(dataset.name.as_str())
        .bind(dataset.description.as_deref())
        .bind(dataset.format.as_str())
        .bind(dataset.status.as_str())
        .bind(dataset.storage_path.as_deref())
        .bind(dataset.file_name.as_str())
        .bind(count("file_size", dataset.file_size)?)
        .bind(count("total_training_pairs", dataset.total_training_pairs)?)
        .bind(count("total_validation_pairs", dataset.total_validation_pairs)?)
        .bind(count("total_tokens", dataset.total_tokens)?)
        .bind(dataset.avg_turns_per_conversation)
        .bind(dataset.avg_tokens_per_example)
        .bind(dataset.training_ready)
        .bind(dataset.statistics.clone())
        .bind(findings)
        .bind(dataset.sample_data.clone())
        .bind(dataset.validated_at))
}

pub(super) async fn get<D: Driver>(db: &D, user_id: UserId, id: DatasetId) -> Result<Dataset, StoreError> {
    let statement = Statement::new("SELECT * FROM datasets WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL")
        .bind(id)
        .bind(user_id);
    fetch_one(db, statement, rows::dataset).await?.ok_or_else(|| StoreError::not_found(ENTITY, id))
}

/// The update of every field of `dataset` but its id, owner and creation time, on the row
/// of `dataset.user_id` (not deleted; fenced, leased to the writer). A dataset that leaves
/// `validating` no longer needs its validation lease: it is released.
fn update_statement(dataset: &Dataset, fence: Fence<'_>) -> Result<Statement, StoreError> {
    let statement = Statement::new(
        "UPDATE datasets SET name = $3, description = $4, format = $5, status = $6, storage_path = $7, \
         file_name = $8, file_size = $9, total_training_pairs = $10, total_validation_pairs = $11, \
         total_tokens = $12, avg_turns_per_conversation = $13, avg_tokens_per_example = $14, \
         training_ready = $15, statistics = $16, validation_errors = $17, sample_data = $18, \
         validated_at = $19, updated_at = $20, \
         claimed_by = CASE WHEN $6 = 'validating' THEN claimed_by END, \
         lease_expires_at = CASE WHEN $6 = 'validating' THEN lease_expires_at END \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(dataset.id)
    .bind(dataset.user_id);
    let mut statement = bind_fields(statement, dataset)?.bind(dataset.updated_at);
    fence.restrict(&mut statement);
    Ok(statement)
}

/// Why a write to dataset `id` changed nothing: it is not the user's (or is deleted), or,
/// fenced, its lease is not the writer's.
async fn refused<D: Driver>(db: &D, user_id: UserId, id: DatasetId, fence: Fence<'_>) -> StoreError {
    let statement =
        Statement::new("SELECT claimed_by FROM datasets WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL")
            .bind(id)
            .bind(user_id);
    match fetch_one(db, statement, |row| row.opt_text("claimed_by")).await {
        Ok(Some(holder)) if !fence.admits(holder.as_deref()) => fence.lost(ENTITY, id),
        Ok(_) => StoreError::not_found(ENTITY, id),
        Err(err) => err,
    }
}

pub(super) async fn update<D: Driver>(db: &D, dataset: &Dataset, fence: Fence<'_>) -> Result<Dataset, StoreError> {
    let mut statement = update_statement(dataset, fence)?;
    statement.push(" RETURNING *");
    match fetch_one(db, statement, rows::dataset).await? {
        Some(stored) => Ok(stored),
        None => Err(refused(db, dataset.user_id, dataset.id, fence).await),
    }
}

/// Stores the verdict of a validation: `dataset` as [`update`] does, its full report and the
/// notification that tells its owner, in one transaction (all or nothing).
pub(super) async fn record_validation<D: Driver>(
    db: &D,
    dataset: &Dataset,
    report: Option<&ValidationReport>,
    notification: Option<&Notification>,
    fence: Fence<'_>,
) -> Result<Dataset, StoreError> {
    let mut then = Vec::new();
    then.extend(
        report.map(|report| report_statement(dataset.user_id, dataset.id, report, Fence::NONE, dataset.updated_at)),
    );
    then.extend(notification.map(notifications::insert_once));
    match db.execute_guarded(update_statement(dataset, fence)?, then).await? {
        Some(_) => get(db, dataset.user_id, dataset.id).await,
        None => Err(refused(db, dataset.user_id, dataset.id, fence).await),
    }
}

pub(super) async fn delete<D: Driver>(
    db: &D,
    user_id: UserId,
    id: DatasetId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let statement = Statement::new(
        "UPDATE datasets SET deleted_at = $3, updated_at = $3, claimed_by = NULL, lease_expires_at = NULL \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(now);
    match db.execute(statement).await? {
        0 => Err(StoreError::not_found(ENTITY, id)),
        _ => Ok(()),
    }
}

pub(super) async fn list<D: Driver>(
    db: &D,
    user_id: UserId,
    query: &DatasetQuery,
) -> Result<Page<Dataset>, StoreError> {
    let mut filter = Filter::new("datasets", user_id, " AND deleted_at IS NULL");
    filter
        .eq("status", query.status.map(|status| status.as_str()))
        .eq("format", query.format.map(|format| format.as_str()))
        .eq("training_ready", query.training_ready);
    if let Some(text) = query.name_contains.as_deref().filter(|text| !text.is_empty()) {
        let placeholder = filter.conditions.arg(format!("%{}%", escape_like(text)));
        filter.conditions.push(&format!(" AND LOWER(name) LIKE LOWER({placeholder}) ESCAPE '\\'"));
    }
    let column = match query.sort {
        DatasetSort::CreatedAt => "created_at",
        DatasetSort::UpdatedAt => "updated_at",
        DatasetSort::Name => "name",
        DatasetSort::FileSize => "file_size",
    };
    let direction = match query.direction {
        SortDirection::Ascending => "ASC",
        SortDirection::Descending => "DESC",
    };
    filter.page(db, &format!("{column} {direction}, id {direction}"), query.page, rows::dataset).await
}

/// Escapes the LIKE wildcards `%` and `_` (and the escape character `\`) so a search text
/// matches only itself.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The write of a dataset's full validation report.
fn report_statement(
    user_id: UserId,
    id: DatasetId,
    report: &ValidationReport,
    fence: Fence<'_>,
    now: Timestamp,
) -> Statement {
    let (inline, path) = match report {
        ValidationReport::Inline(report) => (Some(report.clone()), None),
        ValidationReport::Stored { path } => (None, Some(path.as_str())),
    };
    let mut statement = Statement::new(
        "UPDATE datasets SET validation_report = $3, validation_report_path = $4, updated_at = $5 \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(inline)
    .bind(path)
    .bind(now);
    fence.restrict(&mut statement);
    statement
}

pub(super) async fn save_report<D: Driver>(
    db: &D,
    user_id: UserId,
    id: DatasetId,
    report: &ValidationReport,
    fence: Fence<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    match db.execute(report_statement(user_id, id, report, fence, now)).await? {
        0 => Err(refused(db, user_id, id, fence).await),
        _ => Ok(()),
    }
}

pub(super) async fn report<D: Driver>(
    db: &D,
    user_id: UserId,
    id: DatasetId,
) -> Result<Option<ValidationReport>, StoreError> {
    let statement = Statement::new(
        "SELECT validation_report, validation_report_path FROM datasets \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(user_id);
    let found = fetch_one(db, statement, |row| {
        Ok(match (row.opt_json("validation_report")?, row.opt_text("validation_report_path")?) {
            (Some(report), _) => Some(ValidationReport::Inline(report)),
            (None, Some(path)) => Some(ValidationReport::Stored { path }),
            (None, None) => None,
        })
    })
    .await?;
    found.ok_or_else(|| StoreError::not_found(ENTITY, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("100%_done\\"), "100\\%\\_done\\\\");
        assert_eq!(escape_like("plain"), "plain");
    }
}
