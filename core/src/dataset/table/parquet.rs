//! Parquet tables: one record per row, its columns by name, decoded to Arrow arrays a batch
//! of rows at a time and read as records from the arrays (see [`super::records`]).
//!
//! A Parquet file is read from its end (the footer holds the schema and where the row
//! groups are), so a stream is first copied to an unnamed temporary file, which the system
//! removes when it is closed; a file on disk is read in place ([`open`]).
//!
//! Text is decoded as views of the decompressed pages (Arrow's `Utf8View`), never copied
//! into a buffer of its own, and pages are read and decompressed into buffers used again
//! page after page, decompressed a few pages ahead on helper threads ([`super::pages`]).
//! With more than one thread, the file is decoded on a thread of its own, a few batches
//! ahead of the checks ([`Decoded`]).

use std::fs::File;
use std::io::Read;
use std::ops::RangeInclusive;
use std::sync::Arc;

use arrow_schema::{DataType, Field, FieldRef, Fields};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, RowGroups};
use parquet::arrow::{ProjectionMask, parquet_to_arrow_field_levels};
use parquet::file::metadata::RowGroupMetaData;

use super::batches::{BatchSource, ByteCount, Decoded};
use super::buffers::{BufferPool, PooledFile};
use super::pages::{Helpers, PooledRowGroups};
use super::spool;
use crate::dataset::error::DatasetError;
use crate::dataset::format::detect::Layout;

/// Bytes of data (as the row groups state them, decompressed) decoded at a time: the rows of
/// a batch are as many as hold about this much, within [`BATCH_ROWS`]. A chat file's batches
/// then hold about 320 conversations, a prompt/completion file's about 2500 records. Against
/// 1024 rows a batch, on 2 cores (`benches/dataset/run.sh`, part (d)): the same time, and a
/// peak RSS of 79 MiB instead of 107 for chat, 81 instead of 74 for prompt/completion.
const BATCH_BYTES: u64 = 2 << 20;

/// The fewest and the most rows of a batch: a bounded slice of a row group, however large
/// the row group or its rows are.
const BATCH_ROWS: RangeInclusive<usize> = 64..=16_384;

/// The rows of a Parquet file.
pub(crate) type ParquetSource = BatchSource<Decoded<ParquetRecordBatchReader>>;

/// Copies `input` to an unnamed temporary file and reads it from there.
/// `gzip` says whether the stream is decompressed gzip (for the errors).
pub(crate) fn from_stream(input: impl Read, gzip: bool, threads: usize) -> Result<ParquetSource, DatasetError> {
    open(spool(input, gzip)?, threads)
}

/// Reads the Parquet file `file`, decoding ahead on a thread of its own when the rows are
/// checked on more than one `threads`.
pub(crate) fn open(file: File, threads: usize) -> Result<ParquetSource, DatasetError> {
    let file_bytes = file.metadata().map_err(|e| DatasetError::read(e, false))?.len();
    let not_parquet = |e: parquet::errors::ParquetError| DatasetError::InvalidTable {
        reason: format!("not a readable Parquet file: {e}"),
    };
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(not_parquet)?;
    let schema = metadata.schema();
    if schema.fields().is_empty() {
        return Err(DatasetError::InvalidTable { reason: "the Parquet file has no columns".to_owned() });
    }
    let viewed: Fields = schema.fields().iter().map(viewed).collect();
    let levels = parquet_to_arrow_field_levels(metadata.parquet_schema(), ProjectionMask::all(), Some(&viewed))
        .map_err(not_parquet)?;
    let file = PooledFile::new(file, BufferPool::default()).map_err(|e| DatasetError::read(e, false))?;
    // As many helpers as check threads: they only work on the few pages read ahead, so a
    // core idle between checks decompresses (on 2 cores: 0.24 s a chat file, against 0.27 s
    // with one helper and 0.32 s with none).
    let helpers = match threads {
        0 | 1 => None,
        _ => {
            let columns = metadata.parquet_schema().num_columns();
            Some(Helpers::start(threads, columns).map_err(|e| DatasetError::read(e, false))?)
        }
    };
    let row_groups = PooledRowGroups { file: Arc::new(file), metadata: Arc::clone(metadata.metadata()), helpers };
    let batch_rows = batch_rows(metadata.metadata().row_groups()).min(row_groups.num_rows()).max(1);
    let reader = ParquetRecordBatchReader::try_new_with_row_groups(&levels, &row_groups, batch_rows, None)
        .map_err(not_parquet)?;
    let decoded = Decoded::new(reader, threads, "brightrun-parquet")?;
    Ok(BatchSource::new(decoded, Layout::Parquet, ByteCount::new(file_bytes)))
}

/// The rows of a batch of about [`BATCH_BYTES`], from what the row groups say of their rows
/// and sizes (within [`BATCH_ROWS`], whatever a damaged footer says).
fn batch_rows(row_groups: &[RowGroupMetaData]) -> usize {
    let stated = |value: i64| u64::try_from(value).unwrap_or(0);
    let rows = row_groups.iter().map(|group| stated(group.num_rows())).fold(0, u64::saturating_add);
    let bytes = row_groups.iter().map(|group| stated(group.total_byte_size())).fold(0, u64::saturating_add);
    rows_of_about(BATCH_BYTES, rows, bytes)
}

/// The rows of `rows` that hold about `batch` of their `bytes`, within [`BATCH_ROWS`].
fn rows_of_about(batch: u64, rows: u64, bytes: u64) -> usize {
    let per_row = (bytes / rows.max(1)).max(1);
    usize::try_from(batch / per_row).unwrap_or(usize::MAX).clamp(*BATCH_ROWS.start(), *BATCH_ROWS.end())
}

/// `field` with its strings and binaries (at any depth) read as views of the decompressed
/// pages rather than copied into a buffer of each batch.
fn viewed(field: &FieldRef) -> FieldRef {
    let data_type = match field.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 => DataType::Utf8View,
        DataType::Binary | DataType::LargeBinary => DataType::BinaryView,
        DataType::List(item) => DataType::List(viewed(item)),
        DataType::LargeList(item) => DataType::LargeList(viewed(item)),
        DataType::FixedSizeList(item, size) => DataType::FixedSizeList(viewed(item), *size),
        DataType::Struct(fields) => DataType::Struct(fields.iter().map(viewed).collect()),
        DataType::Map(entries, sorted) => DataType::Map(viewed(entries), *sorted),
        other => other.clone(),
    };
    Arc::new(Field::new(field.name(), data_type, field.is_nullable()).with_metadata(field.metadata().clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_holds_about_its_bytes_within_its_bounds_of_rows() {
        let mib = 1 << 20;
        // A chat file's rows of 6.5 kB, a prompt/completion file's of 0.85 kB.
        assert_eq!(rows_of_about(2 * mib, 28_526, 187_000_000), 319);
        assert_eq!(rows_of_about(2 * mib, 229_996, 194_000_000), 2487);
        // Rows of megabytes, or of nothing; a footer that states no size or no rows.
        assert_eq!(rows_of_about(2 * mib, 10, 100 * mib), 64);
        assert_eq!(rows_of_about(2 * mib, 1_000_000, 0), 16_384);
        assert_eq!(rows_of_about(2 * mib, 0, 0), 16_384);
        assert_eq!(rows_of_about(2 * mib, 0, u64::MAX), 64);
    }
}
