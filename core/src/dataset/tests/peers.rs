//! The chat-format cases of the checks peers run before fine-tuning (Together's
//! `together files check`, OpenAI's "data preparation and analysis for chat model
//! fine-tuning"), each with the finding BrightRun gives: a file either of them refuses is never
//! valid here, and every problem is a finding with its line and code, never an error that
//! stops the report.

use serde_json::json;

use super::*;

/// What a peer checks, and what BrightRun reports for it.
struct PeerCase {
    /// The peer's name for the check.
    check: &'static str,
    /// The file.
    input: Vec<u8>,
    /// Whether the file is valid here.
    valid: bool,
    /// Every code counted, and the line and path of the first finding of the first code.
    codes: &'static [&'static str],
    first: (Option<u64>, Option<&'static str>),
}

fn peer(
    check: &'static str,
    input: impl Into<Vec<u8>>,
    valid: bool,
    codes: &'static [&'static str],
    first: (Option<u64>, Option<&'static str>),
) -> PeerCase {
    PeerCase { check, input: input.into(), valid, codes, first }
}

/// A user/assistant exchange, for files that need more than one line.
fn exchange() -> String {
    chat(&[("user", "Hello"), ("assistant", "Hi there!")]).to_string()
}

fn cases() -> Vec<PeerCase> {
    vec![
        peer(
            "together: valid conversational, several turns, with a system message",
            jsonl(&[
                chat(&[("user", "Is it going to rain?"), ("assistant", "Yes."), ("user", "Tokyo?"), ("assistant", "Sunny.")]),
                chat(&[("system", "You are a kind AI"), ("user", "How are you?"), ("assistant", "I am fine.")]),
            ]),
            true,
            &[],
            (None, None),
        ),
        peer("together: empty file", "", false, &["empty_file"], (None, None)),
        peer("together: non-UTF-8 file", &b"\xff\xfe\xfd"[..], false, &["invalid_utf8"], (Some(1), None)),
        peer(
            "together: invalid JSON line",
            format!("{}\n\"Invalid JSON Line\"", exchange()),
            false,
            &["not_an_object"],
            (Some(2), None),
        ),
        peer(
            "together: a prompt without completion (a format BrightRun reads, so the missing key is named)",
            jsonl(&[json!({"prompt": "Translate.", "completion": "Hello"}), json!({"prompt": "Summarize."})]),
            false,
            &["missing_field"],
            (Some(2), Some("completion")),
        ),
        peer(
            "together: could not detect a format",
            jsonl(&[json!({"question": "Translate.", "answer": "Hello"}), json!({"question": "Summarize."})]),
            false,
            &["unknown_format"],
            (Some(1), None),
        ),
        peer(
            "together: inconsistent dataset format",
            jsonl(&[chat(&[("user", "Hi"), ("assistant", "Hi! How can I help?")]), json!({"text": "How are you?"})]),
            false,
            &["format_mismatch"],
            (Some(2), None),
        ),
        peer(
            "together/openai: invalid role",
            chat(&[("invalid_role", "Hi")]).to_string(),
            false,
            &["no_assistant_message", "unknown_role"],
            (Some(1), None),
        ),
        peer(
            "together: roles must alternate",
            jsonl(&[chat(&[("user", "Hi"), ("user", "Hello again"), ("assistant", "Hello")])]),
            true,
            &["consecutive_same_role"],
            (Some(1), Some("messages[1]")),
        ),
        peer(
            "together/openai: an assistant message must be present",
            chat(&[("user", "Hi")]).to_string(),
            false,
            &["no_assistant_message"],
            (Some(1), None),
        ),
        peer(
            "together/openai: a message misses `content`",
            json!({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant"}]}).to_string(),
            false,
            &["missing_field", "no_assistant_message"],
            (Some(1), Some("messages[1].content")),
        ),
        peer(
            "together: a turn that is not an object",
            json!({"messages": ["Hi!", {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]})
                .to_string(),
            false,
            &["wrong_type"],
            (Some(1), Some("messages[0]")),
        ),
        peer("together/openai: empty messages", r#"{"messages": []}"#, false, &["empty_conversation"], (Some(1), Some("messages"))),
        peer(
            "together: weight must be 0 or 1",
            json!({"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi", "weight": 2}]})
                .to_string(),
            false,
            &["invalid_weight"],
            (Some(1), Some("messages[1].weight")),
        ),
        peer(
            "together: weight on user messages (accepted there; never trained on here)",
            json!({"messages": [{"role": "user", "content": "Hello", "weight": 1}, {"role": "assistant", "content": "Hi", "weight": 0}]})
                .to_string(),
            false,
            &["all_weights_zero", "misplaced_weight"],
            (Some(1), None),
        ),
        peer(
            "together: multimodal content parts (accepted there; text only here)",
            json!({"messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": "What is the difference?"},
                    {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,..."}},
                    {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,..."}}
                ]},
                {"role": "assistant", "content": [{"type": "text", "text": "A cat and a dog."}]}
            ]})
            .to_string(),
            false,
            &["content_parts_unsupported"],
            (Some(1), Some("messages[0].content")),
        ),
        peer("openai: data_type (a record that is not an object)", "[1]\n", false, &["json_array_not_jsonl", "not_an_object"], (Some(1), None)),
        peer(
            "openai: missing_messages_list",
            format!("{}\n{}", exchange(), json!({"messages": null})),
            false,
            &["wrong_type"],
            (Some(2), Some("messages")),
        ),
        peer(
            "openai: message_unrecognized_key",
            json!({"messages": [{"role": "user", "content": "Hi", "name": "ann", "mood": "ok"}, {"role": "assistant", "content": "Hello"}]})
                .to_string(),
            true,
            &["unknown_message_key"],
            // `json!` sorts keys: `mood` comes first.
            (Some(1), Some("messages[0].mood")),
        ),
        peer(
            "openai: function calling in its legacy form (`function_call`, a `function` result), of a function \
             the record does not define",
            json!({"messages": [
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "content": null, "function_call": {"name": "weather", "arguments": "{}"}},
                {"role": "function", "name": "weather", "content": "rain"},
                {"role": "assistant", "content": "Rain."}
            ]})
            .to_string(),
            false,
            &["unknown_tool"],
            (Some(1), Some("messages[1]")),
        ),
        peer(
            "openai: missing_content (empty, null)",
            json!({"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": null}]}).to_string(),
            false,
            &["empty_content", "no_assistant_message", "wrong_type"],
            (Some(1), Some("messages[0].content")),
        ),
        peer(
            "openai: tools with tool messages are read",
            json!({
                "messages": [
                    {"role": "user", "content": "6 x 7?"},
                    {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "mul", "arguments": "{}"}}]},
                    {"role": "tool", "tool_call_id": "c", "content": "42"},
                    {"role": "assistant", "content": "42."}
                ],
                "tools": [{"type": "function", "function": {"name": "mul", "parameters": {}}}]
            })
            .to_string(),
            true,
            &[],
            (None, None),
        ),
        peer(
            "openai: logged completions carry null tool fields, which lose nothing",
            json!({"messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello", "tool_calls": null, "function_call": null, "refusal": null, "weight": 1}
            ]})
            .to_string(),
            true,
            &[],
            (None, None),
        ),
    ]
}

#[test]
fn every_peer_case_gets_a_finding_with_its_line_and_code() {
    for case in cases() {
        let report = check(&case.input);
        let codes: Vec<&str> = report.counts.keys().map(String::as_str).collect();
        assert_eq!(codes, case.codes, "{}: {:?}", case.check, report.findings);
        assert_eq!(report.valid, case.valid, "{}", case.check);
        if let Some(code) = case.codes.first() {
            let first = of_code(&report, code)[0];
            assert_eq!((first.line, first.path.as_deref()), case.first, "{}: {first:?}", case.check);
            assert!(first.suggestion.is_some(), "{}", case.check);
        }
    }
}

#[test]
fn tool_calls_and_content_parts_say_what_is_wrong() {
    let report = check(
        json!({"messages": [
            {"role": "user", "content": [{"type": "text", "text": "q"}, {"type": "input_audio"}, {"kind": "x"}]},
            {"role": "assistant", "content": "a", "tool_calls": [{"id": "c"}]},
            {"role": "tool", "content": "r"}
        ]})
        .to_string(),
    );
    let messages: Vec<(&str, &str)> =
        report.findings.iter().map(|f| (f.path.as_deref().unwrap_or(""), f.message.as_str())).collect();
    assert_eq!(
        messages,
        [
            (
                "messages[0].content",
                "`messages[0].content` has input_audio parts (a list of 3 parts: text, input_audio, ?): text only, \
                 BrightRun trains on text and cannot read them"
            ),
            (
                "messages[1].tool_calls[0]",
                "`messages[1].tool_calls[0]` has no `function` object (`{\"name\", \"arguments\"}`)"
            ),
            ("messages[2]", "the conversation ends with a tool message, which is not trained on"),
        ]
    );
    assert!(of_code(&report, "invalid_tool_call")[0].suggestion.as_deref().unwrap().contains("arguments"));
}

#[test]
fn a_utf16_file_is_reported_not_refused() {
    let text = format!("{}\n{}\n", exchange(), exchange());
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let report = check(&utf16);
    assert!(!report.valid);
    assert_eq!(report.format, None);
    let first = &report.findings[0];
    assert_eq!((first.line, first.code.as_str()), (Some(1), "invalid_utf8"));
    assert_eq!(first.message, "the file is UTF-16 little-endian (it starts with that byte-order mark), not UTF-8");
    let second = &report.findings[1];
    assert_eq!((second.line, second.code.as_str()), (Some(2), "invalid_json"));
    assert!(second.message.ends_with("as in a UTF-16 file"), "{}", second.message);
}

#[test]
fn a_latin1_file_is_a_report_with_every_line() {
    let report = check(&b"{\"messages\": [{\"role\": \"user\", \"content\": \"caf\xe9\"}]}\n\n{\"x\": \"\xe9\"}\n"[..]);
    assert!(!report.valid);
    let got: Vec<_> = report.findings.iter().map(|f| (f.line, f.code.as_str(), f.message.as_str())).collect();
    assert_eq!(
        got,
        [
            (Some(1), "invalid_utf8", "invalid UTF-8 at column 47 (byte 46 of the file)"),
            (Some(3), "invalid_utf8", "invalid UTF-8 at column 8 (byte 60 of the file)"),
        ]
    );
    assert_eq!(report.stats.records, 2);
}
