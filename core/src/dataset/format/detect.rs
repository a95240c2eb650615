//! Recognising how a file is laid out (JSON Lines or one JSON document) and which format a
//! record has, from the keys it carries.

use serde::{Deserialize, Serialize};

use super::json::{RawRecord, Slot};
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
}

impl Layout {
    /// The layout's name, as in JSON: `jsonl`, `json_document` or `json_array`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Layout::Jsonl => "jsonl",
            Layout::JsonDocument => "json_document",
            Layout::JsonArray => "json_array",
        }
    }
}

/// The shape of a record, from its keys. Declared by precedence: a record with keys of
/// several shapes has the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Shape {
    /// A whole v4 document (`conversations`, `training_file_metadata`).
    V4Document,
    /// A chat record (`messages`).
    Chat,
    /// A v3 record (`turns`).
    V3,
    /// A v4 training pair (`target_response`, `current_user_input`, ...).
    V4Pair,
    /// A v4 `_meta` record.
    Meta,
    /// None of the above.
    Unknown,
}

/// The keys that give a record its shape.
const SHAPE_KEYS: [(&str, Shape); 9] = [
    ("conversations", Shape::V4Document),
    ("training_file_metadata", Shape::V4Document),
    ("messages", Shape::Chat),
    ("turns", Shape::V3),
    ("target_response", Shape::V4Pair),
    ("current_user_input", Shape::V4Pair),
    ("conversation_history", Shape::V4Pair),
    ("system_prompt", Shape::V4Pair),
    ("_meta", Shape::Meta),
];

impl Shape {
    /// The shape of an object with these keys.
    pub fn of_keys<'k>(keys: impl IntoIterator<Item = &'k str>) -> Shape {
        keys.into_iter()
            .filter_map(|key| SHAPE_KEYS.iter().find(|(name, _)| *name == key).map(|(_, shape)| *shape))
            .min()
            .unwrap_or(Shape::Unknown)
    }

    /// The shape of a parsed record.
    pub fn of(record: &RawRecord<'_>) -> Shape {
        let present = [
            ("conversations", record.conversations.is_present()),
            ("training_file_metadata", record.training_file_metadata.is_present()),
            ("messages", record.messages.is_present()),
            ("turns", record.turns.is_present()),
            ("target_response", record.target_response.is_present()),
            ("current_user_input", record.current_user_input.is_present()),
            ("conversation_history", record.conversation_history.is_present()),
            ("system_prompt", record.system_prompt.is_present()),
            ("_meta", record.meta.is_present()),
        ];
        Self::of_keys(present.into_iter().filter(|(_, present)| *present).map(|(key, _)| key))
    }

    /// The JSONL format whose records have this shape.
    pub fn format(self) -> Option<DatasetFormat> {
        match self {
            Shape::Chat => Some(DatasetFormat::Chat),
            Shape::V3 => Some(DatasetFormat::BrightrunLoraV3),
            Shape::V4Pair => Some(DatasetFormat::BrightrunLoraV4),
            Shape::V4Document | Shape::Meta | Shape::Unknown => None,
        }
    }

    /// What the record is, when it cannot be a record of a file in `format`.
    pub fn mismatch(self, format: DatasetFormat) -> Option<&'static str> {
        match self {
            Shape::V4Document => Some("a whole brightrun_lora_v4 JSON document"),
            Shape::Chat | Shape::V3 | Shape::V4Pair if self.format() != Some(format) => Some(self.describe()),
            _ => None,
        }
    }

    /// The shape in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::V4Document => "a brightrun_lora_v4 document",
            Shape::Chat => "a chat record (`messages`)",
            Shape::V3 => "a brightrun_lora_v3 record (`turns`)",
            Shape::V4Pair => "a brightrun_lora_v4 pair (`current_user_input`, `target_response`)",
            Shape::Meta => "a `_meta` record",
            Shape::Unknown => "a record of no known format",
        }
    }
}

/// What every format needs, for the message when none is recognised.
pub(crate) const KNOWN_FORMATS: &str = "chat records need `messages`, brightrun_lora_v3 records `turns`, \
     brightrun_lora_v4 pairs `current_user_input` and `target_response`";

/// The first keys of the JSON object `text`, for a message: ``keys `prompt`, `completion` ``
/// (``no keys`` for `{}`); `None` when `text` is not an object.
pub(crate) fn describe_keys(text: &str) -> Option<String> {
    let KeyList { keys, count } = serde_json::from_str(text).ok()?;
    let mut named: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
    if count > KEYS_NAMED {
        named.push(format!("{} more", count - KEYS_NAMED));
    }
    Some(match count {
        0 => "no keys".to_owned(),
        1 => format!("the key {}", named[0]),
        _ => format!("keys {}", named.join(", ")),
    })
}

/// Keys named in a message before the rest are only counted.
const KEYS_NAMED: usize = 6;

/// The first [`KEYS_NAMED`] keys of an object, and how many it has.
struct KeyList {
    keys: Vec<String>,
    count: usize,
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
                    if list.count < KEYS_NAMED {
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

    #[test]
    fn shapes_by_precedence() {
        assert_eq!(Shape::of_keys(["id", "messages"]), Shape::Chat);
        assert_eq!(Shape::of_keys(["_meta"]), Shape::Meta);
        assert_eq!(Shape::of_keys(["_meta", "target_response"]), Shape::V4Pair);
        assert_eq!(Shape::of_keys(["conversations", "messages"]), Shape::V4Document);
        assert_eq!(Shape::of_keys(["foo"]), Shape::Unknown);
        assert_eq!(Shape::V3.mismatch(DatasetFormat::Chat), Some(Shape::V3.describe()));
        assert_eq!(Shape::Chat.mismatch(DatasetFormat::Chat), None);
        assert_eq!(Shape::Unknown.mismatch(DatasetFormat::Chat), None);
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
        assert_eq!(sniff_layout(b"[{\"messages\": []},", None), Layout::JsonArray);
        assert_eq!(sniff_layout(b"not json", None), Layout::Jsonl);
        assert_eq!(sniff_layout(b"{\"a\": ]", None), Layout::Jsonl);
    }
}
