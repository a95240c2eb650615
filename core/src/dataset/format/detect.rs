//! Recognising how a file is laid out (JSON Lines or one JSON document) and which format a
//! record has, from the keys it carries.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::json::{ConversationsKind, RawRecord, Slot};
use crate::model::DatasetFormat;

/// How the records of a file are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One JSON record per line (what every format expects).
    Jsonl,
    /// One JSON object spread over the file: a v4 full document, or a pretty-printed record.
    JsonDocument,
    /// One JSON array of records.
    JsonArray,
    /// A CSV (or TSV) table with a header row: a row is a record, on the line it starts on.
    Csv,
    /// A Parquet file: a row is a record, and a finding's line is its 1-based row number.
    Parquet,
    /// Apache Arrow: an IPC file or stream, or a Hugging Face dataset saved to disk; a row is
    /// a record, and a finding's line is its 1-based row number across the shards.
    Arrow,
}

impl Layout {
    /// The layout's name, as in JSON: `jsonl`, `json_document`, `json_array`, `csv`,
    /// `parquet` or `arrow`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Layout::Jsonl => "jsonl",
            Layout::JsonDocument => "json_document",
            Layout::JsonArray => "json_array",
            Layout::Csv => "csv",
            Layout::Parquet => "parquet",
            Layout::Arrow => "arrow",
        }
    }
}

/// The shape of a record, from its keys (and, for `conversations`, the keys of its items).
/// Declared by precedence: a record with the keys of several shapes has the first. No shape
/// of the newer formats is told from one key alone: prompt/completion needs both keys, Alpaca
/// `instruction` and `output`, ShareGPT `conversations` whose turns have `from` or `value`,
/// plain text `text` with no other key but `split` and `id` ([`Shape::of_line`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Shape {
    /// A whole v4 document (`training_file_metadata`, or `conversations` of objects without
    /// `from` or `value`: `[{"training_pairs": ...}]`).
    V4Document,
    /// A ShareGPT record (`conversations` of `{"from", "value"}` turns).
    ShareGpt,
    /// A record with `conversations` whose items tell neither (an empty array, a string):
    /// read as ShareGPT in a ShareGPT file, of no format elsewhere.
    Conversations,
    /// A chat record (`messages`).
    Chat,
    /// A v3 record (`turns`).
    V3,
    /// A Gemini record (`contents` whose turns have `parts`).
    Gemini,
    /// A v4 training pair (`target_response` or `current_user_input`: `system_prompt` and
    /// `conversation_history` alone are no v4 pair, as OpenOrca's records have the first).
    V4Pair,
    /// A prompt/completion record (`prompt` and `completion`).
    PromptCompletion,
    /// An Alpaca record (`instruction` and `output`).
    Alpaca,
    /// A plain-text record (`text`, and no key of another shape).
    Text,
    /// A v4 `_meta` record.
    Meta,
    /// None of the above.
    Unknown,
}

/// The keys that tell shapes apart: bit `i` of a [`ShapeKeys`] set is key `i`.
const SHAPE_KEYS: [&str; 14] = [
    "training_file_metadata",
    "messages",
    "turns",
    "target_response",
    "current_user_input",
    "conversation_history",
    "system_prompt",
    "_meta",
    "prompt",
    "completion",
    "instruction",
    "output",
    "text",
    "contents",
];

/// The keys a plain-text record may have: nothing else, or it is no text record.
const TEXT_KEYS: [&str; 3] = ["text", "split", "id"];

/// Whether a record's key `name` tells (with others) which format the record has: how a
/// table's header row is told from other text.
pub(crate) fn tells_shape(name: &str) -> bool {
    name == "conversations" || SHAPE_KEYS.contains(&name)
}

/// Which of [`SHAPE_KEYS`] an object has.
#[derive(Debug, Clone, Copy, Default)]
struct ShapeKeys(u16);

impl ShapeKeys {
    const TRAINING_FILE_METADATA: u16 = 1 << 0;
    const MESSAGES: u16 = 1 << 1;
    const TURNS: u16 = 1 << 2;
    /// The keys only a v4 pair has (`target_response`, `current_user_input`); its
    /// `system_prompt` and `conversation_history` are names other datasets use too.
    const V4_PAIR: u16 = 0b11 << 3;
    const META: u16 = 1 << 7;
    const PROMPT_COMPLETION: u16 = 0b11 << 8;
    const ALPACA: u16 = 0b11 << 10;
    const TEXT: u16 = 1 << 12;

    /// The set of the keys among `present`, in the order of [`SHAPE_KEYS`].
    fn of(present: [bool; SHAPE_KEYS.len()]) -> Self {
        ShapeKeys(present.iter().enumerate().fold(0, |bits, (i, &present)| bits | u16::from(present) << i))
    }

    /// Whether any of the keys of `mask` is present.
    fn any(self, mask: u16) -> bool {
        self.0 & mask != 0
    }

    /// Whether all the keys of `mask` are present.
    fn all(self, mask: u16) -> bool {
        self.0 & mask == mask
    }
}

impl Shape {
    /// The shape of an object with these keys (its `conversations`, if any, cannot be told
    /// apart without its items: [`Shape::Conversations`]).
    pub fn of_keys<'k>(keys: impl IntoIterator<Item = &'k str>) -> Shape {
        let mut present = [false; SHAPE_KEYS.len()];
        let mut conversations = ConversationsKind::Absent;
        let mut only_text_keys = true;
        for key in keys {
            only_text_keys &= TEXT_KEYS.contains(&key);
            if key == "conversations" {
                conversations = ConversationsKind::Unclear;
            } else if let Some(i) = SHAPE_KEYS.iter().position(|name| *name == key) {
                present[i] = true;
            }
        }
        // `contents` of unknown items: a Gemini record is told by its turns' `parts`.
        match Self::decide(ShapeKeys::of(present), conversations, false) {
            Shape::Text if !only_text_keys => Shape::Unknown,
            shape => shape,
        }
    }

    /// The shape of a parsed record.
    pub fn of(record: &RawRecord<'_>) -> Shape {
        let keys = ShapeKeys::of([
            record.training_file_metadata.is_present(),
            record.messages.is_present(),
            record.turns.is_present(),
            record.target_response.is_present(),
            record.current_user_input.is_present(),
            record.conversation_history.is_present(),
            record.system_prompt.is_present(),
            record.meta.is_present(),
            record.prompt.is_present(),
            record.completion.is_present(),
            record.instruction.is_present(),
            record.output.is_present(),
            record.text.is_present(),
            record.contents.is_present(),
        ]);
        Self::decide(keys, record.sharegpt_items(), record.gemini_contents())
    }

    /// The shape of a parsed record whose keys `json` tells (when at hand): as
    /// [`Shape::of`], except that a record with `text` is a text record only when it has no
    /// key but `text`, `split` and `id` (detection never goes by one key alone); with others
    /// it is of no known format, and its closest format names them.
    pub fn of_line(record: &RawRecord<'_>, json: Option<&dyn RecordJson>) -> Shape {
        match Self::of(record) {
            Shape::Text if json.is_some_and(|json| json.keys() != text_keys(record)) => Shape::Unknown,
            shape => shape,
        }
    }

    /// The shape of a record with `keys`, whose `conversations` holds what it does and whose
    /// `contents` holds Gemini's turns when `gemini`.
    fn decide(keys: ShapeKeys, conversations: ConversationsKind, gemini: bool) -> Shape {
        match conversations {
            _ if keys.any(ShapeKeys::TRAINING_FILE_METADATA) => Shape::V4Document,
            ConversationsKind::Documents => Shape::V4Document,
            ConversationsKind::Messages => Shape::ShareGpt,
            ConversationsKind::Unclear => Shape::Conversations,
            ConversationsKind::Absent if keys.any(ShapeKeys::MESSAGES) => Shape::Chat,
            ConversationsKind::Absent if keys.any(ShapeKeys::TURNS) => Shape::V3,
            ConversationsKind::Absent if keys.any(ShapeKeys::V4_PAIR) => Shape::V4Pair,
            ConversationsKind::Absent if gemini => Shape::Gemini,
            ConversationsKind::Absent if keys.all(ShapeKeys::PROMPT_COMPLETION) => Shape::PromptCompletion,
            ConversationsKind::Absent if keys.all(ShapeKeys::ALPACA) => Shape::Alpaca,
            ConversationsKind::Absent if keys.0 == ShapeKeys::TEXT => Shape::Text,
            ConversationsKind::Absent if keys.any(ShapeKeys::META) => Shape::Meta,
            ConversationsKind::Absent => Shape::Unknown,
        }
    }

    /// The JSONL format whose records have this shape.
    pub fn format(self) -> Option<DatasetFormat> {
        match self {
            Shape::Chat => Some(DatasetFormat::Chat),
            Shape::V3 => Some(DatasetFormat::BrightrunLoraV3),
            Shape::V4Pair => Some(DatasetFormat::BrightrunLoraV4),
            Shape::PromptCompletion => Some(DatasetFormat::PromptCompletion),
            Shape::Alpaca => Some(DatasetFormat::Alpaca),
            Shape::ShareGpt => Some(DatasetFormat::Sharegpt),
            Shape::Text => Some(DatasetFormat::Text),
            Shape::Gemini => Some(DatasetFormat::Gemini),
            Shape::V4Document | Shape::Conversations | Shape::Meta | Shape::Unknown => None,
        }
    }

    /// What the record is, when it cannot be a record of a file in `format`.
    pub fn mismatch(self, format: DatasetFormat) -> Option<&'static str> {
        match self {
            Shape::V4Document => Some("a whole brightrun_lora_v4 JSON document"),
            Shape::Conversations if format != DatasetFormat::Sharegpt => Some(self.describe()),
            Shape::Meta | Shape::Unknown | Shape::Conversations => None,
            _ if self.format() != Some(format) => Some(self.describe()),
            _ => None,
        }
    }

    /// The shape in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::V4Document => "a brightrun_lora_v4 document",
            Shape::ShareGpt => "a ShareGPT record (`conversations` of `from`/`value` turns)",
            Shape::Conversations => {
                "of no format: its `conversations` holds neither ShareGPT turns (`from` and `value`, or `role` and \
                 `content`) nor brightrun_lora_v4 conversations (`training_pairs`)"
            }
            Shape::Chat => "a chat record (`messages`)",
            Shape::V3 => "a brightrun_lora_v3 record (`turns`)",
            Shape::V4Pair => "a brightrun_lora_v4 pair (`current_user_input`, `target_response`)",
            Shape::PromptCompletion => "a prompt/completion record (`prompt`, `completion`)",
            Shape::Alpaca => "an Alpaca record (`instruction`, `output`)",
            Shape::Text => "a plain-text record (`text`)",
            Shape::Gemini => "a Gemini record (`contents` of `role`/`parts` turns)",
            Shape::Meta => "a `_meta` record",
            Shape::Unknown => "a record of no known format",
        }
    }
}

/// What every format needs, for the message when none is recognised.
pub(crate) const KNOWN_FORMATS: &str = "chat records need `messages`, prompt/completion records `prompt` and \
     `completion`, Alpaca records `instruction` and `output`, ShareGPT records `conversations` of `from`/`value` \
     turns, brightrun_lora_v3 records `turns`, brightrun_lora_v4 pairs `current_user_input` and `target_response`, \
     plain-text records `text` alone (with `split` and `id`), Gemini records `contents` of `role`/`parts` turns";

/// Other names datasets give the keys of a format (Dolly's `response` and `context`, GSM8K's
/// `question` and `answer`, OpenOrca's `system_prompt`, LMSYS's `conversation`, Vertex AI's
/// PaLM tuning data's `input_text` and `output_text`, the Gemini API's `text_input`), for the
/// closest format's message: never read as those keys.
const SYNONYMS: [(&str, &[&str]); 7] = [
    ("messages", &["conversation", "dialog", "dialogue", "chat"]),
    ("prompt", &["question", "query", "input_text", "text_input"]),
    ("completion", &["answer", "response", "output_text"]),
    ("instruction", &["question", "query", "input_text", "text_input"]),
    ("output", &["response", "answer"]),
    ("input", &["context"]),
    ("system", &["system_prompt"]),
];

/// What a record of paired preference data (`chosen` and `rejected`, for DPO or a reward
/// model) is told: which of its parts a supervised adapter can learn from.
const PREFERENCE_DATA: &str = "it is preference data (`chosen` and `rejected`), for DPO or a reward model, and \
     BrightRun trains supervised adapters: to learn the preferred answers, write each record as prompt/completion \
     with `chosen` as the completion (or, when `chosen` holds the whole conversation, as chat with `chosen` as \
     `messages`), and leave `rejected` out";

/// What a record of OpenAI's preference fine-tuning data (`input`, `preferred_output`,
/// `non_preferred_output`, for DPO) is told: how to keep its preferred answers.
const OPENAI_PREFERENCE_DATA: &str = "it is OpenAI's preference data (`preferred_output` and \
     `non_preferred_output`), for DPO, and BrightRun trains supervised adapters: to learn the preferred answers, \
     write each record as chat whose `messages` are those of `input` followed by those of `preferred_output` (and \
     `tools` those of `input`), and leave `non_preferred_output` out";

/// The keys of each format's records: those it needs, then those it reads besides. A record
/// of no format is compared with these to name the closest format.
const SIGNATURES: [(&str, DatasetFormat, &[&str], &[&str]); 8] = [
    ("a chat record", DatasetFormat::Chat, &["messages"], &["system", "weight", "split", "tools", "functions"]),
    ("a prompt/completion record", DatasetFormat::PromptCompletion, &["prompt", "completion"], &["split"]),
    ("an Alpaca record", DatasetFormat::Alpaca, &["instruction", "output"], &["input", "system", "history", "split"]),
    ("a ShareGPT record", DatasetFormat::Sharegpt, &["conversations"], &["system", "split", "tools"]),
    ("a brightrun_lora_v3 record", DatasetFormat::BrightrunLoraV3, &["conversation_id", "turns"], &[]),
    (
        "a brightrun_lora_v4 pair",
        DatasetFormat::BrightrunLoraV4,
        &["id", "conversation_id", "turn_number", "current_user_input", "target_response"],
        &["system_prompt", "conversation_history", "conversation_metadata", "emotional_context", "training_metadata"],
    ),
    ("a plain-text record", DatasetFormat::Text, &["text"], &["split"]),
    (
        "a Gemini record",
        DatasetFormat::Gemini,
        &["contents"],
        &["systemInstruction", "system_instruction", "tools", "split"],
    ),
];

/// The format closest to an object of no format with these `keys`, in words: the format
/// with the most of its needed keys present (and the fewest missing, then the most of the
/// record's other keys read), the keys it lacks, and the record's keys it does not read:
/// ``a prompt/completion record, but `completion` is missing (`response` is not read)``. A
/// key under another name a dataset gives it is named for renaming (``rename `answer` to
/// `completion` ``), so that following the message loses no part of the record (Dolly's
/// `context` is Alpaca's `input`), and preference data (`chosen` and `rejected`) is told how
/// to become supervised data. `None` when no needed key of any format is present under any
/// name.
pub(crate) fn closest_format(keys: &[String]) -> Option<String> {
    let has = |key: &&str| keys.iter().any(|k| k == key);
    if has(&"chosen") && has(&"rejected") {
        return Some(PREFERENCE_DATA.to_owned());
    }
    if has(&"preferred_output") && has(&"non_preferred_output") {
        return Some(OPENAI_PREFERENCE_DATA.to_owned());
    }
    // A key is there, or under another name a dataset gives it (`answer`).
    let found = |key: &'static str| -> Option<&'static str> {
        if has(&key) {
            return Some(key);
        }
        let others = SYNONYMS.iter().find(|(name, _)| *name == key).map_or(&[][..], |(_, others)| *others);
        others.iter().copied().find(|other| has(other))
    };
    let (name, format, needed, read) =
        SIGNATURES.iter().rev().filter(|(_, _, needed, _)| needed.iter().any(|key| found(key).is_some())).max_by_key(
            |(_, _, needed, read)| {
                let present = needed.iter().filter(|key| has(key)).count();
                let named = needed.iter().filter(|key| found(key).is_some()).count();
                let also_read = read.iter().filter(|key| found(key).is_some()).count();
                (named, present, usize::MAX - (needed.len() - named), also_read)
            },
        )?;
    let listed = |keys: Vec<&str>| keys.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(", ");
    let renames: Vec<(&str, &str)> = needed
        .iter()
        .chain(read.iter())
        .filter_map(|key| found(key).filter(|other| other != key).map(|other| (other, *key)))
        .collect();
    let missing: Vec<&str> = needed.iter().copied().filter(|key| found(key).is_none()).collect();
    let unread: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|key| !needed.contains(key) && !read.contains(key) && *key != "id")
        .filter(|key| !renames.iter().any(|(other, _)| other == key))
        .take(KEYS_NAMED)
        .collect();
    let complete = missing.is_empty() && renames.is_empty();
    let mut text = format!("it looks like {name}");
    let renames: Vec<String> = renames.iter().map(|(other, key)| format!("`{other}` to `{key}`")).collect();
    match renames.split_last() {
        None => {}
        Some((last, [])) => text.push_str(&format!(" with other key names: rename {last}")),
        Some((last, first)) => text.push_str(&format!(" with other key names: rename {} and {last}", first.join(", "))),
    }
    match missing.len() {
        0 => {}
        1 => text.push_str(&format!(", but {} is missing", listed(missing))),
        _ => text.push_str(&format!(", but {} are missing", listed(missing))),
    }
    match unread.len() {
        0 => {}
        1 => text.push_str(&format!(" ({} is not read)", listed(unread))),
        _ => text.push_str(&format!(" ({} are not read)", listed(unread))),
    }
    if complete {
        text.push_str(&format!(
            "; to read such records with those keys left unread, force the format: `--format {}`",
            format.as_str()
        ));
    }
    Some(text)
}

/// The first keys of the JSON object `text` in words (``keys `prompt`, `answer` ``, ``no
/// keys`` for `{}`), and its closest format when it has one: ``it looks like a prompt/completion record, but `completion` is
/// missing (`answer` is not read)``; `None` when `text` is not an object.
pub(crate) fn describe_record(text: &str) -> Option<(String, Option<String>)> {
    let list: KeyList = serde_json::from_str(text).ok()?;
    Some((list.describe(), closest_format(&list.keys)))
}

/// How many of [`TEXT_KEYS`] a parsed record has.
fn text_keys(record: &RawRecord<'_>) -> usize {
    [record.text.is_present(), record.split.is_present(), record.id.is_present()].into_iter().filter(|&p| p).count()
}

/// A record's keys and JSON, for the checks and messages that look at them: a JSON line, or
/// a table's row, whose JSON is written only when a message quotes it.
pub(crate) trait RecordJson {
    /// How many keys the record has (a repeated key counted each time).
    fn keys(&self) -> usize;

    /// The record's JSON text.
    fn json(&self) -> Option<Cow<'_, str>>;
}

/// A record's JSON line, and its keys counted as it was parsed.
pub(crate) struct Line<'t> {
    /// The line.
    pub text: &'t str,
    /// Its keys.
    pub keys: usize,
}

impl RecordJson for Line<'_> {
    fn keys(&self) -> usize {
        self.keys
    }

    fn json(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.text))
    }
}

/// Keys named in a message before the rest are only counted.
const KEYS_NAMED: usize = 6;

/// Keys of an object kept to find its closest format.
const KEYS_KEPT: usize = 64;

/// The first [`KEYS_KEPT`] keys of an object, and how many it has.
struct KeyList {
    keys: Vec<String>,
    count: usize,
}

impl KeyList {
    /// The first [`KEYS_NAMED`] keys in words.
    fn describe(&self) -> String {
        let mut named: Vec<String> = self.keys.iter().take(KEYS_NAMED).map(|key| format!("`{key}`")).collect();
        if self.count > KEYS_NAMED {
            named.push(format!("{} more", self.count - KEYS_NAMED));
        }
        match self.count {
            0 => "no keys".to_owned(),
            1 => format!("the key {}", named[0]),
            _ => format!("keys {}", named.join(", ")),
        }
    }
}

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = KeyList;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<KeyList, A::Error> {
                let mut list = KeyList { keys: Vec::new(), count: 0 };
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    if list.count < KEYS_KEPT {
                        list.keys.push(key.into_owned());
                    }
                    list.count += 1;
                }
                Ok(list)
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

/// Whether `line` is one whole JSON object.
fn is_object(line: &[u8]) -> bool {
    matches!(serde_json::from_slice::<Slot<RawRecord<'_>>>(line), Ok(Slot::Value(_)))
}

/// The layout of a file, from its first two non-blank lines.
///
/// A first line that opens a JSON value without closing it starts a pretty-printed
/// document, unless the next line is a whole object: then it is JSON Lines whose first line
/// is broken, and every other line is still checked.
pub(crate) fn sniff_layout(first: &[u8], second: Option<&[u8]>) -> Layout {
    let text = first.trim_ascii_start();
    match text.first() {
        Some(b'[') => Layout::JsonArray,
        Some(b'{') => match serde_json::from_slice::<Slot<RawRecord<'_>>>(text) {
            Ok(Slot::Value(record)) if Shape::of(&record) == Shape::V4Document => Layout::JsonDocument,
            Err(e) if e.is_eof() && !second.is_some_and(is_object) => Layout::JsonDocument,
            _ => Layout::Jsonl,
        },
        _ => Layout::Jsonl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::format::json::WithKeys;

    #[test]
    fn shapes_by_precedence() {
        assert_eq!(Shape::of_keys(["id", "messages"]), Shape::Chat);
        assert_eq!(Shape::of_keys(["_meta"]), Shape::Meta);
        assert_eq!(Shape::of_keys(["_meta", "target_response"]), Shape::V4Pair);
        assert_eq!(Shape::of_keys(["conversations", "messages"]), Shape::Conversations, "its items tell");
        assert_eq!(Shape::of_keys(["training_file_metadata", "messages"]), Shape::V4Document);
        assert_eq!(Shape::of_keys(["foo"]), Shape::Unknown);
        assert_eq!(Shape::of_keys(["prompt", "completion", "id"]), Shape::PromptCompletion);
        assert_eq!(Shape::of_keys(["instruction", "input", "output"]), Shape::Alpaca);
        for one_key in [&["prompt"][..], &["completion"], &["instruction", "input"], &["output"]] {
            assert_eq!(Shape::of_keys(one_key.iter().copied()), Shape::Unknown, "{one_key:?}");
        }
        assert_eq!(Shape::PromptCompletion.mismatch(DatasetFormat::Alpaca), Some(Shape::PromptCompletion.describe()));
        assert_eq!(Shape::Conversations.mismatch(DatasetFormat::Sharegpt), None);
        assert!(Shape::Conversations.mismatch(DatasetFormat::Chat).is_some());
        assert_eq!(Shape::V3.mismatch(DatasetFormat::Chat), Some(Shape::V3.describe()));
        assert_eq!(Shape::Chat.mismatch(DatasetFormat::Chat), None);
        assert_eq!(Shape::Unknown.mismatch(DatasetFormat::Chat), None);
    }

    fn shape(json: &str) -> Shape {
        match serde_json::from_str::<Slot<RawRecord<'_>>>(json).unwrap() {
            Slot::Value(record) => Shape::of(&record),
            other => panic!("not a record: {other:?}"),
        }
    }

    #[test]
    fn sharegpt_and_v4_documents_are_told_apart_by_their_items() {
        assert_eq!(shape(r#"{"conversations": [{"from": "human", "value": "hi"}]}"#), Shape::ShareGpt);
        assert_eq!(shape(r#"{"conversations": [3, {"value": "hi"}]}"#), Shape::ShareGpt);
        assert_eq!(shape(r#"{"conversations": [{"role": "user", "content": "hi"}]}"#), Shape::ShareGpt, "chat's keys");
        assert_eq!(shape(r#"{"conversations": [{"training_pairs": [{"id": 1}]}]}"#), Shape::V4Document);
        assert_eq!(shape(r#"{"conversations": [{"conversation_metadata": {"a": 1}}]}"#), Shape::V4Document);
        assert_eq!(shape(r#"{"conversations": [], "training_file_metadata": {}}"#), Shape::V4Document);
        for unclear in [
            r#"{"conversations": []}"#,
            r#"{"conversations": "hi"}"#,
            r#"{"conversations": [{"speaker": "user", "text": "hi"}]}"#,
        ] {
            assert_eq!(shape(unclear), Shape::Conversations, "{unclear}");
        }
        assert_eq!(shape(r#"{"prompt": "a", "completion": null}"#), Shape::PromptCompletion);
        assert_eq!(shape(r#"{"prompt": "a"}"#), Shape::Unknown);
    }

    #[test]
    fn a_text_record_has_no_key_but_text_split_and_id() {
        let line = |json: &str| {
            let parsed = serde_json::from_str::<Slot<WithKeys<RawRecord<'_>>>>(json).unwrap();
            let (Slot::Value(record), keys) = parsed.uncounted() else { panic!("{json}") };
            Shape::of_line(&record, Some(&Line { text: json, keys }))
        };
        assert_eq!(line(r#"{"text": "a"}"#), Shape::Text);
        assert_eq!(line(r#"{"id": 3, "text": "a", "split": "validation"}"#), Shape::Text);
        assert_eq!(line(r#"{"text": 3}"#), Shape::Text, "a text of the wrong type is the format's own finding");
        assert_eq!(line(r#"{"text": "a", "url": "u"}"#), Shape::Unknown);
        assert_eq!(line(r#"{"text": "a", "weight": 1}"#), Shape::Unknown);
        assert_eq!(line(r#"{"text": "a", "prompt": "p"}"#), Shape::Unknown);
        assert_eq!(line(r#"{"text": "a", "messages": []}"#), Shape::Chat, "the other formats come first, as before");
        assert_eq!(line(r#"{"text": "a", "prompt": "p", "completion": "c"}"#), Shape::PromptCompletion);
        assert_eq!(Shape::of_keys(["text", "split"]), Shape::Text);
        assert_eq!(Shape::of_keys(["text", "label"]), Shape::Unknown);
        let closest = |json: &str| describe_record(json).and_then(|(_, closest)| closest);
        assert_eq!(
            closest(r#"{"text": "a", "url": "u", "id": 1}"#).as_deref(),
            Some(
                "it looks like a plain-text record (`url` is not read); to read such records with those keys left \
                 unread, force the format: `--format text`"
            )
        );
    }

    #[test]
    fn the_closest_format_names_what_is_missing_and_what_is_not_read() {
        let closest = |json: &str| describe_record(json).and_then(|(_, closest)| closest);
        assert_eq!(
            closest(r#"{"prompt": "q"}"#).as_deref(),
            Some("it looks like a prompt/completion record, but `completion` is missing")
        );
        assert_eq!(
            closest(r#"{"id": 1, "prompt": "q", "reply": "a"}"#).as_deref(),
            Some("it looks like a prompt/completion record, but `completion` is missing (`reply` is not read)")
        );
        assert_eq!(
            closest(r#"{"input": "x", "output": "y"}"#).as_deref(),
            Some("it looks like an Alpaca record, but `instruction` is missing")
        );
        assert_eq!(
            closest(r#"{"conversation_id": "c"}"#).as_deref(),
            Some("it looks like a brightrun_lora_v3 record, but `turns` is missing")
        );
        assert_eq!(closest(r#"{"speaker": "q", "utterance": "a"}"#), None);
        // Keys that datasets name otherwise are named for renaming.
        for (record, expected) in [
            (
                r#"{"question": "q", "answer": "a"}"#,
                "it looks like a prompt/completion record with other key names: rename `question` to `prompt` and \
                 `answer` to `completion`",
            ),
            (
                r#"{"instruction": "i", "context": "c", "response": "r", "category": "qa"}"#,
                "it looks like an Alpaca record with other key names: rename `response` to `output` and `context` \
                 to `input` (`category` is not read)",
            ),
            (
                r#"{"id": "niv.1", "system_prompt": "s", "question": "q", "response": "r"}"#,
                "it looks like an Alpaca record with other key names: rename `question` to `instruction`, \
                 `response` to `output` and `system_prompt` to `system`",
            ),
            (
                r#"{"conversation": [], "model": "m"}"#,
                "it looks like a chat record with other key names: rename `conversation` to `messages` (`model` is \
                 not read)",
            ),
            (
                r#"{"prompt": "p", "response": "r"}"#,
                "it looks like a prompt/completion record with other key names: rename `response` to `completion`",
            ),
            (
                r#"{"input_text": "i", "output_text": "o"}"#,
                "it looks like a prompt/completion record with other key names: rename `input_text` to `prompt` and \
                 `output_text` to `completion`",
            ),
            (
                r#"{"text_input": "i", "output": "o"}"#,
                "it looks like an Alpaca record with other key names: rename `text_input` to `instruction`",
            ),
        ] {
            assert_eq!(closest(record).as_deref(), Some(expected), "{record}");
        }
        // Preference data, with a prompt or with whole conversations: what to keep of it.
        for record in [r#"{"prompt": "q", "chosen": "a", "rejected": "b"}"#, r#"{"chosen": [], "rejected": []}"#] {
            assert_eq!(closest(record).as_deref(), Some(PREFERENCE_DATA), "{record}");
        }
        let openai = r#"{"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []}"#;
        assert_eq!(closest(openai).as_deref(), Some(OPENAI_PREFERENCE_DATA));
        assert_eq!(describe_record("[1]"), None);
        let (keys, _) = describe_record(r#"{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7}"#).unwrap();
        assert_eq!(keys, "keys `a`, `b`, `c`, `d`, `e`, `f`, 1 more");
    }

    #[test]
    fn layouts_from_the_first_lines() {
        let record: &[u8] = br#"{"messages": []}"#;
        assert_eq!(sniff_layout(record, None), Layout::Jsonl);
        assert_eq!(sniff_layout(b"  {", Some(b"  \"messages\": [")), Layout::JsonDocument);
        assert_eq!(sniff_layout(b"{\"conversations\": [", Some(b"{\"id\": 1},")), Layout::JsonDocument);
        assert_eq!(sniff_layout(b"{\"messages\": [", Some(record)), Layout::Jsonl, "a broken first line");
        let document: &[u8] = br#"{"training_file_metadata": {}, "conversations": []}"#;
        assert_eq!(sniff_layout(document, None), Layout::JsonDocument);
        let sharegpt: &[u8] = br#"{"conversations": [{"from": "human", "value": "hi"}]}"#;
        assert_eq!(sniff_layout(sharegpt, None), Layout::Jsonl, "a ShareGPT record is no v4 document");
        let one_line_document: &[u8] = br#"{"conversations": [{"training_pairs": [{"id": "a"}]}]}"#;
        assert_eq!(sniff_layout(one_line_document, None), Layout::JsonDocument);
        assert_eq!(sniff_layout(b"[{\"messages\": []},", None), Layout::JsonArray);
        assert_eq!(sniff_layout(b"not json", None), Layout::Jsonl);
        assert_eq!(sniff_layout(b"{\"a\": ]", None), Layout::Jsonl);
    }
}
