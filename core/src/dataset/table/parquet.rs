//! Parquet tables: one record per row, its columns by name, decoded to Arrow arrays a batch
//! of rows at a time and written as JSON lines from the arrays (see [`super::arrays`]).
//!
//! A Parquet file is read from its end (the footer holds the schema and where the row
//! groups are), so a stream is first copied to an unnamed temporary file, which the system
//! removes when it is closed; a file on disk is read in place ([`open`]).

use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::rc::Rc;

use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::batches::BatchSource;
use super::spool;
use crate::dataset::error::DatasetError;
use crate::dataset::format::detect::Layout;

/// Rows decoded at a time: a bounded slice of a row group, however large the row group is.
const BATCH_ROWS: usize = 1024;

/// The rows of a Parquet file.
pub(crate) type ParquetSource = BatchSource<ParquetRecordBatchReader>;

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
    Ok(BatchSource::new(reader, Layout::Parquet, Rc::new(Cell::new(file_bytes)), max_line_bytes))
}
