//! Process hygiene: the worker's environment, descriptors, process group and files, and
//! launching a run exactly once.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt as _;
use std::sync::Barrier;

use super::*;
use crate::backend::local::launch::RunLock;
use crate::backend::local::supervisor::{self, Plan};

/// Waits until process `pid` is gone (or a zombie), panicking after a generous bound.
pub(super) async fn wait_until_gone(pid: i32) {
    for _ in 0..1500 {
        if ProcessId::of(pid).is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("process {pid} is still alive");
}

/// Waits until `path` exists, and returns its trimmed text.
async fn wait_for_file(path: &Path) -> String {
    for _ in 0..1500 {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text.trim().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{} never appeared", path.display());
}

/// Field 5 of `/proc/<pid>/stat`: the process group.
fn process_group(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    stat[stat.rfind(')').unwrap() + 1..].split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// Where the open descriptors of a process point.
fn open_files(pid: i32) -> Vec<PathBuf> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .collect()
}

fn variable_names(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read(path).unwrap();
    text.split(|b| *b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| String::from_utf8_lossy(entry).split_once('=').map(|(n, _)| n.to_owned()).unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn the_worker_gets_the_allowlisted_environment_only() {
    let names_here: BTreeSet<String> = std::env::vars_os().filter_map(|(n, _)| n.into_string().ok()).collect();
    let refused: Vec<&String> =
        names_here.iter().filter(|n| !WorkerEnvironment::default().allows(n.as_ref())).collect();
    // cargo runs tests with CARGO_* variables: a worker must not see them.
    assert!(!refused.is_empty(), "this test needs a variable the allowlist refuses");
    let extra = refused[0].clone();
    // What sh itself sets, and the slot the supervisor exports.
    let shell_own = ["PWD", "OLDPWD", "SHLVL", "_", "CUDA_VISIBLE_DEVICES"];
    for worker_env in [Vec::new(), vec![extra.clone()]] {
        let runs = tempfile::tempdir().unwrap();
        let mut backend = backend(runs.path(), "env -0 > \"$dir/environment\"; emit 1 completed ''", &["0"]);
        backend.environment = WorkerEnvironment::new(&worker_env).unwrap();
        let spec = spec();
        let handle = backend.submit(&spec).await.unwrap();
        assert_eq!(wait_for(&backend, &handle, BackendStatus::is_terminal).await, BackendStatus::Succeeded);
        let seen = variable_names(&backend.work_dir_of(&spec.job_id, 0).join("environment"));
        let leaked: Vec<&String> = seen
            .iter()
            .filter(|n| !backend.environment.allows(n.as_ref()) && !shell_own.contains(&n.as_str()))
            .collect();
        assert!(leaked.is_empty(), "the worker saw {leaked:?}");
        assert!(seen.contains("PATH") && seen.contains("CUDA_VISIBLE_DEVICES"), "{seen:?}");
        assert_eq!(seen.contains(&extra), !worker_env.is_empty(), "{extra} is passed only when configured");
    }
}

/// A worker that starts a grandchild ignoring SIGTERM, records both, then runs `tail`.
fn worker_with_stubborn_grandchild(tail: &str) -> String {
    format!(
        r#"
sh -c 'trap "" TERM; while :; do sleep 1; done' &
echo $! > "$dir/grandchild"
echo $$ > "$dir/worker"
emit 1 started ',"total_steps":1,"epochs":1'
{tail}
"#
    )
}

/// Checks, while the worker runs, that its grandchild holds no lock of the backend and
/// is in the worker's own process group; returns the grandchild's pid.
async fn check_running_grandchild(backend: &LocalProcessBackend, spec: &WorkerSpec) -> i32 {
    let work_dir = backend.work_dir_of(&spec.job_id, 0);
    let grandchild: i32 = wait_for_file(&work_dir.join("grandchild")).await.parse().unwrap();
    let worker: i32 = wait_for_file(&work_dir.join("worker")).await.parse().unwrap();
    let held: Vec<PathBuf> =
        open_files(grandchild).into_iter().filter(|p| p.extension() == Some("lock".as_ref())).collect();
    assert!(held.is_empty(), "the worker's child holds {held:?}");
    let launch: LaunchRecord =
        serde_json::from_str(&std::fs::read_to_string(work_dir.join(LAUNCH_FILE)).unwrap()).unwrap();
    assert_eq!(process_group(worker), worker, "the worker leads its own group");
    assert_eq!(process_group(grandchild), worker);
    assert_ne!(process_group(launch.supervisor.pid), worker, "the supervisor is outside the worker's group");
    grandchild
}

#[tokio::test]
async fn what_a_worker_leaves_behind_is_ended_when_it_exits() {
    let runs = tempfile::tempdir().unwrap();
    let tail = "while [ ! -e \"$dir/release\" ]; do sleep 0.02; done; emit 2 completed ''";
    let mut backend = backend(runs.path(), &worker_with_stubborn_grandchild(tail), &["0"]);
    backend.config.cancel_grace = Duration::from_secs(1);
    let spec = spec();
    let handle = backend.submit(&spec).await.unwrap();
    let grandchild = check_running_grandchild(&backend, &spec).await;
    std::fs::write(backend.work_dir_of(&spec.job_id, 0).join("release"), "").unwrap();
    assert_eq!(wait_for(&backend, &handle, BackendStatus::is_terminal).await, BackendStatus::Succeeded);
    wait_until_gone(grandchild).await;
    // The slot is free for the next job.
    let next_spec = super::spec();
    let next = backend.submit(&next_spec).await.unwrap();
    let next_grandchild = check_running_grandchild(&backend, &next_spec).await;
    std::fs::write(backend.work_dir_of(&next_spec.job_id, 0).join("release"), "").unwrap();
    assert_eq!(wait_for(&backend, &next, BackendStatus::is_terminal).await, BackendStatus::Succeeded);
    wait_until_gone(next_grandchild).await;
}

#[tokio::test]
async fn a_cancelled_worker_and_what_it_started_are_ended() {
    let runs = tempfile::tempdir().unwrap();
    let tail = "trap '' TERM; while :; do sleep 0.05; done";
    let mut backend = backend(runs.path(), &worker_with_stubborn_grandchild(tail), &["0"]);
    backend.config.cancel_grace = Duration::ZERO;
    let spec = spec();
    let handle = backend.submit(&spec).await.unwrap();
    let grandchild = check_running_grandchild(&backend, &spec).await;
    backend.cancel(&handle).await.unwrap();
    assert_eq!(wait_for(&backend, &handle, BackendStatus::is_terminal).await, BackendStatus::Cancelled);
    wait_until_gone(grandchild).await;
}

#[tokio::test]
async fn run_files_are_private_whatever_the_umask() {
    let runs = tempfile::tempdir().unwrap();
    let script = r#"
mkdir -p "$dir/out/adapter" && printf 'weights' > "$dir/out/adapter/a.safetensors"
echo "a log line" >&2
emit 1 artifact ',"name":"a.safetensors","bytes":7,"sha256":"abc"'
emit 2 completed ',"steps":1'
"#;
    let backend = backend(&runs.path().join("runs"), script, &["all"]);
    let spec = spec();
    let handle = backend.submit(&spec).await.unwrap();
    wait_for(&backend, &handle, BackendStatus::is_terminal).await;
    backend.cancel(&handle).await.unwrap();
    let work_dir = backend.work_dir_of(&spec.job_id, 0);
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    for dir in
        [runs.path().join("runs"), runs.path().join("runs/.slots"), work_dir.clone(), work_dir.join("out/adapter")]
    {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    for file in
        [SPEC_FILE, EVENTS_FILE, "worker.log", LAUNCH_FILE, EXIT_CODE_FILE, CANCEL_FILE, "out/adapter/a.safetensors"]
    {
        assert_eq!(mode(&work_dir.join(file)), 0o600, "{file}");
    }
}

#[test]
fn submitting_one_attempt_at_once_from_many_places_starts_one_worker() {
    let runs = tempfile::tempdir().unwrap();
    let script = "echo started >> \"$dir/starts\"; emit 1 started ',\"total_steps\":1,\"epochs\":1'; \
                  while [ ! -e \"$dir/release\" ]; do sleep 0.02; done; emit 2 completed ''";
    let slots = ["0", "1", "2", "3", "4", "5", "6", "7"];
    let config = backend(runs.path(), script, &slots).config;
    let spec = spec();
    let barrier = Barrier::new(slots.len());
    let handles: Vec<BackendHandle> = std::thread::scope(|scope| {
        let submitters: Vec<_> = (0..slots.len())
            .map(|_| {
                scope.spawn(|| {
                    // Each its own backend, as separate orchestrators would have.
                    let backend = LocalProcessBackend::new(config.clone()).unwrap();
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    barrier.wait();
                    runtime.block_on(backend.submit(&spec)).unwrap()
                })
            })
            .collect();
        submitters.into_iter().map(|s| s.join().unwrap()).collect()
    });
    assert!(handles.windows(2).all(|pair| pair[0] == pair[1]), "every submitter got the same handle");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let backend = LocalProcessBackend::new(config.clone()).unwrap();
        wait_for(&backend, &handles[0], |s| *s == BackendStatus::Running).await;
        // Give a second worker, if one had been started, the time to announce itself.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let work_dir = backend.work_dir_of(&spec.job_id, 0);
        assert_eq!(std::fs::read_to_string(work_dir.join("starts")).unwrap(), "started\n");
        std::fs::write(work_dir.join("release"), "").unwrap();
        assert_eq!(wait_for(&backend, &handles[0], BackendStatus::is_terminal).await, BackendStatus::Succeeded);
    });
}

#[tokio::test]
async fn a_supervisor_whose_launcher_died_before_recording_it_starts_nothing() {
    let runs = tempfile::tempdir().unwrap();
    let backend = backend(runs.path(), "echo ran > \"$dir/ran\"; emit 1 completed ''", &["all"]);
    let work_dir = backend.work_dir_of(&JobId::new(), 0);
    files::create_dir(&work_dir).unwrap();
    files::create_dir(&runs.path().join(SLOTS_DIR)).unwrap();
    drop(RunLock::acquire(&work_dir).unwrap());
    let worker: Vec<String> = backend
        .config
        .worker_command
        .iter()
        .cloned()
        .chain(["--spec".into(), work_dir.join(SPEC_FILE).display().to_string()])
        .collect();
    // The launch record names another supervisor (the one the next launcher started).
    files::write_atomically(&work_dir.join(LAUNCH_FILE), br#"{"nonce":"the-other-one"}"#).unwrap();
    let launched = supervisor::launch(&Plan {
        work_dir: &work_dir,
        slots_dir: &runs.path().join(SLOTS_DIR),
        slots: &["all".to_owned()],
        nonce: "this-one",
        grace: Duration::ZERO,
        worker: &worker,
        environment: &backend.environment,
    })
    .unwrap();
    wait_until_gone(launched.pid).await;
    for file in ["ran", WORKER_PID_FILE, EVENTS_FILE, EXIT_CODE_FILE] {
        assert!(!work_dir.join(file).exists(), "{file} exists: the worker was started");
    }
}

#[tokio::test]
async fn a_run_being_launched_is_queued_and_one_never_launched_is_lost() {
    let runs = tempfile::tempdir().unwrap();
    let backend = backend(runs.path(), "exit 0", &["all"]);
    let spec = spec();
    let key = backend.key(true).unwrap().unwrap().clone();
    let handle = key.issue(BACKEND_NAME, runs.path(), spec.job_id, 0);
    let work_dir = backend.work_dir_of(&spec.job_id, 0);
    files::create_dir(&work_dir).unwrap();
    let lock = RunLock::acquire(&work_dir).unwrap();
    assert_eq!(backend.status(&handle).await.unwrap(), BackendStatus::Queued);
    drop(lock);
    assert!(matches!(backend.status(&handle).await.unwrap(), BackendStatus::Lost { .. }));
    // The next submit launches it.
    assert_eq!(backend.submit(&spec).await.unwrap(), handle);
    assert_eq!(wait_for(&backend, &handle, BackendStatus::is_terminal).await, BackendStatus::Succeeded);
}
