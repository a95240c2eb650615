//! Checking the records of one block of lines (or of a batch of a JSON document's records),
//! on a worker thread, into a [`ChunkOutput`] that the merger adds up in file order.

use super::codes::RuleCode;
use super::cross_record::MetaKind;
use super::findings::{FieldPath, Findings, Location};
use super::format::detect::{Line, RecordJson};
use super::format::json::{RawRecord, Slot, WithKeys};
use super::format::{Analysis, RecordCtx, View, analyse};
use super::reader::{Piece, lines};
use super::table::{RowError, RowJson, Rows};
use crate::model::DatasetFormat;

/// What a consumer (validation, conversion) keeps of each record.
pub(crate) trait RecordSink {
    /// A record became a conversation; `clean` is false when it had an error finding.
    fn conversation(&mut self, view: View<'_>, at: Location<'_>, findings: &mut Findings, clean: bool);

    /// A `_meta` record (or a document's `training_file_metadata`) with its `total_pairs`.
    fn meta(&mut self, line: Option<u64>, total_pairs: Option<u64>, kind: MetaKind);
}

/// The result of a chunk: line numbers in it are relative to its first line.
#[derive(Debug)]
pub(crate) struct ChunkOutput<S> {
    /// Lines of the chunk (0 for a batch of a JSON document, whose lines are absolute).
    pub lines: u64,
    /// Bytes of the chunk (0 for a batch of a JSON document).
    pub bytes: u64,
    /// Records of the chunk (non-blank lines), `_meta` aside.
    pub records: u64,
    /// Findings, counted and capped.
    pub findings: Findings,
    /// What the consumer kept.
    pub sink: S,
}

impl<S: RecordSink> ChunkOutput<S> {
    /// An empty output.
    pub fn new(sink: S, finding_cap: usize) -> Self {
        ChunkOutput { lines: 0, bytes: 0, records: 0, findings: Findings::new(finding_cap), sink }
    }

    /// Checks one parsed record of the file's `format` found at `at`; `text` is the record's
    /// JSON, when at hand, to name its keys if it has no known format.
    pub fn record(
        &mut self,
        record: Slot<RawRecord<'_>>,
        format: Option<DatasetFormat>,
        at: Location<'_>,
        text: Option<&dyn RecordJson>,
    ) {
        let errors_before = self.findings.errors();
        let mut ctx = RecordCtx { findings: &mut self.findings, at };
        let record = match record {
            Slot::Value(record) => record,
            Slot::Missing | Slot::Null | Slot::Wrong(_) => {
                self.records += 1;
                ctx.report(RuleCode::NotAnObject, FieldPath::Record, || "the record is not a JSON object".to_owned());
                return;
            }
        };
        match analyse(record, format, &mut ctx, text) {
            Analysis::Conversation(view) => {
                self.records += 1;
                let clean = self.findings.errors() == errors_before;
                self.sink.conversation(view, at, &mut self.findings, clean);
            }
            Analysis::Meta(total_pairs) => self.sink.meta(at.line, total_pairs, MetaKind::Line),
            Analysis::Rejected => self.records += 1,
        }
    }

    /// Reports a JSON syntax error (or a duplicate key) at `at`, with `note` after it.
    pub fn parse_error(&mut self, error: &serde_json::Error, at: Location<'_>, note: &str) {
        // The parsed types accept any value, so serde's only data error is a repeated key.
        let (code, what) = if error.is_data() {
            (RuleCode::DuplicateKey, "the record repeats a key")
        } else {
            (RuleCode::InvalidJson, "invalid JSON")
        };
        self.findings.add(code, at, FieldPath::Record, || {
            format!("{what}: {} (column {}){note}", error_text(error), error.column())
        });
    }
}

/// serde_json's message without its ` at line L column C` suffix.
pub(crate) fn error_text(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).map_or_else(|| text.clone(), str::to_owned)
}

/// What every chunk of a JSONL file is checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineRules {
    /// The file's format; `None` when it could not be recognised.
    pub format: Option<DatasetFormat>,
    /// The longest line accepted, in bytes.
    pub max_line_bytes: usize,
    /// Findings kept per code.
    pub finding_cap: usize,
}

/// Checks every line of a piece of a JSONL file (or of a table's rows written as JSONL).
pub(crate) fn process_piece<S: RecordSink>(piece: &Piece, rules: &LineRules, sink: S) -> ChunkOutput<S> {
    let mut out = ChunkOutput::new(sink, rules.finding_cap);
    match *piece {
        Piece::Rejected { lines, code, ref message } => {
            out.lines = lines;
            out.records = 1;
            out.findings.add(code, Location::line(1), FieldPath::Record, || message.clone());
        }
        Piece::TooLong { offset, bytes } => {
            out.lines = 1;
            out.bytes = bytes;
            out.records = 1;
            too_long(&mut out.findings, 1, offset, bytes, rules.max_line_bytes);
        }
        Piece::Lines { ref data, offset } => {
            out.bytes = data.len() as u64;
            for (start, line) in lines(data) {
                out.lines += 1;
                let number = out.lines;
                check_line(&mut out, line, number, offset + start as u64, rules);
            }
        }
        Piece::Rows(ref batch) => {
            let rows = Rows::new(batch);
            let may_be_long = rows.json_bytes_bound(0..batch.num_rows()) > rules.max_line_bytes;
            for row in 0..batch.num_rows() {
                out.lines += 1;
                let number = out.lines;
                check_row(&mut out, &rows, row, number, may_be_long, rules);
            }
        }
    }
    out
}

/// Checks one row of a table: its length as a JSON line (when a row of its piece `may_be_long`),
/// then the record it is.
fn check_row<S: RecordSink>(
    out: &mut ChunkOutput<S>,
    rows: &Rows<'_>,
    row: usize,
    number: u64,
    may_be_long: bool,
    rules: &LineRules,
) {
    let at = Location::line(number);
    if may_be_long
        && rows.json_bytes_bound(row..row + 1) > rules.max_line_bytes
        && let Some(bytes) = rows.json_bytes(row).filter(|bytes| *bytes > rules.max_line_bytes)
    {
        out.records += 1;
        out.findings.add(RuleCode::LineTooLong, at, FieldPath::Record, || {
            format!(
                "the row is {bytes} bytes as a JSON line, over the limit of {}; it was skipped",
                rules.max_line_bytes
            )
        });
        return;
    }
    match rows.read::<Slot<RawRecord<'_>>>(row) {
        Ok(record) => out.record(record, rules.format, at, Some(&RowJson { rows, row })),
        Err(error) => {
            out.records += 1;
            let code = match error {
                RowError::Unreadable(_) => RuleCode::MalformedRow,
                RowError::RepeatedKey(_) => RuleCode::DuplicateKey,
            };
            out.findings.add(code, at, FieldPath::Record, || error.to_string());
        }
    }
}

/// Checks one line: its length, its encoding, its JSON, then the record.
fn check_line<S: RecordSink>(out: &mut ChunkOutput<S>, line: &[u8], number: u64, offset: u64, rules: &LineRules) {
    if line.len() > rules.max_line_bytes {
        out.records += 1;
        too_long(&mut out.findings, number, offset, line.len() as u64, rules.max_line_bytes);
        return;
    }
    if line.trim_ascii().is_empty() {
        return;
    }
    let at = Location::line(number);
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(e) => {
            out.records += 1;
            let column = e.valid_up_to() + 1;
            out.findings.add(RuleCode::InvalidUtf8, at, FieldPath::Record, || match wide_encoding(line, offset) {
                Some(encoding) => format!("the file is {encoding} (it starts with that byte-order mark), not UTF-8"),
                None => format!("invalid UTF-8 at column {column} (byte {} of the file)", offset + column as u64 - 1),
            });
            return;
        }
    };
    match serde_json::from_str::<Slot<WithKeys<RawRecord<'_>>>>(text) {
        Ok(record) => {
            let (record, keys) = record.uncounted();
            out.record(record, rules.format, at, Some(&Line { text, keys }));
        }
        Err(error) => {
            out.records += 1;
            // A UTF-16 file's lines after the first start with the NUL of its `\n\0` line ends.
            let note =
                if line.first() == Some(&0) { "; the line starts with a NUL byte, as in a UTF-16 file" } else { "" };
            out.parse_error(&error, at, note);
        }
    }
}

/// The UTF-16 or UTF-32 encoding whose byte-order mark starts `line`, when the line is the
/// start of the file.
fn wide_encoding(line: &[u8], offset: u64) -> Option<&'static str> {
    const MARKS: [(&[u8], &str); 4] = [
        (&[0xff, 0xfe, 0, 0], "UTF-32 little-endian"),
        (&[0, 0, 0xfe, 0xff], "UTF-32 big-endian"),
        (&[0xff, 0xfe], "UTF-16 little-endian"),
        (&[0xfe, 0xff], "UTF-16 big-endian"),
    ];
    if offset != 0 {
        return None;
    }
    MARKS.iter().find(|(mark, _)| line.starts_with(mark)).map(|(_, name)| *name)
}

fn too_long(findings: &mut Findings, line: u64, offset: u64, bytes: u64, max: usize) {
    findings.add(RuleCode::LineTooLong, Location::line(line), FieldPath::Record, || {
        format!("the line is {bytes} bytes (from byte {offset} of the file), over the limit of {max}; it was skipped")
    });
}
