//! Gemini JSONL, as Vertex AI tunes Gemini models: `{"contents": [{"role", "parts"}...],
//! "systemInstruction"?, "tools"?, "split"?}`.
//!
//! A `user` turn is a user message, a `model` turn an assistant message, trained on. A turn's
//! `parts` are read in order: `text` parts are its text (joined with a newline), a `model`
//! turn's parts marked `"thought": true` its reasoning, `functionCall` parts the calls it
//! makes, and `functionResponse` parts (on a `user` turn, or a `function` turn as older data
//! writes them) the results of those calls, each a `tool` message answering the next call in
//! order (or the call of its `id`). `systemInstruction`'s text parts are the system message;
//! `tools`' `functionDeclarations` the tools. Keys are read in Vertex's camelCase or in
//! snake_case (`function_call`, `system_instruction`). Files, inline data and code parts are
//! not text: reported, never dropped without a word.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use super::chat::split;
use super::json::{Flag, RawRecord, RawTools, Slot, Text, Used, object_shape};
use super::raw_message::PartKinds;
use super::tool_use::{self, CallOrder, ToolForm};
use super::{MessageAt, MessageExtras, RecordCtx, Training, View, ViewMessage};
use crate::dataset::codes::RuleCode;
use crate::dataset::conversation::{FunctionCall, JsonObject, Role, Tool, ToolCall, ToolKind};
use crate::dataset::findings::FieldPath;

/// The key of the conversation.
const CONTENTS: &str = "contents";

/// The key of the system instruction, as Vertex writes it.
const SYSTEM_INSTRUCTION: &str = "systemInstruction";

/// A content of Gemini's: a turn of `contents`, or the `systemInstruction`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawGeminiContent<'a> {
    /// `user` or `model` (`function` for results, in older data); ignored on the system
    /// instruction.
    #[serde(borrow)]
    pub role: Slot<Text<'a>>,
    /// The parts, in order.
    #[serde(borrow)]
    pub parts: Slot<Vec<Slot<RawPart<'a>>>>,
}

/// One part of a content: one of its keys holds the part's data.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawPart<'a> {
    /// Text.
    #[serde(borrow)]
    text: Slot<Text<'a>>,
    /// `true` when the text is the model's thinking.
    thought: Slot<Flag>,
    /// A call the model makes.
    #[serde(borrow, rename = "functionCall", alias = "function_call")]
    function_call: Slot<RawFunction<'a>>,
    /// The result of a call.
    #[serde(borrow, rename = "functionResponse", alias = "function_response")]
    function_response: Slot<RawFunction<'a>>,
    /// A file (an image, audio, a video, a document): not text.
    #[serde(rename = "fileData", alias = "file_data")]
    file_data: Used,
    /// Inline bytes: not text.
    #[serde(rename = "inlineData", alias = "inline_data")]
    inline_data: Used,
    /// Code the model runs: not read.
    #[serde(rename = "executableCode", alias = "executable_code")]
    executable_code: Used,
    /// The result of code the model ran: not read.
    #[serde(rename = "codeExecutionResult", alias = "code_execution_result")]
    code_execution_result: Used,
}

/// A `functionCall` (`{"name", "args", "id"?}`) or a `functionResponse` (`{"name",
/// "response", "id"?}`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawFunction<'a> {
    #[serde(borrow)]
    name: Slot<Text<'a>>,
    /// A call's arguments.
    args: Slot<JsonObject>,
    /// A result.
    response: Slot<JsonObject>,
    /// The call's id, in data that gives one.
    #[serde(borrow)]
    id: Slot<Text<'a>>,
}

object_shape!(RawGeminiContent<'_>, RawPart<'_>, RawFunction<'_>);

impl RawGeminiContent<'_> {
    /// Whether it has `parts`: what tells Gemini's `contents` from other data under that key.
    pub fn has_parts(&self) -> bool {
        self.parts.is_present()
    }
}

/// The canonical form of a Gemini record; `None` when it has no usable `contents`.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let split = split(record.split, ctx);
    let tools = declarations(record.tools, ctx);
    let system = system_instruction(record.system_instruction, ctx);
    let errors = ctx.findings.errors();
    let contents = ctx.required(record.contents, FieldPath::Field(CONTENTS))?;
    if contents.is_empty() {
        ctx.report(RuleCode::EmptyConversation, FieldPath::Field(CONTENTS), || {
            format!("`{CONTENTS}` is an empty array")
        });
        return None;
    }
    let mut order = CallOrder::naming(named_call_ids(&contents));
    let mut messages = Vec::with_capacity(contents.len() + 1);
    messages.extend(system);
    for (index, item) in contents.into_iter().enumerate() {
        let Some(content) = ctx.required(item, FieldPath::Item(CONTENTS, index)) else { continue };
        let role = speaker(content.role, index, ctx);
        let Some(parts) = ctx.required(content.parts, FieldPath::ItemField(CONTENTS, index, "parts")) else { continue };
        if parts.is_empty() {
            ctx.report(RuleCode::EmptyContent, FieldPath::ItemField(CONTENTS, index, "parts"), || {
                format!("`{CONTENTS}[{index}].parts` is an empty array")
            });
            continue;
        }
        let Some(role) = role else { continue };
        let turn = read_parts(parts, role, index, &mut order, ctx);
        turn.into_messages(role, index, &mut order, ctx, &mut messages);
    }
    Some(tool_use::conversation(messages, tools, errors, (split, Training::Trained), ctx))
}

/// The role of a turn: `user` (or `function`, which older data gives results) is the user's,
/// `model` the assistant's; anything else is reported.
fn speaker(slot: Slot<Text<'_>>, index: usize, ctx: &mut RecordCtx<'_, '_>) -> Option<Role> {
    let path = FieldPath::ItemField(CONTENTS, index, "role");
    let Text(name) = ctx.required(slot, path)?;
    match name.as_ref() {
        "user" | "function" => Some(Role::User),
        "model" => Some(Role::Assistant),
        _ => {
            ctx.report(RuleCode::UnknownRole, path, || format!("role `{name}` is not one of user, model"));
            None
        }
    }
}

/// What a turn's parts hold.
#[derive(Default)]
struct Turn<'a> {
    texts: Vec<Cow<'a, str>>,
    /// The model's thinking.
    thoughts: Vec<Cow<'a, str>>,
    calls: Vec<ToolCall>,
    /// Results: the function's name, the call's id when given, and the response's JSON text.
    results: Vec<(Cow<'a, str>, Option<String>, String)>,
}

/// Reads the parts of turn `index` (of `role`): every part that is not text, a call on a
/// `model` turn or a result on a `user` turn is reported.
fn read_parts<'a>(
    parts: Vec<Slot<RawPart<'a>>>,
    role: Role,
    index: usize,
    order: &mut CallOrder,
    ctx: &mut RecordCtx<'_, '_>,
) -> Turn<'a> {
    let mut turn = Turn::default();
    for (at, part) in parts.into_iter().enumerate() {
        let key = format!("parts[{at}]");
        let path = FieldPath::ItemField(CONTENTS, index, &key);
        let Some(part) = ctx.required(part, path) else { continue };
        let data = part_data(&part);
        if data.len() != 1 {
            ctx.report(RuleCode::ContentPartsUnsupported, path, || match data.as_slice() {
                [] => format!("`{path}` holds no `text`, `functionCall` or `functionResponse`"),
                _ => format!("`{path}` holds {}: a part holds one of them", listed(&data)),
            });
            continue;
        }
        match (data[0], role) {
            ("text", _) => {
                let Some(Text(text)) = ctx.required(part.text, path_of(index, &key, "text").as_path()) else {
                    continue;
                };
                let thought = matches!(part.thought, Slot::Value(Flag(true))) && role == Role::Assistant;
                if thought { turn.thoughts.push(text) } else { turn.texts.push(text) }
            }
            ("functionCall", Role::Assistant) => {
                if let Some(call) = function_call(part.function_call, index, &key, order, ctx) {
                    turn.calls.push(call);
                }
            }
            ("functionResponse", Role::User) => {
                if let Some(result) = function_response(part.function_response, index, &key, ctx) {
                    turn.results.push(result);
                }
            }
            ("functionCall" | "functionResponse", _) => {
                ctx.report(RuleCode::MisplacedToolField, path, || match data[0] {
                    "functionCall" => {
                        format!("`{path}` is a `functionCall` on a user turn: only the model calls functions")
                    }
                    _ => format!("`{path}` is a `functionResponse` on a model turn: results go on user turns"),
                });
            }
            (other, _) => ctx.report(RuleCode::ContentPartsUnsupported, path, || {
                format!("`{path}` is `{other}`: text only, BrightRun trains on text and cannot read it")
            }),
        }
    }
    turn
}

/// The keys of `part` that hold its data (not null: a table's row has every column of its
/// parts, null where a part has no such key), in Vertex's names.
fn part_data(part: &RawPart<'_>) -> Vec<&'static str> {
    [
        ("text", part.text.holds(|_| false)),
        ("functionCall", part.function_call.holds(|_| false)),
        ("functionResponse", part.function_response.holds(|_| false)),
        ("fileData", part.file_data.0),
        ("inlineData", part.inline_data.0),
        ("executableCode", part.executable_code.0),
        ("codeExecutionResult", part.code_execution_result.0),
    ]
    .into_iter()
    .filter_map(|(key, present)| present.then_some(key))
    .collect()
}

/// `keys` quoted, for messages: `` `a` and `b` ``.
fn listed(keys: &[&str]) -> String {
    keys.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(" and ")
}

/// The path of `field` of part `key` of turn `index` (`contents[2].parts[0].text`).
struct PartPath(usize, String);

impl PartPath {
    fn as_path(&self) -> FieldPath<'_> {
        FieldPath::ItemField(CONTENTS, self.0, &self.1)
    }
}

fn path_of(index: usize, key: &str, field: &str) -> PartPath {
    PartPath(index, format!("{key}.{field}"))
}

/// The call of a `functionCall` part (`key` of turn `index`), its id given or generated;
/// `None` when it has no name, or arguments that are not an object (reported).
fn function_call(
    slot: Slot<RawFunction<'_>>,
    index: usize,
    key: &str,
    order: &mut CallOrder,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<ToolCall> {
    let call_path = path_of(index, key, "functionCall");
    let call = ctx.required(slot, call_path.as_path())?;
    let name = named(call.name, &path_of(index, key, "functionCall.name"), ctx);
    let args_path = path_of(index, key, "functionCall.args");
    let arguments = match call.args {
        Slot::Value(arguments) => Some(arguments),
        Slot::Missing | Slot::Null => JsonObject::parse("{}"),
        Slot::Wrong(kind) => {
            let path = args_path.as_path();
            ctx.report(RuleCode::ToolArgumentsNotObject, path, || {
                format!("`{path}` is {}; expected a JSON object (`{{}}` for none)", kind.described())
            });
            None
        }
    };
    let id = given_id(call.id, &path_of(index, key, "functionCall.id"), ctx);
    let (name, arguments) = (name?, arguments?);
    let id = id.unwrap_or_else(|| order.generated_id());
    Some(ToolCall { id, kind: ToolKind::Function, function: FunctionCall { name, arguments } })
}

/// The result of a `functionResponse` part (`key` of turn `index`): the function's name, the
/// call's id when given, and the response's JSON text; `None` when malformed (reported).
fn function_response<'a>(
    slot: Slot<RawFunction<'a>>,
    index: usize,
    key: &str,
    ctx: &mut RecordCtx<'_, '_>,
) -> Option<(Cow<'a, str>, Option<String>, String)> {
    let response = ctx.required(slot, path_of(index, key, "functionResponse").as_path())?;
    let name = ctx.required(response.name, path_of(index, key, "functionResponse.name").as_path());
    let result = ctx.required(response.response, path_of(index, key, "functionResponse.response").as_path());
    let id = given_id(response.id, &path_of(index, key, "functionResponse.id"), ctx);
    Some((name?.0, id, result?.as_str().to_owned()))
}

/// A function's name at `path`: a string that is not blank.
fn named(slot: Slot<Text<'_>>, path: &PartPath, ctx: &mut RecordCtx<'_, '_>) -> Option<String> {
    let path = path.as_path();
    let Text(name) = ctx.required(slot, path)?;
    if name.trim().is_empty() {
        ctx.report(RuleCode::InvalidToolCall, path, || format!("`{path}` is blank; expected the function's name"));
        return None;
    }
    Some(name.into_owned())
}

/// A call's id at `path`, when given (an empty one is none).
fn given_id(slot: Slot<Text<'_>>, path: &PartPath, ctx: &mut RecordCtx<'_, '_>) -> Option<String> {
    ctx.optional(slot, path.as_path()).map(|Text(id)| id.into_owned()).filter(|id| !id.is_empty())
}

impl<'a> Turn<'a> {
    /// The messages of turn `index`: a model turn is one assistant message (its text, its
    /// reasoning, its calls); a user turn is a `tool` message per result, answering the calls
    /// in order, then a user message of its text, if any.
    fn into_messages(
        self,
        role: Role,
        index: usize,
        order: &mut CallOrder,
        ctx: &mut RecordCtx<'_, '_>,
        out: &mut Vec<ViewMessage<'a>>,
    ) {
        let at = MessageAt::Item(CONTENTS, index, "parts");
        if role == Role::Assistant {
            if self.texts.is_empty() && self.thoughts.is_empty() && self.calls.is_empty() {
                return;
            }
            if !self.calls.is_empty() {
                order.called(&self.calls);
            }
            let extras = MessageExtras {
                calls: (!self.calls.is_empty()).then_some(self.calls),
                reasoning: (!self.thoughts.is_empty()).then(|| joined(self.thoughts).into_owned()),
                ..MessageExtras::default()
            };
            let mut message = ViewMessage::new(Role::Assistant, joined(self.texts), at);
            message.extras = (extras.calls.is_some() || extras.reasoning.is_some()).then(|| Box::new(extras));
            out.push(message);
            return;
        }
        for (name, id, response) in self.results {
            let call_id = order.answer(id, Some(&name), FieldPath::Item(CONTENTS, index), ctx);
            let name = order.function_of(call_id.as_deref()).unwrap_or_else(|| name.into_owned());
            let mut message = ViewMessage::new(Role::Tool, Cow::Owned(response), at);
            message.extras = Some(Box::new(MessageExtras { call_id, name: Some(name), ..MessageExtras::default() }));
            out.push(message);
        }
        if !self.texts.is_empty() {
            out.push(ViewMessage::new(Role::User, joined(self.texts), at));
        }
    }
}

/// Texts joined as content parts are ([`PartKinds::JOINER`]); one text is kept as it is.
fn joined(mut texts: Vec<Cow<'_, str>>) -> Cow<'_, str> {
    match texts.len() {
        0 => Cow::Borrowed(""),
        1 => texts.remove(0),
        _ => Cow::Owned(texts.join(PartKinds::JOINER)),
    }
}

/// The system message of `systemInstruction` (its text parts joined), when it has text.
fn system_instruction<'a>(slot: Slot<RawGeminiContent<'a>>, ctx: &mut RecordCtx<'_, '_>) -> Option<ViewMessage<'a>> {
    let instruction = ctx.optional(slot, FieldPath::Field(SYSTEM_INSTRUCTION))?;
    let parts = ctx.required(instruction.parts, FieldPath::Nested(SYSTEM_INSTRUCTION, "parts"))?;
    let mut texts = Vec::with_capacity(parts.len());
    for (at, part) in parts.into_iter().enumerate() {
        let key = format!("parts[{at}]");
        let path = FieldPath::Nested(SYSTEM_INSTRUCTION, &key);
        let Some(part) = ctx.required(part, path) else { continue };
        match part_data(&part).as_slice() {
            ["text"] => {
                let text_key = format!("{key}.text");
                if let Some(Text(text)) = ctx.required(part.text, FieldPath::Nested(SYSTEM_INSTRUCTION, &text_key)) {
                    texts.push(text);
                }
            }
            [] => ctx.report(RuleCode::ContentPartsUnsupported, path, || {
                format!("`{path}` holds no `text`: a system instruction is text")
            }),
            data => ctx.report(RuleCode::ContentPartsUnsupported, path, || {
                format!("`{path}` holds {}: a system instruction is text", listed(data))
            }),
        }
    }
    let text = joined(texts);
    (!text.trim().is_empty()).then(|| ViewMessage::new(Role::System, text, MessageAt::Field(SYSTEM_INSTRUCTION)))
}

/// The functions of the record's `tools` (`[{"functionDeclarations": [...]}]`); a tool of
/// another kind (Google Search, code execution) is reported.
fn declarations(slot: Slot<RawTools>, ctx: &mut RecordCtx<'_, '_>) -> Option<Vec<Tool>> {
    let items = tool_use::tool_items(slot, "tools", ctx)?;
    let mut entries: Vec<(usize, String, &Value)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(tool) = item.as_object() else {
            ctx.report(RuleCode::InvalidToolDefinition, FieldPath::Item("tools", index), || {
                format!("`tools[{index}]` is not an object; expected `{{\"functionDeclarations\": [...]}}`")
            });
            continue;
        };
        for (key, value) in tool {
            match (key.as_str(), value) {
                ("functionDeclarations" | "function_declarations", Value::Array(functions)) => {
                    entries.extend(functions.iter().enumerate().map(|(at, f)| (index, format!("{key}[{at}]"), f)));
                }
                ("functionDeclarations" | "function_declarations", _) => {
                    ctx.report(RuleCode::InvalidToolDefinition, FieldPath::ItemField("tools", index, key), || {
                        format!("`tools[{index}].{key}` is not an array of function declarations")
                    });
                }
                (other, _) => {
                    ctx.report(RuleCode::ToolUseUnsupported, FieldPath::ItemField("tools", index, other), || {
                        format!(
                            "`tools[{index}]` has a `{other}` tool: BrightRun trains with function declarations only"
                        )
                    })
                }
            }
        }
    }
    let functions =
        entries.iter().map(|(index, key, function)| (FieldPath::ItemField("tools", *index, key), *function));
    Some(tool_use::defined(functions, ToolForm::Function, ctx))
}

/// The ids the turns give their calls and name in their results, for the ids generated for
/// calls without one to differ from all of them.
fn named_call_ids(contents: &[Slot<RawGeminiContent<'_>>]) -> HashSet<String> {
    let mut named = HashSet::new();
    for content in contents {
        let Slot::Value(RawGeminiContent { parts: Slot::Value(parts), .. }) = content else { continue };
        for part in parts {
            let Slot::Value(part) = part else { continue };
            for function in [&part.function_call, &part.function_response] {
                if let Slot::Value(RawFunction { id: Slot::Value(Text(id)), .. }) = function {
                    named.insert(id.clone().into_owned());
                }
            }
        }
    }
    named
}
