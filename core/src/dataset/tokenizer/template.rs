//! Chat templates: the Jinja program in `tokenizer_config.json` that turns messages into the
//! text the model reads, rendered with minijinja the way `transformers` renders it.
//!
//! Like `transformers`' `apply_chat_template`, the environment trims blocks and strips their
//! leading whitespace (`trim_blocks`, `lstrip_blocks`), drops a single trailing newline of the
//! template, knows Python's string and dict methods (`.strip()`, `.split()`, `.items()`, ...),
//! and defines `raise_exception(message)`, `strftime_now(format)` and a `tojson` filter that
//! writes what Python's `json.dumps(..., ensure_ascii=False)` writes. The context holds
//! `messages` (a list of `{role, content}`, with `tool_calls` on an assistant message that
//! calls tools, `tool_call_id` on a `tool` message that answers a call and
//! `reasoning_content`, and the same as `thinking`, on an assistant message that reasons), `tools` (the tool definitions, or
//! none), `add_generation_prompt` and the special tokens `bos_token`, `eos_token`,
//! `unk_token` and `pad_token` where the configuration names them. Objects keep the key
//! order of their JSON text, as Python's dicts do.
//!
//! A template is a program from a downloaded file, so it runs on a budget: minijinja's fuel
//! (instructions plus the bytes it produces) stops endless loops and runaway output, and
//! every failure becomes [`TokenizerError::Template`].

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use chrono::{DateTime, Local};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, context};
use serde_json::Value as Json;

use super::TokenizerError;
use crate::dataset::conversation::{Message, Tool};

/// The template used when a tokenizer has none: ChatML, as Qwen and many fine-tunes use it.
///
/// Each message renders as `<|im_start|>{role}\n{content}<|im_end|>\n`; the generation prompt
/// is `<|im_start|>assistant\n`. Nothing else is added (no BOS token). This is the exact
/// Jinja source: the trainer sets it as `tokenizer.chat_template` for a tokenizer without
/// one, so both sides render the same text.
pub const CHATML_TEMPLATE: &str = concat!(
    "{% for message in messages %}",
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}",
    "{% endfor %}",
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
);

/// The budget of one render: instructions plus bytes produced / 64. Enough for conversations
/// of tens of megabytes, small enough to stop a template that loops for ever within a second
/// and a few hundred megabytes.
const FUEL: u64 = 4_000_000;

const TEMPLATE_NAME: &str = "chat_template";

/// What a chat template needs from `tokenizer_config.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TemplateConfig {
    /// The template source, when the configuration has one.
    pub(crate) template: Option<String>,
    /// Special tokens the template may name, by their context names (`bos_token`, ...).
    pub(crate) special_tokens: Vec<(&'static str, String)>,
}

impl TemplateConfig {
    /// Reads `tokenizer_config.json`: `chat_template` is a string, or a list of
    /// `{name, template}` of which the one named `default` is used; special tokens are
    /// strings or `{content: ...}` objects.
    pub(crate) fn from_tokenizer_config(json: &str) -> Result<Self, String> {
        let config: Json = serde_json::from_str(json).map_err(|e| format!("tokenizer_config.json is not JSON: {e}"))?;
        let Json::Object(config) = config else {
            return Err("tokenizer_config.json is not a JSON object".to_owned());
        };
        let template = match config.get("chat_template") {
            None | Some(Json::Null) => None,
            Some(Json::String(template)) => Some(template.clone()),
            Some(Json::Array(named)) => Some(default_template(named)?),
            Some(_) => return Err("chat_template is neither a string nor a list of named templates".to_owned()),
        };
        let special_tokens = ["bos_token", "eos_token", "unk_token", "pad_token"]
            .into_iter()
            .filter_map(|name| special_token(config.get(name)?).map(|content| (name, content)))
            .collect();
        Ok(Self { template, special_tokens })
    }
}

fn default_template(named: &[Json]) -> Result<String, String> {
    let mut names = Vec::new();
    for entry in named {
        let name = entry.get("name").and_then(Json::as_str);
        let template = entry.get("template").and_then(Json::as_str);
        match (name, template) {
            (Some("default"), Some(template)) => return Ok(template.to_owned()),
            (Some(name), Some(_)) => names.push(name),
            _ => return Err("chat_template list entries need a string `name` and `template`".to_owned()),
        }
    }
    Err(format!("chat_template lists templates {names:?} but none named \"default\""))
}

fn special_token(value: &Json) -> Option<String> {
    match value {
        Json::String(content) => Some(content.clone()),
        Json::Object(token) => token.get("content").and_then(Json::as_str).map(str::to_owned),
        _ => None,
    }
}

/// A compiled chat template, shared by the counting threads.
pub(crate) struct ChatTemplate {
    env: Environment<'static>,
}

impl ChatTemplate {
    /// Compiles `source`. `now` is what `strftime_now` formats: fixed when the tokenizer is
    /// loaded, so that the same conversation always renders the same text.
    pub(crate) fn new(
        source: &str,
        special_tokens: &[(&'static str, String)],
        now: DateTime<Local>,
    ) -> Result<Self, String> {
        let mut env = Environment::new();
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| format!("cannot configure the template syntax: {e}"))?;
        env.set_syntax(syntax);
        env.set_fuel(Some(FUEL));
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", |message: String| -> Result<Value, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, message))
        });
        env.add_function("strftime_now", move |format: &str| -> Result<Value, Error> {
            let mut out = String::new();
            write!(out, "{}", now.format(format))
                .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("bad strftime format {format:?}")))?;
            Ok(Value::from(out))
        });
        env.add_filter("tojson", tojson);
        for (name, content) in special_tokens {
            env.add_global(*name, content.as_str());
        }
        env.add_template_owned(TEMPLATE_NAME, source.to_owned()).map_err(|e| format!("chat template: {e:#}"))?;
        Ok(Self { env })
    }

    /// The messages as the template sees them, built once per conversation and shared by
    /// the renders of its prefixes.
    pub(crate) fn messages(messages: &[Message]) -> Vec<Value> {
        messages
            .iter()
            .map(|m| {
                // The keys in the order of the canonical line, as the trainer's dicts have them.
                let mut keys = vec![
                    (Cow::Borrowed("role"), Value::from(m.role.as_str())),
                    (Cow::Borrowed("content"), Value::from(m.content.as_str())),
                ];
                if let Some(calls) = &m.tool_calls {
                    keys.push((Cow::Borrowed("tool_calls"), ordered(calls)));
                }
                if let Some(id) = &m.tool_call_id {
                    keys.push((Cow::Borrowed("tool_call_id"), Value::from(id.as_str())));
                }
                if let Some(name) = &m.name {
                    keys.push((Cow::Borrowed("name"), Value::from(name.as_str())));
                }
                if let Some(reasoning) = &m.reasoning_content {
                    // Under both names templates read it: Qwen3's and DeepSeek's
                    // `reasoning_content`, gpt-oss's `thinking`.
                    let reasoning = Value::from(reasoning.as_str());
                    keys.push((Cow::Borrowed("reasoning_content"), reasoning.clone()));
                    keys.push((Cow::Borrowed("thinking"), reasoning));
                }
                Value::from_object(JsonMap(keys))
            })
            .collect()
    }

    /// The `tools` of the context: the definitions, or none (what `transformers` passes when
    /// it is given no tools).
    pub(crate) fn tools(tools: Option<&[Tool]>) -> Value {
        tools.map_or(Value::from(()), ordered)
    }

    /// Renders `messages` (from [`ChatTemplate::messages`]) with `tools` (from
    /// [`ChatTemplate::tools`]).
    pub(crate) fn render(
        &self,
        messages: &[Value],
        tools: &Value,
        add_generation_prompt: bool,
    ) -> Result<String, TokenizerError> {
        let template = self.env.get_template(TEMPLATE_NAME).map_err(template_error)?;
        template
            .render(context! {
                messages => Value::from(messages),
                tools => tools.clone(),
                add_generation_prompt => add_generation_prompt,
            })
            .map_err(template_error)
    }
}

/// `value` as the template sees it once the trainer has read it back from the canonical
/// JSON: objects keep the order of their keys in that JSON.
fn ordered<T: serde::Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_string(value)
        .ok()
        .and_then(|json| serde_json::from_str::<OrderedJson>(&json).ok())
        .map_or(Value::from(()), |OrderedJson(value)| value)
}

/// A JSON value read into a template value, objects in key order ([`JsonMap`]).
struct OrderedJson(Value);

impl<'de> serde::Deserialize<'de> for OrderedJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedJsonVisitor)
    }
}

struct OrderedJsonVisitor;

impl<'de> serde::de::Visitor<'de> for OrderedJsonVisitor {
    type Value = OrderedJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_unit<E>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson(Value::from(())))
    }

    fn visit_bool<E>(self, v: bool) -> Result<OrderedJson, E> {
        Ok(OrderedJson(Value::from(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<OrderedJson, E> {
        Ok(OrderedJson(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<OrderedJson, E> {
        Ok(OrderedJson(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<OrderedJson, E> {
        Ok(OrderedJson(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<OrderedJson, E> {
        Ok(OrderedJson(Value::from(v)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<OrderedJson, A::Error> {
        let mut items = Vec::new();
        while let Some(OrderedJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(OrderedJson(Value::from(items)))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<OrderedJson, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, OrderedJson(value))) = map.next_entry::<String, OrderedJson>()? {
            entries.push((Cow::Owned(key), value));
        }
        Ok(OrderedJson(Value::from_object(JsonMap(entries))))
    }
}

/// A JSON object in the template, its keys in their order (minijinja's own maps sort them).
#[derive(Debug)]
struct JsonMap(Vec<(Cow<'static, str>, Value)>);

impl Object for JsonMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.iter().map(|(k, _)| Value::from(k.as_ref())).collect())
    }
}

fn template_error(error: Error) -> TokenizerError {
    TokenizerError::Template { reason: error.to_string() }
}

/// `tojson` as `transformers` defines it: `json.dumps(value, ensure_ascii=False,
/// indent=indent, separators=separators, sort_keys=sort_keys)`.
fn tojson(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let indent = match kwargs.get::<Option<Value>>("indent")? {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => Some(match v.as_str() {
            Some(s) => s.to_owned(),
            None => {
                let width = usize::try_from(v.clone()).map_err(|_| bad_arg("indent must be an integer or a string"))?;
                " ".repeat(width.min(64))
            }
        }),
    };
    let (item_separator, key_separator) = match kwargs.get::<Option<Vec<String>>>("separators")? {
        Some(pair) => match <[String; 2]>::try_from(pair) {
            Ok([item, key]) => (item, key),
            Err(_) => return Err(bad_arg("separators must be a pair of strings")),
        },
        None if indent.is_some() => (",".to_owned(), ": ".to_owned()),
        None => (", ".to_owned(), ": ".to_owned()),
    };
    let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let style = JsonStyle { indent, item_separator, key_separator, sort_keys };
    let mut out = String::new();
    style.write(&mut out, value, 0)?;
    Ok(Value::from_safe_string(out))
}

fn bad_arg(message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

struct JsonStyle {
    indent: Option<String>,
    item_separator: String,
    key_separator: String,
    sort_keys: bool,
}

impl JsonStyle {
    fn write(&self, out: &mut String, value: &Value, depth: usize) -> Result<(), Error> {
        if depth > 64 {
            return Err(bad_arg("tojson: value nested too deeply"));
        }
        match value.kind() {
            ValueKind::Undefined | ValueKind::None => out.push_str("null"),
            ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
            ValueKind::Number => write_number(out, value),
            ValueKind::String => push_json_string(out, value.as_str().unwrap_or_default()),
            ValueKind::Seq | ValueKind::Iterable => {
                let items: Vec<Value> = value.try_iter()?.collect();
                self.write_container(out, '[', ']', &items, depth, |out, item| self.write(out, item, depth + 1))?;
            }
            ValueKind::Map => {
                let mut entries = Vec::new();
                for key in value.try_iter()? {
                    let item = value.get_item(&key)?;
                    entries.push((key, item));
                }
                if self.sort_keys {
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                }
                self.write_container(out, '{', '}', &entries, depth, |out, (key, item)| {
                    match key.as_str() {
                        Some(key) => push_json_string(out, key),
                        None => push_json_string(out, &key.to_string()),
                    }
                    out.push_str(&self.key_separator);
                    self.write(out, item, depth + 1)
                })?;
            }
            _ => push_json_string(out, &value.to_string()),
        }
        Ok(())
    }

    fn write_container<T>(
        &self,
        out: &mut String,
        open: char,
        close: char,
        items: &[T],
        depth: usize,
        mut write_item: impl FnMut(&mut String, &T) -> Result<(), Error>,
    ) -> Result<(), Error> {
        out.push(open);
        if items.is_empty() {
            out.push(close);
            return Ok(());
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(&self.item_separator);
            }
            self.newline(out, depth + 1);
            write_item(out, item)?;
        }
        self.newline(out, depth);
        out.push(close);
        Ok(())
    }

    fn newline(&self, out: &mut String, depth: usize) {
        if let Some(indent) = &self.indent {
            out.push('\n');
            for _ in 0..depth {
                out.push_str(indent);
            }
        }
    }
}

fn push_json_string(out: &mut String, s: &str) {
    // serde_json escapes exactly what Python's json.dumps(ensure_ascii=False) escapes:
    // the quote, the backslash and the control characters below U+0020.
    out.push_str(&Json::from(s).to_string());
}

/// Numbers as Python writes them: integers in full, floats by `repr` (`1.0`, `1e+16`).
fn write_number(out: &mut String, value: &Value) {
    if value.is_integer()
        && let Ok(int) = i128::try_from(value.clone())
    {
        let _ = write!(out, "{int}");
        return;
    }
    match f64::try_from(value.clone()) {
        Ok(float) => out.push_str(&python_float_repr(float)),
        Err(_) => out.push_str(&value.to_string()),
    }
}

fn python_float_repr(float: f64) -> String {
    if float.is_nan() {
        return "NaN".to_owned();
    }
    if float.is_infinite() {
        return if float > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Shortest round-trip digits, as Python's repr, then Python's layout: positional for
    // exponents in [-4, 16), scientific with a signed two-digit exponent otherwise.
    let scientific = format!("{float:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let positional = format!("{float}");
        if positional.contains('.') { positional } else { format!("{positional}.0") }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::conversation::Role;

    fn template(source: &str) -> ChatTemplate {
        ChatTemplate::new(source, &[("bos_token", "<s>".to_owned())], Local::now()).unwrap()
    }

    fn render(source: &str, messages: &[Message], add_generation_prompt: bool) -> Result<String, TokenizerError> {
        template(source).render(&ChatTemplate::messages(messages), &ChatTemplate::tools(None), add_generation_prompt)
    }

    fn chat() -> Vec<Message> {
        vec![
            Message::new(Role::System, "Be brief."),
            Message::new(Role::User, "Hi"),
            Message::new(Role::Assistant, "Hello!"),
        ]
    }

    #[test]
    fn chatml_renders_the_documented_text() {
        assert_eq!(
            render(CHATML_TEMPLATE, &chat(), false).unwrap(),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
        );
        assert_eq!(
            render(CHATML_TEMPLATE, &chat()[..2], true).unwrap(),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn blocks_are_trimmed_like_transformers_does() {
        let source = "{{ bos_token }}\n{% for m in messages %}\n  {% if m.role == 'user' %}\n[{{ m.content.strip() | upper }}]\n  {% endif %}\n{% endfor %}\n";
        let messages = [Message::new(Role::User, "  hi  "), Message::new(Role::Assistant, "x")];
        assert_eq!(render(source, &messages, false).unwrap(), "<s>\n[HI]\n");
    }

    #[test]
    fn raise_exception_becomes_a_template_error() {
        let source =
            "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation must start with user') }}{% endif %}";
        let error = render(source, &chat(), false).unwrap_err();
        assert!(
            matches!(&error, TokenizerError::Template { reason } if reason.contains("must start with user")),
            "{error}"
        );
    }

    #[test]
    fn hostile_templates_fail_without_panicking() {
        for source in [
            "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
            "{{ 'x' * 1000000000 }}",
            "{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}",
            "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
            "{{ messages.nope.deeper }}",
            "{{ messages[0].content.no_such_method() }}",
            "{{ strftime_now('%Q') }}",
            "{{ undefined_function() }}",
        ] {
            let result = render(source, &chat(), false);
            let shown = result.map(|text| format!("{} bytes", text.len()));
            assert!(matches!(shown, Err(TokenizerError::Template { .. })), "{source}: {shown:?}");
        }
        assert!(ChatTemplate::new("{% for %}", &[], Local::now()).is_err());
    }

    #[test]
    fn strftime_now_formats_the_load_time() {
        let now = Local::now();
        let rendered = ChatTemplate::new("{{ strftime_now('%d %b %Y') }}", &[], now)
            .unwrap()
            .render(&[], &ChatTemplate::tools(None), false)
            .unwrap();
        assert_eq!(rendered, now.format("%d %b %Y").to_string());
    }

    #[test]
    fn tojson_writes_what_python_writes() {
        let source = "{{ messages[0] | tojson }}|{{ {'b': 1.0, 'a': [1, none, true, 1e16, 0.5]} | tojson(sort_keys=true) }}|{{ {'k': 'v'} | tojson(indent=2) }}|{{ '<&\u{e9}\"' | tojson }}";
        assert_eq!(
            render(source, &[Message::new(Role::User, "a\n\"b\"")], false).unwrap(),
            "{\"role\": \"user\", \"content\": \"a\\n\\\"b\\\"\"}|{\"a\": [1, null, true, 1e+16, 0.5], \"b\": 1.0}|{\n  \"k\": \"v\"\n}|\"<&\u{e9}\\\"\""
        );
    }

    #[test]
    fn reads_tokenizer_config() {
        let config = TemplateConfig::from_tokenizer_config(
            r#"{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}],
                "bos_token": {"__type": "AddedToken", "content": "<s>"}, "eos_token": "</s>", "pad_token": null}"#,
        )
        .unwrap();
        assert_eq!(config.template.as_deref(), Some("D"));
        assert_eq!(config.special_tokens, [("bos_token", "<s>".to_owned()), ("eos_token", "</s>".to_owned())]);
        assert_eq!(TemplateConfig::from_tokenizer_config("{}").unwrap(), TemplateConfig::default());
        for bad in ["[]", "nope", r#"{"chat_template": 3}"#, r#"{"chat_template": [{"name": "x", "template": "T"}]}"#] {
            assert!(TemplateConfig::from_tokenizer_config(bad).is_err(), "{bad}");
        }
    }
}
