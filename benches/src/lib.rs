//! Shared pieces of the benches (`benches/`) and of the programs `benches/dataset/run.sh`
//! measures with (`src/bin/`): the naive token count the exact counter is compared with.
//! The benches are `store`, `token_count` and `validate` in `benches/`.

use brightrun_core::dataset::tokenizer::TokenCount;
use brightrun_core::dataset::{Message, Role};
use serde_json::Value;
use tokenizers::Tokenizer;

/// The reference count of a conversation under ChatML: the counting definition of
/// `HfTokenCounter` computed the obvious way, with one `Tokenizer::encode` of the whole
/// rendered conversation for the total and, for each trained assistant turn (weight not 0:
/// a v4 file's history answers are context), one of the conversation through the turn and
/// one of the conversation before it with the generation prompt (`trainable` adds up their
/// differences). Right for every tokenizer, whether or not ChatML's markers are special
/// tokens in it.
pub struct NaiveCounter {
    tokenizer: Tokenizer,
}

impl NaiveCounter {
    /// A counter over `tokenizer`.
    pub fn new(tokenizer: Tokenizer) -> Self {
        Self { tokenizer }
    }

    /// Counts one conversation.
    pub fn count(&self, messages: &[Message]) -> Result<TokenCount, String> {
        let mut count = TokenCount { total: encode_len(&self.tokenizer, &chatml(messages))?, trainable: 0 };
        for (i, message) in messages.iter().enumerate() {
            if message.is_trained() {
                let through = encode_len(&self.tokenizer, &chatml(&messages[..=i]))?;
                let before = encode_len(&self.tokenizer, &(chatml(&messages[..i]) + "<|im_start|>assistant\n"))?;
                count.trainable += through.saturating_sub(before);
            }
        }
        Ok(count)
    }
}

/// ChatML, as BrightRun's default template renders it.
fn chatml(messages: &[Message]) -> String {
    messages.iter().map(|m| format!("<|im_start|>{}\n{}<|im_end|>\n", m.role, m.content)).collect()
}

fn encode_len(tokenizer: &Tokenizer, text: &str) -> Result<u64, String> {
    Ok(tokenizer.encode(text, false).map_err(|e| format!("encoding: {e}"))?.len() as u64)
}

/// The sum of two counts.
pub fn add(a: TokenCount, b: TokenCount) -> TokenCount {
    TokenCount { total: a.total + b.total, trainable: a.trainable + b.trainable }
}

/// The canonical messages of a record, weighted as the validator weighs them (a chat
/// message's own `weight`; a v4 pair's history answers 0); empty when it has nothing to
/// train on.
pub fn conversation(line: &str) -> Result<Vec<Message>, String> {
    let record: Value = serde_json::from_str(line).map_err(|e| format!("a line is not JSON: {e}"))?;
    let message = |item: &Value| -> Result<Message, String> {
        let role = item["role"].as_str().and_then(Role::from_name).ok_or("a message without a known role")?;
        let message = Message::new(role, item["content"].as_str().ok_or("a message without content")?);
        // A chat message's own weight (0 or 1), as the validator reads it.
        Ok(match item["weight"].as_u64().and_then(|w| u8::try_from(w).ok()) {
            Some(weight) => message.with_weight(weight),
            None => message,
        })
    };
    if let Some(messages) = record["messages"].as_array() {
        return messages.iter().map(message).collect();
    }
    let Some(target) = record["target_response"].as_str() else { return Ok(Vec::new()) };
    let input = record["current_user_input"].as_str().ok_or("a v4 pair without current_user_input")?;
    let mut messages = Vec::new();
    if let Some(system) = record["system_prompt"].as_str().filter(|s| !s.trim().is_empty()) {
        messages.push(Message::new(Role::System, system));
    }
    let history = record["conversation_history"].as_array().map(Vec::as_slice).unwrap_or_default();
    for item in history {
        // The history's answers are context: only the target is trained on.
        let said = message(item)?;
        messages.push(if said.role == Role::Assistant { said.with_weight(0) } else { said });
    }
    if history
        .last()
        .is_some_and(|last| last["role"] == "user" && last["content"].as_str().map(str::trim) == Some(input.trim()))
    {
        messages.pop();
    }
    messages.push(Message::new(Role::User, input));
    messages.push(Message::new(Role::Assistant, target));
    Ok(messages)
}
