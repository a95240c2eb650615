//! Rules across records, checked in file order on one thread: duplicate conversations,
//! train/validation overlap, v4 turn-number gaps and the `_meta` record.
//!
//! Workers reduce each record to a [`Fact`] (64-bit hashes, never the texts); the merger
//! feeds the facts here in file order, so "duplicate of line N" is deterministic.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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

type HashKeyed<V> = HashMap<u64, V, BuildHasherDefault<Prehashed>>;

/// A conversation seen before: its first line and the splits it is in.
#[derive(Debug, Clone, Copy)]
struct Seen {
    line: u64,
    train: bool,
    validation: bool,
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

/// The state of the cross-record rules.
#[derive(Debug, Default)]
pub(crate) struct CrossRecord {
    seen: HashKeyed<Seen>,
    turns: HashKeyed<Option<LastTurn>>,
    counts: CrossCounts,
    meta: Option<Meta>,
    conversations_seen: bool,
}

/// Prints a line number for a message, or `?` for a record without one.
fn line_text(line: u64) -> String {
    if line == 0 { "?".to_owned() } else { line.to_string() }
}

impl CrossRecord {
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
            let last = self.turns.entry(conversation).or_insert(None);
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
        let in_validation = split == Split::Validation;
        let Some(seen) = self.seen.get_mut(&hash) else {
            self.seen.insert(hash, Seen { line, train: !in_validation, validation: in_validation });
            return Verdict::New;
        };
        let first = line_text(seen.line);
        let same = if in_validation { seen.validation } else { seen.train };
        if same {
            self.counts.duplicates += 1;
            findings.add(RuleCode::DuplicateConversation, at, FieldPath::Record, || {
                format!("the same conversation as line {first}")
            });
            Verdict::Duplicate
        } else {
            self.counts.overlaps += 1;
            seen.train = true;
            seen.validation = true;
            findings.add(RuleCode::TrainValidationOverlap, at, FieldPath::Record, || {
                let other = if in_validation { "train" } else { "validation" };
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
