//! The canonical conversation every dataset format becomes.
//!
//! The trainer only ever sees this shape, written as chat JSONL by `convert`, so the
//! validator and the trainer can never disagree about a format.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use super::tools::{FunctionCall, FunctionDefinition, JsonObject, Tool, ToolCall, ToolKind};

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Instructions that frame the conversation; at most one, first.
    System,
    /// The human side.
    User,
    /// The side the adapter learns to produce.
    Assistant,
    /// A tool's result, answering an assistant's tool call (`tool_call_id`), or a call the
    /// assistant wrote in its text (no `tool_call_id`): context, never trained on.
    Tool,
    /// A plain-text document (continued pretraining): the whole of a `text` record, read
    /// without a chat template and trained on every token. Never a role of chat records.
    Text,
}

impl Role {
    /// The name in chat JSONL.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Text => "text",
        }
    }

    /// The role named `name` exactly as chat JSONL spells it, if any; neither `tool` (formats
    /// without tool calling do not read it, see [`Role::Tool`]) nor [`Role::Text`].
    pub fn from_name(name: &str) -> Option<Role> {
        [Role::System, Role::User, Role::Assistant].into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: String,
    /// Whether an assistant message is trained on: `Some(0)` not, `Some(1)` or `None` (the
    /// default) yes. Only 0 and 1 are legal, and only on assistant messages; the validator
    /// reports anything else. Left out of JSON when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
    /// The tools an assistant message calls (its `content` may then be empty). Left out of
    /// JSON when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// The call a `tool` message answers. Left out of JSON when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// The function whose result a `tool` message is: the answered call's, or the `name` the
    /// data gives the result of a call written in text. Left out of JSON when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The reasoning an assistant message gives before its answer, as Qwen3's and DeepSeek's
    /// chat templates read it: trained on with the message, the way the template renders
    /// it. Left out of JSON when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
}

impl Message {
    /// A message, with no weight and no tool calls.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            weight: None,
            tool_calls: None,
            tool_call_id: None,
            name: None,
            reasoning_content: None,
        }
    }

    /// An assistant message calling `calls`, with `content` (often empty).
    pub fn calling(content: impl Into<String>, calls: Vec<ToolCall>) -> Self {
        Self { tool_calls: Some(calls), ..Self::new(Role::Assistant, content) }
    }

    /// An assistant message answering `content` after `reasoning`.
    pub fn reasoning(reasoning: impl Into<String>, content: impl Into<String>) -> Self {
        Self { reasoning_content: Some(reasoning.into()), ..Self::new(Role::Assistant, content) }
    }

    /// A `tool` message: the result `content` of the call `call_id` to the function `name`.
    pub fn tool_result(call_id: impl Into<String>, name: impl Into<String>, content: impl Into<String>) -> Self {
        Self { tool_call_id: Some(call_id.into()), name: Some(name.into()), ..Self::new(Role::Tool, content) }
    }

    /// Whether the message calls tools or answers a call by its id. The result of a call
    /// written in the assistant's text (a `tool` message without `tool_call_id`) is a message
    /// like any other.
    pub fn uses_tools(&self) -> bool {
        self.tool_calls.is_some() || self.tool_call_id.is_some()
    }

    /// The same message with `weight` (0: not trained on).
    pub fn with_weight(self, weight: u8) -> Self {
        Self { weight: Some(weight), ..self }
    }

    /// Whether the loss is computed on this message's tokens: an assistant message whose
    /// weight is not 0, or a text document.
    pub fn is_trained(&self) -> bool {
        (self.role == Role::Assistant && self.weight != Some(0)) || self.role == Role::Text
    }
}

/// The position of the assistant message that opens a conversation, when the first message
/// after the system prompt is the assistant's (a chat template such as Mistral's or Llama 2's
/// refuses that: they need the user to speak first).
pub fn leading_assistant(roles: impl IntoIterator<Item = Role>) -> Option<usize> {
    roles
        .into_iter()
        .enumerate()
        .find(|(_, role)| *role != Role::System)
        .filter(|(_, role)| *role == Role::Assistant)
        .map(|(i, _)| i)
}

/// `messages` with an empty user message before the assistant message that opens them, as
/// the trainer renders a conversation that its chat template refuses to start with the
/// assistant; `None` when the conversation does not open with the assistant.
pub fn with_empty_user_turn(messages: &[Message]) -> Option<Vec<Message>> {
    let at = leading_assistant(messages.iter().map(|m| m.role))?;
    let mut fixed = Vec::with_capacity(messages.len() + 1);
    fixed.extend_from_slice(&messages[..at]);
    fixed.push(Message::new(Role::User, ""));
    fixed.extend_from_slice(&messages[at..]);
    Some(fixed)
}

/// Which split a conversation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Trained on.
    #[default]
    Train,
    /// Held out to measure the validation loss.
    Validation,
}

impl Split {
    /// The split's name, as in JSON: `train` or `validation`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
        }
    }
}

/// Where a conversation came from in its file: what every finding points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Source {
    /// 1-based line of the record (JSONL), or of its start (a JSON document).
    pub line: u64,
    /// JSON path of the record inside a JSON document (`conversations[3].training_pairs[2]`);
    /// `None` for a JSONL line.
    pub path: Option<String>,
    /// The record's own id, when the format has one (`id`, `conversation_id`).
    pub id: Option<String>,
}

/// A conversation in canonical form: what the trainer learns from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Conversation {
    /// The messages in order: an optional system message, then user and assistant turns
    /// (and `tool` results after an assistant's tool calls).
    pub messages: Vec<Message>,
    /// Train or validation.
    pub split: Split,
    /// Where it came from.
    pub source: Source,
    /// The tools its assistant messages may call (chat with tools). Left out of JSON when
    /// `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
}

impl Conversation {
    /// Messages whose tokens the loss is computed on: the assistant's, less those of weight 0
    /// (or the text of a document).
    pub fn trained_messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter().filter(|m| m.is_trained())
    }

    /// The text of a plain-text document: a conversation of one [`Role::Text`] message.
    pub fn document_text(&self) -> Option<&str> {
        document_text(&self.messages)
    }
}

/// The text of `messages` when they are a plain-text document (one [`Role::Text`] message),
/// which is trained on whole, without a chat template.
pub fn document_text(messages: &[Message]) -> Option<&str> {
    match messages {
        [message] if message.role == Role::Text => Some(&message.content),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_assistant_messages_not_weighted_zero_are_trained() {
        assert!(Message::new(Role::Assistant, "a").is_trained());
        assert!(Message::new(Role::Assistant, "a").with_weight(1).is_trained());
        assert!(!Message::new(Role::Assistant, "a").with_weight(0).is_trained());
        assert!(!Message::new(Role::User, "q").is_trained());
        assert!(!Message::new(Role::System, "s").with_weight(1).is_trained());
        assert!(Message::new(Role::Text, "a document").is_trained());
    }

    #[test]
    fn a_document_is_one_text_message_and_never_a_chat_role() {
        assert_eq!(document_text(&[Message::new(Role::Text, "d")]), Some("d"));
        assert_eq!(document_text(&[Message::new(Role::Assistant, "a")]), None);
        assert_eq!(document_text(&[Message::new(Role::Text, "d"), Message::new(Role::Text, "e")]), None);
        assert_eq!(Role::from_name("text"), None);
    }

    #[test]
    fn weight_is_left_out_of_json_when_absent() {
        let plain = serde_json::to_string(&Message::new(Role::User, "q")).unwrap();
        assert_eq!(plain, r#"{"role":"user","content":"q"}"#);
        let untrained = Message::new(Role::Assistant, "a").with_weight(0);
        let json = serde_json::to_string(&untrained).unwrap();
        assert_eq!(json, r#"{"role":"assistant","content":"a","weight":0}"#);
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), untrained);
        assert_eq!(serde_json::from_str::<Message>(&plain).unwrap().weight, None);
    }

    #[test]
    fn a_conversation_opened_by_the_assistant_gets_an_empty_user_turn() {
        use Role::*;
        assert_eq!(leading_assistant([System, Assistant, User]), Some(1));
        assert_eq!(leading_assistant([Assistant]), Some(0));
        assert_eq!(leading_assistant([System, User, Assistant]), None);
        assert_eq!(leading_assistant([System]), None);
        let messages =
            [Message::new(System, "s"), Message::new(Assistant, "Hi!").with_weight(0), Message::new(User, "q")];
        let fixed = with_empty_user_turn(&messages).unwrap();
        let roles: Vec<_> = fixed.iter().map(|m| (m.role, m.content.as_str(), m.weight)).collect();
        assert_eq!(roles, [(System, "s", None), (User, "", None), (Assistant, "Hi!", Some(0)), (User, "q", None)]);
        assert_eq!(with_empty_user_turn(&fixed), None);
    }
}
