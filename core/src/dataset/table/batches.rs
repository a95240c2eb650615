//! Rows of Arrow record batches (a Parquet file decoded, or Arrow IPC) as pieces of rows,
//! numbered across all the batches, each piece a slice of a batch (the arrays are shared,
//! not copied) of about [`CHUNK_BYTES`] of data.
//!
//! Decoding a file's batches (decompressing Parquet pages, reading IPC buffers and checking
//! their UTF-8) costs about as much as checking the rows, so with more than one thread it
//! runs on a thread of its own, a few batches ahead of the checks ([`Decoded`]): memory
//! stays bounded by [`AHEAD`] batches.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;

use super::TableSource;
use crate::dataset::error::DatasetError;
use crate::dataset::format::detect::Layout;
use crate::dataset::pipeline::PieceSource;
use crate::dataset::reader::{CHUNK_BYTES, Piece};

/// Batches decoded ahead of the one being checked.
const AHEAD: usize = 2;

/// Bytes of the input read so far, shared with the reader (on any thread) that counts them.
#[derive(Clone, Default)]
pub(crate) struct ByteCount(Arc<AtomicU64>);

impl ByteCount {
    /// A count of `bytes`.
    pub fn new(bytes: u64) -> Self {
        Self(Arc::new(AtomicU64::new(bytes)))
    }

    /// Counts `bytes` more.
    pub fn add(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The bytes counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Record batches decoded as they are asked for, or on a thread of their own that stops at
/// the end of the input or when this is dropped.
pub(crate) enum Decoded<B> {
    /// Decoded by the caller.
    Here(B),
    /// Decoded ahead on another thread.
    Ahead(Receiver<Result<RecordBatch, ArrowError>>),
}

impl<B: Iterator<Item = Result<RecordBatch, ArrowError>> + Send + 'static> Decoded<B> {
    /// The batches of `batches`, decoded ahead on a thread of their own (named `name`) when
    /// the rows are checked on more than one of `threads`.
    pub fn new(batches: B, threads: usize, name: &str) -> Result<Self, DatasetError> {
        if threads <= 1 {
            return Ok(Decoded::Here(batches));
        }
        let (sender, receiver) = mpsc::sync_channel(AHEAD);
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                for batch in batches {
                    // A failed send: the reader was dropped, nothing more is wanted.
                    if sender.send(batch).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| DatasetError::read(e, false))?;
        Ok(Decoded::Ahead(receiver))
    }
}

impl<B: Iterator<Item = Result<RecordBatch, ArrowError>>> Iterator for Decoded<B> {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Decoded::Here(batches) => batches.next(),
            Decoded::Ahead(receiver) => receiver.recv().ok(),
        }
    }
}

/// The rows of record batches (from `B`, in order) as pieces of rows.
pub(crate) struct BatchSource<B> {
    batches: B,
    layout: Layout,
    bytes: ByteCount,
    /// The batch being cut into pieces, its next row, and the rows of a piece.
    current: Option<(RecordBatch, usize, usize)>,
}

impl<B: Iterator<Item = Result<RecordBatch, ArrowError>>> BatchSource<B> {
    /// The rows of `batches`, a table of `layout` whose bytes read so far `bytes` counts.
    pub fn new(batches: B, layout: Layout, bytes: ByteCount) -> Self {
        Self { batches, layout, bytes, current: None }
    }
}

/// Rows of `batch` to a piece: about [`CHUNK_BYTES`] of its data, at least one row.
fn rows_per_piece(batch: &RecordBatch) -> usize {
    let bytes = batch.get_array_memory_size().max(1);
    (CHUNK_BYTES * batch.num_rows() / bytes).clamp(1, batch.num_rows().max(1))
}

impl<B: Iterator<Item = Result<RecordBatch, ArrowError>>> PieceSource for BatchSource<B> {
    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        while self.current.as_ref().is_none_or(|(batch, next, _)| *next >= batch.num_rows()) {
            let Some(batch) = self.batches.next() else {
                self.current = None;
                return Ok(None);
            };
            let batch = batch.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let per_piece = rows_per_piece(&batch);
            self.current = Some((batch, 0, per_piece));
        }
        let Some((batch, next, per_piece)) = self.current.as_mut() else { return Ok(None) };
        let rows = (*per_piece).min(batch.num_rows() - *next);
        let piece = batch.slice(*next, rows);
        *next += rows;
        Ok(Some(Piece::Rows(piece)))
    }

    fn recycle(&mut self, _piece: Piece) {}
}

impl<B: Iterator<Item = Result<RecordBatch, ArrowError>>> TableSource for BatchSource<B> {
    fn layout(&self) -> Layout {
        self.layout
    }

    fn bytes(&self) -> u64 {
        self.bytes.get()
    }
}
