//! Rules across records, checked in file order on one thread: duplicate conversations,
//! train/validation overlap, v4 turn-number gaps and the `_meta` record.
//!
//! Workers reduce each record to a [`Fact`] (64-bit hashes, never the texts); the merger
//! feeds the facts here in file order, so "duplicate of line N" is deterministic.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::codes::RuleCode;
use super::conversation::Split;
use super::findings::{FieldPath, Findings, Location};
use super::format::View;

/// What the cross-record rules need to know of one record.
#[derive(Debug)]
pub(crate) enum Fact<P> {
    /// A conversation.
    Conversation(ConversationFact<P>),
    /// A `_meta` record or a document's `training_file_metadata`.
    Meta {
        /// Its line (chunk-relative until merged).
        line: Option<u64>,
        /// Its `total_pairs`, when valid.
        total_pairs: Option<u64>,
        /// Which of the two.
        kind: MetaKind,
    },
}

/// Where a file's metadata is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetaKind {
    /// A `_meta` record, which must be the first line of a JSONL file.
    Line,
    /// A v4 document's `training_file_metadata`, anywhere in the document.
    Document,
}

impl MetaKind {
    /// The field that holds the metadata.
    pub fn field(self) -> &'static str {
        match self {
            MetaKind::Line => "_meta",
            MetaKind::Document => "training_file_metadata",
        }
    }
}

/// A conversation reduced to hashes.
#[derive(Debug)]
pub(crate) struct ConversationFact<P> {
    /// Its line (chunk-relative until merged).
    pub line: Option<u64>,
    /// Its path inside a JSON document.
    pub prefix: Option<String>,
    /// Hash of its roles and texts.
    pub hash: u64,
    /// The split it asks for.
    pub split: Option<Split>,
    /// Hash of its `conversation_id`, when it has one.
    pub conversation: Option<u64>,
    /// Its v4 `turn_number`.
    pub turn_number: Option<u64>,
    /// What the consumer attaches (the converted line, for `convert`).
    pub payload: P,
}

impl<P> ConversationFact<P> {
    /// The fact of `view`, found at `at`.
    pub fn new(view: &View<'_>, at: Location<'_>, payload: P) -> Self {
        ConversationFact {
            line: at.line,
            prefix: at.prefix.map(str::to_owned),
            hash: view.content_hash(),
            split: view.split,
            conversation: view.conversation_id.as_deref().map(|id| xxhash_rust::xxh3::xxh3_64(id.as_bytes())),
            turn_number: view.turn_number,
            payload,
        }
    }
}

/// What the rules say of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// First seen.
    New,
    /// Seen before in the same split.
    Duplicate,
    /// Seen before in the other split.
    Overlap,
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A 64-bit hash as a map key, stored 4-byte aligned: a slot of the duplicate index then
/// takes 12 bytes instead of 16 (plus hashbrown's control byte), which matters with
/// millions of conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HashKey([u32; 2]);

impl HashKey {
    fn new(hash: u64) -> Self {
        // Splitting the hash in halves: both truncations are intended.
        Self([hash as u32, (hash >> 32) as u32])
    }
}

impl Hash for HashKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.0[0]) | (u64::from(self.0[1]) << 32));
    }
}

type HashKeyed<V> = HashMap<HashKey, V, BuildHasherDefault<Prehashed>>;

/// A conversation seen before, in 4 bytes: the line of its first copy (30 bits; 0 when
/// unknown or past 2^30 - 1) and the splits it is in.
#[derive(Debug, Clone, Copy)]
struct Seen(u32);

impl Seen {
    const TRAIN: u32 = 1 << 30;
    const VALIDATION: u32 = 1 << 31;
    const LINE: u32 = Self::TRAIN - 1;

    fn new(line: u64, split: Split) -> Self {
        let line = u32::try_from(line).ok().filter(|line| *line <= Self::LINE).unwrap_or(0);
        Seen(line | Self::bit(split))
    }

    fn bit(split: Split) -> u32 {
        match split {
            Split::Train => Self::TRAIN,
            Split::Validation => Self::VALIDATION,
        }
    }

    fn line(self) -> u64 {
        u64::from(self.0 & Self::LINE)
    }

    fn is_in(self, split: Split) -> bool {
        self.0 & Self::bit(split) != 0
    }

    fn add(&mut self, split: Split) {
        self.0 |= Self::bit(split);
    }
}

/// The last pair seen of a v4 conversation.
#[derive(Debug, Clone, Copy)]
struct LastTurn {
    turn: u64,
    line: u64,
}

/// The `_meta` record, kept until the pairs are counted.
#[derive(Debug)]
struct Meta {
    line: Option<u64>,
    total_pairs: Option<u64>,
    kind: MetaKind,
}

/// Totals of the cross-record rules, for the statistics.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CrossCounts {
    /// Conversations seen before in the same split.
    pub duplicates: u64,
    /// Conversations seen before in the other split.
    pub overlaps: u64,
    /// Distinct `conversation_id`s, when the format has them.
    pub source_conversations: Option<u64>,
}

/// Partitions of the duplicate index.
const SEEN_PARTS: usize = 256;

/// The conversations seen so far, by content hash. Split in partitions by 8 bits of the
/// hash that neither hashbrown's bucket index (low bits) nor its tag (top 7 bits) uses, so
/// that growing the index reallocates one small partition at a time instead of holding two
/// copies of a table of millions of entries.
#[derive(Debug)]
struct SeenIndex {
    parts: Vec<HashKeyed<Seen>>,
}

impl Default for SeenIndex {
    fn default() -> Self {
        Self { parts: (0..SEEN_PARTS).map(|_| HashKeyed::default()).collect() }
    }
}

impl SeenIndex {
    fn part(&mut self, hash: u64) -> &mut HashKeyed<Seen> {
        &mut self.parts[((hash >> 40) as usize) % SEEN_PARTS]
    }
}

/// Below this many expected conversations the index just grows: it is small anyway.
const PRESIZE_MIN: u64 = 1 << 16;

/// Conversations are assumed to take at least this many bytes, to bound a reservation made
/// from an estimate.
const PRESIZE_MIN_BYTES: u64 = 64;

/// The state of the cross-record rules.
#[derive(Debug, Default)]
pub(crate) struct CrossRecord {
    seen: SeenIndex,
    turns: HashKeyed<Option<LastTurn>>,
    counts: CrossCounts,
    meta: Option<Meta>,
    conversations_seen: bool,
    /// The input's size in bytes, when known and the index is not sized yet.
    input_size: Option<u64>,
}

/// Prints a line number for a message, or `?` for a record without one.
fn line_text(line: u64) -> String {
    if line == 0 { "?".to_owned() } else { line.to_string() }
}

impl CrossRecord {
    /// The rules for an input of `input_size` bytes, when known: the duplicate index is then
    /// sized once from the first block instead of doubling as it fills (which holds the old
    /// and the new table at once, the peak of memory on files of millions of conversations).
    pub fn new(input_size: Option<u64>) -> Self {
        Self { input_size, ..Self::default() }
    }

    /// Notes a block of `bytes` holding `records`, before its facts are observed.
    pub fn block(&mut self, bytes: u64, records: u64) {
        if records == 0 || bytes == 0 {
            return;
        }
        let Some(size) = self.input_size.take() else { return };
        let expected = (u128::from(size) * u128::from(records) / u128::from(bytes)) as u64;
        let expected = expected.min(size / PRESIZE_MIN_BYTES);
        if expected >= PRESIZE_MIN {
            // 10% above the estimate, for the records of other sizes further on.
            let per_part = usize::try_from(expected / SEEN_PARTS as u64 * 11 / 10).unwrap_or(usize::MAX);
            for part in &mut self.seen.parts {
                part.reserve(per_part);
            }
        }
    }

    /// Checks a conversation in `split` whose chunk starts after line `line_base`.
    pub fn observe<P>(
        &mut self,
        fact: &ConversationFact<P>,
        split: Split,
        line_base: u64,
        findings: &mut Findings,
    ) -> Verdict {
        self.conversations_seen = true;
        let line = fact.line.map(|line| line + line_base);
        let at = Location { line, prefix: fact.prefix.as_deref() };
        let verdict = self.observe_content(fact.hash, split, line.unwrap_or_default(), at, findings);
        if let Some(conversation) = fact.conversation {
            let last = self.turns.entry(HashKey::new(conversation)).or_insert(None);
            if let Some(turn) = fact.turn_number {
                let expected = last.map_or(1, |last| last.turn + 1);
                if turn != expected {
                    findings.add(RuleCode::TurnNumberGap, at, FieldPath::Field("turn_number"), || match last {
                        Some(last) => format!(
                            "`turn_number` is {turn} after {} at line {} of the same conversation; expected {expected}",
                            last.turn,
                            line_text(last.line)
                        ),
                        None => format!("the conversation's first pair has `turn_number` {turn}; expected 1"),
                    });
                }
                *last = Some(LastTurn { turn, line: line.unwrap_or_default() });
            }
        }
        verdict
    }

    fn observe_content(
        &mut self,
        hash: u64,
        split: Split,
        line: u64,
        at: Location<'_>,
        findings: &mut Findings,
    ) -> Verdict {
        let key = HashKey::new(hash);
        let part = self.seen.part(hash);
        let Some(seen) = part.get_mut(&key) else {
            part.insert(key, Seen::new(line, split));
            return Verdict::New;
        };
        let first = line_text(seen.line());
        if seen.is_in(split) {
            self.counts.duplicates += 1;
            findings.add(RuleCode::DuplicateConversation, at, FieldPath::Record, || {
                format!("the same conversation as line {first}")
            });
            Verdict::Duplicate
        } else {
            self.counts.overlaps += 1;
            seen.add(split);
            findings.add(RuleCode::TrainValidationOverlap, at, FieldPath::Record, || {
                let other = if split == Split::Validation { "train" } else { "validation" };
                format!("the same conversation is in the {other} split at line {first}")
            });
            Verdict::Overlap
        }
    }

    /// Notes a `_meta` record (or a document's metadata) at `line`.
    pub fn meta(&mut self, line: Option<u64>, total_pairs: Option<u64>, kind: MetaKind, findings: &mut Findings) {
        if self.meta.is_some() || (kind == MetaKind::Line && self.conversations_seen) {
            let field = kind.field();
            findings.add(RuleCode::MisplacedMeta, Location { line, prefix: None }, FieldPath::Field(field), || {
                format!("`{field}` must be the first record, once; this one is ignored")
            });
            return;
        }
        self.meta = Some(Meta { line, total_pairs, kind });
    }

    /// Compares `_meta.total_pairs` with the `pairs` of the file (`trained` of them with a
    /// target) and returns the totals.
    pub fn finish(self, pairs: u64, trained: u64, findings: &mut Findings) -> CrossCounts {
        if let Some(Meta { line, total_pairs: Some(total), kind }) = self.meta
            && total != pairs
            && total != trained
        {
            let field = kind.field();
            findings.add(RuleCode::MetaTotalPairsMismatch, Location { line, prefix: None }, FieldPath::Nested(field, "total_pairs"), || {
                format!("`{field}.total_pairs` is {total}, but the file has {pairs} pairs ({trained} with a target response)")
            });
        }
        let distinct = self.turns.len() as u64;
        CrossCounts { source_conversations: (distinct > 0).then_some(distinct), ..self.counts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(line: u64, hash: u64, conversation: Option<u64>, turn: Option<u64>) -> ConversationFact<()> {
        ConversationFact {
            line: Some(line),
            prefix: None,
            hash,
            split: None,
            conversation,
            turn_number: turn,
            payload: (),
        }
    }

    #[test]
    fn duplicates_and_overlap_point_at_the_first_line() {
        let mut cross = CrossRecord::default();
        let mut findings = Findings::new(10);
        assert_eq!(cross.observe(&fact(1, 7, None, None), Split::Train, 0, &mut findings), Verdict::New);
        assert_eq!(cross.observe(&fact(2, 7, None, None), Split::Train, 0, &mut findings), Verdict::Duplicate);
        assert_eq!(cross.observe(&fact(1, 7, None, None), Split::Validation, 10, &mut findings), Verdict::Overlap);
        assert_eq!(cross.observe(&fact(2, 7, None, None), Split::Validation, 10, &mut findings), Verdict::Duplicate);
        let counts = cross.finish(0, 0, &mut findings);
        assert_eq!((counts.duplicates, counts.overlaps, counts.source_conversations), (2, 1, None));
        let (_, kept) = findings.finish();
        assert_eq!(kept[0].message, "the same conversation as line 1");
        assert_eq!(kept[1].message, "the same conversation is in the train split at line 1");
        assert_eq!(kept[1].line, Some(11));
    }

    #[test]
    fn a_seen_conversation_packs_its_line_and_splits() {
        let mut seen = Seen::new(1_000_000, Split::Validation);
        assert_eq!(seen.line(), 1_000_000);
        assert!(seen.is_in(Split::Validation) && !seen.is_in(Split::Train));
        seen.add(Split::Train);
        assert!(seen.is_in(Split::Train) && seen.line() == 1_000_000);
        assert_eq!(Seen::new(u64::from(Seen::LINE) + 1, Split::Train).line(), 0, "too far: unknown");
        assert_eq!(std::mem::size_of::<(HashKey, Seen)>(), 12);
    }

    #[test]
    fn a_large_input_sizes_the_index_once_from_its_first_block() {
        let mut cross = CrossRecord::new(Some(1 << 30));
        cross.block(1 << 20, 10_000);
        let expected_per_part = (1 << 30) / (1 << 20) * 10_000 / SEEN_PARTS;
        assert!(cross.seen.parts.iter().all(|part| part.capacity() >= expected_per_part));
        assert_eq!(cross.input_size, None, "only once");
        let mut small = CrossRecord::new(Some(10_000));
        small.block(1_000, 10);
        assert!(small.seen.parts.iter().all(|part| part.capacity() == 0));
    }

    #[test]
    fn turn_numbers_follow_each_other_per_conversation() {
        let mut cross = CrossRecord::default();
        let mut findings = Findings::new(10);
        for (line, hash, conversation, turn) in
            [(1, 1, 100, 1), (2, 2, 200, 1), (3, 3, 100, 2), (4, 4, 100, 4), (5, 5, 300, 2)]
        {
            cross.observe(&fact(line, hash, Some(conversation), Some(turn)), Split::Train, 0, &mut findings);
        }
        let counts = cross.finish(5, 5, &mut findings);
        assert_eq!(counts.source_conversations, Some(3));
        let (counts, kept) = findings.finish();
        assert_eq!(counts["turn_number_gap"], 2);
        assert_eq!(kept[0].line, Some(4));
        assert!(kept[0].message.contains("after 2 at line 3"), "{}", kept[0].message);
        assert!(kept[1].message.contains("first pair"), "{}", kept[1].message);
    }

    #[test]
    fn meta_total_may_count_user_turns_too() {
        for (total, warned) in [(10, false), (8, false), (9, true)] {
            let mut cross = CrossRecord::default();
            let mut findings = Findings::new(10);
            cross.meta(Some(1), Some(total), MetaKind::Line, &mut findings);
            cross.finish(10, 8, &mut findings);
            assert_eq!(findings.count(RuleCode::MetaTotalPairsMismatch) == 1, warned, "total {total}");
        }
        let mut cross = CrossRecord::default();
        let mut findings = Findings::new(10);
        cross.observe(&fact(1, 1, None, None), Split::Train, 0, &mut findings);
        cross.meta(Some(2), Some(1), MetaKind::Line, &mut findings);
        assert_eq!(findings.count(RuleCode::MisplacedMeta), 1);
    }
}
