//! A dataset that is one JSON document instead of JSON Lines, parsed as a stream: memory is
//! bounded by one record, never by the document.
//!
//! A v4 full document (`conversations[].training_pairs[]`) is a format of its own
//! ([`super::format::v4_document`]); a JSON array of records is reported as not JSON Lines,
//! and its records are still checked one by one; any other pretty-printed object is reported
//! with how to turn it into JSON Lines. Records are handed to the consumer in batches, like
//! the chunks of a JSONL file, with absolute line numbers.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::chunk::{ChunkOutput, RecordSink};
use super::codes::RuleCode;
use super::error::DatasetError;
use super::findings::{FieldPath, Location};
use super::format::detect::{KNOWN_FORMATS, Layout, Shape};
use super::format::json::{JsonKind, RawRecord, Slot};
use super::format::v4_document;
use super::scan::{ScanSettings, Scanned, Unrecognised};
use crate::model::DatasetFormat;

/// Records handed to the consumer at a time.
const BATCH: usize = 1024;

/// Where the parser is in the input: newlines and bytes read so far.
#[derive(Debug, Default)]
struct Position {
    newlines: Cell<u64>,
    bytes: Cell<u64>,
    ends_with_newline: Cell<bool>,
}

/// A reader that keeps [`Position`] up to date as serde_json reads it. serde_json reads a
/// stream one byte at a time, so that case is kept short.
struct Tracked<R> {
    inner: R,
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
    position: Rc<Position>,
}

impl<R: Read> Tracked<R> {
    fn new(inner: R, position: Rc<Position>) -> Self {
        Self { inner, buffer: vec![0; 256 << 10].into_boxed_slice(), start: 0, end: 0, position }
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end {
            self.end = loop {
                match self.inner.read(&mut self.buffer) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other?,
                }
            };
            self.start = 0;
        }
        let available = &self.buffer[self.start..self.end];
        let n = available.len().min(out.len());
        let read = &available[..n];
        out[..n].copy_from_slice(read);
        self.start += n;
        if let Some(&last) = read.last() {
            let p = &self.position;
            let newlines =
                if n == 1 { u64::from(last == b'\n') } else { memchr::memchr_iter(b'\n', read).count() as u64 };
            p.newlines.set(p.newlines.get() + newlines);
            p.bytes.set(p.bytes.get() + n as u64);
            p.ends_with_newline.set(last == b'\n');
        }
        Ok(n)
    }
}

/// The state of a document being read: the format, the current batch and where to send it.
pub(crate) struct Handler<'m, S> {
    format: Option<DatasetFormat>,
    /// Whether the caller forced the format.
    forced: bool,
    unrecognised: Unrecognised,
    position: Rc<Position>,
    out: ChunkOutput<S>,
    batch: usize,
    finding_cap: usize,
    make_sink: &'m (dyn Fn() -> S + Sync),
    merge: &'m mut dyn FnMut(ChunkOutput<S>),
    stop: Option<DatasetError>,
}

impl<S: RecordSink> Handler<'_, S> {
    /// The line the parser is on.
    pub fn line(&self) -> u64 {
        self.position.newlines.get() + 1
    }

    /// Sets the file's format, unless the caller forced one.
    pub fn assume_format(&mut self, format: DatasetFormat) {
        self.format.get_or_insert(format);
    }

    /// Replaces a format assumed too early (a pretty-printed ShareGPT record first read as
    /// a v4 document), unless the caller forced one.
    pub fn correct_format(&mut self, format: DatasetFormat) {
        if !self.forced {
            self.format = Some(format);
        }
    }

    /// The batch being filled, for findings and metadata outside records.
    pub fn out(&mut self) -> &mut ChunkOutput<S> {
        &mut self.out
    }

    /// Checks one record at `path`, which starts on `line`. Fails (with the reason kept in
    /// `stop`) when the format cannot be told from the first record of an array, unless
    /// unrecognised records are to be checked one by one.
    fn record(&mut self, record: Slot<RawRecord<'_>>, path: &str, line: u64) -> Result<(), ()> {
        let format = match self.format {
            Some(format) => Some(format),
            None => {
                let shape = match &record {
                    Slot::Value(record) => Shape::of(record),
                    _ => Shape::Unknown,
                };
                match (shape.format(), shape) {
                    (Some(format), _) => Some(*self.format.insert(format)),
                    // A `_meta` record is v4's; the next record decides.
                    (None, Shape::Meta) => Some(DatasetFormat::BrightrunLoraV4),
                    (None, _) if self.unrecognised == Unrecognised::Check => None,
                    (None, _) => {
                        self.stop = Some(DatasetError::UnknownFormat {
                            reason: format!(
                                "the first record of the JSON array ({path}) is {}; {KNOWN_FORMATS}",
                                shape.describe()
                            ),
                        });
                        return Err(());
                    }
                }
            }
        };
        self.out.record(record, format, Location { line: Some(line), prefix: Some(path) }, None);
        self.batch += 1;
        if self.batch >= BATCH {
            self.flush();
        }
        Ok(())
    }

    fn flush(&mut self) {
        let full = std::mem::replace(&mut self.out, ChunkOutput::new((self.make_sink)(), self.finding_cap));
        (self.merge)(full);
        self.batch = 0;
    }
}

/// Reads a JSON value that should be of one kind, streaming its content; a value of another
/// kind is skipped and reported.
pub(crate) trait Stream<'de>: Sized {
    /// The kind expected.
    const KIND: JsonKind;

    /// Reads an array (when `KIND` is an array).
    fn seq<A: SeqAccess<'de>>(self, mut seq: A, _line: u64) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    /// Reads an object (when `KIND` is an object).
    fn map<A: MapAccess<'de>>(self, mut map: A, _line: u64) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    /// A value of another kind was found at `line`.
    fn wrong(self, found: JsonKind, line: u64);
}

/// Runs a [`Stream`] on the next value; the value starts on the line the parser is on.
pub(crate) struct StreamSeed<T> {
    /// What reads the value.
    pub stream: T,
    /// The line of the value.
    pub line: u64,
}

impl<'de, T: Stream<'de>> DeserializeSeed<'de> for StreamSeed<T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Stream<'de>> StreamSeed<T> {
    fn scalar<E>(self, kind: JsonKind) -> Result<(), E> {
        self.stream.wrong(kind, self.line);
        Ok(())
    }
}

impl<'de, T: Stream<'de>> Visitor<'de> for StreamSeed<T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::KIND.described())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(JsonKind::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar(JsonKind::Bool)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar(JsonKind::Number)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar(JsonKind::Number)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar(JsonKind::Number)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar(JsonKind::String)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if T::KIND == JsonKind::Array {
            return self.stream.seq(seq, self.line);
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.scalar(JsonKind::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if T::KIND == JsonKind::Object {
            return self.stream.map(map, self.line);
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.scalar(JsonKind::Object)
    }
}

/// One record of a document at `path`.
pub(crate) struct RecordSeed<'h, 'm, S> {
    /// The document's state.
    pub handler: &'h mut Handler<'m, S>,
    /// The record's JSON path.
    pub path: String,
}

impl<'de, S: RecordSink> DeserializeSeed<'de> for RecordSeed<'_, '_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // The parser has read the record's first byte: this is the record's line.
        let line = self.handler.line();
        let record = Slot::<RawRecord<'de>>::deserialize(deserializer)?;
        self.handler.record(record, &self.path, line).map_err(|()| de::Error::custom("stopped"))
    }
}

/// What the document turned out to be.
enum Outcome {
    /// A v4 document or an array: its end is checked for trailing content.
    Records,
    /// Another object, already reported as not JSON Lines.
    Other,
}

/// The document's top-level value: an object (a v4 document, or not) or an array.
struct Top<'h, 'm, S> {
    handler: &'h mut Handler<'m, S>,
}

impl<'de, S: RecordSink> Visitor<'de> for Top<'_, '_, S> {
    type Value = Outcome;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Outcome, A::Error> {
        let line = self.handler.line();
        let keys = v4_document::read_document(map, self.handler)?;
        if let Some(keys) = keys {
            let shape = Shape::of_keys(keys.iter().map(String::as_str));
            if let Some(format) = shape.format() {
                self.handler.assume_format(format);
            }
            // The object is a record, not checked: it counts, so the file is not "empty".
            self.handler.out().records += 1;
            self.handler.out().findings.add(
                RuleCode::JsonDocumentNotJsonl,
                Location::line(line),
                FieldPath::Record,
                || {
                    let looks =
                        if shape == Shape::Unknown { String::new() } else { format!(" ({})", shape.describe()) };
                    format!(
                        "the file is one pretty-printed JSON object{looks}, not JSON Lines with one record per line"
                    )
                },
            );
            return Ok(Outcome::Other);
        }
        Ok(Outcome::Records)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Outcome, A::Error> {
        let line = self.handler.line();
        self.handler.out().findings.add(RuleCode::JsonArrayNotJsonl, Location::line(line), FieldPath::Record, || {
            "the file is one JSON array of records, read item by item as JSON Lines would be; it is not JSON \
             Lines, which some trainers require"
                .to_owned()
        });
        let mut index = 0_usize;
        while seq.next_element_seed(RecordSeed { handler: &mut *self.handler, path: format!("[{index}]") })?.is_some() {
            index += 1;
        }
        Ok(Outcome::Records)
    }
}

/// Reads a dataset laid out as one JSON document.
pub(crate) fn scan<R: Read, S: RecordSink>(
    input: R,
    layout: Layout,
    settings: &ScanSettings,
    gzip: bool,
    make_sink: &(dyn Fn() -> S + Sync),
    merge: &mut dyn FnMut(ChunkOutput<S>),
) -> Result<Scanned, DatasetError> {
    let position = Rc::new(Position::default());
    let mut reader = Tracked::new(input, Rc::clone(&position));
    let mut handler = Handler {
        format: settings.format,
        forced: settings.format.is_some(),
        unrecognised: settings.unrecognised,
        position: Rc::clone(&position),
        out: ChunkOutput::new(make_sink(), settings.finding_cap),
        batch: 0,
        finding_cap: settings.finding_cap,
        make_sink,
        merge,
        stop: None,
    };
    let mut deserializer = serde_json::Deserializer::from_reader(&mut reader);
    let parsed = deserializer.deserialize_any(Top { handler: &mut handler });
    let ended = match parsed {
        Ok(Outcome::Records) => deserializer.end(),
        Ok(Outcome::Other) => Ok(()),
        Err(error) => Err(error),
    };
    if let Err(error) = ended {
        if let Some(stop) = handler.stop.take() {
            return Err(stop);
        }
        if error.is_io() {
            return Err(DatasetError::read(io::Error::from(error), gzip));
        }
        let line = u64::try_from(error.line()).unwrap_or(u64::MAX);
        handler.out.parse_error(&error, Location::line(line), "; the rest of the document was not checked");
    }
    // Read what the parser left, for the line and byte counts (and the progress bar).
    io::copy(&mut reader, &mut io::sink()).map_err(|e| DatasetError::read(e, gzip))?;
    handler.flush();
    let bytes = position.bytes.get();
    let lines = position.newlines.get() + u64::from(bytes > 0 && !position.ends_with_newline.get());
    Ok(Scanned { layout, format: handler.format, lines, bytes })
}
