//! Object storage over `object_store`: dataset files and trained adapters.
//!
//! A [`BlobStore`] (shared as `Arc<BlobStore>`) wraps any `object_store` store: a local
//! directory (the embedded default), memory (tests), or an S3-compatible service (Supabase
//! Storage, MinIO, AWS) named by URL. Keys come only from [`BlobKey`], which sanitises file
//! names. Uploads stream with a cap on the bytes actually received ([`UploadLimits`]),
//! going multipart for large objects and leaving nothing behind when refused. Downloads
//! stream. [`BlobStore::location`] gives a worker direct access: a signed URL where the
//! store signs, the file's path for a local directory.

mod error;
mod keys;
mod limits;
mod signed;

use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::signer::Signer;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

pub use error::BlobError;
pub use keys::{BlobKey, BlobKind, MAX_FILE_NAME_BYTES, sanitize_file_name};
pub use limits::UploadLimits;
pub use signed::{Access, Location, MAX_SIGNED_URL_LIFETIME};

use crate::model::Timestamp;
use signed::DirectAccess;

/// What an upload stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadReceipt {
    /// The object's key.
    pub key: BlobKey,
    /// The bytes stored.
    pub bytes: u64,
}

/// What the store knows of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// Size in bytes.
    pub size: u64,
    /// When it was last written.
    pub last_modified: Timestamp,
    /// The store's entity tag, if it keeps one.
    pub e_tag: Option<String>,
}

/// An object being downloaded: its size and a stream of its bytes.
pub struct Download {
    /// Size in bytes.
    pub size: u64,
    /// The bytes, in order.
    pub stream: BoxStream<'static, Result<Bytes, BlobError>>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download").field("size", &self.size).finish_non_exhaustive()
    }
}

/// Dataset files and model files in one object store.
#[derive(Debug, Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    direct: DirectAccess,
    limits: UploadLimits,
}

impl BlobStore {
    /// Objects as files under `root` (created if missing).
    pub fn local(root: impl AsRef<FsPath>) -> Result<Self, BlobError> {
        let root = root.as_ref();
        std::fs::create_dir_all(root).map_err(|err| {
            BlobError::Storage(object_store::Error::Generic { store: "LocalFileSystem", source: Box::new(err) })
        })?;
        let store = Arc::new(LocalFileSystem::new_with_prefix(root)?.with_automatic_cleanup(true));
        Ok(Self { store: store.clone(), direct: DirectAccess::Local(store), limits: UploadLimits::default() })
    }

    /// Objects in memory, for tests.
    pub fn in_memory() -> Self {
        Self { store: Arc::new(InMemory::new()), direct: DirectAccess::None, limits: UploadLimits::default() }
    }

    /// A host's own store; `signer` (the same S3, GCS or Azure store) enables signed URLs.
    pub fn from_store(store: Arc<dyn ObjectStore>, signer: Option<Arc<dyn Signer>>) -> Self {
        let direct = signer.map_or(DirectAccess::None, DirectAccess::Signer);
        Self { store, direct, limits: UploadLimits::default() }
    }

    /// The store a URL names:
    ///
    /// - `file:///absolute/dir`: a local directory;
    /// - `memory://`: memory;
    /// - `s3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1`: an S3-compatible
    ///   service with path-style requests (`allow_http` follows an `http://` endpoint).
    ///   Credentials come from `access_key_id`, `secret_access_key` and `session_token` in
    ///   the query, else from the `AWS_*` environment variables; so do region and endpoint.
    ///   For Supabase Storage the endpoint is `https://{project}.supabase.co/storage/v1/s3`.
    pub fn from_url(url: &str) -> Result<Self, BlobError> {
        let parsed = Url::parse(url).map_err(|err| BlobError::InvalidUrl(err.to_string()))?;
        match parsed.scheme() {
            "file" => {
                let root = parsed.to_file_path().map_err(|()| BlobError::InvalidUrl("not an absolute path".into()))?;
                Self::local(root)
            }
            "memory" => Ok(Self::in_memory()),
            "s3" => Self::s3(&parsed),
            other => Err(BlobError::InvalidUrl(format!("scheme `{other}` names no store: use file, memory or s3"))),
        }
    }

    fn s3(url: &Url) -> Result<Self, BlobError> {
        let bucket = url.host_str().filter(|bucket| !bucket.is_empty());
        let bucket = bucket.ok_or_else(|| BlobError::InvalidUrl("s3://BUCKET names no bucket".into()))?;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket).with_virtual_hosted_style_request(false);
        for (name, value) in url.query_pairs() {
            builder = match name.as_ref() {
                "endpoint" => builder.with_allow_http(value.starts_with("http://")).with_endpoint(value.into_owned()),
                "region" => builder.with_region(value.into_owned()),
                "access_key_id" => builder.with_access_key_id(value.into_owned()),
                "secret_access_key" => builder.with_secret_access_key(value.into_owned()),
                "session_token" => builder.with_token(value.into_owned()),
                other => return Err(BlobError::InvalidUrl(format!("unknown parameter `{other}`"))),
            };
        }
        let store = Arc::new(builder.build()?);
        Ok(Self { store: store.clone(), direct: DirectAccess::Signer(store), limits: UploadLimits::default() })
    }

    /// The same store with other upload limits.
    pub fn with_limits(mut self, limits: UploadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The upload limits in force.
    pub fn limits(&self) -> UploadLimits {
        self.limits
    }

    /// Streams `source` to `key`, refusing more bytes than the cap of the key's kind; on
    /// refusal or a failed source nothing is kept.
    pub async fn upload(
        &self,
        key: &BlobKey,
        source: impl Stream<Item = Result<Bytes, std::io::Error>> + Send,
    ) -> Result<UploadReceipt, BlobError> {
        self.upload_at_most(key, source, u64::MAX).await
    }

    /// Streams `source` to `key`, refusing more than `max_bytes` bytes or the cap of the
    /// key's kind, whichever is lower; on refusal or a failed source nothing is kept.
    pub async fn upload_at_most(
        &self,
        key: &BlobKey,
        source: impl Stream<Item = Result<Bytes, std::io::Error>> + Send,
        max_bytes: u64,
    ) -> Result<UploadReceipt, BlobError> {
        let cap = self.limits.cap(key.kind()).min(max_bytes);
        let bytes = limits::upload_capped(self.store.as_ref(), key.path(), source, cap, self.limits.part_bytes).await?;
        tracing::debug!(%key, bytes, "uploaded");
        Ok(UploadReceipt { key: key.clone(), bytes })
    }

    /// Streams the object's bytes.
    pub async fn download(&self, key: &BlobKey) -> Result<Download, BlobError> {
        let result = self.store.get(key.path()).await?;
        let size = result.meta.size;
        Ok(Download { size, stream: result.into_stream().map(|chunk| chunk.map_err(BlobError::from)).boxed() })
    }

    /// The object's size, time and entity tag.
    pub async fn head(&self, key: &BlobKey) -> Result<BlobMeta, BlobError> {
        let meta = self.store.head(key.path()).await?;
        Ok(BlobMeta { size: meta.size, last_modified: meta.last_modified.into(), e_tag: meta.e_tag })
    }

    /// Deletes the object; deleting a missing object is not an error.
    pub async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.store.delete(key.path()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Whether the store signs URLs, so a worker on another machine can read and write its
    /// objects directly ([`Location::SignedUrl`]).
    pub fn signs_urls(&self) -> bool {
        matches!(self.direct, DirectAccess::Signer(_))
    }

    /// Direct access to the object for `expires_in` from `now`: a signed URL on a store
    /// that signs, the file's path on a local directory,
    /// [`BlobError::NoDirectAccess`] in memory.
    pub async fn location(
        &self,
        key: &BlobKey,
        access: Access,
        expires_in: Duration,
        now: Timestamp,
    ) -> Result<Location, BlobError> {
        self.direct.location(key.path(), access, expires_in, now).await
    }
}
