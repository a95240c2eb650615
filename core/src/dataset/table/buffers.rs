//! Buffers of Parquet pages used again, page after page.
//!
//! Arrow's reader reads every page into a fresh buffer and decompresses it into another, so a
//! file's pages cost fresh memory from the system (zeroed first) for every page. Here pages
//! are read ([`PooledFile`]) and decompressed (`super::codec`) into buffers of a
//! [`BufferPool`]: a buffer goes back to the pool when the last array that views it is
//! dropped, and the next page is read into it.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::mem;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use parquet::errors::{ParquetError, Result};
use parquet::file::reader::{ChunkReader, Length};

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
    pub fn take(&self, len: usize) -> Vec<u8> {
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
    pub fn share(&self, buffer: Vec<u8>) -> Bytes {
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
    /// The pool its pages are read into.
    pub pool: BufferPool,
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
        let past_the_end = |why: &dyn std::fmt::Display| {
            ParquetError::EOF(format!("cannot read {length} bytes at offset {start} of {} bytes: {why}", self.len))
        };
        // A length past the end of the file (a damaged header) is refused before it is allocated.
        if start.saturating_add(length as u64) > self.len {
            return Err(past_the_end(&"past the end of the file"));
        }
        let mut buffer = self.pool.take(length);
        self.file.read_exact_at(&mut buffer, start).map_err(|e| past_the_end(&e))?;
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
        let error = file.get_bytes(0, usize::MAX).unwrap_err();
        assert!(error.to_string().contains("past the end of the file"), "{error}");
    }
}
