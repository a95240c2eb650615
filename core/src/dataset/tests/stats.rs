//! The statistics of the report, with an exact test counter.

use super::*;

#[test]
fn tokens_are_counted_for_what_the_trainer_sees() {
    let mut records: Vec<Value> =
        (1..=20).map(|n| chat(&[("user", &"u".repeat(n)), ("assistant", &"a".repeat(n))])).collect();
    records.push(v4_ignored_record());
    let options = ValidateOptions { max_seq_len: Some(30), ..options() };
    let report = validate(jsonl(&records).as_bytes(), &options, &CharCounter).unwrap();
    let s = &report.stats;
    assert_eq!(s.tokenizer.as_deref(), Some("test:chars"));
    assert!(s.tokens_exact);
    // Conversation n has 2n tokens, n of them trainable; the weight-0 record is not counted.
    assert_eq!(s.total_tokens, Some((1..=20).map(|n| 2 * n).sum()));
    assert_eq!(s.trainable_tokens, Some((1..=20).sum()));
    assert_eq!(s.validation_tokens, Some(0));
    let spread = s.tokens_per_conversation.unwrap();
    assert_eq!((spread.min, spread.median, spread.p95, spread.max), (2, 20, 38, 40));
    assert_eq!(s.over_max_seq_len, 5, "conversations of 32 to 40 tokens");
    assert_eq!(report.counts["exceeds_max_seq_len"], 5);
    let messages = s.messages_per_conversation.unwrap();
    assert_eq!((messages.min, messages.max, messages.mean), (1, 2, 41.0 / 21.0));
    assert_eq!(s.zero_weight_conversations, 1);
}

/// A chat record with `weight: 0`: checked and counted, not trained on.
fn v4_ignored_record() -> Value {
    json!({"messages": [{"role": "user", "content": "skip me"}], "weight": 0})
}

#[test]
fn tokens_can_be_skipped_and_the_estimate_says_it_is_not_exact() {
    let text = jsonl(&(0..3).map(chat_n).collect::<Vec<_>>());
    let report = check_with(&text, &ValidateOptions { count_tokens: false, ..options() });
    let s = &report.stats;
    assert_eq!(
        (s.total_tokens, s.tokenizer.as_deref(), s.tokens_exact, s.tokens_per_conversation),
        (None, None, false, None)
    );
    let report = check(&text);
    assert_eq!(report.stats.tokenizer.as_deref(), Some("estimate:chars/4"));
    assert!(!report.stats.tokens_exact);
    assert!(report.stats.total_tokens.unwrap() > 0);
}

#[test]
fn sample_data_is_the_first_three_conversations() {
    let text = format!("{{bad\n{}", jsonl(&(0..5).map(chat_n).collect::<Vec<_>>()));
    let report = check(text);
    let lines: Vec<u64> = report.sample_data.iter().map(|c| c.source.line).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert_eq!(report.sample_data[0].messages[1].content, "answer 0");
}

#[test]
fn too_few_examples_counts_trainable_training_conversations() {
    let options = ValidateOptions { min_examples: 3, ..options() };
    let mut validation = chat_n(9);
    validation["split"] = json!("validation");
    let report = check_with(jsonl(&[chat_n(1), chat_n(2), validation, v4_ignored_record()]), &options);
    assert_eq!(report.stats.training_examples, 2);
    assert_eq!(located(&report), [(None, None, "too_few_examples")]);
    assert!(of_code(&report, "too_few_examples")[0].message.starts_with("2 training examples"));
}

#[test]
fn the_report_serialises_with_the_documented_fields() {
    let report = check(jsonl(&[chat_n(1), chat_n(1)]));
    let value = serde_json::to_value(&report).unwrap();
    for key in ["valid", "format", "layout", "stats", "counts", "findings", "sample_data", "errors", "warnings"] {
        assert!(value.get(key).is_some(), "{key}");
    }
    for key in
        ["conversations", "training_pairs", "validation_pairs", "total_tokens", "trainable_tokens", "tokens_exact"]
    {
        assert!(value["stats"].get(key).is_some(), "stats.{key}");
    }
    let finding = &value["findings"][0];
    for key in ["line", "path", "code", "severity", "message", "suggestion"] {
        assert!(finding.get(key).is_some(), "findings[].{key}");
    }
    assert_eq!(value["format"], "chat");
    assert_eq!(value["layout"], "jsonl");
    assert_eq!(value["counts"]["duplicate_conversation"], 1);
    assert_eq!(value["findings"][0]["severity"], "warning");
    let back: ValidationReport = serde_json::from_value(value).unwrap();
    assert_eq!(back, report);
}
