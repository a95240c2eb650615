//! Parquet tables: one record per row, its columns by name (nested lists and structs as JSON
//! arrays and objects), read row group by row group.
//!
//! A Parquet file is read from its end (the footer holds the schema and where the row
//! groups are), so a stream is first copied to an unnamed temporary file, which the system
//! removes when it is closed; a file on disk is read in place ([`ParquetSource::open`]).

use std::fs::File;
use std::io::{self, Read};

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;

use super::cells::{parquet_value, write_string};
use super::{RowPieces, TableSource};
use crate::dataset::codes::RuleCode;
use crate::dataset::error::DatasetError;
use crate::dataset::format::detect::Layout;
use crate::dataset::pipeline::PieceSource;
use crate::dataset::reader::{CHUNK_BYTES, Piece};

/// The rows of a Parquet file as pieces of JSON lines, one line per row.
pub(crate) struct ParquetSource {
    rows: RowIter<'static>,
    file_bytes: u64,
    pieces: RowPieces,
}

impl ParquetSource {
    /// Copies `input` to an unnamed temporary file and reads it from there.
    /// `gzip` says whether the stream is decompressed gzip (for the errors).
    pub fn spool(mut input: impl Read, gzip: bool, max_line_bytes: usize) -> Result<Self, DatasetError> {
        let mut file = tempfile::tempfile().map_err(|e| DatasetError::read(e, false))?;
        io::copy(&mut input, &mut file).map_err(|e| DatasetError::read(e, gzip))?;
        Self::open(file, max_line_bytes)
    }

    /// Reads the Parquet file `file`.
    pub fn open(file: File, max_line_bytes: usize) -> Result<Self, DatasetError> {
        let file_bytes = file.metadata().map_err(|e| DatasetError::read(e, false))?.len();
        let reader = SerializedFileReader::new(file)
            .map_err(|e| DatasetError::InvalidTable { reason: format!("not a readable Parquet file: {e}") })?;
        if reader.metadata().file_metadata().schema_descr().num_columns() == 0 {
            return Err(DatasetError::InvalidTable { reason: "the Parquet file has no columns".to_owned() });
        }
        Ok(Self { rows: reader.into_iter(), file_bytes, pieces: RowPieces::new(max_line_bytes) })
    }
}

/// Appends a row as a JSON line, or says why it cannot be one.
fn write_row(row: parquet::record::Row, out: &mut Vec<u8>) -> Result<(), String> {
    out.push(b'{');
    for (index, (column, field)) in row.into_columns().into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_string(&column, out);
        out.push(b':');
        let value = parquet_value(&column, field.to_json_value()).map_err(|e| e.to_string())?;
        serde_json::to_writer(&mut *out, &value).map_err(|e| e.to_string())?;
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

impl PieceSource for ParquetSource {
    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        if let Some(piece) = self.pieces.take_pending() {
            return Ok(Some(piece));
        }
        let mut buf = Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 4);
        while buf.len() < CHUNK_BYTES {
            let Some(row) = self.rows.next() else { break };
            let row = row.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("a Parquet row: {e}")))?;
            let start = buf.len();
            let written = write_row(row, &mut buf).map_err(|message| (RuleCode::MalformedRow, message));
            if !self.pieces.keep_row(&mut buf, start, written) {
                break;
            }
        }
        Ok(self.pieces.finish(buf))
    }

    fn recycle(&mut self, _piece: Piece) {}
}

impl TableSource for ParquetSource {
    fn layout(&self) -> Layout {
        Layout::Parquet
    }

    fn bytes(&self) -> u64 {
        self.file_bytes
    }
}
