//! Differential tests on real vocabularies: cl100k, o200k, GPT-2, Mistral 7B v0.1 (two
//! conversions) and Tekken, as `transformers` converts them (`scripts/vocab_fixtures.py`
//! writes them into `$BRIGHTRUN_VOCAB_FIXTURES`; `scripts/test` does it first), with the
//! ChatML, Llama 3 and Mistral `[INST]` templates. Every conversation's counts must equal the
//! definition computed with `tokenizers`' own encode of each rendered text.
//!
//! Without `BRIGHTRUN_VOCAB_FIXTURES` each test prints SKIPPED and returns, unless `CI` is
//! set: then it fails, so that a green CI run never means the vocabularies were missing.

use std::path::PathBuf;

use tokenizers::Tokenizer;

use super::*;
use crate::dataset::conversation::{
    FunctionCall, FunctionDefinition, JsonObject, Message, Role, Tool, ToolCall, ToolKind,
};
use crate::dataset::test_support::{HOSTILE_SNIPPETS, Rng, Text, hostile_text};

const FIXTURES_VAR: &str = "BRIGHTRUN_VOCAB_FIXTURES";

/// The fixture directory of `name`, or `None` after saying the test is skipped.
fn fixture(name: &str) -> Option<PathBuf> {
    match std::env::var_os(FIXTURES_VAR) {
        Some(dir) => {
            let dir = PathBuf::from(dir).join(name);
            assert!(
                dir.join(TOKENIZER_FILE).is_file(),
                "{} has no {TOKENIZER_FILE}: run scripts/vocab-fixtures",
                dir.display()
            );
            Some(dir)
        }
        None => {
            crate::testing::skip(
                &format!("real-vocabulary test {name}"),
                &format!("set {FIXTURES_VAR} (scripts/vocab-fixtures)"),
            );
            None
        }
    }
}

/// How a vocabulary's pieces must be counted: by the byte-level engine or by `tokenizers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    ByteLevel,
    Tokenizers,
}

/// One test per fixture: the engine it must get, and whether its template takes system
/// messages and any order of roles (Mistral's `[INST]` template takes neither).
macro_rules! vocabulary_tests {
    ($($test:ident: $name:literal, $engine:expr, $free_roles:literal;)*) => {$(
        #[test]
        fn $test() {
            check_vocabulary($name, $engine, $free_roles);
        }
    )*};
}

vocabulary_tests! {
    cl100k_without_added_tokens: "cl100k", Engine::ByteLevel, true;
    cl100k_with_llama3_template: "cl100k-llama3", Engine::ByteLevel, true;
    cl100k_with_tiktokens_possessive_regex: "cl100k-possessive", Engine::Tokenizers, true;
    qwen2_regex_and_nfc: "qwen2-nfc", Engine::ByteLevel, true;
    o200k: "o200k", Engine::ByteLevel, true;
    gpt2: "gpt2", Engine::ByteLevel, true;
    mistral_v1: "mistral-v1", Engine::Tokenizers, false;
    mistral_v1_legacy_normalizer: "mistral-v1-legacy", Engine::Tokenizers, false;
    tekken: "tekken", Engine::ByteLevel, false;
}

/// Conversations of hostile text: a system message where the template takes one, then
/// alternating user and assistant turns, the last one sometimes a user's.
fn conversations(seed: u64, count: usize, with_system: bool) -> Vec<Vec<Message>> {
    let text = Text::new();
    let mut rng = Rng(seed);
    (0..count)
        .map(|_| {
            let mut messages = Vec::new();
            if with_system && rng.below(2) == 0 {
                let words = 5 + rng.below(40);
                messages.push(Message::new(Role::System, hostile_text(&text, &mut rng, words)));
            }
            for turn in 0..2 + rng.below(8) {
                let role = if turn % 2 == 0 { Role::User } else { Role::Assistant };
                let words = 1 + rng.below(60);
                messages.push(Message::new(role, hostile_text(&text, &mut rng, words)));
            }
            messages
        })
        .collect()
}

/// The definition of [`HfTokenCounter`], computed with `tokenizers`' encode of each text.
fn by_definition(counter: &HfTokenCounter, tokenizer: &Tokenizer, messages: &[Message]) -> TokenCount {
    by_definition_with_tools(counter, tokenizer, messages, None)
}

/// The definition with the conversation's `tools` given to the template.
fn by_definition_with_tools(
    counter: &HfTokenCounter,
    tokenizer: &Tokenizer,
    messages: &[Message],
    tools: Option<&[Tool]>,
) -> TokenCount {
    let tokens = |text: &str| tokenizer.encode(text, false).unwrap().len() as u64;
    let total = tokens(&counter.render_with_tools(messages, tools, false).unwrap());
    let mut trainable = 0;
    for (i, message) in messages.iter().enumerate() {
        if message.is_trained() {
            let through = counter.render_with_tools(&messages[..=i], tools, false).unwrap();
            let before = counter.render_with_tools(&messages[..i], tools, true).unwrap();
            trainable += if through.starts_with(&before) {
                tokens(&through).saturating_sub(tokens(&before))
            } else {
                let common: usize =
                    through.chars().zip(before.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
                tokens(&through[common..])
            };
        }
    }
    TokenCount { total, trainable }
}

/// The inputs of the `count_tokens` fuzz target kept in the repository: its seeds and the
/// minimized inputs it found (`core/fuzz/seeds/count_tokens/`,
/// `core/src/dataset/tests/regressions/count_tokens/`), cut at NUL into alternating user
/// and assistant messages as the target cuts them.
fn fuzz_corpus() -> Vec<(PathBuf, Vec<Message>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = Vec::new();
    for dir in ["fuzz/seeds/count_tokens", "src/dataset/tests/regressions/count_tokens"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for path in entries.map(|entry| entry.unwrap().path()) {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let role = |i: usize| if i.is_multiple_of(2) { Role::User } else { Role::Assistant };
            let messages = text.split('\0').enumerate().map(|(i, part)| Message::new(role(i), part)).collect();
            corpus.push((path, messages));
        }
    }
    corpus.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(corpus.len() >= 7, "the fuzz seeds are missing: {corpus:?}");
    corpus
}

fn load(dir: &std::path::Path) -> (HfTokenCounter, Tokenizer) {
    let spec = dir.to_str().unwrap();
    let files = resolve_tokenizer(spec, &ResolveOptions::default()).unwrap();
    let counter = HfTokenCounter::from_files(&files).unwrap();
    let tokenizer = Tokenizer::from_file(dir.join(TOKENIZER_FILE)).unwrap();
    (counter, tokenizer)
}

/// Every conversation counts as the definition says, every snippet alone as `tokenizers`
/// counts it, and for OpenAI's vocabularies as tiktoken counts it.
fn check_vocabulary(name: &str, engine: Engine, free_roles: bool) {
    let Some(dir) = fixture(name) else { return };
    let (counter, tokenizer) = load(&dir);
    assert!(counter.is_piecewise(), "{name}");
    assert_eq!(counter.is_byte_level(), engine == Engine::ByteLevel, "{name}: {counter:?}");
    for (i, messages) in conversations(1, 120, free_roles).iter().enumerate() {
        let expected = by_definition(&counter, &tokenizer, messages);
        assert_eq!(counter.count(messages).unwrap(), expected, "{name}, conversation {i}: {messages:?}");
    }
    // Counted again: everything now comes from the caches.
    for messages in conversations(1, 20, free_roles) {
        assert_eq!(counter.count(&messages).unwrap(), by_definition(&counter, &tokenizer, &messages), "{name}");
    }
    for (path, messages) in fuzz_corpus() {
        let expected = counter.render(&messages, false).ok().map(|_| by_definition(&counter, &tokenizer, &messages));
        assert_eq!(counter.count(&messages).ok(), expected, "{name}: {}", path.display());
    }
    for snippet in HOSTILE_SNIPPETS {
        for text in [snippet.to_owned(), format!("x {snippet} y"), format!("{snippet}{snippet}\n{snippet}")] {
            let expected = tokenizer.encode(text.as_str(), false).unwrap().len() as u64;
            assert_eq!(counter.count_text(&text).unwrap(), expected, "{name}: {text:?}");
        }
    }
    let tiktoken = match name {
        "cl100k" => tiktoken_rs::cl100k_base().unwrap(),
        "o200k" => tiktoken_rs::o200k_base().unwrap(),
        _ => return,
    };
    let text = Text::new();
    let mut rng = Rng(5);
    for _ in 0..300 {
        let words = 1 + rng.below(80);
        // Without ChatML's markers, which o200k's fixture has as added tokens.
        let sample = hostile_text(&text, &mut rng, words).replace("<|im_end|>", "<im_end>");
        assert_eq!(
            counter.count_text(&sample).unwrap(),
            tiktoken.encode_ordinary(&sample).len() as u64,
            "{name}: {sample:?}"
        );
    }
}

#[test]
fn the_quick_brown_fox_on_cl100k_with_chatml() {
    let Some(dir) = fixture("cl100k") else { return };
    let (counter, tokenizer) = load(&dir);
    let answer = "The quick brown fox jumps over the lazy dog.";
    let messages = [Message::new(Role::User, "Hi"), Message::new(Role::Assistant, answer)];
    let count = counter.count(&messages).unwrap();
    let tokens = |text: &str| tokenizer.encode(text, false).unwrap().len() as u64;
    let prompt = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    let rendered = format!("{prompt}{answer}<|im_end|>\n");
    assert_eq!(counter.render(&messages, false).unwrap(), rendered);
    assert_eq!(count.total, tokens(&rendered));
    assert_eq!(count.total, 38, "what the issue measured with tokenizers");
    assert_eq!(tokens(answer), 10);
    // The answer, then `<|im_end|>` written as text: its `<|` merges with the full stop.
    assert_eq!(count.trainable, tokens(&rendered) - tokens(prompt));
    assert!(count.trainable > 10, "{count:?}");
}

/// The formats users already have count exactly too: the good records of each fixture
/// (prompt/completion of strings and of messages, Alpaca, ShareGPT), validated with a real vocabulary, total what the
/// definition gives for the canonical conversations `convert` writes of them.
#[test]
fn every_format_counts_its_canonical_conversations_exactly() {
    use crate::model::Severity;

    let Some(dir) = fixture("cl100k-llama3") else { return };
    let (counter, tokenizer) = load(&dir);
    let options = crate::dataset::ValidateOptions { min_examples: 0, ..Default::default() };
    for fixture in [
        include_str!("../tests/fixtures/prompt_completion.jsonl"),
        include_str!("../tests/fixtures/prompt_completion_messages.jsonl"),
        include_str!("../tests/fixtures/alpaca.jsonl"),
        include_str!("../tests/fixtures/sharegpt.jsonl"),
    ] {
        let report = crate::dataset::validate(fixture.as_bytes(), &options, &counter).unwrap();
        let bad: Vec<u64> =
            report.findings.iter().filter(|f| f.severity == Severity::Error).filter_map(|f| f.line).collect();
        let good: String = fixture
            .lines()
            .enumerate()
            .filter(|(i, _)| !bad.contains(&(*i as u64 + 1)))
            .map(|(_, line)| format!("{line}\n"))
            .collect();
        let report = crate::dataset::validate(good.as_bytes(), &options, &counter).unwrap();
        assert!(report.valid, "{:?}", report.findings);
        let out = tempfile::tempdir().unwrap();
        crate::dataset::convert(good.as_bytes(), out.path(), &crate::dataset::ConvertOptions::default()).unwrap();
        let mut expected = TokenCount::default();
        for file in [crate::dataset::TRAIN_FILE, crate::dataset::VALIDATION_FILE] {
            for line in std::fs::read_to_string(out.path().join(file)).unwrap().lines() {
                let record: serde_json::Value = serde_json::from_str(line).unwrap();
                let messages: Vec<Message> = serde_json::from_value(record["messages"].clone()).unwrap();
                let count = by_definition(&counter, &tokenizer, &messages);
                expected.total += count.total;
                expected.trainable += count.trainable;
            }
        }
        let s = &report.stats;
        assert_eq!(
            (s.total_tokens, s.trainable_tokens),
            (Some(expected.total), Some(expected.trainable)),
            "{:?}",
            report.format
        );
        assert!(expected.trainable > 0);
    }
}

/// Plain-text documents count exactly too, on every vocabulary: the text encoded with the
/// tokenizer's own added tokens, then the configuration's EOS unless those end with it; and
/// the text fixture validates to the sum of its converted documents' counts.
#[test]
fn plain_text_documents_count_every_token_exactly() {
    use crate::model::DatasetFormat;

    for name in ["cl100k-llama3", "gpt2", "mistral-v1", "mistral-v1-legacy", "tekken", "qwen2-nfc"] {
        let Some(dir) = fixture(name) else { return };
        let (counter, tokenizer) = load(&dir);
        let eos = std::fs::read_to_string(dir.join(TOKENIZER_CONFIG_FILE))
            .ok()
            .and_then(|config| serde_json::from_str::<serde_json::Value>(&config).ok())
            .and_then(|config| config["eos_token"].as_str().map(str::to_owned))
            .and_then(|eos| tokenizer.token_to_id(&eos));
        let added = tokenizer.encode("", true).unwrap();
        let ends = added.len() as u64 + u64::from(eos.is_some_and(|eos| added.get_ids().last() != Some(&eos)));
        let definition = |text: &str| tokenizer.encode(text, true).unwrap().len() as u64 + ends - added.len() as u64;
        for (i, messages) in conversations(3, 40, true).iter().enumerate() {
            let text: String = messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n\n");
            let count = counter.count(&[Message::new(Role::Text, text.clone())]).unwrap();
            let expected = definition(&text);
            assert_eq!(count, TokenCount { total: expected, trainable: expected }, "{name}, document {i}: {text:?}");
        }
        let fixture = include_str!("../tests/fixtures/text.jsonl");
        let options = crate::dataset::ValidateOptions { min_examples: 0, ..Default::default() };
        let out = tempfile::tempdir().unwrap();
        crate::dataset::convert(fixture.as_bytes(), out.path(), &crate::dataset::ConvertOptions::default()).unwrap();
        let mut documents = String::new();
        let mut expected = 0;
        for file in [crate::dataset::TRAIN_FILE, crate::dataset::VALIDATION_FILE] {
            for line in std::fs::read_to_string(out.path().join(file)).unwrap().lines() {
                let record: serde_json::Value = serde_json::from_str(line).unwrap();
                expected += definition(record["text"].as_str().unwrap());
                documents.push_str(line);
                documents.push('\n');
            }
        }
        let report = crate::dataset::validate(documents.as_bytes(), &options, &counter).unwrap();
        assert_eq!(report.format, Some(DatasetFormat::Text));
        assert_eq!(
            (report.stats.total_tokens, report.stats.trainable_tokens),
            (Some(expected), Some(expected)),
            "{name}"
        );
    }
}

/// Chat with tools counts exactly on real vocabularies, under Qwen2.5's tool template: hostile
/// text in the tool descriptions, the call arguments (JSON-escaped by `tojson`), the results
/// and the answers.
#[test]
fn tool_calls_count_exactly_with_a_tool_template() {
    const TEMPLATE: &str = include_str!("../tests/fixtures/tools_template.jinja");
    let text = Text::new();
    let mut rng = Rng(11);
    for name in ["qwen2-nfc", "cl100k", "o200k"] {
        let Some(dir) = fixture(name) else { return };
        let json = std::fs::read_to_string(dir.join(TOKENIZER_FILE)).unwrap();
        let config = serde_json::json!({"chat_template": TEMPLATE}).to_string();
        let counter = HfTokenCounter::from_json(name, &json, Some(&config), None).unwrap();
        let tokenizer = Tokenizer::from_file(dir.join(TOKENIZER_FILE)).unwrap();
        for i in 0..40 {
            let mut say = |words: usize| hostile_text(&text, &mut rng, 1 + words);
            let tools = vec![Tool {
                kind: ToolKind::Function,
                function: FunctionDefinition {
                    name: "search".into(),
                    description: Some(say(20)),
                    parameters: JsonObject::from_value(
                        &serde_json::json!({"type": "object", "properties": {"q": {"type": "string", "description": say(5)}}}),
                    ),
                },
            }];
            let arguments = JsonObject::from_value(&serde_json::json!({"q": say(10), "n": i, "x": 0.5})).unwrap();
            let call = ToolCall {
                id: format!("c{i}"),
                kind: ToolKind::Function,
                function: FunctionCall { name: "search".into(), arguments },
            };
            let messages = vec![
                Message::new(Role::User, say(15)),
                Message::calling(if i % 2 == 0 { String::new() } else { say(5) }, vec![call]),
                Message::tool_result(format!("c{i}"), "search", say(30)),
                Message::new(Role::Assistant, say(25)),
            ];
            let expected = by_definition_with_tools(&counter, &tokenizer, &messages, Some(&tools));
            assert_eq!(
                counter.count_with_tools(&messages, Some(&tools)).unwrap(),
                expected,
                "{name}, conversation {i}"
            );
            assert!(expected.trainable > 0);
        }
    }
}
