//! Chat with tools, as OpenAI's fine-tuning format writes it: the findings of a fixture of
//! good and bad records, the canonical form (arguments as JSON objects), the round trip
//! through `convert`, and exact token counts under a tool-aware chat template in the style of
//! Qwen2.5 and Hermes; a template that cannot render tools is a finding naming it.

use std::sync::OnceLock;

use serde_json::json;

use super::*;
use crate::dataset::test_support::train_byte_level;
use crate::dataset::tokenizer::{CHATML_TEMPLATE, HfTokenCounter};
use crate::dataset::{ConvertOptions, TRAIN_FILE, Tool, VALIDATION_FILE, convert};

const CHAT_TOOLS: &str = include_str!("fixtures/chat_tools.jsonl");

/// A chat template that renders tools, Qwen2.5's (the Hermes `<tool_call>` style).
pub(super) const TOOLS_TEMPLATE: &str = include_str!("fixtures/tools_template.jinja");

/// A small trained vocabulary with `template`.
pub(super) fn counter_with(name: &str, template: &str) -> HfTokenCounter {
    static VOCABULARY: OnceLock<String> = OnceLock::new();
    let tokenizer = VOCABULARY.get_or_init(|| train_byte_level(700, 300).unwrap());
    let config = json!({"chat_template": template, "eos_token": "<|im_end|>"});
    HfTokenCounter::from_json(name, tokenizer, Some(&config.to_string()), None).unwrap()
}

/// An exact counter whose template renders tools.
fn qwen() -> &'static HfTokenCounter {
    static COUNTER: OnceLock<HfTokenCounter> = OnceLock::new();
    COUNTER.get_or_init(|| counter_with("qwen2.5-style", TOOLS_TEMPLATE))
}

/// An exact counter with BrightRun's default ChatML template, which prints only content.
pub(super) fn chatml() -> &'static HfTokenCounter {
    static COUNTER: OnceLock<HfTokenCounter> = OnceLock::new();
    COUNTER.get_or_init(|| counter_with("chatml", CHATML_TEMPLATE))
}

#[test]
fn every_tool_rule_is_found_where_it_breaks() {
    let report = check_with(CHAT_TOOLS, &ValidateOptions { min_examples: 0, ..options() });
    assert_eq!(
        findings(&report),
        [
            (4, "messages[1].tool_calls[0].function.arguments", "tool_arguments_not_object"),
            (5, "messages[1]", "unknown_tool"),
            (6, "messages[2]", "unknown_tool_call_id"),
            (6, "messages[3]", "unanswered_tool_call"),
            (7, "messages[2]", "unanswered_tool_call"),
            (8, "messages[1]", "duplicate_tool_call_id"),
            (9, "tools[0]", "invalid_tool_definition"),
            (10, "messages[0].tool_calls", "misplaced_tool_field"),
            (11, "functions", "invalid_tool_definition"),
        ]
    );
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "the arguments of `get_weather` are the string \"Paris\", which is not a JSON object",
            "the call of `book_table` names no tool of the record's `tools` (`get_weather`)",
            "the tool result answers `x`, which no earlier assistant message calls",
            "the assistant message comes before the result of `c`",
            "the user message comes before the result of `c`",
            "the call id `c` is used twice in the conversation",
            "`tools[0]` has no `function.name`",
            "`tool_calls` on a user message: only assistant messages call tools",
            "the record has both `tools` and `functions` (OpenAI's legacy form of them): keep `tools`",
        ]
    );
    assert!(report.findings.iter().all(|f| f.suggestion.is_some()));
    // Every assistant message is a training pair, its tool calls or its text: 2 a record but
    // on lines 3 (in the validation split), 9, 10 and 11. Tool results are counted apart.
    assert_eq!((report.stats.training_pairs, report.stats.validation_pairs), (17, 1));
    assert_eq!(report.stats.roles.tool, 1 + 2 + 1 + 1 + 1 + 1);
}

#[test]
fn the_canonical_form_keeps_tools_and_writes_arguments_as_objects() {
    let report = check(CHAT_TOOLS.lines().next().unwrap());
    assert!(report.valid, "{:?}", report.findings);
    let conversation = &report.sample_data[0];
    let tools = conversation.tools.as_deref().unwrap();
    assert_eq!(tools[0].function.name, "get_weather");
    let call = &conversation.messages[2].tool_calls.as_ref().unwrap()[0];
    assert_eq!((call.id.as_str(), call.function.arguments.as_str()), ("call_1", r#"{"city":"Paris","unit":"c"}"#));
    assert_eq!((conversation.messages[2].role, conversation.messages[2].content.as_str()), (Role::Assistant, ""));
    assert_eq!(
        conversation.messages[3],
        Message::tool_result("call_1", "get_weather", r#"{"temp": 21, "sky": "clear"}"#)
    );

    let dir = tempfile::tempdir().unwrap();
    convert(CHAT_TOOLS.as_bytes(), dir.path(), &ConvertOptions::default()).unwrap();
    let train = std::fs::read_to_string(dir.path().join(TRAIN_FILE)).unwrap();
    let first: Value = serde_json::from_str(train.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["messages"][2],
        json!({"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}
        ]})
    );
    assert_eq!(
        first["messages"][3],
        json!({"role": "tool", "content": "{\"temp\": 21, \"sky\": \"clear\"}", "tool_call_id": "call_1", "name": "get_weather"})
    );
    assert_eq!(first["tools"][0]["function"]["parameters"]["required"], json!(["city"]));
    let second: Value = serde_json::from_str(train.lines().nth(1).unwrap()).unwrap();
    assert_eq!(second["messages"][1]["tool_calls"][1]["function"]["arguments"], json!({"city": "Rome"}), "objects too");
    assert_eq!(train.lines().count(), 3, "lines 1, 2 and 7");
    let validation = std::fs::read_to_string(dir.path().join(VALIDATION_FILE)).unwrap();
    assert_eq!(validation.lines().count(), 1);
    // Files without tools convert as before: no `tools`, no tool keys.
    let plain = jsonl(&[chat_n(1)]);
    convert(plain.as_bytes(), dir.path(), &ConvertOptions::default()).unwrap();
    let line = std::fs::read_to_string(dir.path().join(TRAIN_FILE)).unwrap();
    assert!(!line.contains("tool"), "{line}");
}

/// `count_with_tools` by its definition: each rendered text encoded whole.
pub(super) fn by_definition(counter: &HfTokenCounter, messages: &[Message], tools: Option<&[Tool]>) -> TokenCount {
    let tokens = |text: String| counter.count_text(&text).unwrap();
    let total = tokens(counter.render_with_tools(messages, tools, false).unwrap());
    let trainable = (0..messages.len())
        .filter(|&i| messages[i].is_trained())
        .map(|i| {
            tokens(counter.render_with_tools(&messages[..=i], tools, false).unwrap())
                - tokens(counter.render_with_tools(&messages[..i], tools, true).unwrap())
        })
        .sum();
    TokenCount { total, trainable }
}

#[test]
fn a_template_with_tools_counts_them_exactly_and_trains_on_the_calls() {
    let options = ValidateOptions { min_examples: 0, ..options() };
    let good = [0, 1, 2, 6].map(|i| CHAT_TOOLS.lines().nth(i).unwrap());
    let mut sum = TokenCount::default();
    for line in good {
        let report = validate(line.as_bytes(), &options, qwen()).unwrap();
        assert_eq!(report.counts.get("token_count_failed"), None, "{:?}", report.findings);
        assert_eq!(report.counts.get("tools_unsupported_by_template"), None, "{:?}", report.findings);
        let conversation = &report.sample_data[0];
        let expected = by_definition(qwen(), &conversation.messages, conversation.tools.as_deref());
        assert_eq!(
            (report.stats.total_tokens, report.stats.trainable_tokens),
            (Some(expected.total), Some(expected.trainable))
        );
        sum.total += expected.total;
        sum.trainable += expected.trainable;
    }
    // What is trained on in the first line: the call, as the template writes it, and the answer.
    let report = check(good[0]);
    let conversation = &report.sample_data[0];
    let tools = conversation.tools.as_deref();
    let (messages, render) =
        (&conversation.messages, |m: &[Message], g| qwen().render_with_tools(m, tools, g).unwrap());
    let before = render(&messages[..2], true);
    let through = render(&messages[..3], false);
    assert_eq!(
        &through[before.len()..],
        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call><|im_end|>\n"
    );
    assert!(before.contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\""), "{before}");
    let result = render(&messages[..4], false);
    assert!(result.ends_with(
        "<|im_start|>user\n<tool_response>\n{\"temp\": 21, \"sky\": \"clear\"}\n</tool_response><|im_end|>\n"
    ));

    // The good lines: the same sums, and the canonical chat `convert` writes counts the same.
    let report = validate(good.join("\n").as_bytes(), &options, qwen()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    convert(CHAT_TOOLS.as_bytes(), dir.path(), &ConvertOptions::default()).unwrap();
    let mut canonical = std::fs::read(dir.path().join(TRAIN_FILE)).unwrap();
    canonical.extend(std::fs::read(dir.path().join(VALIDATION_FILE)).unwrap());
    let again = validate(&canonical[..], &options, qwen()).unwrap();
    assert!(again.counts.keys().all(|code| code == "unanswered_tool_call"), "{:?}", again.findings);
    for stats in [&report.stats, &again.stats] {
        assert_eq!((stats.total_tokens, stats.trainable_tokens), (Some(sum.total), Some(sum.trainable)));
        // (The canonical files say the split by their name, not in each line.)
        assert_eq!(stats.training_pairs + stats.validation_pairs, 7);
    }
    let dir2 = tempfile::tempdir().unwrap();
    convert(&canonical[..], dir2.path(), &ConvertOptions::default()).unwrap();
    let mut twice = std::fs::read(dir2.path().join(TRAIN_FILE)).unwrap();
    twice.extend(std::fs::read(dir2.path().join(VALIDATION_FILE)).unwrap());
    assert_eq!(
        String::from_utf8(twice).unwrap(),
        String::from_utf8(canonical).unwrap(),
        "the canonical chat is a fixed point"
    );
}

#[test]
fn a_template_that_cannot_render_tools_is_a_finding_naming_the_model() {
    let options = ValidateOptions { min_examples: 0, ..options() };
    let first = CHAT_TOOLS.lines().next().unwrap();
    let ignoring =
        counter_with("org/plain-model", "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}");
    let refusing = counter_with(
        "org/strict-model",
        "{% for m in messages %}{% if m.role not in ['system', 'user', 'assistant'] %}\
         {{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{{ m.content }}{% endfor %}",
    );
    let calls_only = json!({"messages": [
        {"role": "user", "content": "Time?"},
        {"role": "assistant", "tool_calls": [{"id": "t", "type": "function", "function": {"name": "now", "arguments": "{}"}}]}
    ], "tools": [{"type": "function", "function": {"name": "now"}}]})
    .to_string();
    let prints_tools_only = counter_with(
        "org/half-model",
        "{{ tools | tojson }}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}",
    );
    for (counter, input, why) in [
        (chatml(), first, "its chat template is BrightRun's default ChatML, which prints only each message's content"),
        (&ignoring, first, "its chat template never prints the `tools` definitions"),
        (
            &refusing,
            first,
            "its chat template refuses them: invalid operation: Only user and assistant roles are supported!",
        ),
        (&prints_tools_only, &calls_only[..], "its chat template never prints an assistant's `tool_calls`"),
    ] {
        let report = validate(input.as_bytes(), &options, counter).unwrap();
        assert!(!report.valid);
        let found = of_code(&report, "tools_unsupported_by_template");
        assert_eq!(found.len(), 1, "{:?}", report.findings);
        let name = counter.name();
        assert!(
            found[0].message.starts_with(&format!("{name} cannot train on this conversation's tool calls: {why}")),
            "{}",
            found[0].message
        );
        assert!(found[0].suggestion.as_deref().unwrap().contains("Qwen2.5"));
        assert_eq!(report.stats.total_tokens, Some(0), "not counted");
    }
    // Conversations without tools are counted as before by the same counters.
    let report = validate(jsonl(&[chat_n(1)]).as_bytes(), &options, chatml()).unwrap();
    assert!(report.valid, "{:?}", report.findings);
}

/// Asserts that `record`, of `format`, is valid and reads as the chat record `chat`: the same
/// training pairs (`pairs`), the same exact tokens under a tool-aware template, and the same
/// canonical line from `convert`.
pub(super) fn reads_as_chat(record: &Value, format: crate::model::DatasetFormat, chat: &Value, pairs: u64) {
    let options = ValidateOptions { min_examples: 0, ..options() };
    let line = |record: &Value| jsonl(std::slice::from_ref(record));
    let (from_record, from_chat) = (
        validate(line(record).as_bytes(), &options, qwen()).unwrap(),
        validate(line(chat).as_bytes(), &options, qwen()).unwrap(),
    );
    assert!(from_record.valid && from_chat.valid, "{:?} {:?}", from_record.findings, from_chat.findings);
    assert_eq!(from_record.format, Some(format));
    let (r, c) = (&from_record.stats, &from_chat.stats);
    assert_eq!(
        (r.training_pairs, r.total_tokens, r.trainable_tokens),
        (c.training_pairs, c.total_tokens, c.trainable_tokens)
    );
    assert_eq!(r.training_pairs, pairs);
    assert!(r.trainable_tokens > Some(0));

    let converted = |record: &Value| {
        let dir = tempfile::tempdir().unwrap();
        convert(line(record).as_bytes(), dir.path(), &ConvertOptions::default()).unwrap();
        std::fs::read_to_string(dir.path().join(TRAIN_FILE)).unwrap()
    };
    assert_eq!(converted(record), converted(chat), "the same canonical line");
}

/// The weather tool, as chat defines it.
pub(super) fn weather_tool() -> Value {
    json!([{"type": "function", "function": {"name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])
}

#[test]
fn a_prompt_completion_record_of_messages_with_tools_is_the_chat_of_its_messages() {
    let call = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
    ]});
    let result = json!({"role": "tool", "tool_call_id": "c1", "content": "18 C"});
    let (system, question) =
        (json!({"role": "system", "content": "Be brief."}), json!({"role": "user", "content": "Weather in Paris?"}));
    let answer = json!({"role": "assistant", "content": "It is 18 C."});
    let record = json!({"prompt": [system, question], "completion": [call, result, answer], "tools": weather_tool()});
    let chat = json!({"messages": [system, question, call, result, answer], "tools": weather_tool()});
    // The call and the answer.
    reads_as_chat(&record, crate::model::DatasetFormat::PromptCompletion, &chat, 2);
}

#[test]
fn sharegpt_tool_turns_are_the_chat_of_their_calls() {
    // LLaMA-Factory's form: the calls as JSON text in a `function_call` turn, the result in an
    // `observation` turn, and `tools` as the JSON text of bare function definitions.
    let bare = weather_tool()[0]["function"].clone();
    let record = json!({
        "system": "Be brief.",
        "conversations": [
            {"from": "human", "value": "Weather in Paris?"},
            {"from": "function_call", "value": "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"},
            {"from": "observation", "value": "18 C"},
            {"from": "gpt", "value": "It is 18 C."},
            {"from": "human", "value": "And Rome and Oslo?"},
            {"from": "function_call", "value": "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}, \
                {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Oslo\\\"}\"}]"},
            {"from": "tool", "value": "20 C"},
            {"from": "tool", "value": "9 C"},
            {"from": "gpt", "value": "20 C and 9 C."}
        ],
        "tools": json!([bare]).to_string()
    });
    // Two calls and two answers.
    reads_as_chat(&record, crate::model::DatasetFormat::Sharegpt, &weather_chat(), 4);
}

/// The chat of the weather conversations of these tests: a call, its result and the
/// answer; then two calls at once, their results and the answer. The calls have the ids
/// BrightRun gives calls written without one.
fn weather_chat() -> Value {
    let call = |id: &str, city: &str| json!({"id": id, "type": "function", "function": {"name": "get_weather", "arguments": {"city": city}}});
    json!({"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [call("call00001", "Paris")]},
        {"role": "tool", "tool_call_id": "call00001", "content": "18 C"},
        {"role": "assistant", "content": "It is 18 C."},
        {"role": "user", "content": "And Rome and Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [call("call00002", "Rome"), call("call00003", "Oslo")]},
        {"role": "tool", "tool_call_id": "call00002", "content": "20 C"},
        {"role": "tool", "tool_call_id": "call00003", "content": "9 C"},
        {"role": "assistant", "content": "20 C and 9 C."}
    ], "tools": weather_tool()})
}

#[test]
fn calls_without_ids_are_answered_by_the_results_that_follow_them_in_order() {
    // As `transformers` and TRL write tool calls: no call ids, and each result after its call,
    // naming the function (or not).
    let mut record = weather_chat();
    for message in record["messages"].as_array_mut().unwrap() {
        let object = message.as_object_mut().unwrap();
        for call in object.get_mut("tool_calls").and_then(Value::as_array_mut).into_iter().flatten() {
            call.as_object_mut().unwrap().remove("id");
        }
        if object.remove("tool_call_id").is_some() && object["content"] != "9 C" {
            object.insert("name".to_owned(), json!("get_weather"));
        }
    }
    reads_as_chat(&record, crate::model::DatasetFormat::Chat, &weather_chat(), 4);
    let report = check(jsonl(&[record]));
    assert!(report.findings.is_empty(), "a result's `name` is read: {:?}", report.findings);
}

#[test]
fn openai_legacy_function_calling_is_the_chat_of_tool_calls() {
    // `functions`, an assistant's `function_call` and a `function` message with the result,
    // as OpenAI's fine-tuning guide wrote function calling before `tools`.
    let definition = weather_tool()[0]["function"].clone();
    let record = json!({"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": null, "function_call": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
        {"role": "function", "name": "get_weather", "content": "18 C"},
        {"role": "assistant", "content": "It is 18 C."}
    ], "functions": [definition]});
    let mut chat = weather_chat();
    let messages = chat["messages"].as_array_mut().unwrap();
    messages.truncate(5);
    reads_as_chat(&record, crate::model::DatasetFormat::Chat, &chat, 2);

    let call =
        |name: Value| json!({"role": "assistant", "content": null, "function_call": {"name": name, "arguments": "{}"}});
    let records = [
        // 1: a call on a user message; 2: a call without a name.
        json!({"messages": [{"role": "user", "content": "Hi", "function_call": {"name": "get_weather", "arguments": "{}"}},
            {"role": "assistant", "content": "Hello"}], "functions": [definition]}),
        json!({"messages": [{"role": "user", "content": "Hey"}, call(json!(7)), {"role": "assistant", "content": "Hello"}],
            "functions": [definition]}),
        // 3: `tool_calls` and `function_call` on one message; 4: the result of another function.
        json!({"messages": [{"role": "user", "content": "Hello?"}, {"role": "assistant", "content": null,
            "tool_calls": [{"id": "a", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}],
            "function_call": {"name": "get_weather", "arguments": "{}"}}, {"role": "assistant", "content": "Hello"}],
            "functions": [definition]}),
        json!({"messages": [{"role": "user", "content": "Hi"}, call(json!("get_weather")),
            {"role": "function", "name": "get_time", "content": "12:00"}, {"role": "assistant", "content": "Noon"}],
            "functions": [definition]}),
    ];
    let report = check_with(jsonl(&records), &ValidateOptions { min_examples: 0, ..options() });
    assert_eq!(
        findings(&report),
        [
            (1, "messages[0].function_call", "misplaced_tool_field"),
            (2, "messages[1].function_call", "invalid_tool_call"),
            (3, "messages[1].function_call", "invalid_tool_call"),
            (4, "messages[2]", "unknown_tool_call_id"),
        ]
    );
}

#[test]
fn an_id_generated_for_a_call_is_never_one_the_conversation_names() {
    // The first call has no id; a later one is given `call00001`, the id the first would get.
    let mut record = weather_chat();
    let messages = record["messages"].as_array_mut().unwrap();
    messages[2]["tool_calls"][0].as_object_mut().unwrap().remove("id");
    messages[3].as_object_mut().unwrap().remove("tool_call_id");
    messages[6]["tool_calls"][0]["id"] = json!("call00001");
    messages[7]["tool_call_id"] = json!("call00001");
    let report = check(jsonl(&[record.clone()]));
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
    let (train, _) = super::shapes::converted(jsonl(&[record]));
    let first = train[0][2].tool_calls.as_deref().unwrap()[0].id.clone();
    assert_eq!((first.as_str(), train[0][3].tool_call_id.as_deref()), ("call00002", Some("call00002")));
    let second = &train[0][6].tool_calls.as_deref().unwrap()[0].id;
    assert_eq!((second.as_str(), train[0][7].tool_call_id.as_deref()), ("call00001", Some("call00001")));
}

#[test]
fn a_result_of_another_function_or_of_no_call_is_reported() {
    let call = |name: &str| json!({"type": "function", "function": {"name": name, "arguments": {}}});
    let tools = json!([{"type": "function", "function": {"name": "get_weather"}}, {"type": "function", "function": {"name": "get_time"}}]);
    let records = [
        // The results of two calls in the wrong order.
        json!({"messages": [
            {"role": "user", "content": "Weather and time?"},
            {"role": "assistant", "tool_calls": [call("get_weather"), call("get_time")]},
            {"role": "tool", "name": "get_time", "content": "noon"},
            {"role": "tool", "name": "get_weather", "content": "sunny"},
            {"role": "assistant", "content": "Sunny at noon."}
        ], "tools": tools}),
        // A second result of one call.
        json!({"messages": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "tool_calls": [call("get_weather")]},
            {"role": "tool", "content": "sunny"},
            {"role": "tool", "content": "rainy"},
            {"role": "assistant", "content": "Sunny."}
        ], "tools": tools}),
    ];
    let report = check(jsonl(&records));
    let found: Vec<(u64, &str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.line.unwrap_or(0), f.path.as_deref().unwrap_or(""), f.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                1,
                "messages[2]",
                "the result of `get_time` answers the call `call00001` of `get_weather`: put each result after its \
                 call, in the order of the calls"
            ),
            (
                1,
                "messages[3]",
                "the result of `get_weather` answers the call `call00002` of `get_time`: put each result after its \
                 call, in the order of the calls"
            ),
            (
                2,
                "messages[3]",
                "the tool result names no call, and every call before it has its result already (the results of a \
                 message's calls follow it, one a call, in the order of the calls)"
            ),
        ]
    );
    assert!(report.findings.iter().all(|f| f.code == "unknown_tool_call_id"));
}

#[test]
fn a_result_carries_the_name_of_the_function_it_answers_for_the_templates_that_print_it() {
    // Functionary v2.2's template writes `'<|from|>' + message['name']` for a tool result.
    let functionary = counter_with(
        "functionary-style",
        concat!(
            "{% for t in tools or [] %}<|tool|>{{ t.function.name }}\\n{% endfor %}",
            "{% for m in messages %}{% if m.role == 'tool' %}{{ '<|from|>' + m['name'] + '\\n' + m.content }}",
            "{% elif m.tool_calls %}{% for c in m.tool_calls %}<|recipient|>{{ c.function.name }}{% endfor %}",
            "{% else %}{{ '<|from|>' + m.role + '\\n' + m.content }}{% endif %}\\n{% endfor %}",
            "{% if add_generation_prompt %}<|from|>assistant\\n{% endif %}"
        ),
    );
    let options = ValidateOptions { min_examples: 0, ..options() };
    let mut without_ids = weather_chat();
    for message in without_ids["messages"].as_array_mut().unwrap() {
        let object = message.as_object_mut().unwrap();
        object.remove("tool_call_id");
        for call in object.get_mut("tool_calls").and_then(Value::as_array_mut).into_iter().flatten() {
            call.as_object_mut().unwrap().remove("id");
        }
    }
    for record in [weather_chat(), without_ids] {
        let report = validate(jsonl(std::slice::from_ref(&record)).as_bytes(), &options, &functionary).unwrap();
        assert!(report.valid && report.findings.is_empty(), "{record}: {:?}", report.findings);
        let (train, _) = super::shapes::converted(jsonl(&[record]));
        let results: Vec<_> = train[0].iter().filter(|m| m.role == Role::Tool).map(|m| m.name.as_deref()).collect();
        assert!(!results.is_empty() && results.iter().all(|name| *name == Some("get_weather")), "{results:?}");
        let text = functionary.render_with_tools(&train[0], None, false).unwrap();
        assert!(text.contains("<|from|>get_weather\n"), "{text}");
    }
}

#[test]
fn the_name_of_a_result_of_a_call_written_in_text_is_part_of_what_is_counted() {
    let named = counter_with(
        "names-results",
        "{% for m in messages %}<{{ m.role }}{% if m.name %} {{ m.name }}{% endif %}>{{ m.content }}{% endfor %}\
         {% if add_generation_prompt %}<assistant>{% endif %}",
    );
    let conversation = |name: &str| {
        vec![
            Message::new(Role::User, "Weather in Paris?"),
            Message::new(Role::Assistant, "<tool_call>get_weather</tool_call>"),
            Message { name: Some(name.to_owned()), ..Message::new(Role::Tool, "18 C") },
            Message::new(Role::Assistant, "It is 18 C."),
        ]
    };
    let short = named.count(&conversation("w")).unwrap();
    let long = named.count(&conversation("get_the_weather_of_a_city")).unwrap();
    assert_eq!(short, by_definition(&named, &conversation("w"), None));
    assert_eq!(
        long,
        by_definition(&named, &conversation("get_the_weather_of_a_city"), None),
        "never a count remembered for another name"
    );
}

#[test]
fn the_results_of_calls_written_in_text_are_context_under_any_template() {
    // Hermes' function-calling data: the tools in the system prompt, each call in the
    // assistant's text, each result a `tool` turn.
    let system = "You are a function calling AI model. <tools> {\"name\": \"get_weather\"} </tools>";
    let call = "<tool_call>\n{'arguments': {'city': 'Paris'}, 'name': 'get_weather'}\n</tool_call>";
    let result = "<tool_response>\n{\"name\": \"get_weather\", \"content\": \"18 C\"}\n</tool_response>";
    let record = json!({"conversations": [
        {"from": "system", "value": system},
        {"from": "human", "value": "Weather in Paris?"},
        {"from": "gpt", "value": call},
        {"from": "tool", "value": result},
        {"from": "gpt", "value": "It is 18 C."}
    ]});
    let chat = json!({"messages": [
        {"role": "system", "content": system},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": call},
        {"role": "tool", "content": result},
        {"role": "assistant", "content": "It is 18 C."}
    ]});
    reads_as_chat(&record, crate::model::DatasetFormat::Sharegpt, &chat, 2);
    let (train, _) = super::shapes::converted(jsonl(std::slice::from_ref(&chat)));
    assert_eq!(train[0][3], Message::new(Role::Tool, result), "a result that answers no call by its id");

    // No tools and no structured calls: counted as any conversation, by the template's
    // definition, and ChatML (which prints roles and content only) renders it too.
    let messages = &train[0];
    assert_eq!(qwen().count_with_tools(messages, None).unwrap(), by_definition(qwen(), messages, None));
    let options = ValidateOptions { min_examples: 0, ..options() };
    let report = validate(jsonl(&[chat]).as_bytes(), &options, chatml()).unwrap();
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);

    // A result with no call before it, in a conversation that makes calls, answers nothing.
    let mixed = json!({"messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {}}}]},
        {"role": "tool", "content": "18 C"},
        {"role": "assistant", "content": call},
        {"role": "tool", "content": result},
        {"role": "assistant", "content": "It is 18 C."}
    ], "tools": weather_tool()});
    let report = check(jsonl(&[mixed]));
    assert_eq!(findings(&report), [(1, "messages[4]", "unknown_tool_call_id")]);
}
