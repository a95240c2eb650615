//! The shapes users already have: prompt/completion, Alpaca and ShareGPT. Each is detected
//! exactly, checked with its own findings (on fixtures of good and bad records), converted
//! to the canonical chat, and counts the tokens of that chat exactly. A record of no format
//! is told the closest one.

use serde_json::json;

use super::*;
use crate::dataset::{ConvertOptions, Layout, TRAIN_FILE, VALIDATION_FILE, convert};
use crate::model::DatasetFormat;

const PROMPT_COMPLETION: &str = include_str!("fixtures/prompt_completion.jsonl");
const PROMPT_COMPLETION_MESSAGES: &str = include_str!("fixtures/prompt_completion_messages.jsonl");
const ALPACA: &str = include_str!("fixtures/alpaca.jsonl");
const SHAREGPT: &str = include_str!("fixtures/sharegpt.jsonl");

/// The canonical `(role, content)` of the `index`th sample conversation.
fn sample(report: &ValidationReport, index: usize) -> Vec<(Role, &str)> {
    report.sample_data[index].messages.iter().map(|m| (m.role, m.content.as_str())).collect()
}

/// Converts `input` and reads back both files, each line's messages as `Message`s (a
/// plain-text line's document as one [`Role::Text`] message; a line's `tools` are left out).
pub(super) fn converted(input: impl AsRef<[u8]>) -> (Vec<Vec<Message>>, Vec<Vec<Message>>) {
    let dir = tempfile::tempdir().unwrap();
    convert(input.as_ref(), dir.path(), &ConvertOptions::default()).unwrap();
    converted_in(dir.path())
}

/// The messages of each line of both files a conversion wrote to `dir`.
pub(super) fn converted_in(dir: &std::path::Path) -> (Vec<Vec<Message>>, Vec<Vec<Message>>) {
    let messages = |lines: Vec<Value>| -> Vec<Vec<Message>> {
        lines
            .into_iter()
            .map(|line| match line["text"].as_str() {
                Some(text) => vec![Message::new(Role::Text, text)],
                None => serde_json::from_value(line["messages"].clone()).unwrap(),
            })
            .collect()
    };
    let (train, validation) = canonical_lines(dir);
    (messages(train), messages(validation))
}

/// Each line of both files a conversion wrote to `dir`: `{"messages", "tools"?}` or `{"text"}`.
fn canonical_lines(dir: &std::path::Path) -> (Vec<Value>, Vec<Value>) {
    let read = |name: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        text.lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line).unwrap();
                let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
                assert!(matches!(keys[..], ["messages"] | ["text"] | ["messages", "tools"]), "{line}");
                value
            })
            .collect()
    };
    (read(TRAIN_FILE), read(VALIDATION_FILE))
}

/// The lines of `input` without an error.
fn good_lines(input: &str) -> String {
    let report = check(input);
    let bad: Vec<u64> =
        report.findings.iter().filter(|f| f.severity == crate::model::Severity::Error).filter_map(|f| f.line).collect();
    input.lines().enumerate().filter(|(i, _)| !bad.contains(&(*i as u64 + 1))).map(|(_, l)| format!("{l}\n")).collect()
}

/// The good records of `input` and the canonical chat `convert` writes of them validate to
/// the same training pairs and the same exact token counts (the counter sees the same
/// canonical conversations), and the chat converts again to the same files.
fn round_trips(input: &str) {
    let counter = CharCounter;
    let good = good_lines(input);
    let original = validate(good.as_bytes(), &options(), &counter).unwrap();
    assert!(original.valid, "{:?}", original.findings);
    let (train, validation) = converted(&good);
    assert_eq!(converted(input), (train.clone(), validation.clone()), "bad records are left out");
    let dir = tempfile::tempdir().unwrap();
    convert(good.as_bytes(), dir.path(), &ConvertOptions::default()).unwrap();
    let (train_lines, validation_lines) = canonical_lines(dir.path());
    let as_chat: Vec<Value> = train_lines
        .into_iter()
        .chain(validation_lines.into_iter().map(|mut line| {
            line["split"] = json!("validation");
            line
        }))
        .collect();
    let chat_text = jsonl(&as_chat);
    let chat = validate(chat_text.as_bytes(), &options(), &counter).unwrap();
    assert!(chat.valid, "{:?}", chat.findings);
    assert_eq!(chat.format, Some(DatasetFormat::Chat));
    let (s, c) = (&original.stats, &chat.stats);
    assert_eq!((s.training_pairs, s.validation_pairs), (c.training_pairs, c.validation_pairs));
    assert_eq!((s.total_tokens, s.trainable_tokens), (c.total_tokens, c.trainable_tokens));
    let all = || train.iter().chain(&validation);
    let total: u64 = all().map(|m| counter.count(m).unwrap().total).sum();
    let trainable: u64 = all().map(|m| counter.count(m).unwrap().trainable).sum();
    assert_eq!((s.total_tokens, s.trainable_tokens), (Some(total), Some(trainable)));
    assert!(trainable > 0);
    assert_eq!(converted(&chat_text), (train, validation), "the canonical chat converts to itself");
}

#[test]
fn prompt_completion_records_are_a_user_prompt_and_a_trained_completion() {
    let report = check(PROMPT_COMPLETION);
    assert_eq!(report.format, Some(DatasetFormat::PromptCompletion));
    assert_eq!(report.layout, Layout::Jsonl);
    assert_eq!(
        findings(&report),
        [
            (3, "completion", "missing_field"),
            (4, "prompt", "wrong_type"),
            (5, "completion", "empty_content"),
            (6, "split", "invalid_split"),
            (7, "", "format_mismatch"),
        ]
    );
    assert_eq!(sample(&report, 0), [(Role::User, "What is 2 + 2?\n\n###\n\n"), (Role::Assistant, " 4 END")]);
    assert!(report.sample_data[0].messages[1].is_trained() && !report.sample_data[0].messages[0].is_trained());
    assert_eq!(report.sample_data[1].split, crate::dataset::Split::Validation);
    let s = &report.stats;
    // The empty completion is a pair with an error: counted, and not converted.
    assert_eq!((s.records, s.training_pairs, s.validation_pairs), (8, 4, 1));
    let mismatch = &of_code(&report, "format_mismatch")[0].message;
    assert!(mismatch.contains("an Alpaca record") && mismatch.contains("prompt_completion"), "{mismatch}");
    round_trips(PROMPT_COMPLETION);
    let (train, _) = converted(PROMPT_COMPLETION);
    assert_eq!(train.last().unwrap()[0].content, "Two\nlines \u{e9}", "escapes are read");
}

#[test]
fn prompt_completion_records_of_messages_train_on_the_completion_only() {
    let report = check(PROMPT_COMPLETION_MESSAGES);
    assert_eq!(report.format, Some(DatasetFormat::PromptCompletion));
    assert_eq!(
        findings(&report),
        [
            (4, "prompt", "empty_conversation"),
            (5, "prompt[0].weight", "misplaced_weight"),
            (6, "completion[0]", "consecutive_same_role"),
            (6, "", "no_assistant_message"),
            (7, "prompt", "wrong_type"),
            (8, "tools", "tool_use_unsupported"),
            (9, "completion[0]", "consecutive_same_role"),
        ]
    );
    assert_eq!(sample(&report, 0), [(Role::User, "What colour is the sky?"), (Role::Assistant, "Blue.")]);
    // The prompt's assistant message is context: weight 0, not trained on.
    let context = &report.sample_data[1];
    assert_eq!(context.split, crate::dataset::Split::Validation);
    assert_eq!(
        context.messages.iter().map(|m| (m.role, m.is_trained())).collect::<Vec<_>>(),
        [
            (Role::System, false),
            (Role::User, false),
            (Role::Assistant, false),
            (Role::User, false),
            (Role::Assistant, true)
        ]
    );
    assert_eq!(sample(&report, 2), [(Role::User, "A plain question?"), (Role::Assistant, "A reply as a message.")]);
    let weight = &of_code(&report, "misplaced_weight")[0];
    assert!(weight.message.contains("move the message to `completion`"), "{}", weight.message);
    let wrong = &of_code(&report, "wrong_type")[0];
    assert!(wrong.message.contains("expected a string or an array of messages"), "{}", wrong.message);
    let s = &report.stats;
    // Pairs with errors are counted, and not converted.
    assert_eq!((s.records, s.training_pairs, s.validation_pairs), (9, 5, 1));
    round_trips(PROMPT_COMPLETION_MESSAGES);
    let (train, validation) = converted(PROMPT_COMPLETION_MESSAGES);
    assert_eq!(validation[0][2].weight, Some(0), "the prompt's reply is written with weight 0");
    assert_eq!(train.len(), 3, "the good records, and the one with a warning only");
}

#[test]
fn alpaca_records_join_instruction_and_input() {
    let report = check(ALPACA);
    assert_eq!(report.format, Some(DatasetFormat::Alpaca));
    assert_eq!(
        findings(&report),
        [
            (3, "output", "missing_field"),
            (4, "instruction", "wrong_type"),
            (5, "input", "wrong_type"),
            (7, "output", "empty_content"),
            (8, "", "format_mismatch"),
            (11, "history[0]", "wrong_type"),
            (12, "history[0][1]", "wrong_type"),
            (13, "history", "wrong_type"),
            (15, "history[0][1]", "empty_content"),
        ]
    );
    assert_eq!(
        sample(&report, 0),
        [(Role::User, "Give three tips for staying healthy."), (Role::Assistant, "Eat well, sleep, move.")]
    );
    let wrong = of_code(&report, "wrong_type");
    assert_eq!(wrong[2].message, "`history[0]` is an array of 1 item; expected `[instruction, response]`, two strings");
    assert_eq!(
        sample(&report, 1),
        [
            (Role::System, "You translate."),
            (Role::User, "Translate to English.\n\nBonjour"),
            (Role::Assistant, "Hello")
        ]
    );
    let (train, validation) = converted(ALPACA);
    assert_eq!(train[2][0].content, "What is the capital of France?", "a blank instruction: the input alone");
    assert_eq!(validation[0][0].content, "Answer briefly.\n\nWhy is the sky blue?");
    // The history's exchanges come first, each reply trained on.
    let with_history: Vec<(Role, &str, bool)> =
        train[3].iter().map(|m| (m.role, m.content.as_str(), m.is_trained())).collect();
    assert_eq!(
        with_history,
        [
            (Role::User, "What is 2+2?", false),
            (Role::Assistant, "4", true),
            (Role::User, "And 2+3?", false),
            (Role::Assistant, "5", true),
            (Role::User, "And 3+3?", false),
            (Role::Assistant, "6", true),
        ]
    );
    assert_eq!(train.len(), 5, "a null history is none");
    round_trips(ALPACA);
}

#[test]
fn sharegpt_turns_become_messages() {
    let report = check(SHAREGPT);
    assert_eq!(report.format, Some(DatasetFormat::Sharegpt));
    assert_eq!(
        findings(&report),
        [
            (4, "conversations[1].from", "unknown_role"),
            (4, "", "no_assistant_message"),
            (5, "conversations[0].value", "missing_field"),
            (6, "conversations", "empty_conversation"),
            (8, "conversations[0].value", "content_parts_unsupported"),
            (9, "conversations[0].markdown", "unknown_message_key"),
            (10, "", "format_mismatch"),
            (12, "conversations[0].name", "unknown_message_key"),
            (12, "conversations[1].content", "missing_field"),
            (12, "", "no_assistant_message"),
            (13, "conversations[1].value", "tool_arguments_not_object"),
            (14, "conversations[3]", "unknown_tool_call_id"),
            (15, "tools", "invalid_tool_definition"),
            (16, "conversations[1]", "unknown_tool"),
            (16, "conversations[2]", "unanswered_tool_call"),
            (16, "conversations[2]", "consecutive_same_role"),
            (17, "conversations[1].from", "tool_use_unsupported"),
            (19, "conversations[1].value", "invalid_tool_call"),
        ]
    );
    assert_eq!(sample(&report, 0), [(Role::User, "Hi"), (Role::Assistant, "Hello! How can I help?")]);
    assert_eq!(
        sample(&report, 1),
        [
            (Role::System, "Be brief."),
            (Role::User, "2+2?"),
            (Role::Assistant, "4"),
            (Role::User, "3+3?"),
            (Role::Assistant, "6")
        ]
    );
    assert_eq!(sample(&report, 2)[0], (Role::System, "You are a poet."), "the record's `system` comes first");
    let role = &of_code(&report, "unknown_role")[0].message;
    assert_eq!(role, "role `bot` is not one of human, gpt, system (or user, assistant), function_call, observation");
    let unread = &of_code(&report, "unknown_message_key")[0].message;
    assert!(unread.contains("only `from`, `value` and `weight`"), "{unread}");
    // Turns written with chat's keys are read, and findings name those keys.
    let named = &of_code(&report, "unknown_message_key")[1].message;
    assert!(named.contains("only `role`, `content` and `weight`"), "{named}");
    let both =
        check(r#"{"conversations": [{"from": "human", "role": "user", "value": "q"}, {"from": "gpt", "value": "a"}]}"#);
    assert_eq!(both.counts.get("duplicate_key"), Some(&1), "{:?}", both.findings);
    let (train, _) = converted(SHAREGPT);
    let chat_keys = train.iter().find(|m| m[0].content == "Hi there").unwrap();
    assert_eq!((chat_keys[1].role, chat_keys[1].content.as_str()), (Role::Assistant, "Hello."));
    let weighted = train.iter().find(|m| m[0].content == "Bold?").unwrap();
    assert_eq!(weighted[1].weight, Some(0), "a turn's weight is kept");
    round_trips(SHAREGPT);
}

#[test]
fn a_record_labelled_false_is_undesirable_in_every_format_of_answers() {
    // Unpaired preference data (KTO): TRL writes it as prompt/completion, LLaMA-Factory's demo
    // as chat (`kto_en_demo.json`), and its ShareGPT and Alpaca forms take a label too.
    /// A record of one answer.
    type Answered = fn(&str) -> Value;
    let forms: [(Answered, DatasetFormat); 4] = [
        (
            |answer| json!({"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": answer}]}),
            DatasetFormat::Chat,
        ),
        (
            |answer| json!({"conversations": [{"from": "human", "value": "2+2?"}, {"from": "gpt", "value": answer}]}),
            DatasetFormat::Sharegpt,
        ),
        (|answer| json!({"instruction": "2+2?", "output": answer}), DatasetFormat::Alpaca),
        (|answer| json!({"prompt": "2+2?", "completion": answer}), DatasetFormat::PromptCompletion),
    ];
    for (record, format) in forms {
        let labelled = |answer: &str, label: bool| {
            let mut record = record(answer);
            record["label"] = json!(label);
            record
        };
        let report = check(jsonl(&[labelled("4", true), labelled("5", false)]));
        assert_eq!(report.format, Some(format));
        assert_eq!(findings(&report), [(2, "label", "undesirable_completion")], "{format:?}");
        let mut tagged = record("5");
        tagged["kto_tag"] = json!(false);
        let report = check(jsonl(&[labelled("4", true), tagged]));
        assert_eq!(findings(&report), [(2, "kto_tag", "undesirable_completion")], "{format:?}: LLaMA-Factory's name");
        assert!(!report.valid);
        let (train, validation) = converted(jsonl(&[labelled("4", true), labelled("5", false)]));
        let answers: Vec<&str> = train.iter().chain(&validation).map(|m| m[1].content.as_str()).collect();
        assert_eq!(answers, ["4"], "{format:?}: only the desirable answer is written");
    }
}

#[test]
fn a_conversation_beside_its_chosen_and_rejected_answers_is_a_preference_pair() {
    // LLaMA-Factory's ShareGPT preference data (`dpo_en_demo.json`): a conversation ending
    // with the user, the answers beside it. Read as ShareGPT, it would be trained on without
    // the preferred answer.
    let turn = |from: &str, value: &str| json!({"from": from, "value": value});
    let sharegpt = check(jsonl(&[
        json!({"conversations": [turn("human", "Hi"), turn("gpt", "Hello"), turn("human", "2+2?")],
            "chosen": turn("gpt", "4"), "rejected": turn("gpt", "5")}),
        json!({"conversations": [turn("human", "Hi"), turn("gpt", "Hello")], "chosen": null, "rejected": []}),
    ]));
    assert_eq!(sharegpt.format, Some(DatasetFormat::Sharegpt));
    assert_eq!(findings(&sharegpt), [(1, "chosen", "preference_pair")]);
    assert_eq!(sharegpt.stats.training_pairs, 1, "only the record whose answers are empty is read");
    let chat = check(
        json!({"messages": [{"role": "user", "content": "2+2?"}], "chosen": [{"role": "assistant", "content": "4"}],
            "rejected": [{"role": "assistant", "content": "5"}]})
        .to_string(),
    );
    assert_eq!(chat.format, Some(DatasetFormat::Chat));
    assert_eq!(findings(&chat), [(1, "chosen", "preference_pair")]);
}

#[test]
fn a_developer_message_is_the_system_prompt() {
    let developer = json!({"messages": [{"role": "developer", "content": "Be brief."},
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]});
    let report = check(developer.to_string());
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(sample(&report, 0), [(Role::System, "Be brief."), (Role::User, "Hi"), (Role::Assistant, "Hello")]);
    let second = json!({"messages": [{"role": "system", "content": "s"}, {"role": "developer", "content": "d"},
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]});
    assert_eq!(findings(&check(second.to_string())), [(1, "messages[1]", "misplaced_system_message")]);
}

#[test]
fn a_chat_record_s_system_is_its_system_message_as_bedrock_writes_it() {
    // Amazon Bedrock's fine-tuning data for Claude: the system prompt beside the messages.
    // It was ignored, and every conversation trained without its system prompt.
    let bedrock = json!({"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"}]});
    let report = check(bedrock.to_string());
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(sample(&report, 0), [(Role::System, "Be brief."), (Role::User, "Hi"), (Role::Assistant, "Hello")]);
    assert_eq!(converted(bedrock.to_string()).0[0][0], Message::new(Role::System, "Be brief."));
    // A blank one is none; one beside a system message in `messages` is a second system message.
    let blank = json!({"system": " ", "messages": [{"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"}]});
    assert_eq!(sample(&check(blank.to_string()), 0)[0], (Role::User, "Hi"));
    let both = json!({"system": "Be brief.", "messages": [{"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]});
    assert_eq!(findings(&check(both.to_string())), [(1, "messages[0]", "misplaced_system_message")]);
    let wrong = json!({"system": ["Be brief."], "messages": [{"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"}]});
    assert_eq!(findings(&check(wrong.to_string())), [(1, "system", "wrong_type")]);
}

#[test]
fn cohere_s_speakers_are_read_as_theirs() {
    let cohere = json!({"messages": [{"role": "System", "content": "Be brief."}, {"role": "User", "content": "Hi"},
        {"role": "Chatbot", "content": "Hello"}]});
    let report = check(cohere.to_string());
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(sample(&report, 0), [(Role::System, "Be brief."), (Role::User, "Hi"), (Role::Assistant, "Hello")]);
}

#[test]
fn a_conversation_that_ends_with_its_answer_is_trained_on_whatever_answers_are_beside_it() {
    // `HuggingFaceH4/ultrafeedback_binarized`'s SFT split: the chosen conversation is
    // `messages`, beside `prompt`, `chosen`, `rejected` and their scores.
    let chosen = json!([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]);
    let rejected = json!([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "5"}]);
    let record = json!({"prompt": "2+2?", "prompt_id": "ab12", "chosen": chosen, "rejected": rejected,
        "messages": chosen, "score_chosen": 8.0, "score_rejected": 2.0});
    let report = check(record.to_string());
    assert_eq!(report.format, Some(DatasetFormat::Chat));
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(sample(&report, 0), [(Role::User, "2+2?"), (Role::Assistant, "4")]);
    let turn = |from: &str, value: &str| json!({"from": from, "value": value});
    let sharegpt = json!({"conversations": [turn("human", "2+2?"), turn("gpt", "4")],
        "chosen": turn("gpt", "4"), "rejected": turn("gpt", "5")});
    let report = check(sharegpt.to_string());
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn text_parts_are_joined_and_other_parts_named() {
    let parts = json!([{"type": "text", "text": "Look:"}, {"type": "text", "text": "a cat"}]);
    let text = jsonl(&[
        json!({"messages": [{"role": "user", "content": parts}, {"role": "assistant", "content": [{"type": "text", "text": "Yes."}]}]}),
        json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "q"}, {"type": "image_url", "image_url": {"url": "x"}}]}, {"role": "assistant", "content": "a"}]}),
        json!({"messages": [{"role": "user", "content": [{"type": "text"}]}, {"role": "assistant", "content": "b"}]}),
        json!({"messages": [{"role": "user", "content": []}, {"role": "assistant", "content": "a"}]}),
    ]);
    let report = check(text);
    assert_eq!(sample(&report, 0), [(Role::User, "Look:\na cat"), (Role::Assistant, "Yes.")]);
    assert_eq!(
        findings(&report),
        [
            (2, "messages[0].content", "content_parts_unsupported"),
            (3, "messages[0].content", "content_parts_unsupported"),
            (4, "messages[0].content", "empty_content"),
        ]
    );
    let messages: Vec<&str> =
        of_code(&report, "content_parts_unsupported").iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`messages[0].content` has image_url parts (a list of 2 parts: text, image_url): text only, BrightRun \
             trains on text and cannot read them",
            "`messages[0].content` is a list of 1 part (text), not all of them `{\"type\": \"text\", \"text\": \
             \"...\"}`: only text parts are read",
        ]
    );
    let sharegpt = json!({"conversations": [{"from": "human", "value": parts}, {"from": "gpt", "value": "Yes."}]});
    let report = check(sharegpt.to_string());
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(sample(&report, 0)[0], (Role::User, "Look:\na cat"));
}

#[test]
fn sharegpt_is_no_longer_taken_for_a_v4_document() {
    let record = json!({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]});
    let report = check(record.to_string());
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!((report.format, report.layout), (Some(DatasetFormat::Sharegpt), Layout::Jsonl));
    // A v4 document on one line is still one.
    let document = json!({"conversations": [{"training_pairs": [v4_pair("c", 1, &[], "q", Some("a"))]}]});
    let report = check(document.to_string());
    assert_eq!((report.format, report.layout), (Some(DatasetFormat::BrightrunLoraV4), Layout::JsonDocument));
    assert_eq!(report.stats.training_pairs, 1);
}

#[test]
fn a_pretty_printed_sharegpt_record_is_named_as_such() {
    let record = json!({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]});
    let report = check(serde_json::to_string_pretty(&record).unwrap());
    assert_eq!((report.format, report.layout), (Some(DatasetFormat::Sharegpt), Layout::JsonDocument));
    assert_eq!(findings(&report), [(2, "", "json_document_not_jsonl")]);
    let message = &report.findings[0].message;
    assert!(message.contains("a ShareGPT record, 2 of whose turns"), "{message}");
    assert!(report.findings[0].suggestion.as_deref().unwrap().contains("jq -c ."));
    let forced = ValidateOptions { format: Some(DatasetFormat::BrightrunLoraV4), ..options() };
    let report = check_with(serde_json::to_string_pretty(&record).unwrap(), &forced);
    assert_eq!(report.format, Some(DatasetFormat::BrightrunLoraV4), "a forced format stays");
}

#[test]
fn records_of_datasets_with_their_own_key_names_are_told_every_rename_and_never_taken_for_v4() {
    // OpenOrca's `system_prompt` once made its records v4 pairs, reported as 8 missing v4 fields.
    let orca = json!({"id": "niv.1", "system_prompt": "Be brief.", "question": "2+2?", "response": "4"});
    let dolly = json!({"instruction": "When?", "context": "It began in 2000.", "response": "2000", "category": "qa"});
    let report = check(jsonl(&[orca.clone(), dolly.clone()]));
    assert_eq!(report.format, None);
    assert_eq!(findings(&report), [(1, "", "unknown_format"), (2, "", "unknown_format")]);
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(
        messages[0].ends_with(
            "it looks like an Alpaca record with other key names: rename `question` to `instruction`, `response` \
             to `output` and `system_prompt` to `system`"
        ),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].ends_with(
            "it looks like an Alpaca record with other key names: rename `response` to `output` and `context` to \
             `input` (`category` is not read)"
        ),
        "{}",
        messages[1]
    );
    // Renamed as told, each record is read whole: nothing the record held is lost.
    let renamed = |record: &Value, renames: &[(&str, &str)]| {
        let mut record = record.as_object().unwrap().clone();
        for (from, to) in renames {
            let value = record.remove(*from).unwrap();
            record.insert((*to).to_owned(), value);
        }
        Value::Object(record)
    };
    let orca = renamed(&orca, &[("question", "instruction"), ("response", "output"), ("system_prompt", "system")]);
    let dolly = renamed(&dolly, &[("response", "output"), ("context", "input")]);
    let report = check(jsonl(&[orca, dolly]));
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(report.format, Some(DatasetFormat::Alpaca));
    assert_eq!(sample(&report, 0), [(Role::System, "Be brief."), (Role::User, "2+2?"), (Role::Assistant, "4")]);
    assert_eq!(sample(&report, 1), [(Role::User, "When?\n\nIt began in 2000."), (Role::Assistant, "2000")]);
}

#[test]
fn a_record_of_no_format_is_told_the_closest_one() {
    let report = check("{\"prompt\": \"q\"}\n{\"prompt\": \"q\", \"answer\": \"a\"}\n{\"instruction\": \"i\"}\n");
    assert_eq!(report.format, None);
    let messages: Vec<&str> = of_code(&report, "unknown_format").iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "the record, with the key `prompt`, is of no format BrightRun reads: it looks like a prompt/completion \
             record, but `completion` is missing",
            "the record, with keys `prompt`, `answer`, is of no format BrightRun reads: it looks like a \
             prompt/completion record with other key names: rename `answer` to `completion`",
            "the record, with the key `instruction`, is of no format BrightRun reads: it looks like an Alpaca \
             record, but `output` is missing",
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let err = convert("{\"prompt\": \"q\"}\n".as_bytes(), dir.path(), &ConvertOptions::default()).unwrap_err();
    assert!(err.to_string().contains("looks like a prompt/completion record, but `completion` is missing"), "{err}");
    // A forced format reads the record by its rules: the missing key is a missing field.
    let forced = ValidateOptions { format: Some(DatasetFormat::PromptCompletion), ..options() };
    let report = check_with("{\"prompt\": \"q\"}", &forced);
    assert_eq!(findings(&report), [(1, "completion", "missing_field")]);
}

#[test]
fn a_sharegpt_file_reads_unclear_conversations_as_its_own() {
    let text = jsonl(&[
        json!({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}),
        json!({"conversations": "not turns"}),
        json!({"conversations": [{"speaker": "user", "text": "q"}]}),
    ]);
    let report = check(text);
    assert_eq!(report.format, Some(DatasetFormat::Sharegpt));
    assert_eq!(
        findings(&report),
        [
            (2, "conversations", "wrong_type"),
            (3, "conversations[0].from", "missing_field"),
            (3, "conversations[0].value", "missing_field"),
            (3, "", "no_assistant_message"),
        ]
    );
    let missing = &of_code(&report, "missing_field")[0].message;
    assert_eq!(missing, "`conversations[0].from` is missing (the message has `speaker`); expected a string");
}
