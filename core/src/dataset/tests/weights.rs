//! Per-message `weight` (OpenAI's chat format: 0 or 1 on assistant messages): honoured in the
//! statistics, the token counts, the samples and the converted output; any other use reported.

use serde_json::json;

use super::*;
use crate::dataset::{ConvertOptions, DatasetStats, TRAIN_FILE, convert};

/// A chat record of `(role, content, weight)` messages; `None` leaves the weight out.
fn weighted(messages: &[(&str, &str, Option<Value>)]) -> Value {
    let messages: Vec<Value> = messages
        .iter()
        .map(|(role, content, weight)| {
            let mut message = json!({"role": role, "content": content});
            if let Some(weight) = weight {
                message["weight"] = weight.clone();
            }
            message
        })
        .collect();
    json!({ "messages": messages })
}

/// Two exchanges whose first answer has `weight`.
fn first_answer_weighted(weight: Option<Value>) -> Value {
    weighted(&[
        ("user", "hello", None),
        ("assistant", "a draft answer", weight),
        ("user", "again", None),
        ("assistant", "the answer", None),
    ])
}

#[test]
fn a_weight_0_answer_is_neither_a_target_nor_trainable_tokens() {
    let with = |weight| check_with(first_answer_weighted(weight).to_string(), &options());
    let unweighted = with(None);
    let zero = with(Some(json!(0)));
    let one = with(Some(json!(1)));
    assert!(zero.valid && zero.findings.is_empty(), "{:?}", zero.findings);
    assert_eq!(unweighted.stats.training_pairs, 2);
    assert_eq!(zero.stats.training_pairs, 1);
    let trainable = |report: &ValidationReport| report.stats.trainable_tokens.unwrap();
    let draft = EstimatedTokenCounter.count(&[Message::new(Role::Assistant, "a draft answer")]).unwrap().trainable;
    assert_eq!(trainable(&zero), trainable(&unweighted) - draft);
    assert_eq!(zero.stats.total_tokens, unweighted.stats.total_tokens, "the untrained answer is still read");
    let same_file = |report: &ValidationReport| DatasetStats { bytes: 0, ..report.stats.clone() };
    assert_eq!(same_file(&one), same_file(&unweighted), "1 is the default");
    assert_eq!(zero.sample_data[0].messages[1].weight, Some(0));
    assert!(!zero.sample_data[0].messages[1].is_trained());
    assert_eq!(one.sample_data[0].messages[1].weight, None, "a weight of 1 is not kept");
}

#[test]
fn a_counter_is_given_the_weights() {
    let chars = |text: &str| text.chars().count() as u64;
    let trainable = |weight| {
        let input = first_answer_weighted(weight).to_string();
        validate(input.as_bytes(), &options(), &CharCounter).unwrap().stats.trainable_tokens
    };
    assert_eq!(trainable(Some(json!(0))), Some(chars("the answer")));
    assert_eq!(trainable(None), Some(chars("a draft answer") + chars("the answer")));
}

#[test]
fn weights_other_than_0_or_1_or_off_assistant_messages_are_errors() {
    let cases: [(Value, &str, &str); 6] = [
        (
            first_answer_weighted(Some(json!(2))),
            "invalid_weight",
            "`messages[1].weight` is 2; only 0 and 1 are allowed",
        ),
        (
            first_answer_weighted(Some(json!(1.5))),
            "invalid_weight",
            "`messages[1].weight` is 1.5; only 0 and 1 are allowed",
        ),
        (
            first_answer_weighted(Some(json!(-1))),
            "invalid_weight",
            "`messages[1].weight` is -1; only 0 and 1 are allowed",
        ),
        (first_answer_weighted(Some(json!("0"))), "wrong_type", "`messages[1].weight` is a string; expected a number"),
        (
            weighted(&[("user", "q", Some(json!(1))), ("assistant", "a", None)]),
            "misplaced_weight",
            "`weight` on a user message: only assistant messages are trained on, so only they take one",
        ),
        (
            weighted(&[("system", "s", Some(json!(0.5))), ("user", "q", None), ("assistant", "a", None)]),
            "misplaced_weight",
            "`weight` on a system message: only assistant messages are trained on, so only they take one",
        ),
    ];
    for (record, code, message) in cases {
        let report = check(record.to_string());
        assert!(!report.valid, "{record}");
        assert_eq!(report.counts.keys().collect::<Vec<_>>(), [code], "{record}");
        assert_eq!(of_code(&report, code)[0].message, message);
    }
    let report = check(first_answer_weighted(Some(json!(1.0))).to_string());
    assert!(report.valid && report.findings.is_empty(), "1.0 is the number 1: {:?}", report.findings);
}

#[test]
fn a_weight_of_0_or_null_on_a_message_never_trained_on_says_what_happens_and_is_accepted() {
    // As OpenHermes writes ShareGPT turns, and chat and a prompt of messages alike.
    let records = [
        json!({"conversations": [
            {"from": "system", "value": "s", "weight": null},
            {"from": "human", "value": "q", "weight": 0.0},
            {"from": "gpt", "value": "a", "weight": 1.0}
        ]}),
        weighted(&[("system", "s", Some(json!(0))), ("user", "q", Some(json!(0))), ("assistant", "a", Some(json!(1)))]),
        json!({"prompt": [{"role": "system", "content": "s", "weight": null}, {"role": "user", "content": "q", "weight": 0}],
               "completion": [{"role": "assistant", "content": "a"}]}),
    ];
    for record in records {
        let report = check(record.to_string());
        assert!(report.valid && report.findings.is_empty(), "{record}: {:?}", report.findings);
        assert_eq!(report.stats.training_pairs, 1, "{record}");
    }
}

#[test]
fn a_conversation_with_every_answer_weighted_0_is_a_warning_and_not_trained() {
    let all_zero = weighted(&[("user", "q", None), ("assistant", "a", Some(json!(0)))]);
    let report = check(jsonl(&[all_zero.clone(), chat_n(1)]));
    assert!(report.valid);
    assert_eq!(located(&report), [(Some(1), None, "all_weights_zero")]);
    let s = &report.stats;
    assert_eq!((s.conversations, s.training_examples, s.training_pairs, s.zero_weight_conversations), (2, 1, 1, 1));

    let dir = tempfile::tempdir().unwrap();
    let summary = convert(jsonl(&[all_zero, chat_n(1)]).as_bytes(), dir.path(), &ConvertOptions::default()).unwrap();
    assert_eq!((summary.train_conversations, summary.skipped_untrained), (1, 1));
}

#[test]
fn convert_writes_weight_0_on_untrained_answers_and_nothing_else() {
    let records = [
        first_answer_weighted(Some(json!(0))),
        first_answer_weighted(Some(json!(1))),
        first_answer_weighted(Some(json!(2))),
    ];
    let dir = tempfile::tempdir().unwrap();
    let summary = convert(jsonl(&records).as_bytes(), dir.path(), &ConvertOptions::default()).unwrap();
    assert_eq!((summary.train_conversations, summary.skipped_invalid), (2, 1), "weight 2 is an error");
    let text = std::fs::read_to_string(dir.path().join(TRAIN_FILE)).unwrap();
    let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(
        lines[0]["messages"],
        json!([
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": "a draft answer", "weight": 0},
            {"role": "user", "content": "again"},
            {"role": "assistant", "content": "the answer"}
        ])
    );
    assert_eq!(lines[1], json!({"messages": first_answer_weighted(None)["messages"]}), "weight 1 is the default");
}

#[test]
fn conversations_that_differ_only_in_weights_are_not_duplicates() {
    let report = check(jsonl(&[first_answer_weighted(None), first_answer_weighted(Some(json!(0)))]));
    assert_eq!(report.counts.get("duplicate_conversation"), None, "{:?}", report.findings);
    let report = check(jsonl(&[first_answer_weighted(Some(json!(0))), first_answer_weighted(Some(json!(0)))]));
    assert_eq!(located(&report), [(Some(2), None, "duplicate_conversation")]);
}

#[test]
fn every_format_honours_a_weight_on_its_messages() {
    let v3 = json!({"conversation_id": "c", "turns": first_answer_weighted(Some(json!(0)))["messages"]});
    let report = check(v3.to_string());
    assert_eq!(report.stats.training_pairs, 1);
    let mut pair = v4_pair("c", 2, &[("user", "hello"), ("assistant", "hi")], "again", Some("the answer"));
    pair["conversation_history"][1]["weight"] = json!(0);
    let report = check(pair.to_string());
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(report.sample_data[0].messages[2].weight, Some(0));
}
