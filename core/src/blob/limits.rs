//! Upload caps, enforced on the bytes actually received, and the streaming upload that
//! enforces them.
//!
//! Small objects go up in one request. Once the bytes received pass one part's size the
//! upload becomes multipart (parts uploaded while more bytes arrive). When the cap is passed,
//! or the incoming stream fails, the multipart upload is aborted, so nothing is left behind:
//! no object, no parts, no staging file.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use super::{BlobError, BlobKind};

/// The largest objects accepted, by kind, and the size of multipart parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// The cap on a dataset file, in bytes (default 500 MB).
    pub dataset_bytes: u64,
    /// The cap on one model file, in bytes (default 5 GB).
    pub model_file_bytes: u64,
    /// The size of one multipart part, in bytes (at least 5 MiB on S3; default 8 MiB).
    pub part_bytes: usize,
}

impl UploadLimits {
    /// Parts uploaded at once by one multipart upload.
    const CONCURRENT_PARTS: usize = 4;

    /// The cap for an object of `kind`.
    pub const fn cap(&self, kind: BlobKind) -> u64 {
        match kind {
            BlobKind::Dataset => self.dataset_bytes,
            BlobKind::Model => self.model_file_bytes,
        }
    }
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self { dataset_bytes: 500_000_000, model_file_bytes: 5_000_000_000, part_bytes: 8 * 1024 * 1024 }
    }
}

/// Where an upload is: still buffering its first part, or multipart.
enum Upload {
    Buffering(Vec<Bytes>, usize),
    Multipart(WriteMultipart),
}

impl Upload {
    /// Gives the upload up; the error that caused it is what the caller reports.
    async fn abort(self, path: &Path) {
        if let Upload::Multipart(writer) = self
            && let Err(err) = writer.abort().await
        {
            tracing::warn!(%path, %err, "could not abort a multipart upload");
        }
    }
}

/// Streams `source` to `path`, at most `cap` bytes; returns the bytes stored.
pub(super) async fn upload_capped(
    store: &dyn ObjectStore,
    path: &Path,
    source: impl Stream<Item = Result<Bytes, std::io::Error>> + Send,
    cap: u64,
    part_bytes: usize,
) -> Result<u64, BlobError> {
    let mut source = std::pin::pin!(source);
    let mut upload = Upload::Buffering(Vec::new(), 0);
    let mut received: u64 = 0;
    while let Some(chunk) = source.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(err) => {
                upload.abort(path).await;
                return Err(BlobError::Source(err));
            }
        };
        received += chunk.len() as u64;
        if received > cap {
            upload.abort(path).await;
            tracing::info!(%path, cap, "upload refused: larger than its cap");
            return Err(BlobError::TooLarge { limit: cap });
        }
        upload = match upload {
            Upload::Buffering(mut chunks, buffered) if buffered + chunk.len() < part_bytes => {
                let buffered = buffered + chunk.len();
                chunks.push(chunk);
                Upload::Buffering(chunks, buffered)
            }
            Upload::Buffering(chunks, _) => {
                let mut writer = WriteMultipart::new_with_chunk_size(store.put_multipart(path).await?, part_bytes);
                chunks.into_iter().chain([chunk]).for_each(|chunk| writer.put(chunk));
                Upload::Multipart(writer)
            }
            Upload::Multipart(mut writer) => {
                if let Err(err) = writer.wait_for_capacity(UploadLimits::CONCURRENT_PARTS).await {
                    Upload::Multipart(writer).abort(path).await;
                    return Err(err.into());
                }
                writer.put(chunk);
                Upload::Multipart(writer)
            }
        };
    }
    match upload {
        Upload::Buffering(chunks, _) => {
            store.put(path, chunks.into_iter().collect::<PutPayload>()).await?;
        }
        Upload::Multipart(writer) => {
            writer.finish().await?;
        }
    }
    Ok(received)
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    fn chunks(sizes: &[usize]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
        let chunks: Vec<_> = sizes.iter().map(|&n| Ok(Bytes::from(vec![7_u8; n]))).collect();
        futures_util::stream::iter(chunks)
    }

    #[tokio::test]
    async fn small_and_multipart_uploads_store_every_byte() {
        let store = InMemory::new();
        let path = Path::from("datasets/a/b/small");
        assert_eq!(upload_capped(&store, &path, chunks(&[3, 4]), 100, 64).await.unwrap(), 7);
        assert_eq!(store.head(&path).await.unwrap().size, 7);
        let path = Path::from("datasets/a/b/large");
        assert_eq!(upload_capped(&store, &path, chunks(&[40; 10]), 1_000, 64).await.unwrap(), 400);
        assert_eq!(store.get(&path).await.unwrap().bytes().await.unwrap(), vec![7_u8; 400]);
    }

    #[tokio::test]
    async fn the_cap_counts_received_bytes_and_leaves_nothing() {
        let store = InMemory::new();
        let path = Path::from("datasets/a/b/too-large");
        for sizes in [&[101][..], &[60, 41], &[40, 40, 40, 40]] {
            let err = upload_capped(&store, &path, chunks(sizes), 100, 64).await.unwrap_err();
            assert!(matches!(err, BlobError::TooLarge { limit: 100 }), "{sizes:?}: {err}");
            assert!(store.head(&path).await.is_err(), "{sizes:?}: nothing stored");
        }
        assert_eq!(upload_capped(&store, &path, chunks(&[50, 50]), 100, 64).await.unwrap(), 100, "exactly the cap");
    }

    #[tokio::test]
    async fn a_failing_source_leaves_nothing() {
        let store = InMemory::new();
        let path = Path::from("models/a/b/broken");
        let items = vec![Ok(Bytes::from(vec![1_u8; 100])), Err(std::io::Error::other("connection reset"))];
        let err = upload_capped(&store, &path, futures_util::stream::iter(items), 1_000, 64).await.unwrap_err();
        assert!(matches!(err, BlobError::Source(_)), "{err}");
        assert!(store.head(&path).await.is_err());
    }
}
