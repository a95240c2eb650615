//! The dataset engine: formats, streaming validation, token counts and conversion to the
//! canonical chat JSONL the trainer reads.

mod conversation;
pub mod tokenizer;

pub use conversation::{Conversation, Message, Role, Source, Split};
