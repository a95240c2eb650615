//! Uploading a local dataset file through the service, streaming.

use std::path::Path;

use brightrun_core::model::{Dataset, DatasetFormat};
use brightrun_core::service::{BrightRun, NewDataset};
use bytes::Bytes;
use tokio::io::AsyncReadExt as _;

use crate::error::CliError;
use crate::local::LOCAL_USER;

/// Bytes read from the file per chunk.
const CHUNK_BYTES: usize = 1 << 20;

/// Creates a dataset named after the file, uploads the file and confirms it: the dataset
/// is then `validating`, waiting for an orchestrator pass.
pub async fn dataset(app: &BrightRun, path: &Path, format: DatasetFormat) -> Result<Dataset, CliError> {
    let unreadable = |e: std::io::Error| CliError::usage("unreadable_file", format!("{}: {e}", path.display()));
    let size = tokio::fs::metadata(path).await.map_err(unreadable)?.len();
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "dataset".into());
    let new = NewDataset { name: file_name.clone(), description: None, format, file_name, declared_size: size };
    let created = app.create_dataset(LOCAL_USER, new).await?;
    let file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    let chunks = futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buffer = vec![0; CHUNK_BYTES];
        let read = file.read(&mut buffer).await?;
        buffer.truncate(read);
        Ok::<_, std::io::Error>((read > 0).then(|| (Bytes::from(buffer), file)))
    });
    Ok(app.upload_dataset(LOCAL_USER, created.dataset.id, chunks).await?)
}
