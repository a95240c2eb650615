//! Copying a model file to a directory, verifying its size and sha256 on the way.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use brightrun_core::blob::Location;
use brightrun_core::service::ModelDownload;
use sha2::{Digest, Sha256};

use crate::error::CliError;

/// Copies one file of a model into `dir` (a local path is read, a signed URL fetched) and
/// checks it; returns the new file's path. A file that does not match is removed.
pub fn save(file: &ModelDownload, dir: &Path) -> Result<PathBuf, CliError> {
    let name = Path::new(&file.name);
    if name.file_name() != Some(name.as_os_str()) || file.name.starts_with('.') {
        return Err(CliError::failed("unsafe_file_name", format!("refusing to write a file named {:?}", file.name)));
    }
    let source: Box<dyn Read> = match &file.location {
        Location::LocalPath(path) => Box::new(
            File::open(path).map_err(|e| CliError::failed("download_failed", format!("{}: {e}", path.display())))?,
        ),
        Location::SignedUrl { url, .. } => {
            let response = ureq::get(url.as_str())
                .call()
                .map_err(|e| CliError::failed("download_failed", format!("fetching {}: {e}", file.name)))?;
            Box::new(response.into_body().into_reader())
        }
    };
    let target = dir.join(name);
    let partial = dir.join(format!(".{}.part", file.name));
    match copy_checked(source, &partial, file) {
        Ok(()) => std::fs::rename(&partial, &target)
            .map(|()| target)
            .map_err(|e| CliError::failed("download_failed", format!("{}: {e}", dir.display()))),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Streams `source` into `path` (at most one byte more than expected), hashing it, and
/// compares size and sha256 with what the model records.
fn copy_checked(source: impl Read, path: &Path, file: &ModelDownload) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::failed("download_failed", format!("{}: {e}", path.display()));
    let mut source = source.take(file.bytes + 1);
    let mut out = File::create(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    let mut written = 0u64;
    loop {
        let read = source.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        out.write_all(&buffer[..read]).map_err(io)?;
        written += read as u64;
    }
    out.sync_all().map_err(io)?;
    let sha256: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if written != file.bytes || !sha256.eq_ignore_ascii_case(&file.sha256) {
        return Err(CliError::failed(
            "checksum_mismatch",
            format!(
                "{}: got {written} bytes with sha256 {sha256}, the model records {} bytes with sha256 {}",
                file.name, file.bytes, file.sha256
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;

    use super::*;

    fn download(name: &str, data: &[u8], location: Location) -> ModelDownload {
        let sha256 = Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect();
        ModelDownload { name: name.into(), bytes: data.len() as u64, sha256, location }
    }

    #[test]
    fn a_local_file_is_copied_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source");
        std::fs::write(&source, b"weights").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let file = download("adapter_model.safetensors", b"weights", Location::LocalPath(source.clone()));
        assert_eq!(std::fs::read(save(&file, &out).unwrap()).unwrap(), b"weights");

        std::fs::write(&source, b"tampered").unwrap();
        assert!(save(&file, &out).is_err_and(|e| format!("{e:?}").contains("checksum_mismatch")));
        let bad_name = download("../escape", b"weights", Location::LocalPath(source));
        assert!(save(&bad_name, &out).is_err());
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "nothing but the good copy is left");
    }

    #[test]
    fn a_signed_url_is_fetched_and_checked() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let mut stream = stream;
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nconfig").unwrap();
        });
        let url = format!("http://{address}/models/config?X-Amz-Signature=x").parse().unwrap();
        let location = Location::SignedUrl {
            url,
            access: brightrun_core::blob::Access::Download,
            expires_at: brightrun_core::model::Timestamp::now(),
        };
        let dir = tempfile::tempdir().unwrap();
        let saved = save(&download("adapter_config.json", b"config", location), dir.path()).unwrap();
        assert_eq!(std::fs::read(saved).unwrap(), b"config");
        server.join().unwrap();
    }
}
