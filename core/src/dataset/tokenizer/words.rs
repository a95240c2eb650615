//! Cutting a piece of text (see [`super::pieces`]) into words that the tokenizer counts one
//! by one, so that a word seen before costs a cache lookup instead of an encode.
//!
//! After the added tokens, `tokenizers` normalizes each piece, cuts it with its
//! pre-tokenizer and runs the model on every cut on its own. Where the pre-tokenizer always
//! cuts at some place, the count of the piece is the sum of the counts of the parts on either
//! side. [`word_starts`] yields such places, for the pre-tokenizers [`WordCutter::new`]
//! accepts:
//!
//! * `ByteLevel` with its own regex (GPT-2, RoBERTa):
//!   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
//! * a `Split` on the regex of Llama 3 (and GPT-4) or of Qwen 2, `Isolated`, then
//!   `ByteLevel` without its regex;
//! * `Metaspace` with `split: true` (Mistral's and Llama 2's have `split: false`: their
//!   pieces are counted whole).
//!
//! The places are:
//!
//! * a space (U+0020) between two characters that are not whitespace, `word| next`: in
//!   every pre-tokenizer above. In the regexes no token that holds a character other than
//!   whitespace goes on over a space after it (letter runs, number runs and punctuation runs
//!   stop at whitespace, contractions end in a letter, and the runs that take whitespace
//!   start at whitespace), and the token of a space with a non-space after it starts at that
//!   space (` ?\p{L}+`, ` ?[^\s\p{L}\p{N}]+`, `[^\r\n\p{L}\p{N}]?\p{L}+`, or a lone `\s+`
//!   before a digit under Llama 3). Metaspace cuts before every space. The part after the
//!   place starts with a space, so `add_prefix_space` and a Metaspace `prepend_scheme`
//!   (which only touch a cut that does not start with one) leave it as it is.
//! * just after a lone newline between two characters that are not whitespace, `end.\n|Next`:
//!   in the regexes only, with no `add_prefix_space` (the part after the place starts with a
//!   character that is not a space). The newline ends its token there (`\s+`, GPT-2's
//!   `\s+(?!\S)` failing; `\s*[\r\n]+`, or the `[\r\n]*` of a punctuation run, under Llama 3),
//!   and no token starts with a newline before a non-space (` ?` and the optional prefix of
//!   Llama 3's letter runs exclude it). Metaspace does not cut at newlines.
//!
//! Every part after a place is counted as a piece after an added token, like every piece
//! that does not start the input.
//!
//! Anything that could see across the place turns the cutting off: a normalizer other than
//! `Lowercase`, any other pre-tokenizer or regex, and added tokens found after
//! normalization that hold whitespace or strip it (`lstrip`, `rstrip`, `single_word`).

use serde_json::Value as Json;
use tokenizers::Tokenizer;

/// The pre-tokenizer regex of Llama 3 (and of GPT-4's cl100k).
pub(crate) const LLAMA3_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The pre-tokenizer regex of Qwen 2 (Llama 3's, one digit a token).
const QWEN2_REGEX: &str =
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Pieces shorter than this are counted whole: cutting them saves nothing.
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
    if let Some(normalizer) = normalizer.filter(|n| n["type"] != "Lowercase") {
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
    let regex_cuts = Cuts { after_newlines: true };
    let spaces_only = Cuts { after_newlines: false };
    let no_prefix_space = |c: &Json| c["add_prefix_space"] != true;
    let known_split = |c: &Json| {
        c["type"] == "Split"
            && c["behavior"] == "Isolated"
            && c["invert"] != true
            && [LLAMA3_REGEX, QWEN2_REGEX].iter().any(|regex| c["pattern"]["Regex"] == *regex)
    };
    match config["type"].as_str()? {
        "ByteLevel" if config["use_regex"] != false => {
            Some(if no_prefix_space(config) { regex_cuts } else { spaces_only })
        }
        "Metaspace" if config["split"] != false && config["replacement"] == "▁" => Some(spaces_only),
        "Sequence" => match config["pretokenizers"].as_array().map(Vec::as_slice)? {
            [split, byte_level]
                if known_split(split)
                    && byte_level["type"] == "ByteLevel"
                    && byte_level["use_regex"] == false
                    && no_prefix_space(byte_level) =>
            {
                Some(regex_cuts)
            }
            [single] => known_cuts(single),
            _ => None,
        },
        _ => None,
    }
}

impl Cuts {
    /// The words of `piece`, cut at the places of these rules.
    pub(crate) fn words(self, piece: &str) -> impl Iterator<Item = &str> {
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
                    let word = &piece[start..cut];
                    start = cut;
                    return Some(word);
                }
            }
            let word = &piece[start..];
            start = piece.len();
            Some(word)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(after_newlines: bool, text: &str) -> Vec<&str> {
        Cuts { after_newlines }.words(text).collect()
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
