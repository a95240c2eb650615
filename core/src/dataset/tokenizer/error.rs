//! Errors of the tokenizer concern.

use crate::error_code::{Code, ErrorCode};

/// A tokenizer that cannot be loaded or cannot count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenizerError {
    /// The tokenizer file or its configuration could not be read or parsed.
    #[error("cannot load tokenizer from {source_name}: {reason}")]
    Load {
        /// The path or model id.
        source_name: String,
        /// What went wrong and how to fix it.
        reason: String,
    },
    /// The chat template failed to render a conversation.
    #[error("chat template failed: {reason}")]
    Template {
        /// The template engine's message.
        reason: String,
    },
    /// The chat template cannot render a conversation's tools, tool calls or tool results.
    #[error("{tokenizer} cannot train on tool calls: {reason}")]
    ToolsUnsupported {
        /// The tokenizer, as the report names it.
        tokenizer: String,
        /// Why: what the template leaves out or its error.
        reason: String,
    },
    /// The chat template does not render the reasoning of a conversation's assistant messages.
    #[error("{tokenizer} cannot train on reasoning: {reason}")]
    ReasoningUnsupported {
        /// The tokenizer, as the report names it.
        tokenizer: String,
        /// Why: what the template leaves out.
        reason: String,
    },
    /// Encoding failed.
    #[error("tokenization failed: {reason}")]
    Encode {
        /// The tokenizer's message.
        reason: String,
    },
}

impl ErrorCode for TokenizerError {
    fn error_code(&self) -> Code {
        match self {
            TokenizerError::Load { .. } => Code::TokenizerLoadFailed,
            TokenizerError::Template { .. }
            | TokenizerError::ToolsUnsupported { .. }
            | TokenizerError::ReasoningUnsupported { .. } => Code::ChatTemplateFailed,
            TokenizerError::Encode { .. } => Code::TokenizationFailed,
        }
    }
}
