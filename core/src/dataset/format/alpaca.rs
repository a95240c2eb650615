//! Alpaca JSONL: `{"instruction", "input"?, "output", "system"?, "split"?}`.
//!
//! A record becomes: system = `system` (when not blank), user = `instruction`, followed by a
//! blank line and `input` when the input is not blank (the input alone when the instruction
//! is blank), assistant = `output`, which is trained on.

use std::borrow::Cow;

use super::chat::split;
use super::json::{RawRecord, Text};
use super::{MessageAt, RecordCtx, Training, View, ViewMessage, system_message};
use crate::dataset::conversation::Role;
use crate::dataset::findings::FieldPath;

/// The canonical form of an Alpaca record; `None` when its instruction or output is unusable.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let split = split(record.split, ctx);
    let system = system_message(record.system, "system", ctx);
    let instruction = ctx.required(record.instruction, FieldPath::Field("instruction"));
    let input = ctx.optional(record.input, FieldPath::Field("input"));
    let output = ctx.required(record.output, FieldPath::Field("output"));
    let (Text(instruction), Text(output)) = (instruction?, output?);
    let user = match input {
        Some(Text(input)) if !input.trim().is_empty() => {
            if instruction.trim().is_empty() {
                input
            } else {
                Cow::Owned(format!("{instruction}\n\n{input}"))
            }
        }
        _ => instruction,
    };
    let mut messages = Vec::with_capacity(3);
    messages.extend(system);
    messages.push(ViewMessage::new(Role::User, user, MessageAt::Field("instruction")));
    messages.push(ViewMessage::new(Role::Assistant, output, MessageAt::Field("output")));
    Some(View::conversation(messages, split, None, Training::Trained))
}
