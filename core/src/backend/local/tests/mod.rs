//! The local backend with shell test doubles standing in for the trainer: they print
//! protocol v1 events the way the reference worker does, without training anything.

use std::time::Duration;

mod handles;
mod hygiene;
mod retention;

use super::*;
use crate::backend::ArtifactSource;
use crate::backend::protocol::{EventKind, SpecDataset, SpecOutput, WorkerLine, example_spec};
use crate::model::{JobId, Timestamp};
use process::ProcessId;

/// A fake worker: `emit N EVENT FIELDS` prints one protocol event.
const PRELUDE: &str = r#"
emit() { printf '{"v":1,"seq":%s,"ts":"2026-11-26T10:00:00Z","event":"%s"%s}\n' "$1" "$2" "$3"; }
spec=$2; dir=$(dirname "$spec")
"#;

pub(super) fn backend(runs: &Path, script: &str, slots: &[&str]) -> LocalProcessBackend {
    LocalProcessBackend::new(LocalBackendConfig {
        runs_dir: runs.to_path_buf(),
        worker_command: vec!["sh".into(), "-c".into(), format!("{PRELUDE}{script}"), "fake-worker".into()],
        gpu_slots: slots.iter().map(|s| (*s).to_owned()).collect(),
        cancel_grace: Duration::from_secs(30),
        worker_env: Vec::new(),
    })
    .unwrap()
}

pub(super) fn spec() -> WorkerSpec {
    // Relative paths: the fake workers run in the attempt's directory.
    WorkerSpec {
        dataset: SpecDataset { train: "train.jsonl".into(), validation: None },
        output: SpecOutput { dir: "out".into(), upload_urls: Default::default() },
        ..example_spec(0, 0)
    }
}

pub(super) async fn wait_for(
    backend: &LocalProcessBackend,
    handle: &BackendHandle,
    done: fn(&BackendStatus) -> bool,
) -> BackendStatus {
    for _ in 0..300 {
        let status = backend.status(handle).await.unwrap();
        if done(&status) {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("status never reached the expected state: {:?}", backend.status(handle).await);
}

pub(super) async fn all_events(backend: &LocalProcessBackend, handle: &BackendHandle) -> Vec<WorkerLine> {
    backend.events(handle, EventCursor::default()).await.unwrap().lines
}

#[tokio::test]
async fn a_successful_worker_is_followed_to_its_artifacts() {
    let runs = tempfile::tempdir().unwrap();
    let script = r#"
emit 1 started ',"total_steps":2,"epochs":1'
echo "a log line on stdout"
emit 2 metric ',"step":1,"loss":2.0'
emit 3 metric ',"step":2,"loss":1.0'
mkdir -p "$dir/out/adapter" && printf 'weights' > "$dir/out/adapter/adapter_model.safetensors"
emit 4 artifact ',"name":"adapter_model.safetensors","bytes":7,"sha256":"abc","path":"/etc/passwd"'
emit 5 completed ',"steps":2'
"#;
    let backend = backend(runs.path(), script, &["all"]);
    let spec = spec();
    let handle = backend.submit(&spec).await.unwrap();
    assert_eq!(wait_for(&backend, &handle, BackendStatus::is_terminal).await, BackendStatus::Succeeded);
    let lines = all_events(&backend, &handle).await;
    assert_eq!(lines.iter().filter(|l| matches!(l, WorkerLine::Event(_))).count(), 5);
    assert!(lines.iter().any(|l| matches!(l, WorkerLine::Log(text) if text == "a log line on stdout")));
    let artifacts = backend.collect(&handle).await.unwrap();
    let ArtifactSource::LocalPath { path } = &artifacts[0].source else { panic!("local path expected") };
    assert_eq!(path, &backend.work_dir_of(&spec.job_id, 0).join("out/adapter/adapter_model.safetensors"));
    // Submitting the same job again (an orchestrator retrying) launches nothing new.
    assert_eq!(backend.submit(&spec).await.unwrap(), handle);
}

#[tokio::test]
async fn a_multi_gpu_job_runs_only_in_a_slot_with_its_gpus_and_is_refused_where_none_has_them() {
    use crate::error_code::ErrorCode as _;

    let runs = tempfile::tempdir().unwrap();
    let backend = backend(runs.path(), "printf '%s' \"$CUDA_VISIBLE_DEVICES\" > \"$dir/devices\"", &["0", "1,2"]);
    let two = WorkerSpec { gpus: 2, ..spec() };
    backend.check_gpus(2).unwrap();
    let handle = backend.submit(&two).await.unwrap();
    wait_for(&backend, &handle, BackendStatus::is_terminal).await;
    let devices = std::fs::read_to_string(backend.work_dir_of(&two.job_id, 0).join("devices")).unwrap();
    assert_eq!(devices, "1,2", "the two-GPU job waits for the slot of two GPUs, never takes `0`");

    let refused = backend.check_gpus(3).unwrap_err();
    assert_eq!(refused.code(), "not_enough_gpus");
    assert!(refused.to_string().contains("asks for 3 GPUs") && refused.to_string().contains("at most 2"), "{refused}");
    let three = WorkerSpec { gpus: 3, ..spec() };
    let error = backend.submit(&three).await.unwrap_err();
    assert_eq!(error.code(), "not_enough_gpus", "the launch checks again: {error}");
    assert!(!backend.work_dir_of(&three.job_id, 0).join(LAUNCH_FILE).exists(), "nothing was started");
}

#[tokio::test]
async fn worker_times_are_when_the_worker_started_and_exited_not_when_asked() {
    let runs = tempfile::tempdir().unwrap();
    let backend = backend(runs.path(), "while [ ! -e \"$dir/release\" ]; do sleep 0.02; done; exit 1", &["all"]);
    let spec = spec();
    let handle = backend.submit(&spec).await.unwrap();
    wait_for(&backend, &handle, |s| *s == BackendStatus::Running).await;
    let work_dir = backend.work_dir_of(&spec.job_id, 0);
    let modified = |name: &str| {
        let time = std::fs::metadata(work_dir.join(name)).and_then(|m| m.modified()).unwrap();
        Timestamp::from_datetime(time.into())
    };
    let running = backend.worker_times(&handle).await.unwrap();
    assert_eq!(running, WorkerTimes { started_at: Some(modified(WORKER_PID_FILE)), ended_at: None });
    std::fs::write(work_dir.join("release"), "").unwrap();
    wait_for(&backend, &handle, BackendStatus::is_terminal).await;
    let done = backend.worker_times(&handle).await.unwrap();
    assert_eq!(done, WorkerTimes { started_at: running.started_at, ended_at: Some(modified(EXIT_CODE_FILE)) });
    assert!(done.started_at <= done.ended_at);
    // Asked again later, the answer does not move.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(backend.worker_times(&handle).await.unwrap(), done);
}

#[tokio::test]
async fn each_failure_exit_code_is_reported_with_its_meaning() {
    let runs = tempfile::tempdir().unwrap();
    for (code, words) in [(1, "failed"), (2, "job spec"), (3, "dataset"), (4, "out of memory")] {
        let backend = backend(
            runs.path(),
            &format!("emit 1 failed ',\"error_type\":\"x\",\"message\":\"y\"'; exit {code}"),
            &["all"],
        );
        let handle = backend.submit(&spec()).await.unwrap();
        let status = wait_for(&backend, &handle, BackendStatus::is_terminal).await;
        let BackendStatus::Failed { exit_code, reason } = status else { panic!("{status:?}") };
        assert_eq!(exit_code, Some(code));
        assert!(reason.contains(words), "{reason}");
        assert!(backend.collect(&handle).await.is_err(), "nothing to collect from a failed run");
    }
}

#[tokio::test]
async fn cancel_sends_sigterm_and_the_worker_stops_cleanly() {
    let runs = tempfile::tempdir().unwrap();
    let script = r#"
trap 'emit 3 cancelled ",\"step\":1,\"partial_adapter\":true"; exit 143' TERM
emit 1 started ',"total_steps":1000,"epochs":1'
emit 2 metric ',"step":1'
while :; do sleep 0.05; done
"#;
    let backend = backend(runs.path(), script, &["all"]);
    let handle = backend.submit(&spec()).await.unwrap();
    wait_for(&backend, &handle, |s| *s == BackendStatus::Running).await;
    // Wait for the trap to be installed (the first event is printed after it).
    for _ in 0..100 {
        if !all_events(&backend, &handle).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    backend.cancel(&handle).await.unwrap();
    assert_eq!(wait_for(&backend, &handle, BackendStatus::is_terminal).await, BackendStatus::Cancelled);
    let lines = all_events(&backend, &handle).await;
    assert!(matches!(lines.last(), Some(WorkerLine::Event(e)) if matches!(e.kind, EventKind::Cancelled { .. })));
}

#[tokio::test]
async fn a_worker_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let runs = tempfile::tempdir().unwrap();
    let mut backend = backend(
        runs.path(),
        "trap '' TERM; emit 1 started ',\"total_steps\":1,\"epochs\":1'; while :; do sleep 0.05; done",
        &["all"],
    );
    backend.config.cancel_grace = Duration::ZERO;
    let handle = backend.submit(&spec()).await.unwrap();
    wait_for(&backend, &handle, |s| *s == BackendStatus::Running).await;
    backend.cancel(&handle).await.unwrap();
    assert_eq!(wait_for(&backend, &handle, BackendStatus::is_terminal).await, BackendStatus::Cancelled);
}

#[tokio::test]
async fn jobs_queue_for_a_gpu_slot_and_run_one_at_a_time() {
    let runs = tempfile::tempdir().unwrap();
    let backend =
        backend(runs.path(), "while [ ! -e \"$dir/release\" ]; do sleep 0.02; done; emit 1 completed ''", &["0"]);
    let (first, second) = (spec(), spec());
    let first_handle = backend.submit(&first).await.unwrap();
    wait_for(&backend, &first_handle, |s| *s == BackendStatus::Running).await;
    let second_handle = backend.submit(&second).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(backend.status(&second_handle).await.unwrap(), BackendStatus::Queued);
    std::fs::write(backend.work_dir_of(&first.job_id, 0).join("release"), "").unwrap();
    assert_eq!(wait_for(&backend, &first_handle, BackendStatus::is_terminal).await, BackendStatus::Succeeded);
    wait_for(&backend, &second_handle, |s| *s != BackendStatus::Queued).await;
    let slot = std::fs::read_to_string(backend.work_dir_of(&second.job_id, 0).join("slot")).unwrap();
    assert_eq!(slot.trim(), "0");
    std::fs::write(backend.work_dir_of(&second.job_id, 0).join("release"), "").unwrap();
    assert_eq!(wait_for(&backend, &second_handle, BackendStatus::is_terminal).await, BackendStatus::Succeeded);
}

#[tokio::test]
async fn a_vanished_worker_is_lost_and_a_new_backend_instance_sees_the_same() {
    let runs = tempfile::tempdir().unwrap();
    let backend = backend(runs.path(), "while :; do sleep 0.05; done", &["all"]);
    let spec = spec();
    let handle = backend.submit(&spec).await.unwrap();
    wait_for(&backend, &handle, |s| *s == BackendStatus::Running).await;
    // Kill the whole process group as a machine restart would, leaving no exit code.
    let launch: LaunchRecord =
        serde_json::from_str(&std::fs::read_to_string(backend.work_dir_of(&spec.job_id, 0).join(LAUNCH_FILE)).unwrap())
            .unwrap();
    let worker = read_process(&backend.work_dir_of(&spec.job_id, 0).join(WORKER_PID_FILE)).unwrap().unwrap();
    launch.supervisor.signal_group(launch.group, Signal::SIGKILL);
    let restarted = LocalProcessBackend::new(backend.config.clone()).unwrap();
    let status = wait_for(&restarted, &handle, BackendStatus::is_terminal).await;
    assert!(matches!(status, BackendStatus::Lost { .. }), "{status:?}");
    // The worker, in its own group, outlived its supervisor: it is ended rather than left
    // on a GPU slot nobody holds any more.
    hygiene::wait_until_gone(worker.pid).await;
}
