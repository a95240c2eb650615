//! BrightRun LoRA v4 as one JSON document: `training_file_metadata`, `consultant_profile`,
//! `conversations: [{conversation_metadata, training_pairs: [pair...]}]`.
//!
//! The document is streamed: each pair is parsed and checked on its own as it is read, and
//! its findings carry its JSON path (`conversations[3].training_pairs[2].target_response`).

use serde::de::{IgnoredAny, MapAccess, SeqAccess};

use super::json::{AnyObject, JsonKind, RawMeta, Slot, Text};
use super::{RecordCtx, meta_total_pairs};
use crate::dataset::chunk::RecordSink;
use crate::dataset::codes::RuleCode;
use crate::dataset::cross_record::MetaKind;
use crate::dataset::document::{Handler, RecordSeed, Stream, StreamSeed};
use crate::dataset::findings::{FieldPath, Location};
use crate::model::DatasetFormat;

/// Keys of a top-level object kept to describe it when it is not a v4 document.
const KEPT_KEYS: usize = 32;

/// Reads the top-level object. A v4 document (it has `conversations` or
/// `training_file_metadata`) is checked and `None` returned; for any other object, its keys.
pub(crate) fn read_document<'de, A: MapAccess<'de>, S: RecordSink>(
    mut map: A,
    handler: &mut Handler<'_, S>,
) -> Result<Option<Vec<String>>, A::Error> {
    let start = handler.line();
    let mut keys = Vec::new();
    let mut document = false;
    let mut conversations = false;
    while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
        let line = handler.line();
        match key.as_ref() {
            "conversations" => {
                document = true;
                conversations = true;
                handler.assume_format(DatasetFormat::BrightrunLoraV4);
                map.next_value_seed(StreamSeed { stream: Conversations { handler: &mut *handler }, line })?;
            }
            "training_file_metadata" => {
                document = true;
                let meta = map.next_value::<Slot<RawMeta>>()?;
                let out = handler.out();
                let mut ctx = RecordCtx { findings: &mut out.findings, at: Location::line(line) };
                let total = meta_total_pairs(meta, MetaKind::Document, &mut ctx);
                out.sink.meta(Some(line), total, MetaKind::Document);
            }
            "consultant_profile" => {
                let profile = map.next_value::<Slot<AnyObject>>()?;
                let out = handler.out();
                RecordCtx { findings: &mut out.findings, at: Location::line(line) }
                    .optional(profile, FieldPath::Field("consultant_profile"));
            }
            _ => {
                if keys.len() < KEPT_KEYS {
                    keys.push(key.into_owned());
                }
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    if !document {
        return Ok(Some(keys));
    }
    if !conversations {
        handler.out().findings.add(
            RuleCode::MissingField,
            Location::line(start),
            FieldPath::Field("conversations"),
            || "the v4 document has no `conversations`".to_owned(),
        );
    }
    Ok(None)
}

/// Reports a value of the wrong kind at `path`.
fn wrong_kind<S: RecordSink>(handler: &mut Handler<'_, S>, line: u64, path: &str, found: JsonKind, expected: JsonKind) {
    handler.out().findings.add(RuleCode::WrongType, Location::line(line), FieldPath::Field(path), || {
        format!("`{path}` is {}; expected {}", found.described(), expected.described())
    });
}

/// `conversations`: an array of conversations.
struct Conversations<'h, 'm, S> {
    handler: &'h mut Handler<'m, S>,
}

impl<'de, S: RecordSink> Stream<'de> for Conversations<'_, '_, S> {
    const KIND: JsonKind = JsonKind::Array;

    fn seq<A: SeqAccess<'de>>(self, mut seq: A, start: u64) -> Result<(), A::Error> {
        let mut index = 0;
        let mut turns = 0;
        loop {
            let line = self.handler.line();
            let conversation = Conversation { handler: &mut *self.handler, index, turns: &mut turns };
            if seq.next_element_seed(StreamSeed { stream: conversation, line })?.is_none() {
                break;
            }
            index += 1;
        }
        if turns > 0 {
            // `{"conversations": [{"from": "human", "value": ...}]}` pretty-printed: one
            // ShareGPT record, not a v4 document.
            self.handler.correct_format(DatasetFormat::Sharegpt);
            let out = self.handler.out();
            out.records += 1;
            out.findings.add(RuleCode::JsonDocumentNotJsonl, Location::line(start), FieldPath::Record, || {
                format!(
                    "the file is one pretty-printed JSON object (a ShareGPT record, {turns} of whose turns have \
                     `from`/`value`), not JSON Lines with one record per line; it was not checked further"
                )
            });
        }
        Ok(())
    }

    fn wrong(self, found: JsonKind, line: u64) {
        wrong_kind(self.handler, line, "conversations", found, Self::KIND);
    }
}

/// `conversations[index]`: `{conversation_metadata, training_pairs}`.
struct Conversation<'h, 'm, S> {
    handler: &'h mut Handler<'m, S>,
    index: usize,
    /// Items seen so far that are ShareGPT turns (`from`, `value`, no `training_pairs`).
    turns: &'h mut usize,
}

impl<'de, S: RecordSink> Stream<'de> for Conversation<'_, '_, S> {
    const KIND: JsonKind = JsonKind::Object;

    fn map<A: MapAccess<'de>>(self, mut map: A, start: u64) -> Result<(), A::Error> {
        let index = self.index;
        let mut pairs = false;
        let mut turn_keys = false;
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let line = self.handler.line();
            match key.as_ref() {
                "training_pairs" => {
                    pairs = true;
                    let stream = Pairs { handler: &mut *self.handler, conversation: index };
                    map.next_value_seed(StreamSeed { stream, line })?;
                }
                "conversation_metadata" => {
                    let metadata = map.next_value::<Slot<AnyObject>>()?;
                    let out = self.handler.out();
                    let prefix = format!("conversations[{index}]");
                    RecordCtx { findings: &mut out.findings, at: Location { line: Some(line), prefix: Some(&prefix) } }
                        .optional(metadata, FieldPath::Field("conversation_metadata"));
                }
                other => {
                    turn_keys |= matches!(other, "from" | "value");
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !pairs && turn_keys {
            *self.turns += 1;
        } else if !pairs {
            let path = format!("conversations[{index}].training_pairs");
            self.handler.out().findings.add(
                RuleCode::MissingField,
                Location::line(start),
                FieldPath::Field(&path),
                || format!("`{path}` is missing; expected an array of training pairs"),
            );
        }
        Ok(())
    }

    fn wrong(self, found: JsonKind, line: u64) {
        wrong_kind(self.handler, line, &format!("conversations[{}]", self.index), found, Self::KIND);
    }
}

/// `conversations[conversation].training_pairs`: an array of v4 pairs.
struct Pairs<'h, 'm, S> {
    handler: &'h mut Handler<'m, S>,
    conversation: usize,
}

impl<'de, S: RecordSink> Stream<'de> for Pairs<'_, '_, S> {
    const KIND: JsonKind = JsonKind::Array;

    fn seq<A: SeqAccess<'de>>(self, mut seq: A, _line: u64) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let path = format!("conversations[{}].training_pairs[{index}]", self.conversation);
            if seq.next_element_seed(RecordSeed { handler: &mut *self.handler, path })?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn wrong(self, found: JsonKind, line: u64) {
        let path = format!("conversations[{}].training_pairs", self.conversation);
        wrong_kind(self.handler, line, &path, found, Self::KIND);
    }
}
