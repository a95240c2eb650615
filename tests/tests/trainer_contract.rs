//! The contract between the core and the reference trainer (`trainer/`), checked across the
//! language boundary: both must format conversations identically, or the validator's
//! token counts would not be what the worker trains on.

use std::path::PathBuf;
use std::process::Command;

use brightrun_core::dataset::tokenizer::CHATML_TEMPLATE;

fn trainer_constant(name: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = format!(
        "import sys; sys.path.insert(0, 'trainer/src'); \
         from brightrun_trainer import data; sys.stdout.write(data.{name})"
    );
    let output = Command::new("python3").arg("-c").arg(script).current_dir(root).output().expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The python of the venv with the trainer (`BRIGHTRUN_TRAINER_PYTHON`); `None` once the
/// test's skip is reported (a failure under CI).
fn trainer_python() -> Option<String> {
    let python = std::env::var("BRIGHTRUN_TRAINER_PYTHON").ok().filter(|p| !p.trim().is_empty());
    if python.is_none() {
        brightrun_core::testing::skip(
            "trainer_contract",
            "set BRIGHTRUN_TRAINER_PYTHON to the python of the venv with the trainer (scripts/python-env)",
        );
    }
    python
}

/// Runs the trainer's `python` on `script` with `args`, in the repository root and offline,
/// with `stdin` piped in; the JSON it prints on stdout.
fn run_trainer_script<T: serde::de::DeserializeOwned>(
    python: &str,
    script: &str,
    args: &[&std::ffi::OsStr],
    stdin: &str,
) -> T {
    use std::io::Write;
    use std::process::Stdio;

    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("HF_HUB_OFFLINE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the trainer's python runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_trainer_uses_the_cores_default_chat_template() {
    assert_eq!(trainer_constant("DEFAULT_CHAT_TEMPLATE"), CHATML_TEMPLATE);
}

/// The chat template of Mistral-7B-Instruct-v0.1: it refuses a conversation the assistant
/// opens, and any two messages of a role in a row.
const MISTRAL_TEMPLATE: &str = "{{ bos_token }}{% for message in messages %}\
    {% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\
    {{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}\
    {% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}\
    {% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}\
    {% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

/// A template that accepts a conversation the assistant opens but fails on no messages (it
/// reads the first message's role, as Gemma's does).
const FIRST_ROLE_TEMPLATE: &str = "{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}\n\n{% endif %}\
    {% for message in messages %}<{{ message['role'] }}>{{ message['content'] }}</s>{% endfor %}\
    {% if add_generation_prompt %}<assistant>{% endif %}";

/// Builds the trainer's smoke tokenizer on the canonical `lines` (stdin) with the template
/// `argv[2]` (none when it is empty), saves it to `argv[1]`, and prints each line's `[input ids, trainable ids]` as
/// the trainer tokenizes it.
const TRAINER_COUNTS: &str = r#"
import json, sys
sys.path.insert(0, "trainer/src")
from brightrun_trainer import smoke
from brightrun_trainer.conversation import Conversation
from brightrun_trainer.data import tokenize

out_dir, template = sys.argv[1], sys.argv[2]
lines = [json.loads(line) for line in sys.stdin if line.strip()]
tokenizer = smoke.build_tokenizer(m["content"] for line in lines for m in line["messages"])
tokenizer.chat_template = template or None
tokenizer.save_pretrained(out_dir)
counts = []
for number, line in enumerate(lines, start=1):
    example = tokenize(tokenizer, Conversation.parse(line, f"line {number}"), 1_000_000)
    counts.append([len(example.input_ids), example.trainable_tokens])
print(json.dumps(counts))
"#;

#[test]
fn the_core_counts_weights_and_assistant_first_turns_as_the_trainer_trains_them() {
    use brightrun_core::dataset::tokenizer::{ResolveOptions, load_token_counter};
    use brightrun_core::dataset::{ValidateOptions, validate};

    let Some(python) = trainer_python() else { return };
    let lines = [
        serde_json::json!({"messages": [
            {"role": "user", "content": "I feel stuck at work."},
            {"role": "assistant", "content": "A first, weaker answer.", "weight": 0},
            {"role": "user", "content": "Can you say more?"},
            {"role": "assistant", "content": "What feels most stuck?"}
        ]}),
        serde_json::json!({"messages": [
            {"role": "assistant", "content": "Hello, I am your coach for today."},
            {"role": "user", "content": "I feel stuck at work."},
            {"role": "assistant", "content": "What feels most stuck?"}
        ]}),
    ];
    let jsonl: String = lines.iter().map(|line| format!("{line}\n")).collect();
    // Mistral's refuses the assistant's opening (an empty user turn goes first); ChatML, as a
    // template and as the default, and the first-role one render it as it is.
    for template in [MISTRAL_TEMPLATE, CHATML_TEMPLATE, "", FIRST_ROLE_TEMPLATE] {
        let dir = tempfile::tempdir().unwrap();
        let trained: Vec<[u64; 2]> =
            run_trainer_script(&python, TRAINER_COUNTS, &[dir.path().as_os_str(), template.as_ref()], &jsonl);

        let counter = load_token_counter(dir.path().to_str().unwrap(), &ResolveOptions::from_env()).unwrap();
        let options = ValidateOptions { min_examples: 0, ..ValidateOptions::default() };
        for (line, [total, trainable]) in lines.iter().zip(trained) {
            let report = validate(line.to_string().as_bytes(), &options, counter.as_ref()).unwrap();
            assert_eq!(report.counts.get("token_count_failed"), None, "{line}: {:?}", report.findings);
            let stats = &report.stats;
            let counted = (stats.total_tokens, stats.trainable_tokens);
            assert_eq!(counted, (Some(total), Some(trainable)), "{template:?} {line}");
            assert!(trainable > 0 && total > trainable, "{line}");
        }
    }
}

/// Builds the trainer's smoke tokenizer on the plain-text `lines` (stdin), with a BOS
/// post-processor when `argv[2]` is `bos`, saves it to `argv[1]`, and prints, for the
/// documents as the trainer tokenizes them with `max_seq_len` `argv[3]`, `[input ids,
/// trainable ids, windows]`.
const TRAINER_DOCUMENT_COUNTS: &str = r#"
import json, sys
sys.path.insert(0, "trainer/src")
from tokenizers import processors
from brightrun_trainer import smoke
from brightrun_trainer.conversation import parse_record
from brightrun_trainer.data import tokenize_all

out_dir, bos, max_seq_len = sys.argv[1], sys.argv[2] == "bos", int(sys.argv[3])
lines = [json.loads(line) for line in sys.stdin if line.strip()]
tokenizer = smoke.build_tokenizer(line["text"] for line in lines)
if bos:
    bos_id = tokenizer.convert_tokens_to_ids("<s>")
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", bos_id)]
    )
tokenizer.save_pretrained(out_dir)
records = [parse_record(line, f"line {number}") for number, line in enumerate(lines, start=1)]
examples = tokenize_all(tokenizer, records, max_seq_len)
print(json.dumps([sum(len(e.input_ids) for e in examples), sum(e.trainable_tokens for e in examples), len(examples)]))
"#;

#[test]
fn the_core_counts_plain_text_as_the_trainer_trains_it() {
    use brightrun_core::dataset::tokenizer::{ResolveOptions, load_token_counter};
    use brightrun_core::dataset::{ValidateOptions, validate};

    let Some(python) = trainer_python() else { return };
    let texts = [
        "A short document.",
        "A longer document, over the window: it goes on and on about the weather, the sea and the hills, \
         so that the trainer cuts it into several windows and trains on every one of them.",
        "Caf\u{e9} \u{65e5}\u{672c}\u{8a9e} \u{1f642}\nand a second line.",
    ];
    let jsonl: String = texts.iter().map(|text| format!("{}\n", serde_json::json!({"text": text}))).collect();
    const MAX_SEQ_LEN: u32 = 16;
    for variant in ["bos", "plain"] {
        let dir = tempfile::tempdir().unwrap();
        let max_seq_len = MAX_SEQ_LEN.to_string();
        let [total, trainable, windows]: [u64; 3] = run_trainer_script(
            &python,
            TRAINER_DOCUMENT_COUNTS,
            &[dir.path().as_os_str(), variant.as_ref(), max_seq_len.as_ref()],
            &jsonl,
        );

        let counter = load_token_counter(dir.path().to_str().unwrap(), &ResolveOptions::from_env()).unwrap();
        let options = ValidateOptions { min_examples: 0, max_seq_len: Some(MAX_SEQ_LEN), ..ValidateOptions::default() };
        let report = validate(jsonl.as_bytes(), &options, counter.as_ref()).unwrap();
        assert!(report.valid, "{variant}: {:?}", report.findings);
        let stats = &report.stats;
        assert_eq!((stats.total_tokens, stats.trainable_tokens), (Some(total), Some(trainable)), "{variant}");
        assert_eq!(total, trainable, "{variant}: every token is trained on");
        // Each document over max_seq_len is one finding; its windows are what the trainer made.
        let split = report.findings.iter().filter(|f| f.code == "text_split_into_windows").count() as u64;
        assert_eq!(stats.over_max_seq_len, split, "{variant}");
        assert!(split >= 1 && windows > texts.len() as u64, "{variant}: {windows} windows");
        let tokens = stats.tokens_per_conversation.as_ref().unwrap();
        let expected_windows: u64 = report
            .sample_data
            .iter()
            .map(|c| counter.count(&c.messages).unwrap().total.div_ceil(u64::from(MAX_SEQ_LEN)))
            .sum();
        assert_eq!(windows, expected_windows, "{variant}: {tokens:?}");
    }
}

/// Tokenizes the canonical lines on stdin as the trainer does, with the real vocabulary
/// `argv[1]` (a `tokenizer.json`) and the chat template `argv[2]`, after saving that tokenizer
/// to `argv[3]`; prints each line's `[input ids, trainable ids, rendered text]`.
const TRAINER_TOOL_COUNTS: &str = r#"
import json, sys
sys.path.insert(0, "trainer/src")
from transformers import PreTrainedTokenizerFast
from brightrun_trainer.conversation import Conversation
from brightrun_trainer.data import render, tokenize

vocabulary, template, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
tokenizer = PreTrainedTokenizerFast(tokenizer_file=vocabulary)
tokenizer.chat_template = template or None
tokenizer.save_pretrained(out_dir)
out = []
for number, line in enumerate((json.loads(l) for l in sys.stdin if l.strip()), start=1):
    conversation = Conversation.parse(line, f"line {number}")
    example = tokenize(tokenizer, conversation, 1_000_000)
    text = render(tokenizer, conversation.messages, False, conversation.tools)
    out.append([len(example.input_ids), example.trainable_tokens, text])
print(json.dumps(out))
"#;

/// Chat with tools, on a real vocabulary (Qwen 2's regex, NFC) and Qwen2.5's tool-aware chat
/// template: the core validates OpenAI's lines (arguments as JSON strings) and counts them
/// with minijinja; the trainer reads the canonical chat the core's `convert` writes and
/// renders it with `transformers`. The texts and the counts must be the same.
#[test]
fn the_core_counts_tool_calls_as_the_trainer_trains_them_on_a_real_vocabulary() {
    use brightrun_core::dataset::tokenizer::{HfTokenCounter, ResolveOptions, resolve_tokenizer};
    use brightrun_core::dataset::{
        ConvertOptions, TRAIN_FILE, TokenCounter, VALIDATION_FILE, ValidateOptions, convert, validate,
    };

    let python = std::env::var("BRIGHTRUN_TRAINER_PYTHON").ok().filter(|p| !p.trim().is_empty());
    let fixtures = std::env::var("BRIGHTRUN_VOCAB_FIXTURES").ok().filter(|p| !p.trim().is_empty());
    let (Some(python), Some(fixtures)) = (python, fixtures) else {
        brightrun_core::testing::skip(
            "trainer_contract (tools)",
            "set BRIGHTRUN_TRAINER_PYTHON (scripts/python-env) and BRIGHTRUN_VOCAB_FIXTURES (scripts/vocab-fixtures)",
        );
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let template = std::fs::read_to_string(root.join("core/src/dataset/tests/fixtures/tools_template.jinja")).unwrap();
    let source = std::fs::read_to_string(root.join("core/src/dataset/tests/fixtures/chat_tools.jsonl")).unwrap();
    // The valid lines of the fixture: 1, 2, 3 and 7.
    let lines: Vec<&str> = [0, 1, 2, 6].into_iter().map(|i| source.lines().nth(i).unwrap()).collect();
    let canonical_dir = tempfile::tempdir().unwrap();
    let mut canonical = String::new();
    for line in &lines {
        convert(line.as_bytes(), canonical_dir.path(), &ConvertOptions::default()).unwrap();
        for file in [TRAIN_FILE, VALIDATION_FILE] {
            canonical += &std::fs::read_to_string(canonical_dir.path().join(file)).unwrap_or_default();
        }
    }
    assert_eq!(canonical.lines().count(), lines.len());

    let dir = tempfile::tempdir().unwrap();
    let vocabulary = PathBuf::from(fixtures).join("qwen2-nfc/tokenizer.json");
    let trained: Vec<(u64, u64, String)> = run_trainer_script(
        &python,
        TRAINER_TOOL_COUNTS,
        &[vocabulary.as_os_str(), template.as_ref(), dir.path().as_os_str()],
        &canonical,
    );

    let counter = HfTokenCounter::from_files(
        &resolve_tokenizer(dir.path().to_str().unwrap(), &ResolveOptions::from_env()).unwrap(),
    )
    .unwrap();
    let options = ValidateOptions { min_examples: 0, ..ValidateOptions::default() };
    for (line, (total, trainable, text)) in lines.iter().zip(trained) {
        let report = validate(line.as_bytes(), &options, &counter as &dyn TokenCounter).unwrap();
        let errors: Vec<_> = report.findings.iter().filter(|f| f.code != "unanswered_tool_call").collect();
        assert!(errors.is_empty(), "{line}: {errors:?}");
        let conversation = &report.sample_data[0];
        let rendered = counter.render_with_tools(&conversation.messages, conversation.tools.as_deref(), false).unwrap();
        assert_eq!(rendered, text, "{line}");
        assert!(
            text.contains("<tools>\n{\"type\": \"function\"") && text.contains("<tool_call>\n{\"name\": "),
            "{text}"
        );
        let stats = &report.stats;
        assert_eq!((stats.total_tokens, stats.trainable_tokens), (Some(total), Some(trainable)), "{line}");
        assert!(trainable > 0 && total > trainable, "{line}");
    }
}
