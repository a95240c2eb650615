//! One pass over a dataset, shared by validation and conversion: the layout and the format
//! are recognised from the first records, then every record is checked (JSONL blocks in
//! parallel, or a JSON document as a stream) and handed to a consumer, whose outputs are
//! merged in file order.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::chunk::{ChunkOutput, LineRules, RecordSink, error_text, process_piece};
use super::document;
use super::error::DatasetError;
use super::format::detect::{self, KNOWN_FORMATS, Layout, Line, RecordJson, Shape, sniff_layout};
use super::format::json::{RawRecord, Slot, WithKeys};
use super::inflate::InflateLimits;
use super::pipeline::{self, PieceSource};
use super::reader::{Decoded, LineChunker, Piece, Progress, lines};
use super::table::{self, InPlace, Opened, RowJson, Rows, TableSource};
use crate::model::DatasetFormat;

/// Non-blank lines looked at to recognise the format of a JSONL file.
const DETECT_LINES: usize = 100;

/// What a pass does when no record at the start of a file has a known format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unrecognised {
    /// Stop with [`DatasetError::UnknownFormat`] (a conversion has nothing to write).
    Fail,
    /// Check every record all the same (a validation reports what each record is).
    Check,
}

/// How to read a dataset.
#[derive(Clone)]
pub(crate) struct ScanSettings {
    /// The format, or `None` to recognise it.
    pub format: Option<DatasetFormat>,
    /// What to do when it cannot be recognised.
    pub unrecognised: Unrecognised,
    /// The longest line accepted, in bytes.
    pub max_line_bytes: usize,
    /// Findings kept per code.
    pub finding_cap: usize,
    /// Worker threads for JSONL (at least 1).
    pub threads: usize,
    /// Told the input bytes read so far.
    pub progress: Option<Progress>,
    /// How far a gzip input may inflate.
    pub inflate: InflateLimits,
}

impl ScanSettings {
    /// Settings from a caller's options: `threads` 0 means every core; a `max_line_bytes` of
    /// 0 is refused (no line could be read).
    pub fn new(
        format: Option<DatasetFormat>,
        unrecognised: Unrecognised,
        max_line_bytes: usize,
        finding_cap: usize,
        threads: usize,
        (progress, inflate): (Option<Progress>, InflateLimits),
    ) -> Result<Self, DatasetError> {
        if max_line_bytes == 0 {
            return Err(DatasetError::InvalidOption {
                name: "max_line_bytes",
                reason: "must be at least 1 byte".to_owned(),
            });
        }
        let threads = if threads == 0 { pipeline::default_threads() } else { threads };
        Ok(Self { format, unrecognised, max_line_bytes, finding_cap, threads, progress, inflate })
    }
}

/// What a pass reads.
pub(crate) enum Input<R> {
    /// A stream, read once from start to end.
    Stream(R),
    /// A file on disk: a Parquet or Arrow file is read in place (a stream of one is first copied).
    File(File),
    /// A directory: a Hugging Face dataset saved to disk (`datasets.save_to_disk`).
    SavedDataset(PathBuf),
}

impl Input<File> {
    /// Opens the dataset at `path`: a file, or the directory of a saved Hugging Face dataset;
    /// returns it with its size, when the file system tells it.
    pub(crate) fn open(path: &Path) -> Result<(Self, Option<u64>), DatasetError> {
        if path.is_dir() {
            return Ok((Input::SavedDataset(path.to_owned()), None));
        }
        let file = File::open(path).map_err(|e| DatasetError::open(path, e))?;
        let size = file.metadata().ok().filter(|metadata| metadata.is_file()).map(|metadata| metadata.len());
        Ok((Input::File(file), size))
    }
}

/// What the pass found out about the file as a whole.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scanned {
    /// How the records are laid out.
    pub layout: Layout,
    /// The format, `None` for a file without records.
    pub format: Option<DatasetFormat>,
    /// Lines of the file.
    pub lines: u64,
    /// Bytes of the (decompressed) file.
    pub bytes: u64,
}

/// Reads `reader` once, handing each record to a sink made by `make_sink` (one a block) and
/// each block's output to `merge`, in file order.
pub(crate) fn scan<R: Read, S: RecordSink + Send>(
    input: Input<R>,
    settings: &ScanSettings,
    make_sink: &(dyn Fn() -> S + Sync),
    merge: &mut dyn FnMut(ChunkOutput<S>),
) -> Result<Scanned, DatasetError> {
    match input {
        Input::Stream(reader) => scan_stream(reader, settings, make_sink, merge),
        Input::File(mut file) => {
            let scanned = match table::in_place(&mut file).map_err(|e| DatasetError::read(e, false))? {
                None => return scan_stream(file, settings, make_sink, merge),
                Some(InPlace::Parquet) => {
                    scan_table(&mut table::parquet_file(file, settings.threads)?, false, settings, make_sink, merge)?
                }
                Some(InPlace::Arrow) => {
                    scan_table(&mut table::arrow_file(file, settings.threads)?, false, settings, make_sink, merge)?
                }
            };
            Ok(progressed(scanned, settings))
        }
        Input::SavedDataset(dir) => {
            let mut table = table::saved_dataset(&dir, settings.threads)?;
            Ok(progressed(scan_table(&mut table, false, settings, make_sink, merge)?, settings))
        }
    }
}

/// `scanned`, after telling the progress callback that all its bytes were read (a table
/// read in place, whose reader reports no progress as it goes).
fn progressed(scanned: Scanned, settings: &ScanSettings) -> Scanned {
    if let Some(progress) = &settings.progress {
        progress(scanned.bytes);
    }
    scanned
}

/// [`scan`] of a stream: decompressed if it is gzip, then recognised as a table or text.
fn scan_stream<R: Read, S: RecordSink + Send>(
    reader: R,
    settings: &ScanSettings,
    make_sink: &(dyn Fn() -> S + Sync),
    merge: &mut dyn FnMut(ChunkOutput<S>),
) -> Result<Scanned, DatasetError> {
    let input =
        Decoded::new(reader, settings.progress.clone(), settings.inflate).map_err(|e| DatasetError::read(e, false))?;
    let gzip = input.is_gzip();
    match table::open(input, gzip, settings.max_line_bytes, settings.threads)? {
        Opened::Text(input) => scan_text(input, gzip, settings, make_sink, merge),
        Opened::Csv(mut table) => scan_table(&mut table, gzip, settings, make_sink, merge),
        Opened::Parquet(mut table) => scan_table(&mut table, gzip, settings, make_sink, merge),
        Opened::ArrowStream(mut table) => scan_table(&mut table, gzip, settings, make_sink, merge),
        Opened::ArrowFile(mut table) => scan_table(&mut table, gzip, settings, make_sink, merge),
    }
}

/// [`scan`] of a JSONL file or a JSON document.
fn scan_text<R: Read, S: RecordSink + Send>(
    input: R,
    gzip: bool,
    settings: &ScanSettings,
    make_sink: &(dyn Fn() -> S + Sync),
    merge: &mut dyn FnMut(ChunkOutput<S>),
) -> Result<Scanned, DatasetError> {
    let mut chunker = LineChunker::new(input, settings.max_line_bytes);
    let mut head = VecDeque::new();
    let layout = sniff(&mut chunker, &mut head).map_err(|e| DatasetError::read(e, gzip))?;
    if layout != Layout::Jsonl {
        return document::scan(chunker.into_reader(head), layout, settings, gzip, make_sink, merge);
    }
    // A file read whole already is checked on this thread.
    let one_piece = |chunker: &LineChunker<R>, head: &VecDeque<Piece>| chunker.is_done() && head.len() <= 1;
    let (format, lines) = scan_pieces(&mut chunker, head, one_piece, gzip, settings, make_sink, merge)?;
    Ok(Scanned { layout, format, lines, bytes: chunker.offset() })
}

/// [`scan`] of a CSV or Parquet table, whose rows come as pieces of JSON lines.
fn scan_table<T: TableSource, S: RecordSink + Send>(
    table: &mut T,
    gzip: bool,
    settings: &ScanSettings,
    make_sink: &(dyn Fn() -> S + Sync),
    merge: &mut dyn FnMut(ChunkOutput<S>),
) -> Result<Scanned, DatasetError> {
    let (format, lines) = scan_pieces(table, VecDeque::new(), |_, _| false, gzip, settings, make_sink, merge).map_err(
        |error| match error {
            // A row the table's reader could not decode: the file is corrupt.
            DatasetError::Read { source } if source.kind() == std::io::ErrorKind::InvalidData => {
                DatasetError::InvalidTable { reason: source.to_string() }
            }
            other => other,
        },
    )?;
    Ok(Scanned { layout: table.layout(), format, lines, bytes: table.bytes() })
}

/// Recognises the format from the first pieces (`head`, then more from `source`), then checks
/// every piece on the settings' threads (one when `single` says the input is that small),
/// merging in order. Returns the format and the lines of the pieces.
fn scan_pieces<P: PieceSource, S: RecordSink + Send>(
    source: &mut P,
    mut head: VecDeque<Piece>,
    single: impl Fn(&P, &VecDeque<Piece>) -> bool,
    gzip: bool,
    settings: &ScanSettings,
    make_sink: &(dyn Fn() -> S + Sync),
    merge: &mut dyn FnMut(ChunkOutput<S>),
) -> Result<(Option<DatasetFormat>, u64), DatasetError> {
    let format = match (settings.format, detect_format(source, &mut head, gzip, settings.format)) {
        (Some(format), _) => Some(format),
        (None, Err(DatasetError::UnknownFormat { .. })) if settings.unrecognised == Unrecognised::Check => None,
        (None, detected) => detected?,
    };
    let rules = LineRules {
        // `None`: each record is checked against its own shape, or reported as unknown.
        format,
        max_line_bytes: settings.max_line_bytes,
        finding_cap: settings.finding_cap,
    };
    let threads = if single(source, &head) { 1 } else { settings.threads };
    let mut lines = 0;
    let process = |piece: &Piece| process_piece(piece, &rules, make_sink());
    let mut count_and_merge = |out: ChunkOutput<S>| {
        lines += out.lines;
        merge(out);
    };
    pipeline::run(head, source, threads, &process, &mut count_and_merge).map_err(|e| DatasetError::read(e, gzip))?;
    Ok((format, lines))
}

/// The first two non-blank lines of the pieces in `head`; `None` stands for a line too long
/// to have been kept.
fn content_lines(head: &VecDeque<Piece>) -> impl Iterator<Item = Option<&[u8]>> {
    head.iter().flat_map(|piece| -> Box<dyn Iterator<Item = Option<&[u8]>> + '_> {
        match piece {
            Piece::Lines { data, .. } => {
                Box::new(lines(data).map(|(_, line)| line).filter(|line| !line.trim_ascii().is_empty()).map(Some))
            }
            Piece::TooLong { .. } | Piece::Rejected { .. } => Box::new(std::iter::once(None)),
            // Rows come from tables, whose layout is known.
            Piece::Rows(_) => Box::new(std::iter::empty()),
        }
    })
}

/// Reads pieces into `head` up to its second non-blank line, and tells the layout from
/// the first two.
fn sniff<R: Read>(chunker: &mut LineChunker<R>, head: &mut VecDeque<Piece>) -> std::io::Result<Layout> {
    while content_lines(head).take(2).count() < 2 {
        match chunker.next_piece()? {
            Some(piece) => head.push_back(piece),
            None => break,
        }
    }
    let mut first_two = content_lines(head);
    Ok(match (first_two.next(), first_two.next()) {
        (Some(Some(first)), second) => sniff_layout(first, second.flatten()),
        // An empty file, or a first line too long to look at.
        _ => Layout::Jsonl,
    })
}

/// What one line says about the format.
enum Clue {
    /// A record of this format.
    Format(DatasetFormat),
    /// A blank line or a `_meta` record: no clue.
    Nothing,
    /// A line that is no record of any format, described.
    Problem(String),
}

fn clue(line: &[u8], number: u64) -> Clue {
    if line.trim_ascii().is_empty() {
        return Clue::Nothing;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return Clue::Problem(format!("line {number} is not valid UTF-8"));
    };
    match serde_json::from_str::<Slot<WithKeys<RawRecord<'_>>>>(text) {
        Ok(record) => {
            let (record, keys) = record.uncounted();
            record_clue(record, &Line { text, keys }, number)
        }
        Err(e) => Clue::Problem(format!("line {number} is not valid JSON ({})", error_text(&e))),
    }
}

/// What row `row` of a table says about the format.
fn row_clue(rows: &Rows<'_>, row: usize, number: u64) -> Clue {
    match rows.read::<Slot<RawRecord<'_>>>(row) {
        Ok(record) => record_clue(record, &RowJson { rows, row }, number),
        Err(e) => Clue::Problem(format!("line {number}: {e}")),
    }
}

/// What a parsed record (whose keys and JSON `json` tells) says about the format.
fn record_clue(record: Slot<RawRecord<'_>>, json: &dyn RecordJson, number: u64) -> Clue {
    let Slot::Value(record) = record else {
        return Clue::Problem(format!("line {number} is not a JSON object"));
    };
    match Shape::of_line(&record, Some(json)) {
        Shape::Meta => Clue::Nothing,
        shape => match (shape.format(), shape) {
            (Some(format), _) => Clue::Format(format),
            (None, Shape::Unknown) => match json.json().and_then(|json| detect::describe_record(&json)) {
                Some((keys, Some(closest))) => {
                    Clue::Problem(format!("line {number}, with {keys}, is of no known format: {closest}"))
                }
                _ => Clue::Problem(format!("line {number} is {}", shape.describe())),
            },
            (None, _) => Clue::Problem(format!("line {number} is {}", shape.describe())),
        },
    }
}

/// The format of the first record that has one, reading more pieces into `head` as needed;
/// `None` for a file with no non-blank line. With a `forced` format nothing is read.
fn detect_format(
    source: &mut dyn PieceSource,
    head: &mut VecDeque<Piece>,
    gzip: bool,
    forced: Option<DatasetFormat>,
) -> Result<Option<DatasetFormat>, DatasetError> {
    if forced.is_some() {
        return Ok(forced);
    }
    let mut number = 0_u64;
    let mut examined = 0_usize;
    let mut first_problem = None;
    let mut index = 0;
    loop {
        while let Some(piece) = head.get(index) {
            index += 1;
            let clues: Box<dyn Iterator<Item = Clue>> = match piece {
                Piece::Lines { data, .. } => Box::new(lines(data).map(|(_, line)| {
                    number += 1;
                    clue(line, number)
                })),
                Piece::TooLong { .. } => {
                    number += 1;
                    Box::new(std::iter::once(Clue::Problem(format!("line {number} is longer than the limit"))))
                }
                Piece::Rejected { lines, message, .. } => {
                    number += lines;
                    Box::new(std::iter::once(Clue::Problem(format!("line {number}: {message}"))))
                }
                Piece::Rows(batch) => {
                    let rows = Rows::new(batch);
                    let clues: Vec<Clue> = (0..batch.num_rows())
                        .map(|row| {
                            number += 1;
                            row_clue(&rows, row, number)
                        })
                        .collect();
                    Box::new(clues.into_iter())
                }
            };
            for clue in clues {
                match clue {
                    Clue::Format(format) => return Ok(Some(format)),
                    Clue::Nothing => continue,
                    Clue::Problem(problem) => {
                        first_problem.get_or_insert(problem);
                        examined += 1;
                    }
                }
                if examined >= DETECT_LINES {
                    return Err(unknown_format(first_problem));
                }
            }
        }
        match source.next_piece().map_err(|e| DatasetError::read(e, gzip))? {
            Some(piece) => head.push_back(piece),
            None if examined == 0 => return Ok(None),
            None => return Err(unknown_format(first_problem)),
        }
    }
}

fn unknown_format(first_problem: Option<String>) -> DatasetError {
    let seen = first_problem.unwrap_or_else(|| "no line is a record".to_owned());
    DatasetError::UnknownFormat { reason: format!("{seen}; {KNOWN_FORMATS}") }
}
