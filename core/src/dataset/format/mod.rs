//! The dataset formats: recognising a record's format and turning it into the canonical form.
//!
//! Every record is parsed once into the lenient [`json::RawRecord`], its shape is recognised
//! ([`detect`]), and the module of the file's format maps it to a [`View`]: the canonical
//! conversation, still borrowing from the line. The conversation rules then run on the view
//! whatever the format was ([`crate::dataset::rules`]).

pub(crate) mod detect;
pub(crate) mod json;
pub(crate) mod raw_message;
pub(crate) mod v4_document;

mod alpaca;
mod chat;
mod gemini;
mod messages;
mod prompt_completion;
mod sharegpt;
mod text;
mod tool_use;
mod v3;
mod v4;

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeStruct, Serializer};
use xxhash_rust::xxh3::Xxh3;

use self::detect::{RecordJson, Shape};
use self::json::{Expected, RawMeta, RawRecord, Slot};
use self::messages::{conversation_messages, push_messages};
use super::codes::RuleCode;
use super::conversation::{Conversation, Message, Role, Source, Split, Tool, ToolCall};
use super::cross_record::MetaKind;
use super::findings::{FieldPath, Findings, Location};
use super::rules;
use crate::model::DatasetFormat;

/// Where a message of a view came from in its record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MessageAt {
    /// An item of an array of messages (`messages[2]`), and the key of its text (`content`,
    /// or ShareGPT's `value`).
    Item(&'static str, usize, &'static str),
    /// A string field that is the message's content (`target_response`).
    Field(&'static str),
    /// A string of a pair in an array (Alpaca's `history[0][1]`): the field, the pair's
    /// index and the string's.
    Pair(&'static str, usize, usize),
}

impl MessageAt {
    /// The path of the message.
    pub fn message(self) -> FieldPath<'static> {
        match self {
            MessageAt::Item(field, index, _) | MessageAt::Pair(field, index, _) => FieldPath::Item(field, index),
            MessageAt::Field(field) => FieldPath::Field(field),
        }
    }

    /// The path of the message's text.
    pub fn content(self) -> FieldPath<'static> {
        match self {
            MessageAt::Item(field, index, content) => FieldPath::ItemField(field, index, content),
            MessageAt::Pair(field, index, side) => FieldPath::ItemItem(field, index, side),
            MessageAt::Field(field) => FieldPath::Field(field),
        }
    }
}

/// One canonical message, borrowing its text from the record where it can.
#[derive(Debug, Clone)]
pub(crate) struct ViewMessage<'a> {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: Cow<'a, str>,
    /// Where it came from, for findings.
    pub at: MessageAt,
    /// `Some(0)` for an assistant message left out of the loss; `None` otherwise (a weight of
    /// 1 is the default and is not kept).
    pub weight: Option<u8>,
    /// What it carries besides its text (rare, so boxed).
    pub extras: Option<Box<MessageExtras>>,
}

/// What a chat message carries besides its text: its tool calls or the call it answers
/// (chat with tools), an assistant's reasoning.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageExtras {
    /// The calls an assistant message makes.
    pub calls: Option<Vec<ToolCall>>,
    /// The call a `tool` message answers.
    pub call_id: Option<String>,
    /// The function whose result a `tool` message is.
    pub name: Option<String>,
    /// The reasoning an assistant message gives before its answer.
    pub reasoning: Option<String>,
}

impl<'a> ViewMessage<'a> {
    /// A message without a weight.
    pub fn new(role: Role, content: Cow<'a, str>, at: MessageAt) -> Self {
        Self { role, content, at, weight: None, extras: None }
    }

    /// The tools it calls, if any.
    pub fn tool_calls(&self) -> Option<&[ToolCall]> {
        self.extras.as_ref().and_then(|extras| extras.calls.as_deref())
    }

    /// The call it answers, if any.
    pub fn tool_call_id(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|extras| extras.call_id.as_deref())
    }

    /// The function whose result it is, if known.
    pub fn tool_name(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|extras| extras.name.as_deref())
    }

    /// Its reasoning, if any.
    pub fn reasoning(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|extras| extras.reasoning.as_deref())
    }

    /// Whether the loss is computed on it (as [`Message::is_trained`]).
    pub fn is_trained(&self) -> bool {
        (self.role == Role::Assistant && self.weight != Some(0)) || self.role == Role::Text
    }
}

/// The canonical chat line the trainer reads: `{"role", "content", "weight"?, "tool_calls"?,
/// "tool_call_id"?, "name"?, "reasoning_content"?}`, with `"weight": 0` on an assistant
/// message that is not trained on.
impl Serialize for ViewMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (calls, call_id, name, reasoning) =
            (self.tool_calls(), self.tool_call_id(), self.tool_name(), self.reasoning());
        let fields = 2
            + usize::from(self.weight.is_some())
            + usize::from(calls.is_some())
            + usize::from(call_id.is_some())
            + usize::from(name.is_some())
            + usize::from(reasoning.is_some());
        let mut message = serializer.serialize_struct("Message", fields)?;
        message.serialize_field("role", &self.role)?;
        message.serialize_field("content", &self.content)?;
        if let Some(weight) = self.weight {
            message.serialize_field("weight", &weight)?;
        }
        if let Some(calls) = calls {
            message.serialize_field("tool_calls", calls)?;
        }
        if let Some(call_id) = call_id {
            message.serialize_field("tool_call_id", call_id)?;
        }
        if let Some(name) = name {
            message.serialize_field("name", name)?;
        }
        if let Some(reasoning) = reasoning {
            message.serialize_field("reasoning_content", reasoning)?;
        }
        message.end()
    }
}

/// Whether the trainer learns from a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Training {
    /// Trained on: its assistant targets are learnt.
    Trained,
    /// A v4 pair whose `target_response` is null: kept as context, not trained on.
    UserTurn,
    /// A chat record with `weight: 0`.
    ZeroWeight,
    /// A conversation whose every assistant message has `weight: 0`.
    ZeroWeightMessages,
}

/// A record in canonical form, borrowing from its line.
#[derive(Debug, Clone)]
pub(crate) struct View<'a> {
    /// The messages in order.
    pub messages: Vec<ViewMessage<'a>>,
    /// The split the record asks for; `None` when it says nothing.
    pub split: Option<Split>,
    /// The record's own id (`id`, or v3's `conversation_id`).
    pub id: Option<Cow<'a, str>>,
    /// The conversation it belongs to, in formats with one record per pair (v4).
    pub conversation_id: Option<Cow<'a, str>>,
    /// Its 1-based number in that conversation (v4).
    pub turn_number: Option<u64>,
    /// Whether it is trained on.
    pub training: Training,
    /// The assistant messages learnt from this record: 0 unless trained.
    pub targets: u32,
    /// The tools its messages may call (chat with tools).
    pub tools: Option<Vec<Tool>>,
}

impl<'a> View<'a> {
    /// A conversation whose every trained assistant message is a target (chat, v3).
    fn conversation(
        messages: Vec<ViewMessage<'a>>,
        split: Option<Split>,
        id: Option<Cow<'a, str>>,
        training: Training,
    ) -> Self {
        let trained = messages.iter().filter(|m| m.is_trained()).count() as u32;
        let training =
            if training == Training::Trained && trained == 0 && messages.iter().any(|m| m.role == Role::Assistant) {
                Training::ZeroWeightMessages
            } else {
                training
            };
        let targets = if training == Training::Trained { trained } else { 0 };
        View { messages, split, id, conversation_id: None, turn_number: None, training, targets, tools: None }
    }

    /// A 64-bit hash of the roles, weights and texts: equal conversations, equal hashes.
    pub fn content_hash(&self) -> u64 {
        let mut hasher = Xxh3::new();
        for message in &self.messages {
            // A weight of 0 marks the role byte, so unweighted conversations hash as before.
            hasher.update(&[message.role as u8 | if message.weight == Some(0) { 0x80 } else { 0 }]);
            hasher.update(&(message.content.len() as u64).to_le_bytes());
            hasher.update(message.content.as_bytes());
            // Tool calls, results and reasoning are hashed only where they are, so that
            // conversations without them hash as before.
            if let Some(extras) = &message.extras {
                let MessageExtras { calls, call_id, name, reasoning } = extras.as_ref();
                hasher.update(&serde_json::to_vec(&(calls, call_id, name, reasoning)).unwrap_or_default());
            }
        }
        if let Some(tools) = &self.tools {
            hasher.update(&serde_json::to_vec(tools).unwrap_or_default());
        }
        hasher.digest()
    }

    /// The messages as owned canonical messages (what a token counter takes).
    pub fn owned_messages(&self) -> Vec<Message> {
        self.messages
            .iter()
            .map(|m| Message {
                role: m.role,
                content: m.content.as_ref().to_owned(),
                weight: m.weight,
                tool_calls: m.tool_calls().map(<[ToolCall]>::to_vec),
                tool_call_id: m.tool_call_id().map(str::to_owned),
                name: m.tool_name().map(str::to_owned),
                reasoning_content: m.reasoning().map(str::to_owned),
            })
            .collect()
    }

    /// The canonical conversation, with where it came from.
    pub fn to_conversation(&self, messages: Vec<Message>, at: Location<'_>) -> Conversation {
        Conversation {
            messages,
            split: self.split.unwrap_or_default(),
            source: Source {
                line: at.line.unwrap_or_default(),
                path: at.prefix.map(str::to_owned),
                id: self.id.as_deref().map(str::to_owned),
            },
            tools: self.tools.clone(),
        }
    }
}

/// What a record turned out to be.
#[derive(Debug)]
pub(crate) enum Analysis<'a> {
    /// A conversation (perhaps with findings).
    Conversation(View<'a>),
    /// The `_meta` record of a v4 JSONL file, with its `total_pairs` when it has a valid one.
    Meta(Option<u64>),
    /// A record that cannot become a conversation; its findings say why.
    Rejected,
}

/// The findings of one record, and where the record is.
pub(crate) struct RecordCtx<'f, 'p> {
    /// Where findings go.
    pub findings: &'f mut Findings,
    /// The record's line and document path.
    pub at: Location<'p>,
}

impl RecordCtx<'_, '_> {
    /// Reports a finding at `path` inside the record.
    pub fn report(&mut self, code: RuleCode, path: FieldPath<'_>, message: impl FnOnce() -> String) {
        self.findings.add(code, self.at, path, message);
    }

    /// The value of a field that must be present and of type `T`.
    pub fn required<T: Expected>(&mut self, slot: Slot<T>, path: FieldPath<'_>) -> Option<T> {
        match slot {
            Slot::Value(value) => Some(value),
            Slot::Missing => {
                self.report(RuleCode::MissingField, path, || format!("`{path}` is missing; expected {}", T::EXPECTED));
                None
            }
            Slot::Null => self.wrong_type::<T>(json::JsonKind::Null, path),
            Slot::Wrong(kind) => self.wrong_type::<T>(kind, path),
        }
    }

    /// The value of a field that may be absent or null, but otherwise must be of type `T`.
    pub fn optional<T: Expected>(&mut self, slot: Slot<T>, path: FieldPath<'_>) -> Option<T> {
        match slot {
            Slot::Value(value) => Some(value),
            Slot::Missing | Slot::Null => None,
            Slot::Wrong(kind) => self.wrong_type::<T>(kind, path),
        }
    }

    fn wrong_type<T: Expected>(&mut self, found: json::JsonKind, path: FieldPath<'_>) -> Option<T> {
        self.report(RuleCode::WrongType, path, || {
            format!("`{path}` is {}; expected {}", found.described(), T::EXPECTED)
        });
        None
    }
}

/// The system message of a string field (v4 `system_prompt`, Alpaca and ShareGPT `system`),
/// when it is present and not blank; a field of another type is reported.
pub(crate) fn system_message<'a>(
    slot: Slot<json::Text<'a>>,
    field: &'static str,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<ViewMessage<'a>> {
    let json::Text(text) = ctx.optional(slot, FieldPath::Field(field))?;
    (!text.trim().is_empty()).then(|| ViewMessage::new(Role::System, text, MessageAt::Field(field)))
}

/// Reads a `_meta` record (or a v4 document's `training_file_metadata`): its `total_pairs`.
pub(crate) fn meta_total_pairs(slot: Slot<RawMeta>, kind: MetaKind, ctx: &mut RecordCtx<'_, '_>) -> Option<u64> {
    let field = kind.field();
    let meta = ctx.optional(slot, FieldPath::Field(field))?;
    let path = FieldPath::Nested(field, "total_pairs");
    let total = ctx.optional(meta.total_pairs, path)?;
    let counted = total.as_count(0);
    if counted.is_none() {
        ctx.report(RuleCode::WrongType, path, || format!("`{path}` is {}; expected a whole number", total.0));
    }
    counted
}

/// Turns a parsed record into its canonical form under the file's `format`, reporting what
/// is wrong with it, then runs the conversation rules on it. In a file whose format was not
/// recognised (`None`), a record is read by its own shape, or reported as of no known format
/// (naming its keys from `text`, the record's JSON, when given).
pub(crate) fn analyse<'a>(
    record: RawRecord<'a>,
    format: Option<DatasetFormat>,
    ctx: &mut RecordCtx<'_, '_>,
    text: Option<&dyn RecordJson>,
) -> Analysis<'a> {
    let shape = Shape::of_line(&record, text);
    if shape == Shape::Meta {
        return Analysis::Meta(meta_total_pairs(record.meta, MetaKind::Line, ctx));
    }
    let Some(format) = format.or(shape.format()) else {
        ctx.report(RuleCode::UnknownFormat, FieldPath::Record, || {
            let known = detect::KNOWN_FORMATS;
            match (shape, text.and_then(RecordJson::json).and_then(|json| detect::describe_record(&json))) {
                (Shape::Unknown, Some((keys, Some(closest)))) => {
                    format!("the record, with {keys}, is of no format BrightRun reads: {closest}")
                }
                (Shape::Unknown, Some((keys, None))) => {
                    format!("the record, with {keys}, is of no format BrightRun reads; {known}")
                }
                (Shape::Unknown, None) => format!("the record is of no format BrightRun reads; {known}"),
                _ => format!("the record is {}, and the file's format is not recognised; {known}", shape.describe()),
            }
        });
        return Analysis::Rejected;
    };
    if let Some(other) = shape.mismatch(format) {
        ctx.report(RuleCode::FormatMismatch, FieldPath::Record, || {
            format!("this record is {other}, but the file is {format}")
        });
        return Analysis::Rejected;
    }
    let errors_before = ctx.findings.errors();
    let view = match format {
        DatasetFormat::Chat => chat::view(record, ctx),
        DatasetFormat::BrightrunLoraV3 => v3::view(record, ctx),
        DatasetFormat::BrightrunLoraV4 => v4::view(record, ctx),
        DatasetFormat::PromptCompletion => prompt_completion::view(record, ctx),
        DatasetFormat::Alpaca => alpaca::view(record, ctx),
        DatasetFormat::Sharegpt => sharegpt::view(record, ctx),
        DatasetFormat::Gemini => gemini::view(record, ctx),
        DatasetFormat::Text => return text::analyse(record, ctx),
    };
    match view {
        Some(view) => {
            let whole = ctx.findings.errors() == errors_before;
            rules::check_conversation(&view, whole, ctx);
            Analysis::Conversation(view)
        }
        None => Analysis::Rejected,
    }
}
