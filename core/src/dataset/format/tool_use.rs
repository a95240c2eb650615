//! Chat with tools, as OpenAI's fine-tuning format writes it: the record's `tools`, an
//! assistant message's `tool_calls` and a `tool` message's `tool_call_id`, read into the
//! canonical [`Tool`] and [`ToolCall`], and the rules between them (every call names a
//! defined tool, has its own id, and is answered before the conversation goes on). ShareGPT
//! writes the same calls as turns ([`TurnCalls`]), read into the same canonical form.

use std::collections::{HashSet, VecDeque};

use serde_json::Value;

use super::json::{Slot, Text};
use super::raw_message::{ExtraKeys, JsonList, RawTools};
use super::{MessageTools, RecordCtx, Training, View, ViewMessage};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::{
    FunctionCall, FunctionDefinition, JsonObject, Role, Split, Tool, ToolCall, ToolKind,
};
use crate::dataset::findings::FieldPath;

/// The record's `tools`, when it has any (`[]`, `"[]"` and `""` are none); malformed
/// entries are reported and left out.
pub(super) fn definitions(slot: Slot<RawTools>, ctx: &mut RecordCtx<'_, '_>) -> Option<Vec<Tool>> {
    let items = match ctx.optional(slot, FieldPath::Field("tools"))?.items() {
        Ok(items) => items,
        Err(why) => {
            ctx.report(RuleCode::InvalidToolDefinition, FieldPath::Field("tools"), || {
                format!("`tools` is a string that {why}; expected the JSON text of an array of tool definitions")
            });
            return None;
        }
    };
    if items.is_empty() {
        return None;
    }
    let mut tools: Vec<Tool> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match definition(item) {
            Ok(tool) if tools.iter().any(|t| t.function.name == tool.function.name) => {
                ctx.report(RuleCode::InvalidToolDefinition, FieldPath::Item("tools", index), || {
                    format!("a second tool named `{}`", tool.function.name)
                });
            }
            Ok(tool) => tools.push(tool),
            Err(why) => ctx.report(RuleCode::InvalidToolDefinition, FieldPath::Item("tools", index), || {
                format!("`tools[{index}]` {why}")
            }),
        }
    }
    Some(tools)
}

/// One entry of `tools`, or what is wrong with it.
fn definition(item: &Value) -> Result<Tool, String> {
    let Some(entry) = item.as_object() else { return Err(format!("is {}; expected an object", kind(item))) };
    check_type(entry.get("type"))?;
    let function = match entry.get("function") {
        Some(Value::Object(function)) => function,
        // The function alone (`{"name", "description", "parameters"}`), as LLaMA-Factory,
        // Glaive and xLAM datasets write it.
        None if entry.contains_key("name") => entry,
        None => return Err("has no `function`".to_owned()),
        Some(other) => return Err(format!("has `function` {}; expected an object", kind(other))),
    };
    let name = match function.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        None => return Err("has no `function.name`".to_owned()),
        Some(other) => return Err(format!("has `function.name` {}; expected a function name", kind(other))),
    };
    let description = match function.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => return Err(format!("has `function.description` {}; expected a string", kind(other))),
    };
    let parameters = match function.get("parameters") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            JsonObject::from_value(value)
                .ok_or_else(|| format!("has `function.parameters` {}; expected a JSON schema object", kind(value)))?,
        ),
    };
    Ok(Tool { kind: ToolKind::Function, function: FunctionDefinition { name, description, parameters } })
}

/// A `type` that, when given, is `function`.
fn check_type(value: Option<&Value>) -> Result<(), String> {
    match value {
        None => Ok(()),
        Some(Value::String(kind)) if kind == "function" => Ok(()),
        Some(other) => Err(format!("has `type` {other}; only `function` tools exist")),
    }
}

/// A value's JSON kind, for messages.
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(text) if text.is_empty() => "an empty string".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A chat message's tool calls and the call it answers, each on the role that takes it.
/// `tool_calls` go on assistant messages, `tool_call_id` on `tool` messages (where it is
/// required); anything else is reported.
pub(super) fn message_tools(
    extra: Option<&mut ExtraKeys<'_>>,
    role: Role,
    field: &'static str,
    index: usize,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Box<MessageTools>> {
    let (calls, call_id) = match extra {
        Some(extra) => (std::mem::take(&mut extra.tool_calls), std::mem::take(&mut extra.tool_call_id)),
        None => (Slot::Missing, Slot::Missing),
    };
    let calls = match ctx.optional(calls, FieldPath::ItemField(field, index, "tool_calls")) {
        Some(JsonList(items)) if items.is_empty() => None,
        Some(_) if role != Role::Assistant => {
            misplaced(ctx, field, index, "tool_calls", role, "only assistant messages call tools");
            None
        }
        Some(JsonList(items)) => {
            Some(items.iter().enumerate().filter_map(|(call, item)| tool_call(item, field, index, call, ctx)).collect())
        }
        None => None,
    };
    let id_path = FieldPath::ItemField(field, index, "tool_call_id");
    let call_id = if role == Role::Tool {
        ctx.required(call_id, id_path).map(|Text(id)| id.into_owned())
    } else {
        if ctx.optional(call_id, id_path).is_some() {
            misplaced(ctx, field, index, "tool_call_id", role, "only `tool` messages answer a call");
        }
        None
    };
    (calls.is_some() || call_id.is_some()).then(|| Box::new(MessageTools { calls, call_id }))
}

fn misplaced(ctx: &mut RecordCtx<'_, '_>, field: &'static str, index: usize, key: &str, role: Role, why: &str) {
    ctx.report(RuleCode::MisplacedToolField, FieldPath::ItemField(field, index, key), || {
        format!("`{key}` on a {role} message: {why}")
    });
}

/// One call of `tool_calls`; `None` when it is malformed (reported).
fn tool_call(
    item: &Value,
    field: &'static str,
    index: usize,
    call: usize,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<ToolCall> {
    let at = format!("tool_calls[{call}]");
    let malformed = |ctx: &mut RecordCtx<'_, '_>, why: String| {
        ctx.report(RuleCode::InvalidToolCall, FieldPath::ItemField(field, index, &at), || {
            format!("`{field}[{index}].{at}` {why}")
        });
    };
    let Some(entry) = item.as_object() else {
        malformed(ctx, format!("is {}; expected an object", kind(item)));
        return None;
    };
    let id = match entry.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        None => {
            malformed(ctx, "has no `id`: a `tool` message answers a call by its id".to_owned());
            return None;
        }
        Some(other) => {
            malformed(ctx, format!("has `id` {}; expected a string", kind(other)));
            return None;
        }
    };
    if let Err(why) = check_type(entry.get("type")) {
        malformed(ctx, why);
        return None;
    }
    let Some(Value::Object(function)) = entry.get("function") else {
        malformed(ctx, "has no `function` object (`{\"name\", \"arguments\"}`)".to_owned());
        return None;
    };
    match called_function(function) {
        Ok(function) => Some(ToolCall { id, kind: ToolKind::Function, function }),
        Err(CallFault::NoName) => {
            malformed(ctx, "has no `function.name` string".to_owned());
            None
        }
        Err(CallFault::Arguments(why)) => {
            let arguments_at = format!("{at}.function.arguments");
            ctx.report(RuleCode::ToolArgumentsNotObject, FieldPath::ItemField(field, index, &arguments_at), || why);
            None
        }
    }
}

/// `text` quoted, cut to a readable length.
fn short(text: &str) -> String {
    const KEPT: usize = 40;
    match text.char_indices().nth(KEPT) {
        Some((at, _)) => format!("{:?}...", &text[..at]),
        None => format!("{text:?}"),
    }
}

/// What is wrong with the function of a call.
enum CallFault {
    /// It names no function.
    NoName,
    /// Its arguments are not a JSON object (why).
    Arguments(String),
}

/// The function a call names and its arguments (`{"name", "arguments"}`, the arguments a
/// JSON object or a string holding one), or what is wrong with them.
fn called_function(function: &serde_json::Map<String, Value>) -> Result<FunctionCall, CallFault> {
    let name = match function.get("name") {
        Some(Value::String(name)) if !name.is_empty() => name.clone(),
        _ => return Err(CallFault::NoName),
    };
    let given = function.get("arguments");
    let arguments = match given {
        Some(Value::String(text)) => JsonObject::parse(text),
        Some(value) => JsonObject::from_value(value),
        None => None,
    };
    let Some(arguments) = arguments else {
        return Err(CallFault::Arguments(match given {
            None => format!("the call of `{name}` has no `arguments`; expected a JSON object (`\"{{}}\"` for none)"),
            Some(Value::String(text)) => {
                format!("the arguments of `{name}` are the string {}, which is not a JSON object", short(text))
            }
            Some(other) => format!("the arguments of `{name}` are {}; expected a JSON object", kind(other)),
        }));
    };
    Ok(FunctionCall { name, arguments })
}

/// A function's calls as ShareGPT turns write them (LLaMA-Factory's form): a `function_call`
/// turn's value is the JSON text of a call (`{"name", "arguments"}`) or of an array of calls,
/// and the `observation` (or `tool`) turn after it is the result. The calls are given ids
/// here: `call00001`, `call00002`... (nine letters and digits, which every chat template
/// takes, Mistral's included), counted across the conversation.
#[derive(Debug, Default)]
pub(super) struct TurnCalls {
    /// Calls given an id so far.
    made: usize,
    /// The calls of the last `function_call` turn not answered yet, in order.
    pending: VecDeque<String>,
    /// Whether the last `function_call` turn was malformed (reported): its results are
    /// not reported again.
    malformed: bool,
}

impl TurnCalls {
    /// The calls of a `function_call` turn whose value is `text` (at `path`); `None` when
    /// the text is not a call or an array of calls (reported).
    pub fn calls(&mut self, text: &str, path: FieldPath<'_>, ctx: &mut RecordCtx<'_, '_>) -> Option<Box<MessageTools>> {
        let calls = match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) if !items.is_empty() => items,
            Ok(call @ Value::Object(_)) => vec![call],
            _ => {
                self.malformed();
                ctx.report(RuleCode::InvalidToolCall, path, || {
                    format!(
                        "`{path}` is {}: a `function_call` turn holds the JSON text of a call, \
                         `{{\"name\": \"...\", \"arguments\": {{...}}}}`, or of an array of them",
                        short(text)
                    )
                });
                return None;
            }
        };
        let mut made = Vec::with_capacity(calls.len());
        for call in &calls {
            let function = call.as_object().ok_or(CallFault::NoName).and_then(called_function);
            match function {
                Ok(function) => {
                    self.made += 1;
                    made.push(ToolCall { id: format!("call{:05}", self.made), kind: ToolKind::Function, function });
                }
                Err(CallFault::NoName) => {
                    self.malformed();
                    ctx.report(RuleCode::InvalidToolCall, path, || {
                        format!("`{path}` has a call with no `name` string: {}", short(&call.to_string()))
                    });
                    return None;
                }
                Err(CallFault::Arguments(why)) => {
                    self.malformed();
                    ctx.report(RuleCode::ToolArgumentsNotObject, path, || why);
                    return None;
                }
            }
        }
        self.pending = made.iter().map(|call| call.id.clone()).collect();
        self.malformed = false;
        Some(Box::new(MessageTools { calls: Some(made), call_id: None }))
    }

    /// Notes a malformed `function_call` turn: the turns after it answer nothing.
    fn malformed(&mut self) {
        self.pending.clear();
        self.malformed = true;
    }

    /// The call an `observation` turn (at `path`) answers: the first unanswered call of the
    /// `function_call` turn before it; `None` when there is none (reported, unless that
    /// turn was malformed).
    pub fn answer(&mut self, path: FieldPath<'_>, ctx: &mut RecordCtx<'_, '_>) -> Option<Box<MessageTools>> {
        let Some(id) = self.pending.pop_front() else {
            if self.malformed {
                return None;
            }
            ctx.report(RuleCode::UnknownToolCallId, path, || {
                "the tool result answers no call: no `function_call` turn comes before it (a call written in a \
                 `gpt` turn's text is not read as one: write it as a `function_call` turn)"
                    .to_owned()
            });
            return None;
        };
        Some(Box::new(MessageTools { calls: None, call_id: Some(id) }))
    }
}

/// The conversation of `messages`, which may call `tools`, with `split` and `training`.
/// Its calls and results are checked ([`check_calls`]) only while the record has no more
/// errors than `errors`, its count before the messages were read: a malformed call or
/// result is left out, and would make the others look unanswered.
pub(super) fn conversation<'a>(
    messages: Vec<ViewMessage<'a>>,
    tools: Option<Vec<Tool>>,
    errors: u64,
    (split, training): (Option<Split>, Training),
    ctx: &mut RecordCtx<'_, '_>,
) -> View<'a> {
    if ctx.findings.errors() == errors {
        check_calls(&messages, tools.as_deref(), ctx);
    }
    let mut view = View::conversation(messages, split, None, training);
    view.tools = tools;
    view
}

/// The rules between a conversation's calls, results and tools: each call names one of
/// `tools` and has its own id; each result answers an earlier call; each call is answered
/// before the next user or assistant message.
fn check_calls(messages: &[ViewMessage<'_>], tools: Option<&[Tool]>, ctx: &mut RecordCtx<'_, '_>) {
    let names: HashSet<&str> = tools.unwrap_or_default().iter().map(|t| t.function.name.as_str()).collect();
    let mut ids: HashSet<&str> = HashSet::new();
    let mut pending: Vec<&str> = Vec::new();
    for message in messages {
        if message.role == Role::Tool {
            // A result without its `tool_call_id` is reported where it is read.
            let Some(id) = message.tool_call_id() else { continue };
            if let Some(at) = pending.iter().position(|p| *p == id) {
                pending.remove(at);
            } else {
                ctx.report(RuleCode::UnknownToolCallId, message.at.message(), || {
                    if ids.contains(id) {
                        format!("a second result for the call `{id}`")
                    } else {
                        format!("the tool result answers `{id}`, which no earlier assistant message calls")
                    }
                });
            }
            continue;
        }
        if !pending.is_empty() {
            ctx.report(RuleCode::UnansweredToolCall, message.at.message(), || {
                format!(
                    "the {} message comes before the result of {}",
                    message.role,
                    pending.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
                )
            });
            pending.clear();
        }
        for call in message.tool_calls().unwrap_or_default() {
            if !ids.insert(&call.id) {
                ctx.report(RuleCode::DuplicateToolCallId, message.at.message(), || {
                    format!("the call id `{}` is used twice in the conversation", call.id)
                });
            } else {
                pending.push(&call.id);
            }
            if !names.contains(call.function.name.as_str()) {
                ctx.report(RuleCode::UnknownTool, message.at.message(), || match tools {
                    Some(tools) if !tools.is_empty() => format!(
                        "the call of `{}` names no tool of the record's `tools` ({})",
                        call.function.name,
                        tools.iter().map(|t| format!("`{}`", t.function.name)).collect::<Vec<_>>().join(", ")
                    ),
                    _ => format!("the call of `{}`: the record defines no `tools`", call.function.name),
                });
            }
        }
    }
}
