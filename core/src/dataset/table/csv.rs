//! CSV and TSV tables: a header row naming the columns, then one record per row.
//!
//! Rows are written as JSON lines in pieces like a JSONL file's, each on the line of the file
//! where it starts: the header's line and the further lines of a row with quoted line
//! breaks are blank lines of the piece, so line numbers and line counts are the file's own.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use csv::{ByteRecord, ReaderBuilder, Terminator};

use super::TableSource;
use super::cells::{CellKind, write_csv_cell, write_string};
use crate::dataset::codes::RuleCode;
use crate::dataset::error::DatasetError;
use crate::dataset::format::detect::{Layout, tells_shape};
use crate::dataset::pipeline::PieceSource;
use crate::dataset::reader::{CHUNK_BYTES, Piece, SpareBuffers};

/// The UTF-8 byte-order mark.
const BOM: &[u8] = &[0xef, 0xbb, 0xbf];

/// The delimiters a header row is tried with: comma (CSV), then tab (TSV).
const DELIMITERS: [u8; 2] = [b',', b'\t'];

/// The longest column name of a header row.
const MAX_COLUMN_NAME: usize = 64;

/// A header row, as recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    delimiter: u8,
    columns: Vec<String>,
}

/// The header row at the start of `head`, if the input is a table: its first line splits,
/// with a comma or a tab, into plausible column names (letters, digits, `_`, `-`, `.` and
/// spaces, at most 64 bytes), at least two of them or one that some format reads. JSON
/// never qualifies: it starts with `{` or `[`. (A table of no known format is still read as
/// one, so that each row's finding names the columns it has and the closest format.)
pub(crate) fn header(head: &[u8]) -> Option<Header> {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let first_line = &head[..memchr::memchr(b'\n', head)?];
    let first_line = first_line.strip_suffix(b"\r").unwrap_or(first_line);
    if matches!(first_line.trim_ascii_start().first(), None | Some(b'{' | b'[')) {
        return None;
    }
    DELIMITERS.into_iter().find_map(|delimiter| {
        let mut reader = ReaderBuilder::new().has_headers(false).delimiter(delimiter).from_reader(first_line);
        let mut record = ByteRecord::new();
        reader.read_byte_record(&mut record).ok()?;
        let columns = record
            .iter()
            .map(|name| std::str::from_utf8(name).ok().map(|name| name.trim().to_owned()))
            .collect::<Option<Vec<_>>>()?;
        let plausible = columns.iter().all(|name| {
            !name.is_empty()
                && name.len() <= MAX_COLUMN_NAME
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-. ".contains(&b))
        });
        let known = columns.iter().any(|name| tells_shape(name));
        (plausible && (known || columns.len() >= 2)).then_some(Header { delimiter, columns })
    })
}

/// A column: its JSON key (`"name":`) and what its cells hold.
struct Column {
    name: String,
    key: Vec<u8>,
    kind: CellKind,
}

/// Counts the lines and bytes of the text the CSV reader reads.
struct Counting<R> {
    inner: R,
    counts: Rc<Cell<TextCounts>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct TextCounts {
    bytes: u64,
    newlines: u64,
    ends_with_newline: bool,
}

impl TextCounts {
    /// Lines of the text read, as a JSONL file's are counted (a last line without a
    /// newline is a line).
    fn lines(self) -> u64 {
        self.newlines + u64::from(self.bytes > 0 && !self.ends_with_newline)
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            let mut counts = self.counts.get();
            counts.bytes += n as u64;
            counts.newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            counts.ends_with_newline = buf[n - 1] == b'\n';
            self.counts.set(counts);
        }
        Ok(n)
    }
}

/// The rows of a CSV table as pieces of JSON lines.
pub(crate) struct CsvSource<R: Read> {
    reader: csv::Reader<Counting<R>>,
    counts: Rc<Cell<TextCounts>>,
    columns: Vec<Column>,
    record: ByteRecord,
    /// Lines handed on so far.
    line: u64,
    pieces: RowPieces,
    done: bool,
    spare: SpareBuffers,
}

impl<R: Read> CsvSource<R> {
    /// Reads the table from `input` (starting with its header row, as `header` recognised it).
    pub fn new(input: R, header: Header, max_line_bytes: usize) -> Result<Self, DatasetError> {
        let counts = Rc::new(Cell::new(TextCounts::default()));
        // Rows end at `\n` only (a `\r` before it is taken off the last cell): the line a row
        // starts on is then the one after the previous row's end, CRLF or not.
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(header.delimiter)
            .terminator(Terminator::Any(b'\n'))
            .from_reader(Counting { inner: input, counts: Rc::clone(&counts) });
        let mut record = ByteRecord::new();
        // The header row was read once to recognise it; this skips it (and a byte-order mark).
        reader.read_byte_record(&mut record).map_err(|e| DatasetError::read(io::Error::other(e), false))?;
        let mut columns: Vec<Column> = Vec::with_capacity(header.columns.len());
        for name in header.columns {
            if columns.iter().any(|column| column.name == name) {
                return Err(DatasetError::InvalidTable {
                    reason: format!("the column `{name}` appears twice in the header row"),
                });
            }
            let mut key = Vec::with_capacity(name.len() + 3);
            write_string(&name, &mut key);
            key.push(b':');
            columns.push(Column { kind: CellKind::of(&name), name, key });
        }
        Ok(Self {
            reader,
            counts,
            columns,
            record,
            line: 0,
            pieces: RowPieces::new(max_line_bytes),
            done: false,
            spare: SpareBuffers::default(),
        })
    }

    /// Whether the current record is a blank line (CRLF ended).
    fn is_blank(&self) -> bool {
        self.record.len() == 1 && matches!(&self.record[0], b"" | b"\r")
    }

    /// Writes the current record as a JSON line into `out`, or says why it cannot be one.
    fn write_record(&self, out: &mut Vec<u8>) -> Result<(), RowRejection> {
        if self.record.len() != self.columns.len() {
            return Err((
                RuleCode::MalformedRow,
                format!(
                    "the row has {} cells where the header row has {} columns",
                    self.record.len(),
                    self.columns.len()
                ),
            ));
        }
        out.push(b'{');
        let mut first = true;
        let last = self.columns.len() - 1;
        for (index, (column, cell)) in self.columns.iter().zip(self.record.iter()).enumerate() {
            let cell = if index == last { cell.strip_suffix(b"\r").unwrap_or(cell) } else { cell };
            let cell = std::str::from_utf8(cell).map_err(|_| {
                (RuleCode::InvalidUtf8, format!("the cell of column `{}` is not valid UTF-8", column.name))
            })?;
            let mark = out.len();
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(&column.key);
            match write_csv_cell(column.kind, &column.name, cell, out) {
                Ok(true) => first = false,
                Ok(false) => out.truncate(mark),
                Err(not_json) => return Err((RuleCode::MalformedRow, not_json.to_string())),
            }
        }
        out.extend_from_slice(b"}\n");
        Ok(())
    }

    /// Blank lines up to (not including) line `line`.
    fn pad_to(&mut self, line: u64, buf: &mut Vec<u8>) {
        let blank = line.saturating_sub(self.line + 1);
        buf.resize(buf.len() + blank as usize, b'\n');
        self.line += blank;
    }
}

impl<R: Read> PieceSource for CsvSource<R> {
    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        if let Some(piece) = self.pieces.take_pending() {
            return Ok(Some(piece));
        }
        if self.done {
            return Ok(None);
        }
        let mut buf = self.spare.take(CHUNK_BYTES);
        while buf.len() < CHUNK_BYTES {
            let more = self.reader.read_byte_record(&mut self.record).map_err(io::Error::other)?;
            if !more {
                self.done = true;
                let lines = self.counts.get().lines();
                self.pad_to(lines + 1, &mut buf);
                break;
            }
            if self.is_blank() {
                continue;
            }
            let starts_on = self.record.position().map_or(self.line + 1, |position| position.line());
            self.pad_to(starts_on, &mut buf);
            self.line += 1;
            let start = buf.len();
            let written = self.write_record(&mut buf);
            if !self.pieces.keep_row(&mut buf, start, written) {
                break;
            }
        }
        Ok(self.pieces.finish(buf))
    }

    fn recycle(&mut self, piece: Piece) {
        self.spare.keep(piece);
    }
}

impl<R: Read> TableSource for CsvSource<R> {
    fn layout(&self) -> Layout {
        Layout::Csv
    }

    fn bytes(&self) -> u64 {
        self.counts.get().bytes
    }
}

/// How the rows become pieces of JSON lines: each row is written
/// to the piece's buffer, then kept, or taken out again and handed on as a piece of its own
/// (too long, or not a record) behind the lines before it.
struct RowPieces {
    /// Bytes of JSON lines handed on so far.
    offset: u64,
    max_line_bytes: usize,
    /// A piece to hand on after the current one.
    pending: Option<Piece>,
}

/// Why a row written to a piece cannot stay in it: the rule it broke and how.
type RowRejection = (RuleCode, String);

impl RowPieces {
    /// Pieces whose lines are at most `max_line_bytes` long.
    pub fn new(max_line_bytes: usize) -> Self {
        Self { offset: 0, max_line_bytes, pending: None }
    }

    /// The piece held back behind the last one, if any: hand it on before reading more.
    pub fn take_pending(&mut self) -> Option<Piece> {
        self.pending.take()
    }

    /// Judges the row written to `buf` from `start` on (with its newline), or the reason it
    /// could not be written; returns false when the row was taken out again and the piece
    /// must end here.
    pub fn keep_row(&mut self, buf: &mut Vec<u8>, start: usize, written: Result<(), RowRejection>) -> bool {
        let bytes = buf.len().saturating_sub(start + 1);
        let rejected = match written {
            Ok(()) if bytes <= self.max_line_bytes => return true,
            Ok(()) => Piece::TooLong { offset: self.offset + start as u64, bytes: bytes as u64 },
            Err((code, message)) => Piece::Rejected { lines: 1, code, message },
        };
        buf.truncate(start);
        self.pending = Some(rejected);
        false
    }

    /// The piece of `buf`'s lines, or, when it holds none, the piece held back.
    pub fn finish(&mut self, buf: Vec<u8>) -> Option<Piece> {
        if buf.is_empty() {
            return self.pending.take();
        }
        let offset = self.offset;
        self.offset += buf.len() as u64;
        Some(Piece::Lines { data: buf, offset })
    }
}
