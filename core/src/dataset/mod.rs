//! The dataset engine: formats, streaming validation, token counts and conversion to the
//! canonical chat JSONL the trainer reads.

mod conversation;

pub use conversation::{Conversation, Message, Role, Source, Split};
