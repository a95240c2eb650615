//! Chat JSONL: `{"messages": [{"role", "content", "weight"?}...], "weight"?, "split"?}`, the
//! format of OpenAI, Together and most trainers. A message's `weight` (0 or 1, on assistant
//! messages) is read with every format's messages ([`super::messages::push_messages`]).

use super::json::{RawRecord, Text, Used};
use super::{RecordCtx, Training, View, conversation_messages};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::Split;
use crate::dataset::findings::FieldPath;

/// The canonical form of a chat record; `None` when it has no usable `messages`.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let split = split(record.split, ctx);
    tool_definitions(record.tools, record.functions, ctx);
    let training = match ctx.optional(record.weight, FieldPath::Field("weight")) {
        Some(weight) if weight.0 == 0.0 => Training::ZeroWeight,
        Some(weight) if weight.0 != 1.0 => {
            ctx.report(RuleCode::InvalidWeight, FieldPath::Field("weight"), || {
                format!("`weight` is {}; only 0 and 1 are allowed", weight.0)
            });
            Training::Trained
        }
        _ => Training::Trained,
    };
    let messages = conversation_messages(record.messages, "messages", ctx)?;
    Some(View::conversation(messages, split, None, training))
}

/// Reports the record's tool definitions (`tools`, `functions`): tool calling is not
/// supported.
pub(super) fn tool_definitions(tools: Used, functions: Used, ctx: &mut RecordCtx<'_, '_>) {
    for (defined, field) in [(tools, "tools"), (functions, "functions")] {
        if defined.0 {
            ctx.report(RuleCode::ToolUseUnsupported, FieldPath::Field(field), || {
                format!("the record defines tools (`{field}`): tool calling is not supported, only text conversations")
            });
        }
    }
}

/// The record's `split`, when it names one (read in every format of whole conversations).
pub(super) fn split(slot: super::json::Slot<Text<'_>>, ctx: &mut RecordCtx<'_, '_>) -> Option<Split> {
    let Text(name) = ctx.optional(slot, FieldPath::Field("split"))?;
    match name.as_ref() {
        "train" => Some(Split::Train),
        "validation" => Some(Split::Validation),
        _ => {
            ctx.report(RuleCode::InvalidSplit, FieldPath::Field("split"), || {
                format!("`split` is `{name}`; expected `train` or `validation`")
            });
            None
        }
    }
}
