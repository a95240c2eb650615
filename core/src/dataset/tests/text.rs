//! Plain text for continued pretraining: `{"text", "split"?, "id"?}` records, detected only
//! when they have no other key, checked with their own findings, converted to `{"text"}`
//! lines and counted whole (every token trained on).

use super::*;
use crate::dataset::{ConvertOptions, Layout, TRAIN_FILE, VALIDATION_FILE, convert};
use crate::model::{DatasetFormat, Severity};

const TEXT: &str = include_str!("fixtures/text.jsonl");

/// Converts `input` (its format recognised, or `format`) and reads back the texts of both
/// files, checking that every line is `{"text": ...}` alone.
fn converted_texts(input: &str, format: Option<DatasetFormat>) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    convert(input.as_bytes(), dir.path(), &ConvertOptions { format, ..ConvertOptions::default() }).unwrap();
    let read = |name: &str| -> Vec<String> {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        text.lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line).unwrap();
                assert_eq!(value.as_object().unwrap().len(), 1, "only `text`: {line}");
                value["text"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    (read(TRAIN_FILE), read(VALIDATION_FILE))
}

#[test]
fn text_records_are_documents_trained_on_whole() {
    let report = check(TEXT);
    assert_eq!((report.format, report.layout), (Some(DatasetFormat::Text), Layout::Jsonl));
    assert_eq!(
        findings(&report),
        [
            (3, "text", "empty_text"),
            (4, "text", "wrong_type"),
            (5, "text", "empty_text"),
            (6, "split", "invalid_split"),
            (7, "text", "control_characters"),
            (8, "", "format_mismatch"),
        ]
    );
    let first = &report.sample_data[0];
    assert_eq!(
        first.messages,
        [Message::new(Role::Text, "The quick brown fox jumps over the lazy dog.\nA second line of the same document.")]
    );
    assert_eq!(first.document_text(), Some(first.messages[0].content.as_str()));
    assert_eq!(report.sample_data[1].split, crate::dataset::Split::Validation);
    assert_eq!(report.sample_data[1].source.id.as_deref(), Some("doc-2"));
    let s = &report.stats;
    // Every record but the unreadable `text` and the prompt/completion record is a document.
    assert_eq!((s.records, s.conversations, s.roles.text, s.roles.assistant), (9, 7, 7, 0));
    assert_eq!((s.training_pairs, s.validation_pairs), (6, 1));
    // The character counter counts each text whole, and all of it is trainable.
    assert_eq!(s.total_tokens, s.trainable_tokens);
    let mismatch = &report.findings.iter().find(|f| f.code == "format_mismatch").unwrap().message;
    assert!(mismatch.contains("prompt/completion") && mismatch.contains("text"), "{mismatch}");
}

#[test]
fn text_converts_to_text_lines_and_back() {
    let (train, validation) = converted_texts(TEXT, None);
    assert_eq!(
        train,
        [
            "The quick brown fox jumps over the lazy dog.\nA second line of the same document.",
            "A text with a bell \u{7} in it.",
            "Unicode too: caf\u{e9}, \u{65e5}\u{672c}\u{8a9e}, \u{1f642}. The end.",
        ],
        "records with an error are left out, those with a warning kept"
    );
    assert_eq!(validation, ["Held out: a document of the validation split."]);
    // The converted files are themselves text datasets, with the same counts.
    let again: String = train.iter().map(|t| format!("{}\n", json!({"text": t}))).collect();
    let report = validate(again.as_bytes(), &options(), &CharCounter).unwrap();
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(report.format, Some(DatasetFormat::Text));
    let chars: u64 = train.iter().map(|t| t.chars().count() as u64).sum();
    assert_eq!((report.stats.total_tokens, report.stats.trainable_tokens), (Some(chars), Some(chars)));
    assert_eq!(converted_texts(&again, None), (train, Vec::new()));
}

#[test]
fn a_record_with_text_and_other_keys_is_told_its_closest_format() {
    let report = check(jsonl(&[json!({"text": "a web page", "url": "https://example.com", "timestamp": 3})]));
    assert_eq!(report.format, None);
    let finding = &report.findings[0];
    assert_eq!(finding.code, "unknown_format");
    assert!(
        finding.message.contains(
            "it looks like a plain-text record (`timestamp`, `url` are not read); to read such records with those \
             keys left unread, force the format: `--format text`"
        ),
        "{}",
        finding.message
    );
    // Forced, the other keys are not read: the text is.
    let forced = ValidateOptions { format: Some(DatasetFormat::Text), ..options() };
    let report = check_with(jsonl(&[json!({"text": "a web page", "url": "u"})]), &forced);
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(report.stats.roles.text, 1);
}

#[test]
fn a_text_over_max_seq_len_is_trained_in_windows() {
    let short = ValidateOptions { max_seq_len: Some(10), ..options() };
    let report =
        validate(jsonl(&[json!({"text": "twenty-four characters.."})]).as_bytes(), &short, &CharCounter).unwrap();
    let finding = &report.findings[0];
    assert_eq!((finding.code.as_str(), finding.severity), ("text_split_into_windows", Severity::Info));
    assert!(
        finding.message.contains("24 tokens, over max_seq_len 10: it is trained on as 3 windows"),
        "{}",
        finding.message
    );
    assert_eq!(report.stats.over_max_seq_len, 1);
    assert!(report.valid);
}

#[test]
fn chat_files_with_a_text_key_are_still_chat() {
    let chat =
        json!({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "text": "x"});
    assert_eq!(check(jsonl(&[chat])).format, Some(DatasetFormat::Chat));
    let report = check(jsonl(&[json!({"messages": [{"role": "text", "content": "a document"}]})]));
    assert_eq!(report.findings[0].code, "unknown_role", "`text` is no role of a chat message");
}

#[test]
fn a_csv_table_of_text_records_reads_as_their_json_lines() {
    let csv = "text,split\n\"A document, with a comma\nand a line break.\",\nHeld out.,validation\n\" \",\n";
    let report = check(csv);
    assert_eq!((report.format, report.layout), (Some(DatasetFormat::Text), Layout::Csv));
    assert_eq!(findings(&report), [(5, "text", "empty_text")], "the row's own line");
    // The empty text is a record with an error: counted, and not converted.
    assert_eq!((report.stats.training_pairs, report.stats.validation_pairs), (2, 1));
    assert_eq!(
        converted_texts(csv, None),
        (vec!["A document, with a comma\nand a line break.".to_owned()], vec!["Held out.".to_owned()])
    );
    let single_column = "text\nOne document.\nAnother one.\n";
    let report = check(single_column);
    assert_eq!((report.format, report.layout, report.stats.conversations), (Some(DatasetFormat::Text), Layout::Csv, 2));
}
