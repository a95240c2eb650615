//! Reading a dataset: any `std::io::Read`, gzip or not, cut into blocks of whole lines.
//!
//! Memory is bounded by the longest line, never by the file: the input is read in blocks,
//! cut after the last newline of each block, and a line longer than the maximum is skipped
//! up to its newline (reported, the rest of the file still scanned). Gzip is recognised by
//! its magic bytes, whatever the file is called. A UTF-8 byte-order mark is dropped; CRLF
//! line ends and a missing final newline are the line splitter's business
//! ([`lines`]). An async source can be adapted by the caller (e.g. with
//! `tokio_util::io::SyncIoBridge`).

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use std::sync::Arc;

use arrow_array::RecordBatch;
use flate2::read::MultiGzDecoder;

use super::codes::RuleCode;
use super::inflate::{InflateLimits, Inflating};

/// Called with the number of input bytes read so far (compressed bytes for a gzip file), for
/// a progress bar over the file's size.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// The default longest line: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// Bytes read from the input at a time.
const READ_BLOCK: usize = 256 << 10;

/// Target size of a block of lines handed to a worker.
pub(crate) const CHUNK_BYTES: usize = 256 << 10;

/// Buffers kept for reuse by the splitter: enough for the pieces in flight.
const MAX_SPARE_BUFFERS: usize = 32;

/// Buffers larger than this (after a very long line) are freed rather than kept.
const MAX_RECYCLED_BYTES: usize = 4 * CHUNK_BYTES;

/// The buffers of checked pieces, kept to read later pieces into: blocks of ~1 MiB are not
/// allocated and freed (often on another thread) for every piece.
#[derive(Debug, Default)]
pub(crate) struct SpareBuffers(Vec<Vec<u8>>);

impl SpareBuffers {
    /// Keeps the buffer of a piece of lines, unless it is oversized or enough are kept.
    pub fn keep(&mut self, piece: Piece) {
        if let Piece::Lines { data, .. } = piece
            && data.capacity() <= MAX_RECYCLED_BYTES
            && self.0.len() < MAX_SPARE_BUFFERS
        {
            self.0.push(data);
        }
    }

    /// An empty buffer: a kept one, or a new one of `capacity` bytes.
    pub fn take(&mut self, capacity: usize) -> Vec<u8> {
        let mut buf = self.0.pop().unwrap_or_else(|| Vec::with_capacity(capacity));
        buf.clear();
        buf
    }
}

/// How often the progress callback is called, in input bytes.
const PROGRESS_STEP: u64 = 1 << 20;

/// The first bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The UTF-8 byte-order mark.
const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

/// Counts the bytes read from the raw input and reports them to the progress callback.
pub(crate) struct Counted<R> {
    inner: R,
    read: u64,
    reported: u64,
    progress: Option<Progress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if let Some(progress) = &self.progress
            && (n == 0 || self.read - self.reported >= PROGRESS_STEP)
        {
            self.reported = self.read;
            progress(self.read);
        }
        Ok(n)
    }
}

/// A gzip decoder of the counted input.
type GzipDecoder<R> = MultiGzDecoder<BufReader<Counted<R>>>;

/// The input, decompressed when it is gzip.
pub(crate) enum Decoded<R: Read> {
    /// Read as is.
    Plain(BufReader<Counted<R>>),
    /// A gzip stream (several members are read one after the other, as `gunzip` does), held
    /// to its inflate limits.
    Gzip(Box<Inflating<GzipDecoder<R>>>),
}

impl<R: Read> Decoded<R> {
    /// Wraps `reader`, looking at its first bytes for the gzip magic; a gzip input may
    /// inflate as far as `inflate` allows.
    pub fn new(reader: R, progress: Option<Progress>, inflate: InflateLimits) -> io::Result<Self> {
        let mut buffered =
            BufReader::with_capacity(READ_BLOCK, Counted { inner: reader, read: 0, reported: 0, progress });
        let gzip = buffered.fill_buf()?.starts_with(&GZIP_MAGIC);
        let compressed = |decoder: &GzipDecoder<R>| decoder.get_ref().get_ref().read;
        Ok(if gzip {
            Decoded::Gzip(Box::new(Inflating::new(MultiGzDecoder::new(buffered), compressed, inflate)))
        } else {
            Decoded::Plain(buffered)
        })
    }

    /// Whether the input is gzip, to tell a corrupt stream from an I/O failure.
    pub fn is_gzip(&self) -> bool {
        matches!(self, Decoded::Gzip(_))
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoded::Plain(reader) => reader.read(buf),
            Decoded::Gzip(reader) => reader.read(buf),
        }
    }
}

/// A block of the input as the line splitter hands it on.
#[derive(Debug)]
pub(crate) enum Piece {
    /// Whole lines, each ended by `\n` except possibly the file's last.
    Lines {
        /// The bytes.
        data: Vec<u8>,
        /// Offset of the first byte in the (decompressed) input.
        offset: u64,
    },
    /// One line longer than the maximum, skipped.
    TooLong {
        /// Offset of its first byte.
        offset: u64,
        /// Its length, newline excluded.
        bytes: u64,
    },
    /// Rows of a table (Parquet, Arrow), each read as a record straight from the arrays.
    Rows(RecordBatch),
    /// A row of a table (CSV, Parquet) that could not become a record: reported, skipped.
    Rejected {
        /// The lines it spans (a CSV row with quoted newlines spans several).
        lines: u64,
        /// The rule it broke.
        code: RuleCode,
        /// What is wrong with it.
        message: String,
    },
}

/// Cuts the input into [`Piece`]s of about [`CHUNK_BYTES`].
pub(crate) struct LineChunker<R: Read> {
    input: R,
    /// The start of a line whose newline is not read yet.
    carry: Vec<u8>,
    /// Buffers of pieces already checked, to read the next pieces into.
    spare: SpareBuffers,
    /// Input offset of `carry`'s first byte.
    offset: u64,
    chunk_bytes: usize,
    max_line: usize,
    eof: bool,
    bom_checked: bool,
}

impl<R: Read> LineChunker<R> {
    /// A splitter that skips lines longer than `max_line` bytes.
    pub fn new(input: R, max_line: usize) -> Self {
        Self {
            input,
            carry: Vec::new(),
            spare: SpareBuffers::default(),
            offset: 0,
            chunk_bytes: CHUNK_BYTES,
            max_line,
            eof: false,
            bom_checked: false,
        }
    }

    /// Takes back a piece that was checked, to read a later piece into its buffer.
    pub fn recycle(&mut self, piece: Piece) {
        self.spare.keep(piece);
    }

    /// A buffer for the next piece, starting with the carried bytes.
    fn take_buffer(&mut self) -> Vec<u8> {
        let mut buf = self.spare.take(self.chunk_bytes + 2 * READ_BLOCK);
        buf.extend_from_slice(&self.carry);
        if self.carry.capacity() > MAX_RECYCLED_BYTES {
            // The carry held the start of a very long line: let that memory go.
            self.carry = Vec::new();
        }
        self.carry.clear();
        buf
    }

    /// Whether the whole input has been read.
    pub fn is_done(&self) -> bool {
        self.eof && self.carry.is_empty()
    }

    /// Bytes of (decompressed) input handed on so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Appends up to one block of input to `buf`; notes the end of the input.
    fn read_block(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        let len = buf.len();
        buf.resize(len + READ_BLOCK, 0);
        let result = loop {
            match self.input.read(&mut buf[len..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match result {
            Ok(n) => {
                buf.truncate(len + n);
                self.eof = n == 0;
                Ok(())
            }
            Err(e) => {
                buf.truncate(len);
                Err(e)
            }
        }
    }

    /// Drops a byte-order mark at the very start of the input; says whether it did.
    fn strip_bom(&mut self, buf: &mut Vec<u8>) -> bool {
        if self.bom_checked || (buf.len() < BOM.len() && !self.eof) {
            return false;
        }
        self.bom_checked = true;
        let found = buf.starts_with(&BOM);
        if found {
            buf.drain(..BOM.len());
            self.offset += BOM.len() as u64;
        }
        found
    }

    /// The next piece, or `None` at the end of the input.
    pub fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        let mut buf = self.take_buffer();
        // Bytes of `buf` known to hold no newline (the carry after a skipped line may have some).
        let mut searched = 0_usize;
        loop {
            while buf.len() < self.chunk_bytes && !self.eof {
                self.read_block(&mut buf)?;
            }
            if self.strip_bom(&mut buf) {
                searched = searched.saturating_sub(BOM.len());
            }
            let searched_from = searched.min(buf.len());
            if let Some(newline) = memchr::memrchr(b'\n', &buf[searched_from..]) {
                let end = searched_from + newline + 1;
                self.carry.extend_from_slice(&buf[end..]);
                buf.truncate(end);
                return Ok(Some(self.lines(buf)));
            }
            if self.eof {
                return Ok(if buf.is_empty() { None } else { Some(self.lines(buf)) });
            }
            if buf.len() > self.max_line {
                return self.skip_long_line(buf.len()).map(Some);
            }
            searched = buf.len();
            self.read_block(&mut buf)?;
        }
    }

    fn lines(&mut self, data: Vec<u8>) -> Piece {
        // Past the first piece, a byte-order mark is no longer at the start of the input.
        self.bom_checked = true;
        let offset = self.offset;
        self.offset += data.len() as u64;
        Piece::Lines { data, offset }
    }

    /// Reads past the end of a line of which `seen` bytes were read, keeping only what follows it.
    fn skip_long_line(&mut self, seen: usize) -> io::Result<Piece> {
        self.bom_checked = true;
        let offset = self.offset;
        let mut bytes = seen as u64;
        let mut block = Vec::with_capacity(READ_BLOCK);
        loop {
            block.clear();
            self.read_block(&mut block)?;
            if let Some(newline) = memchr::memchr(b'\n', &block) {
                bytes += newline as u64;
                self.carry.extend_from_slice(&block[newline + 1..]);
                self.offset = offset + bytes + 1;
                break;
            }
            bytes += block.len() as u64;
            if self.eof {
                self.offset = offset + bytes;
                break;
            }
        }
        Ok(Piece::TooLong { offset, bytes })
    }

    /// The rest of the input as one stream, starting with the pieces already taken from it
    /// (for a JSON document, which is parsed as a stream rather than line by line).
    pub fn into_reader(self, taken: VecDeque<Piece>) -> impl Read {
        let mut head = Vec::new();
        for piece in taken {
            if let Piece::Lines { data, .. } = piece {
                head.extend_from_slice(&data);
            }
        }
        head.extend_from_slice(&self.carry);
        Cursor::new(head).chain(self.input)
    }
}

/// The lines of a piece's bytes with where each starts in `data`, without their `\n` or
/// `\r\n` ends; a last line without a newline is a line.
pub(crate) fn lines(data: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0;
    std::iter::from_fn(move || {
        let current = data.get(start..).filter(|rest| !rest.is_empty())?;
        let line_start = start;
        let line = match memchr::memchr(b'\n', current) {
            Some(i) => {
                start += i + 1;
                &current[..i]
            }
            None => {
                start = data.len();
                current
            }
        };
        Some((line_start, line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::dataset::error::DatasetError;

    fn chunker(bytes: &[u8], max_line: usize, chunk_bytes: usize) -> LineChunker<Decoded<&[u8]>> {
        let mut chunker = LineChunker::new(Decoded::new(bytes, None, InflateLimits::default()).unwrap(), max_line);
        chunker.chunk_bytes = chunk_bytes;
        chunker
    }

    /// Every line of the input, `None` for a skipped one, with its offset.
    fn all_lines(mut chunker: LineChunker<Decoded<&[u8]>>) -> Vec<(Option<String>, u64)> {
        let mut out = Vec::new();
        while let Some(piece) = chunker.next_piece().unwrap() {
            match piece {
                Piece::Lines { data, offset } => {
                    for (start, line) in lines(&data) {
                        out.push((Some(String::from_utf8_lossy(line).into_owned()), offset + start as u64));
                    }
                }
                Piece::TooLong { offset, .. } => out.push((None, offset)),
                Piece::Rejected { .. } | Piece::Rows(_) => unreachable!("a line splitter makes no rows"),
            }
        }
        out
    }

    #[test]
    fn splits_lines_across_small_chunks() {
        let text = b"\xef\xbb\xbfone\r\ntwo\n\nthree";
        for chunk_bytes in [1, 2, 5, 100] {
            let got = all_lines(chunker(text, 100, chunk_bytes));
            let texts: Vec<_> = got.iter().map(|(line, _)| line.clone().unwrap()).collect();
            assert_eq!(texts, ["one", "two", "", "three"], "chunk {chunk_bytes}");
            assert_eq!(got[0].1, 3, "offsets count the byte-order mark");
            assert_eq!(got[1].1, 8);
        }
    }

    #[test]
    fn skips_a_line_over_the_maximum_and_goes_on() {
        let long = "x".repeat(READ_BLOCK * 3);
        let text = format!("short\n{long}\nafter\n{long}");
        let mut c = chunker(text.as_bytes(), 1000, 10);
        let mut pieces = Vec::new();
        while let Some(piece) = c.next_piece().unwrap() {
            pieces.push(piece);
        }
        assert!(matches!(&pieces[0], Piece::Lines { data, offset: 0 } if data == b"short\n"));
        assert!(matches!(pieces[1], Piece::TooLong { offset: 6, bytes } if bytes == long.len() as u64));
        assert!(matches!(&pieces[2], Piece::Lines { data, .. } if data == b"after\n"));
        assert!(matches!(pieces[3], Piece::TooLong { bytes, .. } if bytes == long.len() as u64));
        assert_eq!(pieces.len(), 4);
    }

    #[test]
    fn reads_gzip_by_its_magic_bytes() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"{\"a\":1}\n{\"b\":2}").unwrap();
        let gz = encoder.finish().unwrap();
        let got = all_lines(chunker(&gz, 100, 4));
        assert_eq!(got.iter().map(|(l, _)| l.clone().unwrap()).collect::<Vec<_>>(), ["{\"a\":1}", "{\"b\":2}"]);
        assert!(Decoded::new(&gz[..], None, InflateLimits::default()).unwrap().is_gzip());
        assert!(!Decoded::new(&b"{}"[..], None, InflateLimits::default()).unwrap().is_gzip());
    }

    #[test]
    fn a_corrupt_gzip_stream_is_an_error() {
        let mut c = chunker(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3], 100, 4);
        let err = c.next_piece().unwrap_err();
        assert!(matches!(DatasetError::read(err, true), DatasetError::Gzip { .. }));
    }

    #[test]
    fn progress_reports_input_bytes() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        let progress: Progress = Arc::new(move |n| sink.lock().unwrap().push(n));
        let data = vec![b'\n'; 3 << 20];
        let mut c = LineChunker::new(Decoded::new(&data[..], Some(progress), InflateLimits::default()).unwrap(), 100);
        while c.next_piece().unwrap().is_some() {}
        let seen = seen.lock().unwrap();
        assert_eq!(seen.last(), Some(&(3 << 20)));
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn the_rest_reads_back_whole() {
        let mut c = chunker(b"{\n  \"a\": 1\n}\n", 100, 3);
        let first = c.next_piece().unwrap().unwrap();
        let mut rest = String::new();
        c.into_reader(VecDeque::from([first])).read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "{\n  \"a\": 1\n}\n");
    }
}
