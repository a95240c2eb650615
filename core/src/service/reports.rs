//! A dataset's full validation report, as the orchestrator stored it.

use futures_util::TryStreamExt as _;

use super::{BrightRun, ServiceError};
use crate::blob::BlobKey;
use crate::dataset::ValidationReport;
use crate::model::{DatasetId, UserId};
use crate::store::ValidationReport as StoredReport;

impl BrightRun {
    /// The full validation report of one of the user's datasets: `None` until the
    /// orchestrator has validated it. A report kept in object storage is read from there.
    pub async fn dataset_report(
        &self,
        user_id: UserId,
        id: DatasetId,
    ) -> Result<Option<ValidationReport>, ServiceError> {
        // Another user's dataset is not found, before anything is read.
        self.db.get_dataset(user_id, id).await?;
        let value = match self.db.validation_report(user_id, id).await? {
            None => return Ok(None),
            Some(StoredReport::Inline(value)) => value,
            Some(StoredReport::Stored { path }) => {
                let key: BlobKey = path.parse()?;
                let download = self.blobs.download(&key).await?;
                let bytes: Vec<u8> = download
                    .stream
                    .try_fold(Vec::new(), |mut all, chunk| async move {
                        all.extend_from_slice(&chunk);
                        Ok(all)
                    })
                    .await?;
                serde_json::from_slice(&bytes).map_err(|e| {
                    ServiceError::internal(format!("the stored report of dataset {id} is unreadable: {e}"))
                })?
            }
        };
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| ServiceError::internal(format!("the stored report of dataset {id} is unreadable: {e}")))
    }
}
