//! Small datasets the integration tests train on.

/// Chat JSONL with `n` distinct conversations.
pub fn chat_dataset(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"messages": [{{"role": "system", "content": "Be kind."}}, {{"role": "user", "content": "Question number {i}?"}}, {{"role": "assistant", "content": "Answer number {i}, calmly."}}]}}"#
            ) + "\n"
        })
        .collect()
}
