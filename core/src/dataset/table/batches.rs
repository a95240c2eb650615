//! Rows of Arrow record batches (a Parquet file decoded, or Arrow IPC) as pieces of JSON
//! lines, one line per row, numbered across all the batches.

use std::cell::Cell;
use std::io;
use std::rc::Rc;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;

use super::arrays::{Rows, column_keys};
use super::{RowPieces, TableSource};
use crate::dataset::format::detect::Layout;
use crate::dataset::pipeline::PieceSource;
use crate::dataset::reader::{CHUNK_BYTES, Piece, SpareBuffers};

/// Bytes of the input read so far, shared with the reader that counts them.
pub(crate) type ByteCount = Rc<Cell<u64>>;

/// A batch being written: the batch, its columns' keys, and its next row.
type Current = (RecordBatch, Vec<Vec<u8>>, usize);

/// The rows of record batches (from `B`, in order) as pieces of JSON lines.
pub(crate) struct BatchSource<B> {
    batches: B,
    layout: Layout,
    bytes: ByteCount,
    /// The batch being written, its columns' keys, and its next row.
    current: Option<Current>,
    pieces: RowPieces,
    spare: SpareBuffers,
}

impl<B: Iterator<Item = Result<RecordBatch, ArrowError>>> BatchSource<B> {
    /// The rows of `batches`, a table of `layout` whose bytes read so far `bytes` counts.
    pub fn new(batches: B, layout: Layout, bytes: ByteCount, max_line_bytes: usize) -> Self {
        Self {
            batches,
            layout,
            bytes,
            current: None,
            pieces: RowPieces::new(max_line_bytes),
            spare: SpareBuffers::default(),
        }
    }
}

/// The batch of `current` if it has rows left, or else the next one from `batches` that
/// has; `None` at the end.
fn batch<'c>(
    batches: &mut impl Iterator<Item = Result<RecordBatch, ArrowError>>,
    current: &'c mut Option<Current>,
) -> io::Result<Option<&'c mut Current>> {
    while current.as_ref().is_none_or(|(batch, _, row)| *row >= batch.num_rows()) {
        let Some(batch) = batches.next() else {
            *current = None;
            return Ok(None);
        };
        let batch = batch.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let keys = column_keys(batch.schema_ref());
        *current = Some((batch, keys, 0));
    }
    Ok(current.as_mut())
}

impl<B: Iterator<Item = Result<RecordBatch, ArrowError>>> PieceSource for BatchSource<B> {
    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        if let Some(piece) = self.pieces.take_pending() {
            return Ok(Some(piece));
        }
        let mut buf = self.spare.take(CHUNK_BYTES);
        'batches: while buf.len() < CHUNK_BYTES {
            let Some((batch, keys, next)) = batch(&mut self.batches, &mut self.current)? else { break };
            let rows = Rows::new(batch, keys);
            while *next < batch.num_rows() && buf.len() < CHUNK_BYTES {
                let start = buf.len();
                let written = rows.write(*next, &mut buf);
                *next += 1;
                if !self.pieces.keep_row(&mut buf, start, written) {
                    break 'batches;
                }
            }
        }
        Ok(self.pieces.finish(buf))
    }

    fn recycle(&mut self, piece: Piece) {
        self.spare.keep(piece);
    }
}

impl<B: Iterator<Item = Result<RecordBatch, ArrowError>>> TableSource for BatchSource<B> {
    fn layout(&self) -> Layout {
        self.layout
    }

    fn bytes(&self) -> u64 {
        self.bytes.get()
    }
}
