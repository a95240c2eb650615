//! What the backend records of an attempt's Slurm job in the attempt's run directory: the job
//! id Slurm gave it, and how it ended. slurmctld forgets a finished job after `MinJobAge`
//! (300 s by default) and, without accounting, nobody remembers it: the end is written here
//! the first time it is seen, and read from here afterwards.
//!
//! Before asking Slurm for the job, the backend leaves a mark ([`SUBMITTING_FILE`]): an
//! attempt with neither record nor mark was never sent, and is not looked for in Slurm's
//! list of every job.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::super::error::BackendError;
use super::super::local::files::{read_optional, write_atomically};
use super::super::{BackendStatus, WorkerTimes};

/// The record's file in the run directory.
pub const RECORD_FILE: &str = "slurm-job.json";

/// The mark of an attempt whose job was (perhaps) sent to Slurm.
pub const SUBMITTING_FILE: &str = "slurm-submitting";

/// Marks the attempt of `dir` as sent to Slurm, before it is.
pub fn mark_submitting(dir: &Path) -> Result<(), BackendError> {
    write_atomically(&dir.join(SUBMITTING_FILE), b"")
}

/// Whether the attempt of `dir` may have been sent to Slurm.
pub fn was_submitting(dir: &Path) -> bool {
    dir.join(SUBMITTING_FILE).exists()
}

/// An attempt's Slurm job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Slurm's job id.
    pub job_id: u64,
    /// How it ended, once it did.
    #[serde(default)]
    pub ended: Option<Ended>,
}

/// How a Slurm job ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ended {
    /// Its final status.
    pub status: BackendStatus,
    /// When it ran.
    pub times: WorkerTimes,
}

/// The record of the run directory `dir`, if its job was submitted.
pub fn read(dir: &Path) -> Result<Option<Record>, BackendError> {
    let path = dir.join(RECORD_FILE);
    let Some(text) = read_optional(&path)? else { return Ok(None) };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        BackendError::io(format!("reading {}", path.display()), std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    })
}

/// Replaces the record of `dir` at once.
pub fn write(dir: &Path, record: &Record) -> Result<(), BackendError> {
    // A struct of plain fields always serialises.
    let text = serde_json::to_vec(record).unwrap_or_default();
    write_atomically(&dir.join(RECORD_FILE), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_its_round_trip_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        let mut record = Record { job_id: 12, ended: None };
        write(dir.path(), &record).unwrap();
        assert_eq!(read(dir.path()).unwrap().as_ref(), Some(&record));
        record.ended = Some(Ended { status: BackendStatus::Cancelled, times: WorkerTimes::default() });
        write(dir.path(), &record).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(record));
        assert!(!was_submitting(dir.path()));
        mark_submitting(dir.path()).unwrap();
        assert!(was_submitting(dir.path()));
    }
}
