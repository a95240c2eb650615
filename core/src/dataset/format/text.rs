//! Plain text for continued pretraining: `{"text", "split"?, "id"?}`, no other key.
//!
//! A record becomes a document: one [`Role::Text`] message, read without a chat template
//! and trained on every token (see `docs/formats/text.md` for how the trainer cuts a long
//! one into windows). Its checks are its own: a missing or non-string `text`, an empty one,
//! control characters, and the `split`.

use super::chat::split;
use super::json::{RawRecord, Text};
use super::{Analysis, MessageAt, RecordCtx, Training, View, ViewMessage};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::Role;
use crate::dataset::findings::FieldPath;
use crate::dataset::rules::first_control_character;

/// The canonical form of a text record, checked; rejected when its `text` is unusable.
pub(super) fn analyse<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Analysis<'a> {
    let split = split(record.split, ctx);
    let id = ctx.optional(record.id, FieldPath::Field("id")).map(|key| key.0);
    let Some(Text(text)) = ctx.required(record.text, FieldPath::Field("text")) else {
        return Analysis::Rejected;
    };
    let path = FieldPath::Field("text");
    if text.trim().is_empty() {
        ctx.report(RuleCode::EmptyText, path, || "the `text` is empty: there is nothing to train on".to_owned());
    } else if let Some((at, c)) = first_control_character(&text) {
        ctx.report(RuleCode::ControlCharacters, path, || {
            format!("control character U+{:04X} at character {at} of the text", u32::from(c))
        });
    }
    let message = ViewMessage::new(Role::Text, text, MessageAt::Field("text"));
    Analysis::Conversation(View::conversation(vec![message], split, id, Training::Trained))
}
