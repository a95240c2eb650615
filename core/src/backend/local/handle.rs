//! Handles of local jobs, bound to their job.
//!
//! A handle is stored in the job's row, which its user may be able to write (Supabase's
//! row-level security lets a user update their own rows). So the handle names only a job
//! id and an attempt, the run directory is derived from them (`runs/<job>-<attempt>`,
//! never a path taken from the handle), and the handle carries an HMAC-SHA256 of that
//! name under a key only this machine's runs directory holds (`runs/.handle-key`, 0600).
//! A handle naming another job's run cannot be made without the key, so nobody can
//! follow, cancel or collect another user's run by editing their own row.

use std::io::{ErrorKind, Read as _};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::super::BackendHandle;
use super::super::error::BackendError;
use crate::model::JobId;
use crate::private_files;

/// The file holding the key that signs handles, in the runs directory.
pub const KEY_FILE: &str = ".handle-key";
const KEY_BYTES: usize = 32;

/// The secret that signs this runs directory's handles.
#[derive(Clone, PartialEq, Eq)]
pub struct HandleKey([u8; KEY_BYTES]);

impl std::fmt::Debug for HandleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandleKey(..)")
    }
}

/// What a local handle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalHandleData {
    /// The run directory, for people reading the row; checked, never trusted.
    pub work_dir: PathBuf,
    /// The job.
    pub job_id: JobId,
    /// The attempt.
    pub attempt: u32,
    /// Hex HMAC-SHA256 of the run's name under the runs directory's key.
    pub signature: String,
}

/// The name of a run's directory: `<job>-<attempt>`.
pub fn run_name(job_id: &JobId, attempt: u32) -> String {
    format!("{job_id}-{attempt}")
}

/// The job and attempt a run directory's name stands for, if it is one.
pub fn parse_run_name(name: &str) -> Option<(JobId, u32)> {
    let (job, attempt) = name.rsplit_once('-')?;
    let parsed = (job.parse::<JobId>().ok()?, attempt.parse::<u32>().ok()?);
    // Only the canonical spelling: one run, one name.
    (run_name(&parsed.0, parsed.1) == name).then_some(parsed)
}

impl HandleKey {
    /// The key of `runs_dir`, kept in `cell` once loaded: created (with `runs_dir`, private)
    /// if `create` and missing; `None` if missing.
    pub(crate) fn cached<'a>(
        cell: &'a OnceLock<HandleKey>,
        runs_dir: &Path,
        create: bool,
    ) -> Result<Option<&'a HandleKey>, BackendError> {
        if let Some(key) = cell.get() {
            return Ok(Some(key));
        }
        let loaded = if create {
            super::files::create_dir(runs_dir)?;
            Some(HandleKey::load_or_create(runs_dir)?)
        } else {
            HandleKey::load(runs_dir)?
        };
        Ok(loaded.map(|key| cell.get_or_init(|| key)))
    }

    /// The run directory of `handle`, which the key of `runs_dir` (kept in `cell`) must have
    /// issued for `backend`; refuses any other.
    pub(crate) fn verify_cached(
        cell: &OnceLock<HandleKey>,
        backend: &str,
        runs_dir: &Path,
        handle: &BackendHandle,
    ) -> Result<PathBuf, BackendError> {
        let Some(key) = HandleKey::cached(cell, runs_dir, false)? else {
            return Err(BackendError::InvalidHandle {
                reason: format!("{} has no handle key: no handle was issued here", runs_dir.display()),
            });
        };
        key.verify(backend, runs_dir, handle)
    }

    /// The runs directory's key, created (from the system's random source) if missing.
    pub fn load_or_create(runs_dir: &Path) -> Result<Self, BackendError> {
        let path = runs_dir.join(KEY_FILE);
        if let Some(key) = Self::load(runs_dir)? {
            return Ok(key);
        }
        let mut key = [0u8; KEY_BYTES];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut random| random.read_exact(&mut key))
            .map_err(|e| BackendError::io("reading /dev/urandom", e))?;
        // Written whole under a private name, then linked into place: two backends that
        // create the key at once agree on the first, and nobody reads half a key.
        let temporary = private_files::temporary_beside(&path);
        private_files::write_atomically(&temporary, &key)
            .map_err(|e| BackendError::io(format!("writing {}", temporary.display()), e))?;
        let linked = std::fs::hard_link(&temporary, &path);
        let _ = std::fs::remove_file(&temporary);
        match linked {
            Ok(()) => Ok(Self(key)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                Self::load(runs_dir)?.ok_or_else(|| BackendError::io(format!("reading {}", path.display()), e))
            }
            Err(e) => Err(BackendError::io(format!("creating {}", path.display()), e)),
        }
    }

    /// The runs directory's key, if it has one.
    pub fn load(runs_dir: &Path) -> Result<Option<Self>, BackendError> {
        let path = runs_dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => <[u8; KEY_BYTES]>::try_from(bytes.as_slice()).map(|key| Some(Self(key))).map_err(|_| {
                BackendError::InvalidHandle { reason: format!("{} is not a {KEY_BYTES}-byte key", path.display()) }
            }),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BackendError::io(format!("reading {}", path.display()), e)),
        }
    }

    fn sign(&self, name: &str) -> String {
        hmac_sha256(&self.0, name.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The signed handle of attempt `attempt` of job `job_id`.
    pub fn issue(&self, backend: &str, runs_dir: &Path, job_id: JobId, attempt: u32) -> BackendHandle {
        let name = run_name(&job_id, attempt);
        let data = LocalHandleData { work_dir: runs_dir.join(&name), job_id, attempt, signature: self.sign(&name) };
        BackendHandle {
            backend: backend.to_owned(),
            external_id: name,
            // A struct of plain fields always serialises.
            data: serde_json::to_value(data).unwrap_or_default(),
        }
    }

    /// The run directory of `handle`, if this key signed it for the directory it names;
    /// the directory must not be a symbolic link.
    pub fn verify(&self, backend: &str, runs_dir: &Path, handle: &BackendHandle) -> Result<PathBuf, BackendError> {
        let invalid = |reason: &str| BackendError::InvalidHandle { reason: reason.to_owned() };
        if handle.backend != backend {
            return Err(invalid(&format!("a {} handle, not a {backend} one", handle.backend)));
        }
        let data: LocalHandleData = serde_json::from_value(handle.data.clone())
            .map_err(|e| invalid(&format!("not a handle this backend issues ({e})")))?;
        let name = run_name(&data.job_id, data.attempt);
        let work_dir = runs_dir.join(&name);
        if handle.external_id != name || data.work_dir != work_dir {
            return Err(invalid("its run directory is not the one of its job and attempt"));
        }
        if !constant_time_eq(self.sign(&name).as_bytes(), data.signature.as_bytes()) {
            return Err(invalid("its signature does not match: it was not issued for this job here"));
        }
        match std::fs::symlink_metadata(&work_dir) {
            Ok(metadata) if !metadata.is_dir() => Err(invalid("its run directory is not a directory")),
            Ok(_) => Ok(work_dir),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(work_dir),
            Err(e) => Err(BackendError::io(format!("reading {}", work_dir.display()), e)),
        }
    }
}

/// A runs directory's key, read once and created with the first handle issued: how a
/// backend whose attempts live on another engine (RunPod) signs and checks its handles.
#[derive(Debug, Clone)]
pub struct RunsKey {
    runs_dir: PathBuf,
    key: std::sync::Arc<std::sync::OnceLock<HandleKey>>,
}

impl RunsKey {
    /// The key of `runs_dir`, not read yet.
    pub fn new(runs_dir: PathBuf) -> Self {
        Self { runs_dir, key: std::sync::Arc::default() }
    }

    fn key(&self, create: bool) -> Result<Option<&HandleKey>, BackendError> {
        if let Some(key) = self.key.get() {
            return Ok(Some(key));
        }
        let loaded = if create {
            private_files::create_dir(&self.runs_dir)
                .map_err(|e| BackendError::io(format!("creating {}", self.runs_dir.display()), e))?;
            Some(HandleKey::load_or_create(&self.runs_dir)?)
        } else {
            HandleKey::load(&self.runs_dir)?
        };
        Ok(loaded.map(|key| self.key.get_or_init(|| key)))
    }

    /// The handle of attempt `attempt` of `job_id`, and its directory (created, private).
    pub fn issue(&self, backend: &str, job_id: JobId, attempt: u32) -> Result<(BackendHandle, PathBuf), BackendError> {
        let key = self.key(true)?.ok_or_else(|| BackendError::Launch { reason: "no handle key".into() })?;
        let handle = key.issue(backend, &self.runs_dir, job_id, attempt);
        let dir = key.verify(backend, &self.runs_dir, &handle)?;
        private_files::create_dir(&dir).map_err(|e| BackendError::io(format!("creating {}", dir.display()), e))?;
        Ok((handle, dir))
    }

    /// The handle of attempt `attempt` of `job_id` and its directory, if this directory
    /// ever issued a handle; creates nothing.
    pub fn existing(
        &self,
        backend: &str,
        job_id: JobId,
        attempt: u32,
    ) -> Result<Option<(BackendHandle, PathBuf)>, BackendError> {
        let Some(key) = self.key(false)? else { return Ok(None) };
        let handle = key.issue(backend, &self.runs_dir, job_id, attempt);
        let dir = key.verify(backend, &self.runs_dir, &handle)?;
        Ok(Some((handle, dir)))
    }

    /// The directory of `handle`, if this key signed it.
    pub fn verify(&self, backend: &str, handle: &BackendHandle) -> Result<PathBuf, BackendError> {
        let Some(key) = self.key(false)? else {
            return Err(BackendError::InvalidHandle {
                reason: format!("{} has no handle key: no handle was issued here", self.runs_dir.display()),
            });
        };
        key.verify(backend, &self.runs_dir, handle)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new().chain_update(block.map(|b| b ^ 0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(block.map(|b| b ^ 0x5c)).chain_update(inner).finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn run_names_round_trip_in_their_one_spelling() {
        let job = JobId::new();
        assert_eq!(parse_run_name(&run_name(&job, 3)), Some((job, 3)));
        for bad in ["x-1", &format!("{job}"), &format!("{job}-01"), &format!("{job}--1"), ".slots", "../etc-1"] {
            assert_eq!(parse_run_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_key_is_created_once_private_and_shared_by_every_backend_of_the_directory() {
        use std::os::unix::fs::PermissionsExt as _;
        let runs = tempfile::tempdir().unwrap();
        assert_eq!(HandleKey::load(runs.path()).unwrap(), None);
        let first = HandleKey::load_or_create(runs.path()).unwrap();
        assert_eq!(HandleKey::load_or_create(runs.path()).unwrap(), first);
        let mode = std::fs::metadata(runs.path().join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(runs.path()).unwrap().count(), 1, "no temporary file is left");
    }
}
