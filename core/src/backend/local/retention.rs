//! The retention rule of the local backend's files: what [`sweep`] removes.
//!
//! - A run directory (`runs/<job>-<attempt>`) is removed once its worker ended (its exit
//!   code was written, or its supervisor is gone) longer ago than
//!   [`RetentionPolicy::finished_runs`] (default 7 days). A run still queued or running
//!   is never touched; nor is anything in `runs/` that is not a run's directory.
//! - A job's scratch directory (`scratch/job-<job>-<attempt>`, the converted dataset the
//!   worker reads) is removed as soon as that attempt's run has ended.
//! - Any other scratch entry (a validation's copy of a dataset, the data of a job that
//!   never launched) is removed once nothing in it changed for
//!   [`RetentionPolicy::scratch`] (default 1 day).
//!
//! A directory is renamed out of the way before it is deleted, so nobody sees half of
//! one. `docs/operations-local.md` documents the rule and where it runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::super::error::BackendError;
use super::files::read_process;
use super::handle::parse_run_name;
use super::launch::{self, LaunchRecord};
use super::{EXIT_CODE_FILE, LAUNCH_FILE, WORKER_PID_FILE};

/// Prefix of a directory being deleted, in `runs/` or `scratch/`.
const TRASH_PREFIX: &str = ".trash-";
/// Prefix of a job attempt's scratch directory (named by the orchestrator).
pub const JOB_SCRATCH_PREFIX: &str = "job-";
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// How long the local backend's files are kept; `None` keeps them for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Time a run directory is kept after its worker ended (its logs, events and a
    /// cancelled run's partial adapter; a completed adapter is in storage by then).
    pub finished_runs: Option<Duration>,
    /// Time a scratch entry of no live run is kept after its last change.
    pub scratch: Option<Duration>,
}

impl Default for RetentionPolicy {
    /// Runs for 7 days after they ended, scratch space for 1 day.
    fn default() -> Self {
        Self { finished_runs: Some(7 * DAY), scratch: Some(DAY) }
    }
}

/// What a sweep removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepReport {
    /// Run directories removed.
    pub runs_removed: u64,
    /// Scratch entries removed.
    pub scratch_removed: u64,
    /// Entries that could not be removed (logged; tried again next time).
    pub failures: u64,
}

/// Parses a retention age: `30d`, `12h`, `45m`, `90s`, or `never` (`None`).
pub fn parse_age(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let split = text.len().saturating_sub(1);
    let (number, unit) = (text.get(..split).unwrap_or_default(), text.get(split..).unwrap_or_default());
    let seconds = match unit {
        "d" => 24 * 60 * 60,
        "h" => 60 * 60,
        "m" => 60,
        "s" => 1,
        _ => return Err(format!("{text:?} is not an age like 7d, 12h, 30m, 90s or never")),
    };
    let count: u64 = number.parse().map_err(|_| format!("{text:?} is not an age like 7d, 12h, 30m, 90s or never"))?;
    Ok(Some(Duration::from_secs(count.saturating_mul(seconds))))
}

/// Removes what `policy` says is no longer needed from `runs_dir` and `scratch_dir`, as
/// of `now`. Missing directories are empty.
pub fn sweep(
    runs_dir: &Path,
    scratch_dir: &Path,
    policy: &RetentionPolicy,
    now: SystemTime,
) -> Result<SweepReport, BackendError> {
    let mut report = SweepReport::default();
    let older_than = |at: SystemTime, age: Option<Duration>| age.is_some_and(|age| at + age <= now);
    for (name, path) in entries(runs_dir)? {
        if name.starts_with(TRASH_PREFIX) {
            remove(runs_dir, &name, &path, &mut report.failures);
        } else if parse_run_name(&name).is_some()
            && let RunState::Ended(at) = run_state(&path)?
            && older_than(at, policy.finished_runs)
            && remove(runs_dir, &name, &path, &mut report.failures)
        {
            report.runs_removed += 1;
        }
    }
    for (name, path) in entries(scratch_dir)? {
        let run = name.strip_prefix(JOB_SCRATCH_PREFIX).filter(|run| parse_run_name(run).is_some());
        let run_state = match run.map(|run| runs_dir.join(run)).filter(|dir| dir.is_dir()) {
            Some(dir) => Some(run_state(&dir)?),
            None => None,
        };
        let expired = name.starts_with(TRASH_PREFIX)
            || match run_state {
                Some(RunState::Ended(_)) => true,
                Some(RunState::Active) => false,
                None => older_than(last_change(&path), policy.scratch),
            };
        if expired && remove(scratch_dir, &name, &path, &mut report.failures) && !name.starts_with(TRASH_PREFIX) {
            report.scratch_removed += 1;
        }
    }
    if report != SweepReport::default() {
        tracing::info!(?report, "swept finished runs and scratch space");
    }
    Ok(report)
}

/// Whether a run may still need its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunState {
    /// Being launched, queued or running.
    Active,
    /// Its worker ended (or it was never launched) at this time.
    Ended(SystemTime),
}

fn run_state(dir: &Path) -> Result<RunState, BackendError> {
    if let Ok(ended) = std::fs::metadata(dir.join(EXIT_CODE_FILE)).and_then(|m| m.modified()) {
        return Ok(RunState::Ended(ended));
    }
    if launch::in_progress(dir)? || read_process(&dir.join(WORKER_PID_FILE))?.is_some() {
        return Ok(RunState::Active);
    }
    let supervisor_alive = std::fs::read_to_string(dir.join(LAUNCH_FILE))
        .ok()
        .and_then(|text| serde_json::from_str::<LaunchRecord>(&text).ok())
        .is_some_and(|record| record.supervisor.is_alive());
    Ok(if supervisor_alive { RunState::Active } else { RunState::Ended(last_change(dir)) })
}

/// The latest modification time of `path` and of its direct entries.
fn last_change(path: &Path) -> SystemTime {
    let modified = |p: &Path| std::fs::symlink_metadata(p).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
    let children = std::fs::read_dir(path).into_iter().flatten().flatten().map(|entry| modified(&entry.path()));
    children.fold(modified(path), SystemTime::max)
}

/// The entries of a directory (none if it does not exist), with names that are text.
fn entries(dir: &Path) -> Result<Vec<(String, PathBuf)>, BackendError> {
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(BackendError::io(format!("listing {}", dir.display()), e)),
    };
    let mut entries = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| BackendError::io(format!("listing {}", dir.display()), e))?;
        if let Ok(name) = entry.file_name().into_string() {
            entries.push((name, entry.path()));
        }
    }
    Ok(entries)
}

/// Renames `path` out of the way, then deletes it; counts a failure and returns false if
/// either fails.
fn remove(parent: &Path, name: &str, path: &Path, failures: &mut u64) -> bool {
    let trash = if name.starts_with(TRASH_PREFIX) {
        path.to_path_buf()
    } else {
        parent.join(format!("{TRASH_PREFIX}{name}-{}", std::process::id()))
    };
    let removed = std::fs::rename(path, &trash).and_then(|()| match std::fs::symlink_metadata(&trash) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(&trash),
        Ok(_) => std::fs::remove_file(&trash),
        Err(e) => Err(e),
    });
    match removed {
        Ok(()) => true,
        // Another sweep got there first.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove an expired entry");
            *failures += 1;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_days_hours_minutes_seconds_or_never() {
        assert_eq!(parse_age("7d"), Ok(Some(7 * DAY)));
        assert_eq!(parse_age(" 12h "), Ok(Some(Duration::from_secs(12 * 3600))));
        assert_eq!(parse_age("30m"), Ok(Some(Duration::from_secs(1800))));
        assert_eq!(parse_age("0s"), Ok(Some(Duration::ZERO)));
        assert_eq!(parse_age("never"), Ok(None));
        for bad in ["", "d", "7", "7w", "-1d", "1.5d", "7 d", "é"] {
            assert!(parse_age(bad).is_err(), "{bad:?}");
        }
    }
}
