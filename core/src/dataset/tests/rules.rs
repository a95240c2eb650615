//! Every rule code, each from a fixture that breaks it, with its line and JSON path.

use serde_json::json;

use super::*;
use crate::dataset::{RuleCode, TokenCounter};

/// A fixture that must produce `code`, first at `line` and `path`.
struct Case {
    code: RuleCode,
    input: Vec<u8>,
    options: ValidateOptions,
    counter: &'static dyn TokenCounter,
    line: Option<u64>,
    path: Option<&'static str>,
}

fn case(code: RuleCode, input: impl Into<Vec<u8>>, line: Option<u64>, path: Option<&'static str>) -> Case {
    Case { code, input: input.into(), options: options(), counter: &EstimatedTokenCounter, line, path }
}

/// A valid chat line to put before a broken one.
fn ok() -> String {
    chat_n(0).to_string()
}

/// A chat record that calls a tool and answers with its result, as OpenAI's format has it.
fn tool_calling() -> serde_json::Value {
    json!({"messages": [
        {"role": "user", "content": "What is 6 x 7?"},
        {"role": "assistant", "content": null, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "multiply", "arguments": "{\"a\": 6, \"b\": 7}"}}
        ]},
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
        {"role": "assistant", "content": "42."}
    ]})
}

/// The definition of the tool [`tool_calling`] calls.
fn multiply() -> serde_json::Value {
    json!({"type": "function", "function": {"name": "multiply", "parameters": {"type": "object"}}})
}

/// `record` with `tools`, as a line.
fn with_tools(mut record: serde_json::Value, tools: serde_json::Value) -> String {
    record["tools"] = tools;
    record.to_string()
}

/// `record` with its messages changed by `change`.
fn edit(mut record: serde_json::Value, change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    change(&mut record["messages"]);
    record
}

fn cases() -> Vec<Case> {
    use RuleCode::*;
    let pair = |turn, target: Option<&str>| v4_pair("c1", turn, &[], "hello", target);
    vec![
        case(EmptyFile, " \n\n\t\n", None, None),
        case(JsonArrayNotJsonl, format!("[\n{},\n{}\n]", chat_n(1), chat_n(2)), Some(1), None),
        case(JsonDocumentNotJsonl, serde_json::to_string_pretty(&chat_n(1)).unwrap(), Some(1), None),
        Case {
            options: ValidateOptions { max_line_bytes: 200, ..options() },
            ..case(LineTooLong, format!("{}\n{}", ok(), chat(&[("user", &"x".repeat(300))])), Some(2), None)
        },
        case(MalformedRow, "prompt,completion\nQ,A\nQ,A,extra\n", Some(3), None),
        case(InvalidUtf8, [ok().as_bytes(), b"\n{\"messages\": \"\xff\"}"].concat(), Some(2), None),
        case(InvalidJson, format!("{}\n{{\"messages\": [}}", ok()), Some(2), None),
        case(DuplicateKey, format!("{}\n{{\"split\": \"train\", \"split\": \"validation\"}}", ok()), Some(2), None),
        case(NotAnObject, format!("{}\n\n[1, 2]", ok()), Some(3), None),
        case(
            UnknownFormat,
            jsonl(&[json!({"question": "q", "answer": "a"}), json!({"question": "q2", "answer": "a2"})]),
            Some(1),
            None,
        ),
        case(FormatMismatch, format!("{}\n{}", ok(), json!({"conversation_id": "a", "turns": []})), Some(2), None),
        case(
            MissingField,
            r#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant"}]}"#,
            Some(1),
            Some("messages[1].content"),
        ),
        case(WrongType, r#"{"messages": "hello"}"#, Some(1), Some("messages")),
        case(EmptyConversation, r#"{"messages": []}"#, Some(1), Some("messages")),
        case(
            EmptyContent,
            chat(&[("user", "hi"), ("assistant", "  ")]).to_string(),
            Some(1),
            Some("messages[1].content"),
        ),
        case(UnknownRole, chat(&[("human", "hi"), ("assistant", "yo")]).to_string(), Some(1), Some("messages[0].role")),
        case(
            ToolUseUnsupported,
            json!({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}], "functions": [{"name": "multiply"}]})
                .to_string(),
            Some(1),
            Some("functions"),
        ),
        case(
            InvalidToolDefinition,
            with_tools(tool_calling(), json!([multiply(), {"type": "function"}])),
            Some(1),
            Some("tools[1]"),
        ),
        case(
            InvalidToolCall,
            with_tools(edit(tool_calling(), |m| m[1]["tool_calls"][0]["id"] = json!(7)), json!([multiply()])),
            Some(1),
            Some("messages[1].tool_calls[0]"),
        ),
        case(
            ToolArgumentsNotObject,
            with_tools(edit(tool_calling(), |m| m[1]["tool_calls"][0]["function"]["arguments"] = json!("6, 7")), json!([multiply()])),
            Some(1),
            Some("messages[1].tool_calls[0].function.arguments"),
        ),
        case(UnknownTool, jsonl(&[ok().into(), tool_calling()]), Some(2), Some("messages[1]")),
        case(
            DuplicateToolCallId,
            with_tools(
                edit(tool_calling(), |m| {
                    let call = m[1]["tool_calls"][0].clone();
                    m[1]["tool_calls"].as_array_mut().unwrap().push(call);
                }),
                json!([multiply()]),
            ),
            Some(1),
            Some("messages[1]"),
        ),
        case(
            UnknownToolCallId,
            with_tools(edit(tool_calling(), |m| m[2]["tool_call_id"] = json!("c2")), json!([multiply()])),
            Some(1),
            Some("messages[2]"),
        ),
        case(
            UnansweredToolCall,
            with_tools(edit(tool_calling(), |m| m[2] = json!({"role": "user", "content": "well?"})), json!([multiply()])),
            Some(1),
            Some("messages[2]"),
        ),
        case(
            MisplacedToolField,
            with_tools(edit(tool_calling(), |m| m[0]["tool_call_id"] = json!("c1")), json!([multiply()])),
            Some(1),
            Some("messages[0].tool_call_id"),
        ),
        Case {
            counter: super::tools::chatml(),
            ..case(ToolsUnsupportedByTemplate, with_tools(tool_calling(), json!([multiply()])), Some(1), None)
        },
        Case {
            counter: super::tools::chatml(),
            ..case(
                ReasoningUnsupportedByTemplate,
                json!({"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4", "reasoning_content": "2 and 2."}]})
                    .to_string(),
                Some(1),
                None,
            )
        },
        case(
            ContentPartsUnsupported,
            json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "q"}, {"type": "image_url"}]}, {"role": "assistant", "content": "a"}]})
                .to_string(),
            Some(1),
            Some("messages[0].content"),
        ),
        case(
            UnknownMessageKey,
            json!({"messages": [{"role": "user", "content": "q", "name": "ann"}, {"role": "assistant", "content": "a"}]})
                .to_string(),
            Some(1),
            Some("messages[0].name"),
        ),
        case(
            MisplacedSystemMessage,
            chat(&[("user", "hi"), ("system", "be nice"), ("assistant", "yo")]).to_string(),
            Some(1),
            Some("messages[1]"),
        ),
        case(NoAssistantMessage, chat(&[("system", "s"), ("user", "hi")]).to_string(), Some(1), None),
        case(
            LastMessageNotAssistant,
            chat(&[("user", "hi"), ("assistant", "yo"), ("user", "bye")]).to_string(),
            Some(1),
            Some("messages[2]"),
        ),
        case(
            AssistantFirst,
            chat(&[("system", "s"), ("assistant", "Hi, I am here."), ("user", "hi"), ("assistant", "yo")]).to_string(),
            Some(1),
            Some("messages[1]"),
        ),
        case(
            ConsecutiveSameRole,
            chat(&[("user", "hi"), ("user", "again"), ("assistant", "yo")]).to_string(),
            Some(1),
            Some("messages[1]"),
        ),
        case(
            ControlCharacters,
            chat(&[("user", "a\u{7}b"), ("assistant", "yo")]).to_string(),
            Some(1),
            Some("messages[0].content"),
        ),
        case(UserTurn, jsonl(&[pair(1, Some("hi")), pair(2, None)]), Some(2), Some("target_response")),
        case(
            HistoryMismatch,
            {
                let mut p = pair(1, Some("hi"));
                p["conversation_history"][0]["content"] = json!("something else");
                p.to_string()
            },
            Some(1),
            Some("conversation_history[0]"),
        ),
        case(InvalidTurnNumber, jsonl(&[pair(0, Some("hi"))]), Some(1), Some("turn_number")),
        case(TurnNumberGap, jsonl(&[pair(1, Some("a")), pair(3, Some("b"))]), Some(2), Some("turn_number")),
        case(
            MetaTotalPairsMismatch,
            jsonl(&[json!({"_meta": {"total_pairs": 5}}), pair(1, Some("a")), pair(2, None)]),
            Some(1),
            Some("_meta.total_pairs"),
        ),
        case(MisplacedMeta, jsonl(&[pair(1, Some("a")), json!({"_meta": {"total_pairs": 1}})]), Some(2), Some("_meta")),
        case(
            InvalidWeight,
            r#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "weight": 0.5}"#,
            Some(1),
            Some("weight"),
        ),
        case(
            UndesirableCompletion,
            jsonl(&[
                json!({"prompt": "2+2?", "completion": " 4", "label": true}),
                json!({"prompt": "2+2?", "completion": " 5", "label": false}),
            ]),
            Some(2),
            Some("label"),
        ),
        case(
            PreferencePair,
            json!({"messages": [{"role": "user", "content": "2+2?"}], "chosen": "4", "rejected": "5"}).to_string(),
            Some(1),
            Some("chosen"),
        ),
        case(
            MisplacedWeight,
            json!({"messages": [{"role": "user", "content": "q", "weight": 1}, {"role": "assistant", "content": "a"}]})
                .to_string(),
            Some(1),
            Some("messages[0].weight"),
        ),
        case(
            AllWeightsZero,
            json!({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 0}]})
                .to_string(),
            Some(1),
            None,
        ),
        case(
            InvalidSplit,
            r#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "split": "test"}"#,
            Some(1),
            Some("split"),
        ),
        case(DuplicateConversation, jsonl(&[chat_n(1), chat_n(2), chat_n(1)]), Some(3), None),
        case(
            TrainValidationOverlap,
            {
                let mut validation = chat_n(1);
                validation["split"] = json!("validation");
                jsonl(&[chat_n(1), validation])
            },
            Some(2),
            None,
        ),
        Case {
            counter: &CharCounter,
            ..case(TokenCountFailed, jsonl(&[chat(&[("user", "q"), ("assistant", "FAIL")])]), Some(1), None)
        },
        Case {
            options: ValidateOptions { max_seq_len: Some(10), ..options() },
            ..case(
                ExceedsMaxSeqLen,
                chat(&[("user", &"word ".repeat(20)), ("assistant", "a")]).to_string(),
                Some(1),
                None,
            )
        },
        case(EmptyText, jsonl(&[json!({"text": "a document"}), json!({"text": " \n"})]), Some(2), Some("text")),
        Case {
            options: ValidateOptions { max_seq_len: Some(10), ..options() },
            ..case(TextSplitIntoWindows, json!({"text": "word ".repeat(20)}).to_string(), Some(1), None)
        },
        Case {
            options: ValidateOptions { min_examples: 10, ..options() },
            ..case(TooFewExamples, jsonl(&[chat_n(1), chat_n(2)]), None, None)
        },
    ]
}

#[test]
fn every_rule_has_a_fixture_that_breaks_it_at_the_right_place() {
    let cases = cases();
    for code in RuleCode::ALL {
        assert!(cases.iter().any(|c| c.code == code), "no fixture for {code}");
    }
    for case in cases {
        let code = case.code.as_str();
        let report = validate(&case.input[..], &case.options, case.counter).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert!(report.counts.get(code).is_some_and(|n| *n >= 1), "{code} not found: {:?}", report.findings);
        let first = of_code(&report, code)[0];
        assert_eq!((first.line, first.path.as_deref()), (case.line, case.path), "{code}: {first:?}");
        assert_eq!(first.severity, case.code.severity(), "{code}");
        assert_eq!(first.suggestion.as_deref(), Some(case.code.suggestion()), "{code}");
        assert!(!first.message.is_empty(), "{code}");
        assert_eq!(report.valid, report.errors == 0, "{code}");
        if case.code.severity() == crate::model::Severity::Error {
            assert!(!report.valid, "{code} makes the file invalid");
        }
    }
}

#[test]
fn messages_say_what_is_wrong() {
    let report = check(format!("{}\n{{\"messages\": [}}", ok()));
    assert_eq!(of_code(&report, "invalid_json")[0].message, "invalid JSON: expected value (column 15)");
    let report = check(r#"{"messages": [{"role": "user", "content": 3}, {"role": "assistant", "content": "a"}]}"#);
    assert_eq!(of_code(&report, "wrong_type")[0].message, "`messages[0].content` is a number; expected a string");
    let report = check(chat(&[("bot", "hi")]).to_string());
    assert_eq!(of_code(&report, "unknown_role")[0].message, "role `bot` is not one of system, user, assistant, tool");
    let report = check(jsonl(&[chat_n(1), chat_n(1)]));
    assert_eq!(of_code(&report, "duplicate_conversation")[0].message, "the same conversation as line 1");
}

#[test]
fn every_error_is_counted_and_none_stops_the_scan() {
    let mut lines: Vec<String> = Vec::new();
    for i in 0..120 {
        lines.push(match i % 4 {
            0 => "{broken".to_owned(),
            1 => r#"{"messages": "text"}"#.to_owned(),
            2 => chat(&[("user", "q"), ("assistant", "")]).to_string(),
            _ => chat_n(i).to_string(),
        });
    }
    let report = check_with(lines.join("\n"), &ValidateOptions { max_findings_per_code: 5, ..options() });
    assert_eq!(report.counts["invalid_json"], 30);
    assert_eq!(report.counts["wrong_type"], 30);
    assert_eq!(report.counts["empty_content"], 30);
    assert_eq!(of_code(&report, "invalid_json").len(), 5, "the list keeps the first 5 of each code");
    let lines_kept: Vec<_> = of_code(&report, "invalid_json").iter().map(|f| f.line.unwrap()).collect();
    assert_eq!(lines_kept, [1, 5, 9, 13, 17]);
    assert!(report.findings_truncated);
    assert_eq!(report.errors, 90);
    assert_eq!(report.stats.records, 120);
    assert_eq!(report.stats.conversations, 60, "the empty-content records are still conversations");
}

#[test]
fn hostile_input_never_panics() {
    let deep = format!("{{\"messages\": {}1{}}}", "[".repeat(50_000), "]".repeat(50_000));
    let inputs: Vec<Vec<u8>> = vec![
        format!("{}\n{deep}", ok()).into_bytes(),
        format!("{}\n{}", ok(), r#"{"messages": [{"role": "user", "content": NaN}]}"#).into_bytes(),
        format!("{}\n{}", ok(), r#"{"messages": [{"role": "user", "content": "\ud800"}]}"#).into_bytes(),
        format!("{}\n{}", ok(), r#"{"messages": [{"role": "user", "role": "assistant", "content": "x"}]}"#)
            .into_bytes(),
        format!("{}\n{}", ok(), r#"{"messages": [{"role": "user", "content": "a"}], "weight": 1e999}"#).into_bytes(),
        [ok().as_bytes(), b"\n\x00\x01\x02\xff\xfe", b"\n{\"messages\": [{\"role\": \"\xc3\"}]}"].concat(),
        format!("{}\n{}", ok(), "{\"messages\": [".repeat(1000)).into_bytes(),
    ];
    for input in inputs {
        let report = check(&input);
        assert!(!report.valid, "{}", String::from_utf8_lossy(&input[..80.min(input.len())]));
        assert!(report.errors >= 1);
    }
}
