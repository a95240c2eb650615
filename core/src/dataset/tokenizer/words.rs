//! Cutting a piece of text (see [`super::pieces`]) into words that are counted one by one,
//! so that a word seen before costs a cache lookup instead of an encode, and so that the
//! count of a prefix of a text can start from a word of it (see [`super::prefix`]).
//!
//! After the added tokens, `tokenizers` normalizes each piece, cuts it with its
//! pre-tokenizer and runs the model on every cut on its own. Where the pre-tokenizer always
//! cuts at some place, whatever comes before or after, the count of the piece is the sum of
//! the counts of the parts on either side. [`Cuts::words`] cuts at such places, for the
//! pre-tokenizers [`check`] accepts:
//!
//! * `ByteLevel` with its own regex (GPT-2, RoBERTa):
//!   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
//! * a `Split` (`Isolated`) on a regex made only of the alternatives of the regexes of GPT-2,
//!   Llama 3 (and GPT-4's cl100k), Qwen 2, GPT-4o's o200k and Mistral's Tekken, in any
//!   order, then `ByteLevel` without its regex;
//! * `Metaspace` with `split: true` (Mistral's and Llama 2's have `split: false`: their
//!   pieces are counted whole).
//!
//! The places are:
//!
//! * a space (U+0020) between two characters that are not whitespace, `word| next`: in
//!   every pre-tokenizer above. Every alternative of those regexes either starts with
//!   whitespace and holds only whitespace, or holds no whitespace at all but an optional
//!   leading space (letter, number and punctuation runs, contractions); punctuation runs may
//!   end in line breaks (and `/`), never in a space. So no token that holds a character other
//!   than whitespace goes on over a space after it, and the token of a space with a
//!   non-space after it starts at that space. Matching goes forward only (the look-ahead of
//!   `\s+(?!\S)` sees whitespace, which never ends a part), so each part splits alone as it
//!   does in place. Metaspace cuts before every space. The part after the place starts with
//!   a space, so `add_prefix_space` and a Metaspace `prepend_scheme` (which only touch a cut
//!   that does not start with one) leave it as it is.
//! * just after a lone newline between two characters that are not whitespace, `end.\n|Next`:
//!   in the regexes only, with no `add_prefix_space`, and not when punctuation runs may take a
//!   `/` after their line breaks (o200k, Tekken: `.\n/` is one token). The newline ends its
//!   token there (`\s+`, GPT-2's `\s+(?!\S)` failing; `\s*[\r\n]+`, or the `[\r\n]*` of a
//!   punctuation run), and no token starts with a newline before a non-space (` ?` and the
//!   optional prefix of the letter runs exclude it). Metaspace does not cut at newlines.
//!
//! Every part after a place is counted as a piece after an added token, like every piece
//! that does not start the input.
//!
//! Normalizers that keep whitespace and never join a character to a space (`Lowercase`,
//! `NFC`: a space is a starter that composes with nothing) keep the places. Anything that
//! could see across a place turns the cutting off: any other normalizer, pre-tokenizer or
//! regex alternative, and added tokens found after normalization that hold whitespace or
//! strip it (`lstrip`, `rstrip`, `single_word`).

use serde_json::Value as Json;
use tokenizers::Tokenizer;

use super::split_regex::{GPT2_PATTERN, LOOKAHEAD_ALTERNATIVE, alternatives};

/// The pre-tokenizer regex of Llama 3 (and of GPT-4's cl100k, as `transformers` writes it).
/// The alternatives of the regexes whose cuts are known (see the module documentation):
/// each either starts with whitespace and holds nothing else, or holds no whitespace but a
/// leading space or trailing line breaks.
const KNOWN_ALTERNATIVES: [&str; 21] = [
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)",
    "'s",
    "'t",
    "'re",
    "'ve",
    "'m",
    "'ll",
    "'d",
    r"[^\r\n\p{L}\p{N}]?\p{L}+",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*",
    r" ?\p{L}+",
    r" ?\p{N}+",
    r"\p{N}{1,3}",
    r"\p{N}",
    r" ?[^\s\p{L}\p{N}]+",
    r" ?[^\s\p{L}\p{N}]+[\r\n]*",
    r"\s*[\r\n]+",
    r"\s+",
];

/// Alternatives that are known too, but whose punctuation runs go on over a line break into
/// a `/`: the regex still always cuts before a space, not after a newline.
const SLASH_ALTERNATIVE: &str = r" ?[^\s\p{L}\p{N}]+[\r\n/]*";

/// Pieces shorter than this are counted whole by `tokenizers`: cutting them saves nothing.
pub(crate) const MIN_CUT_BYTES: usize = 48;

/// Where the pieces of a tokenizer may be cut (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cuts {
    /// Also just after a lone newline between two characters that are not whitespace.
    after_newlines: bool,
}

/// Whether the pieces of `tokenizer` may be cut into words, and where; or why not.
pub(crate) fn check(tokenizer: &Tokenizer) -> Result<Cuts, String> {
    let as_json = |value: Option<Result<Json, serde_json::Error>>| value.transpose().map_err(|e| e.to_string());
    let normalizer = as_json(tokenizer.get_normalizer().map(serde_json::to_value))?;
    if let Some(normalizer) = normalizer.filter(|n| n["type"] != "Lowercase" && n["type"] != "NFC") {
        return Err(format!("normalizer {} may join words", normalizer["type"]));
    }
    let pre_tokenizer = as_json(tokenizer.get_pre_tokenizer().map(serde_json::to_value))?;
    let pre_tokenizer = pre_tokenizer.ok_or("no pre-tokenizer: words are not cut")?;
    let cuts = known_cuts(&pre_tokenizer)
        .ok_or_else(|| format!("pre-tokenizer {pre_tokenizer} is not one whose cuts are known"))?;
    let normalized_added = tokenizer.get_added_tokens_decoder().into_values().filter(|token| token.normalized);
    for token in normalized_added {
        if token.lstrip || token.rstrip || token.single_word || token.content.contains(char::is_whitespace) {
            return Err(format!("added token {:?} may span or strip a space", token.content));
        }
    }
    Ok(cuts)
}

/// The places where the pre-tokenizer described by `config` always cuts, if it is known.
fn known_cuts(config: &Json) -> Option<Cuts> {
    let prefix_space = |c: &Json| c["add_prefix_space"] == true;
    match config["type"].as_str()? {
        "ByteLevel" if config["use_regex"] != false => regex_cuts(GPT2_PATTERN, prefix_space(config)),
        "Metaspace" if config["split"] != false && config["replacement"] == "▁" => {
            Some(Cuts { after_newlines: false })
        }
        "Sequence" => match config["pretokenizers"].as_array().map(Vec::as_slice)? {
            [split, byte_level]
                if split["type"] == "Split"
                    && split["behavior"] == "Isolated"
                    && split["invert"] != true
                    && byte_level["type"] == "ByteLevel"
                    && byte_level["use_regex"] == false =>
            {
                regex_cuts(split["pattern"]["Regex"].as_str()?, prefix_space(byte_level))
            }
            [single] => known_cuts(single),
            _ => None,
        },
        _ => None,
    }
}

/// The cuts of a regex made only of known alternatives. A prefix space added before the
/// regex runs would not be added to a part after a newline: no newline cuts then.
fn regex_cuts(pattern: &str, prefix_space: bool) -> Option<Cuts> {
    let alternatives = alternatives(pattern).ok()?;
    let known = |a: &&str| *a == LOOKAHEAD_ALTERNATIVE || *a == SLASH_ALTERNATIVE || KNOWN_ALTERNATIVES.contains(a);
    if !alternatives.iter().all(known) {
        return None;
    }
    Some(Cuts { after_newlines: !prefix_space && !alternatives.contains(&SLASH_ALTERNATIVE) })
}

impl Cuts {
    /// The words of `piece`, cut at the places of these rules, each with where it starts.
    pub(crate) fn words(self, piece: &str) -> impl Iterator<Item = (usize, &str)> {
        let mut start = 0;
        let mut candidates = memchr::memchr2_iter(b' ', b'\n', piece.as_bytes());
        let solid = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
        std::iter::from_fn(move || {
            if start >= piece.len() {
                return None;
            }
            for at in candidates.by_ref() {
                // Both bytes are ASCII: the characters beside them start and end there.
                let before = solid(piece[..at].chars().next_back());
                let after = solid(piece[at + 1..].chars().next());
                let cut = match piece.as_bytes()[at] {
                    b' ' => at,
                    _ if self.after_newlines => at + 1,
                    _ => continue,
                };
                if cut > start && before && after {
                    let word = (start, &piece[start..cut]);
                    start = cut;
                    return Some(word);
                }
            }
            let word = (start, &piece[start..]);
            start = piece.len();
            Some(word)
        })
    }
}

/// Whether `text[..end]` still has the cut at `at`, a place where a word other than the
/// first of its piece starts: the characters that make the place a cut must be in it (the
/// space and the character after it, or the character after the newline).
pub(crate) fn cut_holds(text: &str, at: usize, end: usize) -> bool {
    if text.as_bytes()[at] == b' ' { end > at + 1 } else { end > at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(after_newlines: bool, text: &str) -> Vec<&str> {
        let cut: Vec<(usize, &str)> = Cuts { after_newlines }.words(text).collect();
        for (start, word) in &cut {
            assert_eq!(&text[*start..*start + word.len()], *word);
        }
        cut.into_iter().map(|(_, word)| word).collect()
    }

    #[test]
    fn words_start_at_a_space_between_two_solid_characters() {
        let text = "Hello, my friend  of 3 days.\nIt's café 🙂 x\t y";
        let spaces = [" my", " friend  of", " 3", " days.\nIt's", " café", " 🙂", " x\t y"];
        assert_eq!(words(false, text), [&["Hello,"][..], &spaces].concat());
        assert_eq!(words(false, ""), Vec::<&str>::new());
        assert_eq!(words(false, " a"), [" a"]);
        assert_eq!(words(false, "a b"), ["a", " b"]);
        assert_eq!(words(false, "x y z ").concat(), "x y z ");
    }

    #[test]
    fn regexes_also_cut_after_a_lone_newline() {
        assert_eq!(words(true, "end.\nNext one\n\nthen\n x\ny\n"), ["end.\n", "Next", " one\n\nthen\n x\n", "y\n"]);
        assert_eq!(words(false, "end.\nNext"), ["end.\nNext"]);
    }
}
