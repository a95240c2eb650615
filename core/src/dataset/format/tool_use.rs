//! Chat with tools, as OpenAI's fine-tuning format writes it: the record's `tools`, an
//! assistant message's `tool_calls` and a `tool` message's `tool_call_id`, read into the
//! canonical [`Tool`] and [`ToolCall`], and the rules between them (every call names a
//! defined tool, has its own id, and is answered before the conversation goes on). ShareGPT
//! writes the same calls as turns ([`CallOrder::turn_calls`]), read into the same canonical form.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::Value;

use super::json::{Slot, Text};
use super::raw_message::{ExtraKeys, JsonList, JsonMap, RawTools};
use super::{MessageExtras, RecordCtx, Training, View, ViewMessage};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::{
    FunctionCall, FunctionDefinition, JsonObject, Role, Split, Tool, ToolCall, ToolKind,
};
use crate::dataset::findings::FieldPath;

/// The record's list of tools under `field` (`tools`, or the legacy `functions`), when it has
/// any (`[]`, `"[]"` and `""` are none): `None` when there is none, or when a string does not
/// hold an array (reported).
pub(super) fn tool_items(slot: Slot<RawTools>, field: &'static str, ctx: &mut RecordCtx<'_, '_>) -> Option<Vec<Value>> {
    let items = match ctx.optional(slot, FieldPath::Field(field))?.items() {
        Ok(items) => items,
        Err(why) => {
            ctx.report(RuleCode::InvalidToolDefinition, FieldPath::Field(field), || {
                format!("`{field}` is a string that {why}; expected the JSON text of an array of tool definitions")
            });
            return None;
        }
    };
    (!items.is_empty()).then_some(items)
}

/// The record's `tools`, when it has any; malformed entries are reported and left out.
pub(super) fn definitions(slot: Slot<RawTools>, ctx: &mut RecordCtx<'_, '_>) -> Option<Vec<Tool>> {
    let items = tool_items(slot, "tools", ctx)?;
    let entries = items.iter().enumerate().map(|(index, item)| (FieldPath::Item("tools", index), item));
    Some(defined(entries, ToolForm::Tool, ctx))
}

/// The tools of a record that reads tool calls: its `tools`, else its `functions` (OpenAI's
/// legacy function definitions, each a function alone). Both at once is reported, and
/// `tools` kept.
pub(super) fn record_tools(
    tools: Slot<RawTools>,
    functions: Slot<RawTools>,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Vec<Tool>> {
    let tools = definitions(tools, ctx);
    let Some(functions) = tool_items(functions, "functions", ctx) else { return tools };
    if tools.is_some() {
        ctx.report(RuleCode::InvalidToolDefinition, FieldPath::Field("functions"), || {
            "the record has both `tools` and `functions` (OpenAI's legacy form of them): keep `tools`".to_owned()
        });
        return tools;
    }
    let entries = functions.iter().enumerate().map(|(index, item)| (FieldPath::Item("functions", index), item));
    Some(defined(entries, ToolForm::Function, ctx))
}

/// How the entries of a list of tools are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ToolForm {
    /// OpenAI's `{"type": "function", "function": {"name", ...}}`, or the function alone
    /// (`{"name", ...}`, as LLaMA-Factory, Glaive and xLAM write it).
    Tool,
    /// The function alone: Gemini's function declarations.
    Function,
}

/// The tools of `entries` (written in `form`), each at its path: a malformed entry, or a
/// second one of a name, is reported and left out.
pub(super) fn defined<'v>(
    entries: impl IntoIterator<Item = (FieldPath<'v>, &'v Value)>,
    form: ToolForm,
    ctx: &mut RecordCtx<'_, '_>,
) -> Vec<Tool> {
    let mut tools: Vec<Tool> = Vec::new();
    for (path, item) in entries {
        match definition(item, form) {
            Ok(tool) if tools.iter().any(|t| t.function.name == tool.function.name) => {
                ctx.report(RuleCode::InvalidToolDefinition, path, || {
                    format!("a second tool named `{}`", tool.function.name)
                });
            }
            Ok(tool) => tools.push(tool),
            Err(why) => ctx.report(RuleCode::InvalidToolDefinition, path, || format!("`{path}` {why}")),
        }
    }
    tools
}

/// One entry of a list of tools written in `form`, or what is wrong with it (its keys named
/// as the entry writes them: `function.name`, or `name` for a function alone).
fn definition(item: &Value, form: ToolForm) -> Result<Tool, String> {
    let Some(entry) = item.as_object() else { return Err(format!("is {}; expected an object", kind(item))) };
    check_type(entry.get("type"))?;
    let (function, at) = match (form, entry.get("function")) {
        (ToolForm::Function, _) => (entry, ""),
        (ToolForm::Tool, Some(Value::Object(function))) => (function, "function."),
        (ToolForm::Tool, None) if entry.contains_key("name") => (entry, ""),
        (ToolForm::Tool, None) => return Err("has no `function`".to_owned()),
        (ToolForm::Tool, Some(other)) => return Err(format!("has `function` {}; expected an object", kind(other))),
    };
    let name = match function.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        None => return Err(format!("has no `{at}name`")),
        Some(other) => return Err(format!("has `{at}name` {}; expected a function name", kind(other))),
    };
    let description = match function.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => return Err(format!("has `{at}description` {}; expected a string", kind(other))),
    };
    let parameters = match function.get("parameters") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            JsonObject::from_value(value)
                .ok_or_else(|| format!("has `{at}parameters` {}; expected a JSON schema object", kind(value)))?,
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
/// `tool_calls` go on assistant messages, `tool_call_id` on `tool` messages; anything else is
/// reported. A call without an `id` is given one, and a `tool` message without
/// `tool_call_id` answers the next call of `order` (as `transformers` and TRL write tool
/// calls, matched by their order); its `name`, when given, is the called function's.
pub(super) fn message_tools(
    extra: Option<&mut ExtraKeys<'_>>,
    role: Role,
    (field, index): (&'static str, usize),
    order: &mut CallOrder,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Box<MessageExtras>> {
    let (calls, legacy_call, call_id, name) = match extra {
        Some(extra) => (
            std::mem::take(&mut extra.tool_calls),
            std::mem::take(&mut extra.function_call),
            std::mem::take(&mut extra.tool_call_id),
            extra.name.take(),
        ),
        None => (Slot::Missing, Slot::Missing, Slot::Missing, None),
    };
    let legacy_call = ctx.optional(legacy_call, FieldPath::ItemField(field, index, "function_call"));
    let calls = match ctx.optional(calls, FieldPath::ItemField(field, index, "tool_calls")) {
        Some(_) if legacy_call.is_some() => {
            ctx.report(RuleCode::InvalidToolCall, FieldPath::ItemField(field, index, "function_call"), || {
                "the message has both `tool_calls` and `function_call` (OpenAI's legacy form of one call): keep \
                 `tool_calls`"
                    .to_owned()
            });
            order.malformed();
            None
        }
        None => legacy_call.and_then(|JsonMap(call)| legacy_function_call(&call, role, (field, index), order, ctx)),
        Some(JsonList(items)) if items.is_empty() => None,
        Some(_) if role != Role::Assistant => {
            misplaced(ctx, field, index, "tool_calls", role, "only assistant messages call tools");
            None
        }
        Some(JsonList(items)) => {
            let read: Vec<Option<ToolCall>> = items
                .iter()
                .enumerate()
                .map(|(call, item)| tool_call(item, (field, index, call), order, ctx))
                .collect();
            if read.iter().all(Option::is_some) {
                let calls: Vec<ToolCall> = read.into_iter().flatten().collect();
                order.called(&calls);
                Some(calls)
            } else {
                order.malformed();
                Some(read.into_iter().flatten().collect())
            }
        }
    };
    let id_path = FieldPath::ItemField(field, index, "tool_call_id");
    if role == Role::Tool {
        let id = ctx.optional(call_id, id_path).map(|Text(id)| id.into_owned());
        let call_id = order.answer(id, name.as_deref(), FieldPath::Item(field, index), ctx);
        // The answered call's function, else the name given to the result of a call
        // written in text.
        let name = order.function_of(call_id.as_deref()).or(name.map(Cow::into_owned));
        return (call_id.is_some() || name.is_some())
            .then(|| Box::new(MessageExtras { calls, call_id, name, reasoning: None }));
    }
    if ctx.optional(call_id, id_path).is_some() {
        misplaced(ctx, field, index, "tool_call_id", role, "only `tool` messages answer a call");
    }
    calls.map(|calls| Box::new(MessageExtras { calls: Some(calls), ..MessageExtras::default() }))
}

/// The call of an assistant message's `function_call` (`{"name", "arguments"}`, OpenAI's
/// legacy function calling), given an id; `None` when it is malformed or on another role
/// (reported).
fn legacy_function_call(
    function: &serde_json::Map<String, Value>,
    role: Role,
    (field, index): (&'static str, usize),
    order: &mut CallOrder,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<Vec<ToolCall>> {
    let path = FieldPath::ItemField(field, index, "function_call");
    if role != Role::Assistant {
        misplaced(ctx, field, index, "function_call", role, "only assistant messages call functions");
        return None;
    }
    match called_function(function) {
        Ok(function) => {
            let calls = vec![ToolCall { id: order.generated_id(), kind: ToolKind::Function, function }];
            order.called(&calls);
            Some(calls)
        }
        Err(fault) => {
            order.malformed();
            match fault {
                CallFault::NoName => {
                    ctx.report(RuleCode::InvalidToolCall, path, || format!("`{path}` has no `name` string"))
                }
                CallFault::Arguments(why) => ctx.report(RuleCode::ToolArgumentsNotObject, path, || why),
            }
            None
        }
    }
}

fn misplaced(ctx: &mut RecordCtx<'_, '_>, field: &'static str, index: usize, key: &str, role: Role, why: &str) {
    ctx.report(RuleCode::MisplacedToolField, FieldPath::ItemField(field, index, key), || {
        format!("`{key}` on a {role} message: {why}")
    });
}

/// One call of `tool_calls` (item `call` of message `index` of `field`), given an id by
/// `order` when it has none; `None` when it is malformed (reported).
fn tool_call(
    item: &Value,
    (field, index, call): (&'static str, usize, usize),
    order: &mut CallOrder,
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
        // No id, as `transformers` and TRL write calls: its result is the next `tool` message.
        None | Some(Value::Null) => order.generated_id(),
        Some(Value::String(_)) => {
            malformed(ctx, "has an empty `id`: leave `id` out, or give the call its id".to_owned());
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

/// The calls of a conversation in their order, for the results that do not name the call
/// they answer. Such a result answers the next unanswered call of the last message that
/// made calls, as `transformers` and TRL write chat with tools, and as LLaMA-Factory's
/// ShareGPT does with its `function_call` and `observation` turns ([`Self::turn_calls`]).
///
/// A call without an id is given one: `call00001`, `call00002`... (nine letters and digits,
/// which every chat template takes, Mistral's included), counted across the conversation and
/// never one the conversation names itself ([`CallOrder::naming`]).
/// A result in a conversation that has made no call is the result of a call written in the
/// assistant's text (Hermes' `<tool_call>` style): it answers no call, and is context.
#[derive(Debug, Default)]
pub(super) struct CallOrder {
    /// Calls given an id so far.
    made: usize,
    /// The calls of the last message that made calls, not answered yet, in order: their
    /// ids and the functions they call.
    pending: VecDeque<(String, String)>,
    /// The function each call of the conversation so far calls, by its id.
    functions: HashMap<String, String>,
    /// Whether the conversation has made calls (written as `tool_calls` or turns).
    called: bool,
    /// Whether the last calls were malformed (reported): their results are not reported
    /// again.
    malformed: bool,
    /// The ids the conversation gives its calls and names in its results: never generated.
    named: HashSet<String>,
}

impl CallOrder {
    /// The order of a conversation whose calls and results name the ids `named` (a
    /// conversation may give some calls ids and leave others without).
    pub fn naming(named: HashSet<String>) -> Self {
        Self { named, ..Self::default() }
    }

    /// An id for a call written without one, other than every id the conversation names.
    pub fn generated_id(&mut self) -> String {
        loop {
            self.made += 1;
            let id = format!("call{:05}", self.made);
            if !self.named.contains(&id) {
                return id;
            }
        }
    }

    /// Notes the calls of a message: the results after it answer them, in order.
    pub fn called(&mut self, calls: &[ToolCall]) {
        self.pending = calls.iter().map(|call| (call.id.clone(), call.function.name.clone())).collect();
        self.functions.extend(self.pending.iter().cloned());
        self.called = true;
        self.malformed = false;
    }

    /// Notes malformed calls (reported): the results after them answer nothing.
    fn malformed(&mut self) {
        self.pending.clear();
        self.called = true;
        self.malformed = true;
    }

    /// The calls of a ShareGPT `function_call` turn whose value is `text` (at `path`): the
    /// JSON text of a call (`{"name", "arguments"}`) or of an array of calls. `None` when
    /// the text is neither (reported).
    pub fn turn_calls(
        &mut self,
        text: &str,
        path: FieldPath<'_>,
        ctx: &mut RecordCtx<'_, '_>,
    ) -> Option<Box<MessageExtras>> {
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
                Ok(function) => made.push(ToolCall { id: self.generated_id(), kind: ToolKind::Function, function }),
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
        self.called(&made);
        Some(Box::new(MessageExtras { calls: Some(made), ..MessageExtras::default() }))
    }

    /// The function the call `id` of the conversation calls, if there is such a call.
    pub fn function_of(&self, id: Option<&str>) -> Option<String> {
        id.and_then(|id| self.functions.get(id)).cloned()
    }

    /// The id of the call the result at `path` answers: `id` when it names one (checked
    /// later, with the conversation's calls), else the next unanswered call of the last
    /// message that made calls. `None` when the conversation has made no call (the result
    /// of a call written in text), or when there is none left to answer (reported, unless
    /// the calls were malformed). A result's `name` is the function of the call it answers.
    pub fn answer(
        &mut self,
        id: Option<String>,
        name: Option<&str>,
        path: FieldPath<'_>,
        ctx: &mut RecordCtx<'_, '_>,
    ) -> Option<String> {
        let call = match &id {
            Some(id) => {
                self.pending.iter().position(|(pending, _)| pending == id).and_then(|at| self.pending.remove(at))
            }
            None => self.pending.pop_front(),
        };
        match (call, name) {
            (Some((called, function)), Some(name)) if name != function => {
                ctx.report(RuleCode::UnknownToolCallId, path, || {
                    format!("the result of `{name}` answers the call `{called}` of `{function}`: put each result after its call, in the order of the calls")
                });
            }
            (Some((called, _)), _) if id.is_none() => return Some(called),
            (None, _) if id.is_none() && self.called && !self.malformed => {
                ctx.report(RuleCode::UnknownToolCallId, path, || {
                    "the tool result names no call, and every call before it has its result already (the results \
                     of a message's calls follow it, one a call, in the order of the calls)"
                        .to_owned()
                });
            }
            _ => {}
        }
        id
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
