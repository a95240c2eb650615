//! The supervisor: a tiny detached shell that owns one worker process.
//!
//! It waits for a free GPU slot (an `flock` on `slots/<slot>.lock`, held until the worker
//! exits and released by the kernel even if everything is killed), starts the worker with
//! its stdout in `events.jsonl` and stderr in `worker.log`, and writes the exit code to
//! `exit_code` (atomically). Detached from the orchestrator (a new process group, parent
//! gone), it survives an orchestrator restart, and init reaps it, so no zombie is left.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use super::super::error::BackendError;

/// The supervisor script; arguments: work dir, slots dir, slot names (space separated),
/// then the worker command. It prints the supervisor's pid and returns at once.
const SUPERVISOR_SCRIPT: &str = r#"
work_dir=$1; slots_dir=$2; slots=$3; shift 3
cd "$work_dir" || exit 1
(
  while :; do
    for slot in $slots; do
      exec 9>"$slots_dir/$slot.lock"
      if flock -n 9; then break 2; fi
      exec 9>&-
    done
    sleep 1
  done
  if [ "$slot" != all ]; then CUDA_VISIBLE_DEVICES=$slot; export CUDA_VISIBLE_DEVICES; fi
  echo "$slot" > slot
  "$@" > events.jsonl 2> worker.log &
  child=$!
  echo "$child" > worker.pid.tmp && mv worker.pid.tmp worker.pid
  wait "$child"
  code=$?
  echo "$code" > exit_code.tmp && mv exit_code.tmp exit_code
) < /dev/null > /dev/null 2>&1 &
echo $!
"#;

/// A started supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launched {
    /// The supervisor's pid.
    pub pid: i32,
    /// The process group of the supervisor and the worker.
    pub group: i32,
}

/// Starts a supervisor for `worker` in `work_dir`, in a new process group.
pub fn launch(
    work_dir: &Path,
    slots_dir: &Path,
    slots: &[String],
    worker: &[String],
) -> Result<Launched, BackendError> {
    let launch_error = |reason: String| BackendError::Launch { reason };
    let child = Command::new("sh")
        .arg("-c")
        .arg(SUPERVISOR_SCRIPT)
        .arg("brightrun-supervisor")
        .arg(work_dir)
        .arg(slots_dir)
        .arg(slots.join(" "))
        .args(worker)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| launch_error(format!("cannot run sh: {e}")))?;
    // The group leader is the short-lived outer shell; its pid is the group's id.
    let group = i32::try_from(child.id()).map_err(|_| launch_error("pid out of range".into()))?;
    let output = child.wait_with_output().map_err(|e| launch_error(format!("waiting for sh: {e}")))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let pid = text.trim().parse::<i32>().map_err(|_| {
        launch_error(format!(
            "the supervisor did not start (status {}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    })?;
    Ok(Launched { pid, group })
}
