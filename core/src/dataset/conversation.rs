//! The canonical conversation every dataset format becomes.
//!
//! The trainer only ever sees this shape, written as chat JSONL by `convert`, so the
//! validator and the trainer can never disagree about a format.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Instructions that frame the conversation; at most one, first.
    System,
    /// The human side.
    User,
    /// The side the adapter learns to produce.
    Assistant,
}

impl Role {
    /// The name in chat JSONL.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }

    /// The role named `name` exactly as chat JSONL spells it, if any.
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
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: String,
}

impl Message {
    /// A message.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self { role, content: content.into() }
    }
}

/// Which split a conversation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
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
pub struct Conversation {
    /// The messages in order: an optional system message, then user and assistant turns.
    pub messages: Vec<Message>,
    /// Train or validation.
    pub split: Split,
    /// Where it came from.
    pub source: Source,
}

impl Conversation {
    /// Messages whose tokens the loss is computed on: the assistant's.
    pub fn assistant_messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter().filter(|m| m.role == Role::Assistant)
    }
}
