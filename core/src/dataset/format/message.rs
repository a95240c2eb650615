//! The lenient JSON shape of one message of any format: what is read (`role`, `content`,
//! `weight`), and what is noticed of the rest (tool calling, content parts, other keys), so
//! that nothing a user wrote is dropped without a finding.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json::{Expected, JsonKind, Number, Slot, Text};

/// One message: `{role, content, weight?}` (v4 history items also carry `turn` and
/// `emotional_state`), with what is noticed of the keys BrightRun does not train on.
#[derive(Debug, Default)]
pub(crate) struct RawMessage<'a> {
    /// `system`, `user` or `assistant`.
    pub role: Slot<Text<'a>>,
    /// The text (or a list of parts, which is reported).
    pub content: Slot<RawContent<'a>>,
    /// 0 to leave an assistant message out of the loss, 1 (the default) to train on it.
    pub weight: Slot<Number>,
    /// The first tool-calling key with a value (`tool_calls`, `function_call`,
    /// `tool_call_id`): tool calling is not supported.
    pub tool_key: Option<&'static str>,
    /// The first other key with a value, and how many such keys there are.
    pub unknown_key: Option<(Cow<'a, str>, usize)>,
}

/// Keys of a message that are read, or known and ignored without a finding.
const MESSAGE_KEYS: [&str; 5] = ["role", "content", "weight", "turn", "emotional_state"];

/// Keys of a message that call tools or answer a tool call.
const TOOL_KEYS: [&str; 3] = ["tool_calls", "function_call", "tool_call_id"];

impl<'de: 'a, 'a> Deserialize<'de> for RawMessage<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RawMessageVisitor(PhantomData))
    }
}

struct RawMessageVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for RawMessageVisitor<'a> {
    type Value = RawMessage<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMessage<'a>, A::Error> {
        let mut message = RawMessage::default();
        let mut seen = [false; MESSAGE_KEYS.len()];
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let Some(known) = MESSAGE_KEYS.iter().position(|k| *k == key) else {
                // `"tool_calls": null` or `"refusal": null` loses nothing: no finding.
                if !map.next_value::<Used>()?.0 {
                    continue;
                }
                if let Some(tool) = TOOL_KEYS.iter().find(|k| **k == key) {
                    message.tool_key.get_or_insert(tool);
                } else {
                    let unknown = message.unknown_key.get_or_insert((key, 0));
                    unknown.1 += 1;
                }
                continue;
            };
            if std::mem::replace(&mut seen[known], true) {
                return Err(de::Error::duplicate_field(MESSAGE_KEYS[known]));
            }
            match known {
                0 => message.role = map.next_value()?,
                1 => message.content = map.next_value()?,
                2 => message.weight = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
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
/// {"type": "image_url", ...}]`), of which only the count and kinds are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawContent<'a> {
    /// The text.
    Text(Cow<'a, str>),
    /// A list of parts.
    Parts(PartKinds),
}

/// What a list of content parts holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PartKinds {
    /// How many parts.
    pub count: usize,
    /// Their distinct `type`s in order of appearance (at most [`PartKinds::KEPT`]); a part
    /// without a string `type` counts as `?`.
    pub kinds: Vec<String>,
}

impl PartKinds {
    /// Distinct kinds kept, for the message.
    const KEPT: usize = 4;
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
        let mut parts = PartKinds::default();
        while let Some(part) = seq.next_element::<Slot<RawPart<'de>>>()? {
            parts.count += 1;
            let kind = match &part {
                Slot::Value(RawPart { kind: Slot::Value(Text(kind)) }) => kind.as_ref(),
                _ => "?",
            };
            if parts.kinds.len() < PartKinds::KEPT && !parts.kinds.iter().any(|k| k == kind) {
                parts.kinds.push(kind.to_owned());
            }
        }
        Ok(RawContent::Parts(parts))
    }
}

/// One part of a list of content parts: only its `type` is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPart<'a> {
    #[serde(borrow, rename = "type")]
    kind: Slot<Text<'a>>,
}

impl Expected for RawPart<'_> {
    const EXPECTED: &'static str = "an object";

    fn accepts(kind: JsonKind) -> bool {
        kind == JsonKind::Object
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: &str) -> RawMessage<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn tool_keys_and_other_keys_are_noticed_unless_empty() {
        let m = message(r#"{"role": "assistant", "content": null, "tool_calls": [{"id": "1"}], "name": "x", "y": 1}"#);
        assert_eq!(m.tool_key, Some("tool_calls"));
        assert_eq!(m.unknown_key, Some((Cow::Borrowed("name"), 2)));
        assert!(matches!(m.content, Slot::Null));
        let m = message(r#"{"role": "assistant", "content": "a", "tool_calls": [], "refusal": null, "audio": {}}"#);
        assert_eq!((m.tool_key, m.unknown_key), (None, None));
        let m = message(r#"{"role": "user", "content": "q", "turn": 3, "emotional_state": "calm", "weight": 0}"#);
        assert_eq!((m.tool_key, m.unknown_key), (None, None));
        assert!(matches!(m.weight, Slot::Value(Number(w)) if w == 0.0));
    }

    #[test]
    fn content_is_text_or_a_summary_of_its_parts() {
        let m = message(r#"{"content": "plain"}"#);
        assert!(matches!(m.content, Slot::Value(RawContent::Text(Cow::Borrowed("plain")))));
        let m = message(r#"{"content": [{"type": "text", "text": "a"}, {"type": "text"}, {"type": 3}, 7]}"#);
        let Slot::Value(RawContent::Parts(parts)) = m.content else { panic!("{m:?}") };
        assert_eq!((parts.count, parts.kinds), (4, vec!["text".to_owned(), "?".to_owned()]));
        let m = message(r#"{"content": {"text": "a"}}"#);
        assert!(matches!(m.content, Slot::Wrong(JsonKind::Object)));
    }

    #[test]
    fn a_repeated_key_is_an_error() {
        let error = serde_json::from_str::<RawMessage<'_>>(r#"{"role": "user", "role": "assistant"}"#).unwrap_err();
        assert!(error.is_data() && error.to_string().contains("duplicate field `role`"), "{error}");
    }
}
