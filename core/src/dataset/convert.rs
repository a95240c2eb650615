//! Converting a dataset to the canonical chat JSONL the trainer reads: `train.jsonl` and
//! `validation.jsonl`, one `{"messages": [{"role", "content"}...]}` per line (or, for a
//! plain-text dataset, one `{"text": ...}` document per line).
//!
//! Records are checked by the same rules as in validation; those with an error, and those
//! with nothing to learn from (v4 user turns, `weight: 0`), are skipped and counted. The
//! split is the record's own `split`, or else a deterministic hash of the conversation's
//! content, so the same file always splits the same way and equal conversations land in
//! the same split. Output goes to temporary files renamed at the end: an error leaves no
//! partial output.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::chunk::{ChunkOutput, RecordSink};
use super::conversation::{Role, Split, Tool};
use super::cross_record::{ConversationFact, CrossRecord, Fact, MetaKind, Verdict};
use super::error::DatasetError;
use super::findings::{Findings, Location};
use super::format::detect::Layout;
use super::format::{View, ViewMessage};
use super::inflate::InflateLimits;
use super::reader::{DEFAULT_MAX_LINE_BYTES, Progress};
use super::scan::{Input, ScanSettings, Scanned, Unrecognised, scan};
use crate::model::DatasetFormat;

/// The training split's file name in the output folder.
pub const TRAIN_FILE: &str = "train.jsonl";

/// The validation split's file name in the output folder.
pub const VALIDATION_FILE: &str = "validation.jsonl";

/// How to convert a dataset. `ConvertOptions::default()` keeps every conversation without
/// a `split` of its own in the training file.
#[derive(Clone)]
pub struct ConvertOptions {
    /// The file's format; `None` recognises it from the first records.
    pub format: Option<DatasetFormat>,
    /// Share of the conversations without a `split` of their own that go to validation,
    /// chosen by a hash of their content: 0 (the default) to 1 excluded.
    pub validation_fraction: f64,
    /// Longer lines are skipped, so memory stays bounded. Default 64 MiB.
    pub max_line_bytes: usize,
    /// Worker threads; 0 uses every core. Default 0.
    pub threads: usize,
    /// Told the input bytes read so far, for a progress bar.
    pub progress: Option<Progress>,
    /// How far a gzip file may inflate; past it the conversion stops with
    /// [`DatasetError::Inflated`](super::DatasetError::Inflated).
    pub inflate: InflateLimits,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self {
            format: None,
            validation_fraction: 0.0,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            threads: 0,
            progress: None,
            inflate: InflateLimits::default(),
        }
    }
}

impl std::fmt::Debug for ConvertOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvertOptions")
            .field("format", &self.format)
            .field("validation_fraction", &self.validation_fraction)
            .field("max_line_bytes", &self.max_line_bytes)
            .field("threads", &self.threads)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .field("inflate", &self.inflate)
            .finish()
    }
}

/// What a conversion wrote and skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConvertSummary {
    /// The input's format; `None` for a file without records.
    pub format: Option<DatasetFormat>,
    /// How the input was laid out.
    pub layout: Layout,
    /// The training file written.
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::PathText"))]
    pub train_file: PathBuf,
    /// The validation file written (empty when no conversation went to validation).
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::PathText"))]
    pub validation_file: PathBuf,
    /// Conversations written to the training file.
    pub train_conversations: u64,
    /// Conversations written to the validation file.
    pub validation_conversations: u64,
    /// Records skipped because they had an error (run a validation to see them).
    pub skipped_invalid: u64,
    /// Conversations skipped because nothing in them is trained on (v4 user turns,
    /// `weight: 0`).
    pub skipped_untrained: u64,
    /// Validation copies of conversations already in the training split, skipped.
    pub skipped_overlap: u64,
}

/// Converts the dataset read from `reader` into `train.jsonl` and `validation.jsonl` in
/// `out_dir` (created if needed).
pub fn convert<R: Read>(reader: R, out_dir: &Path, options: &ConvertOptions) -> Result<ConvertSummary, DatasetError> {
    convert_sized(Input::Stream(reader), None, out_dir, options)
}

/// [`convert`] of a file.
pub fn convert_path(
    path: impl AsRef<Path>,
    out_dir: &Path,
    options: &ConvertOptions,
) -> Result<ConvertSummary, DatasetError> {
    let (input, size) = Input::open(path.as_ref())?;
    convert_sized(input, size, out_dir, options)
}

/// [`convert`] of an input of `input_size` bytes, when known.
fn convert_sized<R: Read>(
    input: Input<R>,
    input_size: Option<u64>,
    out_dir: &Path,
    options: &ConvertOptions,
) -> Result<ConvertSummary, DatasetError> {
    let fraction = options.validation_fraction;
    if !(0.0..1.0).contains(&fraction) {
        return Err(DatasetError::InvalidOption {
            name: "validation_fraction",
            reason: format!("{fraction} is not in [0, 1)"),
        });
    }
    fs::create_dir_all(out_dir).map_err(|e| DatasetError::write(out_dir, e))?;
    let mut output = Output::create(out_dir)?;
    let (scanned, counts) = match write_all(input, input_size, options, &mut output) {
        Ok(done) => done,
        Err(error) => {
            output.discard();
            return Err(error);
        }
    };
    let [train_file, validation_file] = output.commit()?;
    let written = counts.written[0] + counts.written[1];
    Ok(ConvertSummary {
        format: scanned.format,
        layout: scanned.layout,
        train_file,
        validation_file,
        train_conversations: counts.written[0],
        validation_conversations: counts.written[1],
        skipped_invalid: counts.records.saturating_sub(written + counts.untrained + counts.overlap),
        skipped_untrained: counts.untrained,
        skipped_overlap: counts.overlap,
    })
}

/// Reads the input, writing each converted line to `output`.
fn write_all<R: Read>(
    input: Input<R>,
    input_size: Option<u64>,
    options: &ConvertOptions,
    output: &mut Output,
) -> Result<(Scanned, Counts), DatasetError> {
    // Findings are only counted here (a cap of 0): a validation shows them.
    let settings = ScanSettings::new(
        options.format,
        Unrecognised::Fail,
        options.max_line_bytes,
        0,
        options.threads,
        (options.progress.clone(), options.inflate),
    )?;
    let mut merger = Merger {
        output,
        cross: CrossRecord::new(input_size),
        findings: Findings::new(0),
        validation_below: validation_threshold(options.validation_fraction),
        lines_before: 0,
        counts: Counts::default(),
        error: None,
    };
    let scanned = scan(input, &settings, &ConvertSink::default, &mut |out| merger.merge(out))?;
    match merger.error {
        Some(error) => Err(error),
        None => Ok((scanned, merger.counts)),
    }
}

/// Hashes below this go to validation: `fraction` of the 64-bit range.
fn validation_threshold(fraction: f64) -> u64 {
    // `fraction` is in [0, 1): the product is below 2^64, and `as` saturates anyway.
    (fraction * 18_446_744_073_709_551_616.0) as u64
}

/// What becomes of a conversation.
#[derive(Debug)]
enum Converted {
    /// Its canonical line, at this range of the block's buffer.
    Line(Range<usize>),
    /// It had an error.
    Invalid,
    /// Nothing in it is trained on.
    Untrained,
}

/// The canonical lines of a block of records.
#[derive(Default)]
struct ConvertSink {
    lines: Vec<u8>,
    facts: Vec<Fact<Converted>>,
}

/// One canonical chat line (`tools` only when the conversation has them).
#[derive(Serialize)]
struct ChatLine<'v, 'a> {
    messages: &'v [ViewMessage<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<&'v [Tool]>,
}

/// One canonical plain-text line: `{"text": ...}`, trained on every token.
#[derive(Serialize)]
struct TextLine<'v> {
    text: &'v str,
}

/// Writes the canonical line of `view`: a text line for a document, a chat line otherwise.
fn write_line(lines: &mut Vec<u8>, view: &View<'_>) -> serde_json::Result<()> {
    match view.messages.as_slice() {
        [message] if message.role == Role::Text => serde_json::to_writer(lines, &TextLine { text: &message.content }),
        messages => serde_json::to_writer(lines, &ChatLine { messages, tools: view.tools.as_deref() }),
    }
}

impl RecordSink for ConvertSink {
    fn conversation(&mut self, view: View<'_>, at: Location<'_>, _findings: &mut Findings, clean: bool) {
        let converted = if !clean {
            Converted::Invalid
        } else if view.targets == 0 {
            Converted::Untrained
        } else {
            let start = self.lines.len();
            match write_line(&mut self.lines, &view) {
                Ok(()) => {
                    self.lines.push(b'\n');
                    Converted::Line(start..self.lines.len())
                }
                Err(_) => {
                    self.lines.truncate(start);
                    Converted::Invalid
                }
            }
        };
        self.facts.push(Fact::Conversation(ConversationFact::new(&view, at, converted)));
    }

    fn meta(&mut self, _line: Option<u64>, _total_pairs: Option<u64>, _kind: MetaKind) {}
}

/// Conversations written and skipped.
#[derive(Debug, Default)]
struct Counts {
    records: u64,
    written: [u64; 2],
    untrained: u64,
    overlap: u64,
}

/// Writes the blocks' lines in file order.
struct Merger<'o> {
    output: &'o mut Output,
    cross: CrossRecord,
    findings: Findings,
    validation_below: u64,
    lines_before: u64,
    counts: Counts,
    error: Option<DatasetError>,
}

impl Merger<'_> {
    fn merge(&mut self, out: ChunkOutput<ConvertSink>) {
        let base = self.lines_before;
        self.cross.block(out.bytes, out.records);
        self.lines_before += out.lines;
        self.counts.records += out.records;
        for fact in out.sink.facts {
            let Fact::Conversation(fact) = fact else { continue };
            let split =
                fact.split.unwrap_or(if fact.hash < self.validation_below { Split::Validation } else { Split::Train });
            let verdict = self.cross.observe(&fact, split, base, &mut self.findings);
            match fact.payload {
                Converted::Line(_) if verdict == Verdict::Overlap => self.counts.overlap += 1,
                Converted::Line(range) => {
                    let index = usize::from(split == Split::Validation);
                    self.counts.written[index] += 1;
                    if self.error.is_none()
                        && let Err(error) = self.output.write(split, &out.sink.lines[range])
                    {
                        self.error = Some(error);
                    }
                }
                Converted::Untrained => self.counts.untrained += 1,
                Converted::Invalid => {}
            }
        }
    }
}

/// One output file, written under a temporary name until committed.
struct Target {
    writer: BufWriter<File>,
    temporary: PathBuf,
    path: PathBuf,
}

impl Target {
    /// Flushes the file to disk; returns its temporary and final paths.
    fn finish(self) -> Result<(PathBuf, PathBuf), DatasetError> {
        let file = self.writer.into_inner().map_err(|e| DatasetError::write(&self.temporary, e.into_error()))?;
        file.sync_all().map_err(|e| DatasetError::write(&self.temporary, e))?;
        Ok((self.temporary, self.path))
    }
}

/// The two output files: train, then validation.
struct Output {
    files: [Target; 2],
}

impl Output {
    fn create(dir: &Path) -> Result<Self, DatasetError> {
        let open = |name: &str| -> Result<Target, DatasetError> {
            let temporary = dir.join(format!(".{name}.{}.partial", std::process::id()));
            let file = File::create(&temporary).map_err(|e| DatasetError::write(&temporary, e))?;
            Ok(Target { writer: BufWriter::with_capacity(1 << 20, file), temporary, path: dir.join(name) })
        };
        let train = open(TRAIN_FILE)?;
        match open(VALIDATION_FILE) {
            Ok(validation) => Ok(Output { files: [train, validation] }),
            Err(error) => {
                remove_all(&[train.temporary]);
                Err(error)
            }
        }
    }

    fn write(&mut self, split: Split, line: &[u8]) -> Result<(), DatasetError> {
        let target = &mut self.files[usize::from(split == Split::Validation)];
        target.writer.write_all(line).map_err(|e| DatasetError::write(&target.temporary, e))
    }

    /// Flushes both files and gives them their final names; returns those.
    fn commit(self) -> Result<[PathBuf; 2], DatasetError> {
        let temporaries = self.files.each_ref().map(|target| target.temporary.clone());
        let committed = (|| {
            let [train, validation] = self.files.map(Target::finish);
            let done = [train?, validation?];
            for (temporary, path) in &done {
                fs::rename(temporary, path).map_err(|e| DatasetError::write(path, e))?;
            }
            Ok(done.map(|(_, path)| path))
        })();
        if committed.is_err() {
            remove_all(&temporaries);
        }
        committed
    }

    /// Removes the temporary files after an error.
    fn discard(self) {
        remove_all(&self.files.map(|target| target.temporary));
    }
}

/// Removes files, best effort: they are temporary, and the error being reported matters more.
fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        // Ignored on purpose: a leftover temporary file is harmless next to the real error.
        let _ = fs::remove_file(path);
    }
}
