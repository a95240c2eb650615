//! Reading and writing the files of a run directory.

use std::path::Path;

use super::super::error::BackendError;
use super::process::ProcessId;
use crate::model::Timestamp;
use crate::private_files;

/// The file's text, or `None` if it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<String>, BackendError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BackendError::io(format!("reading {}", path.display()), e)),
    }
}

/// Replaces the file's contents at once (mode 0600).
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), BackendError> {
    private_files::write_atomically(path, contents)
        .map_err(|e| BackendError::io(format!("writing {}", path.display()), e))
}

/// When a file was last written, if it exists.
pub fn written_at(path: &Path) -> Result<Option<Timestamp>, BackendError> {
    match std::fs::metadata(path).and_then(|metadata| metadata.modified()) {
        Ok(modified) => Ok(Some(Timestamp::from_datetime(modified.into()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BackendError::io(format!("reading {}", path.display()), e)),
    }
}

/// The live process whose pid the file holds, if any.
pub fn read_process(path: &Path) -> Result<Option<ProcessId>, BackendError> {
    Ok(read_optional(path)?.and_then(|text| text.trim().parse().ok()).and_then(ProcessId::of))
}

/// Creates a private directory (0700) if missing.
pub fn create_dir(dir: &Path) -> Result<(), BackendError> {
    private_files::create_dir(dir).map(drop).map_err(|e| BackendError::io(format!("creating {}", dir.display()), e))
}
