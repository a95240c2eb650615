//! Exact token counting on a v4-like corpus: naive `Tokenizer::encode` of each rendered
//! message against [`HfTokenCounter::count`], on the same tokenizer, with identical counts.
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

use brightrun_core::dataset::tokenizer::{CHATML_TEMPLATE, HfTokenCounter, TokenCount, TokenCounter};
use brightrun_core::dataset::{Message, Role};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

const CONVERSATIONS: usize = 40;
const TURNS: usize = 12;
const VOCAB_SIZE: usize = 16_000;

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Pseudo-English: 8,000 words of 1 to 4 syllables drawn with a Zipf-like law, punctuation,
/// capitals, numbers, some accents and emoji, and paragraphs.
struct Text {
    words: Vec<String>,
}

impl Text {
    fn new() -> Self {
        const SYLLABLES: [&str; 40] = [
            "the", "an", "ber", "co", "da", "el", "fi", "gra", "ho", "in", "jo", "ka", "lu", "me", "no", "or", "pre",
            "qui", "ra", "st", "tion", "um", "ve", "wa", "ex", "ing", "ly", "ment", "re", "un", "ty", "al", "er",
            "ous", "ness", "ca", "pi", "so", "tu", "mi",
        ];
        let mut rng = Rng(42);
        let words =
            (0..8000).map(|_| (0..1 + rng.below(4)).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect()).collect();
        Self { words }
    }

    fn sentence(&self, rng: &mut Rng, chars: usize) -> String {
        let mut out = String::with_capacity(chars + 16);
        let mut capital = true;
        while out.len() < chars {
            if !out.is_empty() {
                out.push(if rng.below(40) == 0 { '\n' } else { ' ' });
            }
            // Zipf-like: log-uniform ranks.
            let rank = ((self.words.len() as f64).powf(rng.unit()) as usize).saturating_sub(1);
            let word = match rng.below(60) {
                0 => format!("{}", rng.below(10_000)),
                1 => "café".to_owned(),
                2 => "🙂".to_owned(),
                _ => self.words[rank].clone(),
            };
            if capital {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push_str(&word);
            }
            capital = false;
            if rng.below(10) == 0 {
                out.push(['.', '.', '.', ',', ',', '?', '!', ';', ':', '.'][rng.below(10)]);
                capital = matches!(out.chars().last(), Some('.' | '?' | '!'));
            }
        }
        out
    }
}

fn train_tokenizer(text: &Text) -> String {
    let mut rng = Rng(7);
    let corpus: Vec<String> = (0..6000).map(|_| text.sentence(&mut rng, 500)).collect();
    let mut tokenizer = Tokenizer::new(BPE::default());
    tokenizer.with_pre_tokenizer(Some(ByteLevel::default().add_prefix_space(false)));
    tokenizer.with_decoder(Some(ByteLevel::default()));
    let specials = ["<|im_start|>", "<|im_end|>", "<s>", "</s>"];
    let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
        .vocab_size(VOCAB_SIZE)
        .min_frequency(2)
        .show_progress(false)
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .special_tokens(specials.iter().map(|t| AddedToken::from(*t, true)).collect())
        .build()
        .into();
    tokenizer.train(&mut trainer, corpus.into_iter()).expect("training the bench tokenizer");
    tokenizer.to_string(false).expect("serializing the bench tokenizer")
}

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

/// The naive count: encode each message's ChatML block; an assistant trains on its content
/// and end-of-turn marker.
fn naive_count(tokenizer: &Tokenizer, messages: &[Message]) -> TokenCount {
    let tokens = |text: &str| tokenizer.encode(text, false).expect("encoding").len() as u64;
    let mut count = TokenCount::default();
    for message in messages {
        count.total += tokens(&format!("<|im_start|>{}\n{}<|im_end|>\n", message.role, message.content));
        if message.role == Role::Assistant {
            count.trainable += tokens(&format!("{}<|im_end|>\n", message.content));
        }
    }
    count
}

/// Runs `count` over the lines on `threads` threads, each a contiguous part of the file.
fn count_all(lines: &[Vec<Message>], threads: usize, count: impl Fn(&[Message]) -> TokenCount + Sync) -> TokenCount {
    let chunk = lines.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| {
                let count = &count;
                scope.spawn(move || {
                    part.iter().fold(TokenCount::default(), |sum, m| {
                        let c = count(m);
                        TokenCount { total: sum.total + c.total, trainable: sum.trainable + c.trainable }
                    })
                })
            })
            .collect();
        handles.into_iter().fold(TokenCount::default(), |sum, h| {
            let c = h.join().expect("a counting thread panicked");
            TokenCount { total: sum.total + c.total, trainable: sum.trainable + c.trainable }
        })
    })
}

fn counter(tokenizer_json: &str) -> HfTokenCounter {
    HfTokenCounter::from_json("bench", tokenizer_json, None, Some(CHATML_TEMPLATE)).expect("loading the counter")
}

fn bench_token_count(c: &mut Criterion) {
    let text = Text::new();
    let tokenizer_json = train_tokenizer(&text);
    let (lines, bytes) = v4_corpus(&text);

    // Identical counts, line by line, before anything is timed.
    let naive = Tokenizer::from_str(&tokenizer_json).expect("loading the tokenizer");
    let exact = counter(&tokenizer_json);
    for messages in &lines {
        assert_eq!(naive_count(&naive, messages), exact.count(messages).expect("counting"), "counts differ");
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
        group.bench_function(format!("naive_encode_per_message/{threads}_threads"), |b| {
            b.iter_batched(
                || Tokenizer::from_str(&tokenizer_json).expect("loading the tokenizer"),
                |tokenizer| black_box(count_all(&lines, threads, |m| naive_count(&tokenizer, m))),
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
