//! A trained adapter's files: where they are, found by model or job id.

use std::path::PathBuf;
use std::time::Duration;

use brightrun_core::blob::Location;
use brightrun_core::model::{ArtifactId, JobId, ModelArtifact};
use brightrun_core::service::{BrightRun, ModelDownload, ServiceError};
use brightrun_core::store::StoreError;

use crate::error::CliError;
use crate::local::LOCAL_USER;

/// How long a signed download URL given by the CLI stays valid.
pub const URL_LIFETIME: Duration = Duration::from_secs(3600);

/// The files of one of the local user's models, each with where it is (a local path on a
/// local store, else a signed URL with its expiry).
pub async fn files(app: &BrightRun, id: ArtifactId) -> Result<Vec<ModelDownload>, CliError> {
    Ok(app.model_downloads(LOCAL_USER, id, URL_LIFETIME).await?)
}

/// The directory that holds the files, on a local store.
pub fn local_dir(files: &[ModelDownload]) -> Option<PathBuf> {
    files.iter().find_map(|f| match &f.location {
        Location::LocalPath(path) => path.parent().map(PathBuf::from),
        Location::SignedUrl { .. } => None,
    })
}

/// A model by its own id or by the id of the job that trained it.
pub async fn resolve(app: &BrightRun, id: &str) -> Result<ModelArtifact, CliError> {
    let uuid: uuid::Uuid = id
        .trim()
        .parse()
        .map_err(|_| CliError::usage("invalid_id", format!("`{id}` is not a model or job id (a UUID)")))?;
    match app.get_model(LOCAL_USER, ArtifactId::from_uuid(uuid)).await {
        Ok(model) => return Ok(model),
        Err(ServiceError::Store(StoreError::NotFound { .. })) => {}
        Err(e) => return Err(e.into()),
    }
    let job = app.get_job(LOCAL_USER, JobId::from_uuid(uuid)).await.map_err(|e| match e {
        ServiceError::Store(StoreError::NotFound { .. }) => {
            CliError::usage("not_found", format!("no model or job {id} (see `brightrun models`)"))
        }
        other => other.into(),
    })?;
    let artifact = job
        .job
        .artifact_id
        .ok_or_else(|| CliError::failed("no_model", format!("job {id} is {} and has no model", job.job.status)))?;
    Ok(app.get_model(LOCAL_USER, artifact).await?)
}
