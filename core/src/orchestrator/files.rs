//! Moving files between the object store and local scratch space, streaming.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes read from a local file per chunk of an upload.
const CHUNK_BYTES: usize = 1 << 20;

use crate::blob::{BlobKey, BlobStore};
use crate::service::ServiceError;

/// Streams an object into a new file at `path` (its directory is created).
pub async fn download_to(blobs: &BlobStore, key: &BlobKey, path: &Path) -> Result<u64, ServiceError> {
    let context = || format!("writing {}", path.display());
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| ServiceError::io(context(), e))?;
    }
    let mut download = blobs.download(key).await?;
    let mut file = tokio::fs::File::create(path).await.map_err(|e| ServiceError::io(context(), e))?;
    let mut written = 0u64;
    while let Some(chunk) = download.stream.next().await {
        let chunk = chunk?;
        written += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(|e| ServiceError::io(context(), e))?;
    }
    file.flush().await.map_err(|e| ServiceError::io(context(), e))?;
    Ok(written)
}

/// What an upload of a local file stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// Bytes stored.
    pub bytes: u64,
    /// Hex sha256 of the bytes, computed while they streamed.
    pub sha256: String,
}

/// Streams a local file to `key`, hashing it on the way.
pub async fn upload_hashed(blobs: &BlobStore, key: &BlobKey, path: PathBuf) -> Result<Uploaded, ServiceError> {
    let file =
        tokio::fs::File::open(&path).await.map_err(|e| ServiceError::io(format!("reading {}", path.display()), e))?;
    let hasher = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let sink = hasher.clone();
    let stream = futures_util::stream::try_unfold(file, move |mut file| {
        let sink = sink.clone();
        async move {
            let mut buffer = vec![0u8; CHUNK_BYTES];
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                return Ok(None);
            }
            buffer.truncate(read);
            if let Ok(mut hasher) = sink.lock() {
                hasher.update(&buffer);
            }
            Ok(Some((Bytes::from(buffer), file)))
        }
    });
    let receipt = blobs.upload(key, stream).await?;
    let digest = hasher
        .lock()
        .map(|h| h.clone().finalize())
        .map_err(|_| ServiceError::io("hashing an upload", std::io::Error::other("hasher lock poisoned")))?;
    Ok(Uploaded { bytes: receipt.bytes, sha256: hex(&digest) })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
