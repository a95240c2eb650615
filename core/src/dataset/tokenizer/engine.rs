//! Counting one piece of rendered text (the text between two added tokens, or a word of
//! it): by the byte-level model of this crate where it reproduces the tokenizer exactly,
//! else by `tokenizers` itself.

use tokenizers::{AddedToken, Tokenizer};

use super::TokenizerError;
use super::byte_level::ByteLevelModel;

/// An added token no text holds, given to a copy of the tokenizer that has no added token
/// fit to stand before a piece: private-use characters around a name.
const SYNTHETIC_ANCHOR: &str = "\u{10FFFD}\u{E000}brightrun-anchor\u{E000}\u{10FFFD}";

/// Why a piece was not counted.
#[derive(Debug)]
pub(crate) enum PieceError {
    /// It cannot be counted apart from the rest of its text: count the whole text.
    Whole,
    /// Counting failed.
    Failed(TokenizerError),
}

impl From<TokenizerError> for PieceError {
    fn from(error: TokenizerError) -> Self {
        PieceError::Failed(error)
    }
}

/// How pieces are counted.
pub(crate) enum PieceEngine {
    /// By the byte-level model: no context is needed.
    ByteLevel(Box<ByteLevelModel>),
    /// By `tokenizers`: a piece that does not start the text is encoded behind an added
    /// token (the anchor), which counts one more.
    Encode {
        /// The tokenizer to encode with: the counter's own, or a copy with a synthetic
        /// anchor.
        tokenizer: Box<Tokenizer>,
        /// The anchor's text.
        anchor: String,
    },
}

impl PieceEngine {
    /// The byte-level engine where `tokenizer` (loaded from `tokenizer_json`) allows it, else
    /// encoding behind `anchor`, an
    /// added token of the tokenizer (see [`super::pieces::PieceSplitter`]), or behind a
    /// synthetic one added to a copy when there is none.
    pub(crate) fn new(name: &str, tokenizer: &Tokenizer, tokenizer_json: &str, anchor: Option<&str>) -> Self {
        match ByteLevelModel::from_tokenizer(tokenizer, tokenizer_json) {
            Ok(model) => return PieceEngine::ByteLevel(Box::new(model)),
            Err(why) => tracing::debug!(tokenizer = name, %why, "counting pieces with tokenizers"),
        }
        let mut tokenizer = Box::new(tokenizer.clone());
        let anchor = match anchor {
            Some(anchor) => anchor.to_owned(),
            None => {
                tokenizer.add_special_tokens(&[AddedToken::from(SYNTHETIC_ANCHOR, true)]);
                SYNTHETIC_ANCHOR.to_owned()
            }
        };
        PieceEngine::Encode { tokenizer, anchor }
    }

    /// Whether pieces are counted without `tokenizers`.
    pub(crate) fn is_byte_level(&self) -> bool {
        matches!(self, PieceEngine::ByteLevel(_))
    }

    /// The tokens of `piece`, which starts the text when `at_start`.
    pub(crate) fn count(&self, piece: &str, at_start: bool) -> Result<u64, PieceError> {
        match self {
            PieceEngine::ByteLevel(model) => model.count(piece).map_err(|_| PieceError::Whole),
            PieceEngine::Encode { tokenizer, anchor } => {
                if at_start {
                    Ok(encode_len(tokenizer, piece)?)
                } else if piece.contains(anchor.as_str()) {
                    Err(PieceError::Whole)
                } else {
                    let mut text = String::with_capacity(anchor.len() + piece.len());
                    text.push_str(anchor);
                    text.push_str(piece);
                    Ok(encode_len(tokenizer, &text)?.saturating_sub(1))
                }
            }
        }
    }
}

/// `len(tokenizer.encode(text, add_special_tokens=False))`.
pub(crate) fn encode_len(tokenizer: &Tokenizer, text: &str) -> Result<u64, TokenizerError> {
    let encoding = tokenizer.encode_fast(text, false).map_err(|e| TokenizerError::Encode { reason: e.to_string() })?;
    Ok(encoding.len() as u64)
}
