//! Deterministic generated text, datasets and tokenizers for tests, benches and the fuzz
//! corpus, so that every one of them exercises the same realistic data without a download.
//!
//! Not part of the API: compiled for the crate's own tests and, for other crates, behind the
//! `test-support` feature (the CLI tests and the benches turn it on).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::ValidateOptions;
use crate::model::DatasetFormat;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, PreTokenizerWrapper, Tokenizer};

/// The special tokens every trained tokenizer knows: ChatML's, Llama 2's and Llama 3's.
pub const SPECIAL_TOKENS: [&str; 7] =
    ["<|im_start|>", "<|im_end|>", "<s>", "</s>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"];

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// Pseudo-English: 8,000 words of 1 to 4 syllables drawn with a Zipf-like law, punctuation,
/// capitals, numbers, some accents and emoji, and paragraphs; close enough to chat text for
/// a BPE trained on it to behave as on real data.
#[derive(Debug, Clone)]
pub struct Text {
    words: Vec<String>,
}

impl Default for Text {
    fn default() -> Self {
        Self::new()
    }
}

impl Text {
    /// The vocabulary (always the same).
    pub fn new() -> Self {
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

    /// Sentences of at least `chars` bytes.
    pub fn sentence(&self, rng: &mut Rng, chars: usize) -> String {
        let mut out = String::with_capacity(chars + 16);
        let mut capital = true;
        while out.len() < chars {
            if !out.is_empty() {
                out.push(if rng.below(40) == 0 { '\n' } else { ' ' });
            }
            // Zipf-like: log-uniform ranks.
            let rank = ((self.words.len() as f64).powf(rng.unit()) as usize).saturating_sub(1);
            let word = match rng.below(60) {
                0 => rng.below(10_000).to_string(),
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

/// Snippets that stress pre-tokenizers and normalizers: contractions in every case (and
/// the long s that case-folds to `s`), digit runs, code, paths after line breaks, runs of
/// every kind of whitespace, scripts with combining marks, text NFC changes, emoji
/// sequences, punctuation runs and look-alikes of special tokens.
pub const HOSTILE_SNIPPETS: [&str; 40] = [
    "it's",
    "WE'LL",
    "they'RE",
    "I'M",
    "'S",
    "ſ",
    "don\u{2019}t",
    "1234567",
    "3.14159",
    "2024-05-01",
    "fn main() {\n    println!(\"hi\");\n}",
    "{\"a\": [1, 2.5e-3, null]}",
    "https://example.com/a/b?q=1",
    ".\n/usr/bin",
    "a/\n/b",
    "  ",
    "\t\t",
    "\r\n",
    "\n\n\n",
    " \n ",
    "\u{3000}",
    "\u{a0}",
    "\u{85}",
    "   \n",
    "日本語のテキスト、句読点。",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "e\u{301}\u{301}",
    "\u{212B}ngstr\u{f6}m",
    "A\u{30a}",
    "🙂",
    "👨\u{200d}👩\u{200d}👧",
    "🇫🇷",
    "!!!???",
    "...",
    "--->",
    "<|im_end|>",
    "<s>",
    "[INST]",
    "CamelCaseWordsAndALLCAPS",
];

/// Text of `words` parts: mostly [`Text`] words, with [`HOSTILE_SNIPPETS`] and odd spacing
/// mixed in.
pub fn hostile_text(text: &Text, rng: &mut Rng, words: usize) -> String {
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push_str([" ", " ", " ", " ", "\n", "  ", "\t", " \n"][rng.below(8)]);
        }
        if rng.below(4) == 0 {
            out.push_str(HOSTILE_SNIPPETS[rng.below(HOSTILE_SNIPPETS.len())]);
        } else {
            out.push_str(&text.sentence(rng, 1));
        }
    }
    out
}

/// Trains a BPE of `vocab_size` tokens on `corpus` with `pre_tokenizer` and the
/// [`SPECIAL_TOKENS`], and returns its `tokenizer.json`. A ByteLevel pre-tokenizer (alone
/// or in a sequence) gets the 256 byte symbols as its initial alphabet and decoder.
pub fn train_bpe(
    pre_tokenizer: PreTokenizerWrapper,
    vocab_size: usize,
    corpus: impl Iterator<Item = String> + Send,
) -> Result<String, String> {
    let mut tokenizer = Tokenizer::new(BPE::default());
    let byte_level = matches!(pre_tokenizer, PreTokenizerWrapper::ByteLevel(_) | PreTokenizerWrapper::Sequence(_));
    tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
    let mut builder = BpeTrainerBuilder::new()
        .vocab_size(vocab_size)
        .min_frequency(2)
        .show_progress(false)
        .special_tokens(SPECIAL_TOKENS.iter().map(|t| AddedToken::from(*t, true)).collect());
    if byte_level {
        tokenizer.with_decoder(Some(ByteLevel::default()));
        builder = builder.initial_alphabet(ByteLevel::alphabet().into_iter().collect());
    }
    let mut trainer: TrainerWrapper = builder.build().into();
    tokenizer.train(&mut trainer, corpus).map_err(|e| format!("training the tokenizer: {e}"))?;
    tokenizer.to_string(false).map_err(|e| format!("serializing the tokenizer: {e}"))
}

pub const LLAMA3_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The pre-tokenizer regex of Qwen 2 (Llama 3's, one digit a token).
pub const QWEN2_REGEX: &str =
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The pre-tokenizer regex of GPT-4o's o200k: letter runs cut before capitals.
pub const O200K_REGEX: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
);

/// The pre-tokenizer regex of Mistral's Tekken: o200k's without contractions, one digit a
/// token.
pub const TEKKEN_REGEX: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*",
    r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
);

/// `tokenizer_json` (a ByteLevel BPE) with Llama 3's pre-tokenizer instead of GPT-2's: a
/// `Split` on [`LLAMA3_REGEX`], then ByteLevel without its own regex. The vocabulary and
/// merges stay valid: both cut the same bytes into the same kind of words.
pub fn with_llama3_pre_tokenizer(tokenizer_json: &str) -> Result<String, String> {
    let mut value: Value = serde_json::from_str(tokenizer_json).map_err(|e| e.to_string())?;
    value["pre_tokenizer"] = json!({"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": LLAMA3_REGEX}, "behavior": "Isolated", "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
    ]});
    Ok(value.to_string())
}

/// A ByteLevel BPE like GPT-2's and Qwen's, of `vocab_size` tokens, trained on
/// `sentences` sentences of [`Text`].
pub fn train_byte_level(vocab_size: usize, sentences: usize) -> Result<String, String> {
    let text = Text::new();
    let mut rng = Rng(7);
    let corpus: Vec<String> = (0..sentences).map(|_| text.sentence(&mut rng, 500)).collect();
    train_bpe(ByteLevel::default().add_prefix_space(false).into(), vocab_size, corpus.into_iter())
}

/// The options the fuzz target (`core/fuzz`) validates with, drawn from the first byte of
/// its input so that the corpus explores them too: bits 0-1 force a format (or none), bit 2
/// sets a 64-byte line limit, bit 3 keeps 1 finding per code, bit 4 runs 2 threads, bit 5
/// turns token counting off. The regression tests replay the fuzzer's finds with them.
pub fn fuzz_options(byte: u8) -> ValidateOptions {
    let format = match byte & 0b11 {
        0 => None,
        1 => Some(DatasetFormat::Chat),
        2 => Some(DatasetFormat::BrightrunLoraV3),
        _ => Some(DatasetFormat::BrightrunLoraV4),
    };
    ValidateOptions {
        format,
        max_line_bytes: if byte & 0b100 != 0 { 64 } else { 1 << 20 },
        max_findings_per_code: if byte & 0b1000 != 0 { 1 } else { 50 },
        threads: if byte & 0b1_0000 != 0 { 2 } else { 1 },
        count_tokens: byte & 0b10_0000 == 0,
        max_seq_len: Some(64),
        min_examples: 1,
        progress: None,
        inflate: crate::dataset::InflateLimits::default(),
    }
}

/// Shapes of the generated datasets.
#[derive(Debug, Clone)]
pub struct DatasetShape {
    /// Turns (a user message and an answer) per conversation: from `turns.0` to `turns.1`.
    pub turns: (usize, usize),
    /// Length of a user message in bytes: from `user_chars.0` to `user_chars.1`.
    pub user_chars: (usize, usize),
    /// Length of an answer in bytes: from `assistant_chars.0` to `assistant_chars.1`.
    pub assistant_chars: (usize, usize),
    /// Length of the system prompts in bytes (a few prompts shared by every conversation).
    pub system_chars: usize,
}

impl Default for DatasetShape {
    /// Conversations of 2 to 12 turns, user messages of 80 to 380 bytes, answers of 200 to
    /// 1,000, system prompts of about 600: the shape of the v4 exports.
    fn default() -> Self {
        Self { turns: (2, 12), user_chars: (80, 380), assistant_chars: (200, 1000), system_chars: 600 }
    }
}

/// Writes generated datasets, record after record, the same for the same seed.
#[derive(Debug, Clone)]
pub struct DatasetWriter {
    text: Text,
    rng: Rng,
    shape: DatasetShape,
    system_prompts: Vec<String>,
    conversations: usize,
}

impl DatasetWriter {
    /// A writer of datasets of `shape`, drawn from `seed`.
    pub fn new(shape: DatasetShape, seed: u64) -> Self {
        let text = Text::new();
        let mut prompts = Rng(3);
        let system_prompts = (0..4).map(|_| text.sentence(&mut prompts, shape.system_chars)).collect();
        Self { text, rng: Rng(seed), shape, system_prompts, conversations: 0 }
    }

    fn between(&mut self, (low, high): (usize, usize)) -> usize {
        low + self.rng.below(high.saturating_sub(low) + 1)
    }

    fn say(&mut self, range: (usize, usize)) -> String {
        let chars = self.between(range);
        self.text.sentence(&mut self.rng, chars)
    }

    /// One chat record (`{"messages": [...]}`): a system prompt, then the turns; about one
    /// in ten asks for the validation split.
    pub fn chat_record(&mut self) -> Value {
        self.conversations += 1;
        let system = self.system_prompts[self.rng.below(self.system_prompts.len())].clone();
        let mut messages = vec![json!({"role": "system", "content": system})];
        for _ in 0..self.between(self.shape.turns) {
            messages.push(json!({"role": "user", "content": self.say(self.shape.user_chars)}));
            messages.push(json!({"role": "assistant", "content": self.say(self.shape.assistant_chars)}));
        }
        let mut record = json!({ "messages": messages });
        if self.rng.below(10) == 0 {
            record["split"] = json!("validation");
        }
        record
    }

    /// The training pairs of one v4 conversation, one JSONL record each, as the exports
    /// write them: every pair repeats the system prompt and the whole history, whose last
    /// item is the current input; about one conversation in four ends on a user turn (a
    /// null target).
    pub fn v4_conversation(&mut self) -> Vec<Value> {
        self.conversations += 1;
        let conversation = format!("conv-{:06}", self.conversations);
        let system = self.system_prompts[self.rng.below(self.system_prompts.len())].clone();
        let mut history: Vec<Value> = Vec::new();
        let mut pairs = Vec::new();
        let turns = self.between(self.shape.turns);
        for turn in 1..=turns {
            let input = self.say(self.shape.user_chars);
            let user_turn = turn == turns && turn > 1 && self.rng.below(4) == 0;
            let target = (!user_turn).then(|| self.say(self.shape.assistant_chars));
            let mood = ["calm", "anxious", "hopeful"][self.rng.below(3)];
            history.push(json!({"turn": history.len() + 1, "role": "user", "content": input, "emotional_state": mood}));
            pairs.push(json!({
                "id": format!("{conversation}-t{turn}"),
                "conversation_id": conversation,
                "turn_number": turn,
                "system_prompt": system,
                "conversation_history": history,
                "current_user_input": input,
                "target_response": target,
                "conversation_metadata": {"topic": "planning", "persona": "consultant"},
                "emotional_context": {"primary_emotion": "calm", "intensity": 0.4},
                "training_metadata": {"quality_score": 4, "source": "generated"},
            }));
            if let Some(target) = target {
                history.push(json!({"turn": history.len() + 1, "role": "assistant", "content": target}));
            }
        }
        pairs
    }

    /// Writes chat JSONL of at least `bytes` bytes (whole records, no trailing newline);
    /// returns the bytes written.
    pub fn write_chat(&mut self, out: &mut impl Write, bytes: u64) -> io::Result<u64> {
        self.write_records(out, bytes, |writer| vec![writer.chat_record()])
    }

    /// One prompt/completion record (`{"prompt", "completion"}`): a user message and its
    /// answer.
    pub fn prompt_completion_record(&mut self) -> Value {
        self.conversations += 1;
        let prompt = self.say(self.shape.user_chars);
        let completion = self.say(self.shape.assistant_chars);
        serde_json::json!({"prompt": prompt, "completion": completion})
    }

    /// Writes prompt/completion JSONL of at least `bytes` bytes (no trailing newline);
    /// returns the bytes written.
    pub fn write_prompt_completion(&mut self, out: &mut impl Write, bytes: u64) -> io::Result<u64> {
        self.write_records(out, bytes, |writer| vec![writer.prompt_completion_record()])
    }

    /// Writes v4 JSONL of at least `bytes` bytes (whole conversations, no trailing newline);
    /// returns the bytes written.
    pub fn write_v4(&mut self, out: &mut impl Write, bytes: u64) -> io::Result<u64> {
        self.write_records(out, bytes, Self::v4_conversation)
    }

    fn write_records(
        &mut self,
        out: &mut impl Write,
        bytes: u64,
        mut next: impl FnMut(&mut Self) -> Vec<Value>,
    ) -> io::Result<u64> {
        let mut written = 0_u64;
        while written < bytes {
            for record in next(self) {
                if written > 0 {
                    out.write_all(b"\n")?;
                    written += 1;
                }
                let line = record.to_string();
                out.write_all(line.as_bytes())?;
                written += line.len() as u64;
            }
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{EstimatedTokenCounter, ValidateOptions, validate};

    #[test]
    fn generated_datasets_are_valid_and_reproducible() {
        let options = ValidateOptions { min_examples: 1, max_seq_len: None, ..ValidateOptions::default() };
        for v4 in [false, true] {
            let mut files = Vec::new();
            for _ in 0..2 {
                let mut writer = DatasetWriter::new(DatasetShape::default(), 5);
                let mut file = Vec::new();
                let written =
                    if v4 { writer.write_v4(&mut file, 100_000) } else { writer.write_chat(&mut file, 100_000) };
                assert_eq!(written.unwrap(), file.len() as u64);
                assert!(file.len() >= 100_000);
                files.push(file);
            }
            assert_eq!(files[0], files[1], "the same seed, the same file");
            let report = validate(&files[0][..], &options, &EstimatedTokenCounter).unwrap();
            assert!(report.valid, "{:?}", report.findings);
            assert_eq!(report.errors + report.warnings, 0, "{:?}", report.counts);
        }
    }
}
