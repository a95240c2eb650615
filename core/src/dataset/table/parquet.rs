//! Parquet tables: one record per row, its columns by name, decoded to Arrow arrays a batch
//! of rows at a time and written as JSON lines from the arrays (see [`super::arrays`]).
//!
//! A Parquet file is read from its end (the footer holds the schema and where the row
//! groups are), so a stream is first copied to an unnamed temporary file, which the system
//! removes when it is closed; a file on disk is read in place ([`open`]).
//!
//! Decoding (decompressing pages, checking UTF-8) costs about as much as checking the rows,
//! so it runs on a thread of its own, a few batches ahead of the thread that writes the
//! rows as JSON lines: memory stays bounded by [`AHEAD`] batches.

use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver};
use std::thread;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::batches::BatchSource;
use super::spool;
use crate::dataset::error::DatasetError;
use crate::dataset::format::detect::Layout;

/// Rows decoded at a time: a bounded slice of a row group, however large the row group is.
const BATCH_ROWS: usize = 1024;

/// Batches decoded ahead of the one being written.
const AHEAD: usize = 2;

/// The rows of a Parquet file.
pub(crate) type ParquetSource = BatchSource<Decoded>;

/// Record batches decoded on a thread of their own; the thread stops at the end of the file,
/// or when this is dropped.
pub(crate) struct Decoded(Receiver<Result<RecordBatch, ArrowError>>);

impl Iterator for Decoded {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.recv().ok()
    }
}

/// Copies `input` to an unnamed temporary file and reads it from there.
/// `gzip` says whether the stream is decompressed gzip (for the errors).
pub(crate) fn from_stream(input: impl Read, gzip: bool, max_line_bytes: usize) -> Result<ParquetSource, DatasetError> {
    open(spool(input, gzip)?, max_line_bytes)
}

/// Reads the Parquet file `file`.
pub(crate) fn open(file: File, max_line_bytes: usize) -> Result<ParquetSource, DatasetError> {
    let file_bytes = file.metadata().map_err(|e| DatasetError::read(e, false))?.len();
    let not_parquet = |e: parquet::errors::ParquetError| DatasetError::InvalidTable {
        reason: format!("not a readable Parquet file: {e}"),
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(not_parquet)?;
    if builder.schema().fields().is_empty() {
        return Err(DatasetError::InvalidTable { reason: "the Parquet file has no columns".to_owned() });
    }
    let reader = builder.with_batch_size(BATCH_ROWS).build().map_err(not_parquet)?;
    let (sender, receiver) = mpsc::sync_channel(AHEAD);
    thread::Builder::new()
        .name("brightrun-parquet".to_owned())
        .spawn(move || {
            for batch in reader {
                // A failed send: the reader was dropped, nothing more is wanted.
                if sender.send(batch).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| DatasetError::read(e, false))?;
    Ok(BatchSource::new(Decoded(receiver), Layout::Parquet, Rc::new(Cell::new(file_bytes)), max_line_bytes))
}
