//! The estimate used when no tokenizer is available.

use super::{TokenCount, TokenCounter, TokenizerError};
use crate::dataset::conversation::Message;

/// Characters per token assumed by the estimate: about 4 for English prose with the BPE
/// vocabularies of Llama 3, Mistral and Qwen (OpenAI's published rule of thumb).
pub const CHARS_PER_TOKEN: u64 = 4;

/// Template tokens assumed around each message (role markers and separators).
pub const TOKENS_PER_MESSAGE: u64 = 4;

/// An estimate: `ceil(chars / 4) + 4` tokens a message. Never exact, and named as such.
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
            let tokens = (message.content.chars().count() as u64).div_ceil(CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE;
            count.total += tokens;
            if message.is_trained() {
                count.trainable += tokens;
            }
        }
        Ok(count)
    }
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
