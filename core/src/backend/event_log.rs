//! Reading worker events from a growing file, by byte cursor.
//!
//! A backend that captures the worker's stdout in a file (the local process, Slurm) reads
//! it from where it stopped last time. Only complete lines are consumed, so a line being
//! written is read whole on the next call; memory is bounded by the batch size.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::BackendError;
use super::protocol::{WorkerLine, parse_line};

/// Bytes read per call at most; a longer line is skipped and logged as such.
pub const MAX_BATCH_BYTES: usize = 1 << 20;

/// Where the next read starts: a byte offset into the worker's output, stored with the job
/// so a restarted orchestrator continues where the last one stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct EventCursor(pub u64);

/// Lines read in one call, and the cursor after them.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventBatch {
    /// Events and log lines, in order.
    pub lines: Vec<WorkerLine>,
    /// Where the next call starts.
    pub cursor: EventCursor,
}

/// Reads the complete lines after `cursor`. With `finished`, a last line without a newline
/// is read too (the writer is gone and will not complete it). A missing file is empty.
pub fn read_events(path: &Path, cursor: EventCursor, finished: bool) -> Result<EventBatch, BackendError> {
    let context = || format!("reading {}", path.display());
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(EventBatch { lines: Vec::new(), cursor }),
        Err(e) => return Err(BackendError::io(context(), e)),
    };
    file.seek(SeekFrom::Start(cursor.0)).map_err(|e| BackendError::io(context(), e))?;
    let mut buffer = Vec::with_capacity(64 * 1024);
    file.by_ref().take(MAX_BATCH_BYTES as u64).read_to_end(&mut buffer).map_err(|e| BackendError::io(context(), e))?;
    let complete = match buffer.iter().rposition(|b| *b == b'\n') {
        Some(last) => last + 1,
        None if buffer.len() == MAX_BATCH_BYTES => {
            return skip_long_line(&mut file, cursor, buffer.len()).map_err(|e| BackendError::io(context(), e));
        }
        None if finished => buffer.len(),
        None => 0,
    };
    let lines = buffer[..complete]
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| parse_line(&String::from_utf8_lossy(line)))
        .collect();
    Ok(EventBatch { lines, cursor: EventCursor(cursor.0 + complete as u64) })
}

/// Every line of the file, read batch by batch as if the writer were gone.
pub fn read_all_events(path: &Path) -> Result<Vec<WorkerLine>, BackendError> {
    let mut lines = Vec::new();
    let mut cursor = EventCursor::default();
    loop {
        let batch = read_events(path, cursor, true)?;
        if batch.cursor == cursor {
            return Ok(lines);
        }
        cursor = batch.cursor;
        lines.extend(batch.lines);
    }
}

/// Moves past a line longer than a batch, reporting it as a log line.
fn skip_long_line(file: &mut File, cursor: EventCursor, read: usize) -> std::io::Result<EventBatch> {
    let mut skipped = read as u64;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            // The line is still being written: try again later from the same place.
            return Ok(EventBatch { lines: Vec::new(), cursor });
        }
        if let Some(end) = chunk[..n].iter().position(|b| *b == b'\n') {
            skipped += end as u64 + 1;
            let note = format!("[worker output line of {skipped} bytes skipped: longer than {MAX_BATCH_BYTES}]");
            return Ok(EventBatch { lines: vec![WorkerLine::Log(note)], cursor: EventCursor(cursor.0 + skipped) });
        }
        skipped += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn event(seq: u64) -> String {
        format!(r#"{{"v":1,"seq":{seq},"ts":"2026-11-26T10:00:00Z","event":"phase","phase":"training"}}"#)
    }

    #[test]
    fn reads_complete_lines_and_resumes_at_the_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut file = File::create(&path).unwrap();
        write!(file, "{}\nlog line\n{}", event(1), &event(2)[..20]).unwrap();
        let first = read_events(&path, EventCursor::default(), false).unwrap();
        assert_eq!(first.lines.len(), 2);
        assert!(matches!(first.lines[1], WorkerLine::Log(ref l) if l == "log line"));
        writeln!(file, "{}", &event(2)[20..]).unwrap();
        let second = read_events(&path, first.cursor, false).unwrap();
        assert!(matches!(second.lines[..], [WorkerLine::Event(ref e)] if e.seq == 2));
        let again = read_events(&path, second.cursor, true).unwrap();
        assert!(again.lines.is_empty() && again.cursor == second.cursor);
    }

    #[test]
    fn a_final_line_without_newline_is_read_once_the_writer_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, event(1)).unwrap();
        assert!(read_events(&path, EventCursor::default(), false).unwrap().lines.is_empty());
        assert_eq!(read_events(&path, EventCursor::default(), true).unwrap().lines.len(), 1);
    }

    #[test]
    fn a_huge_line_is_skipped_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let huge = "x".repeat(MAX_BATCH_BYTES * 2 + 10);
        std::fs::write(&path, format!("{huge}\n{}\n", event(1))).unwrap();
        let first = read_events(&path, EventCursor::default(), false).unwrap();
        assert!(matches!(first.lines[..], [WorkerLine::Log(ref l)] if l.contains("skipped")));
        let second = read_events(&path, first.cursor, false).unwrap();
        assert!(matches!(second.lines[..], [WorkerLine::Event(_)]));
    }

    #[test]
    fn a_missing_file_has_no_events_yet() {
        let batch = read_events(Path::new("/nonexistent/events.jsonl"), EventCursor(5), false).unwrap();
        assert_eq!(batch, EventBatch { lines: Vec::new(), cursor: EventCursor(5) });
    }
}
