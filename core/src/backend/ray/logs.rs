//! Worker events from Ray's job log, by byte offset.
//!
//! `GET /api/jobs/{id}/logs` answers everything the entrypoint printed so far (stdout and
//! stderr together), every time. The cursor is a byte offset into that text: each call
//! parses the complete lines after it, and the last line without a newline only once the
//! job is over. Events re-read after a restart are known by their `seq`.

use super::super::event_log::{EventBatch, EventCursor};
use super::super::protocol::parse_line;

/// The lines of `logs` after `cursor`. A cursor past the end (Ray lost the log, e.g. a
/// restarted cluster) reads nothing and keeps its place; one inside a multi-byte
/// character (never written by this code) restarts at the next line.
pub fn lines_after(logs: &str, cursor: EventCursor, finished: bool) -> EventBatch {
    let bytes = logs.as_bytes();
    let Ok(start) = usize::try_from(cursor.0) else { return EventBatch { lines: Vec::new(), cursor } };
    if start >= bytes.len() {
        return EventBatch { lines: Vec::new(), cursor };
    }
    let rest = &bytes[start..];
    let complete = match rest.iter().rposition(|b| *b == b'\n') {
        Some(last) => last + 1,
        None if finished => rest.len(),
        None => 0,
    };
    let lines = rest[..complete]
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| parse_line(&String::from_utf8_lossy(line)))
        .collect();
    EventBatch { lines, cursor: EventCursor(cursor.0 + complete as u64) }
}

#[cfg(test)]
mod tests {
    use super::super::super::protocol::WorkerLine;
    use super::*;

    fn event(seq: u64) -> String {
        format!(r#"{{"v":1,"seq":{seq},"ts":"2026-11-26T10:00:00Z","event":"phase","phase":"training"}}"#)
    }

    #[test]
    fn reads_complete_lines_then_resumes_where_it_stopped() {
        let mut logs = format!("{}\nLoading weights…\n{}", event(1), &event(2)[..10]);
        let first = lines_after(&logs, EventCursor::default(), false);
        assert_eq!(first.lines.len(), 2);
        assert!(matches!(first.lines[1], WorkerLine::Log(ref l) if l == "Loading weights…"));
        logs.push_str(&event(2)[10..]);
        assert!(lines_after(&logs, first.cursor, false).lines.is_empty(), "a line being written waits");
        let last = lines_after(&logs, first.cursor, true);
        assert!(matches!(last.lines[..], [WorkerLine::Event(ref e)] if e.seq == 2));
        assert_eq!(last.cursor.0, logs.len() as u64);
        assert!(lines_after(&logs, last.cursor, true).lines.is_empty());
    }

    #[test]
    fn a_cursor_past_a_shorter_log_reads_nothing() {
        let batch = lines_after("short\n", EventCursor(1_000), true);
        assert!(batch.lines.is_empty() && batch.cursor == EventCursor(1_000));
    }
}
