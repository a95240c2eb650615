//! Conversations the assistant opens: a warning, and exact token counts as the trainer renders
//! them under a chat template that refuses them (Mistral's, which needs the user first).

use std::sync::OnceLock;

use serde_json::json;

use super::*;
use crate::dataset::test_support::train_byte_level;
use crate::dataset::tokenizer::HfTokenCounter;
use crate::dataset::with_empty_user_turn;

/// The chat template of Mistral-7B-Instruct-v0.1: roles must alternate, the user first.
const MISTRAL_TEMPLATE: &str = "{{ bos_token }}{% for message in messages %}\
    {% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\
    {{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}\
    {% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}\
    {% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}\
    {% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

/// An exact counter with a small trained BPE and Mistral's template.
fn mistral() -> &'static HfTokenCounter {
    static COUNTER: OnceLock<HfTokenCounter> = OnceLock::new();
    COUNTER.get_or_init(|| {
        let tokenizer = train_byte_level(600, 300).unwrap();
        let config = json!({"chat_template": MISTRAL_TEMPLATE, "bos_token": "<s>", "eos_token": "</s>"});
        HfTokenCounter::from_json("mistral-template", &tokenizer, Some(&config.to_string()), None).unwrap()
    })
}

fn opened_by_the_assistant() -> Vec<Message> {
    vec![
        Message::new(Role::Assistant, "Hello, I am your coach for today."),
        Message::new(Role::User, "I feel stuck at work."),
        Message::new(Role::Assistant, "What feels most stuck?"),
    ]
}

fn record(messages: &[Message]) -> String {
    json!({ "messages": messages }).to_string()
}

#[test]
fn it_is_a_warning_with_the_fix_in_every_format() {
    let chat_report = check(record(&opened_by_the_assistant()));
    assert!(chat_report.valid);
    assert_eq!(located(&chat_report), [(Some(1), Some("messages[0]"), "assistant_first")]);
    let finding = &chat_report.findings[0];
    assert!(finding.suggestion.as_deref().unwrap().contains("add the user turn that prompted it"), "{finding:?}");

    let v3 = json!({"conversation_id": "c", "turns": [
        {"role": "system", "content": "s"}, {"role": "assistant", "content": "Hi"}, {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"}
    ]});
    assert_eq!(located(&check(v3.to_string())), [(Some(1), Some("turns[1]"), "assistant_first")]);

    let v4 = v4_pair("c1", 1, &[("assistant", "Welcome back.")], "Hi.", Some("How are you?"));
    assert_eq!(located(&check(v4.to_string())), [(Some(1), Some("conversation_history[0]"), "assistant_first")]);
}

#[test]
fn a_template_that_refuses_it_counts_it_with_an_empty_user_turn_first() {
    let counter = mistral();
    let messages = opened_by_the_assistant();
    let refused = counter.count(&messages).unwrap_err();
    assert!(refused.to_string().contains("must alternate"), "{refused}");
    let expected = counter.count(&with_empty_user_turn(&messages).unwrap()).unwrap();

    let options = options();
    let report = validate(record(&messages).as_bytes(), &options, counter).unwrap();
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(report.counts.keys().collect::<Vec<_>>(), ["assistant_first"]);
    assert_eq!(report.stats.total_tokens, Some(expected.total));
    assert_eq!(report.stats.trainable_tokens, Some(expected.trainable));
    assert!(expected.trainable > 0);
}

#[test]
fn other_conversations_the_template_refuses_are_still_reported() {
    let messages =
        [Message::new(Role::User, "one"), Message::new(Role::User, "two"), Message::new(Role::Assistant, "answer")];
    let report = validate(record(&messages).as_bytes(), &options(), mistral()).unwrap();
    let failed = of_code(&report, "token_count_failed");
    assert_eq!(failed.len(), 1, "{:?}", report.findings);
    assert!(failed[0].message.contains("must alternate"), "{}", failed[0].message);
}

#[test]
fn exact_trainable_tokens_leave_weight_0_answers_out() {
    let counter = mistral();
    let messages = vec![
        Message::new(Role::User, "I feel stuck at work."),
        Message::new(Role::Assistant, "A first, weaker answer."),
        Message::new(Role::User, "Can you say more?"),
        Message::new(Role::Assistant, "What feels most stuck?"),
    ];
    let trainable = |weights: [Option<u8>; 2]| {
        let mut weighted = messages.clone();
        weighted[1].weight = weights[0];
        weighted[3].weight = weights[1];
        validate(record(&weighted).as_bytes(), &options(), counter).unwrap().stats.trainable_tokens.unwrap()
    };
    let (both, last, first) = (trainable([None, None]), trainable([Some(0), None]), trainable([None, Some(0)]));
    assert!(last > 0 && first > 0);
    assert_eq!(both, first + last, "each answer's tokens are counted once, and only when trained");
}
