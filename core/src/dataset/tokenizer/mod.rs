//! Token counting: what a conversation costs in tokens, as the trainer will see it.
//!
//! A [`TokenCounter`] counts a whole canonical conversation: every token the model reads
//! (`total`) and the tokens the loss is computed on (`trainable`, the assistant's). The exact
//! counter loads a Hugging Face `tokenizer.json` and renders the model's chat template; the
//! [`EstimatedTokenCounter`] is a documented approximation for when no tokenizer is at hand,
//! and says so ([`TokenCounter::is_exact`] is false).
//!
//! [`load_token_counter`] turns what a user gives (`--tokenizer PATH|MODEL_ID`) into a
//! counter: [`resolve_tokenizer`] finds the files, [`HfTokenCounter`] counts with them.

mod byte_level;
mod cache;
mod engine;
mod error;
mod estimated;
mod hf;
#[cfg(feature = "hub")]
mod hub;
mod local_cache;
mod pieces;
#[cfg(test)]
mod real_vocabularies;
mod render;
mod resolve;
mod split_regex;
mod template;
#[cfg(test)]
mod tests;
mod walk;
pub(crate) mod words;

pub use cache::CacheCounters;
pub use error::TokenizerError;
pub use estimated::EstimatedTokenCounter;
pub use hf::{CacheStats, DEFAULT_CACHE_CAPACITY, HfTokenCounter};
pub use resolve::{
    CHAT_TEMPLATE_FILE, DEFAULT_HF_ENDPOINT, ResolveOptions, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, TokenizerFiles,
    resolve_tokenizer, validate_model_id,
};
pub use template::CHATML_TEMPLATE;

use serde::Serialize;

use super::conversation::{Message, Tool};

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

    /// Counts one conversation of chat with tools as the trainer formats it:
    /// `apply_chat_template(messages, tools=tools)`, the assistant's tool calls trained on and
    /// the tool results not. A counter whose chat template cannot render tools says so with
    /// [`TokenizerError::ToolsUnsupported`]. The default counts the messages alone with
    /// [`TokenCounter::count`].
    fn count_with_tools(&self, messages: &[Message], tools: Option<&[Tool]>) -> Result<TokenCount, TokenizerError> {
        let _ = tools;
        self.count(messages)
    }
}

/// The exact counter for `spec`: a path to `tokenizer.json`, a directory holding it, or a
/// Hugging Face model id (see [`resolve_tokenizer`] for where ids are looked up and when
/// they are fetched).
pub fn load_token_counter(spec: &str, options: &ResolveOptions) -> Result<Box<dyn TokenCounter>, TokenizerError> {
    let files = resolve_tokenizer(spec, options)?;
    Ok(Box::new(HfTokenCounter::from_files(&files)?))
}
