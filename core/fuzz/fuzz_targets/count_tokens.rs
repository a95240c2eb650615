//! Fuzzes the exact token counter differentially: any text, cut into alternating user and
//! assistant messages at NUL characters, is counted by the fast counter (piece and word
//! caches shared by every run, so later inputs hit what earlier ones left) and by the
//! uncached reference that encodes every rendered text whole. The counts must be equal, on
//! a GPT-2 style ByteLevel BPE and on the same vocabulary with Llama 3's pre-tokenizer.

#![no_main]

use std::sync::OnceLock;

use brightrun_core::dataset::test_support::{train_byte_level, with_llama3_pre_tokenizer};
use brightrun_core::dataset::tokenizer::{CHATML_TEMPLATE, HfTokenCounter, TokenCounter};
use brightrun_core::dataset::{Message, Role};
use libfuzzer_sys::fuzz_target;

/// (fast, reference) counters of each tokenizer, built once.
fn counters() -> &'static [(HfTokenCounter, HfTokenCounter)] {
    static COUNTERS: OnceLock<Vec<(HfTokenCounter, HfTokenCounter)>> = OnceLock::new();
    COUNTERS.get_or_init(|| {
        let byte_level = train_byte_level(600, 200).expect("training a tokenizer");
        let llama3 = with_llama3_pre_tokenizer(&byte_level).expect("changing the pre-tokenizer");
        [byte_level, llama3]
            .iter()
            .map(|json| {
                let counter = || HfTokenCounter::from_json("fuzz", json, None, Some(CHATML_TEMPLATE)).expect("loading");
                let fast = counter().with_cache_capacity(512);
                assert!(fast.cuts_words(), "the fuzzed path cuts words");
                (fast, counter().with_cache_capacity(0))
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let role = |i: usize| if i % 2 == 0 { Role::User } else { Role::Assistant };
    let messages: Vec<Message> = text.split('\0').enumerate().map(|(i, part)| Message::new(role(i), part)).collect();
    for (fast, reference) in counters() {
        assert_eq!(fast.count(&messages).ok(), reference.count(&messages).ok(), "{text:?}");
    }
});
