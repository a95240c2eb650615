//! The pages of a Parquet file, read into pooled buffers ([`super::buffers`]), with Snappy
//! and zstd pages decompressed ([`super::codec`]) a few pages ahead on helper threads.
//!
//! Decompressing is most of the cost of decoding a Parquet file, and Arrow's reader does it
//! page after page on the one thread that decodes: however many cores check the rows, that
//! thread would bound the speed. Here each column's next pages are handed to [`Helpers`] as
//! they are read, decompressed side by side, and given to the decoder in order. With one
//! thread, pages are decompressed as they are asked for.

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use parquet::arrow::arrow_reader::RowGroups;
use parquet::basic::Compression;
use parquet::column::page::{Page, PageIterator, PageMetadata, PageReader};
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ParquetMetaData, RowGroupMetaData};
use parquet::file::serialized_reader::SerializedPageReader;

use super::buffers::{BufferPool, PooledFile};
use super::codec::{Codec, Decoders};

/// The size a page may decompress to, whatever its column chunk says it holds.
const LEAST_PAGE_LIMIT: i64 = 64 << 20;

/// Pages read ahead (of all the columns together) per helper thread.
const AHEAD_PER_HELPER: usize = 2;

/// Pages of a column read ahead at least: the one waited for, and one being decompressed.
const AHEAD_PER_COLUMN: usize = 2;

/// The row groups of a Parquet file, read through a [`PooledFile`].
pub(crate) struct PooledRowGroups {
    /// The file.
    pub file: Arc<PooledFile>,
    /// Its metadata.
    pub metadata: Arc<ParquetMetaData>,
    /// The threads that decompress pages ahead, if any.
    pub helpers: Option<Arc<Helpers>>,
}

impl RowGroups for PooledRowGroups {
    fn num_rows(&self) -> usize {
        self.metadata.row_groups().iter().map(|group| usize::try_from(group.num_rows()).unwrap_or(0)).sum()
    }

    fn column_chunks(&self, column: usize) -> Result<Box<dyn PageIterator>> {
        let file = Arc::clone(&self.file);
        let metadata = Arc::clone(&self.metadata);
        let helpers = self.helpers.clone();
        let pages = (0..self.metadata.num_row_groups())
            .map(move |group| column_pages(&file, &metadata, group, column, helpers.clone()));
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
/// decompressed here (ahead, by `helpers` when there are some); others decompressed by
/// Arrow's page reader.
fn column_pages(
    file: &Arc<PooledFile>,
    metadata: &ParquetMetaData,
    group: usize,
    column: usize,
    helpers: Option<Arc<Helpers>>,
) -> Result<Box<dyn PageReader>> {
    let row_group = metadata.row_group(group);
    let chunk = row_group.column(column);
    let rows = usize::try_from(row_group.num_rows()).unwrap_or(0);
    let Some(codec) = Codec::of(chunk.compression()) else {
        return Ok(Box::new(SerializedPageReader::new(Arc::clone(file), chunk, rows, None)?));
    };
    let stored = chunk.clone().into_builder().set_compression(Compression::UNCOMPRESSED).build()?;
    let pages = SerializedPageReader::new(Arc::clone(file), &stored, rows, None)?;
    let pool = file.pool.clone();
    // No page is bigger than its column chunk (one whose size is misstated still gets
    // `LEAST_PAGE_LIMIT`), nor than a page header can say (an i32).
    let most = chunk.uncompressed_size().max(LEAST_PAGE_LIMIT).min(i64::from(i32::MAX));
    let most = usize::try_from(most).unwrap_or(0);
    let decompress = match helpers {
        Some(helpers) => Decompress::Ahead { helpers, pages: VecDeque::new() },
        None => Decompress::Here(Decoders::new()),
    };
    Ok(Box::new(PooledPages { pages, pool, codec, most, decompress }))
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
    /// The most bytes a page decompresses to: its column chunk's size.
    most: usize,
    decompress: Decompress,
}

/// Where a column's pages are decompressed.
enum Decompress {
    /// On the thread that decodes, as they are asked for.
    Here(Decoders),
    /// By helper threads, a few pages ahead: each page read and not handed on yet, in order,
    /// with what its header says of it.
    Ahead { helpers: Arc<Helpers>, pages: VecDeque<(PageMetadata, Receiver<Result<Page>>)> },
}

impl PooledPages {
    /// Hands the next stored pages to the helpers, up to as many as they work on at once.
    fn read_ahead(&mut self) -> Result<()> {
        let Decompress::Ahead { helpers, pages } = &mut self.decompress else { return Ok(()) };
        while pages.len() < helpers.ahead {
            let Some(page) = self.pages.get_next_page()? else { break };
            let header = metadata(&page);
            pages.push_back((header, helpers.decompress(self.codec, page, self.most, self.pool.clone())));
        }
        Ok(())
    }
}

impl Iterator for PooledPages {
    type Item = Result<Page>;

    fn next(&mut self) -> Option<Self::Item> {
        self.get_next_page().transpose()
    }
}

/// `at_record_boundary` is the trait's own (from `peek_next_page`), as the file's page reader
/// answers it without a page index.
impl PageReader for PooledPages {
    fn get_next_page(&mut self) -> Result<Option<Page>> {
        self.read_ahead()?;
        match &mut self.decompress {
            Decompress::Here(decoders) => {
                let Some(page) = self.pages.get_next_page()? else { return Ok(None) };
                decoders.decompress(self.codec, page, self.most, &self.pool).map(Some)
            }
            Decompress::Ahead { pages, .. } => match pages.pop_front() {
                Some((_, page)) => page.recv().unwrap_or_else(|_| Err(helpers_stopped())).map(Some),
                None => Ok(None),
            },
        }
    }

    fn peek_next_page(&mut self) -> Result<Option<PageMetadata>> {
        self.read_ahead()?;
        match &self.decompress {
            Decompress::Here(_) => self.pages.peek_next_page(),
            Decompress::Ahead { pages, .. } => Ok(pages.front().map(|(metadata, _)| metadata.clone())),
        }
    }

    fn skip_next_page(&mut self) -> Result<()> {
        self.read_ahead()?;
        match &mut self.decompress {
            Decompress::Here(_) => self.pages.skip_next_page(),
            Decompress::Ahead { pages, .. } => {
                pages.pop_front();
                Ok(())
            }
        }
    }
}

/// What a stored page's header says of it, as the file's page reader tells it.
fn metadata(page: &Page) -> PageMetadata {
    match page {
        Page::DataPage { num_values, .. } => {
            PageMetadata { num_rows: None, num_levels: Some(*num_values as usize), is_dict: false }
        }
        Page::DataPageV2 { num_values, num_rows, .. } => {
            PageMetadata { num_rows: Some(*num_rows as usize), num_levels: Some(*num_values as usize), is_dict: false }
        }
        Page::DictionaryPage { .. } => PageMetadata { num_rows: None, num_levels: None, is_dict: true },
    }
}

/// The error of a page whose helper thread stopped before it was decompressed.
fn helpers_stopped() -> ParquetError {
    ParquetError::General("the threads that decompress pages stopped".into())
}

/// A page to decompress, and where its result goes.
type Job = Box<dyn FnOnce(&mut Decoders) + Send>;

/// Threads that decompress the pages of a file for all its columns. They stop when the
/// last column reader holding them is dropped.
pub(crate) struct Helpers {
    jobs: Sender<Job>,
    /// Pages of a column read ahead.
    ahead: usize,
}

impl Helpers {
    /// Starts `count` helper threads for a file of `columns` columns (leaves). The pages read
    /// ahead are shared out among the columns, so a wide table holds few pages of each.
    pub fn start(count: usize, columns: usize) -> io::Result<Arc<Self>> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..count {
            let queue = Arc::clone(&queue);
            thread::Builder::new().name("brightrun-pages".to_owned()).spawn(move || {
                let mut decoders = Decoders::new();
                loop {
                    let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok(job) = job else { break };
                    job(&mut decoders);
                }
            })?;
        }
        let ahead = (AHEAD_PER_HELPER * count / columns.max(1)).max(AHEAD_PER_COLUMN);
        Ok(Arc::new(Self { jobs, ahead }))
    }

    /// Decompresses `page` (to at most `most` bytes) on a helper thread; its result comes on
    /// the receiver.
    fn decompress(&self, codec: Codec, page: Page, most: usize, pool: BufferPool) -> Receiver<Result<Page>> {
        let (done, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |decoders| {
            // A failed send: the page is no longer wanted.
            let _ = done.send(decoders.decompress(codec, page, most, &pool));
        });
        // A failed send drops the job, and with it `done`: the receiver then says so.
        let _ = self.jobs.send(job);
        result
    }
}
