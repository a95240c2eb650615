//! Fuzzes the exact token counter differentially: any text, cut into alternating user and
//! assistant messages at NUL characters, is counted by the fast counter (piece and word
//! caches shared by every run and small, so later inputs hit what earlier ones left and
//! evict it; byte-level vocabularies counted without `tokenizers`) and by the uncached
//! reference that encodes every rendered text whole with `tokenizers`. The counts (or the
//! template's refusal) must be equal on every tokenizer: a GPT-2 style ByteLevel BPE and
//! the same vocabulary with Llama 3's pre-tokenizer, trained here, and every real
//! vocabulary under `$BRIGHTRUN_VOCAB_FIXTURES` (cl100k, o200k, GPT-2, Mistral, Tekken:
//! `scripts/vocab-fixtures` writes them).

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use brightrun_core::dataset::test_support::{train_byte_level, with_llama3_pre_tokenizer};
use brightrun_core::dataset::tokenizer::{
    CHATML_TEMPLATE, HfTokenCounter, ResolveOptions, TokenCounter, resolve_tokenizer,
};
use brightrun_core::dataset::{Message, Role};
use libfuzzer_sys::fuzz_target;

/// Words and pieces remembered by the fast counters: small, so that eviction is fuzzed too.
const CACHE: usize = 4096;

/// (fast, reference) counters of each tokenizer, built once.
fn counters() -> &'static [(HfTokenCounter, HfTokenCounter)] {
    static COUNTERS: OnceLock<Vec<(HfTokenCounter, HfTokenCounter)>> = OnceLock::new();
    COUNTERS.get_or_init(|| {
        let byte_level = train_byte_level(600, 200).expect("training a tokenizer");
        let llama3 = with_llama3_pre_tokenizer(&byte_level).expect("changing the pre-tokenizer");
        let mut pairs: Vec<_> = [byte_level, llama3]
            .iter()
            .map(|json| {
                let counter = || HfTokenCounter::from_json("fuzz", json, None, Some(CHATML_TEMPLATE)).expect("loading");
                (counter().with_cache_capacity(CACHE), counter().with_cache_capacity(0))
            })
            .collect();
        if let Some(dir) = std::env::var_os("BRIGHTRUN_VOCAB_FIXTURES") {
            let mut vocabularies: Vec<_> =
                std::fs::read_dir(&dir).expect("reading the vocabularies").map(|e| e.expect("an entry").path()).collect();
            vocabularies.sort();
            for vocabulary in vocabularies {
                pairs.push(real(&vocabulary));
            }
        }
        eprintln!("count_tokens: fuzzing {} tokenizers", pairs.len());
        pairs
    })
}

fn real(dir: &Path) -> (HfTokenCounter, HfTokenCounter) {
    let spec = dir.to_str().expect("a UTF-8 path");
    let files = resolve_tokenizer(spec, &ResolveOptions::default()).expect("a tokenizer directory");
    let counter = || HfTokenCounter::from_files(&files).expect("loading");
    (counter().with_cache_capacity(CACHE), counter().with_cache_capacity(0))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let role = |i: usize| if i % 2 == 0 { Role::User } else { Role::Assistant };
    let messages: Vec<Message> = text.split('\0').enumerate().map(|(i, part)| Message::new(role(i), part)).collect();
    for (fast, reference) in counters() {
        assert_eq!(fast.count(&messages).ok(), reference.count(&messages).ok(), "{fast:?} on {text:?}");
    }
});
