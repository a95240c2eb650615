//! Tables as datasets: CSV (or TSV) with a header row, Parquet, and Apache Arrow (IPC files
//! and streams, and the directories Hugging Face `datasets.save_to_disk` writes).
//!
//! Each row becomes the JSON record its columns name, so every format's rules, findings and
//! conversion apply to a table unchanged: a `prompt,completion` table holds prompt/completion
//! records, a `messages` column holding each row's messages makes a chat table (a CSV cell
//! of a structured column holds its JSON text; see [`cells`]). A table is recognised from its
//! first bytes: Parquet and Arrow by their magic numbers, CSV by a header row naming at least one column
//! that some format reads (`messages`, `prompt`, `instruction`, `conversations`, ...), so a
//! JSON file is never taken for one.
//!
//! Where findings point: a CSV row keeps the line of the file it starts on (the header is
//! line 1; a row with quoted line breaks spans several lines); a Parquet or Arrow row's line
//! is its 1-based row number.
//!
//! A CSV row is written as a JSON line and read as one; a Parquet or Arrow row is read as a
//! record straight from the arrays ([`records`]), with the same findings.

mod arrays;
mod arrow;
mod batches;
mod buffers;
pub(crate) mod cells;
mod codec;
mod csv;
mod pages;
mod parquet;
mod records;

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};

pub(crate) use self::arrays::Rows;
pub(crate) use self::arrow::{ArrowFiles, ArrowStream, file as arrow_file, saved_dataset};
use self::csv::CsvSource;
pub(crate) use self::parquet::{ParquetSource, open as parquet_file};
pub(crate) use self::records::{RowError, RowJson};
use super::error::DatasetError;
use super::format::detect::Layout;
use super::pipeline::PieceSource;

/// The first bytes of a Parquet file.
const PARQUET_MAGIC: &[u8] = b"PAR1";
/// The first bytes of an Arrow IPC file.
const ARROW_FILE_MAGIC: &[u8] = b"ARROW1";
/// The first bytes of an Arrow IPC stream (what `datasets.save_to_disk` writes).
const ARROW_STREAM_MAGIC: &[u8] = &[0xff, 0xff, 0xff, 0xff];
/// The most bytes looked at for a CSV header row.
const HEADER_PEEK: usize = 64 << 10;

/// The input with its first bytes, already read to recognise it, put back in front.
pub(crate) type Peeked<R> = io::Chain<Cursor<Vec<u8>>, R>;

/// A table's rows, as pieces of JSON lines.
pub(crate) trait TableSource: PieceSource {
    /// How the file is laid out.
    fn layout(&self) -> Layout;

    /// Bytes of the file read so far (all of them at the end).
    fn bytes(&self) -> u64;
}

/// What an input turned out to be.
pub(crate) enum Opened<R: Read> {
    /// Text: JSON Lines or a JSON document.
    Text(Peeked<R>),
    /// A CSV or TSV table.
    Csv(CsvSource<Peeked<R>>),
    /// A Parquet file.
    Parquet(ParquetSource),
    /// An Arrow IPC stream.
    ArrowStream(ArrowStream<Peeked<R>>),
    /// An Arrow IPC file.
    ArrowFile(ArrowFiles),
}

/// Recognises a table from the first bytes of `input` (decompressed already);
/// `gzip` says whether it was compressed, to tell a corrupt stream from an I/O failure.
/// `threads` is how many threads the pass checks on (a Parquet or Arrow IPC file is decoded
/// on another when there are more than one).
pub(crate) fn open<R: Read>(
    mut input: R,
    gzip: bool,
    max_line_bytes: usize,
    threads: usize,
) -> Result<Opened<R>, DatasetError> {
    let head = peek(&mut input).map_err(|e| DatasetError::read(e, gzip))?;
    if head.starts_with(PARQUET_MAGIC) {
        return parquet::from_stream(Cursor::new(head).chain(input), gzip, threads).map(Opened::Parquet);
    }
    if head.starts_with(ARROW_FILE_MAGIC) {
        return arrow::file_from_stream(Cursor::new(head).chain(input), gzip, threads).map(Opened::ArrowFile);
    }
    if head.starts_with(ARROW_STREAM_MAGIC) {
        return arrow::stream(Cursor::new(head).chain(input)).map(Opened::ArrowStream);
    }
    match csv::header(&head) {
        Some(header) => CsvSource::new(Cursor::new(head).chain(input), header, max_line_bytes).map(Opened::Csv),
        None => Ok(Opened::Text(Cursor::new(head).chain(input))),
    }
}

/// A file on disk that is read in place rather than as a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InPlace {
    /// A Parquet file.
    Parquet,
    /// An Arrow IPC file or stream.
    Arrow,
}

/// What `file` is, when it is read in place; it is read again from its start afterwards.
pub(crate) fn in_place(file: &mut File) -> io::Result<Option<InPlace>> {
    let mut magic = Vec::with_capacity(ARROW_FILE_MAGIC.len());
    file.by_ref().take(ARROW_FILE_MAGIC.len() as u64).read_to_end(&mut magic)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(if magic.starts_with(PARQUET_MAGIC) {
        Some(InPlace::Parquet)
    } else if magic.starts_with(ARROW_FILE_MAGIC) || magic.starts_with(ARROW_STREAM_MAGIC) {
        Some(InPlace::Arrow)
    } else {
        None
    })
}

/// Copies `input` to an unnamed temporary file (removed by the system when it is closed),
/// for a table that is read from its end. `gzip` says whether the stream is decompressed
/// gzip (for the errors).
fn spool(mut input: impl Read, gzip: bool) -> Result<File, DatasetError> {
    let mut file = tempfile::tempfile().map_err(|e| DatasetError::read(e, false))?;
    io::copy(&mut input, &mut file).map_err(|e| DatasetError::read(e, gzip))?;
    file.seek(SeekFrom::Start(0)).map_err(|e| DatasetError::read(e, false))?;
    Ok(file)
}

/// Reads the first bytes of `input`: up to its first line break (a CSV header), at most
/// [`HEADER_PEEK`] bytes, and at least enough for the magic numbers unless it is shorter.
fn peek(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(4096);
    let mut block = [0_u8; 4096];
    while head.len() < HEADER_PEEK {
        let n = match input.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        head.extend_from_slice(&block[..n]);
        if head.len() >= ARROW_FILE_MAGIC.len() && memchr::memchr(b'\n', &head).is_some() {
            break;
        }
    }
    Ok(head)
}
