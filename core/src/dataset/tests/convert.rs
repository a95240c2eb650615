//! Conversion to the canonical chat JSONL: round trips, deterministic splits, atomic output.

use std::collections::HashMap;
use std::path::Path;

use super::*;
use crate::dataset::{ConvertOptions, ConvertSummary, TRAIN_FILE, VALIDATION_FILE, convert};

fn run(input: &str, options: &ConvertOptions) -> (ConvertSummary, Vec<Value>, Vec<Value>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let summary = convert(input.as_bytes(), dir.path(), options).unwrap();
    let read = |name: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    };
    let (train, validation) = (read(TRAIN_FILE), read(VALIDATION_FILE));
    (summary, train, validation, dir)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn v4_to_chat_keeps_every_trainable_pair_exactly_once() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/sample_v4.jsonl")).unwrap();
    let (summary, train, validation, _dir) = run(&text, &ConvertOptions::default());
    let targets: Vec<String> = text
        .lines()
        .skip(1)
        .filter_map(|line| serde_json::from_str::<Value>(line).unwrap()["target_response"].as_str().map(str::to_owned))
        .collect();
    assert!(validation.is_empty());
    assert_eq!(summary.train_conversations, targets.len() as u64);
    assert_eq!(summary.skipped_untrained, 4, "the user turns");
    assert_eq!((summary.skipped_invalid, summary.skipped_overlap), (0, 0));
    let mut written: HashMap<String, usize> = HashMap::new();
    for line in &train {
        let messages = line["messages"].as_array().unwrap();
        assert_eq!(line.as_object().unwrap().len(), 1, "only `messages`");
        assert_eq!(messages[0]["role"], "system");
        let last = messages.last().unwrap();
        assert_eq!(last["role"], "assistant");
        *written.entry(last["content"].as_str().unwrap().to_owned()).or_default() += 1;
        for pair in messages.windows(2) {
            assert_ne!(pair[0]["role"], pair[1]["role"], "the repeated input is not emitted twice");
        }
    }
    for target in &targets {
        assert_eq!(written.get(target), Some(&1), "{target}");
    }
}

#[test]
fn the_hash_split_is_deterministic_and_never_splits_a_conversation() {
    let mut records: Vec<Value> = (0..1000).map(chat_n).collect();
    records.extend((0..50).map(chat_n));
    let text = jsonl(&records);
    let options = ConvertOptions { validation_fraction: 0.2, ..ConvertOptions::default() };
    let (first, train, validation, _a) = run(&text, &options);
    let (second, train_again, validation_again, _b) = run(&text, &options);
    assert_eq!((&train, &validation), (&train_again, &validation_again));
    assert_eq!(
        (first.train_conversations, first.validation_conversations),
        (second.train_conversations, second.validation_conversations)
    );
    assert_eq!(first.train_conversations + first.validation_conversations, 1050);
    assert!((150..=270).contains(&validation.len()), "{} of 1050", validation.len());
    let in_train: std::collections::HashSet<String> = train.iter().map(Value::to_string).collect();
    assert!(validation.iter().all(|c| !in_train.contains(&c.to_string())), "no conversation in both");
}

#[test]
fn explicit_splits_win_and_overlap_is_not_written_twice() {
    let mut held_out = chat_n(2);
    held_out["split"] = json!("validation");
    let mut leaked = chat_n(1);
    leaked["split"] = json!("validation");
    let text = jsonl(&[chat_n(1), held_out, leaked]);
    let (summary, train, validation, _dir) =
        run(&text, &ConvertOptions { validation_fraction: 0.5, ..ConvertOptions::default() });
    assert_eq!((summary.train_conversations, summary.validation_conversations, summary.skipped_overlap), (1, 1, 1));
    assert_eq!(
        train[0],
        json!({"messages": [{"role": "user", "content": "question 1"}, {"role": "assistant", "content": "answer 1"}]})
    );
    assert_eq!(validation[0]["messages"][1]["content"], "answer 2");
}

#[test]
fn records_with_errors_are_skipped_and_counted() {
    let text =
        format!("{}\n{{broken\n{}\n{}", chat_n(1), chat(&[("user", "q"), ("assistant", " ")]), chat(&[("user", "q")]));
    let (summary, train, _, _dir) = run(&text, &ConvertOptions::default());
    assert_eq!((summary.train_conversations, summary.skipped_invalid), (1, 3));
    assert_eq!(train.len(), 1);
}

#[test]
fn a_failed_conversion_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(TRAIN_FILE), "old\n").unwrap();
    let truncated_gzip = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2];
    let err = convert(&truncated_gzip[..], dir.path(), &ConvertOptions::default()).unwrap_err();
    assert!(matches!(err, DatasetError::Gzip { .. }), "{err}");
    assert_eq!(files_in(dir.path()), [TRAIN_FILE], "no temporary file left, the old output untouched");
    assert_eq!(std::fs::read_to_string(dir.path().join(TRAIN_FILE)).unwrap(), "old\n");

    let err = convert(&b""[..], dir.path(), &ConvertOptions { validation_fraction: 1.0, ..ConvertOptions::default() });
    assert!(matches!(err, Err(DatasetError::InvalidOption { name: "validation_fraction", .. })));
    let file = dir.path().join(TRAIN_FILE);
    let err = convert(chat_n(1).to_string().as_bytes(), &file, &ConvertOptions::default()).unwrap_err();
    assert!(matches!(err, DatasetError::Write { .. }), "{err}");
}

#[test]
fn a_v4_document_converts_like_its_jsonl() {
    let pairs = [
        v4_pair("a", 1, &[], "hello", Some("hi")),
        v4_pair("a", 2, &[("user", "hello"), ("assistant", "hi")], "more", Some("sure")),
    ];
    let document = serde_json::to_string_pretty(&json!({"conversations": [{"training_pairs": pairs}]})).unwrap();
    let (from_document, train_document, _, _a) = run(&document, &ConvertOptions::default());
    let (from_jsonl, train_jsonl, _, _b) = run(&jsonl(&pairs), &ConvertOptions::default());
    assert_eq!(train_document, train_jsonl);
    assert_eq!(from_document.train_conversations, 2);
    assert_eq!(from_jsonl.layout, crate::dataset::Layout::Jsonl);
}
