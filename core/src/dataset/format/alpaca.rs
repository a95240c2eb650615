//! Alpaca JSONL: `{"instruction", "input"?, "output", "system"?, "history"?, "split"?}`.
//!
//! A record becomes: system = `system` (when not blank), then each `history` exchange
//! `[instruction, response]` as a user and an assistant message (as LLaMA-Factory writes
//! earlier turns), then user = `instruction`, followed by a blank line and `input` when the
//! input is not blank (the input alone when the instruction is blank), and assistant =
//! `output`. Every assistant message is trained on, the history's replies as LLaMA-Factory
//! trains them by default.

use std::borrow::Cow;

use super::chat::{split, undesirable};
use super::json::{RawRecord, Slot, Text};
use super::{MessageAt, RecordCtx, Training, View, ViewMessage, system_message};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::Role;
use crate::dataset::findings::FieldPath;

/// The canonical form of an Alpaca record; `None` when its instruction or output is unusable.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let split = split(record.split, ctx);
    undesirable([(&record.label, "label"), (&record.kto_tag, "kto_tag")], ctx);
    let system = system_message(record.system, "system", ctx);
    let history = history(record.history, ctx);
    let instruction = ctx.required(record.instruction, FieldPath::Field("instruction"));
    let input = ctx.optional(record.input, FieldPath::Field("input"));
    let output = ctx.required(record.output, FieldPath::Field("output"));
    let (Text(instruction), Text(output), history) = (instruction?, output?, history?);
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
    let mut messages = Vec::with_capacity(3 + history.len());
    messages.extend(system);
    messages.extend(history);
    messages.push(ViewMessage::new(Role::User, user, MessageAt::Field("instruction")));
    messages.push(ViewMessage::new(Role::Assistant, output, MessageAt::Field("output")));
    Some(View::conversation(messages, split, None, Training::Trained))
}

/// The messages of the exchanges of `history` (none when it is absent or null); `None` when
/// it is malformed, each malformed exchange reported.
fn history<'a>(
    slot: Slot<Vec<Slot<Vec<Slot<Text<'a>>>>>>,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Vec<ViewMessage<'a>>> {
    let Some(exchanges) = ctx.optional(slot, FieldPath::Field("history")) else {
        return Some(Vec::new());
    };
    let mut messages = Vec::with_capacity(2 * exchanges.len());
    let mut whole = true;
    for (index, exchange) in exchanges.into_iter().enumerate() {
        let texts = match exchange {
            Slot::Value(texts) if texts.len() == 2 => texts,
            other => {
                let found = match other {
                    Slot::Value(texts) if texts.len() == 1 => "an array of 1 item".to_owned(),
                    Slot::Value(texts) => format!("an array of {} items", texts.len()),
                    Slot::Wrong(kind) => kind.described().to_owned(),
                    Slot::Null | Slot::Missing => "null".to_owned(),
                };
                ctx.report(RuleCode::WrongType, FieldPath::Item("history", index), || {
                    format!("`history[{index}]` is {found}; expected `[instruction, response]`, two strings")
                });
                whole = false;
                continue;
            }
        };
        for (side, (text, role)) in texts.into_iter().zip([Role::User, Role::Assistant]).enumerate() {
            match ctx.required(text, FieldPath::ItemItem("history", index, side)) {
                Some(Text(text)) => {
                    messages.push(ViewMessage::new(role, text, MessageAt::Pair("history", index, side)))
                }
                None => whole = false,
            }
        }
    }
    whole.then_some(messages)
}
