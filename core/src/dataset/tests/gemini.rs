//! Gemini records, as Vertex AI tunes Gemini models: recognised by their turns' `parts`,
//! read into the same canonical chat as their chat equivalent (the same tokens, the same
//! converted line), tool calls and thinking included, and every part BrightRun cannot read
//! reported where it is.

use serde_json::json;

use super::tools::{reads_as_chat, weather_tool};
use super::*;
use crate::model::DatasetFormat;

/// A Gemini turn of text parts.
fn turn(role: &str, texts: &[&str]) -> Value {
    json!({"role": role, "parts": texts.iter().map(|text| json!({"text": text})).collect::<Vec<_>>()})
}

#[test]
fn a_gemini_record_is_the_chat_of_its_turns() {
    let record = json!({
        "systemInstruction": {"role": "system", "parts": [{"text": "Be brief."}]},
        "contents": [turn("user", &["Hi", "Who are you?"]), turn("model", &["An assistant."]),
            turn("user", &["Thanks"]), turn("model", &["You are welcome."])]
    });
    let chat = chat(&[
        ("system", "Be brief."),
        ("user", "Hi\nWho are you?"),
        ("assistant", "An assistant."),
        ("user", "Thanks"),
        ("assistant", "You are welcome."),
    ]);
    reads_as_chat(&record, DatasetFormat::Gemini, &chat, 2);
    // The same in snake_case, as the Python SDK writes it, and without a system instruction.
    let snake = json!({"system_instruction": {"parts": [{"text": "Be brief."}]}, "contents": record["contents"]});
    reads_as_chat(&snake, DatasetFormat::Gemini, &chat, 2);
    let bare = json!({"contents": [turn("user", &["Hi"]), turn("model", &["Hello"])]});
    reads_as_chat(&bare, DatasetFormat::Gemini, &super::chat(&[("user", "Hi"), ("assistant", "Hello")]), 1);
}

#[test]
fn function_calls_and_responses_are_the_chat_of_tool_calls_and_results() {
    let declaration = weather_tool()[0]["function"].clone();
    let call = |city: &str| json!({"functionCall": {"name": "get_weather", "args": {"city": city}}});
    let response = |temp: &str| json!({"functionResponse": {"name": "get_weather", "response": {"temp": temp}}});
    let record = json!({
        "contents": [
            turn("user", &["Weather in Paris and Rome?"]),
            {"role": "model", "parts": [call("Paris"), call("Rome")]},
            {"role": "user", "parts": [response("18 C"), response("20 C")]},
            turn("model", &["18 C and 20 C."])
        ],
        "tools": [{"functionDeclarations": [declaration]}]
    });
    let chat_call = |id: &str, city: &str| json!({"id": id, "type": "function", "function": {"name": "get_weather", "arguments": {"city": city}}});
    let chat = json!({"messages": [
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {"role": "assistant", "content": "", "tool_calls": [chat_call("call00001", "Paris"), chat_call("call00002", "Rome")]},
        {"role": "tool", "tool_call_id": "call00001", "content": "{\"temp\":\"18 C\"}"},
        {"role": "tool", "tool_call_id": "call00002", "content": "{\"temp\":\"20 C\"}"},
        {"role": "assistant", "content": "18 C and 20 C."}
    ], "tools": weather_tool()});
    reads_as_chat(&record, DatasetFormat::Gemini, &chat, 2);
    // Results of the `function` role, as older data writes them, with the calls' own ids.
    let mut older = record.clone();
    older["contents"][1]["parts"][0]["functionCall"]["id"] = json!("call00001");
    older["contents"][2]["role"] = json!("function");
    older["contents"][2]["parts"][0]["functionResponse"]["id"] = json!("call00001");
    reads_as_chat(&older, DatasetFormat::Gemini, &chat, 2);
}

#[test]
fn a_thought_part_of_the_model_is_its_reasoning() {
    let record = json!({"contents": [turn("user", &["2+2?"]),
        {"role": "model", "parts": [{"text": "Two and two.", "thought": true}, {"text": "4"}]}]});
    let report = validate(jsonl(&[record]).as_bytes(), &options(), &EstimatedTokenCounter).unwrap();
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
    let answer = &report.sample_data[0].messages[1];
    assert_eq!((answer.content.as_str(), answer.reasoning_content.as_deref()), ("4", Some("Two and two.")));
}

#[test]
fn every_part_and_key_that_cannot_be_read_is_reported_where_it_is() {
    let good = |model: Value| json!({"contents": [turn("user", &["Hi"]), model]});
    let records = [
        // 1: a file part: text only.
        json!({"contents": [{"role": "user", "parts": [{"text": "What is this?"},
            {"fileData": {"mimeType": "image/png", "fileUri": "gs://b/cat.png"}}]}, turn("model", &["A cat."])]}),
        // 2: a part of two kinds.
        good(json!({"role": "model", "parts": [{"text": "a", "functionCall": {"name": "f", "args": {}}}]})),
        // 3: a role Gemini does not have, and one missing.
        json!({"contents": [turn("user", &["Hey"]), turn("assistant", &["Hello"]), {"parts": [{"text": "x"}]}]}),
        // 4: a call on a user turn.
        json!({"contents": [{"role": "user", "parts": [{"functionCall": {"name": "f", "args": {}}}]},
            turn("model", &["Hello"])]}),
        // 5: arguments that are not an object, and a response without its response.
        json!({"contents": [turn("user", &["Hi"]),
            {"role": "model", "parts": [{"functionCall": {"name": "f", "args": "city=Paris"}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "f"}}]}, turn("model", &["Done."])],
            "tools": [{"functionDeclarations": [{"name": "f"}]}]}),
        // 6: empty parts, and empty contents.
        json!({"contents": [turn("user", &["Hello there"]), {"role": "model", "parts": []}]}),
        json!({"contents": []}),
        // 8: a tool that is no function, and a function without its name.
        json!({"contents": [turn("user", &["Hi"]), turn("model", &["Hello"])],
            "tools": [{"googleSearch": {}}, {"functionDeclarations": [{"description": "Does things."}]}]}),
    ];
    let report = validate(jsonl(&records).as_bytes(), &options(), &EstimatedTokenCounter).unwrap();
    assert_eq!(report.format, Some(DatasetFormat::Gemini));
    assert_eq!(
        findings(&report),
        [
            (1, "contents[0].parts[1]", "content_parts_unsupported"),
            (2, "contents[1].parts[0]", "content_parts_unsupported"),
            (2, "", "no_assistant_message"),
            (3, "contents[1].role", "unknown_role"),
            (3, "contents[2].role", "missing_field"),
            (3, "", "no_assistant_message"),
            (4, "contents[0].parts[0]", "misplaced_tool_field"),
            (5, "contents[1].parts[0].functionCall.args", "tool_arguments_not_object"),
            (5, "contents[2].parts[0].functionResponse.response", "missing_field"),
            (6, "contents[1].parts", "empty_content"),
            (6, "", "no_assistant_message"),
            (7, "contents", "empty_conversation"),
            (8, "tools[0].googleSearch", "tool_use_unsupported"),
            (8, "tools[1].functionDeclarations[0]", "invalid_tool_definition"),
        ]
    );
    let message = |code: &str| report.findings.iter().find(|f| f.code == code).unwrap().message.clone();
    assert!(
        message("content_parts_unsupported").contains("`fileData`: text only"),
        "{}",
        message("content_parts_unsupported")
    );
    assert!(message("tool_use_unsupported").contains("`googleSearch` tool"), "{}", message("tool_use_unsupported"));
    assert_eq!(message("invalid_tool_definition"), "`tools[1].functionDeclarations[0]` has no `name`");
}

#[test]
fn contents_without_parts_are_no_gemini_record() {
    // Never from one key alone: `contents` holding anything but turns with `parts`.
    for record in [json!({"contents": "a text"}), json!({"contents": [{"role": "user", "text": "Hi"}]})] {
        let report =
            validate(jsonl(std::slice::from_ref(&record)).as_bytes(), &options(), &EstimatedTokenCounter).unwrap();
        assert_eq!((report.format, findings(&report)), (None, vec![(1, "", "unknown_format")]), "{record}");
        assert!(report.findings[0].message.contains("it looks like a Gemini record"), "{}", report.findings[0].message);
    }
    // Forced, the same record is read by Gemini's rules.
    let forced = ValidateOptions { format: Some(DatasetFormat::Gemini), ..options() };
    let report =
        validate(r#"{"contents": [{"role": "user", "text": "Hi"}]}"#.as_bytes(), &forced, &EstimatedTokenCounter)
            .unwrap();
    assert_eq!(findings(&report)[0], (1, "contents[0].parts", "missing_field"));
}
