//! Chat JSONL: `{"messages": [{"role", "content", "weight"?}...], "system"?, "weight"?,
//! "split"?, "tools"?}`, the format of OpenAI, Together and most trainers. A record's
//! `system`, when not blank, is the system message before the messages (Amazon Bedrock's
//! form for Claude, as ShareGPT's `system`). A message's `weight` (0 or
//! 1, on assistant messages) is read with every format's messages
//! ([`super::messages::push_messages`]); tool calling (`tools`, assistant `tool_calls`,
//! `tool` messages) as OpenAI's fine-tuning format writes it ([`super::tool_use`]).

use super::json::{Dialect, Flag, RawMessage, RawMessages, RawRecord, RawTools, Slot, Text, Used};
use super::messages::{TOOL_CALLS_READ_IN, ToolCalling};
use super::{RecordCtx, Training, View, conversation_messages, system_message, tool_use};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::{Role, Split};
use crate::dataset::findings::FieldPath;

/// The canonical form of a chat record; `None` when it has no usable `messages`.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let split = split(record.split, ctx);
    undesirable([(&record.label, "label"), (&record.kto_tag, "kto_tag")], ctx);
    if preference_pair((record.chosen, record.rejected), &record.messages, ctx) {
        return None;
    }
    let tools = tool_use::record_tools(record.tools, record.functions, ctx);
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
    let system = system_message(record.system, "system", ctx);
    let errors = ctx.findings.errors();
    let mut messages = conversation_messages(record.messages, "messages", ToolCalling::Read, ctx)?;
    messages.splice(0..0, system);
    Some(tool_use::conversation(messages, tools, errors, (split, training), ctx))
}

/// Reports the `tools` of a format that does not read tool calls (all but chat), unless it
/// is null or empty (or the text of an empty array).
pub(super) fn unread_tools(tools: &Slot<RawTools>, ctx: &mut RecordCtx<'_, '_>) {
    if tools.holds(RawTools::is_empty) {
        ctx.report(RuleCode::ToolUseUnsupported, FieldPath::Field("tools"), || {
            format!("the record defines `tools`: {TOOL_CALLS_READ_IN}")
        });
    }
}

/// Reports the `functions` (OpenAI's legacy function definitions) of a format that does not
/// read them, unless they are null or empty.
pub(super) fn legacy_functions(functions: &Slot<RawTools>, ctx: &mut RecordCtx<'_, '_>) {
    if functions.holds(RawTools::is_empty) {
        ctx.report(RuleCode::ToolUseUnsupported, FieldPath::Field("functions"), || {
            "the record defines `functions`, OpenAI's legacy function definitions: only chat records and \
             prompt/completion records of messages read them; define the tools as `tools`"
                .to_owned()
        });
    }
}

/// Reports a record labelled `false` (`label`, or `kto_tag` as LLaMA-Factory's documentation
/// names it): unpaired preference data (KTO, as TRL and LLaMA-Factory write it, on
/// prompt/completion, chat, ShareGPT and Alpaca records) marks its answer undesirable, and
/// supervised training would learn to write it. `true` is read as any record.
pub(super) fn undesirable(labels: [(&Slot<Flag>, &'static str); 2], ctx: &mut RecordCtx<'_, '_>) {
    for (label, key) in labels {
        if let Slot::Value(Flag(false)) = label {
            ctx.report(RuleCode::UndesirableCompletion, FieldPath::Field(key), || {
                format!(
                    "the record's `{key}` is `false`: unpaired preference data (KTO) marks its answer undesirable, \
                     and the adapter would learn to write it"
                )
            });
        }
    }
}

/// Reports a conversation record of paired preference data (`chosen` and `rejected` beside
/// a conversation that waits for its answer, for DPO or a reward model, as LLaMA-Factory's
/// ShareGPT writes it): the conversation would be trained on without its preferred answer.
/// A conversation that ends with the assistant's answer is trained on as written, the two
/// keys ignored like any other (`HuggingFaceH4/ultrafeedback_binarized` keeps the chosen
/// conversation as `messages` for supervised training). True when reported.
pub(super) fn preference_pair<D: Dialect>(
    (chosen, rejected): (Used, Used),
    messages: &RawMessages<'_, D>,
    ctx: &mut RecordCtx<'_, '_>,
) -> bool {
    let answered = match messages {
        Slot::Value(items) => matches!(
            items.last(),
            Some(Slot::Value(RawMessage { role: Slot::Value(Text(name)), .. })) if D::role(name) == Some(Role::Assistant)
        ),
        _ => false,
    };
    let paired = chosen.0 && rejected.0 && !answered;
    if paired {
        ctx.report(RuleCode::PreferencePair, FieldPath::Field("chosen"), || {
            "the record is preference data (`chosen` and `rejected`), for DPO or a reward model: its conversation \
             would be trained on without the preferred answer"
                .to_owned()
        });
    }
    paired
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
