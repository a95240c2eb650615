//! `brightrun validate --tokenizer`: exact token counts with a tokenizer trained here (no
//! download), found by path, by directory or by model id, and every way loading it fails
//! (exit code 2, `error[code]`).

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use brightrun_core::dataset::test_support::{DatasetShape, DatasetWriter, train_byte_level};
use brightrun_core::dataset::tokenizer::{ResolveOptions, TOKENIZER_FILE, load_token_counter};
use brightrun_core::dataset::{ValidateOptions, validate_path};

/// A small ByteLevel BPE trained once per test binary.
fn tokenizer_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| train_byte_level(1000, 300).expect("training a tokenizer"))
}

/// `brightrun ARGS` with a home of its own: no cache of the machine is seen, and the Hub is
/// a closed port on this machine.
fn brightrun(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brightrun"))
        .args(args)
        .env("HOME", home)
        .env("BRIGHTRUN_HOME", home.join("brightrun"))
        .env("HF_HOME", home.join("hf"))
        .env("HF_ENDPOINT", closed_endpoint())
        .env_remove("HF_HUB_CACHE")
        .env_remove("HF_TOKEN")
        .output()
        .expect("run brightrun")
}

/// An HTTP endpoint nothing listens on.
fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("its address");
    drop(listener);
    format!("http://{address}")
}

/// A v4 file of a few conversations and a tokenizer directory, in `dir`.
fn fixture(dir: &Path) -> (String, String) {
    let data = dir.join("v4.jsonl");
    let mut bytes = Vec::new();
    DatasetWriter::new(DatasetShape::default(), 3).write_v4(&mut bytes, 40_000).expect("generating");
    std::fs::write(&data, bytes).expect("writing the dataset");
    let tokenizer = dir.join("tok");
    std::fs::create_dir_all(&tokenizer).expect("creating the tokenizer folder");
    std::fs::write(tokenizer.join(TOKENIZER_FILE), tokenizer_json()).expect("writing tokenizer.json");
    (data.display().to_string(), tokenizer.display().to_string())
}

fn report(output: &Output) -> serde_json::Value {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON document on stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_tokenizer_path_gives_exact_counts() {
    let home = tempfile::tempdir().unwrap();
    let (data, tokenizer) = fixture(home.path());
    let output =
        brightrun(home.path(), &["validate", &data, "--tokenizer", &tokenizer, "--json", "--min-examples", "1"]);
    let stats = report(&output)["stats"].clone();
    assert_eq!(stats["tokens_exact"], true);
    assert_eq!(stats["tokenizer"], format!("hf:{tokenizer}"));

    // The same numbers as the library's counter on the same file.
    let counter = load_token_counter(&tokenizer, &ResolveOptions::default()).unwrap();
    let options = ValidateOptions { min_examples: 1, ..ValidateOptions::default() };
    let expected = validate_path(&data, &options, counter.as_ref()).unwrap().stats;
    assert_eq!(stats["total_tokens"], expected.total_tokens.unwrap());
    assert_eq!(stats["trainable_tokens"], expected.trainable_tokens.unwrap());
    assert!(expected.trainable_tokens.unwrap() > 0 && expected.total_tokens > expected.trainable_tokens);

    // tokenizer.json itself, and the text report.
    let file = format!("{tokenizer}/{TOKENIZER_FILE}");
    let output = brightrun(home.path(), &["validate", &data, "--tokenizer", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let total = expected.total_tokens.unwrap();
    assert!(text.contains(&format!("Tokens       {total} (hf:{file}, exact)")), "{text}");
}

#[test]
fn a_model_id_is_found_in_the_brightrun_home() {
    let home = tempfile::tempdir().unwrap();
    let (data, _) = fixture(home.path());
    let cached = home.path().join("brightrun/tokenizers/acme/tiny-chat");
    std::fs::create_dir_all(&cached).unwrap();
    std::fs::write(cached.join(TOKENIZER_FILE), tokenizer_json()).unwrap();
    let output = brightrun(home.path(), &["validate", &data, "--tokenizer", "acme/tiny-chat", "--json"]);
    let stats = report(&output)["stats"].clone();
    assert_eq!((stats["tokenizer"].as_str(), stats["tokens_exact"].as_bool()), (Some("hf:acme/tiny-chat"), Some(true)));
}

#[test]
fn tokenizer_errors_exit_2_with_their_code() {
    let home = tempfile::tempdir().unwrap();
    let (data, tokenizer) = fixture(home.path());
    let broken = home.path().join("broken.json");
    std::fs::write(&broken, "{not json").unwrap();
    let broken = broken.display().to_string();
    let cases: [(&[&str], &str); 4] = [
        (&["--tokenizer", "/no/such/tokenizer.json"], "no such file"),
        (&["--tokenizer", &broken], "not a tokenizer"),
        // A model id in no cache: the network is off unless asked for, and the hint says how.
        (&["--tokenizer", "acme/not-cached"], "--allow-download"),
        // Asked for, the fetch is tried (here against a closed port) and fails cleanly.
        (&["--tokenizer", "acme/not-cached", "--allow-download"], "acme/not-cached"),
    ];
    for (flags, expected) in cases {
        let output = brightrun(home.path(), &[&["validate", data.as_str()], flags].concat());
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(message.starts_with("error[tokenizer_load_failed]: "), "{flags:?}: {message}");
        assert!(message.contains(expected), "{flags:?}: {message}");
        assert!(output.stdout.is_empty(), "{flags:?}: nothing on stdout");
    }
    let fetched = home.path().join("brightrun/tokenizers/acme/not-cached").join(TOKENIZER_FILE);
    assert!(!fetched.exists(), "a failed fetch caches nothing");

    // Flags that contradict each other are refused by the parser.
    for flags in [&["--tokenizer", tokenizer.as_str(), "--no-tokens"][..], &["--allow-download"]] {
        let output = brightrun(home.path(), &[&["validate", data.as_str()], flags].concat());
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
    }
}
