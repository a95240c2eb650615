//! Rows of Arrow record batches (a Parquet file decoded, or Arrow IPC) as pieces of rows,
//! numbered across all the batches, each piece a slice of a batch (the arrays are shared,
//! not copied) of about [`CHUNK_BYTES`] of data.

use std::cell::Cell;
use std::io;
use std::rc::Rc;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;

use super::TableSource;
use crate::dataset::format::detect::Layout;
use crate::dataset::pipeline::PieceSource;
use crate::dataset::reader::{CHUNK_BYTES, Piece};

/// Bytes of the input read so far, shared with the reader that counts them.
pub(crate) type ByteCount = Rc<Cell<u64>>;

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
