//! Moving files between the object store and local scratch space, streaming.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes read from a local file per chunk of an upload.
const CHUNK_BYTES: usize = 1 << 20;

use crate::blob::{BlobError, BlobKey, BlobStore};
use crate::service::ServiceError;

/// What a download stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes written.
    pub bytes: u64,
    /// Hex sha256 of the bytes, computed while they streamed.
    pub sha256: String,
}

/// What a download must find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect<'a> {
    /// The most bytes accepted: a larger object is [`BlobError::TooLarge`], found from its
    /// size before any byte moves and checked again on the bytes received.
    pub max_bytes: u64,
    /// The hex sha256 the bytes must have, else [`BlobError::Changed`].
    pub sha256: Option<&'a str>,
}

/// Streams an object into a new file at `path` (its directory is created), hashing it and
/// holding it to `expect`. On any failure the file is removed.
pub async fn download_to(
    blobs: &BlobStore,
    key: &BlobKey,
    path: &Path,
    expect: Expect<'_>,
) -> Result<Downloaded, ServiceError> {
    let result = download_checked(blobs, key, path, expect).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(path).await;
    }
    result
}

async fn download_checked(
    blobs: &BlobStore,
    key: &BlobKey,
    path: &Path,
    expect: Expect<'_>,
) -> Result<Downloaded, ServiceError> {
    let context = || format!("writing {}", path.display());
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| ServiceError::io(context(), e))?;
    }
    let mut download = blobs.download(key).await?;
    if download.size > expect.max_bytes {
        return Err(BlobError::TooLarge { limit: expect.max_bytes }.into());
    }
    let mut file = tokio::fs::File::create(path).await.map_err(|e| ServiceError::io(context(), e))?;
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    while let Some(chunk) = download.stream.next().await {
        let chunk = chunk?;
        written += chunk.len() as u64;
        if written > expect.max_bytes {
            return Err(BlobError::TooLarge { limit: expect.max_bytes }.into());
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(|e| ServiceError::io(context(), e))?;
    }
    file.flush().await.map_err(|e| ServiceError::io(context(), e))?;
    let sha256 = hex(&hasher.finalize());
    if let Some(expected) = expect.sha256
        && expected != sha256
    {
        return Err(BlobError::Changed { key: key.to_string(), expected: expected.to_owned(), found: sha256 }.into());
    }
    Ok(Downloaded { bytes: written, sha256 })
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

/// Streams the object at `from` to `to`, hashing the bytes as they pass; refuses an object
/// larger than `to`'s cap (nothing is kept at `to` then). What was stored at `to` is what
/// was hashed, whatever happens to `from` meanwhile.
pub async fn copy_hashed(blobs: &BlobStore, from: &BlobKey, to: &BlobKey) -> Result<Uploaded, ServiceError> {
    let download = blobs.download(from).await?;
    let hasher = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let sink = hasher.clone();
    let stream = download.stream.map(move |chunk| {
        let chunk = chunk.map_err(std::io::Error::other)?;
        if let Ok(mut hasher) = sink.lock() {
            hasher.update(&chunk);
        }
        Ok(chunk)
    });
    let receipt = blobs.upload(to, stream).await?;
    let digest = hasher
        .lock()
        .map(|h| h.clone().finalize())
        .map_err(|_| ServiceError::io("hashing a copy", std::io::Error::other("hasher lock poisoned")))?;
    Ok(Uploaded { bytes: receipt.bytes, sha256: hex(&digest) })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
