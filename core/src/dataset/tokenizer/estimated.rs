//! The estimate used when no tokenizer is available.

use super::{TokenCount, TokenCounter, TokenizerError};
use crate::dataset::conversation::{Message, Tool};

/// Characters per token assumed by the estimate: about 4 for English prose with the BPE
/// vocabularies of Llama 3, Mistral and Qwen (OpenAI's published rule of thumb).
pub const CHARS_PER_TOKEN: u64 = 4;

/// Template tokens assumed around each message (role markers and separators).
pub const TOKENS_PER_MESSAGE: u64 = 4;

/// An estimate: `ceil(chars / 4) + 4` tokens a message (its content, and the JSON of its tool
/// calls), and `ceil(chars / 4)` for the JSON of a conversation's tools. Never exact, and
/// named as such.
#[derive(Debug, Clone, Copy, Default)]
pub struct EstimatedTokenCounter;

impl TokenCounter for EstimatedTokenCounter {
    fn name(&self) -> &str {
        "estimate:chars/4"
    }

    fn is_exact(&self) -> bool {
        false
    }

    fn count(&self, messages: &[Message]) -> Result<TokenCount, TokenizerError> {
        let mut count = TokenCount::default();
        for message in messages {
            let calls = message.tool_calls.as_ref().map_or(0, json_chars);
            let reasoning = message.reasoning_content.as_deref().map_or(0, |text| text.chars().count() as u64);
            let chars = message.content.chars().count() as u64 + calls + reasoning;
            let tokens = chars.div_ceil(CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE;
            count.total += tokens;
            if message.is_trained() {
                count.trainable += tokens;
            }
        }
        Ok(count)
    }

    fn count_with_tools(&self, messages: &[Message], tools: Option<&[Tool]>) -> Result<TokenCount, TokenizerError> {
        let mut count = self.count(messages)?;
        count.total += tools.map_or(0, json_chars).div_ceil(CHARS_PER_TOKEN);
        Ok(count)
    }
}

/// Characters of `value` written as JSON.
fn json_chars<T: serde::Serialize + ?Sized>(value: &T) -> u64 {
    serde_json::to_string(value).map_or(0, |json| json.chars().count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::conversation::Role;

    #[test]
    fn estimates_four_characters_a_token_plus_the_template() {
        let messages = [Message::new(Role::User, "abcdefgh"), Message::new(Role::Assistant, "abcde")];
        let count = EstimatedTokenCounter.count(&messages).unwrap();
        assert_eq!(count, TokenCount { total: 2 + 4 + 2 + 4, trainable: 2 + 4 });
        assert!(!EstimatedTokenCounter.is_exact());
    }
}
