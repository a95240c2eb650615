//! Reading the BPE model of a `tokenizer.json` for [`super::bpe::ByteBpe`]: its vocabulary
//! and merges as bytes, borrowed from the file's text where it has no escapes (a model of
//! 200,000 tokens and 450,000 merges loads in a fraction of a second).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::bpe::{ByteBpe, VocabEntry};

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    model: Model<'a>,
}

#[derive(Deserialize)]
struct Model<'a> {
    #[serde(rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    vocab: HashMap<Cow<'a, str>, u32>,
    #[serde(borrow)]
    merges: &'a RawValue,
    #[serde(default)]
    ignore_merges: bool,
    continuing_subword_prefix: Option<Cow<'a, str>>,
    end_of_word_suffix: Option<Cow<'a, str>>,
}

/// The byte-level BPE of `tokenizer_json`, or why it is not one.
pub(super) fn read(tokenizer_json: &str) -> Result<ByteBpe, String> {
    let file: File<'_> = serde_json::from_str(tokenizer_json).map_err(|e| format!("the model is not BPE: {e}"))?;
    let model = file.model;
    if model.kind.as_deref().is_some_and(|kind| kind != "BPE") {
        return Err(format!("model {:?} is not BPE", model.kind));
    }
    for (name, option) in [
        ("continuing_subword_prefix", &model.continuing_subword_prefix),
        ("end_of_word_suffix", &model.end_of_word_suffix),
    ] {
        if option.as_deref().is_some_and(|value| !value.is_empty()) {
            return Err(format!("BPE with {name} is not reproduced"));
        }
    }
    let decode = byte_decoder();
    let to_bytes = |token: &str| token.chars().map(|c| decode.get(c as usize).copied().flatten()).collect();
    // Entries with characters outside the byte-level alphabet can never be produced.
    let vocabulary: Vec<VocabEntry> =
        model.vocab.iter().filter_map(|(token, &id)| Some(VocabEntry { bytes: to_bytes(token)?, id })).collect();
    let merges = merges(model.merges)?
        .into_iter()
        .map(|(left, right)| match (to_bytes(&left), to_bytes(&right)) {
            (Some(left), Some(right)) => Ok((left, right)),
            _ => Err(format!("merge {left:?} {right:?} is not byte-level")),
        })
        .collect::<Result<Vec<_>, String>>()?;
    ByteBpe::new(vocabulary, merges, model.ignore_merges)
}

/// A merge: its left and right tokens, as the file writes them.
type MergePair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// The merges, written as pairs (`[["a", "b"], ...]`, recent files) or as lines
/// (`["a b", ...]`, older ones).
fn merges(raw: &RawValue) -> Result<Vec<MergePair<'_>>, String> {
    if let Ok(pairs) = serde_json::from_str::<Vec<MergePair<'_>>>(raw.get()) {
        return Ok(pairs);
    }
    let lines: Vec<Cow<'_, str>> =
        serde_json::from_str(raw.get()).map_err(|e| format!("merges are neither pairs nor lines: {e}"))?;
    lines
        .into_iter()
        .map(|line| match line.split_once(' ') {
            Some((left, right)) => Ok((Cow::Owned(left.to_owned()), Cow::Owned(right.to_owned()))),
            None => Err(format!("merge {line:?} is not a pair")),
        })
        .collect()
}

/// The inverse of the byte-level alphabet, by character: GPT-2 writes each byte as a
/// printable character, the printable Latin-1 bytes as themselves and the others as U+0100
/// onwards, so every character of the alphabet is below U+0144.
fn byte_decoder() -> Vec<Option<u8>> {
    let mut table = vec![None; 0x144];
    let mut shifted = 0;
    for byte in 0..=255u8 {
        let printable = matches!(byte, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        let c = if printable {
            usize::from(byte)
        } else {
            shifted += 1;
            255 + shifted
        };
        table[c] = Some(byte);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_alphabet_is_gpt2s() {
        let decode = byte_decoder();
        let at = |c: char| decode.get(c as usize).copied().flatten();
        assert_eq!(at('Ġ'), Some(b' '));
        assert_eq!(at('Ċ'), Some(b'\n'));
        assert_eq!(at('!'), Some(b'!'));
        assert_eq!(at('\u{100}'), Some(0));
        assert_eq!(at('\u{143}'), Some(0xAD));
        assert_eq!(at('é'), Some(0xE9));
        assert_eq!(at('ā'), Some(1));
        assert_eq!(at('▁'), None);
        assert_eq!(at(' '), None);
        assert_eq!(decode.iter().flatten().collect::<std::collections::HashSet<_>>().len(), 256);
    }

    #[test]
    fn reads_merges_as_pairs_or_lines() {
        let pairs = r#"{"model": {"type": "BPE", "vocab": {}, "merges": [["Ġ", "a"], ["b", "c"]]}}"#;
        let lines = r#"{"model": {"type": "BPE", "vocab": {}, "merges": ["Ġ a", "b c"]}}"#;
        for json in [pairs, lines] {
            let file: File<'_> = serde_json::from_str(json).unwrap();
            let merges = merges(file.model.merges).unwrap();
            assert_eq!(merges, [(Cow::from("Ġ"), Cow::from("a")), (Cow::from("b"), Cow::from("c"))]);
        }
        let error = read(r#"{"model": {"type": "WordPiece", "vocab": {}, "merges": []}}"#).err().unwrap();
        assert!(error.contains("not BPE"), "{error}");
        let error = read(r#"{"model": {"type": "BPE", "vocab": {}, "merges": [], "continuing_subword_prefix": "@@"}}"#);
        assert!(error.err().unwrap().contains("continuing_subword_prefix"));
    }
}
