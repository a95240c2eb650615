//! Prompt/completion JSONL: `{"prompt", "completion", "split"?}` (OpenAI's legacy
//! fine-tuning format, Together's instruction format), each a string, or an array of chat
//! messages (TRL's conversational prompt/completion, with `tools` as in chat).
//!
//! A record becomes the prompt's messages then the completion's: the completion is trained
//! on, the prompt is context (an assistant message in it gets weight 0). A string is one
//! message, user for the prompt and assistant for the completion; texts are kept exactly,
//! separators and leading spaces included.

use super::chat::{legacy_functions, split, undesirable, unread_tools};
use super::json::{RawRecord, RawTurns, Slot};
use super::messages::ToolCalling;
use super::{MessageAt, RecordCtx, Training, View, ViewMessage, conversation_messages, tool_use};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::Role;
use crate::dataset::findings::FieldPath;

/// The two halves of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    /// `prompt`: context.
    Prompt,
    /// `completion`: trained on.
    Completion,
}

impl Half {
    /// The record's key.
    fn field(self) -> &'static str {
        match self {
            Half::Prompt => "prompt",
            Half::Completion => "completion",
        }
    }

    /// Who speaks a string of this half.
    fn role(self) -> Role {
        match self {
            Half::Prompt => Role::User,
            Half::Completion => Role::Assistant,
        }
    }
}

/// The canonical form of a prompt/completion record; `None` when either half is unusable.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let split = split(record.split, ctx);
    undesirable([(&record.label, "label"), (&record.kto_tag, "kto_tag")], ctx);
    let of_messages =
        [&record.prompt, &record.completion].iter().any(|half| matches!(half, Slot::Value(RawTurns::Messages(_))));
    let tools = if of_messages {
        tool_use::record_tools(record.tools, record.functions, ctx)
    } else {
        unread_tools(&record.tools, ctx);
        legacy_functions(&record.functions, ctx);
        None
    };
    let errors = ctx.findings.errors();
    let prompt = messages(record.prompt, Half::Prompt, ctx);
    let completion = messages(record.completion, Half::Completion, ctx);
    let (mut messages, completion) = (prompt?, completion?);
    messages.extend(completion);
    Some(tool_use::conversation(messages, tools, errors, (split, Training::Trained), ctx))
}

/// The messages of one half: its string as one message, or its array of messages (a
/// prompt's assistant messages with weight 0).
fn messages<'a>(slot: Slot<RawTurns<'a>>, half: Half, ctx: &mut RecordCtx<'_, '_>) -> Option<Vec<ViewMessage<'a>>> {
    let field = half.field();
    match ctx.required(slot, FieldPath::Field(field))? {
        RawTurns::Text(text) => Some(vec![ViewMessage::new(half.role(), text, MessageAt::Field(field))]),
        RawTurns::Messages(mut items) => {
            if half == Half::Prompt {
                take_prompt_weights(&mut items, ctx);
            }
            let mut messages = conversation_messages(Slot::Value(items), field, ToolCalling::Read, ctx)?;
            if half == Half::Prompt {
                for message in messages.iter_mut().filter(|m| m.role == Role::Assistant) {
                    message.weight = Some(0);
                }
            }
            Some(messages)
        }
    }
}

/// Removes the `weight` of each message of a prompt, reporting one that is not `null` or 0:
/// the prompt is never trained on, whatever a weight says.
fn take_prompt_weights(items: &mut [Slot<super::json::RawMessage<'_>>], ctx: &mut RecordCtx<'_, '_>) {
    for (index, item) in items.iter_mut().enumerate() {
        let Slot::Value(message) = item else { continue };
        let weight = std::mem::take(&mut message.weight);
        let untrained = matches!(weight, Slot::Missing | Slot::Null)
            || matches!(weight, Slot::Value(super::json::Number(weight)) if weight == 0.0);
        if !untrained {
            let path = FieldPath::ItemField("prompt", index, "weight");
            ctx.report(RuleCode::MisplacedWeight, path, || {
                format!("`{path}`: the prompt is context and never trained on; move the message to `completion` to train on it")
            });
        }
    }
}
