//! The supervisor: a tiny detached shell that owns one worker process.
//!
//! It first waits for the launcher that started it to finish (the launcher holds the run's
//! `run.lock` while it launches) and goes on only if the launch record names it (its
//! nonce): a launcher that died before recording the launch started nothing, and the next
//! one starts the run afresh. Then it waits for a free GPU slot (an `flock` on
//! `.slots/<slot>.lock`, held until the worker and everything it started are gone, and
//! released by the kernel even if everything is killed) and starts the worker:
//!
//! - with only the allowed environment (the launcher clears the rest, see
//!   [`super::environment`]) and umask 077, so its files are private;
//! - without the slot lock's descriptor, so a process the worker leaves behind cannot
//!   hold the GPU slot;
//! - in its own session and process group (`setsid`), so the group can be ended whole:
//!   when the worker exits, whatever is left of its group (dataloader workers, a stray
//!   child) gets SIGTERM, then SIGKILL after the grace period, before the exit code is
//!   written and the slot released.
//!
//! stdout goes to `events.jsonl`, stderr to `worker.log`, and the exit code to `exit_code`
//! (atomically). Detached from the orchestrator (its own process group, parent gone), the
//! supervisor survives an orchestrator restart, and init reaps it, so no zombie is left.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::super::error::BackendError;
use super::environment::WorkerEnvironment;

/// The supervisor script; arguments: work dir, slots dir, slot names (space separated),
/// launch nonce, grace seconds, then the worker command. It prints the supervisor's pid
/// and returns at once.
const SUPERVISOR_SCRIPT: &str = r#"
umask 077
work_dir=$1; slots_dir=$2; slots=$3; nonce=$4; grace=$5; shift 5
cd "$work_dir" || exit 1
(
  exec 8<run.lock
  flock 8
  grep -q "$nonce" launch.json 2>/dev/null || exit 0
  exec 8<&-
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
  setsid "$@" 9>&- > events.jsonl 2> worker.log &
  child=$!
  echo "$child" > worker.pid.tmp && mv worker.pid.tmp worker.pid
  wait "$child"
  code=$?
  if kill -s TERM -- "-$child" 2>/dev/null; then
    waited=0
    while [ "$waited" -lt "$grace" ] && kill -s 0 -- "-$child" 2>/dev/null; do
      sleep 1
      waited=$((waited + 1))
    done
    kill -s KILL -- "-$child" 2>/dev/null
  fi
  echo "$code" > exit_code.tmp && mv exit_code.tmp exit_code
) < /dev/null > /dev/null 2>&1 &
echo $!
"#;

/// What the supervisor runs and how.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// The run's directory (holding `run.lock`, locked by the caller).
    pub work_dir: &'a Path,
    /// Where the GPU slot locks are.
    pub slots_dir: &'a Path,
    /// The GPU slots, as `CUDA_VISIBLE_DEVICES` values or `all`.
    pub slots: &'a [String],
    /// The nonce the launch record must hold for the worker to start.
    pub nonce: &'a str,
    /// Time the worker's leftover processes have between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// The worker command line.
    pub worker: &'a [String],
    /// The environment the worker gets.
    pub environment: &'a WorkerEnvironment,
}

/// A started supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launched {
    /// The supervisor's pid.
    pub pid: i32,
    /// The process group of the supervisor (the worker has its own).
    pub group: i32,
}

/// Starts a supervisor for the plan, in a new process group.
pub fn launch(plan: &Plan<'_>) -> Result<Launched, BackendError> {
    let launch_error = |reason: String| BackendError::Launch { reason };
    let mut command = Command::new("sh");
    plan.environment.apply(&mut command);
    let child = command
        .arg("-c")
        .arg(SUPERVISOR_SCRIPT)
        .arg("brightrun-supervisor")
        .arg(plan.work_dir)
        .arg(plan.slots_dir)
        .arg(plan.slots.join(" "))
        .arg(plan.nonce)
        .arg(plan.grace.as_secs().to_string())
        .args(plan.worker)
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
