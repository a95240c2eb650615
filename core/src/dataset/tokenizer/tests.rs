//! Tests of the exact counter on tokenizers trained here, on generated text: no downloads.

use std::sync::OnceLock;

use serde_json::{Value as Json, json};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{PreTokenizerWrapper, SplitDelimiterBehavior, Tokenizer};

use super::*;
use crate::dataset::conversation::{Message, Role};
use crate::dataset::test_support::{Rng, train_bpe};
use crate::dataset::tokenizer::render::turn_span;

/// A Llama-3-style template: BOS first, header tokens around the role, `trim`, and
/// `raise_exception` for a misplaced system message.
const LLAMA3_STYLE_TEMPLATE: &str = "{{ bos_token }}{% for message in messages %}\
{% if message['role'] == 'system' and not loop.first %}{{ raise_exception('The system message must come first') }}{% endif %}\
{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\
{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

/// A template whose last message renders differently: the rendering of a prefix is then no
/// prefix of the longer rendering, which exercises the fallback of the definition.
const LAST_MESSAGE_MARKED_TEMPLATE: &str = "{% for m in messages %}<|im_start|>{{ m.role }}{% if loop.last %} (last){% endif %}\n\
{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

/// The Llama 3 pre-tokenizer regex (it needs look-ahead: fancy-regex).
const LLAMA3_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

// ---------------------------------------------------------------- generated text

// Text full of edge cases (accents, CJK, emoji, tabs, a look-alike of a special token) that
// every tokenizer under test must count right; `test_support::Text` is the benches' text.

const SYLLABLES: [&str; 24] = [
    "an", "ber", "co", "da", "el", "fi", "gra", "ho", "in", "jo", "ka", "lu", "me", "no", "or", "pre", "qui", "ra",
    "st", "tion", "um", "ve", "wa", "x",
];
const EXTRAS: [&str; 12] =
    ["café", "naïve", "日本語", "🙂", "2024", "3.14", "e-mail", "it's", "we'll", "<not special>", "\t", "  "];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(if rng.below(25) == 0 { '\n' } else { ' ' });
        }
        if rng.below(12) == 0 {
            out.push_str(EXTRAS[rng.below(EXTRAS.len())]);
            continue;
        }
        let syllables = 1 + rng.below(3);
        for s in 0..syllables {
            let syllable = SYLLABLES[rng.below(SYLLABLES.len())];
            if s == 0 && rng.below(8) == 0 {
                out.push_str(&syllable.to_uppercase());
            } else {
                out.push_str(syllable);
            }
        }
        if rng.below(9) == 0 {
            out.push([',', '.', '!', '?', ':'][rng.below(5)]);
        }
    }
    out
}

fn training_text() -> Vec<String> {
    let mut rng = Rng(7);
    (0..1500).map(|_| sentence(&mut rng, 25)).collect()
}

/// v4-like lines: a fixed system prompt, then every line of a conversation repeats all the
/// earlier turns; some lines end on a user turn (a null target).
fn v4_lines(conversations: usize, turns: usize, seed: u64) -> Vec<Vec<Message>> {
    let mut rng = Rng(seed);
    let system = sentence(&mut Rng(1), 100);
    let mut lines = Vec::new();
    for _ in 0..conversations {
        let mut history = vec![Message::new(Role::System, system.clone())];
        for _ in 0..turns {
            let (user_words, assistant_words) = (5 + rng.below(30), 10 + rng.below(60));
            let user = Message::new(Role::User, sentence(&mut rng, user_words));
            let assistant = Message::new(Role::Assistant, sentence(&mut rng, assistant_words));
            history.push(user);
            if rng.below(6) == 0 {
                lines.push(history.clone());
            }
            history.push(assistant);
            lines.push(history.clone());
        }
    }
    lines
}

// ---------------------------------------------------------------- tokenizers trained here

fn train(pre_tokenizer: PreTokenizerWrapper, vocab_size: usize) -> String {
    train_bpe(pre_tokenizer, vocab_size, training_text().into_iter()).unwrap()
}

/// A ByteLevel BPE like GPT-2's and Qwen's.
fn byte_level_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| train(ByteLevel::default().add_prefix_space(false).into(), 3000))
}

/// Llama 3's pre-tokenizer: a regex Split, then ByteLevel without its own regex.
fn llama3_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let split =
            Split::new(SplitPattern::Regex(LLAMA3_SPLIT.to_owned()), SplitDelimiterBehavior::Isolated, false).unwrap();
        let byte_level = ByteLevel::default().add_prefix_space(false).use_regex(false);
        train(Sequence::new(vec![split.into(), byte_level.into()]).into(), 3000)
    })
}

/// A Metaspace BPE like Mistral's: `▁` for spaces, prefixed only at the start of the input.
fn metaspace_first_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| train(Metaspace::new('▁', PrependScheme::First, false).into(), 1500))
}

fn edit(json: &str, change: impl FnOnce(&mut Json)) -> String {
    let mut value: Json = serde_json::from_str(json).unwrap();
    change(&mut value);
    value.to_string()
}

fn add_token(value: &mut Json, content: &str, flags: &[&str]) {
    let next_id = value["model"]["vocab"].as_object().unwrap().len() + value["added_tokens"].as_array().unwrap().len();
    let mut token = json!({"id": next_id, "content": content, "single_word": false, "lstrip": false,
                           "rstrip": false, "normalized": false, "special": false});
    for flag in flags {
        token[*flag] = json!(true);
    }
    value["added_tokens"].as_array_mut().unwrap().push(token);
}

fn config(template: &str) -> String {
    json!({"chat_template": template, "bos_token": "<s>", "eos_token": {"content": "</s>", "__type": "AddedToken"}})
        .to_string()
}

fn counter(tokenizer_json: &str, template: &str) -> HfTokenCounter {
    HfTokenCounter::from_json("test", tokenizer_json, Some(&config(template)), None).unwrap()
}

fn naive(tokenizer_json: &str) -> Tokenizer {
    tokenizer_json.parse().unwrap()
}

fn naive_tokens(tokenizer: &Tokenizer, text: &str) -> u64 {
    tokenizer.encode(text, false).unwrap().len() as u64
}

/// The definition of the module documentation, computed the slow way.
fn by_definition(counter: &HfTokenCounter, tokenizer: &Tokenizer, messages: &[Message]) -> TokenCount {
    let tokens = |text: &str| naive_tokens(tokenizer, text);
    let total = tokens(&counter.render(messages, false).unwrap());
    let mut trainable = 0;
    let text = counter.render(messages, false).unwrap();
    for (i, message) in messages.iter().enumerate() {
        if message.role == Role::Assistant {
            // The turn's place in the whole text: the ends of its prefixes where they are
            // prefixes of it, else what it holds of the turn (see `turn_span`).
            let prompt = counter.render(&messages[..i], true).unwrap();
            let through = counter.render(&messages[..=i], false).unwrap();
            let asked = i.checked_sub(1).map_or("", |before| messages[before].content.as_str());
            let span = turn_span(&text, (&prompt, asked), (&through, &message.content));
            trainable += tokens(&text[..span.through]).saturating_sub(tokens(&text[..span.before]));
        }
    }
    TokenCount { total, trainable }
}

/// Every tokenizer and template combination the equivalence tests run on.
fn setups() -> Vec<(&'static str, String, &'static str)> {
    let byte_level = byte_level_json();
    vec![
        ("byte-level chatml", byte_level.to_owned(), CHATML_TEMPLATE),
        ("byte-level llama3", byte_level.to_owned(), LLAMA3_STYLE_TEMPLATE),
        ("byte-level last-marked", byte_level.to_owned(), LAST_MESSAGE_MARKED_TEMPLATE),
        ("llama3 split chatml", llama3_json().to_owned(), CHATML_TEMPLATE),
        ("metaspace-first llama3", metaspace_first_json().to_owned(), LLAMA3_STYLE_TEMPLATE),
        ("metaspace-first chatml", metaspace_first_json().to_owned(), CHATML_TEMPLATE),
        (
            "prefix space + lowercase + normalized token",
            edit(byte_level, |v| {
                v["pre_tokenizer"]["add_prefix_space"] = json!(true);
                v["normalizer"] = json!({"type": "Lowercase"});
                add_token(v, "ka", &["normalized"]);
            }),
            CHATML_TEMPLATE,
        ),
        (
            "lstrip and rstrip tokens, BOS post-processor",
            edit(byte_level, |v| {
                // Adds <s> only when add_special_tokens is true, which the definition never asks.
                v["post_processor"] = json!({"type": "TemplateProcessing",
                    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                    "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                    "special_tokens": {"<s>": {"id": "<s>", "ids": [2], "tokens": ["<s>"]}}});
                add_token(v, "EL", &["lstrip"]);
                add_token(v, "!", &["rstrip"]);
                add_token(v, "\n\n", &["lstrip", "rstrip"]);
            }),
            CHATML_TEMPLATE,
        ),
        (
            "single_word token (whole texts)",
            edit(byte_level, |v| add_token(v, "ka", &["single_word"])),
            CHATML_TEMPLATE,
        ),
    ]
}

// ---------------------------------------------------------------- tests

#[test]
fn totals_equal_the_naive_encoding_of_the_rendered_text() {
    for (label, json, template) in setups() {
        let counter = counter(&json, template);
        let tokenizer = naive(&json);
        for messages in v4_lines(2, 4, 3) {
            let rendered = counter.render(&messages, false).unwrap();
            assert_eq!(counter.count_text(&rendered).unwrap(), naive_tokens(&tokenizer, &rendered), "{label}");
            assert_eq!(counter.count(&messages).unwrap().total, naive_tokens(&tokenizer, &rendered), "{label}");
            if label.contains("post-processor") {
                let with_bos = tokenizer.encode(rendered.as_str(), true).unwrap().len() as u64;
                assert_eq!(with_bos, naive_tokens(&tokenizer, &rendered) + 1, "the post-processor is live");
            }
        }
    }
}

#[test]
fn trainable_counts_follow_the_definition() {
    for (label, json, template) in setups() {
        let counter = counter(&json, template);
        let tokenizer = naive(&json);
        for messages in v4_lines(2, 4, 4) {
            assert_eq!(counter.count(&messages).unwrap(), by_definition(&counter, &tokenizer, &messages), "{label}");
        }
    }
}

#[test]
fn a_chatml_turn_trains_on_its_content_and_end_of_turn_marker() {
    let counter = counter(byte_level_json(), CHATML_TEMPLATE);
    let tokenizer = naive(byte_level_json());
    let messages = [
        Message::new(Role::System, "Be brief."),
        Message::new(Role::User, "Hi there"),
        Message::new(Role::Assistant, "Hello! How can I help?"),
    ];
    let count = counter.count(&messages).unwrap();
    assert_eq!(count.trainable, naive_tokens(&tokenizer, "Hello! How can I help?<|im_end|>\n"));
    let rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n";
    assert_eq!(count.total, naive_tokens(&tokenizer, rendered));
    let user_only = counter.count(&messages[..2]).unwrap();
    assert_eq!(user_only.trainable, 0, "a conversation ending on a user turn trains on nothing");
}

#[test]
fn cached_counts_equal_uncached_counts_on_a_v4_corpus() {
    let lines = v4_lines(4, 6, 11);
    for (label, json, template) in setups() {
        let cached = counter(&json, template);
        let uncached = counter(&json, template).with_cache_capacity(0);
        assert!(!uncached.is_piecewise());
        assert_eq!(cached.is_piecewise(), !label.starts_with("single_word"), "{label}");
        // The Metaspace tokenizers here, like Mistral's, do not split on their spaces.
        assert_eq!(
            cached.cuts_words(),
            !label.starts_with("single_word") && !label.starts_with("metaspace"),
            "{label}"
        );
        for messages in &lines {
            assert_eq!(cached.count(messages).unwrap(), uncached.count(messages).unwrap(), "{label}");
        }
        let stats = cached.cache_stats();
        if label.contains("last-marked") {
            // Its turns render otherwise once the conversation goes on: none is remembered.
            assert_eq!(stats.turns, CacheCounters::default(), "{label}: {stats:?}");
        } else {
            assert!(stats.turns.hit_rate() > 0.5, "{label}: {stats:?}");
        }
        if cached.is_piecewise() {
            assert!(stats.pieces.hit_rate() > 0.5, "{label}: {stats:?}");
        }
        assert_eq!(uncached.cache_stats(), CacheStats::default());
    }
}

#[test]
fn words_are_cut_only_where_the_pre_tokenizer_always_cuts() {
    let splitting_metaspace = edit(metaspace_first_json(), |v| v["pre_tokenizer"]["split"] = json!(true));
    let qwen2_regex = LLAMA3_SPLIT.replace(r"\p{N}{1,3}", r"\p{N}");
    let qwen2 =
        edit(llama3_json(), |v| v["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = json!(qwen2_regex));
    for (label, json) in [("splitting metaspace", splitting_metaspace), ("qwen2 split", qwen2)] {
        let counter = self::counter(&json, LLAMA3_STYLE_TEMPLATE);
        assert!(counter.cuts_words(), "{label}");
        let tokenizer = naive(&json);
        for messages in v4_lines(2, 4, 9) {
            assert_eq!(counter.count(&messages).unwrap(), by_definition(&counter, &tokenizer, &messages), "{label}");
        }
    }

    let unknown_regex =
        edit(llama3_json(), |v| v["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = json!(r"\S+|\s+"));
    let no_split_metaspace = edit(metaspace_first_json(), |v| v["pre_tokenizer"]["split"] = json!(false));
    let nfkc = edit(byte_level_json(), |v| v["normalizer"] = json!({"type": "NFKC"}));
    let stripping = edit(byte_level_json(), |v| add_token(v, "ka", &["normalized", "rstrip"]));
    let spaced = edit(byte_level_json(), |v| add_token(v, "ka be", &["normalized"]));
    for (label, json) in [
        ("unknown regex", unknown_regex),
        ("metaspace without split", no_split_metaspace),
        ("NFKC", nfkc),
        ("stripping normalized token", stripping),
        ("normalized token with a space", spaced),
    ] {
        let counter = self::counter(&json, CHATML_TEMPLATE);
        assert!(counter.is_piecewise() && !counter.cuts_words(), "{label}");
        let tokenizer = naive(&json);
        for messages in v4_lines(1, 3, 8) {
            let rendered = counter.render(&messages, false).unwrap();
            assert_eq!(counter.count(&messages).unwrap().total, naive_tokens(&tokenizer, &rendered), "{label}");
        }
    }
}

#[test]
fn words_counted_apart_add_up_to_the_whole_text() {
    // Long texts of words the caches have seen in other orders: mostly cache hits.
    let mut rng = Rng(21);
    for (label, json, template) in setups() {
        let counter = counter(&json, template);
        let tokenizer = naive(&json);
        for _ in 0..20 {
            let text = sentence(&mut rng, 200);
            let messages = [Message::new(Role::User, text.clone()), Message::new(Role::Assistant, text)];
            let rendered = counter.render(&messages, false).unwrap();
            assert_eq!(counter.count_text(&rendered).unwrap(), naive_tokens(&tokenizer, &rendered), "{label}");
        }
    }
}

#[test]
fn tiny_caches_evict_without_changing_counts() {
    let lines = v4_lines(3, 6, 12);
    let tiny = counter(byte_level_json(), CHATML_TEMPLATE).with_cache_capacity(40);
    let reference = counter(byte_level_json(), CHATML_TEMPLATE).with_cache_capacity(0);
    for messages in lines.iter().chain(lines.iter().rev()) {
        assert_eq!(tiny.count(messages).unwrap(), reference.count(messages).unwrap());
    }
}

#[test]
fn threads_counting_at_once_get_the_same_numbers() {
    let lines = v4_lines(8, 6, 13);
    let expected: Vec<TokenCount> = {
        let reference = counter(byte_level_json(), LLAMA3_STYLE_TEMPLATE).with_cache_capacity(0);
        lines.iter().map(|m| reference.count(m).unwrap()).collect()
    };
    let shared = counter(byte_level_json(), LLAMA3_STYLE_TEMPLATE).with_cache_capacity(500);
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let (shared, lines, expected) = (&shared, &lines, &expected);
            scope.spawn(move || {
                for round in 0..3 {
                    for step in 0..lines.len() {
                        let i = (step * 7 + thread * 13 + round * 5) % lines.len();
                        assert_eq!(shared.count(&lines[i]).unwrap(), expected[i], "thread {thread} line {i}");
                    }
                }
            });
        }
    });
}

#[test]
fn template_errors_are_errors_not_panics() {
    let counter = counter(byte_level_json(), LLAMA3_STYLE_TEMPLATE);
    let misplaced = [Message::new(Role::User, "hi"), Message::new(Role::System, "late")];
    let error = counter.count(&misplaced).unwrap_err();
    assert!(matches!(&error, TokenizerError::Template { reason } if reason.contains("must come first")), "{error}");
    assert_eq!(crate::ErrorCode::code(&error), "chat_template_failed");

    let looping = "{% for i in range(100000) %}{% for j in range(100000) %}{{ messages }}{% endfor %}{% endfor %}";
    let error = self::counter(byte_level_json(), looping).count(&misplaced).unwrap_err();
    assert!(matches!(error, TokenizerError::Template { .. }), "{error}");

    let error = HfTokenCounter::from_json("t", byte_level_json(), Some(&config("{% if %}")), None).unwrap_err();
    assert!(matches!(&error, TokenizerError::Load { reason, .. } if reason.contains("chat template")), "{error}");
}

#[test]
fn loading_errors_name_their_source() {
    let error = HfTokenCounter::from_json("org/x", "{not json", None, None).unwrap_err();
    assert!(matches!(&error, TokenizerError::Load { source_name, .. } if source_name == "org/x"), "{error}");
    assert_eq!(crate::ErrorCode::code(&error), "tokenizer_load_failed");
    let error = HfTokenCounter::from_json("org/x", byte_level_json(), Some("[1]"), None).unwrap_err();
    assert!(error.to_string().contains("not a JSON object"), "{error}");
}

#[test]
fn without_a_template_chatml_is_used_and_truncation_is_ignored() {
    let truncating = edit(byte_level_json(), |v| {
        v["truncation"] = json!({"direction": "Right", "max_length": 3, "strategy": "LongestFirst", "stride": 0});
    });
    let counter = HfTokenCounter::from_json("plain", &truncating, None, None).unwrap();
    let messages = [Message::new(Role::User, "one two three four five"), Message::new(Role::Assistant, "six seven")];
    let expected = "<|im_start|>user\none two three four five<|im_end|>\n<|im_start|>assistant\nsix seven<|im_end|>\n";
    assert_eq!(counter.render(&messages, false).unwrap(), expected);
    assert_eq!(counter.count(&messages).unwrap().total, naive_tokens(&naive(byte_level_json()), expected));
    assert!(counter.count(&messages).unwrap().total > 3);
    assert_eq!(counter.name(), "hf:plain");
    assert!(counter.is_exact());
}

#[test]
fn a_chat_template_file_wins_over_the_configuration() {
    let counter =
        HfTokenCounter::from_json("t", byte_level_json(), Some(&config(CHATML_TEMPLATE)), Some("X{{ bos_token }}"))
            .unwrap();
    assert_eq!(counter.render(&[], false).unwrap(), "X<s>");
}

#[test]
fn load_token_counter_reads_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(TOKENIZER_FILE), byte_level_json()).unwrap();
    std::fs::write(tmp.path().join(TOKENIZER_CONFIG_FILE), config(LLAMA3_STYLE_TEMPLATE)).unwrap();
    let spec = tmp.path().to_str().unwrap();
    let counter = load_token_counter(spec, &ResolveOptions::default()).unwrap();
    assert_eq!(counter.name(), format!("hf:{spec}"));
    let messages = [Message::new(Role::User, "hi"), Message::new(Role::Assistant, "yo")];
    let reference = self::counter(byte_level_json(), LLAMA3_STYLE_TEMPLATE);
    assert_eq!(counter.count(&messages).unwrap(), reference.count(&messages).unwrap());
    assert!(counter.count(&messages).unwrap().total > 0);
}

// ---------------------------------------------------------------- fetching from a Hub double

#[cfg(feature = "hub")]
mod hub {
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    use super::*;

    /// What the hub saw: each request's path and `Authorization` header.
    type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

    /// A test double standing in for the Hugging Face Hub: serves fixed files over HTTP on
    /// 127.0.0.1 and records each request's path and `Authorization` header. It stops when
    /// dropped, or by itself after 60 seconds.
    struct FakeHub {
        endpoint: String,
        requests: Log,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    impl FakeHub {
        fn start(files: HashMap<String, (u16, Vec<u8>)>) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let endpoint = format!("http://{}", listener.local_addr().unwrap());
            let requests = Arc::new(Mutex::new(Vec::new()));
            let stop = Arc::new(AtomicBool::new(false));
            let thread = {
                let (requests, stop) = (requests.clone(), stop.clone());
                std::thread::spawn(move || {
                    let started = Instant::now();
                    while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(60) {
                        match listener.accept() {
                            Ok((stream, _)) => serve(stream, &files, &requests),
                            Err(_) => std::thread::sleep(Duration::from_millis(5)),
                        }
                    }
                })
            };
            Self { endpoint, requests, stop, thread: Some(thread) }
        }

        fn requests(&self) -> Vec<(String, Option<String>)> {
            self.requests.lock().unwrap().clone()
        }
    }

    impl Drop for FakeHub {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    fn serve(stream: TcpStream, files: &HashMap<String, (u16, Vec<u8>)>, requests: &Log) {
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_owned();
        let mut authorization = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("authorization")
            {
                authorization = Some(value.trim().to_owned());
            }
        }
        requests.lock().unwrap().push((path.clone(), authorization));
        let (status, body) = files.get(&path).cloned().unwrap_or((404, b"Entry not found".to_vec()));
        let mut stream = stream;
        let head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
    }

    fn options(home: &std::path::Path, hub: &FakeHub) -> ResolveOptions {
        ResolveOptions {
            brightrun_home: Some(home.to_path_buf()),
            hf_hub_cache: None,
            allow_network: true,
            endpoint: Some(format!("{}/", hub.endpoint)),
            token: Some("hf_test_token".to_owned()),
        }
    }

    #[test]
    fn fetches_from_the_hub_once_then_reads_the_cache() {
        let files = HashMap::from([
            ("/org/model/resolve/main/tokenizer.json".to_owned(), (200, byte_level_json().as_bytes().to_vec())),
            (
                "/org/model/resolve/main/tokenizer_config.json".to_owned(),
                (200, config(LLAMA3_STYLE_TEMPLATE).into_bytes()),
            ),
        ]);
        let hub = FakeHub::start(files);
        let home = tempfile::tempdir().unwrap();
        let resolved = resolve_tokenizer("org/model", &options(home.path(), &hub)).unwrap();
        let dir = home.path().join("tokenizers/org/model");
        assert_eq!(resolved.tokenizer_json, dir.join(TOKENIZER_FILE));
        assert_eq!(resolved.tokenizer_config, Some(dir.join(TOKENIZER_CONFIG_FILE)));
        assert_eq!(resolved.chat_template, None, "a 404 for an optional file is no error");
        let requests = hub.requests();
        assert_eq!(
            requests.iter().map(|(path, _)| path.as_str()).collect::<Vec<_>>(),
            [
                "/org/model/resolve/main/tokenizer_config.json",
                "/org/model/resolve/main/chat_template.jinja",
                "/org/model/resolve/main/tokenizer.json"
            ]
        );
        assert!(requests.iter().all(|(_, auth)| auth.as_deref() == Some("Bearer hf_test_token")));
        let leftovers: Vec<_> =
            std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
        assert!(leftovers.iter().all(|name| !name.ends_with(".tmp")), "{leftovers:?}");

        drop(hub);
        let offline = ResolveOptions { brightrun_home: Some(home.path().to_path_buf()), ..ResolveOptions::default() };
        let counter = load_token_counter("org/model", &offline).unwrap();
        assert_eq!(counter.name(), "hf:org/model");
        let messages = [Message::new(Role::User, "hi"), Message::new(Role::Assistant, "yo")];
        assert_eq!(
            counter.count(&messages).unwrap(),
            self::counter(byte_level_json(), LLAMA3_STYLE_TEMPLATE).count(&messages).unwrap()
        );
    }

    #[test]
    fn failed_fetches_cache_nothing() {
        let cases: [(u16, &[u8], &str); 3] = [
            (404, b"Entry not found", "not found"),
            (401, b"Repository not found", "HF_TOKEN"),
            (200, b"<html>captive portal</html>", "not JSON"),
        ];
        for (status, body, expected) in cases {
            let hub = FakeHub::start(HashMap::from([(
                "/org/model/resolve/main/tokenizer.json".to_owned(),
                (status, body.to_vec()),
            )]));
            let home = tempfile::tempdir().unwrap();
            let error = resolve_tokenizer("org/model", &options(home.path(), &hub)).unwrap_err();
            assert!(error.to_string().contains(expected), "{status}: {error}");
            assert!(!home.path().join("tokenizers/org/model/tokenizer.json").exists());
        }
    }

    #[test]
    fn the_network_is_not_used_unless_allowed() {
        let hub = FakeHub::start(HashMap::new());
        let home = tempfile::tempdir().unwrap();
        let error = resolve_tokenizer("org/model", &options(home.path(), &hub).allow_network(false)).unwrap_err();
        assert!(error.to_string().contains("allow network access"), "{error}");
        let error = resolve_tokenizer("org/../../etc", &options(home.path(), &hub)).unwrap_err();
        assert!(error.to_string().contains("model id"), "{error}");
        assert!(hub.requests().is_empty());
    }
}

/// The definition of a plain-text document's count, computed with `tokenizers`: the text
/// encoded with the post-processor's tokens, then EOS unless those end with it.
fn document_by_definition(tokenizer: &Tokenizer, text: &str, eos: Option<u32>) -> u64 {
    let with_added = tokenizer.encode(text, true).unwrap().len() as u64;
    let added = tokenizer.encode("", true).unwrap();
    with_added + u64::from(eos.is_some_and(|eos| added.get_ids().last() != Some(&eos)))
}

#[test]
fn a_document_counts_its_text_with_the_tokenizers_own_added_tokens_and_eos() {
    let mut with_bos = 0;
    for (label, json, template) in setups() {
        let counter = counter(&json, template);
        let tokenizer = naive(&json);
        let eos = tokenizer.token_to_id("</s>");
        assert!(eos.is_some(), "{label}: the config's EOS is in the vocabulary");
        with_bos += usize::from(tokenizer.encode("", true).unwrap().len() == 1);
        for messages in v4_lines(2, 4, 5) {
            for message in messages {
                let document = [Message::new(Role::Text, message.content.clone())];
                let expected = document_by_definition(&tokenizer, &message.content, eos);
                let count = counter.count(&document).unwrap();
                assert_eq!(
                    count,
                    TokenCount { total: expected, trainable: expected },
                    "{label}: {:?}",
                    message.content
                );
            }
        }
    }
    assert_eq!(with_bos, 1, "the BOS post-processor setup adds one token");
}

#[test]
fn a_post_processor_that_ends_with_eos_gets_no_second_one() {
    let json = edit(byte_level_json(), |v| {
        v["post_processor"] = json!({"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [2], "tokens": ["<s>"]},
                               "</s>": {"id": "</s>", "ids": [3], "tokens": ["</s>"]}}});
    });
    let tokenizer = naive(&json);
    assert_eq!(tokenizer.token_to_id("</s>"), Some(3), "the fixture's EOS id");
    let counter = counter(&json, CHATML_TEMPLATE);
    assert_eq!(counter.document_ends(), 2, "BOS and EOS of the post-processor, no third");
    let text = "Plain text, trained on whole.";
    let count = counter.count(&[Message::new(Role::Text, text)]).unwrap();
    assert_eq!(count.total, naive_tokens(&tokenizer, text) + 2);
    assert_eq!(count.total, document_by_definition(&tokenizer, text, Some(3)));
    // Without an EOS in the configuration nothing is appended.
    let bare = HfTokenCounter::from_json("test", byte_level_json(), None, None).unwrap();
    assert_eq!(bare.document_ends(), 0);
}
