//! Object storage against a local directory and against an S3-compatible server started in
//! this process (s3s + s3s-fs) that checks SigV4 signatures, so a broken signed URL fails
//! here as it would on AWS, MinIO or Supabase Storage.

use std::path::{Path, PathBuf};
use std::time::Duration;

use brightrun_core::ErrorCode;
use brightrun_core::blob::{Access, BlobKey, BlobStore, Location, UploadLimits};
use brightrun_core::model::{ArtifactId, DatasetId, Timestamp, UserId};
use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};

use brightrun_tests::s3::SECRET_KEY;

const MIB: usize = 1024 * 1024;

/// `total` bytes of a repeating pattern.
fn pattern(total: usize) -> Vec<u8> {
    (0..total).map(|i| (i % 251) as u8).collect()
}

fn stream_of(bytes: &[u8], chunk: usize) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
    let chunks: Vec<_> = bytes.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    futures_util::stream::iter(chunks)
}

async fn read_all(store: &BlobStore, key: &BlobKey) -> Vec<u8> {
    let download = store.download(key).await.unwrap();
    let chunks: Vec<Bytes> = download.stream.try_collect().await.unwrap();
    let bytes = chunks.concat();
    assert_eq!(bytes.len() as u64, download.size);
    bytes
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(files_under(&path)) } else { files.push(path) }
    }
    files
}

fn small_parts() -> UploadLimits {
    UploadLimits { dataset_bytes: 3 * MIB as u64, model_file_bytes: 20 * MIB as u64, part_bytes: 5 * MIB }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_directory_stores_streams_and_refuses_too_large_uploads() {
    let root = tempfile::tempdir().unwrap();
    let store =
        BlobStore::local(root.path()).unwrap().with_limits(UploadLimits { part_bytes: 64 * 1024, ..small_parts() });
    let user = UserId::new();

    let dataset = BlobKey::dataset(user, DatasetId::new(), "../train data.jsonl").unwrap();
    let content = pattern(200_000);
    let receipt = store.upload(&dataset, stream_of(&content, 7_000)).await.unwrap();
    assert_eq!(receipt.bytes, 200_000, "multipart: several 64 KiB parts");
    assert_eq!(read_all(&store, &dataset).await, content);
    assert_eq!(store.head(&dataset).await.unwrap().size, 200_000);

    let Location::LocalPath(path) =
        store.location(&dataset, Access::Download, Duration::from_secs(60), Timestamp::now()).await.unwrap()
    else {
        panic!("a local directory gives the file's path, not a URL");
    };
    assert!(path.starts_with(root.path()) && path.ends_with("train_data.jsonl"), "{path:?}");
    assert_eq!(std::fs::read(&path).unwrap(), content);

    // Over the 3 MiB dataset cap: refused, and nothing is left, not even a staging file.
    let too_large = BlobKey::dataset(user, DatasetId::new(), "huge.jsonl").unwrap();
    let err = store.upload(&too_large, stream_of(&pattern(3 * MIB + 1), 100_000)).await.unwrap_err();
    assert_eq!(err.code(), "too_large");
    assert_eq!(store.head(&too_large).await.unwrap_err().code(), "not_found");
    assert_eq!(files_under(root.path()), [path], "only the first dataset is on disk");

    store.delete(&dataset).await.unwrap();
    store.delete(&dataset).await.unwrap();
    assert_eq!(store.download(&dataset).await.unwrap_err().code(), "not_found");
    assert!(files_under(root.path()).is_empty());
}

#[tokio::test]
async fn urls_name_a_store_or_are_refused() {
    let memory = BlobStore::from_url("memory://").unwrap();
    let key = BlobKey::model(UserId::new(), ArtifactId::new(), "adapter_config.json").unwrap();
    memory.upload(&key, stream_of(b"{}", 1)).await.unwrap();
    let err = memory.location(&key, Access::Download, Duration::from_secs(60), Timestamp::now()).await.unwrap_err();
    assert_eq!(err.code(), "direct_access_unsupported");
    for bad in ["ftp://host/x", "not a url", "s3://", "s3://bucket?colour=blue"] {
        assert_eq!(BlobStore::from_url(bad).unwrap_err().code(), "invalid_storage_url", "{bad}");
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    BlobStore::from_url(&url).unwrap().upload(&key, stream_of(b"{}", 1)).await.unwrap();
}

/// The tests' S3 server on 127.0.0.1, in this process; files under `root/BUCKET`.
async fn start_s3(root: &Path) -> String {
    brightrun_tests::s3::start(root).await.unwrap()
}

fn s3_url(endpoint: &str, secret: &str) -> String {
    brightrun_tests::s3::storage_url(endpoint, secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_put_get_multipart_and_the_cap() {
    let root = tempfile::tempdir().unwrap();
    let endpoint = start_s3(root.path()).await;
    let store = BlobStore::from_url(&s3_url(&endpoint, SECRET_KEY)).unwrap().with_limits(small_parts());
    let user = UserId::new();

    let small = BlobKey::dataset(user, DatasetId::new(), "train.jsonl").unwrap();
    let content = pattern(100_000);
    assert_eq!(store.upload(&small, stream_of(&content, 10_000)).await.unwrap().bytes, 100_000);
    assert_eq!(read_all(&store, &small).await, content);

    let model = BlobKey::model(user, ArtifactId::new(), "adapter_model.safetensors").unwrap();
    let weights = pattern(12 * MIB + 123);
    assert_eq!(store.upload(&model, stream_of(&weights, MIB / 2)).await.unwrap().bytes, weights.len() as u64);
    assert_eq!(read_all(&store, &model).await, weights, "three parts, reassembled");
    assert_eq!(store.head(&model).await.unwrap().size, weights.len() as u64);

    // Past the 20 MiB model cap after four parts went up: the upload is aborted.
    let too_large = BlobKey::model(user, ArtifactId::new(), "too-large.safetensors").unwrap();
    let before = files_under(root.path());
    let err = store.upload(&too_large, stream_of(&pattern(21 * MIB), MIB)).await.unwrap_err();
    assert_eq!(err.code(), "too_large");
    assert_eq!(store.head(&too_large).await.unwrap_err().code(), "not_found");
    assert_eq!(files_under(root.path()), before, "no object, no parts left behind");

    store.delete(&small).await.unwrap();
    assert_eq!(store.head(&small).await.unwrap_err().code(), "not_found");

    let wrong = BlobStore::from_url(&s3_url(&endpoint, "not-the-secret")).unwrap();
    assert_eq!(wrong.head(&model).await.unwrap_err().code(), "storage_error", "the server checks signatures");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_signed_urls_work_expire_and_refuse_tampering() {
    let root = tempfile::tempdir().unwrap();
    let endpoint = start_s3(root.path()).await;
    let store = BlobStore::from_url(&s3_url(&endpoint, SECRET_KEY)).unwrap();
    let http = reqwest::Client::new();
    let user = UserId::new();
    let now = Timestamp::now();

    // A worker uploads the adapter through a signed PUT, without credentials.
    let key = BlobKey::model(user, ArtifactId::new(), "adapter_model.safetensors").unwrap();
    let Location::SignedUrl { url, access, expires_at } =
        store.location(&key, Access::Upload, Duration::from_secs(600), now).await.unwrap()
    else {
        panic!("an S3 store signs URLs");
    };
    assert_eq!((access, expires_at), (Access::Upload, now.plus(chrono::TimeDelta::seconds(600))));
    let body = pattern(70_000);
    let response = http.put(url.clone()).body(body.clone()).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(read_all(&store, &key).await, body);

    // And downloads it through a signed GET.
    let Location::SignedUrl { url, .. } =
        store.location(&key, Access::Download, Duration::from_secs(600), now).await.unwrap()
    else {
        panic!("an S3 store signs URLs");
    };
    let response = http.get(url.clone()).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.bytes().await.unwrap().as_ref(), body.as_slice());

    // A URL changed in any way is refused: another object, a longer life, another signature.
    let other = BlobKey::model(user, ArtifactId::new(), "adapter_model.safetensors").unwrap();
    let tampered = [
        url.as_str().replace(key.as_str(), other.as_str()),
        url.as_str().replace("X-Amz-Expires=600", "X-Amz-Expires=6000"),
        {
            let signature = url.query_pairs().find(|(k, _)| k == "X-Amz-Signature").unwrap().1.into_owned();
            let forged: String = signature.chars().rev().collect();
            url.as_str().replace(&signature, &forged)
        },
    ];
    for forged in tampered {
        assert_ne!(forged, url.as_str());
        let status = http.get(&forged).send().await.unwrap().status();
        assert_eq!(status.as_u16(), 403, "{forged}");
    }
    let status = http.put(url.clone()).body("overwrite").send().await.unwrap().status();
    assert_eq!(status.as_u16(), 403, "a GET signature does not allow a PUT");

    // An expired URL is refused.
    let Location::SignedUrl { url, .. } =
        store.location(&key, Access::Download, Duration::from_secs(1), Timestamp::now()).await.unwrap()
    else {
        panic!("an S3 store signs URLs");
    };
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(http.get(url).send().await.unwrap().status().as_u16(), 403, "expired");

    let err = store.location(&key, Access::Download, Duration::from_secs(8 * 24 * 3600), now).await.unwrap_err();
    assert_eq!(err.code(), "invalid_expiry");
    let streamed: Vec<Bytes> =
        store.download(&key).await.unwrap().stream.collect::<Vec<_>>().await.into_iter().map(Result::unwrap).collect();
    assert_eq!(streamed.concat(), body);
}
