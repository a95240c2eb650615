//! Slurm's job states in BrightRun's terms, and the times Slurm recorded.
//!
//! | Slurm | BrightRun |
//! |---|---|
//! | `PENDING`, `CONFIGURING`, `REQUEUED`, `REQUEUE_HOLD`, `REQUEUE_FED`, `RESV_DEL_HOLD` | queued |
//! | `RUNNING`, `COMPLETING`, `SIGNALING`, `STAGE_OUT`, `SUSPENDED`, `STOPPED`, `RESIZING` | running |
//! | `COMPLETED` | succeeded (the orchestrator still wants `completed` and verified files) |
//! | `CANCELLED`; `FAILED` with exit code 143 (the worker's answer to SIGTERM) | cancelled |
//! | `FAILED` with an exit code | failed with that code (2, 3, 4 permanent; others retried) |
//! | `FAILED`, killed by a signal | failed, `128 + signal` (retried) |
//! | `OUT_OF_MEMORY` | failed, code 4: over the job's memory request (not retried) |
//! | `TIMEOUT`, `DEADLINE` | failed: the time limit was reached (retried) |
//! | `NODE_FAIL`, `PREEMPTED`, `BOOT_FAIL`, `REVOKED`, `FAILED` without an exit status | lost: retried |
//! | unknown to slurmctld, no final state recorded | lost: retried |

use super::super::protocol::exit_code_meaning;
use super::super::{BackendStatus, WorkerTimes};
use super::client::{ExitStatus, JobInfo};
use crate::model::Timestamp;

/// The status of a job Slurm reports as `info`.
pub fn status_of(info: &JobInfo) -> BackendStatus {
    // A base state, possibly followed by flags (`RUNNING+...`) in some versions.
    let state = info.state.split(['+', ',', ' ']).next().unwrap_or_default();
    let id = info.job_id;
    match state {
        "PENDING" | "CONFIGURING" | "REQUEUED" | "REQUEUE_HOLD" | "REQUEUE_FED" | "RESV_DEL_HOLD" => {
            BackendStatus::Queued
        }
        "RUNNING" | "COMPLETING" | "SIGNALING" | "STAGE_OUT" | "SUSPENDED" | "STOPPED" | "RESIZING" => {
            BackendStatus::Running
        }
        "COMPLETED" => BackendStatus::Succeeded,
        "CANCELLED" => BackendStatus::Cancelled,
        "FAILED" => match info.exit {
            Some(ExitStatus::Code(143)) => BackendStatus::Cancelled,
            Some(ExitStatus::Code(code)) => BackendStatus::Failed {
                exit_code: Some(code),
                reason: format!("{} (Slurm job {id})", exit_code_meaning(code)),
            },
            Some(ExitStatus::Signal(signal)) => BackendStatus::Failed {
                exit_code: Some(128 + signal),
                reason: format!("{} (Slurm job {id})", exit_code_meaning(128 + signal)),
            },
            None => BackendStatus::Lost { reason: format!("Slurm failed job {id} ({})", info.state_reason) },
        },
        "OUT_OF_MEMORY" => BackendStatus::Failed {
            exit_code: Some(4),
            reason: format!("Slurm killed job {id}: it used more memory than it asked for (raise `memory_mb`)"),
        },
        "TIMEOUT" | "DEADLINE" => BackendStatus::Failed {
            exit_code: None,
            reason: format!("Slurm stopped job {id} at its time limit (raise `time_limit`)"),
        },
        "NODE_FAIL" | "PREEMPTED" | "BOOT_FAIL" | "REVOKED" => {
            BackendStatus::Lost { reason: format!("Slurm job {id} ended {state} ({})", info.state_reason) }
        }
        other => BackendStatus::Lost { reason: format!("Slurm reports job {id} in the unknown state {other:?}") },
    }
}

/// The status of a job slurmctld no longer knows, whose end was not recorded here.
pub fn forgotten(job_id: u64) -> BackendStatus {
    BackendStatus::Lost {
        reason: format!(
            "Slurm no longer knows job {job_id} (it forgets finished jobs after MinJobAge) and its end was not \
             recorded: the orchestrator was away too long, or slurmctld lost its state"
        ),
    }
}

/// When the job's batch script started and ended, as Slurm recorded them: the start once it
/// runs, the end once it is over (while it runs, Slurm's `end_time` is a projection).
pub fn times_of(info: &JobInfo) -> WorkerTimes {
    let status = status_of(info);
    let at = |seconds: Option<i64>| seconds.and_then(|s| chrono::DateTime::from_timestamp(s, 0)).map(Timestamp::from);
    WorkerTimes {
        started_at: if status == BackendStatus::Queued { None } else { at(info.start_time) },
        ended_at: if status.is_terminal() { at(info.end_time) } else { None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(state: &str, exit: Option<ExitStatus>) -> JobInfo {
        JobInfo {
            job_id: 7,
            name: "brightrun-j-0".into(),
            state: state.into(),
            state_reason: "None".into(),
            exit,
            start_time: Some(1_796_563_281),
            end_time: Some(1_796_563_290),
        }
    }

    #[test]
    fn every_slurm_state_maps_to_the_retry_rules() {
        assert_eq!(status_of(&info("PENDING", None)), BackendStatus::Queued);
        assert_eq!(status_of(&info("RUNNING", Some(ExitStatus::Code(0)))), BackendStatus::Running);
        assert_eq!(status_of(&info("COMPLETING", None)), BackendStatus::Running);
        assert_eq!(status_of(&info("COMPLETED", Some(ExitStatus::Code(0)))), BackendStatus::Succeeded);
        assert_eq!(status_of(&info("CANCELLED", Some(ExitStatus::Signal(15)))), BackendStatus::Cancelled);
        assert_eq!(status_of(&info("FAILED", Some(ExitStatus::Code(143)))), BackendStatus::Cancelled);
        let dataset = status_of(&info("FAILED", Some(ExitStatus::Code(3))));
        assert!(
            matches!(dataset, BackendStatus::Failed { exit_code: Some(3), ref reason } if reason.contains("dataset"))
        );
        let killed = status_of(&info("FAILED", Some(ExitStatus::Signal(9))));
        assert!(
            matches!(killed, BackendStatus::Failed { exit_code: Some(137), ref reason } if reason.contains("signal 9"))
        );
        let oom = status_of(&info("OUT_OF_MEMORY", Some(ExitStatus::Signal(9))));
        assert!(matches!(oom, BackendStatus::Failed { exit_code: Some(4), .. }));
        let timeout = status_of(&info("TIMEOUT", Some(ExitStatus::Signal(15))));
        assert!(
            matches!(timeout, BackendStatus::Failed { exit_code: None, ref reason } if reason.contains("time limit"))
        );
        for lost in ["NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "TELEPORTED"] {
            assert!(matches!(status_of(&info(lost, None)), BackendStatus::Lost { .. }), "{lost}");
        }
        assert!(matches!(status_of(&info("FAILED", None)), BackendStatus::Lost { .. }));
        assert_eq!(status_of(&info("RUNNING+CONFIGURING", None)), BackendStatus::Running);
        assert!(matches!(forgotten(7), BackendStatus::Lost { ref reason } if reason.contains("MinJobAge")));
    }

    #[test]
    fn times_are_slurms_once_they_are_real() {
        let ended = times_of(&info("COMPLETED", Some(ExitStatus::Code(0))));
        assert_eq!(ended.started_at.map(|t| t.as_datetime().timestamp()), Some(1_796_563_281));
        assert_eq!(ended.ended_at.map(|t| t.as_datetime().timestamp()), Some(1_796_563_290));
        let running = times_of(&info("RUNNING", None));
        assert!(running.started_at.is_some() && running.ended_at.is_none(), "the end is only projected");
        assert_eq!(times_of(&info("PENDING", None)), WorkerTimes::default());
    }
}
