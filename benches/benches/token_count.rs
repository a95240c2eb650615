//! Exact token counting on a v4-like corpus: the counting definition computed with a
//! `Tokenizer::encode` of every rendered text it names ([`NaiveCounter`]) against
//! [`HfTokenCounter::count`], on the same tokenizer, with identical counts.
//!
//! The tokenizer is a ByteLevel BPE (16k vocabulary, like GPT-2's and Qwen's) trained here on
//! generated text; the corpus is generated too: a fixed system prompt of about 600 characters
//! and conversations of 12 turns where, as in brightrun_lora_v4 files, every line repeats the
//! whole history before its new turn. Throughput is in bytes of the v4 JSONL the lines come
//! from. Every iteration starts from a freshly loaded tokenizer and counter (cold caches, the
//! load not timed), on 1 thread and on 2 (each thread a contiguous half of the file).

use std::hint::black_box;
use std::str::FromStr;
use std::time::Duration;

use brightrun_benches::{NaiveCounter, add};
use brightrun_core::dataset::test_support::{Rng, Text, train_byte_level};
use brightrun_core::dataset::tokenizer::{CHATML_TEMPLATE, HfTokenCounter, TokenCount, TokenCounter};
use brightrun_core::dataset::{Message, Role};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use tokenizers::Tokenizer;

const CONVERSATIONS: usize = 40;
const TURNS: usize = 12;
const VOCAB_SIZE: usize = 16_000;

/// The canonical conversations of a v4 file, and the file's size in bytes.
fn v4_corpus(text: &Text) -> (Vec<Vec<Message>>, usize) {
    let mut rng = Rng(11);
    let system_prompt = text.sentence(&mut Rng(3), 600);
    let mut lines = Vec::new();
    let mut bytes = 0;
    for conversation in 0..CONVERSATIONS {
        let mut history: Vec<Message> = Vec::new();
        for turn in 1..=TURNS {
            let user_chars = 80 + rng.below(300);
            let user = text.sentence(&mut rng, user_chars);
            let assistant_chars = 200 + rng.below(800);
            let target = text.sentence(&mut rng, assistant_chars);
            let history_json: Vec<_> = history
                .iter()
                .enumerate()
                .map(|(i, m)| json!({"turn": i / 2 + 1, "role": m.role.as_str(), "content": m.content}))
                .collect();
            let line = json!({
                "id": format!("c{conversation}-t{turn}"), "conversation_id": format!("c{conversation}"),
                "turn_number": turn, "system_prompt": system_prompt, "conversation_history": history_json,
                "current_user_input": user, "target_response": target,
                "conversation_metadata": {}, "emotional_context": {}, "training_metadata": {},
            });
            bytes += line.to_string().len() + 1;
            let mut messages = vec![Message::new(Role::System, system_prompt.clone())];
            messages.extend(history.iter().cloned());
            messages.push(Message::new(Role::User, user));
            messages.push(Message::new(Role::Assistant, target));
            history = messages[1..].to_vec();
            lines.push(messages);
        }
    }
    (lines, bytes)
}

/// Runs `count` over the lines on `threads` threads, each a contiguous part of the file.
fn count_all(lines: &[Vec<Message>], threads: usize, count: impl Fn(&[Message]) -> TokenCount + Sync) -> TokenCount {
    let chunk = lines.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| {
                let count = &count;
                scope.spawn(move || part.iter().fold(TokenCount::default(), |sum, m| add(sum, count(m))))
            })
            .collect();
        handles
            .into_iter()
            .fold(TokenCount::default(), |sum, h| add(sum, h.join().expect("a counting thread panicked")))
    })
}

fn naive_counter(tokenizer_json: &str) -> NaiveCounter {
    NaiveCounter::new(Tokenizer::from_str(tokenizer_json).expect("loading the tokenizer"))
}

fn counter(tokenizer_json: &str) -> HfTokenCounter {
    HfTokenCounter::from_json("bench", tokenizer_json, None, Some(CHATML_TEMPLATE)).expect("loading the counter")
}

fn bench_token_count(c: &mut Criterion) {
    let text = Text::new();
    let tokenizer_json = train_byte_level(VOCAB_SIZE, 6000).expect("training the bench tokenizer");
    let (lines, bytes) = v4_corpus(&text);

    // Identical counts, line by line, before anything is timed.
    let naive = naive_counter(&tokenizer_json);
    let exact = counter(&tokenizer_json);
    for messages in &lines {
        assert_eq!(naive.count(messages).expect("counting"), exact.count(messages).expect("counting"), "counts differ");
    }
    let stats = exact.cache_stats();
    eprintln!(
        "corpus: {} lines, {:.2} MB of v4 JSONL; cache hit rates after one pass: pieces {:.1}%, turns {:.1}%",
        lines.len(),
        bytes as f64 / 1e6,
        stats.pieces.hit_rate() * 100.0,
        stats.turns.hit_rate() * 100.0
    );

    let mut group = c.benchmark_group("token_count");
    group.throughput(Throughput::Bytes(bytes as u64)).sample_size(10).measurement_time(Duration::from_secs(15));
    for threads in [1, 2] {
        group.bench_function(format!("naive_encode_per_text/{threads}_threads"), |b| {
            b.iter_batched(
                || naive_counter(&tokenizer_json),
                |naive| black_box(count_all(&lines, threads, |m| naive.count(m).expect("counting"))),
                BatchSize::PerIteration,
            )
        });
        group.bench_function(format!("hf_token_counter/{threads}_threads"), |b| {
            b.iter_batched(
                || counter(&tokenizer_json),
                |counter| black_box(count_all(&lines, threads, |m| counter.count(m).expect("counting"))),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_token_count);
criterion_main!(benches);
