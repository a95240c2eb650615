//! The `model_artifacts` table.

use super::fence::{Fence, execute_fenced};
use super::statement::{Statement, json};
use super::{Driver, Filter, fetch_one, rows};
use crate::model::{ArtifactId, ArtifactStatus, ModelArtifact, Timestamp, UserId};
use crate::store::{ArtifactQuery, LeaseTarget, Page, StoreError};

const ENTITY: &str = "artifact";

/// Inserts the artifact if its job is the same user's and trained the same dataset.
pub(super) async fn insert<D: Driver>(db: &D, artifact: &ModelArtifact, fence: Fence<'_>) -> Result<(), StoreError> {
    let statement = Statement::new(
        "INSERT INTO model_artifacts (id, user_id, job_id, dataset_id, name, description, status, base_model, \
         quality_metrics, training_summary, configuration, storage_path, files, parent_model_id, created_at, \
         updated_at, deleted_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17 \
         WHERE EXISTS (SELECT 1 FROM training_jobs WHERE id = $3 AND user_id = $2 AND dataset_id = $4)",
    )
    .bind(artifact.id)
    .bind(artifact.user_id)
    .bind(artifact.job_id)
    .bind(artifact.dataset_id)
    .bind(artifact.name.as_str())
    .bind(artifact.description.as_deref())
    .bind(artifact.status.as_str())
    .bind(artifact.base_model.as_str())
    .bind(json("quality_metrics", &artifact.quality_metrics)?)
    .bind(json("training_summary", &artifact.training_summary)?)
    .bind(json("configuration", &artifact.configuration)?)
    .bind(artifact.storage_path.as_str())
    .bind(json("files", &artifact.files)?)
    .bind(artifact.parent_model_id)
    .bind(artifact.created_at)
    .bind(artifact.updated_at)
    .bind(artifact.deleted_at);
    let target = LeaseTarget::Job { user_id: artifact.user_id, id: artifact.job_id };
    let changed = execute_fenced(db, target, fence, vec![statement]).await;
    match changed.map_err(|err| err.on_insert(ENTITY, artifact.id))?[..] {
        [0] => Err(StoreError::not_found("job", artifact.job_id)),
        _ => Ok(()),
    }
}

pub(super) async fn get<D: Driver>(db: &D, user_id: UserId, id: ArtifactId) -> Result<ModelArtifact, StoreError> {
    let statement =
        Statement::new("SELECT * FROM model_artifacts WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL")
            .bind(id)
            .bind(user_id);
    fetch_one(db, statement, rows::artifact).await?.ok_or_else(|| StoreError::not_found(ENTITY, id))
}

pub(super) async fn list<D: Driver>(
    db: &D,
    user_id: UserId,
    query: &ArtifactQuery,
) -> Result<Page<ModelArtifact>, StoreError> {
    let mut filter = Filter::new("model_artifacts", user_id, " AND deleted_at IS NULL");
    filter.eq("status", query.status.map(|status| status.as_str())).eq("job_id", query.job_id);
    filter.page(db, "created_at DESC, id DESC", query.page, rows::artifact).await
}

pub(super) async fn set_status<D: Driver>(
    db: &D,
    user_id: UserId,
    id: ArtifactId,
    status: ArtifactStatus,
    now: Timestamp,
) -> Result<ModelArtifact, StoreError> {
    let statement = Statement::new(
        "UPDATE model_artifacts SET status = $3, updated_at = $4, deleted_at = $5 \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING *",
    )
    .bind(id)
    .bind(user_id)
    .bind(status.as_str())
    .bind(now)
    .bind((status == ArtifactStatus::Deleted).then_some(now));
    fetch_one(db, statement, rows::artifact).await?.ok_or_else(|| StoreError::not_found(ENTITY, id))
}

pub(super) async fn rename<D: Driver>(
    db: &D,
    user_id: UserId,
    id: ArtifactId,
    name: &str,
    description: Option<&str>,
    now: Timestamp,
) -> Result<ModelArtifact, StoreError> {
    let statement = Statement::new(
        "UPDATE model_artifacts SET name = $3, description = $4, updated_at = $5 \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING *",
    )
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(description)
    .bind(now);
    fetch_one(db, statement, rows::artifact).await?.ok_or_else(|| StoreError::not_found(ENTITY, id))
}
