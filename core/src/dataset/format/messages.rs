//! Reading a record's array of messages (chat `messages`, v3 `turns`, v4
//! `conversation_history`, ShareGPT `conversations`) into canonical messages, with a finding
//! for everything in them that is not trained on: unknown roles, tool calling (read in chat
//! and ShareGPT, see [`super::tool_use`]), content parts, other keys, and weights other than
//! 0 or 1 on assistant messages.

use std::borrow::Cow;
use std::collections::HashSet;

use super::json::{self, Dialect, RawMessages, Slot};
use super::raw_message::JsonList;
use super::{MessageAt, MessageExtras, RecordCtx, ViewMessage, tool_use};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::Role;
use crate::dataset::findings::FieldPath;

/// Where tool calls are read, for the findings of the formats that do not read them.
pub(super) const TOOL_CALLS_READ_IN: &str =
    "tool calls are read only in chat records, prompt/completion records of messages, ShareGPT and Gemini records";

/// The ShareGPT turn that calls tools (its value the JSON of the calls).
const FUNCTION_CALL_TURN: &str = "function_call";

/// Whether a format reads tool calls: `tool` messages, `tool_calls` and `tool_call_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ToolCalling {
    /// Read (chat).
    Read,
    /// Read as ShareGPT turns: `function_call` turns and the `observation` (or `tool`) turns
    /// that answer them ([`tool_use::CallOrder`]).
    Turns,
    /// Reported as not supported (every other format).
    Unsupported,
}

/// Reads an array of messages (`messages`, `turns`, `conversation_history`) into `out`,
/// reporting every malformed item; malformed items are left out (and make the record invalid).
pub(super) fn push_messages<'a, D: Dialect>(
    items: Vec<Slot<json::RawMessage<'a, D>>>,
    field: &'static str,
    tool_calling: ToolCalling,
    ctx: &mut RecordCtx<'_, '_>,
    out: &mut Vec<ViewMessage<'a>>,
) {
    let mut order = match tool_calling {
        ToolCalling::Read => tool_use::CallOrder::naming(named_call_ids(&items)),
        ToolCalling::Turns | ToolCalling::Unsupported => tool_use::CallOrder::default(),
    };
    for (index, item) in items.into_iter().enumerate() {
        let Some(mut message) = ctx.required(item, FieldPath::Item(field, index)) else { continue };
        let (tool_key, role_key, content_key) = (message.tool_key(), message.role_key(), message.content_key());
        let calls_turn = tool_calling == ToolCalling::Turns
            && matches!(&message.role, Slot::Value(json::Text(name)) if name == FUNCTION_CALL_TURN);
        let role = match (std::mem::take(&mut message.role), message.first_other_key()) {
            // `{"role": ...}` in ShareGPT, `{"from": ...}` in chat: name what the message has.
            (Slot::Missing, Some(other)) => {
                let path = FieldPath::ItemField(field, index, role_key);
                ctx.report(RuleCode::MissingField, path, || {
                    format!("`{path}` is missing (the message has `{other}`); expected a string")
                });
                None
            }
            (slot, _) => message_role::<D>(slot, FieldPath::ItemField(field, index, role_key), tool_calling, ctx),
        };
        if let (Some(extra), Some(role)) = (&message.extra, role) {
            extra_keys(extra, (field, index, role), (role_key, content_key), tool_calling, ctx);
        }
        let content_path = FieldPath::ItemField(field, index, content_key);
        let (tools, content) = match (tool_calling, role) {
            (ToolCalling::Turns, Some(Role::Assistant)) if calls_turn => {
                let text = message_content(message.content, content_path, ctx);
                let calls = text.and_then(|text| order.turn_calls(&text, content_path, ctx));
                // The calls are the turn: the message has no text of its own.
                let content = calls.is_some().then_some(Cow::Borrowed(""));
                (calls, content)
            }
            (ToolCalling::Turns, Some(Role::Tool)) => {
                let answered = order.answer(None, None, FieldPath::Item(field, index), ctx);
                let name = order.function_of(answered.as_deref());
                let tools = answered.map(|call_id| {
                    Box::new(MessageExtras { call_id: Some(call_id), name, ..MessageExtras::default() })
                });
                (tools, message_content(message.content, content_path, ctx))
            }
            _ => {
                let tools = match (tool_calling, role) {
                    (ToolCalling::Read, Some(role)) => {
                        tool_use::message_tools(message.extra.as_deref_mut(), role, (field, index), &mut order, ctx)
                    }
                    _ => None,
                };
                let calls = tools.as_ref().is_some_and(|tools| tools.calls.is_some());
                let content = match message.content {
                    // An assistant message that calls tools may have no text.
                    Slot::Missing | Slot::Null if calls => Some(Cow::Borrowed("")),
                    // A tool call's missing content is part of the tool call, reported above (a
                    // tool result needs its content).
                    Slot::Missing | Slot::Null if tool_key.is_some() && role != Some(Role::Tool) => None,
                    content => message_content(content, content_path, ctx),
                };
                (tools, content)
            }
        };
        let weight = match (message.weight, role) {
            (Slot::Missing, _) | (_, None) => None,
            (slot, Some(role)) => message_weight(slot, role, field, index, ctx),
        };
        let extras = match (role, message.extra.as_deref_mut().and_then(|extra| extra.reasoning.take())) {
            (Some(Role::Assistant), Some((_, reasoning))) => {
                let mut extras = tools.unwrap_or_default();
                extras.reasoning = Some(reasoning.into_owned());
                Some(extras)
            }
            _ => tools,
        };
        if let (Some(role), Some(content)) = (role, content) {
            out.push(ViewMessage { role, content, at: MessageAt::Item(field, index, content_key), weight, extras });
        }
    }
}

/// The ids the messages give their calls (`tool_calls[].id`) and name in their results
/// (`tool_call_id`), for the ids generated for calls without one to differ from all of them.
fn named_call_ids<D: Dialect>(items: &[Slot<json::RawMessage<'_, D>>]) -> HashSet<String> {
    let mut named = HashSet::new();
    for item in items {
        let Slot::Value(json::RawMessage { extra: Some(extra), .. }) = item else { continue };
        if let Slot::Value(JsonList(calls)) = &extra.tool_calls {
            named.extend(calls.iter().filter_map(|call| call.get("id")?.as_str().map(str::to_owned)));
        }
        if let Slot::Value(json::Text(id)) = &extra.tool_call_id {
            named.insert(id.clone().into_owned());
        }
    }
    named
}

/// Reports the keys of message `index` of `field`, a `role` message, that are not trained
/// on: tool calls (other than chat's `tool_calls`, `tool_call_id` and a result's `name`), and
/// any other but an assistant's reasoning.
fn extra_keys(
    extra: &json::ExtraKeys<'_>,
    (field, index, role): (&'static str, usize, Role),
    (role_key, content_key): (&'static str, &'static str),
    tool_calling: ToolCalling,
    ctx: &mut RecordCtx<'_, '_>,
) {
    match (extra.tool_key, tool_calling) {
        (Some(key), ToolCalling::Unsupported) => {
            ctx.report(RuleCode::ToolUseUnsupported, FieldPath::ItemField(field, index, key), || {
                format!("the message has `{key}`: {TOOL_CALLS_READ_IN}")
            });
        }
        (Some(key), ToolCalling::Turns) => {
            ctx.report(RuleCode::ToolUseUnsupported, FieldPath::ItemField(field, index, key), || {
                format!(
                    "the turn has `{key}`: ShareGPT calls tools with a `function_call` turn and gives the result in \
                     an `observation` turn"
                )
            });
        }
        _ => {}
    }
    // A `tool` message's `name` is read where results are (chat with tools), an assistant's
    // reasoning in every format.
    let name_read = tool_calling == ToolCalling::Read && role == Role::Tool;
    if let Some((key, count)) = extra.unread(name_read, role == Role::Assistant) {
        ctx.report(RuleCode::UnknownMessageKey, FieldPath::ItemField(field, index, key), || {
            let more = match count - 1 {
                0 => String::new(),
                1 => " (and 1 more key)".to_owned(),
                n => format!(" (and {n} more keys)"),
            };
            format!("`{key}`{more} is not read: only `{role_key}`, `{content_key}` and `weight` are trained on")
        });
    }
}

/// A message's role (at `path`); tool roles and unknown roles are reported.
fn message_role<D: Dialect>(
    slot: Slot<json::Text<'_>>,
    path: FieldPath<'_>,
    tool_calling: ToolCalling,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Role> {
    let json::Text(name) = ctx.required(slot, path)?;
    match (tool_calling, name.as_ref()) {
        // `function`: a result in OpenAI's legacy function calling, which chat reads too.
        (ToolCalling::Read, "tool" | "function") | (ToolCalling::Turns, "observation" | "tool") => {
            return Some(Role::Tool);
        }
        (ToolCalling::Turns, FUNCTION_CALL_TURN) => return Some(Role::Assistant),
        _ => {}
    }
    let role = D::role(&name);
    if role.is_none() {
        if D::TOOL_ROLES.contains(&name.as_ref()) {
            ctx.report(RuleCode::ToolUseUnsupported, path, || match tool_calling {
                ToolCalling::Read => format!(
                    "a `{name}` message, OpenAI's legacy function calling: write it as a `tool` message with `tool_call_id`"
                ),
                ToolCalling::Turns => format!(
                    "a `{name}` turn: ShareGPT calls tools with `function_call` turns and gives their results in \
                     `observation` turns"
                ),
                ToolCalling::Unsupported => {
                    format!("a `{name}` message (a tool's result): {TOOL_CALLS_READ_IN}")
                }
            });
        } else {
            let tool = match tool_calling {
                ToolCalling::Read => ", tool",
                ToolCalling::Turns => ", function_call, observation",
                ToolCalling::Unsupported => "",
            };
            ctx.report(RuleCode::UnknownRole, path, || format!("role `{name}` is not one of {}{tool}", D::ROLES));
        }
    }
    role
}

/// A message's text (at `path`): a string, or a list of text parts joined; a list with
/// other parts (images, audio) or malformed ones is reported.
fn message_content<'a>(
    slot: Slot<json::RawContent<'a>>,
    path: FieldPath<'_>,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Cow<'a, str>> {
    match ctx.required(slot, path)? {
        json::RawContent::Text(text) => Some(text),
        // Text parts only: their texts, joined.
        json::RawContent::Parts(parts) if parts.text.is_some() => parts.text.map(Cow::Owned),
        json::RawContent::Parts(parts) => {
            ctx.report(RuleCode::ContentPartsUnsupported, path, || {
                let s = if parts.count == 1 { "" } else { "s" };
                let kinds = parts.kinds.join(", ");
                let others: Vec<&str> = parts.other_kinds().into_iter().filter(|kind| *kind != "?").collect();
                if others.is_empty() {
                    format!(
                        "`{path}` is a list of {} part{s} ({kinds}), not all of them `{{\"type\": \"text\", \
                         \"text\": \"...\"}}`: only text parts are read",
                        parts.count
                    )
                } else {
                    format!(
                        "`{path}` has {} parts (a list of {} part{s}: {kinds}): text only, BrightRun trains on \
                         text and cannot read them",
                        others.join(" and "),
                        parts.count
                    )
                }
            });
            None
        }
    }
}

/// A message's weight: `Some(0)` for an assistant message not trained on. A weight other
/// than 0 or 1 is reported, and so is a weight other than 0 on another role (0 says what
/// BrightRun does with it: OpenHermes and Axolotl's data write it on every user turn).
fn message_weight(
    slot: Slot<json::Number>,
    role: Role,
    field: &'static str,
    index: usize,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<u8> {
    let path = FieldPath::ItemField(field, index, "weight");
    let json::Number(weight) = ctx.optional(slot, path)?;
    if role != Role::Assistant {
        if weight != 0.0 {
            ctx.report(RuleCode::MisplacedWeight, path, || {
                format!("`weight` on a {role} message: only assistant messages are trained on, so only they take one")
            });
        }
        return None;
    }
    if weight == 0.0 {
        Some(0)
    } else {
        if weight != 1.0 {
            ctx.report(RuleCode::InvalidWeight, path, || format!("`{path}` is {weight}; only 0 and 1 are allowed"));
        }
        None
    }
}

/// The messages of a conversation held in one array field (chat `messages`, v3 `turns`,
/// ShareGPT `conversations`); `None` when the field is missing, mistyped or empty (each
/// reported).
pub(super) fn conversation_messages<'a, D: Dialect>(
    slot: RawMessages<'a, D>,
    field: &'static str,
    tool_calling: ToolCalling,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Vec<ViewMessage<'a>>> {
    let items = ctx.required(slot, FieldPath::Field(field))?;
    if items.is_empty() {
        ctx.report(RuleCode::EmptyConversation, FieldPath::Field(field), || format!("`{field}` is an empty array"));
        return None;
    }
    let mut messages = Vec::with_capacity(items.len());
    push_messages(items, field, tool_calling, ctx, &mut messages);
    Some(messages)
}
