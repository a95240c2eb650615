//! Lenient, borrowing JSON shapes of the records of every format.
//!
//! A record is parsed once, in one pass, into [`RawRecord`]: strings borrow from the line
//! where they have no escapes, and a field of the wrong type or a missing field does not stop
//! the parse. Each field is a [`Slot`] that says what the field held, so the format modules
//! can report every missing or mistyped field with its JSON path instead of serde's first
//! error. Only real JSON syntax errors and duplicate keys fail the parse.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, F64Deserializer, I64Deserializer, MapAccessDeserializer,
    SeqAccessDeserializer, StrDeserializer, StringDeserializer, U64Deserializer,
};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::dataset::conversation::JsonObject;

/// The JSON type of a value, as a finding names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonKind {
    /// The kind with an article, for messages (`found an array`).
    pub fn described(self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Bool => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        }
    }
}

/// A type a [`Slot`] can hold: which JSON kinds it is read from.
pub(crate) trait Expected {
    /// What the field should hold, for messages (`a string`).
    const EXPECTED: &'static str;

    /// Whether a value of `kind` is read as this type.
    fn accepts(kind: JsonKind) -> bool;
}

/// What a field of a record held.
#[derive(Debug, Default)]
pub(crate) enum Slot<T> {
    /// The key is absent.
    #[default]
    Missing,
    /// The key is present with `null`.
    Null,
    /// A value of the expected type.
    Value(T),
    /// A value of another type (it was skipped).
    Wrong(JsonKind),
}

impl<T> Slot<T> {
    /// Whether the key is present, whatever its value.
    pub fn is_present(&self) -> bool {
        !matches!(self, Slot::Missing)
    }

    /// Whether it holds something: a value that is not `empty`, or one of another type (to
    /// be reported); null holds nothing.
    pub fn holds(&self, empty: impl Fn(&T) -> bool) -> bool {
        match self {
            Slot::Missing | Slot::Null => false,
            Slot::Value(value) => !empty(value),
            Slot::Wrong(_) => true,
        }
    }
}

impl<'de, T: Deserialize<'de> + Expected> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SlotVisitor(PhantomData))
    }
}

struct SlotVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Expected> SlotVisitor<T> {
    /// A scalar: read as `T` when `T` accepts its kind. Scalars have no nested content, so a
    /// failure here can only be a type mismatch.
    fn scalar<E, D>(kind: JsonKind, value: D) -> Result<Slot<T>, E>
    where
        D: Deserializer<'de, Error = E>,
    {
        if T::accepts(kind) {
            Ok(T::deserialize(value).map_or(Slot::Wrong(kind), Slot::Value))
        } else {
            Ok(Slot::Wrong(kind))
        }
    }
}

impl<'de, T: Deserialize<'de> + Expected> Visitor<'de> for SlotVisitor<T> {
    type Value = Slot<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Slot<T>, E> {
        Ok(Slot::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Slot<T>, E> {
        Ok(Slot::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Slot<T>, E> {
        Self::scalar(JsonKind::Bool, BoolDeserializer::new(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Slot<T>, E> {
        Self::scalar(JsonKind::Number, I64Deserializer::new(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Slot<T>, E> {
        Self::scalar(JsonKind::Number, U64Deserializer::new(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Slot<T>, E> {
        Self::scalar(JsonKind::Number, F64Deserializer::new(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Slot<T>, E> {
        Self::scalar(JsonKind::String, BorrowedStrDeserializer::new(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Slot<T>, E> {
        Self::scalar(JsonKind::String, StrDeserializer::new(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Slot<T>, E> {
        Self::scalar(JsonKind::String, StringDeserializer::new(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Slot<T>, A::Error> {
        if T::accepts(JsonKind::Array) {
            return T::deserialize(SeqAccessDeserializer::new(seq)).map(Slot::Value);
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Slot::Wrong(JsonKind::Array))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Slot<T>, A::Error> {
        if T::accepts(JsonKind::Object) {
            return T::deserialize(MapAccessDeserializer::new(map)).map(Slot::Value);
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Slot::Wrong(JsonKind::Object))
    }
}

/// An object read as `T`, and how many keys it has (a repeated key counted each time),
/// counted as it is read: what a record's keys are, without reading the record twice.
#[derive(Debug)]
pub(crate) struct WithKeys<T> {
    /// The object.
    pub value: T,
    /// Its keys.
    pub keys: usize,
}

impl<T> Slot<WithKeys<T>> {
    /// The slot of the object, and its keys (0 when it is no object).
    pub fn uncounted(self) -> (Slot<T>, usize) {
        match self {
            Slot::Value(WithKeys { value, keys }) => (Slot::Value(value), keys),
            Slot::Missing => (Slot::Missing, 0),
            Slot::Null => (Slot::Null, 0),
            Slot::Wrong(kind) => (Slot::Wrong(kind), 0),
        }
    }
}

impl<T: Expected> Expected for WithKeys<T> {
    const EXPECTED: &'static str = T::EXPECTED;

    fn accepts(kind: JsonKind) -> bool {
        kind == JsonKind::Object && T::accepts(kind)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for WithKeys<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(WithKeysVisitor(PhantomData))
    }
}

struct WithKeysVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for WithKeysVisitor<T> {
    type Value = WithKeys<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WithKeys<T>, A::Error> {
        let keys = std::cell::Cell::new(0);
        let value = T::deserialize(MapAccessDeserializer::new(CountingKeys { map, keys: &keys }))?;
        Ok(WithKeys { value, keys: keys.get() })
    }
}

/// A map's entries, its keys counted as they are read.
struct CountingKeys<'k, A> {
    map: A,
    keys: &'k std::cell::Cell<usize>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CountingKeys<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        let key = self.map.next_key_seed(seed)?;
        if key.is_some() {
            self.keys.set(self.keys.get() + 1);
        }
        Ok(key)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A JSON string, borrowed from the input when it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor(PhantomData))
    }
}

impl Expected for Text<'_> {
    const EXPECTED: &'static str = "a string";

    fn accepts(kind: JsonKind) -> bool {
        kind == JsonKind::String
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

/// An identifier: a string, or a number taken as its decimal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor(PhantomData))
    }
}

impl Expected for Key<'_> {
    const EXPECTED: &'static str = "a string or a number";

    fn accepts(kind: JsonKind) -> bool {
        matches!(kind, JsonKind::String | JsonKind::Number)
    }
}

struct KeyVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
    type Value = Key<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Owned(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }
}

/// A JSON boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub(crate) struct Flag(pub bool);

impl Expected for Flag {
    const EXPECTED: &'static str = "a boolean";

    fn accepts(kind: JsonKind) -> bool {
        kind == JsonKind::Bool
    }
}

/// A JSON number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Number(pub f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        f64::deserialize(deserializer).map(Number)
    }
}

impl Expected for Number {
    const EXPECTED: &'static str = "a number";

    fn accepts(kind: JsonKind) -> bool {
        kind == JsonKind::Number
    }
}

impl Number {
    /// The value as a count (an integer of at least `min`), if it is one.
    pub fn as_count(self, min: u64) -> Option<u64> {
        let value = self.0;
        // Integers of f64 up to 2^53 are exact; larger counts are not plausible here.
        (value.fract() == 0.0 && value >= min as f64 && value <= 9_007_199_254_740_992.0).then_some(value as u64)
    }
}

/// An object whose content is skipped: only its type is checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnyObject;

impl<'de> Deserialize<'de> for AnyObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| AnyObject)
    }
}

impl<T> Expected for Vec<T> {
    const EXPECTED: &'static str = "an array";

    fn accepts(kind: JsonKind) -> bool {
        kind == JsonKind::Array
    }
}

/// Implements [`Expected`] for types read from a JSON object (records, messages, parts).
macro_rules! object_shape {
    ($($ty:ty),+) => {
        $(impl $crate::dataset::format::json::Expected for $ty {
            const EXPECTED: &'static str = "an object";

            fn accepts(kind: $crate::dataset::format::json::JsonKind) -> bool {
                kind == $crate::dataset::format::json::JsonKind::Object
            }
        })+
    };
}
pub(crate) use object_shape;

/// The messages of a conversation, in any format: chat `messages`, v3 `turns`, v4 history
/// ([`OpenAi`] keys), ShareGPT `conversations` ([`ShareGpt`] keys).
pub(crate) type RawMessages<'a, D = OpenAi> = Slot<Vec<Slot<RawMessage<'a, D>>>>;

pub(crate) use super::gemini::RawGeminiContent;
pub(crate) use super::raw_message::{Dialect, ExtraKeys, OpenAi, RawContent, RawMessage, RawTools, ShareGpt, Used};

/// A prompt or a completion: one message's text, or (TRL's conversational prompt/completion)
/// an array of messages.
#[derive(Debug)]
pub(crate) enum RawTurns<'a> {
    /// The text of one message.
    Text(Cow<'a, str>),
    /// The messages.
    Messages(Vec<Slot<RawMessage<'a>>>),
}

impl Expected for RawTurns<'_> {
    const EXPECTED: &'static str = "a string or an array of messages";

    fn accepts(kind: JsonKind) -> bool {
        matches!(kind, JsonKind::String | JsonKind::Array)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawTurns<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawTurnsVisitor(PhantomData))
    }
}

struct RawTurnsVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for RawTurnsVisitor<'a> {
    type Value = RawTurns<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(RawTurns::EXPECTED)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<RawTurns<'a>, E> {
        Ok(RawTurns::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTurns<'a>, E> {
        Ok(RawTurns::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<RawTurns<'a>, E> {
        Ok(RawTurns::Text(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawTurns<'a>, A::Error> {
        Vec::deserialize(SeqAccessDeserializer::new(seq)).map(RawTurns::Messages)
    }
}

/// The `_meta` record of a v4 JSONL file, or a v4 document's `training_file_metadata`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawMeta {
    /// How many pairs the exporter says the file has.
    pub total_pairs: Slot<Number>,
}

/// Any record of any format: the union of their fields, each a [`Slot`]. Unknown fields are
/// skipped without being stored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawRecord<'a> {
    /// Chat: the conversation.
    #[serde(borrow)]
    pub messages: RawMessages<'a>,
    /// Chat: 0 to exclude the conversation from training, 1 to include it.
    pub weight: Slot<Number>,
    /// Chat with tools: the tool definitions.
    pub tools: Slot<RawTools>,
    /// Chat with tools: OpenAI's legacy function definitions, read when there are no `tools`.
    pub functions: Slot<RawTools>,
    /// Paired preference data (DPO): the preferred answer (not read).
    pub chosen: Used,
    /// Paired preference data (DPO): the rejected answer (not read).
    pub rejected: Used,
    /// Chat: `train` or `validation`.
    #[serde(borrow)]
    pub split: Slot<Text<'a>>,
    /// v3: the conversation.
    #[serde(borrow)]
    pub turns: RawMessages<'a>,
    /// v3 and v4: the conversation's id.
    #[serde(borrow)]
    pub conversation_id: Slot<Key<'a>>,
    /// v4: the pair's id.
    #[serde(borrow)]
    pub id: Slot<Key<'a>>,
    /// v4: 1-based number of the pair in its conversation.
    pub turn_number: Slot<Number>,
    /// v4: the system prompt (may be empty).
    #[serde(borrow)]
    pub system_prompt: Slot<Text<'a>>,
    /// v4: the turns before this pair (its last item usually repeats the current input).
    #[serde(borrow)]
    pub conversation_history: RawMessages<'a>,
    /// v4: what the user says now.
    #[serde(borrow)]
    pub current_user_input: Slot<Text<'a>>,
    /// v4: what the assistant should answer, or null for a user turn.
    #[serde(borrow)]
    pub target_response: Slot<Text<'a>>,
    /// v4: metadata, checked for type only.
    pub conversation_metadata: Slot<AnyObject>,
    /// v4: metadata, checked for type only.
    pub emotional_context: Slot<AnyObject>,
    /// v4: metadata, checked for type only.
    pub training_metadata: Slot<AnyObject>,
    /// v4 JSONL: the metadata record, first line.
    #[serde(rename = "_meta")]
    pub meta: Slot<RawMeta>,
    /// ShareGPT: the conversation (`[{"from", "value"}...]`). A v4 document's
    /// `conversations` (`[{"training_pairs": ...}]`) is read into the same slot, and told
    /// apart by its items, which have no `from` or `value` ([`RawRecord::sharegpt_items`]).
    #[serde(borrow)]
    pub conversations: RawMessages<'a, ShareGpt>,
    /// Prompt/completion: the prompt, a string or messages.
    #[serde(borrow)]
    pub prompt: Slot<RawTurns<'a>>,
    /// Prompt/completion: the completion, trained on; a string or messages.
    #[serde(borrow)]
    pub completion: Slot<RawTurns<'a>>,
    /// Unpaired preference data (KTO, as TRL and LLaMA-Factory write it): whether the
    /// record's answer is a desirable one.
    pub label: Slot<Flag>,
    /// The same as `label`, under the name LLaMA-Factory's documentation gives it.
    pub kto_tag: Slot<Flag>,
    /// Alpaca: the instruction.
    #[serde(borrow)]
    pub instruction: Slot<Text<'a>>,
    /// Alpaca: the input the instruction is about (may be empty).
    #[serde(borrow)]
    pub input: Slot<Text<'a>>,
    /// Alpaca: the answer, trained on.
    #[serde(borrow)]
    pub output: Slot<Text<'a>>,
    /// Alpaca (as LLaMA-Factory writes it): the exchanges before the instruction, each
    /// `[instruction, response]`.
    #[serde(borrow)]
    pub history: Slot<Vec<Slot<Vec<Slot<Text<'a>>>>>>,
    /// Alpaca, ShareGPT and chat: an optional system prompt.
    #[serde(borrow)]
    pub system: Slot<Text<'a>>,
    /// Plain text: the document, trained on whole.
    #[serde(borrow)]
    pub text: Slot<Text<'a>>,
    /// v4 document: its metadata (only its presence is looked at in a record).
    pub training_file_metadata: Slot<IgnoredAny>,
    /// Gemini: the conversation (`[{"role", "parts"}...]`).
    #[serde(borrow)]
    pub contents: Slot<Vec<Slot<RawGeminiContent<'a>>>>,
    /// Gemini: the system instruction (`{"parts": [{"text"}...]}`).
    #[serde(borrow, rename = "systemInstruction", alias = "system_instruction")]
    pub system_instruction: Slot<RawGeminiContent<'a>>,
}

impl Expected for IgnoredAny {
    const EXPECTED: &'static str = "any value";

    fn accepts(_: JsonKind) -> bool {
        true
    }
}

object_shape!(AnyObject, RawMeta, RawRecord<'_>, JsonObject);

/// What a record's `conversations` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConversationsKind {
    /// No `conversations` key.
    Absent,
    /// An array whose first object has `from` or `value`: a ShareGPT conversation.
    Messages,
    /// An array whose first object has neither, and `training_pairs` or
    /// `conversation_metadata` first of its other keys: a v4 document's.
    Documents,
    /// Anything else (an empty array, a string, null): it cannot tell.
    Unclear,
}

/// The keys of a v4 document's conversation.
const V4_CONVERSATION_KEYS: [&str; 2] = ["training_pairs", "conversation_metadata"];

impl RawRecord<'_> {
    /// Whether `contents` is Gemini's: an array whose first object item has `parts`.
    pub fn gemini_contents(&self) -> bool {
        match &self.contents {
            Slot::Value(items) => {
                items.iter().find_map(|item| match item {
                    Slot::Value(content) => Some(content.has_parts()),
                    _ => None,
                }) == Some(true)
            }
            _ => false,
        }
    }

    /// What `conversations` holds, from the keys of its first object item.
    pub fn sharegpt_items(&self) -> ConversationsKind {
        match &self.conversations {
            Slot::Missing => ConversationsKind::Absent,
            Slot::Value(items) => match items.iter().find_map(|item| match item {
                Slot::Value(message) => Some(message),
                _ => None,
            }) {
                Some(message) if message.has_message_keys() => ConversationsKind::Messages,
                Some(message) if message.first_other_key().is_some_and(|key| V4_CONVERSATION_KEYS.contains(&key)) => {
                    ConversationsKind::Documents
                }
                _ => ConversationsKind::Unclear,
            },
            Slot::Null | Slot::Wrong(_) => ConversationsKind::Unclear,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> RawRecord<'_> {
        match serde_json::from_str::<Slot<RawRecord<'_>>>(json).unwrap() {
            Slot::Value(record) => record,
            other => panic!("not a record: {other:?}"),
        }
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let r = record(r#"{"current_user_input": "plain", "target_response": "two\nlines"}"#);
        let Slot::Value(Text(Cow::Borrowed("plain"))) = r.current_user_input else { panic!("{r:?}") };
        let Slot::Value(Text(Cow::Owned(text))) = r.target_response else { panic!("{r:?}") };
        assert_eq!(text, "two\nlines");
    }

    #[test]
    fn wrong_types_missing_and_null_are_told_apart() {
        let r = record(r#"{"messages": {"role": "user"}, "split": 3, "target_response": null, "turn_number": "1"}"#);
        assert!(matches!(r.messages, Slot::Wrong(JsonKind::Object)));
        assert!(matches!(r.split, Slot::Wrong(JsonKind::Number)));
        assert!(matches!(r.target_response, Slot::Null));
        assert!(matches!(r.turn_number, Slot::Wrong(JsonKind::String)));
        assert!(matches!(r.turns, Slot::Missing));
        let r = record(r#"{"messages": [{"role": ["x"], "content": 5}, 7], "conversation_id": 12}"#);
        let Slot::Value(items) = r.messages else { panic!() };
        let Slot::Value(first) = &items[0] else { panic!() };
        assert!(matches!(first.role, Slot::Wrong(JsonKind::Array)));
        assert!(matches!(first.content, Slot::Wrong(JsonKind::Number)));
        assert!(matches!(items[1], Slot::Wrong(JsonKind::Number)));
        let Slot::Value(Key(id)) = r.conversation_id else { panic!() };
        assert_eq!(id, "12");
    }

    #[test]
    fn non_objects_and_syntax_errors() {
        assert!(matches!(serde_json::from_str::<Slot<RawRecord<'_>>>("[1, 2]").unwrap(), Slot::Wrong(JsonKind::Array)));
        assert!(matches!(serde_json::from_str::<Slot<RawRecord<'_>>>("\"x\"").unwrap(), Slot::Wrong(JsonKind::String)));
        let err = serde_json::from_str::<Slot<RawRecord<'_>>>(r#"{"messages": [}"#).unwrap_err();
        assert!(err.is_syntax());
        let err = serde_json::from_str::<Slot<RawRecord<'_>>>(r#"{"split": "a", "split": "b"}"#).unwrap_err();
        assert!(err.is_data(), "{err}");
        // Deep nesting never overflows the stack: our types nest a fixed depth, and what
        // they do not expect is skipped by serde_json without recursion (its recursion
        // limit stays on for the rest).
        for deep in [
            format!(r#"{{"messages": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000)),
            format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000)),
        ] {
            assert!(matches!(serde_json::from_str::<Slot<RawRecord<'_>>>(&deep), Ok(Slot::Value(_))));
        }
        assert!(serde_json::from_str::<Slot<RawRecord<'_>>>(r#"{"weight": NaN}"#).is_err());
        assert!(serde_json::from_str::<Slot<RawRecord<'_>>>(r#"{"split": "\ud800"}"#).is_err());
    }

    #[test]
    fn counts_are_whole_numbers() {
        assert_eq!(Number(3.0).as_count(1), Some(3));
        assert_eq!(Number(0.0).as_count(1), None);
        assert_eq!(Number(2.5).as_count(1), None);
        assert_eq!(Number(-1.0).as_count(0), None);
    }
}
