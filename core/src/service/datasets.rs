//! Datasets: create, upload, confirm, read, list, rename, delete.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt as _};
use serde::Serialize;

use super::{BrightRun, ServiceError};
use crate::blob::{Access, BlobKey, Location};
use crate::dataset::ValidationReport;
use crate::error_code::Code;
use crate::model::{Dataset, DatasetFormat, DatasetId, DatasetStatus, Timestamp, UserId};
use crate::store::{DatasetQuery, Page, StoreError, ValidationReport as StoredReport};

/// The longest dataset name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// How long an upload location stays valid.
pub const UPLOAD_URL_LIFETIME: Duration = Duration::from_secs(3600);

/// What a user says about a dataset before uploading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDataset {
    /// A name to show.
    pub name: String,
    /// An optional description.
    pub description: Option<String>,
    /// The file's format; the validation checks the file against it.
    pub format: DatasetFormat,
    /// The file's name (sanitised before it reaches a storage key).
    pub file_name: String,
    /// The size the client will upload, in bytes (checked against the cap now and against
    /// the stored object on confirmation).
    pub declared_size: u64,
}

/// A created dataset and where to put its file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DatasetUpload {
    /// The dataset, status `uploading`.
    pub dataset: Dataset,
    /// A signed PUT URL (S3-compatible stores) or the local file path (a local directory);
    /// `None` when the store gives no direct access: upload through
    /// [`BrightRun::upload_dataset`] instead.
    pub upload: Option<Location>,
}

/// Changes to a dataset's name or description; `None` keeps a field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatasetUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
}

/// Checks a user-given text field: not blank, no control characters, not too long.
pub(crate) fn checked_text(field: &'static str, value: &str, max_chars: usize) -> Result<String, ServiceError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ServiceError::invalid(Code::InvalidText, format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > max_chars {
        return Err(ServiceError::invalid(Code::InvalidText, format!("{field} is longer than {max_chars} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ServiceError::invalid(Code::InvalidText, format!("{field} contains control characters")));
    }
    Ok(trimmed.to_owned())
}

pub(crate) fn checked_description(value: Option<&str>) -> Result<Option<String>, ServiceError> {
    value.filter(|d| !d.trim().is_empty()).map(|d| checked_text("description", d, MAX_DESCRIPTION_CHARS)).transpose()
}

impl BrightRun {
    /// Creates a dataset awaiting its file, and says where to upload it.
    pub async fn create_dataset(&self, user_id: UserId, new: NewDataset) -> Result<DatasetUpload, ServiceError> {
        let name = checked_text("name", &new.name, MAX_NAME_CHARS)?;
        let description = checked_description(new.description.as_deref())?;
        let cap = self.blobs.limits().dataset_bytes;
        if new.declared_size == 0 || new.declared_size > cap {
            return Err(ServiceError::invalid(
                Code::InvalidSize,
                format!("a dataset file must be 1 byte to {cap} bytes, not {}", new.declared_size),
            ));
        }
        let id = DatasetId::new();
        let key = BlobKey::dataset(user_id, id, &new.file_name)?;
        let now = Timestamp::now();
        let dataset = Dataset {
            id,
            user_id,
            name,
            description,
            format: new.format,
            status: DatasetStatus::Uploading,
            storage_path: Some(key.as_str().to_owned()),
            file_name: new.file_name.clone(),
            file_size: new.declared_size,
            total_training_pairs: 0,
            total_validation_pairs: 0,
            total_tokens: 0,
            avg_turns_per_conversation: None,
            avg_tokens_per_example: None,
            training_ready: false,
            statistics: None,
            validation_errors: Vec::new(),
            sample_data: None,
            validated_at: None,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        self.db.insert_dataset(&dataset).await?;
        let upload = match self.blobs.location(&key, Access::Upload, UPLOAD_URL_LIFETIME, now).await {
            Ok(location) => Some(location),
            Err(crate::blob::BlobError::NoDirectAccess) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(DatasetUpload { dataset, upload })
    }

    /// Streams the dataset's file into storage (size cap enforced on the bytes received),
    /// then confirms it.
    pub async fn upload_dataset(
        &self,
        user_id: UserId,
        id: DatasetId,
        source: impl Stream<Item = Result<Bytes, std::io::Error>> + Send,
    ) -> Result<Dataset, ServiceError> {
        let dataset = self.uploading_dataset(user_id, id).await?;
        self.blobs.upload(&self.dataset_key(&dataset)?, source).await?;
        self.confirm_dataset_upload(user_id, id).await
    }

    /// Streams the dataset's file into storage, refusing more bytes than its declared size
    /// (or the dataset cap), and leaves the dataset `uploading`: the caller confirms it with
    /// [`BrightRun::confirm_dataset_upload`], as after an upload to its signed URL. On refusal
    /// or a failed source nothing is stored.
    pub async fn store_dataset_file(
        &self,
        user_id: UserId,
        id: DatasetId,
        source: impl Stream<Item = Result<Bytes, std::io::Error>> + Send,
    ) -> Result<Dataset, ServiceError> {
        let dataset = self.uploading_dataset(user_id, id).await?;
        self.blobs.upload_at_most(&self.dataset_key(&dataset)?, source, dataset.file_size).await?;
        Ok(dataset)
    }

    /// Checks the stored file (it exists, is not empty, is within the cap), records its real
    /// size and queues the dataset for validation.
    pub async fn confirm_dataset_upload(&self, user_id: UserId, id: DatasetId) -> Result<Dataset, ServiceError> {
        let mut dataset = self.uploading_dataset(user_id, id).await?;
        let key = self.dataset_key(&dataset)?;
        let meta = self.blobs.head(&key).await.map_err(|e| match e {
            crate::blob::BlobError::NotFound { .. } => {
                ServiceError::invalid(Code::UploadMissing, "no file was uploaded for this dataset yet")
            }
            other => other.into(),
        })?;
        let cap = self.blobs.limits().dataset_bytes;
        if meta.size == 0 || meta.size > cap {
            self.blobs.delete(&key).await?;
            return Err(ServiceError::invalid(
                Code::InvalidSize,
                format!("the uploaded file has {} bytes; a dataset must have 1 to {cap}; upload it again", meta.size),
            ));
        }
        dataset.file_size = meta.size;
        dataset.status = DatasetStatus::Validating;
        dataset.updated_at = Timestamp::now();
        Ok(self.db.update_dataset(&dataset).await?)
    }

    /// One of the user's datasets.
    pub async fn get_dataset(&self, user_id: UserId, id: DatasetId) -> Result<Dataset, ServiceError> {
        Ok(self.db.get_dataset(user_id, id).await?)
    }

    /// The full validation report of one of the user's datasets (every finding the row's
    /// capped list leaves out), once its validation saved one; another user's dataset is
    /// not found.
    pub async fn dataset_report(
        &self,
        user_id: UserId,
        id: DatasetId,
    ) -> Result<Option<ValidationReport>, ServiceError> {
        self.db.get_dataset(user_id, id).await?;
        let value = match self.db.validation_report(user_id, id).await? {
            None => return Ok(None),
            Some(StoredReport::Inline(value)) => value,
            Some(StoredReport::Stored { path }) => {
                // Read under the caller's own keys only, whatever the row says.
                let name = path.rsplit('/').next().unwrap_or_default();
                let download = self.blobs.download(&BlobKey::dataset(user_id, id, name)?).await?;
                let bytes: Vec<Bytes> = download.stream.try_collect().await?;
                serde_json::from_slice(&bytes.concat()).map_err(|e| StoreError::corrupt("validation_report_path", e))?
            }
        };
        let report = serde_json::from_value(value).map_err(|e| StoreError::corrupt("validation_report", e))?;
        Ok(Some(report))
    }

    /// A page of the user's datasets.
    pub async fn list_datasets(&self, user_id: UserId, query: &DatasetQuery) -> Result<Page<Dataset>, ServiceError> {
        Ok(self.db.list_datasets(user_id, query).await?)
    }

    /// Renames or re-describes a dataset.
    pub async fn update_dataset(
        &self,
        user_id: UserId,
        id: DatasetId,
        update: DatasetUpdate,
    ) -> Result<Dataset, ServiceError> {
        let mut dataset = self.db.get_dataset(user_id, id).await?;
        if let Some(name) = update.name {
            dataset.name = checked_text("name", &name, MAX_NAME_CHARS)?;
        }
        if let Some(description) = update.description {
            dataset.description = checked_description(description.as_deref())?;
        }
        dataset.updated_at = Timestamp::now();
        Ok(self.db.update_dataset(&dataset).await?)
    }

    /// Deletes a dataset: the row disappears from every read, and its file is removed.
    pub async fn delete_dataset(&self, user_id: UserId, id: DatasetId) -> Result<(), ServiceError> {
        let dataset = self.db.get_dataset(user_id, id).await?;
        self.db.delete_dataset(user_id, id, Timestamp::now()).await?;
        self.blobs.delete(&self.dataset_key(&dataset)?).await?;
        Ok(())
    }

    async fn uploading_dataset(&self, user_id: UserId, id: DatasetId) -> Result<Dataset, ServiceError> {
        let dataset = self.db.get_dataset(user_id, id).await?;
        if dataset.status != DatasetStatus::Uploading {
            return Err(ServiceError::invalid(
                Code::DatasetNotUploading,
                format!("dataset {id} is {}: its file was already received", dataset.status),
            ));
        }
        Ok(dataset)
    }

    /// The storage key of a dataset's file (rebuilt from its ids and file name).
    pub(crate) fn dataset_key(&self, dataset: &Dataset) -> Result<BlobKey, ServiceError> {
        Ok(BlobKey::dataset(dataset.user_id, dataset.id, &dataset.file_name)?)
    }
}
