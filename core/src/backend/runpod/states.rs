//! RunPod's job states in BrightRun's terms. The worker's own terminal event decides over
//! RunPod's word: a job RunPod calls COMPLETED whose worker sent `failed` failed.
//!
//! | RunPod | BrightRun |
//! |---|---|
//! | `IN_QUEUE` | queued |
//! | `IN_PROGRESS`, `RUNNING` | running |
//! | `COMPLETED`, the worker sent `completed` | succeeded (the orchestrator still verifies the files) |
//! | `COMPLETED`, the worker sent `failed` (or the output says `"status": "failed"`) | failed |
//! | `COMPLETED`, the worker sent `cancelled` | cancelled |
//! | `FAILED` | failed, with the worker's exit code when the handler's error names it (2, 3, 4 permanent; others retried) |
//! | `CANCELLED` | cancelled |
//! | `TIMED_OUT` (expired in the queue, or past the execution timeout) | lost: retried |
//! | unknown to RunPod, no final state recorded here | lost: retried |

use super::super::BackendStatus;
use super::super::protocol::EventKind;
use super::client::JobAnswer;

/// Characters of RunPod's error kept in a reason.
const MAX_REASON: usize = 1_000;

/// The status of a job RunPod reports as `answer`, given the last terminal event the worker
/// sent (`completed`, `failed` or `cancelled`), if any was read.
pub fn status_of(answer: &JobAnswer, terminal: Option<&EventKind>) -> BackendStatus {
    match answer.status.as_str() {
        "IN_QUEUE" => BackendStatus::Queued,
        "IN_PROGRESS" | "RUNNING" => BackendStatus::Running,
        "COMPLETED" => match terminal {
            Some(EventKind::Failed { error_type, message }) => BackendStatus::Failed {
                exit_code: None,
                reason: format!("RunPod reported COMPLETED, but the worker failed: {error_type}: {}", short(message)),
            },
            Some(EventKind::Cancelled { .. }) => BackendStatus::Cancelled,
            _ => match failed_output(answer) {
                Some(reason) => BackendStatus::Failed {
                    exit_code: None,
                    reason: format!("RunPod reported COMPLETED with a failed output: {}", short(&reason)),
                },
                None => BackendStatus::Succeeded,
            },
        },
        "FAILED" => {
            let reason = error_message(answer);
            BackendStatus::Failed { exit_code: exit_code(&reason), reason: format!("RunPod: {}", short(&reason)) }
        }
        "CANCELLED" => BackendStatus::Cancelled,
        "TIMED_OUT" => BackendStatus::Lost {
            reason: "RunPod timed the job out: it waited in the queue past its TTL, or ran past the \
                     endpoint's execution timeout"
                .into(),
        },
        other => BackendStatus::Lost { reason: format!("RunPod reports the unknown job state {other:?}") },
    }
}

/// The status of a job RunPod no longer knows, whose end was not recorded here.
pub fn missing(id: &str) -> BackendStatus {
    BackendStatus::Lost {
        reason: format!(
            "RunPod has no job {id}: its results expired (30 minutes after it ended) before its end was \
             recorded, or the endpoint was changed"
        ),
    }
}

/// What a failed job's `error` says: a raising handler's is a JSON string with
/// `error_message`; anything else is taken as text.
fn error_message(answer: &JobAnswer) -> String {
    let Some(error) = &answer.error else { return "the job failed without an error message".into() };
    let text = match error {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|value| value.get("error_message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or(text)
}

/// A handler that returned `{"status": "failed", ...}` instead of raising (the original
/// app's handler did): its message.
fn failed_output(answer: &JobAnswer) -> Option<String> {
    let output = answer.output.as_ref()?;
    (output.get("status")?.as_str()? == "failed").then(|| {
        output
            .get("error_message")
            .or_else(|| output.get("error"))
            .and_then(|m| m.as_str())
            .unwrap_or("no message")
            .to_owned()
    })
}

/// The worker's exit code, as the handler's failure message ends: `(exit code N)`.
fn exit_code(message: &str) -> Option<i32> {
    let at = message.rfind("(exit code ")?;
    message[at + "(exit code ".len()..].split(')').next()?.trim().parse().ok()
}

fn short(message: &str) -> &str {
    let message = message.trim();
    match message.char_indices().nth(MAX_REASON) {
        Some((at, _)) => &message[..at],
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: &str, output: Option<serde_json::Value>, error: Option<&str>) -> JobAnswer {
        JobAnswer {
            status: status.into(),
            id: Some("eaebd6e7".into()),
            output,
            error: error.map(|e| serde_json::Value::String(e.into())),
            stream: Vec::new(),
        }
    }

    #[test]
    fn every_runpod_state_maps_to_the_retry_rules() {
        assert_eq!(status_of(&answer("IN_QUEUE", None, None), None), BackendStatus::Queued);
        assert_eq!(status_of(&answer("IN_PROGRESS", None, None), None), BackendStatus::Running);
        assert_eq!(status_of(&answer("RUNNING", None, None), None), BackendStatus::Running);
        let completed = EventKind::Completed { steps: Some(3), tokens: None, duration_seconds: None };
        assert_eq!(status_of(&answer("COMPLETED", None, None), Some(&completed)), BackendStatus::Succeeded);
        assert_eq!(status_of(&answer("CANCELLED", None, None), None), BackendStatus::Cancelled);
        assert!(matches!(status_of(&answer("TIMED_OUT", None, None), None), BackendStatus::Lost { .. }));
        assert!(matches!(status_of(&answer("TELEPORTED", None, None), None), BackendStatus::Lost { .. }));
        assert!(matches!(missing("abc"), BackendStatus::Lost { ref reason } if reason.contains("expired")));
    }

    #[test]
    fn a_raising_handler_s_error_gives_the_worker_s_exit_code() {
        let error = r#"{"error_type": "<class 'brightrun_trainer.runpod_handler.WorkerFailed'>", "error_message": "dataset_error: line 3 (exit code 3)", "error_traceback": "..."}"#;
        let status = status_of(&answer("FAILED", None, Some(error)), None);
        assert_eq!(
            status,
            BackendStatus::Failed { exit_code: Some(3), reason: "RunPod: dataset_error: line 3 (exit code 3)".into() }
        );
        let killed = status_of(&answer("FAILED", None, Some("killed before it completed (exit code -9)")), None);
        assert!(matches!(killed, BackendStatus::Failed { exit_code: Some(-9), .. }));
        let plain = status_of(&answer("FAILED", None, Some("out of capacity")), None);
        assert!(matches!(plain, BackendStatus::Failed { exit_code: None, ref reason } if reason.contains("capacity")));
    }

    #[test]
    fn the_worker_s_terminal_event_decides_over_completed() {
        let failed = EventKind::Failed { error_type: "out_of_memory".into(), message: "CUDA OOM".into() };
        let status = status_of(&answer("COMPLETED", None, None), Some(&failed));
        assert!(matches!(status, BackendStatus::Failed { ref reason, .. } if reason.contains("out_of_memory")));
        let cancelled = EventKind::Cancelled { step: Some(2), partial_adapter: true };
        assert_eq!(status_of(&answer("COMPLETED", None, None), Some(&cancelled)), BackendStatus::Cancelled);
        // The original app's data: a handler that returned its failure.
        let output = serde_json::json!({"status": "failed", "error_message": "No module named 'peft'"});
        let status = status_of(&answer("COMPLETED", Some(output), None), None);
        assert!(matches!(status, BackendStatus::Failed { ref reason, .. } if reason.contains("peft")));
    }
}
