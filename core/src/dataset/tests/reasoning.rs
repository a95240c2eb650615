//! An assistant's reasoning (`reasoning_content`, or `reasoning` and `thinking`): read on
//! assistant messages, kept in the canonical line, counted exactly under a template that
//! prints it (in the style of Qwen3's), and a finding naming the model under one that does
//! not.

use std::sync::OnceLock;

use serde_json::json;

use super::tools::{by_definition, chatml, counter_with};
use super::*;
use crate::dataset::tokenizer::{HfTokenCounter, TokenCounter};

/// A chat template that prints an assistant's reasoning before its answer, as Qwen3's does.
const REASONING_TEMPLATE: &str = concat!(
    "{% for m in messages %}<|im_start|>{{ m.role }}\n",
    "{% if m.reasoning_content is string %}<think>\n{{ m.reasoning_content }}\n</think>\n\n{% endif %}",
    "{{ m.content }}<|im_end|>\n{% endfor %}",
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
);

fn thinking() -> &'static HfTokenCounter {
    static COUNTER: OnceLock<HfTokenCounter> = OnceLock::new();
    COUNTER.get_or_init(|| counter_with("qwen3-style", REASONING_TEMPLATE))
}

/// A record whose answer reasons under `key`.
fn reasoned(key: &str) -> Value {
    json!({"messages": [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4", key: "Two and two make four."}
    ]})
}

fn codes(report: &ValidationReport) -> Vec<(&str, &str)> {
    report.findings.iter().map(|f| (f.path.as_deref().unwrap_or(""), f.code.as_str())).collect()
}

#[test]
fn reasoning_is_kept_in_the_canonical_line_under_any_of_its_names() {
    let lines: Vec<String> = ["reasoning_content", "reasoning", "thinking"]
        .iter()
        .map(|key| {
            let input = jsonl(&[reasoned(key)]);
            assert!(check(&input).findings.is_empty(), "{key}");
            let dir = tempfile::tempdir().unwrap();
            crate::dataset::convert(input.as_bytes(), dir.path(), &crate::dataset::ConvertOptions::default()).unwrap();
            std::fs::read_to_string(dir.path().join(crate::dataset::TRAIN_FILE)).unwrap()
        })
        .collect();
    assert_eq!(
        lines[0],
        "{\"messages\":[{\"role\":\"user\",\"content\":\"2+2?\"},{\"role\":\"assistant\",\"content\":\"4\",\
         \"reasoning_content\":\"Two and two make four.\"}]}\n"
    );
    assert!(lines.iter().all(|line| *line == lines[0]), "{lines:?}");

    // Not the same conversation as the bare answer: not a duplicate of it.
    let bare = json!({"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]});
    assert!(check(jsonl(&[reasoned("reasoning_content"), bare])).findings.is_empty());
}

#[test]
fn reasoning_on_another_role_is_not_read() {
    let record = json!({"messages": [
        {"role": "user", "content": "2+2?", "reasoning_content": "mine"},
        {"role": "assistant", "content": "4"}
    ]});
    let report = check(jsonl(&[record]));
    assert_eq!(codes(&report), [("messages[0].reasoning_content", "unknown_message_key")]);
    // Two different texts of reasoning: the first is read, the other reported.
    let record = json!({"messages": [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4", "reasoning_content": "a", "thinking": "b"}
    ]});
    let report = check(jsonl(&[record]));
    assert_eq!(codes(&report), [("messages[1].thinking", "unknown_message_key")]);
}

#[test]
fn reasoning_is_counted_exactly_where_the_template_prints_it() {
    let options = ValidateOptions { min_examples: 0, ..options() };
    let input = jsonl(&[reasoned("reasoning_content")]);
    let report = validate(input.as_bytes(), &options, thinking()).unwrap();
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
    let messages = vec![Message::new(Role::User, "2+2?"), Message::reasoning("Two and two make four.", "4")];
    let count = thinking().count_with_tools(&messages, None).unwrap();
    assert_eq!(count, by_definition(thinking(), &messages, None));
    assert_eq!((report.stats.total_tokens, report.stats.trainable_tokens), (Some(count.total), Some(count.trainable)));
    let bare = thinking().count(&[Message::new(Role::User, "2+2?"), Message::new(Role::Assistant, "4")]).unwrap();
    assert!(count.trainable > bare.trainable, "the reasoning is trained on: {count:?} {bare:?}");

    // A template that never prints it, and BrightRun's ChatML: the answers would be learnt
    // without their reasoning.
    let ignoring = counter_with("answers-only", &REASONING_TEMPLATE.replace("m.reasoning_content is string", "false"));
    for (counter, why) in [(&ignoring, "never prints an assistant's `reasoning_content`"), (chatml(), "default ChatML")]
    {
        let report = validate(input.as_bytes(), &options, counter).unwrap();
        assert_eq!(codes(&report), [("", "reasoning_unsupported_by_template")]);
        let finding = &report.findings[0];
        assert!(finding.message.contains(counter.name()) && finding.message.contains(why), "{}", finding.message);
        assert!(finding.suggestion.as_deref().unwrap().contains("reasoning_content"));
    }
}

#[test]
fn reasoning_is_given_to_the_template_as_thinking_too_as_gpt_oss_reads_it() {
    // gpt-oss's template prints an assistant's `thinking` on its analysis channel.
    let gpt_oss = counter_with(
        "gpt-oss-style",
        concat!(
            "{% for m in messages %}<|start|>{{ m.role }}{% if m.thinking %}<|channel|>analysis<|message|>",
            "{{ m.thinking }}<|end|><|start|>{{ m.role }}{% endif %}<|message|>{{ m.content }}<|end|>{% endfor %}",
            "{% if add_generation_prompt %}<|start|>assistant{% endif %}"
        ),
    );
    let options = ValidateOptions { min_examples: 0, ..options() };
    let report = validate(jsonl(&[reasoned("thinking")]).as_bytes(), &options, &gpt_oss).unwrap();
    assert!(report.valid && report.findings.is_empty(), "{:?}", report.findings);
    let messages = vec![Message::new(Role::User, "2+2?"), Message::reasoning("Two and two make four.", "4")];
    let text = gpt_oss.render(&messages, false).unwrap();
    assert!(text.contains("<|channel|>analysis<|message|>Two and two make four.<|end|>"), "{text}");
    assert_eq!(gpt_oss.count_with_tools(&messages, None).unwrap(), by_definition(&gpt_oss, &messages, None));
}

#[test]
fn the_estimate_counts_reasoning_as_text() {
    let estimate = crate::dataset::tokenizer::EstimatedTokenCounter;
    let reasoned = estimate.count(&[Message::new(Role::User, "q"), Message::reasoning("x".repeat(400), "a")]).unwrap();
    let bare = estimate.count(&[Message::new(Role::User, "q"), Message::new(Role::Assistant, "a")]).unwrap();
    assert_eq!(reasoned.trainable - bare.trainable, 100);
}
