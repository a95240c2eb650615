//! Counting a rendered text, and prefixes of it, piece by piece and word by word.
//!
//! `tokens(text)` is the number of added tokens plus the counts of the pieces between them
//! (see [`super::pieces`]), and a piece's count is the sum of its words' (see
//! [`super::words`]); pieces and words are counted once and remembered.
//!
//! The count of a prefix `text[..k]` starts from a *checkpoint* of the whole text: its
//! start, the end of an added token, or the start of a word, whose count of everything
//! before it is known. The last checkpoint that `text[..k]` still has (an added token that
//! ends by `k`, a word whose cut holds in the prefix) splits the prefix the same way up to
//! there, so `tokens(text[..k])` is the count at that checkpoint plus the count of
//! `text[checkpoint..k]`, a short tail. One pass over a conversation's text thus gives its
//! total and every turn's counts.

use tokenizers::Tokenizer;

use super::TokenizerError;
use super::cache::{CountCache, KeyHasher};
use super::engine::{PieceEngine, PieceError, encode_len};
use super::pieces::{PieceSplitter, Segment};
use super::words::{Cuts, MIN_CUT_BYTES, cut_holds};

/// Counts texts for one tokenizer, with the caches of pieces and words.
pub(crate) struct TextCounter {
    /// The tokenizer, for texts counted whole.
    pub(crate) tokenizer: Tokenizer,
    /// `None` when pieces cannot be counted apart: every text is encoded whole.
    pub(crate) splitter: Option<PieceSplitter>,
    pub(crate) engine: PieceEngine,
    /// `None` when pieces are counted whole.
    pub(crate) cuts: Option<Cuts>,
    pub(crate) keys: KeyHasher,
    pub(crate) pieces: CountCache,
    pub(crate) words: CountCache,
}

/// A place the count of a prefix may start from.
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    at: usize,
    /// Tokens of everything before `at`.
    tokens: u64,
    /// Whether `at` is a word start (which a prefix keeps only with the characters after
    /// it), rather than the start or the end of an added token.
    word: bool,
}

impl TextCounter {
    /// Whether texts are counted piece by piece with the caches.
    pub(crate) fn is_piecewise(&self) -> bool {
        self.splitter.is_some() && self.pieces.is_enabled()
    }

    /// `tokens(text)`.
    pub(crate) fn count_text(&self, text: &str) -> Result<u64, TokenizerError> {
        match self.count_from(text, true) {
            Ok(tokens) => Ok(tokens),
            Err(PieceError::Whole) => encode_len(&self.tokenizer, text),
            Err(PieceError::Failed(error)) => Err(error),
        }
    }

    /// `tokens(text)`, and `tokens(text[..k])` for every `k` of `prefixes` (ascending char
    /// boundaries of `text`), in one pass.
    pub(crate) fn count_prefixes(&self, text: &str, prefixes: &[usize]) -> Result<(u64, Vec<u64>), TokenizerError> {
        match self.walk(text, prefixes) {
            Ok(counts) => Ok(counts),
            Err(PieceError::Whole) => {
                let whole = |end: usize| encode_len(&self.tokenizer, &text[..end]);
                Ok((whole(text.len())?, prefixes.iter().map(|&k| whole(k)).collect::<Result<_, _>>()?))
            }
            Err(PieceError::Failed(error)) => Err(error),
        }
    }

    fn walk(&self, text: &str, prefixes: &[usize]) -> Result<(u64, Vec<u64>), PieceError> {
        let splitter = self.splitter.as_ref().filter(|_| self.pieces.is_enabled()).ok_or(PieceError::Whole)?;
        let mut checkpoints = vec![Checkpoint { at: 0, tokens: 0, word: false }];
        let mut total = 0;
        splitter.split(text, |segment| {
            match segment {
                Segment::Added { end } => {
                    total += 1;
                    checkpoints.push(Checkpoint { at: end, tokens: total, word: false });
                }
                Segment::Piece { start, end } => {
                    let piece = &text[start..end];
                    let prefix_inside = prefixes.iter().any(|&k| start < k && k < end);
                    match self.cuts.filter(|_| prefix_inside) {
                        Some(cuts) => {
                            for (offset, word) in cuts.words(piece) {
                                if offset > 0 {
                                    checkpoints.push(Checkpoint { at: start + offset, tokens: total, word: true });
                                }
                                total += self.count_word(word, start == 0 && offset == 0)?;
                            }
                        }
                        None => total += self.count_piece(piece, start == 0)?,
                    }
                }
            }
            Ok::<_, PieceError>(())
        })?;
        let mut counts = Vec::with_capacity(prefixes.len());
        for &k in prefixes {
            let before = checkpoints.partition_point(|c| c.at <= k);
            let start = checkpoints[..before]
                .iter()
                .rev()
                .find(|c| !c.word || cut_holds(text, c.at, k))
                .copied()
                .unwrap_or(checkpoints[0]);
            counts.push(start.tokens + self.count_from(&text[start.at..k], start.at == 0)?);
        }
        Ok((total, counts))
    }

    /// The tokens of `text`, whose first piece starts the whole input when `at_start`.
    fn count_from(&self, text: &str, at_start: bool) -> Result<u64, PieceError> {
        if text.is_empty() {
            return Ok(0);
        }
        let splitter = self.splitter.as_ref().filter(|_| self.pieces.is_enabled()).ok_or(PieceError::Whole)?;
        let mut tokens = 0;
        splitter.split(text, |segment| {
            tokens += match segment {
                Segment::Added { .. } => 1,
                Segment::Piece { start, end } => self.count_piece(&text[start..end], at_start && start == 0)?,
            };
            Ok::<_, PieceError>(())
        })?;
        Ok(tokens)
    }

    /// The count of a piece, remembered; a long one is counted word by word where that is
    /// allowed, each word remembered in the word cache.
    fn count_piece(&self, piece: &str, at_start: bool) -> Result<u64, PieceError> {
        self.pieces.get_or_try_insert(self.keys.text_key(at_start, piece), || {
            let Some(cuts) = self.cuts.filter(|_| piece.len() >= MIN_CUT_BYTES) else {
                return self.engine.count(piece, at_start);
            };
            let mut tokens = 0;
            for (offset, word) in cuts.words(piece) {
                tokens += self.count_word(word, at_start && offset == 0)?;
            }
            Ok(tokens)
        })
    }

    /// The count of a word, remembered (a word counts as a piece would).
    fn count_word(&self, word: &str, at_start: bool) -> Result<u64, PieceError> {
        self.words.get_or_try_insert(self.keys.text_key(at_start, word), || self.engine.count(word, at_start))
    }
}
