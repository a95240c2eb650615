//! The dataset formats: recognising a record's format and turning it into the canonical form.
//!
//! Every record is parsed once into the lenient [`json::RawRecord`], its shape is recognised
//! ([`detect`]), and the module of the file's format maps it to a [`View`]: the canonical
//! conversation, still borrowing from the line. The conversation rules then run on the view
//! whatever the format was ([`crate::dataset::rules`]).

pub(crate) mod detect;
pub(crate) mod json;
pub(crate) mod v4_document;

mod chat;
mod v3;
mod v4;

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeStruct, Serializer};
use xxhash_rust::xxh3::Xxh3;

use self::detect::Shape;
use self::json::{Expected, RawMessages, RawMeta, RawRecord, Slot};
use super::codes::RuleCode;
use super::conversation::{Conversation, Message, Role, Source, Split};
use super::cross_record::MetaKind;
use super::findings::{FieldPath, Findings, Location};
use super::rules;
use crate::model::DatasetFormat;

/// Where a message of a view came from in its record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MessageAt {
    /// An item of an array of messages (`messages[2]`).
    Item(&'static str, usize),
    /// A string field that is the message's content (`target_response`).
    Field(&'static str),
}

impl MessageAt {
    /// The path of the message.
    pub fn message(self) -> FieldPath<'static> {
        match self {
            MessageAt::Item(field, index) => FieldPath::Item(field, index),
            MessageAt::Field(field) => FieldPath::Field(field),
        }
    }

    /// The path of the message's text.
    pub fn content(self) -> FieldPath<'static> {
        match self {
            MessageAt::Item(field, index) => FieldPath::ItemField(field, index, "content"),
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
}

/// The canonical chat line the trainer reads: `{"role", "content"}`.
impl Serialize for ViewMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut message = serializer.serialize_struct("Message", 2)?;
        message.serialize_field("role", &self.role)?;
        message.serialize_field("content", &self.content)?;
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
}

impl<'a> View<'a> {
    /// A conversation whose every assistant message is a target (chat, v3).
    fn conversation(
        messages: Vec<ViewMessage<'a>>,
        split: Option<Split>,
        id: Option<Cow<'a, str>>,
        training: Training,
    ) -> Self {
        let targets = match training {
            Training::Trained => messages.iter().filter(|m| m.role == Role::Assistant).count() as u32,
            Training::UserTurn | Training::ZeroWeight => 0,
        };
        View { messages, split, id, conversation_id: None, turn_number: None, training, targets }
    }

    /// A 64-bit hash of the roles and texts: equal conversations, equal hashes.
    pub fn content_hash(&self) -> u64 {
        let mut hasher = Xxh3::new();
        for message in &self.messages {
            hasher.update(&[message.role as u8]);
            hasher.update(&(message.content.len() as u64).to_le_bytes());
            hasher.update(message.content.as_bytes());
        }
        hasher.digest()
    }

    /// The messages as owned canonical messages (what a token counter takes).
    pub fn owned_messages(&self) -> Vec<Message> {
        self.messages.iter().map(|m| Message::new(m.role, m.content.as_ref())).collect()
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

/// Reads an array of messages (`messages`, `turns`, `conversation_history`) into `out`,
/// reporting every malformed item; malformed items are left out.
fn push_messages<'a>(
    items: Vec<Slot<json::RawMessage<'a>>>,
    field: &'static str,
    ctx: &mut RecordCtx<'_, '_>,
    out: &mut Vec<ViewMessage<'a>>,
) {
    for (index, item) in items.into_iter().enumerate() {
        let Some(message) = ctx.required(item, FieldPath::Item(field, index)) else { continue };
        let role_path = FieldPath::ItemField(field, index, "role");
        let role = ctx.required(message.role, role_path).and_then(|json::Text(name)| {
            let role = Role::from_name(&name);
            if role.is_none() {
                ctx.report(RuleCode::UnknownRole, role_path, || {
                    format!("role `{name}` is not one of system, user, assistant")
                });
            }
            role
        });
        let content = ctx.required(message.content, FieldPath::ItemField(field, index, "content"));
        if let (Some(role), Some(json::Text(content))) = (role, content) {
            out.push(ViewMessage { role, content, at: MessageAt::Item(field, index) });
        }
    }
}

/// The messages of a conversation held in one array field (chat `messages`, v3 `turns`);
/// `None` when the field is missing, mistyped or empty (each reported).
fn conversation_messages<'a>(
    slot: RawMessages<'a>,
    field: &'static str,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Vec<ViewMessage<'a>>> {
    let items = ctx.required(slot, FieldPath::Field(field))?;
    if items.is_empty() {
        ctx.report(RuleCode::EmptyConversation, FieldPath::Field(field), || format!("`{field}` is an empty array"));
        return None;
    }
    let mut messages = Vec::with_capacity(items.len());
    push_messages(items, field, ctx, &mut messages);
    Some(messages)
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
/// is wrong with it, then runs the conversation rules on it.
pub(crate) fn analyse<'a>(record: RawRecord<'a>, format: DatasetFormat, ctx: &mut RecordCtx<'_, '_>) -> Analysis<'a> {
    let shape = Shape::of(&record);
    if shape == Shape::Meta {
        return Analysis::Meta(meta_total_pairs(record.meta, MetaKind::Line, ctx));
    }
    if let Some(other) = shape.mismatch(format) {
        ctx.report(RuleCode::FormatMismatch, FieldPath::Record, || {
            format!("this record is {other}, but the file is {format}")
        });
        return Analysis::Rejected;
    }
    let view = match format {
        DatasetFormat::Chat => chat::view(record, ctx),
        DatasetFormat::BrightrunLoraV3 => v3::view(record, ctx),
        DatasetFormat::BrightrunLoraV4 => v4::view(record, ctx),
    };
    match view {
        Some(view) => {
            rules::check_conversation(&view, ctx);
            Analysis::Conversation(view)
        }
        None => Analysis::Rejected,
    }
}
