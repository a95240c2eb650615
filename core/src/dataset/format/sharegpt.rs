//! ShareGPT (Vicuna) JSONL: `{"conversations": [{"from", "value"}...], "system"?, "split"?}`.
//!
//! Speakers are `human`, `gpt` and `system` (or the `user` and `assistant` spellings), and
//! for tool calling (LLaMA-Factory's form) `function_call` and `observation` (or `tool`),
//! with the record's `tools` ([`super::tool_use::CallOrder`]); every other key of a turn is
//! read as in chat messages ([`super::messages`]): a turn's `weight`, content parts and
//! unknown keys. A record's `system`, when not blank, is the system message before the
//! turns. A `conversations` of objects without `from` or `value` is a brightrun_lora_v4
//! document's ([`super::detect::Shape`]).

use super::chat::{legacy_functions, preference_pair, split, undesirable};
use super::json::RawRecord;
use super::messages::ToolCalling;
use super::{RecordCtx, Training, View, conversation_messages, system_message, tool_use};

/// The canonical form of a ShareGPT record; `None` when it has no usable `conversations`.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let split = split(record.split, ctx);
    undesirable([(&record.label, "label"), (&record.kto_tag, "kto_tag")], ctx);
    if preference_pair((record.chosen, record.rejected), &record.conversations, ctx) {
        return None;
    }
    let tools = tool_use::definitions(record.tools, ctx);
    legacy_functions(&record.functions, ctx);
    let system = system_message(record.system, "system", ctx);
    let errors = ctx.findings.errors();
    let mut messages = conversation_messages(record.conversations, "conversations", ToolCalling::Turns, ctx)?;
    messages.splice(0..0, system);
    Some(tool_use::conversation(messages, tools, errors, (split, Training::Trained), ctx))
}
