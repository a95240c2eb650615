//! The pages of a Parquet file read into buffers that are used again, page after page.
//!
//! Arrow's reader reads every page into a fresh buffer and decompresses it into another, so a
//! file's pages cost fresh memory from the system (zeroed first) for every page. Here the
//! stored pages are read ([`PooledFile`]) and Snappy and zstd pages (pyarrow's and pandas'
//! default codec, and the usual smaller one) decompressed ([`PooledPages`]) into buffers of a
//! [`BufferPool`]: a buffer goes back to the pool when the last array that views it is
//! dropped, and the next page is read into it. Pages of the other codecs (gzip, LZ4, Brotli)
//! are decompressed by Arrow's reader, from pooled reads.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::mem;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use parquet::arrow::arrow_reader::RowGroups;
use parquet::basic::Compression;
use parquet::column::page::{Page, PageIterator, PageMetadata, PageReader};
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ParquetMetaData, RowGroupMetaData};
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::serialized_reader::SerializedPageReader;

/// Buffers kept for use again: more than the pages in flight at once (a few batches'
/// worth), fewer than would hold much memory idle at the end of a file.
const POOLED_BUFFERS: usize = 64;

/// Bytes of a page header read at a time (a header is tens of bytes, more with statistics).
const HEADER_READ: usize = 1024;

/// Buffers of pages no longer in use, shared by the reader that fills them and the arrays
/// (on any thread) that view them.
#[derive(Clone, Default)]
pub(crate) struct BufferPool(Arc<Mutex<Vec<Vec<u8>>>>);

impl BufferPool {
    /// A buffer of `len` bytes whose content is left from an earlier page (or zeros): the
    /// caller overwrites all of it.
    fn take(&self, len: usize) -> Vec<u8> {
        let mut buffer = {
            let mut pool = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            // The smallest buffer that holds `len`, else the largest (grown once, kept after).
            let fits = pool.iter().enumerate().filter(|(_, b)| b.capacity() >= len).min_by_key(|(_, b)| b.capacity());
            let chosen = fits.or_else(|| pool.iter().enumerate().max_by_key(|(_, b)| b.capacity())).map(|(i, _)| i);
            chosen.map(|i| pool.swap_remove(i)).unwrap_or_default()
        };
        if buffer.len() >= len {
            buffer.truncate(len);
        } else {
            buffer.resize(len, 0);
        }
        buffer
    }

    /// `buffer` as bytes that give it back to this pool when the last view of them is dropped.
    fn share(&self, buffer: Vec<u8>) -> Bytes {
        Bytes::from_owner(Pooled { buffer, pool: self.clone() })
    }

    /// Keeps `buffer` for a later page, unless the pool is full.
    fn give_back(&self, buffer: Vec<u8>) {
        let mut pool = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.len() < POOLED_BUFFERS {
            pool.push(buffer);
        }
    }
}

/// A buffer of a [`BufferPool`], given back when dropped.
struct Pooled {
    buffer: Vec<u8>,
    pool: BufferPool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give_back(mem::take(&mut self.buffer));
    }
}

/// A Parquet file whose pages are read into the buffers of a pool, at their offsets (no
/// shared file position, so any thread may read).
pub(crate) struct PooledFile {
    file: Arc<File>,
    len: u64,
    pool: BufferPool,
}

impl PooledFile {
    /// `file`, its pages read into buffers of `pool`.
    pub fn new(file: File, pool: BufferPool) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(Self { file: Arc::new(file), len, pool })
    }
}

impl Length for PooledFile {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for PooledFile {
    type T = BufReader<FileAt>;

    fn get_read(&self, start: u64) -> Result<Self::T> {
        Ok(BufReader::with_capacity(HEADER_READ, FileAt { file: Arc::clone(&self.file), offset: start }))
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes> {
        let mut buffer = self.pool.take(length);
        self.file.read_exact_at(&mut buffer, start).map_err(|e| {
            ParquetError::EOF(format!("cannot read {length} bytes at offset {start} of {} bytes: {e}", self.len))
        })?;
        Ok(self.pool.share(buffer))
    }
}

/// A file read from an offset on, without moving a shared position.
pub(crate) struct FileAt {
    file: Arc<File>,
    offset: u64,
}

impl Read for FileAt {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.file.read_at(buf, self.offset)?;
        self.offset += read as u64;
        Ok(read)
    }
}

/// The row groups of a Parquet file, read through a [`PooledFile`].
pub(crate) struct PooledRowGroups {
    /// The file.
    pub file: Arc<PooledFile>,
    /// Its metadata.
    pub metadata: Arc<ParquetMetaData>,
}

impl RowGroups for PooledRowGroups {
    fn num_rows(&self) -> usize {
        self.metadata.row_groups().iter().map(|group| usize::try_from(group.num_rows()).unwrap_or(0)).sum()
    }

    fn column_chunks(&self, column: usize) -> Result<Box<dyn PageIterator>> {
        let file = Arc::clone(&self.file);
        let metadata = Arc::clone(&self.metadata);
        let pages = (0..self.metadata.num_row_groups()).map(move |group| column_pages(&file, &metadata, group, column));
        Ok(Box::new(ColumnChunks(Box::new(pages))))
    }

    fn row_groups(&self) -> Box<dyn Iterator<Item = &RowGroupMetaData> + '_> {
        Box::new(self.metadata.row_groups().iter())
    }

    fn metadata(&self) -> &ParquetMetaData {
        &self.metadata
    }
}

/// The pages of `column` in row group `group`: Snappy and zstd pages read as stored and
/// decompressed into pooled buffers, others decompressed by Arrow's page reader.
fn column_pages(
    file: &Arc<PooledFile>,
    metadata: &ParquetMetaData,
    group: usize,
    column: usize,
) -> Result<Box<dyn PageReader>> {
    let row_group = metadata.row_group(group);
    let chunk = row_group.column(column);
    let rows = usize::try_from(row_group.num_rows()).unwrap_or(0);
    let codec = match chunk.compression() {
        Compression::SNAPPY => Codec::Snappy(snap::raw::Decoder::new()),
        Compression::ZSTD(_) => Codec::Zstd(zstd::bulk::Decompressor::new()?),
        _ => return Ok(Box::new(SerializedPageReader::new(Arc::clone(file), chunk, rows, None)?)),
    };
    let stored = chunk.clone().into_builder().set_compression(Compression::UNCOMPRESSED).build()?;
    let pages = SerializedPageReader::new(Arc::clone(file), &stored, rows, None)?;
    Ok(Box::new(PooledPages { pages, pool: file.pool.clone(), codec }))
}

/// The pages of one column, a row group after the other.
struct ColumnChunks(Box<dyn Iterator<Item = Result<Box<dyn PageReader>>> + Send>);

impl Iterator for ColumnChunks {
    type Item = Result<Box<dyn PageReader>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

impl PageIterator for ColumnChunks {}

/// The pages of a Snappy or zstd column chunk, decompressed into pooled buffers.
struct PooledPages {
    /// The pages as stored.
    pages: SerializedPageReader<PooledFile>,
    pool: BufferPool,
    codec: Codec,
}

impl Iterator for PooledPages {
    type Item = Result<Page>;

    fn next(&mut self) -> Option<Self::Item> {
        self.get_next_page().transpose()
    }
}

impl PageReader for PooledPages {
    fn get_next_page(&mut self) -> Result<Option<Page>> {
        let Some(mut page) = self.pages.get_next_page()? else { return Ok(None) };
        match &mut page {
            Page::DataPage { buf, .. } | Page::DictionaryPage { buf, .. } => {
                *buf = self.codec.decompress(buf, 0, &self.pool)?;
            }
            // The levels are stored uncompressed; the values only when the page says so.
            Page::DataPageV2 { buf, def_levels_byte_len, rep_levels_byte_len, is_compressed, .. } => {
                if *is_compressed {
                    let levels = *def_levels_byte_len as usize + *rep_levels_byte_len as usize;
                    *buf = self.codec.decompress(buf, levels, &self.pool)?;
                    *is_compressed = false;
                }
            }
        }
        Ok(Some(page))
    }

    fn peek_next_page(&mut self) -> Result<Option<PageMetadata>> {
        self.pages.peek_next_page()
    }

    fn skip_next_page(&mut self) -> Result<()> {
        self.pages.skip_next_page()
    }

    fn at_record_boundary(&mut self) -> Result<bool> {
        self.pages.at_record_boundary()
    }
}

/// A codec whose pages are decompressed here.
enum Codec {
    Snappy(snap::raw::Decoder),
    Zstd(zstd::bulk::Decompressor<'static>),
}

impl Codec {
    /// The codec's name, for errors.
    fn name(&self) -> &'static str {
        match self {
            Codec::Snappy(_) => "Snappy",
            Codec::Zstd(_) => "zstd",
        }
    }

    /// `stored` with its bytes after the first `kept` decompressed, in a pooled buffer.
    fn decompress(&mut self, stored: &Bytes, kept: usize, pool: &BufferPool) -> Result<Bytes> {
        let (head, compressed) = stored
            .split_at_checked(kept)
            .ok_or_else(|| ParquetError::General("a data page's levels are longer than the page".into()))?;
        if compressed.is_empty() {
            return Ok(stored.clone());
        }
        let name = self.name();
        let damaged =
            |e: &dyn std::fmt::Display| ParquetError::General(format!("a {name} page could not be decompressed: {e}"));
        let length = match self {
            Codec::Snappy(_) => snap::raw::decompress_len(compressed).map_err(|e| damaged(&e))?,
            Codec::Zstd(_) => match zstd::zstd_safe::get_frame_content_size(compressed) {
                Ok(Some(length)) => usize::try_from(length).map_err(|e| damaged(&e))?,
                // A frame written as a stream does not say its size: decoded as one.
                Ok(None) => {
                    let mut out = pool.take(kept);
                    out.copy_from_slice(head);
                    zstd::stream::copy_decode(compressed, &mut out).map_err(|e| damaged(&e))?;
                    return Ok(pool.share(out));
                }
                Err(e) => return Err(damaged(&e)),
            },
        };
        let mut out = pool.take(kept + length);
        out[..kept].copy_from_slice(head);
        let written = match self {
            Codec::Snappy(decoder) => decoder.decompress(compressed, &mut out[kept..]).map_err(|e| damaged(&e))?,
            Codec::Zstd(decoder) => {
                decoder.decompress_to_buffer(compressed, &mut out[kept..]).map_err(|e| damaged(&e))?
            }
        };
        if written != length {
            return Err(damaged(&format!("{written} bytes where its header says {length}")));
        }
        Ok(pool.share(out))
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_goes_back_to_the_pool_when_its_last_view_is_dropped() {
        let pool = BufferPool::default();
        let bytes = pool.share(vec![7; 1000]);
        let view = bytes.slice(10..20);
        drop(bytes);
        assert!(pool.0.lock().unwrap().is_empty(), "a view still holds the buffer");
        drop(view);
        let address = pool.0.lock().unwrap()[0].as_ptr();
        let again = pool.take(600);
        assert_eq!(again.len(), 600);
        assert_eq!(again.as_ptr(), address, "the same memory, not a fresh buffer");
    }

    #[test]
    fn the_smallest_buffer_that_fits_is_taken_and_the_pool_is_bounded() {
        let pool = BufferPool::default();
        for len in [100, 5000, 2000] {
            pool.give_back(vec![0; len]);
        }
        assert_eq!(pool.take(1500).capacity(), 2000);
        assert!(pool.take(9000).len() == 9000, "grown from the largest when none fits");
        for _ in 0..POOLED_BUFFERS + 10 {
            pool.give_back(Vec::with_capacity(10));
        }
        assert_eq!(pool.0.lock().unwrap().len(), POOLED_BUFFERS);
    }

    /// `text` after `LEVELS`, compressed by `compress`, decompressed by `codec`.
    fn round_trip(codec: &mut Codec, compressed: &[u8], text: &[u8]) {
        let pool = BufferPool::default();
        let stored = Bytes::from([b"LEVELS".as_slice(), compressed].concat());
        let page = codec.decompress(&stored, 6, &pool).unwrap();
        assert_eq!(&page[..6], b"LEVELS");
        assert_eq!(&page[6..], text);
    }

    #[test]
    fn pages_decompress_after_their_levels_and_damage_is_an_error() {
        let pool = BufferPool::default();
        let text = b"a page of text, a page of text, a page of text".repeat(20);
        let snappy = snap::raw::Encoder::new().compress_vec(&text).unwrap();
        round_trip(&mut Codec::Snappy(snap::raw::Decoder::new()), &snappy, &text);
        let zstd_sized = zstd::bulk::compress(&text, 3).unwrap();
        let mut encoder = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
        for half in text.chunks(text.len() / 2) {
            std::io::Write::write_all(&mut encoder, half).unwrap();
            std::io::Write::flush(&mut encoder).unwrap();
        }
        let zstd_streamed = encoder.finish().unwrap();
        assert!(matches!(zstd::zstd_safe::get_frame_content_size(&zstd_streamed), Ok(None)), "a frame of no size");
        for zstd in [&zstd_sized, &zstd_streamed] {
            round_trip(&mut Codec::Zstd(zstd::bulk::Decompressor::new().unwrap()), zstd, &text);
        }

        let mut codec = Codec::Snappy(snap::raw::Decoder::new());
        let error = codec.decompress(&Bytes::copy_from_slice(&snappy[..snappy.len() / 2]), 0, &pool).unwrap_err();
        assert!(error.to_string().contains("a Snappy page could not be decompressed"), "{error}");
        let error = codec.decompress(&Bytes::from(snappy.clone()), snappy.len() + 1, &pool).unwrap_err();
        assert!(error.to_string().contains("levels are longer than the page"), "{error}");
        let mut codec = Codec::Zstd(zstd::bulk::Decompressor::new().unwrap());
        for damaged in [&zstd_sized[..zstd_sized.len() / 2], &zstd_streamed[..zstd_streamed.len() / 2]] {
            let error = codec.decompress(&Bytes::copy_from_slice(damaged), 0, &pool).unwrap_err();
            assert!(error.to_string().contains("a zstd page could not be decompressed"), "{error}");
        }
    }

    #[test]
    fn a_read_past_the_end_of_the_file_is_an_error() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"0123456789").unwrap();
        let file = PooledFile::new(file, BufferPool::default()).unwrap();
        assert_eq!(&file.get_bytes(2, 5).unwrap()[..], b"23456");
        let mut header = Vec::new();
        file.get_read(7).unwrap().read_to_end(&mut header).unwrap();
        assert_eq!(header, b"789");
        let error = file.get_bytes(8, 5).unwrap_err();
        assert!(error.to_string().contains("cannot read 5 bytes at offset 8 of 10 bytes"), "{error}");
    }
}
