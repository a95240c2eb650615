//! The lenient JSON shape of one message of any format: what is read (`role`, `content`,
//! `weight`, or ShareGPT's `from` and `value`: see [`Dialect`]), and what is noticed of the
//! rest (tool calling, content parts, other keys), so that nothing a user wrote is dropped
//! without a finding.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json::{Expected, JsonKind, Number, Slot, Text, object_shape};
use crate::dataset::conversation::Role;

/// How a format names a message's keys and roles: `{"role": "user", "content"}` in chat,
/// v3 and v4, `{"from": "human", "value"}` in ShareGPT. Everything else about a message is
/// read the same way.
pub(crate) trait Dialect: fmt::Debug + Default + 'static {
    /// The key of the speaker.
    const ROLE: &'static str;
    /// The key of the text.
    const CONTENT: &'static str;
    /// The roles the dialect reads, for messages (`system, user, assistant`).
    const ROLES: &'static str;
    /// Roles of tool calling, which is not supported.
    const TOOL_ROLES: &'static [&'static str];
    /// Other names of the speaker's and the text's keys that the dialect reads too.
    const ALSO: Option<(&'static str, &'static str)>;

    /// The canonical role of a speaker's name, if the dialect reads it.
    fn role(name: &str) -> Option<Role>;
}

/// `{"role", "content"}` with roles `system`, `user`, `assistant` (chat, v3, v4 history).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct OpenAi;

impl Dialect for OpenAi {
    const ROLE: &'static str = "role";
    const CONTENT: &'static str = "content";
    const ROLES: &'static str = "system, user, assistant";
    const TOOL_ROLES: &'static [&'static str] = &["tool", "function"];
    const ALSO: Option<(&'static str, &'static str)> = None;

    /// `developer` is the system prompt under the name OpenAI's newer models give it (logged
    /// completions write it so): the same message to every chat template. Cohere's
    /// fine-tuning data names its speakers `System`, `User` and `Chatbot`.
    fn role(name: &str) -> Option<Role> {
        match name {
            "developer" | "System" => Some(Role::System),
            "User" => Some(Role::User),
            "Chatbot" => Some(Role::Assistant),
            name => Role::from_name(name),
        }
    }
}

/// ShareGPT's `{"from", "value"}` with speakers `human`, `gpt`, `system` (and the `user`
/// and `assistant` spellings); also `{"role", "content"}`, as many ShareGPT-style datasets
/// write their turns.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ShareGpt;

impl Dialect for ShareGpt {
    const ROLE: &'static str = "from";
    const CONTENT: &'static str = "value";
    const ROLES: &'static str = "human, gpt, system (or user, assistant)";
    const TOOL_ROLES: &'static [&'static str] = &["tool", "function", "function_call", "observation"];
    const ALSO: Option<(&'static str, &'static str)> = Some((OpenAi::ROLE, OpenAi::CONTENT));

    fn role(name: &str) -> Option<Role> {
        match name {
            "human" | "user" => Some(Role::User),
            "gpt" | "assistant" => Some(Role::Assistant),
            "system" => Some(Role::System),
            _ => None,
        }
    }
}

/// One message: `{role, content, weight?}` (v4 history items also carry `turn` and
/// `emotional_state`; ShareGPT names the first two `from` and `value`), with what is noticed
/// of the keys BrightRun does not train on.
#[derive(Debug, Default)]
pub(crate) struct RawMessage<'a, D = OpenAi> {
    /// `system`, `user` or `assistant` (ShareGPT's `from`: `human`, `gpt`, ...).
    pub role: Slot<Text<'a>>,
    /// The text (or a list of parts, which is reported); ShareGPT's `value`.
    pub content: Slot<RawContent<'a>>,
    /// 0 to leave an assistant message out of the loss, 1 (the default) to train on it.
    pub weight: Slot<Number>,
    /// Keys of other kinds, when there are any: rare, so boxed to keep messages small.
    pub extra: Option<Box<ExtraKeys<'a>>>,
    /// The speaker's key when the message names it with the dialect's other name.
    role_named: Option<&'static str>,
    /// The text's key when the message names it with the dialect's other name.
    content_named: Option<&'static str>,
    /// How the keys are named.
    dialect: PhantomData<D>,
}

/// The keys of a message other than its role, content and weight, when it has any.
#[derive(Debug, Default)]
pub(crate) struct ExtraKeys<'a> {
    /// The first tool-calling key that holds a value (`tool_calls`, `function_call`,
    /// `tool_call_id`): read in chat with tools, reported in other formats.
    pub tool_key: Option<&'static str>,
    /// An assistant message's `tool_calls` (chat with tools).
    pub tool_calls: Slot<JsonList>,
    /// A `tool` message's `tool_call_id` (chat with tools).
    pub tool_call_id: Slot<Text<'a>>,
    /// An assistant message's `function_call`, OpenAI's legacy form of one tool call (chat).
    pub function_call: Slot<JsonMap>,
    /// A string `name`: the function whose result a `tool` message is (chat with tools, as
    /// `transformers` and TRL write it); on any other message, a key not read.
    pub name: Option<Cow<'a, str>>,
    /// A text of reasoning, and the key of [`REASONING_KEYS`] that holds it: an assistant's
    /// is read; on any other message, a key not read.
    pub reasoning: Option<(&'static str, Cow<'a, str>)>,
    /// The first of `name` and the reasoning when it comes before the other keys.
    first_of_some: Option<&'static str>,
    /// The first other key, and how many other keys there are.
    pub unknown_key: Option<(Cow<'a, str>, usize)>,
}

/// The keys of an assistant message's reasoning: `reasoning_content` (Qwen3's and DeepSeek's
/// chat templates, the canonical name), `reasoning` (vLLM's and OpenRouter's responses) and
/// `thinking`.
pub(crate) const REASONING_KEYS: [&str; 3] = ["reasoning_content", "reasoning", "thinking"];

impl ExtraKeys<'_> {
    /// The first key not read, and how many there are: the other keys, `name` unless
    /// `name_read`, and the reasoning unless `reasoning_read`.
    pub fn unread(&self, name_read: bool, reasoning_read: bool) -> Option<(&str, usize)> {
        let name = (self.name.is_some() && !name_read).then_some("name");
        let reasoning = self.reasoning.as_ref().filter(|_| !reasoning_read).map(|(key, _)| *key);
        let others = self.unknown_key.as_ref().map(|(key, count)| (key.as_ref(), *count));
        let count =
            others.map_or(0, |(_, count)| count) + usize::from(name.is_some()) + usize::from(reasoning.is_some());
        let first = self.first_of_some.filter(|key| Some(*key) == name || Some(*key) == reasoning);
        Some((first.or(others.map(|(key, _)| key)).or(name).or(reasoning)?, count))
    }
}

/// Any JSON array, its items parsed (`tools`, `tool_calls`: rare, checked item by item).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct JsonList(pub Vec<serde_json::Value>);

impl Expected for JsonList {
    const EXPECTED: &'static str = "an array";

    fn accepts(kind: JsonKind) -> bool {
        kind == JsonKind::Array
    }
}

/// Any JSON object, its keys parsed (a legacy `function_call`: rare, checked key by key).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct JsonMap(pub serde_json::Map<String, serde_json::Value>);

object_shape!(JsonMap);

/// A record's `tools`: an array of definitions, or the JSON text of one, as tables and
/// LLaMA-Factory's ShareGPT store them (`"tools": "[{\"name\": ...}]"`).
#[derive(Debug)]
pub(crate) enum RawTools {
    /// The definitions.
    List(Vec<serde_json::Value>),
    /// Their JSON text; blank when there are none.
    Text(String),
}

impl Expected for RawTools {
    const EXPECTED: &'static str = "an array, or its JSON text";

    fn accepts(kind: JsonKind) -> bool {
        matches!(kind, JsonKind::Array | JsonKind::String)
    }
}

impl<'de> Deserialize<'de> for RawTools {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Reads the array or the string, without buffering the value first as an untagged
        /// enum would (a chat file with tools has them on every line).
        struct ToolsVisitor;

        impl<'de> Visitor<'de> for ToolsVisitor {
            type Value = RawTools;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(RawTools::EXPECTED)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawTools, E> {
                Ok(RawTools::Text(text.to_owned()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, items: A) -> Result<RawTools, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(items)).map(RawTools::List)
            }
        }

        deserializer.deserialize_any(ToolsVisitor)
    }
}

impl RawTools {
    /// The definitions, text parsed (blank text is none); or why text is not an array.
    pub fn items(self) -> Result<Vec<serde_json::Value>, String> {
        match self {
            RawTools::List(items) => Ok(items),
            RawTools::Text(text) if text.trim().is_empty() => Ok(Vec::new()),
            RawTools::Text(text) => match serde_json::from_str(&text) {
                Ok(serde_json::Value::Array(items)) => Ok(items),
                Ok(_) => Err("holds JSON that is not an array".to_owned()),
                Err(e) => Err(format!("is not JSON: {e}")),
            },
        }
    }

    /// Whether it defines no tool (`[]`, `"[]"`, `""`).
    pub fn is_empty(&self) -> bool {
        match self {
            RawTools::List(items) => items.is_empty(),
            RawTools::Text(text) => {
                text.trim().is_empty() || serde_json::from_str::<Vec<IgnoredAny>>(text).is_ok_and(|v| v.is_empty())
            }
        }
    }
}

impl<D: Dialect> RawMessage<'_, D> {
    /// The key of the speaker, as the message names it (an absent one named as the text's).
    pub fn role_key(&self) -> &'static str {
        let also = self.content_named.and(D::ALSO).map(|(role, _)| role);
        self.role_named.or(also).unwrap_or(D::ROLE)
    }

    /// The key of the text, as the message names it (an absent one named as the speaker's).
    pub fn content_key(&self) -> &'static str {
        let also = self.role_named.and(D::ALSO).map(|(_, content)| content);
        self.content_named.or(also).unwrap_or(D::CONTENT)
    }
}

impl<'a, D> RawMessage<'a, D> {
    /// Whether the message has its dialect's role or content key (what tells a ShareGPT
    /// message from a v4 document's conversation).
    pub fn has_message_keys(&self) -> bool {
        self.role.is_present() || self.content.is_present()
    }

    /// The first key the message has that is neither read nor of tool calling.
    pub fn first_other_key(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|extra| extra.unread(false, false)).map(|(key, _)| key)
    }

    /// The tool-calling key the message has, if any.
    pub fn tool_key(&self) -> Option<&'static str> {
        self.extra.as_ref().and_then(|extra| extra.tool_key)
    }

    /// Reads `tool_calls`, `function_call` or `tool_call_id`, kept (and noted as a tool key)
    /// unless it is null or empty.
    fn tool_value<'de: 'a, A: MapAccess<'de>>(&mut self, key: &'static str, map: &mut A) -> Result<(), A::Error> {
        let seen = self.extra.as_ref().is_some_and(|extra| match key {
            "tool_calls" => extra.tool_calls.is_present(),
            "function_call" => extra.function_call.is_present(),
            _ => extra.tool_call_id.is_present(),
        });
        if seen {
            return Err(de::Error::duplicate_field(key));
        }
        match key {
            "function_call" => {
                let call: Slot<JsonMap> = map.next_value()?;
                if call.holds(|JsonMap(keys)| keys.is_empty()) {
                    self.tool_keys(key).function_call = call;
                }
            }
            "tool_calls" => {
                let calls: Slot<JsonList> = map.next_value()?;
                if calls.holds(|JsonList(items)| items.is_empty()) {
                    self.tool_keys(key).tool_calls = calls;
                }
            }
            _ => {
                let id: Slot<Text<'a>> = map.next_value()?;
                if id.holds(|_| false) {
                    self.tool_keys(key).tool_call_id = id;
                }
            }
        }
        Ok(())
    }

    /// The message's other keys, with `key` noted as its tool-calling key unless one was.
    fn tool_keys(&mut self, key: &'static str) -> &mut ExtraKeys<'a> {
        let extra = self.extra.get_or_insert_with(Box::default);
        extra.tool_key.get_or_insert(key);
        extra
    }

    /// Reads `name` or a key of [`REASONING_KEYS`], kept when it is a text (and not empty);
    /// a second text of reasoning is kept only when it differs, as a key not read.
    fn text_key<'de: 'a, A: MapAccess<'de>>(&mut self, key: Cow<'a, str>, map: &mut A) -> Result<(), A::Error> {
        let text = match map.next_value::<Slot<Text<'a>>>()? {
            Slot::Value(Text(text)) if !text.is_empty() => text,
            Slot::Wrong(_) => {
                self.other_key(key, Used(true));
                return Ok(());
            }
            _ => return Ok(()),
        };
        let extra = self.extra.get_or_insert_with(Box::default);
        let first = extra.unknown_key.is_none() && extra.name.is_none() && extra.reasoning.is_none();
        let named: &'static str = match REASONING_KEYS.iter().find(|k| **k == key) {
            None if extra.name.is_some() => return Err(de::Error::duplicate_field("name")),
            None => {
                extra.name = Some(text);
                "name"
            }
            Some(_) if extra.reasoning.as_ref().is_some_and(|(_, kept)| *kept == text) => return Ok(()),
            Some(_) if extra.reasoning.is_some() => {
                self.other_key(key, Used(true));
                return Ok(());
            }
            Some(reasoning) => {
                extra.reasoning = Some((reasoning, text));
                reasoning
            }
        };
        if first {
            extra.first_of_some = Some(named);
        }
        Ok(())
    }

    /// Notes a key that is neither read nor known, whose value is `used`.
    fn other_key(&mut self, key: Cow<'a, str>, used: Used) {
        // `"refusal": null` or `"annotations": []` loses nothing: no finding.
        if !used.0 {
            return;
        }
        self.extra.get_or_insert_with(Box::default).unknown_key.get_or_insert((key, 0)).1 += 1;
    }
}

impl<'de: 'a, 'a, L: Dialect> Deserialize<'de> for RawMessage<'a, L> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RawMessageVisitor(PhantomData))
    }
}

impl<L> Expected for RawMessage<'_, L> {
    const EXPECTED: &'static str = "an object";

    fn accepts(kind: JsonKind) -> bool {
        kind == JsonKind::Object
    }
}

/// A key of a message, told apart as it is parsed (what `#[derive(Deserialize)]` does), so
/// that the common keys cost no string kept.
enum Key<'a> {
    /// The speaker's key, as named.
    Role(&'static str),
    /// The text's key, as named.
    Content(&'static str),
    Weight,
    /// v4 history's `turn`.
    Turn,
    /// v4 history's `emotional_state`.
    EmotionalState,
    Other(Cow<'a, str>),
}

impl<'a> Key<'a> {
    fn of<L: Dialect>(name: &str) -> Option<Key<'a>> {
        let named = |key: &&'static str| *key == name;
        let (also_role, also_content) = L::ALSO.unzip();
        Some(match name {
            _ if named(&L::ROLE) => Key::Role(L::ROLE),
            _ if named(&L::CONTENT) => Key::Content(L::CONTENT),
            "weight" => Key::Weight,
            "turn" => Key::Turn,
            "emotional_state" => Key::EmotionalState,
            _ => {
                return also_role.filter(named).map(Key::Role).or_else(|| also_content.filter(named).map(Key::Content));
            }
        })
    }
}

/// Reads a [`Key`] named in dialect `L`.
struct KeySeed<'a, L>(PhantomData<(&'a (), L)>);

impl<'de: 'a, 'a, L: Dialect> de::DeserializeSeed<'de> for KeySeed<'a, L> {
    type Value = Key<'a>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'a>, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de: 'a, 'a, L: Dialect> Visitor<'de> for KeySeed<'a, L> {
    type Value = Key<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'a>, E> {
        Ok(Key::of::<L>(v).unwrap_or(Key::Other(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'a>, E> {
        Ok(Key::of::<L>(v).unwrap_or_else(|| Key::Other(Cow::Owned(v.to_owned()))))
    }
}

struct RawMessageVisitor<'a, L>(PhantomData<(&'a (), L)>);

impl<'de: 'a, 'a, L: Dialect> Visitor<'de> for RawMessageVisitor<'a, L> {
    type Value = RawMessage<'a, L>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMessage<'a, L>, A::Error> {
        /// Fails on a key seen before: readers disagree about which duplicate wins.
        fn once<E: de::Error>(seen: bool, key: &'static str) -> Result<(), E> {
            if seen { Err(E::duplicate_field(key)) } else { Ok(()) }
        }
        let mut message = RawMessage::default();
        let (mut turn, mut emotional_state) = (false, false);
        while let Some(key) = map.next_key_seed(KeySeed::<'de, L>(PhantomData))? {
            match key {
                Key::Role(named) => {
                    once(message.role.is_present(), named)?;
                    message.role = map.next_value()?;
                    message.role_named = (named != L::ROLE).then_some(named);
                }
                Key::Content(named) => {
                    once(message.content.is_present(), named)?;
                    message.content = map.next_value()?;
                    message.content_named = (named != L::CONTENT).then_some(named);
                }
                Key::Weight => {
                    once(message.weight.is_present(), "weight")?;
                    message.weight = map.next_value()?;
                }
                Key::Turn => {
                    once(std::mem::replace(&mut turn, true), "turn")?;
                    map.next_value::<IgnoredAny>()?;
                }
                Key::EmotionalState => {
                    once(std::mem::replace(&mut emotional_state, true), "emotional_state")?;
                    map.next_value::<IgnoredAny>()?;
                }
                Key::Other(name) if name == "tool_calls" => message.tool_value("tool_calls", &mut map)?,
                Key::Other(name) if name == "tool_call_id" => message.tool_value("tool_call_id", &mut map)?,
                Key::Other(name) if name == "function_call" => message.tool_value("function_call", &mut map)?,
                Key::Other(name) if name == "name" || REASONING_KEYS.contains(&name.as_ref()) => {
                    message.text_key(name, &mut map)?;
                }
                Key::Other(name) => {
                    let used = map.next_value::<Used>()?;
                    message.other_key(name, used);
                }
            }
        }
        Ok(message)
    }
}

/// Whether a value carries anything: not null, and not an empty array or object.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Used(pub bool);

impl<'de> Deserialize<'de> for Used {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UsedVisitor)
    }
}

struct UsedVisitor;

impl<'de> Visitor<'de> for UsedVisitor {
    type Value = Used;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Used, E> {
        Ok(Used(false))
    }

    fn visit_none<E: de::Error>(self) -> Result<Used, E> {
        Ok(Used(false))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Used, E> {
        Ok(Used(true))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Used, E> {
        Ok(Used(true))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Used, E> {
        Ok(Used(true))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Used, E> {
        Ok(Used(true))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Used, E> {
        Ok(Used(true))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Used, A::Error> {
        let mut any = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            any = true;
        }
        Ok(Used(any))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Used, A::Error> {
        let mut any = false;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
            any = true;
        }
        Ok(Used(any))
    }
}

/// A message's content: a string, or a list of parts (`[{"type": "text", "text": ...},
/// {"type": "image_url", ...}]`), of which the count, the kinds and, when every part is
/// text, the text are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawContent<'a> {
    /// The text.
    Text(Cow<'a, str>),
    /// A list of parts (rare: boxed, so that text content stays small).
    Parts(Box<PartKinds>),
}

/// What a list of content parts holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PartKinds {
    /// How many parts.
    pub count: usize,
    /// Their distinct `type`s in order of appearance (at most [`PartKinds::KEPT`]); a part
    /// without a string `type` counts as `?`.
    pub kinds: Vec<String>,
    /// The texts of the parts joined with [`PartKinds::JOINER`], when every part is
    /// `{"type": "text", "text": "..."}`; `None` when one is anything else.
    pub text: Option<String>,
}

impl PartKinds {
    /// Distinct kinds kept, for the message.
    const KEPT: usize = 4;

    /// What goes between the texts of two text parts: a newline, as vLLM joins them for
    /// text-only models.
    pub const JOINER: &'static str = "\n";

    /// The kinds other than `text`, for a message.
    pub fn other_kinds(&self) -> Vec<&str> {
        self.kinds.iter().map(String::as_str).filter(|kind| *kind != "text").collect()
    }
}

impl Expected for RawContent<'_> {
    const EXPECTED: &'static str = "a string";

    fn accepts(kind: JsonKind) -> bool {
        matches!(kind, JsonKind::String | JsonKind::Array)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawContent<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawContentVisitor(PhantomData))
    }
}

struct RawContentVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for RawContentVisitor<'a> {
    type Value = RawContent<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a list of parts")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<RawContent<'a>, E> {
        Ok(RawContent::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawContent<'a>, E> {
        Ok(RawContent::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<RawContent<'a>, E> {
        Ok(RawContent::Text(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawContent<'a>, A::Error> {
        let mut parts = Box::new(PartKinds { text: Some(String::new()), ..PartKinds::default() });
        while let Some(part) = seq.next_element::<Slot<RawPart<'de>>>()? {
            parts.count += 1;
            let (kind, text) = match &part {
                Slot::Value(RawPart { kind: Slot::Value(Text(kind)), text }) => (kind.as_ref(), text),
                _ => ("?", &Slot::Missing),
            };
            match (kind, text, &mut parts.text) {
                ("text", Slot::Value(Text(text)), Some(joined)) => {
                    if parts.count > 1 {
                        joined.push_str(PartKinds::JOINER);
                    }
                    joined.push_str(text);
                }
                _ => parts.text = None,
            }
            if parts.kinds.len() < PartKinds::KEPT && !parts.kinds.iter().any(|k| k == kind) {
                parts.kinds.push(kind.to_owned());
            }
        }
        Ok(RawContent::Parts(parts))
    }
}

/// One part of a list of content parts: its `type`, and the `text` of a text part.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPart<'a> {
    #[serde(borrow, rename = "type")]
    kind: Slot<Text<'a>>,
    #[serde(borrow)]
    text: Slot<Text<'a>>,
}

object_shape!(RawPart<'_>);

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: &str) -> RawMessage<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn tool_keys_and_other_keys_are_noticed_unless_empty() {
        let m = message(r#"{"role": "assistant", "content": null, "tool_calls": [{"id": "1"}], "name": "x", "y": 1}"#);
        let extra = m.extra.as_deref().unwrap();
        assert_eq!(extra.tool_key, Some("tool_calls"));
        assert_eq!(extra.unknown_key, Some((Cow::Borrowed("y"), 1)));
        assert_eq!(extra.name.as_deref(), Some("x"));
        assert_eq!((extra.unread(false, false), extra.unread(true, false)), (Some(("name", 2)), Some(("y", 1))));
        assert!(matches!(m.content, Slot::Null));
        let m = message(r#"{"role": "tool", "content": "r", "y": 1, "name": "x"}"#);
        assert_eq!(m.extra.as_deref().unwrap().unread(false, false), Some(("y", 2)), "the first key not read is named");
        let m = message(
            r#"{"role": "assistant", "content": "a", "reasoning": "r", "reasoning_content": "r", "thinking": "s"}"#,
        );
        let extra = m.extra.as_deref().unwrap();
        assert_eq!(extra.reasoning, Some(("reasoning", Cow::Borrowed("r"))), "the same text twice is one");
        assert_eq!(
            (extra.unread(false, true), extra.unread(false, false)),
            (Some(("thinking", 1)), Some(("reasoning", 2)))
        );
        let m = message(r#"{"role": "assistant", "content": "a", "tool_calls": [], "refusal": null, "audio": {}}"#);
        assert!(m.extra.is_none());
        let m = message(r#"{"role": "user", "content": "q", "turn": 3, "emotional_state": "calm", "weight": 0}"#);
        assert!(m.extra.is_none());
        assert!(matches!(m.weight, Slot::Value(Number(w)) if w == 0.0));
    }

    #[test]
    fn content_is_text_or_a_summary_of_its_parts() {
        let m = message(r#"{"content": "plain"}"#);
        assert!(matches!(m.content, Slot::Value(RawContent::Text(Cow::Borrowed("plain")))));
        let m = message(r#"{"content": [{"type": "text", "text": "a"}, {"type": "text"}, {"type": 3}, 7]}"#);
        let Slot::Value(RawContent::Parts(parts)) = m.content else { panic!("{m:?}") };
        assert_eq!((parts.count, &parts.kinds[..]), (4, &["text".to_owned(), "?".to_owned()][..]));
        assert_eq!(parts.text, None, "a part without text");
        let m = message(r#"{"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b\u00e9"}]}"#);
        let Slot::Value(RawContent::Parts(parts)) = m.content else { panic!("{m:?}") };
        assert_eq!(parts.text.as_deref(), Some("a\nb\u{e9}"), "text parts are joined");
        let m = message(r#"{"content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {}}]}"#);
        let Slot::Value(RawContent::Parts(parts)) = m.content else { panic!("{m:?}") };
        assert_eq!((parts.text.as_deref(), parts.other_kinds()), (None, vec!["image_url"]));
        let m = message(r#"{"content": {"text": "a"}}"#);
        assert!(matches!(m.content, Slot::Wrong(JsonKind::Object)));
    }

    #[test]
    fn sharegpt_turns_are_read_by_their_own_keys() {
        let m: RawMessage<'_, ShareGpt> =
            serde_json::from_str(r#"{"from": "gpt", "value": "hi", "text": "x", "weight": 0}"#).unwrap();
        assert!(matches!(m.role, Slot::Value(Text(Cow::Borrowed("gpt")))));
        assert!(matches!(m.content, Slot::Value(RawContent::Text(Cow::Borrowed("hi")))));
        assert_eq!((m.role_key(), m.content_key()), ("from", "value"));
        assert_eq!(m.first_other_key(), Some("text"));
        assert!(matches!(m.weight, Slot::Value(Number(w)) if w == 0.0));
        let error = serde_json::from_str::<RawMessage<'_, ShareGpt>>(r#"{"from": "a", "from": "b"}"#).unwrap_err();
        assert!(error.to_string().contains("duplicate field `from`"), "{error}");
        // Chat's keys are read too, and named as the message names them; both spellings at
        // once repeat a key.
        let m: RawMessage<'_, ShareGpt> = serde_json::from_str(r#"{"role": "user", "content": "hi"}"#).unwrap();
        assert!(matches!(m.role, Slot::Value(Text(Cow::Borrowed("user")))));
        assert!(matches!(m.content, Slot::Value(RawContent::Text(Cow::Borrowed("hi")))));
        assert_eq!((m.role_key(), m.content_key()), ("role", "content"));
        let m: RawMessage<'_, ShareGpt> = serde_json::from_str(r#"{"role": "user"}"#).unwrap();
        assert_eq!(m.content_key(), "content", "an absent key is named as the present one");
        let error = serde_json::from_str::<RawMessage<'_, ShareGpt>>(r#"{"from": "a", "role": "b"}"#).unwrap_err();
        assert!(error.to_string().contains("duplicate field `role`"), "{error}");
        assert_eq!(ShareGpt::role("human"), Some(Role::User));
        assert_eq!(ShareGpt::role("assistant"), Some(Role::Assistant));
        assert_eq!(ShareGpt::role("bot"), None);
        assert!(message(r#"{"from": "human"}"#).first_other_key() == Some("from"), "nor `from` a chat key");
    }

    #[test]
    fn a_repeated_key_is_an_error() {
        for (json, key) in [
            (r#"{"role": "user", "role": "assistant"}"#, "role"),
            (r#"{"content": null, "content": "x"}"#, "content"),
            (r#"{"turn": 1, "role": "user", "turn": 2}"#, "turn"),
        ] {
            let error = serde_json::from_str::<RawMessage<'_>>(json).unwrap_err();
            assert!(error.is_data() && error.to_string().contains(&format!("duplicate field `{key}`")), "{error}");
        }
        assert!(serde_json::from_str::<RawMessage<'_>>(r#"{"x": 1, "x": 2}"#).is_ok(), "unknown keys are not tracked");
    }
}
