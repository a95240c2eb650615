//! Tool calling in canonical form, as OpenAI's fine-tuning format and Hugging Face chat
//! templates write it: the tool definitions of a conversation ([`Tool`]), the calls an
//! assistant message makes ([`ToolCall`]), and JSON objects kept as their compact text
//! ([`JsonObject`]).
//!
//! OpenAI sends a call's `arguments` as a JSON *string*; the canonical form holds them as a
//! JSON object, because chat templates print them with `tojson` and a string would be
//! encoded twice.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JSON object held as its compact text, keys in sorted order (so that equal objects are
/// equal texts, and the core and the trainer see the same key order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonObject(String);

impl JsonObject {
    /// The object of a parsed JSON value; `None` when it is not an object.
    pub fn from_value(value: &serde_json::Value) -> Option<Self> {
        value.is_object().then(|| Self(value.to_string()))
    }

    /// The object written as the JSON text `text`; `None` when `text` is not a JSON object.
    pub fn parse(text: &str) -> Option<Self> {
        Self::from_value(&serde_json::from_str(text).ok()?)
    }

    /// Its compact JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or_default()
    }
}

impl Serialize for JsonObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Self::from_value(&value).ok_or_else(|| D::Error::custom("expected a JSON object"))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for JsonObject {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("JsonObject")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "object", "additionalProperties": true })
    }
}

/// The kind of a tool: only functions exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    /// A function the model may call.
    #[default]
    Function,
}

/// A tool the model may call: `{"type": "function", "function": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Tool {
    /// Always `function`.
    #[serde(rename = "type", default)]
    pub kind: ToolKind,
    /// The function.
    pub function: FunctionDefinition,
}

/// A function's name, what it does and the JSON schema of its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FunctionDefinition {
    /// The name calls use.
    pub name: String,
    /// What it does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON schema of its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<JsonObject>,
}

/// One call an assistant message makes: `{"id", "type": "function", "function": {"name",
/// "arguments"}}`, the arguments as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolCall {
    /// The id a `tool` message answers with its `tool_call_id`.
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type", default)]
    pub kind: ToolKind,
    /// The function called.
    pub function: FunctionCall,
}

/// A function called and its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FunctionCall {
    /// The function's name, one of the conversation's tools.
    pub name: String,
    /// The arguments, a JSON object (OpenAI's string of JSON, parsed).
    pub arguments: JsonObject,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_written_as_objects_with_sorted_keys() {
        let args = JsonObject::parse(r#"{"unit": "c", "city": "Paris"}"#).unwrap();
        assert_eq!(args.as_str(), r#"{"city":"Paris","unit":"c"}"#);
        assert_eq!(JsonObject::parse("[1]"), None);
        assert_eq!(JsonObject::parse("{"), None);
        let call = ToolCall {
            id: "c1".into(),
            kind: ToolKind::Function,
            function: FunctionCall { name: "weather".into(), arguments: args },
        };
        let json = serde_json::to_string(&call).unwrap();
        assert_eq!(
            json,
            r#"{"id":"c1","type":"function","function":{"name":"weather","arguments":{"city":"Paris","unit":"c"}}}"#
        );
        assert_eq!(serde_json::from_str::<ToolCall>(&json).unwrap(), call);
        assert!(serde_json::from_str::<JsonObject>("\"{}\"").is_err(), "a string is not an object");
    }
}
