//! Ray's job states in BrightRun's terms, and the times Ray recorded.
//!
//! | Ray | BrightRun |
//! |---|---|
//! | `PENDING` | queued (waiting for resources or the runtime environment) |
//! | `RUNNING` | running |
//! | `SUCCEEDED` | succeeded (the orchestrator still wants `completed` and verified files) |
//! | `STOPPED` | cancelled |
//! | `FAILED`, the entrypoint exited 143 | cancelled (the worker's own answer to SIGTERM) |
//! | `FAILED`, the entrypoint exited with a code | failed with that code (2, 3, 4 permanent; others retried) |
//! | `FAILED`, no exit code (supervisor or node died, start failed) | lost: retried |
//! | no such job | lost: retried |

use super::super::protocol::exit_code_meaning;
use super::super::{BackendStatus, WorkerTimes};
use super::client::JobInfo;
use crate::model::Timestamp;

/// Characters of Ray's message kept in a failure reason.
const MAX_REASON: usize = 1_000;

/// The status of a job Ray reports as `info`.
pub fn status_of(info: &JobInfo) -> BackendStatus {
    match info.status.as_str() {
        "PENDING" => BackendStatus::Queued,
        "RUNNING" => BackendStatus::Running,
        "SUCCEEDED" => BackendStatus::Succeeded,
        "STOPPED" => BackendStatus::Cancelled,
        "FAILED" => match info.driver_exit_code {
            Some(143) => BackendStatus::Cancelled,
            Some(code) => BackendStatus::Failed { exit_code: Some(code), reason: failure_reason(code, info) },
            None => BackendStatus::Lost {
                reason: format!(
                    "Ray failed the job before its worker exited ({}): {}",
                    info.error_type.as_deref().unwrap_or("no error type"),
                    short(info.message.as_deref().unwrap_or(""))
                ),
            },
        },
        other => BackendStatus::Lost { reason: format!("Ray reports the unknown job state {other:?}") },
    }
}

/// The status of a job Ray does not know (deleted, or the cluster was restarted).
pub fn missing(submission_id: &str) -> BackendStatus {
    BackendStatus::Lost {
        reason: format!("Ray has no job {submission_id}: the cluster was restarted or the job deleted"),
    }
}

/// What an exit code means in the worker protocol, with the end of Ray's message.
fn failure_reason(code: i32, info: &JobInfo) -> String {
    let meaning = exit_code_meaning(code);
    match info.message.as_deref().map(short) {
        Some(message) if !message.is_empty() => format!("{meaning} (Ray: {message})"),
        _ => meaning,
    }
}

/// The last [`MAX_REASON`] characters of a message (Ray puts the newest log lines last).
fn short(message: &str) -> &str {
    let message = message.trim();
    match message.char_indices().rev().nth(MAX_REASON) {
        Some((at, _)) => &message[at..],
        None => message,
    }
}

/// When Ray started and ended the job. Ray's `start_time` is when it accepted the job (its
/// queue wait included), so only the end is taken; the start is when the orchestrator first
/// saw it running.
pub fn times_of(info: &JobInfo) -> WorkerTimes {
    let ended_at = info.end_time.and_then(chrono::DateTime::from_timestamp_millis).map(Timestamp::from);
    WorkerTimes { started_at: None, ended_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(status: &str, exit: Option<i32>, error_type: Option<&str>) -> JobInfo {
        JobInfo {
            status: status.into(),
            message: Some("Job entrypoint command failed with exit code 3, last available logs: ...".into()),
            error_type: error_type.map(String::from),
            start_time: Some(1_795_724_734_908),
            end_time: Some(1_795_724_744_908),
            driver_exit_code: exit,
        }
    }

    #[test]
    fn every_ray_state_maps_to_the_retry_rules() {
        assert_eq!(status_of(&info("PENDING", None, None)), BackendStatus::Queued);
        assert_eq!(status_of(&info("RUNNING", None, None)), BackendStatus::Running);
        assert_eq!(status_of(&info("SUCCEEDED", Some(0), None)), BackendStatus::Succeeded);
        assert_eq!(status_of(&info("STOPPED", None, None)), BackendStatus::Cancelled);
        assert_eq!(status_of(&info("FAILED", Some(143), None)), BackendStatus::Cancelled);
        let dataset = status_of(&info("FAILED", Some(3), Some("JOB_ENTRYPOINT_COMMAND_ERROR")));
        assert!(
            matches!(dataset, BackendStatus::Failed { exit_code: Some(3), ref reason } if reason.contains("dataset"))
        );
        let killed = status_of(&info("FAILED", Some(-9), Some("JOB_ENTRYPOINT_COMMAND_ERROR")));
        assert!(
            matches!(killed, BackendStatus::Failed { exit_code: Some(-9), ref reason } if reason.contains("signal 9"))
        );
        let died = status_of(&info("FAILED", None, Some("JOB_SUPERVISOR_ACTOR_DIED")));
        assert!(matches!(died, BackendStatus::Lost { ref reason } if reason.contains("JOB_SUPERVISOR_ACTOR_DIED")));
        assert!(matches!(status_of(&info("TELEPORTED", None, None)), BackendStatus::Lost { .. }));
        assert!(
            matches!(missing("brightrun-x-0"), BackendStatus::Lost { ref reason } if reason.contains("brightrun-x-0"))
        );
    }

    #[test]
    fn the_end_time_is_rays_in_milliseconds() {
        let times = times_of(&info("SUCCEEDED", Some(0), None));
        assert_eq!(times.started_at, None);
        assert_eq!(times.ended_at.map(|t| t.as_datetime().timestamp_millis()), Some(1_795_724_744_908));
    }
}
