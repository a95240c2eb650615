//! Apache Arrow tables: an Arrow IPC stream or file (`.arrow`), or the directory Hugging Face
//! `datasets.save_to_disk` writes (`state.json` naming its shards, each an IPC stream), read
//! a record batch at a time; a row is a record, numbered across the shards in their order.
//!
//! A stream is read as it comes; an IPC file is read from its end (the footer says where its
//! batches are), so one that comes as a stream is first copied to an unnamed temporary file.
//! Files on disk (and those copied) are decoded a few batches ahead on a thread of their own
//! when the rows are checked on more than one thread ([`Decoded`]).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_ipc::reader::{FileReader, StreamReader};
use arrow_schema::ArrowError;
use serde::Deserialize;

use super::batches::{BatchSource, ByteCount, Decoded};
use super::{ARROW_FILE_MAGIC, spool};
use crate::dataset::error::DatasetError;
use crate::dataset::format::detect::Layout;

/// The file of a saved dataset that names its shards.
const STATE_FILE: &str = "state.json";

/// The file of a saved `DatasetDict`, whose splits are directories of their own.
const DICT_FILE: &str = "dataset_dict.json";

/// The rows of an Arrow IPC stream read as it comes.
pub(crate) type ArrowStream<R> = BatchSource<StreamReader<BufReader<Counting<R>>>>;

/// The rows of Arrow IPC files on disk, one after the other.
pub(crate) type ArrowFiles = BatchSource<Decoded<Shards>>;

/// Counts the bytes read.
pub(crate) struct Counting<R> {
    inner: R,
    count: ByteCount,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.add(n as u64);
        Ok(n)
    }
}

fn unreadable(what: &str, e: ArrowError) -> DatasetError {
    DatasetError::InvalidTable { reason: format!("not a readable Arrow {what}: {e}") }
}

/// Reads the Arrow IPC stream `input`.
pub(crate) fn stream<R: Read>(input: R) -> Result<ArrowStream<R>, DatasetError> {
    let count = ByteCount::default();
    let counting = Counting { inner: input, count: count.clone() };
    let reader = StreamReader::try_new(BufReader::new(counting), None).map_err(|e| unreadable("stream", e))?;
    Ok(BatchSource::new(reader, Layout::Arrow, count))
}

/// Copies the Arrow IPC file `input` to an unnamed temporary file and reads it from there,
/// for rows checked on `threads`.
pub(crate) fn file_from_stream(input: impl Read, gzip: bool, threads: usize) -> Result<ArrowFiles, DatasetError> {
    let file = spool(input, gzip)?;
    Shards::new(VecDeque::from([Shard::Open(file)]), threads)
}

/// Reads the Arrow IPC file or stream `file` in place, for rows checked on `threads`.
pub(crate) fn file(file: File, threads: usize) -> Result<ArrowFiles, DatasetError> {
    Shards::new(VecDeque::from([Shard::Open(file)]), threads)
}

/// The part of a saved dataset's `state.json` that is read.
#[derive(Deserialize)]
struct State {
    #[serde(rename = "_data_files")]
    data_files: Vec<DataFile>,
}

#[derive(Deserialize)]
struct DataFile {
    filename: String,
}

/// Reads the dataset saved by `datasets.save_to_disk` in the directory `dir`, for rows
/// checked on `threads`.
pub(crate) fn saved_dataset(dir: &Path, threads: usize) -> Result<ArrowFiles, DatasetError> {
    let state_path = dir.join(STATE_FILE);
    let state = match std::fs::read(&state_path) {
        Ok(state) => state,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(not_a_saved_dataset(dir)),
        Err(e) => return Err(DatasetError::open(&state_path, e)),
    };
    let state: State = serde_json::from_slice(&state).map_err(|e| DatasetError::InvalidTable {
        reason: format!("{} does not list the dataset's files: {e}", state_path.display()),
    })?;
    let mut shards = VecDeque::with_capacity(state.data_files.len());
    for data_file in state.data_files {
        // A shard is a file of this directory: never a path that leaves it.
        let name = Path::new(&data_file.filename);
        if name.components().count() != 1 || name.file_name().is_none() {
            return Err(DatasetError::InvalidTable {
                reason: format!(
                    "{} names `{}`, which is not a file of its directory",
                    state_path.display(),
                    data_file.filename
                ),
            });
        }
        shards.push_back(Shard::Path(dir.join(name)));
    }
    Shards::new(shards, threads)
}

/// Why the directory `dir` is not read.
fn not_a_saved_dataset(dir: &Path) -> DatasetError {
    if dir.join(DICT_FILE).is_file() {
        return DatasetError::UnsupportedSource {
            what: "a Hugging Face `DatasetDict` saved to disk (one directory a split)".to_owned(),
            fix: format!("give the directory of one split, for example {}", dir.join("train").display()),
        };
    }
    DatasetError::UnsupportedSource {
        what: "a directory that is not a Hugging Face dataset saved to disk (it has no state.json)".to_owned(),
        fix: "give a dataset file, or the directory `dataset.save_to_disk(...)` wrote".to_owned(),
    }
}

/// A shard: a file opened already, or one to open when its turn comes.
pub(crate) enum Shard {
    Open(File),
    Path(PathBuf),
}

/// The record batches of one shard.
type ShardBatches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// The record batches of shards, one shard after the other; each is an IPC file or stream.
pub(crate) struct Shards {
    pending: VecDeque<Shard>,
    current: Option<ShardBatches>,
    /// The sizes of the shards opened so far.
    bytes: ByteCount,
}

impl Shards {
    /// The rows of `shards`, the first one opened now (so that a file that is not Arrow is
    /// refused at once), checked on `threads`.
    fn new(shards: VecDeque<Shard>, threads: usize) -> Result<ArrowFiles, DatasetError> {
        let bytes = ByteCount::default();
        let mut shards = Shards { pending: shards, current: None, bytes: bytes.clone() };
        shards.current = shards.open_next()?;
        Ok(BatchSource::new(Decoded::new(shards, threads, "brightrun-arrow")?, Layout::Arrow, bytes))
    }

    /// The batches of the next shard, `None` when there is none.
    fn open_next(&mut self) -> Result<Option<ShardBatches>, DatasetError> {
        let Some(shard) = self.pending.pop_front() else { return Ok(None) };
        let (mut file, path) = match shard {
            Shard::Open(file) => (file, None),
            Shard::Path(path) => (File::open(&path).map_err(|e| DatasetError::open(&path, e))?, Some(path)),
        };
        let size = file.metadata().map_err(|e| DatasetError::read(e, false))?.len();
        self.bytes.add(size);
        let mut magic = [0_u8; ARROW_FILE_MAGIC.len()];
        let is_file = match file.read_exact(&mut magic) {
            Ok(()) => magic == ARROW_FILE_MAGIC,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => false,
            Err(e) => return Err(DatasetError::read(e, false)),
        };
        io::Seek::rewind(&mut file).map_err(|e| DatasetError::read(e, false))?;
        let named = |what: &str| match &path {
            Some(path) => format!("{what} {}", path.display()),
            None => what.to_owned(),
        };
        let batches: ShardBatches = if is_file {
            Box::new(FileReader::try_new(file, None).map_err(|e| unreadable(&named("file"), e))?)
        } else {
            Box::new(StreamReader::try_new(BufReader::new(file), None).map_err(|e| unreadable(&named("stream"), e))?)
        };
        Ok(Some(batches))
    }
}

impl Iterator for Shards {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = self.current.as_mut()?.next() {
                return Some(batch);
            }
            match self.open_next() {
                Ok(next) => self.current = next,
                Err(e) => return Some(Err(ArrowError::ExternalError(Box::new(e)))),
            }
        }
    }
}
