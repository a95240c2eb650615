//! Files and directories only their owner can read: the BrightRun home, its database,
//! storage, runs and scratch space hold users' datasets, adapters and secrets of the
//! worker protocol (signed handles).
//!
//! What these functions create gets exactly mode 0700 (directories) or 0600 (files),
//! whatever the process umask. What already exists is left as it is: an operator who
//! widened a home on purpose keeps it so (see `docs/operations-local.md`).

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{ErrorKind, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode of the directories BrightRun creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the files BrightRun creates.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parent with mode 0700; an existing directory is left as
/// it is. Returns whether it was created.
pub fn create_dir(dir: &Path) -> std::io::Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    match DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists && dir.is_dir() => return Ok(false),
        Err(e) => return Err(e),
    }
    // The umask may have taken bits away (0700 & ~0277 is 0500): set the mode exactly.
    std::fs::set_permissions(dir, Permissions::from_mode(DIR_MODE))?;
    Ok(true)
}

/// Creates the empty file `path` with mode 0600 unless something is there already.
/// Returns whether it was created.
pub fn create_file(path: &Path) -> std::io::Result<bool> {
    match OpenOptions::new().write(true).create_new(true).mode(FILE_MODE).open(path) {
        Ok(file) => {
            file.set_permissions(Permissions::from_mode(FILE_MODE))?;
            Ok(true)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Opens `path` for reading and writing, creating it with mode 0600 if missing.
pub fn open_or_create(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(FILE_MODE).open(path)?;
    Ok(file)
}

/// Writes `contents` to `path` through a temporary file renamed over it, so a reader sees
/// the old or the new contents, never a part; the file has mode 0600.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let temporary = temporary_beside(path);
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(&temporary)
        .and_then(|mut file| {
            file.set_permissions(Permissions::from_mode(FILE_MODE))?;
            file.write_all(contents)
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// A name beside `path` that no other write uses: two threads (or processes) writing the
/// same file at once each rename their own whole copy.
pub fn temporary_beside(path: &Path) -> std::path::PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{}.tmp", std::process::id(), WRITES.fetch_add(1, Ordering::Relaxed)));
    path.with_file_name(name)
}

/// Whether a path is readable, writable or searchable by anyone but its owner.
pub fn is_shared(path: &Path) -> std::io::Result<bool> {
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_directories_and_files_are_private_and_existing_ones_are_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        assert!(create_dir(&dir).unwrap());
        assert_eq!(mode(&dir), 0o700);
        assert!(!create_dir(&dir).unwrap());
        let file = dir.join("db");
        assert!(create_file(&file).unwrap());
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, Permissions::from_mode(0o644)).unwrap();
        assert!(!create_file(&file).unwrap());
        assert_eq!(mode(&file), 0o644, "an existing file keeps its mode");
        assert!(is_shared(&file).unwrap());
        write_atomically(&dir.join("x.json"), b"{}").unwrap();
        assert_eq!((mode(&dir.join("x.json")), std::fs::read(dir.join("x.json")).unwrap()), (0o600, b"{}".to_vec()));
    }
}
