//! BrightRun LoRA v4 training pairs, one per JSONL line or inside a v4 document.
//!
//! A pair becomes: system = `system_prompt` (if not blank), then the `conversation_history`
//! turns, then user = `current_user_input`, then assistant = `target_response`. The history's
//! last item usually repeats the current input: it is not emitted twice. Only the target is
//! trained on: the history's answers are context (weight 0), each trained on in the pair
//! whose target it is. A null `target_response` is a user turn: kept, counted, not trained
//! on.

use super::json::{Key, RawRecord, Slot, Text};
use super::messages::ToolCalling;
use super::{MessageAt, RecordCtx, Training, View, ViewMessage, push_messages, system_message};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::Role;
use crate::dataset::findings::FieldPath;

/// The canonical form of a v4 pair; `None` when its input or target is unusable.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let id = ctx.required(record.id, FieldPath::Field("id")).map(|Key(id)| id);
    let conversation_id = ctx.required(record.conversation_id, FieldPath::Field("conversation_id")).map(|Key(id)| id);
    let turn_number = turn_number(record.turn_number, ctx);
    for (slot, field) in [
        (record.conversation_metadata, "conversation_metadata"),
        (record.emotional_context, "emotional_context"),
        (record.training_metadata, "training_metadata"),
    ] {
        ctx.optional(slot, FieldPath::Field(field));
    }
    let system = system_message(record.system_prompt, "system_prompt", ctx);
    let history = ctx.optional(record.conversation_history, FieldPath::Field("conversation_history"));
    let input = ctx.required(record.current_user_input, FieldPath::Field("current_user_input"));
    let target = match record.target_response {
        Slot::Null => {
            ctx.report(RuleCode::UserTurn, FieldPath::Field("target_response"), || {
                "`target_response` is null: a user turn, counted and not trained on".to_owned()
            });
            None
        }
        slot => Some(ctx.required(slot, FieldPath::Field("target_response"))?),
    };
    let Text(input) = input?;

    let mut messages = Vec::with_capacity(history.as_ref().map_or(0, Vec::len) + 3);
    messages.extend(system);
    let history_start = messages.len();
    push_messages(history.unwrap_or_default(), "conversation_history", ToolCalling::Unsupported, ctx, &mut messages);
    for message in &mut messages[history_start..] {
        if message.role == Role::Assistant {
            message.weight = Some(0);
        }
    }
    if messages.len() > history_start
        && let Some(last) = messages.last()
        && last.role == Role::User
    {
        if last.content.trim() == input.trim() {
            messages.pop();
        } else {
            let at = last.at;
            ctx.report(RuleCode::HistoryMismatch, at.message(), || {
                "the history ends with a user turn that is not `current_user_input`; both are kept".to_owned()
            });
        }
    }
    messages.push(ViewMessage::new(Role::User, input, MessageAt::Field("current_user_input")));
    let training = match target {
        Some(Text(target)) => {
            messages.push(ViewMessage::new(Role::Assistant, target, MessageAt::Field("target_response")));
            Training::Trained
        }
        None => Training::UserTurn,
    };
    Some(View {
        messages,
        split: None,
        id,
        conversation_id,
        turn_number,
        training,
        targets: u32::from(training == Training::Trained),
        tools: None,
    })
}

/// The pair's `turn_number`: an integer of at least 1.
fn turn_number(slot: Slot<super::json::Number>, ctx: &mut RecordCtx<'_, '_>) -> Option<u64> {
    let number = ctx.required(slot, FieldPath::Field("turn_number"))?;
    let turn = number.as_count(1);
    if turn.is_none() {
        ctx.report(RuleCode::InvalidTurnNumber, FieldPath::Field("turn_number"), || {
            format!("`turn_number` is {}; expected an integer of at least 1", number.0)
        });
    }
    turn
}
