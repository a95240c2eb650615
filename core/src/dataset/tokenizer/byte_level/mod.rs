//! Counting tokens of byte-level BPE tokenizers (GPT-2, Llama 3, Qwen 2, GPT-4's cl100k and
//! GPT-4o's o200k written as `tokenizer.json`, Mistral's Tekken) without `tokenizers`: the
//! same normalization, pre-tokenization and merges, minus everything counting does not need
//! (offsets, alignments, ids, allocations per token).
//!
//! [`ByteLevelModel::from_tokenizer`] accepts a tokenizer only where every step is one this
//! module reproduces exactly:
//!
//! * normalizer: none, or `NFC`;
//! * pre-tokenizer: `ByteLevel` with its GPT-2 regex, or a `Split` regex (`Isolated`) then
//!   `ByteLevel` without its regex, `add_prefix_space` either way; the regex must be one
//!   [`RegexSplitter`] runs exactly;
//! * model: `BPE` with no subword prefix or word suffix, every byte in the vocabulary;
//! * added tokens found after normalization (`normalized: true`): only without a normalizer,
//!   and without `lstrip`, `rstrip` or `single_word`.
//!
//! Everything else is counted by `tokenizers` itself. The differential tests and fuzz target
//! compare both on real vocabularies.

mod bpe;
mod model_file;

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde_json::Value as Json;
use tokenizers::Tokenizer;
use unicode_normalization_alignments::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::split_regex::{GPT2_PATTERN, PieceTooLong, RegexSplitter};
use bpe::ByteBpe;

/// Where `ByteLevel`'s `add_prefix_space` puts its space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrefixSpace {
    /// Not at all.
    Never,
    /// Before the regex runs, on the whole text it is given (`ByteLevel` with its regex).
    BeforeSplit,
    /// On every piece of an earlier `Split` (`ByteLevel` without its regex).
    EachPiece,
}

/// A byte-level BPE tokenizer, reduced to counting.
#[derive(Debug)]
pub(crate) struct ByteLevelModel {
    nfc: bool,
    normalized_tokens: Option<AhoCorasick>,
    splitter: RegexSplitter,
    prefix_space: PrefixSpace,
    bpe: ByteBpe,
}

impl ByteLevelModel {
    /// The model of `tokenizer`, loaded from `tokenizer_json`, or why it is not one this
    /// module counts exactly.
    pub(crate) fn from_tokenizer(tokenizer: &Tokenizer, tokenizer_json: &str) -> Result<Self, String> {
        let nfc = match tokenizer.get_normalizer().map(serde_json::to_value).transpose().map_err(|e| e.to_string())? {
            None => false,
            Some(n) if n["type"] == "NFC" => true,
            Some(n) => return Err(format!("normalizer {} is not reproduced", n["type"])),
        };
        let pre_tokenizer =
            tokenizer.get_pre_tokenizer().map(serde_json::to_value).transpose().map_err(|e| e.to_string())?;
        let (pattern, prefix_space) = pre_tokenization(&pre_tokenizer.ok_or("no pre-tokenizer")?)?;
        let splitter = RegexSplitter::new(&pattern)?;
        let normalized_tokens = normalized_tokens(tokenizer, nfc)?;
        Ok(Self { nfc, normalized_tokens, splitter, prefix_space, bpe: model_file::read(tokenizer_json)? })
    }

    /// The number of tokens of `text`, a piece of rendered text between two added tokens
    /// (or a word of one): what `tokenizers` adds up for it after the raw added tokens are
    /// split off. Fails when a pre-token is too long to be split exactly (see
    /// [`super::split_regex::MAX_PIECE_BYTES`]).
    pub(crate) fn count(&self, text: &str) -> Result<u64, PieceTooLong> {
        let Some(tokens) = &self.normalized_tokens else {
            return self.count_normalized(text);
        };
        let mut count = 0;
        let mut at = 0;
        for found in tokens.find_iter(text) {
            count += self.count_normalized(&text[at..found.start()])? + 1;
            at = found.end();
        }
        Ok(count + self.count_normalized(&text[at..])?)
    }

    fn count_normalized(&self, text: &str) -> Result<u64, PieceTooLong> {
        if text.is_empty() {
            return Ok(0);
        }
        // The same normalization tables as `tokenizers` (Unicode 9.0), not the newest.
        let text: Cow<'_, str> = if self.nfc && is_nfc_quick(text.chars()) != IsNormalized::Yes {
            Cow::Owned(text.nfc().map(|(c, _)| c).collect())
        } else {
            Cow::Borrowed(text)
        };
        let text = match self.prefix_space {
            PrefixSpace::BeforeSplit => with_prefix_space(&text),
            _ => text,
        };
        let mut count = 0;
        self.splitter.split(&text, |piece| {
            count += match self.prefix_space {
                PrefixSpace::EachPiece if !piece.starts_with(' ') => self.bpe.count(format!(" {piece}").as_bytes()),
                _ => self.bpe.count(piece.as_bytes()),
            };
        })?;
        Ok(count)
    }
}

fn with_prefix_space(text: &str) -> Cow<'_, str> {
    if text.starts_with(' ') { Cow::Borrowed(text) } else { Cow::Owned(format!(" {text}")) }
}

/// The regex and prefix-space rule of a pre-tokenizer this module reproduces.
fn pre_tokenization(config: &Json) -> Result<(String, PrefixSpace), String> {
    let prefix = |byte_level: &Json, when: PrefixSpace| {
        if byte_level["add_prefix_space"] == true { when } else { PrefixSpace::Never }
    };
    let unsupported = || format!("pre-tokenizer {config} is not reproduced");
    match config["type"].as_str() {
        Some("ByteLevel") if config["use_regex"] != false => {
            Ok((GPT2_PATTERN.to_owned(), prefix(config, PrefixSpace::BeforeSplit)))
        }
        Some("Sequence") => match config["pretokenizers"].as_array().map(Vec::as_slice) {
            Some([single]) => pre_tokenization(single),
            Some([split, byte_level])
                if split["type"] == "Split"
                    && split["behavior"] == "Isolated"
                    && split["invert"] != true
                    && byte_level["type"] == "ByteLevel"
                    && byte_level["use_regex"] == false =>
            {
                let pattern = split["pattern"]["Regex"].as_str().ok_or_else(unsupported)?;
                Ok((pattern.to_owned(), prefix(byte_level, PrefixSpace::EachPiece)))
            }
            _ => Err(unsupported()),
        },
        _ => Err(unsupported()),
    }
}

/// A matcher of the added tokens found after normalization, when there are any and they
/// can be matched exactly.
fn normalized_tokens(tokenizer: &Tokenizer, nfc: bool) -> Result<Option<AhoCorasick>, String> {
    let mut tokens: Vec<_> = tokenizer
        .get_added_tokens_decoder()
        .into_iter()
        .filter(|(_, t)| t.normalized && !t.content.is_empty())
        .collect();
    if tokens.is_empty() {
        return Ok(None);
    }
    if nfc {
        return Err("added tokens matched after NFC".to_owned());
    }
    if let Some((_, token)) = tokens.iter().find(|(_, t)| t.lstrip || t.rstrip || t.single_word) {
        return Err(format!("added token {:?} strips whitespace or is single_word", token.content));
    }
    tokens.sort_by_key(|(id, _)| *id);
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(tokens.iter().map(|(_, t)| t.content.as_str()))
        .map(Some)
        .map_err(|e| format!("cannot index the added tokens: {e}"))
}
