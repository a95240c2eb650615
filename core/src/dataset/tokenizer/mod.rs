//! Token counting: what a conversation costs in tokens, as the trainer will see it.
//!
//! A [`TokenCounter`] counts a whole canonical conversation: every token the model reads
//! (`total`) and the tokens the loss is computed on (`trainable`, the assistant's). The exact
//! counter loads a Hugging Face `tokenizer.json` and renders the model's chat template; the
//! [`EstimatedTokenCounter`] is a documented approximation for when no tokenizer is at hand,
//! and says so ([`TokenCounter::is_exact`] is false).

mod error;
mod estimated;

pub use error::TokenizerError;
pub use estimated::EstimatedTokenCounter;

use serde::Serialize;

use super::conversation::Message;

/// Tokens of one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TokenCount {
    /// Every token of the formatted conversation, special tokens included.
    pub total: u64,
    /// Tokens of the assistant's messages: what the loss is computed on.
    pub trainable: u64,
}

/// Counts the tokens of conversations. Shared by the validation threads, hence `Sync`.
pub trait TokenCounter: Send + Sync {
    /// What counts, as the report names it (`hf:Qwen/Qwen2.5-7B`, `estimate:chars/4`).
    fn name(&self) -> &str;

    /// Whether the counts are exactly the trainer's.
    fn is_exact(&self) -> bool;

    /// Counts one conversation as the trainer formats it.
    fn count(&self, messages: &[Message]) -> Result<TokenCount, TokenizerError>;
}
