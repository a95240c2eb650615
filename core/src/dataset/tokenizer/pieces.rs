//! Splitting rendered text on added tokens, exactly as `tokenizers` does before anything else.
//!
//! `Tokenizer::encode` first cuts its input on the *added tokens* that match the raw text
//! (those with `normalized: false`: the special tokens of every chat model), then normalizes,
//! pre-tokenizes and runs the model on each remaining piece on its own. So the number of ids
//! of a text is the number of added tokens found plus, for each piece, the number of ids of
//! that piece in its place. A piece's count depends only on its text and on whether it starts
//! the input (a Metaspace pre-tokenizer with `prepend_scheme: first` only prefixes the piece
//! at offset 0); [`PieceSplitter`] finds the pieces and [`PieceSplitter::anchor`] names an
//! *anchor*: an added token that, written before a later piece, makes `tokenizers` count the
//! piece as in its place, plus one.
//!
//! The split repeats `AddedVocabulary::find_matches` of `tokenizers` 0.22: leftmost-longest
//! matching of the raw-text added tokens, `lstrip` and `rstrip` widening a match over the
//! whitespace beside it. Tokens with `single_word: true` are accepted or refused by the
//! characters around them, which a piece counted alone no longer has, so a tokenizer with one
//! is not split (see [`PieceSplitter::new`]).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use tokenizers::{AddedToken, Tokenizer};

/// One part of a split text, by its place in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment {
    /// An added token (with the whitespace it strips): exactly one id. The text after it
    /// starts at `end`.
    Added { end: usize },
    /// Text between added tokens: `text[start..end]`.
    Piece { start: usize, end: usize },
}

struct Pattern {
    lstrip: bool,
    rstrip: bool,
}

/// Finds the added tokens of a tokenizer in rendered text.
pub(crate) struct PieceSplitter {
    matcher: AhoCorasick,
    patterns: Vec<Pattern>,
    anchor: Option<String>,
}

impl PieceSplitter {
    /// The splitter of `tokenizer`, or why its pieces cannot be counted one by one.
    pub(crate) fn new(tokenizer: &Tokenizer) -> Result<Self, String> {
        let mut tokens: Vec<(u32, AddedToken)> = tokenizer.get_added_tokens_decoder().into_iter().collect();
        tokens.sort_by_key(|(id, _)| *id);
        // Only raw-text tokens cut the input before normalization; the others are found
        // inside each piece, where a piece counted alone finds them the same way.
        let raw: Vec<AddedToken> =
            tokens.into_iter().map(|(_, token)| token).filter(|t| !t.normalized && !t.content.is_empty()).collect();
        if let Some(token) = raw.iter().find(|t| t.single_word) {
            return Err(format!("added token {:?} is single_word", token.content));
        }
        let anchor = raw
            .iter()
            .find(|candidate| {
                !candidate.lstrip
                    && !candidate.rstrip
                    && !raw.iter().any(|other| {
                        other.content != candidate.content && other.content.starts_with(candidate.content.as_str())
                    })
            })
            .map(|t| t.content.clone());
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(raw.iter().map(|t| t.content.as_str()))
            .map_err(|e| format!("cannot index the added tokens: {e}"))?;
        let patterns = raw.iter().map(|t| Pattern { lstrip: t.lstrip, rstrip: t.rstrip }).collect();
        Ok(Self { matcher, patterns, anchor })
    }

    /// Calls `each` with the segments of `text`, in order.
    pub(crate) fn split<E>(&self, text: &str, mut each: impl FnMut(Segment) -> Result<(), E>) -> Result<(), E> {
        let mut offset = 0;
        for found in self.matcher.find_iter(text) {
            let pattern = &self.patterns[found.pattern().as_usize()];
            let mut start = found.start();
            let mut end = found.end();
            if pattern.lstrip {
                start = text[..start].trim_end().len().max(offset);
            }
            if pattern.rstrip {
                end += text[end..].len() - text[end..].trim_start().len();
            }
            if offset < start {
                each(Segment::Piece { start: offset, end: start })?;
            }
            each(Segment::Added { end })?;
            offset = end;
        }
        if offset < text.len() {
            each(Segment::Piece { start: offset, end: text.len() })?;
        }
        Ok(())
    }

    /// An added token that no other starts with and that strips nothing, if there is one:
    /// written before a piece, it stands for the added token before it.
    pub(crate) fn anchor(&self) -> Option<&str> {
        self.anchor.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use tokenizers::models::wordlevel::WordLevel;

    use super::*;

    fn tokenizer(tokens: &[AddedToken]) -> Tokenizer {
        let mut tokenizer = Tokenizer::new(WordLevel::default());
        tokenizer.add_special_tokens(tokens);
        tokenizer
    }

    fn segments(splitter: &PieceSplitter, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        splitter
            .split::<()>(text, |segment| {
                out.push(match segment {
                    Segment::Added { .. } => "#".to_owned(),
                    Segment::Piece { start, end } => {
                        format!("{}{}", if start == 0 { "^" } else { "" }, &text[start..end])
                    }
                });
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn splits_on_the_longest_token_and_marks_the_first_piece() {
        let splitter =
            PieceSplitter::new(&tokenizer(&[AddedToken::from("<a>", true), AddedToken::from("<a>b", true)])).unwrap();
        assert_eq!(segments(&splitter, "x<a>by<a>z<a>"), ["^x", "#", "y", "#", "z", "#"]);
        assert_eq!(segments(&splitter, "<a><a>"), ["#", "#"]);
        assert_eq!(segments(&splitter, ""), Vec::<String>::new());
        assert_eq!(splitter.anchor(), Some("<a>b"), "the anchor is no prefix of another token");
    }

    #[test]
    fn strips_whitespace_beside_lstrip_and_rstrip_tokens() {
        let splitter = PieceSplitter::new(&tokenizer(&[
            AddedToken::from("<l>", true).lstrip(true),
            AddedToken::from("<r>", true).rstrip(true),
            AddedToken::from("<p>", true),
        ]))
        .unwrap();
        assert_eq!(segments(&splitter, "a \u{3000} <l> b<r> \n c"), ["^a", "#", " b", "#", "c"]);
        assert_eq!(splitter.anchor(), Some("<p>"));
    }

    #[test]
    fn refuses_single_word_tokens_and_may_have_no_anchor() {
        assert!(PieceSplitter::new(&tokenizer(&[AddedToken::from("<w>", true).single_word(true)])).is_err());
        let stripping = PieceSplitter::new(&tokenizer(&[AddedToken::from("<r>", true).rstrip(true)])).unwrap();
        assert_eq!(stripping.anchor(), None);
        let plain = PieceSplitter::new(&tokenizer(&[])).unwrap();
        assert_eq!(plain.anchor(), None);
        assert_eq!(segments(&plain, "all one piece"), ["^all one piece"]);
    }

    #[test]
    fn normalized_tokens_are_left_inside_pieces() {
        let splitter = PieceSplitter::new(&tokenizer(&[
            AddedToken::from("<n>", false).normalized(true),
            AddedToken::from("<s>", true),
        ]))
        .unwrap();
        assert_eq!(segments(&splitter, "a<n>b<s>c"), ["^a<n>b", "#", "c"]);
    }
}
