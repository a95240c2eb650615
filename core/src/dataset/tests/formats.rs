//! The three formats, the v4 full JSON document and JSON arrays, each to the canonical form.

use serde_json::json;

use super::*;
use crate::dataset::{Conversation, Layout, Split};
use crate::model::DatasetFormat;

fn roles_and_texts(conversation: &Conversation) -> Vec<(Role, &str)> {
    conversation.messages.iter().map(|m| (m.role, m.content.as_str())).collect()
}

#[test]
fn chat_records_keep_their_messages_split_and_weight() {
    let mut validation =
        chat(&[("system", "be kind"), ("user", "q"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2")]);
    validation["split"] = json!("validation");
    let mut unweighted = chat_n(3);
    unweighted["weight"] = json!(0);
    let report = check(jsonl(&[chat_n(1), validation, unweighted, chat_n(4)]));
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(report.format, Some(DatasetFormat::Chat));
    assert_eq!(report.layout, Layout::Jsonl);
    let s = &report.stats;
    assert_eq!((s.conversations, s.training_examples, s.validation_examples), (4, 2, 1));
    assert_eq!((s.training_pairs, s.validation_pairs, s.zero_weight_conversations), (2, 2, 1));
    assert_eq!((s.roles.system, s.roles.user, s.roles.assistant), (1, 5, 5));
    assert_eq!(report.sample_data[1].split, Split::Validation);
    assert_eq!(roles_and_texts(&report.sample_data[1])[0], (Role::System, "be kind"));
}

#[test]
fn v3_records_become_conversations() {
    let record = json!({"conversation_id": "c-7", "turns": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]});
    let report = check(jsonl(&[record.clone(), record]));
    assert_eq!(report.format, Some(DatasetFormat::BrightrunLoraV3));
    assert_eq!(report.stats.training_pairs, 2);
    assert_eq!(report.stats.source_conversations, Some(1));
    assert_eq!(report.sample_data[0].source.id.as_deref(), Some("c-7"));
    assert_eq!(roles_and_texts(&report.sample_data[0]), [(Role::User, "hi"), (Role::Assistant, "hello")]);
    assert_eq!(located(&report), [(Some(2), None, "duplicate_conversation")]);
}

#[test]
fn v4_pairs_map_to_canonical_conversations_without_repeating_the_input() {
    let meta = json!({"_meta": {"file_name": "x.jsonl", "total_pairs": 3, "version": "4.0.0"}});
    let first = v4_pair("c1", 1, &[], "I feel stuck.", Some("What feels most stuck?"));
    let second = v4_pair(
        "c1",
        2,
        &[("user", "I feel stuck."), ("assistant", "What feels most stuck?")],
        "Work.",
        Some("Tell me more."),
    );
    let last = v4_pair("c1", 3, &[], "Thanks, bye.", None);
    let report = check(jsonl(&[meta, first, second, last]));
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(report.format, Some(DatasetFormat::BrightrunLoraV4));
    assert_eq!(
        roles_and_texts(&report.sample_data[1]),
        [
            (Role::System, "You are a supportive consultant."),
            (Role::User, "I feel stuck."),
            (Role::Assistant, "What feels most stuck?"),
            (Role::User, "Work."),
            (Role::Assistant, "Tell me more."),
        ]
    );
    let trained: Vec<bool> = report.sample_data[1].messages.iter().map(|m| m.is_trained()).collect();
    assert_eq!(trained, [false, false, false, false, true], "only the target is trained on; the history is context");
    let source = &report.sample_data[1].source;
    assert_eq!((source.line, source.id.as_deref()), (3, Some("c1-2")));
    let user_turn = &report.sample_data[2];
    assert_eq!(user_turn.messages.last().map(|m| m.role), Some(Role::User), "a null target is a user turn");
    let s = &report.stats;
    assert_eq!((s.records, s.conversations, s.training_pairs, s.user_turn_pairs), (3, 3, 2, 1));
    assert_eq!(s.source_conversations, Some(1));
    assert_eq!(located(&report), [(Some(4), Some("target_response"), "user_turn")]);
    assert_eq!(report.infos, 1);
}

#[test]
fn v4_pairs_report_each_missing_or_mistyped_field() {
    let pair = json!({"id": "p", "turn_number": "one", "system_prompt": 5, "conversation_history": {},
        "current_user_input": "hi", "target_response": "yo", "emotional_context": []});
    let report = check(pair.to_string());
    let got: Vec<_> = located(&report).into_iter().map(|(_, path, code)| (path.unwrap_or(""), code)).collect();
    assert_eq!(
        got,
        [
            ("conversation_id", "missing_field"),
            ("turn_number", "wrong_type"),
            ("emotional_context", "wrong_type"),
            ("system_prompt", "wrong_type"),
            ("conversation_history", "wrong_type"),
        ]
    );
}

#[test]
fn the_format_can_be_forced_and_mixing_formats_is_an_error() {
    let v3 = json!({"conversation_id": "a", "turns": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]});
    let report = check(jsonl(&[chat_n(1), v3.clone(), chat_n(2), v3.clone()]));
    assert_eq!(report.format, Some(DatasetFormat::Chat));
    let mismatches: Vec<_> = of_code(&report, "format_mismatch").iter().map(|f| f.line).collect();
    assert_eq!(mismatches, [Some(2), Some(4)]);
    assert!(of_code(&report, "format_mismatch")[0].message.contains("brightrun_lora_v3"));

    let forced = ValidateOptions { format: Some(DatasetFormat::BrightrunLoraV3), ..options() };
    let report = check_with(jsonl(&[chat_n(1), v3]), &forced);
    assert_eq!(report.format, Some(DatasetFormat::BrightrunLoraV3));
    assert_eq!(located(&report), [(Some(1), None, "format_mismatch")]);
}

#[test]
fn detection_skips_meta_blank_and_broken_lines() {
    let input = format!("\n{{\"_meta\": {{}}}}\n{{oops\n\n{}\n", v4_pair("c", 1, &[], "hi", Some("yo")));
    let report = check(input);
    assert_eq!(report.format, Some(DatasetFormat::BrightrunLoraV4));
    assert_eq!(located(&report), [(Some(3), None, "invalid_json")]);
    assert_eq!(report.stats.lines, 5);
}

/// A pretty-printed v4 document, as `json.dumps(indent=2)` writes it.
fn v4_document() -> String {
    let pairs_a = [v4_pair("a", 1, &[], "hello", Some("hi there")), v4_pair("a", 2, &[], "bye", None)];
    let mut broken = v4_pair("b", 1, &[], "help", Some(""));
    broken["target_response"] = json!(42);
    let pairs_b = [v4_pair("b", 1, &[], "help", Some("I'm here.")), broken];
    serde_json::to_string_pretty(&json!({
        "training_file_metadata": {"total_pairs": 4, "version": "4.0.0"},
        "consultant_profile": {"name": "Maya"},
        "conversations": [
            {"conversation_metadata": {"topic": "a"}, "training_pairs": pairs_a},
            {"conversation_metadata": {"topic": "b"}, "training_pairs": pairs_b},
        ]
    }))
    .unwrap()
}

#[test]
fn a_v4_document_is_streamed_and_findings_carry_json_paths() {
    let text = v4_document();
    let report = check(&text);
    assert_eq!(report.format, Some(DatasetFormat::BrightrunLoraV4));
    assert_eq!(report.layout, Layout::JsonDocument);
    let wrong = of_code(&report, "wrong_type");
    assert_eq!(wrong.len(), 1, "{:?}", report.findings);
    assert_eq!(wrong[0].path.as_deref(), Some("conversations[1].training_pairs[1].target_response"));
    // The finding's line is the line where that pair starts in the pretty-printed file.
    let pair_lines: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with("\"conversation_history\""))
        // Keys are sorted: each pair's `{` is on the line before its `"conversation_history"`,
        // whose 0-based index is the `{` line's 1-based number.
        .map(|(i, _)| i as u64)
        .collect();
    assert_eq!(wrong[0].line, Some(pair_lines[3]));
    let turn = of_code(&report, "user_turn");
    assert_eq!(turn[0].path.as_deref(), Some("conversations[0].training_pairs[1].target_response"));
    let s = &report.stats;
    assert_eq!((s.records, s.conversations, s.training_pairs, s.user_turn_pairs), (4, 3, 2, 1));
    assert_eq!(s.lines, text.lines().count() as u64);
    assert_eq!(report.sample_data[0].source.path.as_deref(), Some("conversations[0].training_pairs[0]"));
    assert!(!report.counts.contains_key("meta_total_pairs_mismatch"), "4 pairs, as the metadata says");
}

#[test]
fn a_v4_document_checks_its_own_shape() {
    let doc = json!({
        "training_file_metadata": {"total_pairs": 9},
        "consultant_profile": "Maya",
        "conversations": [{"training_pairs": [v4_pair("a", 1, &[], "q", Some("a"))]}, {"conversation_metadata": {}}, 3]
    });
    let report = check(serde_json::to_string_pretty(&doc).unwrap());
    let got: Vec<_> = located(&report).into_iter().map(|(_, path, code)| (path.unwrap_or(""), code)).collect();
    assert_eq!(
        got,
        [
            ("consultant_profile", "wrong_type"),
            ("conversations[1].training_pairs", "missing_field"),
            ("conversations[2]", "wrong_type"),
            // Keys are sorted: the metadata comes last, and may.
            ("training_file_metadata.total_pairs", "meta_total_pairs_mismatch"),
        ]
    );
    let report = check("{\n\"training_file_metadata\": {}\n}");
    assert_eq!(located(&report), [(None, None, "empty_file"), (Some(1), Some("conversations"), "missing_field")]);
}

#[test]
fn a_broken_document_reports_where_it_breaks() {
    let text = v4_document();
    let cut = &text[..text.len() / 2];
    let report = check(cut);
    let broken = of_code(&report, "invalid_json");
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0].line, Some(cut.lines().count() as u64));
    assert!(report.stats.conversations >= 1, "the pairs before the break are checked");
    let report = check(format!("{text}\n{{}}"));
    assert!(of_code(&report, "invalid_json")[0].message.contains("trailing characters"), "{:?}", report.findings);
}

#[test]
fn a_json_array_is_read_item_by_item_and_its_records_checked() {
    let array = json!([chat_n(1), chat(&[("user", "q"), ("assistant", "")]), chat_n(1)]);
    let report = check(serde_json::to_string_pretty(&array).unwrap());
    assert_eq!(report.layout, Layout::JsonArray);
    assert_eq!(report.format, Some(DatasetFormat::Chat));
    let got: Vec<_> = located(&report).into_iter().map(|(_, path, code)| (path.unwrap_or(""), code)).collect();
    assert_eq!(
        got,
        [("", "json_array_not_jsonl"), ("[1].messages[1].content", "empty_content"), ("[2]", "duplicate_conversation")]
    );
    assert!(of_code(&report, "json_array_not_jsonl")[0].suggestion.as_deref().unwrap().contains("jq -c '.[]'"));
    // An array of good records is a dataset like any other: the finding is worth knowing only.
    let good = check(serde_json::to_string_pretty(&json!([chat_n(1), chat_n(2)])).unwrap());
    assert!(good.valid, "{:?}", good.findings);
    assert_eq!((good.layout, good.stats.training_pairs), (Layout::JsonArray, 2));
    assert_eq!(of_code(&good, "json_array_not_jsonl")[0].severity, crate::model::Severity::Info);
    let report = check("[{\"a\": 1},\n {\"messages\": \"x\"}]");
    assert_eq!(
        located(&report),
        [
            (Some(1), None, "json_array_not_jsonl"),
            (Some(1), Some("[0]"), "unknown_format"),
            (Some(2), Some("[1].messages"), "wrong_type")
        ],
        "the first record of no known format does not stop the others"
    );
}

#[test]
fn a_pretty_printed_record_says_how_to_make_jsonl() {
    let report = check(serde_json::to_string_pretty(&chat_n(1)).unwrap());
    assert_eq!(report.layout, Layout::JsonDocument);
    assert_eq!(located(&report), [(Some(1), None, "json_document_not_jsonl")]);
    let finding = of_code(&report, "json_document_not_jsonl")[0];
    assert!(finding.message.contains("a chat record"), "{}", finding.message);
    assert!(finding.suggestion.as_deref().unwrap().contains("jq -c ."));
    assert_eq!(report.format, Some(DatasetFormat::Chat));
}

#[test]
fn the_example_files_are_valid() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data");
    let defaults = ValidateOptions::default();
    let v4 =
        crate::dataset::validate_path(format!("{data}/sample_v4.jsonl"), &defaults, &EstimatedTokenCounter).unwrap();
    assert!(v4.valid, "{:?}", v4.findings);
    assert_eq!((v4.errors, v4.warnings, v4.infos), (0, 0, 4), "only the user turns, as info");
    assert_eq!(v4.format, Some(DatasetFormat::BrightrunLoraV4));
    let s = &v4.stats;
    assert_eq!((s.records, s.training_pairs, s.user_turn_pairs, s.source_conversations), (28, 24, 4, Some(8)));
    let chat =
        crate::dataset::validate_path(format!("{data}/sample_chat.jsonl"), &defaults, &EstimatedTokenCounter).unwrap();
    assert!(chat.valid && chat.findings.is_empty(), "{:?}", chat.findings);
    assert_eq!((chat.stats.training_examples, chat.stats.validation_examples), (20, 4));
}

#[test]
fn a_truncated_first_line_does_not_hide_the_rest_of_a_jsonl_file() {
    let report = check(format!("{{\"messages\": [\n{}\n{}", chat_n(1), chat_n(2)));
    assert_eq!(report.layout, Layout::Jsonl);
    assert_eq!(located(&report), [(Some(1), None, "invalid_json")]);
    assert_eq!(report.stats.conversations, 2);
}
