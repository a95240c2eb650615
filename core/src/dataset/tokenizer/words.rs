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
//! The place is a space (U+0020) between two characters that are not whitespace: `word|
//! next`. In the regexes above no token that holds a character other than whitespace goes
//! on over a space after it (letter runs, number runs and punctuation runs stop at
//! whitespace, contractions end in a letter, and the runs that take whitespace start at
//! whitespace), and the token of a space with a non-space after it starts at that space
//! (` ?\p{L}+`, ` ?[^\s\p{L}\p{N}]+`, `[^\r\n\p{L}\p{N}]?\p{L}+`, or a lone `\s+` before a
//! digit under Llama 3). Metaspace cuts before every space. The part after the place
//! starts with a space, so `add_prefix_space` and a Metaspace `prepend_scheme` (which only
//! touch a cut that does not start with one) leave it as it is: it is counted as a piece
//! after an added token, like every piece that does not start the input.
//!
//! Anything that could see across the place turns the cutting off: a normalizer other than
//! `Lowercase`, any other pre-tokenizer or regex, and added tokens found after
//! normalization that hold whitespace or strip it (`lstrip`, `rstrip`, `single_word`).

use serde_json::Value as Json;
use tokenizers::Tokenizer;

/// The pre-tokenizer regex of Llama 3 (and of GPT-4's cl100k).
const LLAMA3_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The pre-tokenizer regex of Qwen 2 (Llama 3's, one digit a token).
const QWEN2_REGEX: &str =
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Pieces shorter than this are counted whole: cutting them saves nothing.
pub(crate) const MIN_CUT_BYTES: usize = 48;

/// Whether the pieces of `tokenizer` may be cut into words, or why not.
pub(crate) fn check(tokenizer: &Tokenizer) -> Result<(), String> {
    let as_json = |value: Option<Result<Json, serde_json::Error>>| value.transpose().map_err(|e| e.to_string());
    let normalizer = as_json(tokenizer.get_normalizer().map(serde_json::to_value))?;
    if let Some(normalizer) = normalizer.filter(|n| n["type"] != "Lowercase") {
        return Err(format!("normalizer {} may join words", normalizer["type"]));
    }
    let pre_tokenizer = as_json(tokenizer.get_pre_tokenizer().map(serde_json::to_value))?;
    let pre_tokenizer = pre_tokenizer.ok_or("no pre-tokenizer: words are not cut")?;
    if !cuts_before_words(&pre_tokenizer) {
        return Err(format!("pre-tokenizer {pre_tokenizer} is not one whose cuts are known"));
    }
    let normalized_added = tokenizer.get_added_tokens_decoder().into_values().filter(|token| token.normalized);
    for token in normalized_added {
        if token.lstrip || token.rstrip || token.single_word || token.content.contains(char::is_whitespace) {
            return Err(format!("added token {:?} may span or strip a space", token.content));
        }
    }
    Ok(())
}

/// Whether the pre-tokenizer described by `config` cuts at every [`word_starts`] place.
fn cuts_before_words(config: &Json) -> bool {
    let byte_level_regex = |c: &Json| c["type"] == "ByteLevel" && c["use_regex"] != false;
    let byte_level_plain =
        |c: &Json| c["type"] == "ByteLevel" && c["use_regex"] == false && c["add_prefix_space"] != true;
    let known_split = |c: &Json| {
        c["type"] == "Split"
            && c["behavior"] == "Isolated"
            && c["invert"] != true
            && [LLAMA3_REGEX, QWEN2_REGEX].iter().any(|regex| c["pattern"]["Regex"] == *regex)
    };
    match config["type"].as_str() {
        Some("ByteLevel") => byte_level_regex(config),
        Some("Metaspace") => config["split"] != false && config["replacement"] == "▁",
        Some("Sequence") => match config["pretokenizers"].as_array().map(Vec::as_slice) {
            Some([split, byte_level]) => known_split(split) && byte_level_plain(byte_level),
            Some([single]) => cuts_before_words(single),
            _ => false,
        },
        _ => false,
    }
}

/// The words of `piece`: it is cut before each space that has a character other than
/// whitespace on either side.
pub(crate) fn word_starts(piece: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut spaces = memchr::memchr_iter(b' ', piece.as_bytes());
    std::iter::from_fn(move || {
        if start >= piece.len() {
            return None;
        }
        for cut in spaces.by_ref() {
            // The space is one byte: the characters beside it start and end there.
            let before = piece[..cut].chars().next_back();
            let after = piece[cut + 1..].chars().next();
            let solid = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
            if cut > start && solid(before) && solid(after) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_start_at_a_space_between_two_solid_characters() {
        let words: Vec<&str> = word_starts("Hello, my friend  of 3 days.\nIt's café 🙂 x\t y").collect();
        assert_eq!(words, ["Hello,", " my", " friend  of", " 3", " days.\nIt's", " café", " 🙂", " x\t y"]);
        assert_eq!(word_starts("").count(), 0);
        assert_eq!(word_starts(" a").collect::<Vec<_>>(), [" a"]);
        assert_eq!(word_starts("a b").collect::<Vec<_>>(), ["a", " b"]);
        let text = "x y z ";
        assert_eq!(word_starts(text).collect::<String>(), text);
    }
}
