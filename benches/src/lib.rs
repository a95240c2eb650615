//! Shared pieces of the benches (`benches/`) and of the programs `benches/dataset/run.sh`
//! measures with (`src/bin/`): the naive token count the exact counter is compared with.
//! The benches are `store`, `token_count` and `validate` in `benches/`.

use brightrun_core::dataset::tokenizer::TokenCount;
use brightrun_core::dataset::{Message, Role};
use tokenizers::Tokenizer;

/// The naive count of a conversation under ChatML: one `Tokenizer::encode` of each message's
/// block `<|im_start|>{role}\n{content}<|im_end|>\n`. An assistant message trains on its
/// block less the header `<|im_start|>assistant\n` (content and end-of-turn marker): on a
/// ByteLevel BPE, whose pre-tokenizer cuts at the newline, this is the count
/// `HfTokenCounter` computes from the rendered conversation, with one encode per message.
pub struct NaiveCounter {
    tokenizer: Tokenizer,
    assistant_header: u64,
}

impl NaiveCounter {
    /// A counter over `tokenizer`.
    pub fn new(tokenizer: Tokenizer) -> Result<Self, String> {
        let assistant_header = encode_len(&tokenizer, "<|im_start|>assistant\n")?;
        Ok(Self { tokenizer, assistant_header })
    }

    /// Counts one conversation.
    pub fn count(&self, messages: &[Message]) -> Result<TokenCount, String> {
        let mut count = TokenCount::default();
        for message in messages {
            let block = format!("<|im_start|>{}\n{}<|im_end|>\n", message.role, message.content);
            let tokens = encode_len(&self.tokenizer, &block)?;
            count.total += tokens;
            if message.role == Role::Assistant {
                count.trainable += tokens.saturating_sub(self.assistant_header);
            }
        }
        Ok(count)
    }
}

fn encode_len(tokenizer: &Tokenizer, text: &str) -> Result<u64, String> {
    Ok(tokenizer.encode(text, false).map_err(|e| format!("encoding: {e}"))?.len() as u64)
}

/// The sum of two counts.
pub fn add(a: TokenCount, b: TokenCount) -> TokenCount {
    TokenCount { total: a.total + b.total, trainable: a.trainable + b.trainable }
}
