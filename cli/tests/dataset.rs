//! `brightrun validate` and `brightrun convert` as a user runs them: output shapes and exit
//! codes (0 valid, 1 invalid, 2 could not run).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn brightrun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brightrun")).args(args).output().expect("run brightrun")
}

fn sample(name: &str) -> String {
    format!("{}/../examples/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("one JSON document on stdout")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn validate_json_has_the_documented_shape() {
    let output = brightrun(&["validate", &sample("sample_v4.jsonl"), "--json"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    let report = json_of(&output);
    assert_eq!(report["valid"], true);
    assert_eq!(report["format"], "brightrun_lora_v4");
    let stats = &report["stats"];
    assert_eq!(stats["training_pairs"], 24);
    assert_eq!(stats["validation_pairs"], 0);
    assert_eq!(stats["user_turn_pairs"], 4);
    assert_eq!(stats["tokens_exact"], false, "the CLI estimates tokens until a tokenizer is given");
    assert_eq!(stats["tokenizer"], "estimate:chars/4");
    assert!(stats["total_tokens"].as_u64().unwrap() > stats["trainable_tokens"].as_u64().unwrap());
    assert!(stats["tokens_per_conversation"]["p95"].as_u64().is_some());
    assert_eq!(report["counts"]["user_turn"], 4);
    let finding = &report["findings"][0];
    assert_eq!((finding["line"].as_u64(), finding["code"].as_str()), (Some(5), Some("user_turn")));
    assert_eq!(finding["path"], "target_response");
    assert_eq!(finding["severity"], "info");
    assert!(finding["suggestion"].is_string() && finding["message"].is_string());
    assert_eq!(report["sample_data"].as_array().unwrap().len(), 3);
    assert_eq!(report["sample_data"][0]["messages"][0]["role"], "system");
}

#[test]
fn an_invalid_file_exits_1_with_its_findings() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "bad.jsonl",
        b"{\"messages\": [}\n\n{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
    );
    let output = brightrun(&["validate", path.to_str().unwrap(), "--json", "--min-examples", "0"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output);
    assert_eq!(report["valid"], false);
    assert_eq!(report["counts"]["invalid_json"], 1);
    assert_eq!(report["counts"]["no_assistant_message"], 1);
    assert_eq!(report["findings"][1]["line"], 3, "blank lines are counted");

    let output = brightrun(&["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("INVALID (3 errors"), "{text}");
    assert!(text.contains("line 1: error[invalid_json]: invalid JSON: expected value (column 15)"), "{text}");
    assert!(text.contains("    fix: "), "{text}");
    assert!(text.contains("too_few_examples"), "{text}");
}

#[test]
fn a_file_that_cannot_be_read_exits_2() {
    let output = brightrun(&["validate", "/no/such/dataset.jsonl"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error[dataset_not_found]: "));

    let output = brightrun(&["validate", &sample("sample_v4.jsonl"), "--format", "csv"]);
    assert_eq!(output.status.code(), Some(2), "clap rejects an unknown format");
}

#[test]
fn a_file_of_no_known_format_or_not_utf8_is_a_report_that_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let notes = write(dir.path(), "notes.txt", b"dear diary\nthis is not a dataset\n");
    let prompts = write(dir.path(), "prompts.jsonl", b"{\"prompt\": \"q\", \"answer\": \"a\"}\n");
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend("{\"messages\": []}\n".encode_utf16().flat_map(u16::to_le_bytes));
    let utf16 = write(dir.path(), "utf16.jsonl", &utf16);
    let latin1 =
        write(dir.path(), "latin1.jsonl", b"{\"messages\": [{\"role\": \"user\", \"content\": \"caf\xe9\"}]}\n");
    for (path, line, code) in [
        (&notes, 1, "invalid_json"),
        (&prompts, 1, "unknown_format"),
        (&utf16, 1, "invalid_utf8"),
        (&latin1, 1, "invalid_utf8"),
    ] {
        let output = brightrun(&["validate", path.to_str().unwrap(), "--json"]);
        assert_eq!(output.status.code(), Some(1), "{}: {}", path.display(), String::from_utf8_lossy(&output.stderr));
        let report = json_of(&output);
        assert_eq!(report["valid"], false);
        assert_eq!(report["format"], serde_json::Value::Null);
        let first = &report["findings"][0];
        assert_eq!((first["line"].as_u64(), first["code"].as_str()), (Some(line), Some(code)), "{report}");
        assert!(report["stats"]["records"].as_u64().unwrap() >= 1);
    }
    let output = brightrun(&["validate", prompts.to_str().unwrap()]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(
            "line 1: error[unknown_format]: the record, with keys `prompt`, `answer`, is of no format BrightRun \
             reads: it looks like a prompt/completion record with other key names: rename `answer` to `completion`"
        ),
        "{text}"
    );

    let out = dir.path().join("out");
    let output = brightrun(&["convert", notes.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "a conversion has nothing to write");
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error[unknown_dataset_format]: "));
}

#[test]
fn gzip_files_validate_like_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(sample("sample_chat.jsonl")).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&plain).unwrap();
    let path = write(dir.path(), "chat.jsonl.gz", &encoder.finish().unwrap());
    let gz = json_of(&brightrun(&["validate", path.to_str().unwrap(), "--json"]));
    let plain = json_of(&brightrun(&["validate", &sample("sample_chat.jsonl"), "--json"]));
    assert_eq!(gz, plain);
}

#[test]
fn convert_writes_the_trainer_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = ["convert", &sample("sample_v4.jsonl"), "--out", out.to_str().unwrap(), "--validation-fraction", "0.25"];
    let output = brightrun(&[&args[..], &["--json"]].concat());
    assert_eq!(output.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    let summary = json_of(&output);
    let train = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    let validation = std::fs::read_to_string(out.join("validation.jsonl")).unwrap();
    assert_eq!(summary["train_conversations"].as_u64(), Some(train.lines().count() as u64));
    assert_eq!(summary["validation_conversations"].as_u64(), Some(validation.lines().count() as u64));
    assert_eq!(train.lines().count() + validation.lines().count(), 24);
    assert_eq!(summary["skipped_untrained"], 4);
    for line in train.lines().chain(validation.lines()) {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(record["messages"].is_array());
    }
    // The same input splits the same way.
    let again = brightrun(&args);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(out.join("train.jsonl")).unwrap(), train);
    assert!(String::from_utf8_lossy(&again.stdout).contains("wrote"));

    let output = brightrun(&[
        "convert",
        &sample("sample_v4.jsonl"),
        "--out",
        out.to_str().unwrap(),
        "--validation-fraction",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error[invalid_option]: "));
}

/// The fixtures of the formats users already have: good and bad records of each.
fn shape_fixture(name: &str) -> String {
    format!("{}/../core/src/dataset/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn prompt_completion_alpaca_and_sharegpt_are_recognised_and_converted() {
    let dir = tempfile::tempdir().unwrap();
    for (file, format, first_error_line, train) in [
        ("prompt_completion.jsonl", "prompt_completion", 3, 2),
        ("alpaca.jsonl", "alpaca", 3, 5),
        ("sharegpt.jsonl", "sharegpt", 4, 6),
    ] {
        let output = brightrun(&["validate", &shape_fixture(file), "--json", "--min-examples", "0"]);
        assert_eq!(output.status.code(), Some(1), "{file}: bad records make it invalid");
        let report = json_of(&output);
        assert_eq!(report["format"], format, "{file}");
        assert_eq!(report["findings"][0]["line"], first_error_line, "{file}: {report}");

        // Forced, the same; then converted to the canonical chat.
        let output = brightrun(&["validate", &shape_fixture(file), "--json", "--format", format]);
        assert_eq!(json_of(&output)["format"], format, "{file}");
        let out = dir.path().join(format);
        let output = brightrun(&["convert", &shape_fixture(file), "--format", format, "--out", out.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(0), "{file}: {}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.starts_with(&format!("{format}: wrote {train} conversations")), "{file}: {text}");
        let written = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
        for line in written.lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(record["messages"].as_array().is_some_and(|m| m.len() >= 2), "{file}: {line}");
        }
    }
}

#[test]
fn plain_text_is_recognised_and_converted_to_text_lines() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = shape_fixture("text.jsonl");
    let output = brightrun(&["validate", &fixture, "--json", "--min-examples", "0"]);
    assert_eq!(output.status.code(), Some(1), "bad records make it invalid");
    let report = json_of(&output);
    assert_eq!(report["format"], "text");
    assert_eq!(report["findings"][0]["code"], "empty_text", "{report}");
    assert_eq!(report["stats"]["roles"]["text"], 7, "{report}");
    assert_eq!(report["stats"]["total_tokens"], report["stats"]["trainable_tokens"], "every token is trained on");

    let forced = brightrun(&["validate", &fixture, "--json", "--format", "text", "--min-examples", "0"]);
    assert_eq!(json_of(&forced)["format"], "text");
    let out = dir.path().join("text");
    let output = brightrun(&["convert", &fixture, "--format", "text", "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("text: wrote 3 conversations"), "{text}");
    let written = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    for line in written.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(record["text"].is_string() && record.as_object().unwrap().len() == 1, "{line}");
    }
}

#[test]
fn chat_with_tools_is_validated_converted_and_checked_against_the_chat_template() {
    use brightrun_core::dataset::test_support::train_byte_level;

    let fixture = shape_fixture("chat_tools.jsonl");
    let output = brightrun(&["validate", &fixture, "--json", "--min-examples", "0"]);
    assert_eq!(output.status.code(), Some(1), "bad records make it invalid");
    let report = json_of(&output);
    assert_eq!(report["format"], "chat");
    let counts = &report["counts"];
    for (code, count) in [
        ("tool_arguments_not_object", 1),
        ("unknown_tool", 1),
        ("unknown_tool_call_id", 1),
        ("unanswered_tool_call", 2),
        ("duplicate_tool_call_id", 1),
        ("invalid_tool_definition", 2),
        ("misplaced_tool_field", 1),
    ] {
        assert_eq!(counts[code], count, "{code}: {report}");
    }
    assert_eq!(report["stats"]["roles"]["tool"], 7);
    assert_eq!(report["sample_data"][0]["tools"][0]["function"]["name"], "get_weather");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = brightrun(&["convert", &fixture, "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let train = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(train.lines().next().unwrap()).unwrap();
    let arguments = &first["messages"][2]["tool_calls"][0]["function"]["arguments"];
    assert_eq!(arguments, &serde_json::json!({"city": "Paris", "unit": "c"}), "an object, not OpenAI's string");
    assert_eq!(first["tools"][0]["type"], "function");

    // With a tokenizer: BrightRun's default ChatML template cannot render tools; Qwen2.5's can.
    let good = write(dir.path(), "good.jsonl", train.as_bytes());
    let tokenizer = dir.path().join("tok");
    std::fs::create_dir_all(&tokenizer).unwrap();
    write(&tokenizer, "tokenizer.json", train_byte_level(1000, 300).unwrap().as_bytes());
    let args = [
        "validate",
        good.to_str().unwrap(),
        "--tokenizer",
        tokenizer.to_str().unwrap(),
        "--json",
        "--min-examples",
        "0",
    ];
    let output = brightrun(&args);
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output);
    assert_eq!(report["counts"]["tools_unsupported_by_template"], 3, "{report}");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "cannot train on this conversation's tool calls: its chat template is BrightRun's default ChatML"
        ),
        "{message}"
    );
    let template = std::fs::read_to_string(shape_fixture("tools_template.jinja")).unwrap();
    let config = serde_json::json!({"chat_template": template, "eos_token": "<|im_end|>"});
    write(&tokenizer, "tokenizer_config.json", config.to_string().as_bytes());
    let output = brightrun(&args);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let stats = &json_of(&output)["stats"];
    assert_eq!(stats["tokens_exact"], true);
    assert!(stats["trainable_tokens"].as_u64().unwrap() > 0);
}
