//! A `Split` pre-tokenizer (behaviour `Isolated`) run with regex-automata instead of
//! fancy-regex: the same pieces, several times faster.
//!
//! The pre-tokenizer regexes of GPT-2, Llama 3, Qwen 2, GPT-4o and Tekken are regular but
//! for one alternative, `\s+(?!\S)` (a run of whitespace, less its last character when a
//! non-space follows). [`RegexSplitter`] compiles the alternatives before it, that
//! alternative and the ones after it as separate patterns searched together in priority
//! order, and emulates the look-ahead: `\s+$` (the run reaches the end of the text) keeps
//! its place at the end of the patterns before, and `\s+\s` (a run of two or more) matches
//! one character too many, which is given back. Leftmost-first matching across the patterns
//! then picks, at every position, what the original alternation picks.
//!
//! Patterns the splitter cannot run exactly are refused (see [`RegexSplitter::new`]); the
//! counter then leaves pre-tokenization to `tokenizers` itself.

mod alternatives;

use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input, PatternID};

pub(crate) use alternatives::alternatives;

/// The only look-around the splitter emulates.
pub(crate) const LOOKAHEAD_ALTERNATIVE: &str = r"\s+(?!\S)";

/// GPT-2's pre-tokenizer regex: what `ByteLevel` splits with when `use_regex` is on.
pub(crate) const GPT2_PATTERN: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// Pieces longer than this are left to `tokenizers`: fancy-regex gives up on a match after
/// a million backtracking steps, and then `tokenizers` stops splitting that text. Runs of
/// whitespace or punctuation this long are hostile input, not training data.
pub(crate) const MAX_PIECE_BYTES: usize = 64 * 1024;

/// Splits text into the pieces of a `Split` pre-tokenizer with behaviour `Isolated`.
#[derive(Debug)]
pub(crate) struct RegexSplitter {
    regex: Regex,
    /// For each pattern: whether its match ends with one look-ahead character to give back.
    lookahead: Vec<bool>,
}

/// A piece longer than [`MAX_PIECE_BYTES`]: the text must be split by `tokenizers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PieceTooLong;

impl RegexSplitter {
    /// The splitter of `pattern`, or why it cannot split exactly as fancy-regex does:
    /// look-around other than `\s+(?!\S)` as a whole alternative, possessive quantifiers,
    /// atomic groups, back-references, inline flags that reach across alternatives, or an
    /// alternative that can match the empty string.
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut lookahead = Vec::new();
        let mut run: Vec<&str> = Vec::new();
        for alternative in alternatives(pattern)? {
            if alternative == LOOKAHEAD_ALTERNATIVE {
                run.push(r"\s+$");
                patterns.push(join(&run));
                lookahead.push(false);
                patterns.push(r"\s+\s".to_owned());
                lookahead.push(true);
                run.clear();
            } else {
                check_regular(alternative)?;
                run.push(alternative);
            }
        }
        if !run.is_empty() {
            patterns.push(join(&run));
            lookahead.push(false);
        }
        let regex = Regex::new_many(&patterns).map_err(|e| format!("cannot compile {pattern:?}: {e}"))?;
        Ok(Self { regex, lookahead })
    }

    /// Calls `each` with the pieces of `text` in order: every match, and the text between
    /// matches. Fails when a piece is longer than [`MAX_PIECE_BYTES`].
    pub(crate) fn split<'t>(&self, text: &'t str, mut each: impl FnMut(&'t str)) -> Result<(), PieceTooLong> {
        let mut at = 0;
        while at < text.len() {
            let anchored = Input::new(text).span(at..text.len()).anchored(Anchored::Yes);
            let found = match self.regex.search(&anchored) {
                Some(found) => Some(found),
                None => self.regex.search(&Input::new(text).span(at..text.len())),
            };
            let Some(found) = found else {
                return emit(&text[at..], &mut each);
            };
            let mut end = found.end();
            if self.gives_back(found.pattern()) {
                end -= text[..end].chars().next_back().map_or(0, char::len_utf8);
            }
            if found.start() > at {
                emit(&text[at..found.start()], &mut each)?;
            }
            emit(&text[found.start()..end], &mut each)?;
            at = end;
        }
        Ok(())
    }

    fn gives_back(&self, pattern: PatternID) -> bool {
        self.lookahead[pattern.as_usize()]
    }
}

fn emit<'t>(piece: &'t str, each: &mut impl FnMut(&'t str)) -> Result<(), PieceTooLong> {
    if piece.len() > MAX_PIECE_BYTES {
        return Err(PieceTooLong);
    }
    each(piece);
    Ok(())
}

fn join(alternatives: &[&str]) -> String {
    alternatives.iter().map(|a| format!("(?:{a})")).collect::<Vec<_>>().join("|")
}

/// Checks that `alternative` is a regular expression both engines read alike and that it
/// cannot match the empty string.
fn check_regular(alternative: &str) -> Result<(), String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(alternative)
        .map_err(|e| format!("alternative {alternative:?}: {}", e.to_string().lines().last().unwrap_or_default()))?;
    match hir.properties().minimum_len() {
        Some(0) => Err(format!("alternative {alternative:?} can match the empty string")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
    use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer, SplitDelimiterBehavior};

    use super::*;
    use crate::dataset::test_support::{LLAMA3_REGEX, O200K_REGEX, QWEN2_REGEX, TEKKEN_REGEX};

    fn pieces(splitter: &RegexSplitter, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        splitter.split(text, |piece| out.push(piece.to_owned())).unwrap();
        out
    }

    /// What `tokenizers` (fancy-regex) makes of `text`.
    fn reference(pattern: &str, text: &str) -> Vec<String> {
        let split =
            Split::new(SplitPattern::Regex(pattern.to_owned()), SplitDelimiterBehavior::Isolated, false).unwrap();
        let mut pre = PreTokenizedString::from(text);
        split.pre_tokenize(&mut pre).unwrap();
        pre.get_splits(OffsetReferential::Original, OffsetType::Byte)
            .into_iter()
            .map(|(s, _, _)| s.to_owned())
            .collect()
    }

    const TEXTS: [&str; 12] = [
        "Hello, world! It's 2024-05-01.\n\nNew   paragraph\t\ttabs  \n  x",
        "   leading and trailing   ",
        "don't WE'LL they'RE ſ 'S",
        "CamelCaseWords and ALLCAPS and mixedUP123456789",
        "日本語のテキスト、句読点。emoji 🙂🙂 \u{3000}ideographic space",
        "a\r\nb\r\n\r\n c \u{85} d \u{a0} e",
        "$$$ ... !!! ///path/to/x \n/ y .\n/z",
        "\n",
        " ",
        "x",
        "combining e\u{301}\u{301} and \u{301} alone",
        "trailing newline.\n",
    ];

    #[test]
    fn splits_like_fancy_regex_on_every_known_pattern() {
        for pattern in [GPT2_PATTERN, LLAMA3_REGEX, QWEN2_REGEX, O200K_REGEX, TEKKEN_REGEX, r"\p{L}+|\p{N}"] {
            let splitter = RegexSplitter::new(pattern).unwrap();
            for text in TEXTS {
                assert_eq!(pieces(&splitter, text), reference(pattern, text), "{pattern} on {text:?}");
            }
        }
    }

    #[test]
    fn refuses_patterns_it_cannot_run_exactly() {
        for (pattern, why) in [
            (r"a(?=b)|c", "look-around"),
            (r"(?<=a)b", "look-around"),
            (r"\p{L}++|\s", "possessive"),
            (r"(?>ab)|c", "unrecognized flag"),
            (r"(a)\1", "backreferences"),
            (r"a|\s*", "empty string"),
            (r"(?i)a|b", "inline flags"),
        ] {
            let error = RegexSplitter::new(pattern).unwrap_err();
            assert!(error.contains(why), "{pattern}: {error}");
        }
    }

    #[test]
    fn text_between_matches_is_a_piece_too() {
        let splitter = RegexSplitter::new(r"\d+").unwrap();
        assert_eq!(pieces(&splitter, "ab12cd3"), ["ab", "12", "cd", "3"]);
        assert_eq!(pieces(&splitter, "ab12cd3"), reference(r"\d+", "ab12cd3"));
        assert_eq!(pieces(&splitter, ""), Vec::<String>::new());
    }

    #[test]
    fn overlong_pieces_are_refused() {
        let splitter = RegexSplitter::new(LLAMA3_REGEX).unwrap();
        let spaces = format!("a{}b", " ".repeat(MAX_PIECE_BYTES + 2));
        assert_eq!(splitter.split(&spaces, |_| {}), Err(PieceTooLong));
        let fine = format!("a{}b", " ".repeat(MAX_PIECE_BYTES));
        assert_eq!(splitter.split(&fine, |_| {}), Ok(()));
    }
}
