//! The retention rule, applied to real runs.

use std::time::SystemTime;

use super::*;
use crate::backend::local::retention::{JOB_SCRATCH_PREFIX, RetentionPolicy, SweepReport, sweep};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

#[tokio::test]
async fn finished_runs_and_their_scratch_go_live_ones_stay() {
    let home = tempfile::tempdir().unwrap();
    let (runs, scratch) = (home.path().join("runs"), home.path().join("scratch"));
    let backend =
        backend(&runs, "while [ ! -e \"$dir/release\" ]; do sleep 0.02; done; emit 1 completed ''", &["0", "1"]);
    let (finished, live) = (spec(), spec());
    let finished_handle = backend.submit(&finished).await.unwrap();
    std::fs::write(backend.work_dir_of(&finished.job_id, 0).join("release"), "").unwrap();
    wait_for(&backend, &finished_handle, BackendStatus::is_terminal).await;
    let live_handle = backend.submit(&live).await.unwrap();
    wait_for(&backend, &live_handle, |s| *s == BackendStatus::Running).await;
    let scratch_of = |spec: &WorkerSpec| scratch.join(format!("{JOB_SCRATCH_PREFIX}{}-0", spec.job_id));
    for dir in [scratch_of(&finished), scratch_of(&live), scratch.join("dataset-1"), runs.join("notes")] {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("input"), "data").unwrap();
    }
    let policy = RetentionPolicy::default();
    let now = SystemTime::now();

    // Now: only the scratch of the finished run goes.
    let report = sweep(&runs, &scratch, &policy, now).unwrap();
    assert_eq!(report, SweepReport { runs_removed: 0, scratch_removed: 1, failures: 0 });
    assert!(!scratch_of(&finished).exists() && scratch_of(&live).exists());
    // Past the scratch age, the validation's leftover goes too; the finished run is kept.
    let report = sweep(&runs, &scratch, &policy, now + 2 * DAY).unwrap();
    assert_eq!(report.scratch_removed, 1);
    assert!(!scratch.join("dataset-1").exists() && scratch_of(&live).exists());
    assert!(backend.work_dir_of(&finished.job_id, 0).exists());
    // Past the run age, the finished run goes; the live run, the key, the slots and
    // what is not a run stay, whatever their age.
    let report = sweep(&runs, &scratch, &policy, now + 100 * DAY).unwrap();
    assert_eq!(report, SweepReport { runs_removed: 1, scratch_removed: 0, failures: 0 });
    assert!(!backend.work_dir_of(&finished.job_id, 0).exists());
    assert!(matches!(backend.status(&finished_handle).await.unwrap(), BackendStatus::Lost { .. }));
    for kept in [backend.work_dir_of(&live.job_id, 0), scratch_of(&live), runs.join(".slots"), runs.join("notes")] {
        assert!(kept.exists(), "{} was removed", kept.display());
    }
    assert!(runs.join(handle::KEY_FILE).exists());
    assert_eq!(backend.status(&live_handle).await.unwrap(), BackendStatus::Running);
    std::fs::write(backend.work_dir_of(&live.job_id, 0).join("release"), "").unwrap();
    wait_for(&backend, &live_handle, BackendStatus::is_terminal).await;
}

#[tokio::test]
async fn a_policy_of_never_keeps_everything_and_missing_directories_are_empty() {
    let home = tempfile::tempdir().unwrap();
    let (runs, scratch) = (home.path().join("runs"), home.path().join("scratch"));
    let none = RetentionPolicy { finished_runs: None, scratch: None };
    assert_eq!(sweep(&runs, &scratch, &none, SystemTime::now()).unwrap(), SweepReport::default());
    let backend = backend(&runs, "emit 1 completed ''", &["all"]);
    let spec = spec();
    let handle = backend.submit(&spec).await.unwrap();
    wait_for(&backend, &handle, BackendStatus::is_terminal).await;
    std::fs::create_dir_all(scratch.join("dataset-1")).unwrap();
    let later = SystemTime::now() + 1000 * DAY;
    assert_eq!(sweep(&runs, &scratch, &none, later).unwrap(), SweepReport::default());
    assert!(backend.work_dir_of(&spec.job_id, 0).exists() && scratch.join("dataset-1").exists());
}
