//! Hostile input in every layout (JSON Lines, a v4 document, a JSON array): deep nesting,
//! 100 MB lines, NaN and infinities, duplicate keys, lone surrogates. None may panic or run
//! out of stack; each becomes a finding (or, for unreadable input, an error), and the
//! records around it are still checked. The inputs the fuzzer found are replayed from
//! `regressions/`.

use std::path::Path;

use super::*;
use crate::dataset::test_support::fuzz_options;
use crate::model::DatasetFormat;

/// A v4 document whose one pair is `pair` (raw JSON text).
fn document_with(pair: &str) -> String {
    format!(
        "{{\n  \"training_file_metadata\": {{\"total_pairs\": 2}},\n  \"conversations\": [\n    {{\"training_pairs\": [\n      {},\n      {pair}\n    ]}}\n  ]\n}}\n",
        v4_pair("a", 1, &[], "hi", Some("hello"))
    )
}

/// A JSON array whose second record is `record`.
fn array_with(record: &str) -> String {
    format!("[\n  {},\n  {record}\n]\n", chat_n(1))
}

/// A JSONL file whose second line is `record`.
fn jsonl_with(record: &str) -> String {
    format!("{}\n{record}\n{}", chat_n(1), chat_n(2))
}

/// Validates `input`: a report whose findings include one of `codes`, and the record before
/// the hostile one still became a conversation.
fn reported(input: &str, codes: &[&str]) -> ValidationReport {
    let report = check(input);
    assert!(
        codes.iter().any(|code| report.counts.contains_key(*code)),
        "expected one of {codes:?}, got {:?} for {}",
        report.counts,
        &input[..input.len().min(120)]
    );
    assert!(report.stats.conversations >= 1, "{:?}", report.counts);
    report
}

/// Each hostile record, placed in each layout.
fn in_every_layout(record: &str, codes: &[&str]) {
    reported(&jsonl_with(record), codes);
    reported(&array_with(record), codes);
    reported(&document_with(record), codes);
}

#[test]
fn deep_nesting_neither_overflows_nor_stops_the_scan() {
    let depth = 100_000;
    let arrays = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    for nested in [&arrays, &objects] {
        for field in ["messages", "conversation_metadata", "unknown_field", "target_response"] {
            let record = format!("{{\"{field}\": {nested}}}");
            let report = check(jsonl_with(&record));
            assert!(report.stats.conversations >= 2, "{field}: {:?}", report.counts);
            assert!(!report.counts.is_empty(), "{field}: the nested record is reported");
            check(array_with(&record));
            check(document_with(&record));
        }
        // The nesting is the whole line, or the whole file, or left unclosed.
        check(jsonl_with(nested));
        let _ = validate(nested.as_bytes(), &options(), &EstimatedTokenCounter);
        let unclosed = &nested[..depth];
        let _ = validate(unclosed.as_bytes(), &options(), &EstimatedTokenCounter);
        check(jsonl_with(unclosed));
    }
}

#[test]
fn nan_and_infinities_are_invalid_json() {
    for number in ["NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999"] {
        for record in [
            format!("{{\"messages\": [{{\"role\": \"user\", \"content\": {number}}}]}}"),
            format!("{{\"messages\": [{{\"role\": \"user\", \"content\": \"a\"}}], \"weight\": {number}}}"),
        ] {
            reported(&jsonl_with(&record), &["invalid_json"]);
            reported(&array_with(&record), &["invalid_json"]);
        }
        let pair = format!("{{\"id\": 1, \"conversation_id\": \"c\", \"turn_number\": {number}}}");
        reported(&document_with(&pair), &["invalid_json"]);
    }
    // Huge but finite numbers are numbers: a wrong value, not broken JSON.
    let report = reported(
        &jsonl_with(r#"{"messages": [{"role": "user", "content": "a"}], "weight": 1e308}"#),
        &["invalid_weight"],
    );
    assert!(!report.counts.contains_key("invalid_json"));
}

#[test]
fn duplicate_keys_are_reported_wherever_they_are() {
    for record in [
        r#"{"messages": [], "messages": [{"role": "user", "content": "a"}]}"#,
        r#"{"messages": [{"role": "user", "role": "assistant", "content": "a"}]}"#,
        r#"{"messages": [{"role": "user", "content": "a", "content": "b"}], "split": "train"}"#,
    ] {
        in_every_layout(record, &["duplicate_key"]);
    }
    // A document repeating its own top-level keys is read without panicking.
    let pair = v4_pair("a", 1, &[], "hi", Some("hello"));
    let twice = format!(
        "{{\n\"conversations\": [{{\"training_pairs\": [{pair}]}}], \"conversations\": [{{\"training_pairs\": [{pair}]}}],\n\"training_file_metadata\": {{\"total_pairs\": 1}}, \"training_file_metadata\": {{\"total_pairs\": 2}}}}"
    );
    let report = check(twice);
    assert!(report.stats.conversations >= 1, "{:?}", report.counts);
}

#[test]
fn lone_surrogates_are_invalid_and_pairs_are_text() {
    for escaped in [r"\ud800", r"\udc00", r"\ud800\u0041", r"\udbff\udbff", r"\ud800x"] {
        for record in [
            format!(r#"{{"messages": [{{"role": "user", "content": "{escaped}"}}]}}"#),
            format!(r#"{{"messages": [{{"role": "user", "content": "a"}}], "k{escaped}": 1}}"#),
        ] {
            in_every_layout(&record, &["invalid_json"]);
        }
    }
    // Encoded surrogates (CESU-8) are not UTF-8 at all.
    let cesu = [chat_n(1).to_string().as_bytes(), b"\n{\"messages\": \"\xed\xa0\x80\"}\n"].concat();
    assert_eq!(located(&check(cesu)), [(Some(2), None, "invalid_utf8")]);
    // A proper pair is the character it encodes.
    let emoji =
        r#"{"messages": [{"role": "user", "content": "\ud83d\ude00"}, {"role": "assistant", "content": "ok"}]}"#;
    let report = check(jsonl_with(emoji));
    assert!(report.valid, "{:?}", report.counts);
    let report =
        validate(emoji.as_bytes(), &ValidateOptions { min_examples: 1, ..options() }, &EstimatedTokenCounter).unwrap();
    assert_eq!(report.sample_data[0].messages[0].content, "😀");
}

/// A reader of `prefix`, then `bytes` copies of `fill`, then `suffix`, made on the fly.
fn made_on_the_fly(prefix: &str, fill: u8, bytes: u64, suffix: &str) -> impl std::io::Read + use<> {
    use std::io::Read;
    std::io::Cursor::new(prefix.as_bytes().to_vec())
        .chain(std::io::repeat(fill).take(bytes))
        .chain(std::io::Cursor::new(suffix.as_bytes().to_vec()))
}

#[test]
fn a_100_mb_line_over_the_default_limit_is_skipped() {
    let line = made_on_the_fly(
        &format!("{}\n{{\"messages\": \"", chat_n(1)),
        b'x',
        100 << 20,
        &format!("\"}}\n{}", chat_n(2)),
    );
    let report = validate(line, &options(), &EstimatedTokenCounter).unwrap();
    assert_eq!(located(&report), [(Some(2), None, "line_too_long")]);
    assert_eq!(report.stats.conversations, 2);
    // First in the file, the line does not hide the format of the records after it.
    let first = made_on_the_fly("", b'x', 100 << 20, &format!("\n{}", chat_n(1)));
    let report = validate(first, &options(), &EstimatedTokenCounter).unwrap();
    assert_eq!(located(&report), [(Some(1), None, "line_too_long")]);
    assert_eq!(report.format, Some(DatasetFormat::Chat));
}

/// A message of `HUGE` bytes read whole: a line under the limit, or a string in a document
/// (which has no line limit). 100 MB lines are the skipped ones above; 16 MiB keeps this
/// test quick in a debug build and is still 4,000 times a long message.
const HUGE: u64 = 16 << 20;

#[test]
fn a_huge_message_within_the_limit_is_read_whole() {
    let options = ValidateOptions { max_line_bytes: 32 << 20, max_seq_len: Some(1000), ..options() };
    let prefix = format!(
        "{}\n{{\"messages\": [{{\"role\": \"user\", \"content\": \"hi\"}}, {{\"role\": \"assistant\", \"content\": \"",
        chat_n(1)
    );
    let line = made_on_the_fly(&prefix, b'y', HUGE, "\"}]}");
    let report = validate(line, &options, &EstimatedTokenCounter).unwrap();
    assert_eq!(report.stats.conversations, 2);
    assert_eq!(report.counts.get("exceeds_max_seq_len"), Some(&1), "{:?}", report.counts);
    // The same string as a target inside a v4 document, streamed.
    let document = document_with(&v4_pair("b", 1, &[], "hi", Some("PLACEHOLDER")).to_string());
    let (head, tail) = document.split_once("PLACEHOLDER").unwrap();
    let report = validate(made_on_the_fly(head, b'z', HUGE, tail), &options, &EstimatedTokenCounter).unwrap();
    assert_eq!(report.layout, crate::dataset::Layout::JsonDocument);
    assert_eq!(report.stats.conversations, 2, "{:?}", report.counts);
    assert_eq!(report.counts.get("exceeds_max_seq_len"), Some(&1), "{:?}", report.counts);
}

/// The folder of inputs that once crashed the fuzzer (`core/fuzz`), replayed on every run.
fn regressions() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dataset/tests/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_none_or(|ext| ext != "md"))
        .collect();
    files.sort();
    files
}

#[test]
fn inputs_the_fuzzer_found_are_handled() {
    for path in regressions() {
        let data = std::fs::read(&path).unwrap();
        // As the fuzz target reads them (the first byte picks the options), and whole.
        let Some((&first, file)) = data.split_first() else { continue };
        let _ = validate(file, &fuzz_options(first), &EstimatedTokenCounter);
        for threads in [1, 2] {
            let _ = validate(&data[..], &ValidateOptions { threads, ..options() }, &CharCounter);
        }
    }
}

#[test]
fn the_formats_users_already_have_take_hostile_records_too() {
    let depth = 100_000;
    let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let records = [
        format!(r#"{{"conversations": {nested}}}"#),
        format!(r#"{{"conversations": [{{"from": "human", "value": {nested}}}]}}"#),
        format!(r#"{{"conversations": [{{"from": "human", "value": [{{"type": "text", "text": {nested}}}]}}]}}"#),
        format!(r#"{{"prompt": {nested}, "completion": "a"}}"#),
        format!(r#"{{"instruction": "i", "input": {nested}, "output": "o", "system": {nested}}}"#),
        r#"{"prompt": "\ud800", "completion": "a"}"#.to_owned(),
        r#"{"conversations": [{"from": "human", "from": "gpt", "value": "x"}]}"#.to_owned(),
        r#"{"instruction": "a", "output": "b", "output": "c"}"#.to_owned(),
        r#"{"conversations": [{"training_pairs": 1, "from": "human"}], "training_file_metadata": 2}"#.to_owned(),
    ];
    for record in &records {
        for format in
            [None, Some(DatasetFormat::PromptCompletion), Some(DatasetFormat::Alpaca), Some(DatasetFormat::Sharegpt)]
        {
            let options = ValidateOptions { format, ..options() };
            for input in [jsonl_with(record), array_with(record)] {
                let report = check_with(&input, &options);
                assert!(report.errors > 0, "{format:?}: {}", &record[..record.len().min(80)]);
            }
        }
    }
}
