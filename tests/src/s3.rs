//! An S3-compatible server for tests: s3s over a local directory, checking SigV4
//! signatures, so a broken signed URL fails here as it would on AWS, MinIO or Supabase
//! Storage. The blob tests start it in their own process; the bindings' tests run it as
//! `s3-test-server`.

use std::path::Path;

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "brightrun-test";
/// The secret key of [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "brightrun-test-secret";
/// The bucket, a directory under the server's root.
pub const BUCKET: &str = "brightrun";

/// Starts the server on 127.0.0.1 (a free port) with its files under `root/BUCKET`, on the
/// current tokio runtime; returns its endpoint, `http://127.0.0.1:PORT`.
pub async fn start(root: &Path) -> std::io::Result<String> {
    std::fs::create_dir_all(root.join(BUCKET))?;
    let files = s3s_fs::FileSystem::new(root).map_err(|e| std::io::Error::other(format!("{e:?}")))?;
    let mut builder = s3s::service::S3ServiceBuilder::new(files);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let service = service.clone();
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(socket);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    Ok(format!("http://{address}"))
}

/// The storage URL of the server at `endpoint`, signing with `secret`.
pub fn storage_url(endpoint: &str, secret: &str) -> String {
    format!("s3://{BUCKET}?endpoint={endpoint}&region=us-east-1&access_key_id={ACCESS_KEY}&secret_access_key={secret}")
}
