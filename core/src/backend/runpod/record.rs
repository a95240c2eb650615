//! What this machine keeps of a RunPod attempt, in its directory `runs_dir/<job>-<attempt>/`:
//! RunPod's id of the job and, once seen, its final state (`runpod.json`), and every event
//! drained from RunPod (`events.jsonl`).
//!
//! RunPod hands each streamed chunk out once and forgets a job's results 30 minutes after
//! it ends (the SDK's local server as soon as it ran it), so the events are kept here as
//! they are drained: the orchestrator reads them by byte offset ([`read_events`]), and
//! collect finds the `artifact` events here after RunPod has forgotten the job.

use std::io::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::super::BackendStatus;
use super::super::error::BackendError;
use super::super::event_log::{EventCursor, read_events};
use super::super::protocol::{EventKind, WorkerEvent, WorkerLine};
use crate::private_files;

const RECORD_FILE: &str = "runpod.json";
const EVENTS_FILE: &str = "events.jsonl";

/// RunPod's id of an attempt's job, and its final state once seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// RunPod's job id.
    pub job: String,
    /// The final state, recorded when first seen (RunPod forgets it).
    pub last: Option<BackendStatus>,
}

/// An attempt's directory.
#[derive(Debug, Clone)]
pub struct Attempt(pub PathBuf);

impl Attempt {
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The record, if the job was submitted from here.
    pub fn record(&self) -> Result<Option<Record>, BackendError> {
        let path = self.path(RECORD_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| BackendError::InvalidHandle {
                reason: format!("{} is not a RunPod record: {e}", path.display()),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BackendError::io(format!("reading {}", path.display()), e)),
        }
    }

    /// Writes the record whole.
    pub fn save(&self, record: &Record) -> Result<(), BackendError> {
        let path = self.path(RECORD_FILE);
        let bytes = serde_json::to_vec(record).map_err(|e| BackendError::Launch { reason: e.to_string() })?;
        private_files::write_atomically(&path, &bytes)
            .map_err(|e| BackendError::io(format!("writing {}", path.display()), e))
    }

    /// Appends what the handler yielded, one line each (an event object as its JSON; a
    /// string as a log line), in one write.
    pub fn append(&self, outputs: impl IntoIterator<Item = serde_json::Value>) -> Result<(), BackendError> {
        let mut text = String::new();
        for output in outputs {
            let line = match output {
                serde_json::Value::String(line) => line.replace(['\n', '\r'], " "),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            text.push_str(&line);
            text.push('\n');
        }
        if text.is_empty() {
            return Ok(());
        }
        let path = self.path(EVENTS_FILE);
        let context = || format!("appending to {}", path.display());
        private_files::create_file(&path).map_err(|e| BackendError::io(context(), e))?;
        let mut file =
            std::fs::OpenOptions::new().append(true).open(&path).map_err(|e| BackendError::io(context(), e))?;
        file.write_all(text.as_bytes()).map_err(|e| BackendError::io(context(), e))
    }

    /// The events file, for reading by cursor.
    pub fn events_path(&self) -> PathBuf {
        self.path(EVENTS_FILE)
    }

    /// Every event kept, in order (each once, by `seq`).
    pub fn events(&self) -> Result<Vec<WorkerEvent>, BackendError> {
        let path = self.events_path();
        let (mut events, mut cursor) = (Vec::<WorkerEvent>::new(), EventCursor::default());
        loop {
            let batch = read_events(&path, cursor, true)?;
            if batch.cursor == cursor {
                return Ok(events);
            }
            cursor = batch.cursor;
            for line in batch.lines {
                if let WorkerLine::Event(event) = line
                    && events.last().is_none_or(|last| event.seq > last.seq)
                {
                    events.push(event);
                }
            }
        }
    }

    /// The last terminal event (`completed`, `failed`, `cancelled`) kept.
    pub fn terminal(&self) -> Result<Option<EventKind>, BackendError> {
        Ok(self.events()?.into_iter().map(|event| event.kind).rfind(|kind| {
            matches!(kind, EventKind::Completed { .. } | EventKind::Failed { .. } | EventKind::Cancelled { .. })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, body: &str) -> serde_json::Value {
        serde_json::from_str(&format!(r#"{{"v":1,"seq":{seq},"ts":"2026-12-06T10:00:00Z",{body}}}"#)).unwrap()
    }

    #[test]
    fn events_are_kept_once_each_and_the_last_terminal_one_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let attempt = Attempt(dir.path().to_path_buf());
        assert_eq!(attempt.terminal().unwrap(), None);
        attempt.append([event(1, r#""event":"phase","phase":"training""#), serde_json::json!("a log\nline")]).unwrap();
        let failed = event(2, r#""event":"failed","error_type":"internal","message":"boom""#);
        // Drained from /stream, then again in /status's aggregated output.
        attempt.append([failed.clone()]).unwrap();
        attempt.append([event(1, r#""event":"phase","phase":"training""#), failed]).unwrap();
        assert_eq!(attempt.events().unwrap().iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
        assert!(
            matches!(attempt.terminal().unwrap(), Some(EventKind::Failed { ref message, .. }) if message == "boom")
        );
        let text = std::fs::read_to_string(attempt.events_path()).unwrap();
        assert!(text.contains("a log line\n"), "a yielded string is one log line");
    }

    #[test]
    fn the_record_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let attempt = Attempt(dir.path().to_path_buf());
        assert_eq!(attempt.record().unwrap(), None);
        let record = Record { job: "eaebd6e7".into(), last: Some(BackendStatus::Cancelled) };
        attempt.save(&record).unwrap();
        assert_eq!(attempt.record().unwrap(), Some(record));
    }
}
