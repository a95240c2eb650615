//! Trained models (LoRA adapters): list, read, change status, download.

use std::time::Duration;

use serde::Serialize;

use super::FollowState;
use super::datasets::{MAX_NAME_CHARS, checked_description, checked_text};
use super::{BrightRun, ServiceError};
use crate::backend::ArtifactSource;
use crate::blob::{Access, BlobKey, Location};
use crate::error_code::Code;
use crate::model::{ArtifactId, ArtifactStatus, JobId, ModelArtifact, Timestamp, UserId};
use crate::store::{ArtifactQuery, Page};

/// The longest a download link may live.
pub const MAX_DOWNLOAD_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Changes to a model; `None` keeps a field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// A new status (`archived`, `stored`; `deleted` removes it from every read).
    pub status: Option<ArtifactStatus>,
}

/// Where to download one file of a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModelDownload {
    /// The file name (`adapter_model.safetensors`, ...).
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// Its sha256, to check the download.
    pub sha256: String,
    /// A signed URL with an expiry, or the local path on a local directory store.
    pub location: Location,
}

impl BrightRun {
    /// The files a job's run left in its backend that are not (yet) a stored model: the
    /// partial adapter of a cancelled run. Only files the backend keeps on this machine are
    /// listed; none when the job was never submitted or its backend has nothing to collect.
    pub async fn job_leftover_files(&self, user_id: UserId, id: JobId) -> Result<Vec<ModelDownload>, ServiceError> {
        let job = self.db.get_job(user_id, id).await?;
        let Some(state) = FollowState::of(&job) else { return Ok(Vec::new()) };
        let Ok(collected) = self.backend.collect(&state.handle).await else { return Ok(Vec::new()) };
        Ok(collected
            .into_iter()
            .filter_map(|artifact| match artifact.source {
                ArtifactSource::LocalPath { path } if path.is_file() => Some(ModelDownload {
                    name: artifact.name,
                    bytes: artifact.bytes,
                    sha256: artifact.sha256,
                    location: Location::LocalPath(path),
                }),
                _ => None,
            })
            .collect())
    }

    /// A page of the user's models, newest first.
    pub async fn list_models(
        &self,
        user_id: UserId,
        query: &ArtifactQuery,
    ) -> Result<Page<ModelArtifact>, ServiceError> {
        Ok(self.db.list_artifacts(user_id, query).await?)
    }

    /// One of the user's models.
    pub async fn get_model(&self, user_id: UserId, id: ArtifactId) -> Result<ModelArtifact, ServiceError> {
        Ok(self.db.get_artifact(user_id, id).await?)
    }

    /// Changes a model's status.
    pub async fn update_model(
        &self,
        user_id: UserId,
        id: ArtifactId,
        update: ModelUpdate,
    ) -> Result<ModelArtifact, ServiceError> {
        let now = Timestamp::now();
        let mut model = self.db.get_artifact(user_id, id).await?;
        if update.name.is_some() || update.description.is_some() {
            let name = match update.name {
                Some(name) => checked_text("name", &name, MAX_NAME_CHARS)?,
                None => model.name.clone(),
            };
            let description = match update.description {
                Some(description) => checked_description(description.as_deref())?,
                None => model.description.clone(),
            };
            model = self.db.rename_artifact(user_id, id, &name, description.as_deref(), now).await?;
        }
        if let Some(status) = update.status {
            model = self.db.set_artifact_status(user_id, id, status, now).await?;
        }
        Ok(model)
    }

    /// Download locations of every file of a model, valid for `expires_in`.
    pub async fn model_downloads(
        &self,
        user_id: UserId,
        id: ArtifactId,
        expires_in: Duration,
    ) -> Result<Vec<ModelDownload>, ServiceError> {
        if expires_in.is_zero() || expires_in > MAX_DOWNLOAD_LIFETIME {
            return Err(ServiceError::invalid(
                Code::InvalidExpiry,
                format!("a download link lives 1 second to {} seconds", MAX_DOWNLOAD_LIFETIME.as_secs()),
            ));
        }
        let model = self.db.get_artifact(user_id, id).await?;
        let now = Timestamp::now();
        let mut downloads = Vec::with_capacity(model.files.len());
        for file in &model.files {
            let key = BlobKey::model(user_id, id, &file.name)?;
            let location = self.blobs.location(&key, Access::Download, expires_in, now).await?;
            downloads.push(ModelDownload {
                name: file.name.clone(),
                bytes: file.bytes,
                sha256: file.sha256.clone(),
                location,
            });
        }
        Ok(downloads)
    }
}
