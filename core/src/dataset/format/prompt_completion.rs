//! Prompt/completion JSONL: `{"prompt", "completion", "split"?}` (OpenAI's legacy
//! fine-tuning format, Together's instruction format).
//!
//! A record becomes user = `prompt`, assistant = `completion`: the completion is trained on,
//! the prompt is context. The texts are kept exactly, separators and leading spaces included.

use super::chat::split;
use super::json::{RawRecord, Text};
use super::{MessageAt, RecordCtx, Training, View, ViewMessage};
use crate::dataset::conversation::Role;
use crate::dataset::findings::FieldPath;

/// The canonical form of a prompt/completion record; `None` when either text is unusable.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let split = split(record.split, ctx);
    let prompt = ctx.required(record.prompt, FieldPath::Field("prompt"));
    let completion = ctx.required(record.completion, FieldPath::Field("completion"));
    let (Text(prompt), Text(completion)) = (prompt?, completion?);
    let messages = vec![
        ViewMessage::new(Role::User, prompt, MessageAt::Field("prompt")),
        ViewMessage::new(Role::Assistant, completion, MessageAt::Field("completion")),
    ];
    Some(View::conversation(messages, split, None, Training::Trained))
}
