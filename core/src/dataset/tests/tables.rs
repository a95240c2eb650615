//! Tables: CSV, TSV, Parquet and Arrow datasets. A table gives the report and the training
//! files of the JSON Lines of its records, with findings on the file's own lines (CSV) or
//! rows (Parquet, Arrow). The Parquet and Arrow fixtures were written by pyarrow and
//! `datasets`, as pandas and Hugging Face `datasets` write them (`scripts/table-fixtures`),
//! beside the JSON Lines of the same rows.

use std::io::Write;

use super::shapes::{converted, converted_in};
use super::*;
use crate::dataset::{ConvertOptions, Layout, convert};
use crate::error_code::ErrorCode;
use crate::model::DatasetFormat;

/// `(parquet, jsonl of the same records, format)` of every Parquet fixture.
const PARQUET_FIXTURES: [(&[u8], &str, DatasetFormat); 8] = [
    (include_bytes!("fixtures/tables/chat.parquet"), include_str!("fixtures/tables/chat.jsonl"), DatasetFormat::Chat),
    (
        include_bytes!("fixtures/tables/alpaca.parquet"),
        include_str!("fixtures/tables/alpaca.jsonl"),
        DatasetFormat::Alpaca,
    ),
    (
        include_bytes!("fixtures/tables/prompt_completion.parquet"),
        include_str!("fixtures/tables/prompt_completion.jsonl"),
        DatasetFormat::PromptCompletion,
    ),
    (
        include_bytes!("fixtures/tables/prompt_completion_messages.parquet"),
        include_str!("fixtures/tables/prompt_completion_messages.jsonl"),
        DatasetFormat::PromptCompletion,
    ),
    (
        include_bytes!("fixtures/tables/sharegpt.parquet"),
        include_str!("fixtures/tables/sharegpt.jsonl"),
        DatasetFormat::Sharegpt,
    ),
    (
        include_bytes!("fixtures/tables/sharegpt_tools.parquet"),
        include_str!("fixtures/tables/sharegpt_tools.jsonl"),
        DatasetFormat::Sharegpt,
    ),
    (include_bytes!("fixtures/tables/text.parquet"), include_str!("fixtures/tables/text.jsonl"), DatasetFormat::Text),
    (
        include_bytes!("fixtures/tables/gemini.parquet"),
        include_str!("fixtures/tables/gemini.jsonl"),
        DatasetFormat::Gemini,
    ),
];

/// `(arrow, jsonl of the same records)`: an IPC stream, then an IPC file.
const ARROW_FIXTURES: [(&[u8], &str); 2] = [
    (include_bytes!("fixtures/tables/chat.arrow"), include_str!("fixtures/tables/chat.jsonl")),
    (include_bytes!("fixtures/tables/sharegpt.arrow"), include_str!("fixtures/tables/sharegpt.jsonl")),
];

/// The chat records saved by `datasets.save_to_disk` in two shards.
const SAVED_CHAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/dataset/tests/fixtures/tables/chat_saved");

/// The error a validation of `input` stops with.
fn failure(input: &[u8]) -> DatasetError {
    validate(input, &options(), &EstimatedTokenCounter).expect_err("the input is refused")
}

/// `table` validates and converts exactly as `jsonl`, the same records one per line.
fn same_as_jsonl(table: &[u8], jsonl: &str, layout: Layout) -> ValidationReport {
    same_as_jsonl_with(table, jsonl, layout, &options())
}

/// [`same_as_jsonl`], validating with `options`.
fn same_as_jsonl_with(table: &[u8], jsonl: &str, layout: Layout, options: &ValidateOptions) -> ValidationReport {
    let (from_table, from_jsonl) = (check_with(table, options), check_with(jsonl, options));
    assert_eq!((from_table.layout, from_jsonl.layout), (layout, Layout::Jsonl));
    assert_eq!(located(&from_table), located(&from_jsonl));
    assert_eq!((&from_table.counts, from_table.valid), (&from_jsonl.counts, from_jsonl.valid));
    let (mut table_stats, jsonl_stats) = (from_table.stats.clone(), &from_jsonl.stats);
    table_stats.bytes = jsonl_stats.bytes;
    assert_eq!(&table_stats, jsonl_stats);
    assert_eq!(from_table.sample_data, from_jsonl.sample_data);
    assert_eq!(converted(table), converted(jsonl));
    from_table
}

#[test]
fn parquet_rows_read_as_the_json_lines_of_the_same_records() {
    for (parquet, jsonl, format) in PARQUET_FIXTURES {
        let report = same_as_jsonl(parquet, jsonl, Layout::Parquet);
        assert_eq!(report.format, Some(format));
        assert_eq!(report.stats.bytes, parquet.len() as u64, "the file's size");
        assert_eq!(report.stats.lines, jsonl.lines().count() as u64, "a line a row");
        assert!(report.stats.training_pairs > 0, "{format:?}");
    }
}

#[test]
fn parquet_chunks_of_many_pages_of_both_versions_read_as_the_json_lines_on_any_threads() {
    let jsonl = PARQUET_FIXTURES[0].1;
    let tables: [&[u8]; 3] = [
        PARQUET_FIXTURES[0].0,
        include_bytes!("fixtures/tables/chat_pages_v1.parquet"),
        include_bytes!("fixtures/tables/chat_pages_v2.parquet"),
    ];
    for (index, parquet) in tables.into_iter().enumerate() {
        for threads in [1, 2, 3, 6] {
            let options = ValidateOptions { threads, ..options() };
            let report = same_as_jsonl_with(parquet, jsonl, Layout::Parquet, &options);
            assert_eq!(report.stats.lines, jsonl.lines().count() as u64, "table {index}, {threads} threads");
        }
    }
}

#[test]
fn rows_longer_than_the_line_limit_as_json_lines_are_long_lines() {
    for (parquet, jsonl, _) in PARQUET_FIXTURES {
        // A row's length is that of its JSON line as serde_json writes it (no spaces).
        let lengths: Vec<usize> = jsonl
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap().to_string().len())
            .collect();
        let limit = (lengths.iter().min().unwrap() + lengths.iter().max().unwrap()) / 2;
        let long: Vec<u64> = (1..).zip(&lengths).filter(|(_, bytes)| **bytes > limit).map(|(line, _)| line).collect();
        let report = check_with(parquet, &ValidateOptions { max_line_bytes: limit, ..options() });
        let found: Vec<u64> = of_code(&report, "line_too_long").iter().filter_map(|finding| finding.line).collect();
        assert!(!long.is_empty() && long.len() < lengths.len(), "some rows are long, some are not");
        assert_eq!(found, long);
    }
}

#[test]
fn a_parquet_string_column_of_json_text_is_read_as_its_value() {
    let report = check(include_bytes!("fixtures/tables/chat_json_text.parquet"));
    assert_eq!((report.format, report.layout), (Some(DatasetFormat::Chat), Layout::Parquet));
    assert_eq!(located(&report), [(Some(3), None, "malformed_row")]);
    assert!(
        report.findings[0].message.contains("column `messages` is not valid JSON"),
        "{}",
        report.findings[0].message
    );
    assert_eq!((report.stats.records, report.stats.training_pairs), (3, 2));
}

/// A prompt/completion CSV: quoted quotes, a prompt with a line break, a row short of a
/// cell, an empty completion, CRLF line ends, and a byte-order mark.
const PROMPT_COMPLETION_CSV: &str = "\u{feff}prompt,completion\r\n\
    \"Say \"\"hi\"\"\",Hi\r\n\
    \"Two\r\nlines\",\" ok\"\r\n\
    only one cell\r\n\
    Unanswered,\r\n\
    \r\n\
    Last,\"no newline\"";

#[test]
fn a_tools_column_of_json_text_is_read_and_blank_text_is_no_tools() {
    // LLaMA-Factory's layout: `tools` the JSON text of bare definitions, "" or "[]" for none.
    let report = check(include_bytes!("fixtures/tables/sharegpt_tools.parquet"));
    assert_eq!(located(&report), [(Some(4), Some("conversations[1].value"), "invalid_tool_call")]);
    // The call and its answer, two replies, and the reply of the row whose call is malformed
    // (pairs are counted in every record, as in JSON Lines).
    assert_eq!((report.stats.records, report.stats.training_pairs), (4, 5));
}

#[test]
fn csv_rows_are_records_on_the_line_they_start_on() {
    let report = check(PROMPT_COMPLETION_CSV);
    assert_eq!((report.format, report.layout), (Some(DatasetFormat::PromptCompletion), Layout::Csv));
    assert_eq!(located(&report), [(Some(5), None, "malformed_row"), (Some(6), Some("completion"), "empty_content")]);
    assert!(report.findings[0].message.contains("1 cells where the header row has 2 columns"));
    let s = &report.stats;
    assert_eq!((s.lines, s.records, s.training_pairs), (8, 5, 4));
    assert_eq!(s.bytes, PROMPT_COMPLETION_CSV.len() as u64);
    let (train, validation) = converted(PROMPT_COMPLETION_CSV);
    let texts: Vec<Vec<&str>> = train.iter().map(|m| m.iter().map(|m| m.content.as_str()).collect()).collect();
    assert_eq!(texts, [vec!["Say \"hi\"", "Hi"], vec!["Two\r\nlines", " ok"], vec!["Last", "no newline"]]);
    assert!(validation.is_empty());
}

#[test]
fn a_csv_is_the_json_lines_of_its_rows() {
    let csv = "instruction,input,output,split\nTranslate,cat,chat,\nSay hi,,Hi!,validation\nBad,,,nowhere\n";
    let jsonl = [
        json!({"instruction": "Translate", "input": "cat", "output": "chat"}),
        json!({"instruction": "Say hi", "input": "", "output": "Hi!", "split": "validation"}),
        json!({"instruction": "Bad", "input": "", "output": "", "split": "nowhere"}),
    ];
    // The JSON Lines of the rows, a blank line standing for the header row.
    let report = same_as_jsonl(csv.as_bytes(), &format!("\n{}\n", super::jsonl(&jsonl)), Layout::Csv);
    assert_eq!(report.format, Some(DatasetFormat::Alpaca));
    assert_eq!(report.counts.get("invalid_split"), Some(&1));
}

#[test]
fn structured_columns_of_a_csv_hold_json_text() {
    let messages = json!([{"role": "user", "content": "Hi, there"}, {"role": "assistant", "content": "Hello"}]);
    let pretty = serde_json::to_string_pretty(&messages).unwrap();
    let cell = |json: &str| format!("\"{}\"", json.replace('"', "\"\""));
    let unweighted = json!([{"role": "user", "content": "Again"}, {"role": "assistant", "content": "No"}]);
    let tsv = format!("messages\tweight\n{}\t1\n{}\t0\n[oops\t\n", cell(&pretty), cell(&unweighted.to_string()));
    let report = check(&tsv);
    assert_eq!((report.format, report.layout), (Some(DatasetFormat::Chat), Layout::Csv));
    let pretty_lines = pretty.lines().count() as u64;
    assert_eq!(located(&report), [(Some(3 + pretty_lines), None, "malformed_row")]);
    assert_eq!((report.stats.records, report.stats.training_pairs), (3, 1), "weight 0 is not trained on");
    let (train, _) = converted(&tsv);
    assert_eq!(train.len(), 1);
    assert_eq!(train[0][0].content, "Hi, there");
}

#[test]
fn a_gzip_csv_is_read_as_a_table() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(PROMPT_COMPLETION_CSV.as_bytes()).unwrap();
    let report = check(gz.finish().unwrap());
    assert_eq!(
        (report.format, report.layout, report.stats.records),
        (Some(DatasetFormat::PromptCompletion), Layout::Csv, 5)
    );
}

#[test]
fn a_table_of_no_known_format_names_its_columns() {
    let report = check("question,answer\nWhat?,That.\n");
    assert_eq!((report.format, report.layout), (None, Layout::Csv));
    let finding = &report.findings[0];
    assert_eq!((finding.line, finding.code.as_str()), (Some(2), "unknown_format"), "{finding:?}");
    assert!(finding.message.contains("question") && finding.message.contains("answer"), "{}", finding.message);
    let dir = tempfile::tempdir().unwrap();
    let error =
        convert("question,answer\nWhat?,That.\n".as_bytes(), dir.path(), &ConvertOptions::default()).unwrap_err();
    assert_eq!(error.code(), "unknown_dataset_format");
}

#[test]
fn text_that_is_no_table_stays_json_lines() {
    for text in ["hello\n{}\n", "prompt: hi, there\n", "{\"prompt\": 1,\n\"completion\": 2}\n", "[1,\n2]\n"] {
        assert_ne!(check(text).layout, Layout::Csv, "{text:?}");
        assert_ne!(check(text).layout, Layout::Parquet, "{text:?}");
    }
    assert_eq!(located(&check("hello\n")), [(Some(1), None, "invalid_json")]);
}

#[test]
fn broken_tables_and_other_files_are_refused_with_a_code() {
    let duplicate = failure(b"prompt,completion,prompt\na,b,c\n");
    assert_eq!(duplicate.code(), "invalid_table");
    assert!(duplicate.to_string().contains("`prompt` appears twice"), "{duplicate}");
    let chat = PARQUET_FIXTURES[0].0;
    assert_eq!(failure(&chat[..chat.len() / 2]).code(), "invalid_table", "a truncated Parquet file");
    let arrow = failure(b"\xff\xff\xff\xff\x10\x00\x00\x00rest of an Arrow stream");
    assert_eq!(arrow.code(), "invalid_table");
    assert!(arrow.to_string().contains("not a readable Arrow stream"), "{arrow}");
    assert_eq!(failure(b"ARROW1\x00\x00").code(), "invalid_table");
    let (stream, _) = ARROW_FIXTURES[0];
    let truncated = failure(&stream[..stream.len() - 100]);
    assert_eq!(truncated.code(), "invalid_table", "{truncated}");
}

#[test]
fn a_parquet_file_on_disk_is_read_in_place_and_reports_its_progress() {
    let dir = tempfile::tempdir().unwrap();
    let (parquet, jsonl, _) = PARQUET_FIXTURES[1];
    let path = dir.path().join("alpaca.parquet");
    std::fs::write(&path, parquet).unwrap();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let told = std::sync::Arc::clone(&seen);
    let progress: crate::dataset::Progress =
        std::sync::Arc::new(move |bytes| told.store(bytes, std::sync::atomic::Ordering::SeqCst));
    let options = ValidateOptions { progress: Some(progress), ..options() };
    let from_path = crate::dataset::validate_path(&path, &options, &EstimatedTokenCounter).unwrap();
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), parquet.len() as u64);
    assert_eq!((from_path.layout, located(&from_path)), (Layout::Parquet, located(&check(jsonl))));
    let out = tempfile::tempdir().unwrap();
    let summary = crate::dataset::convert_path(&path, out.path(), &ConvertOptions::default()).unwrap();
    assert_eq!((summary.layout, summary.format), (Layout::Parquet, Some(DatasetFormat::Alpaca)));
    assert_eq!(summary.train_conversations as usize, converted(jsonl).0.len());
}

#[test]
fn arrow_streams_and_files_read_as_the_json_lines_of_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    for (arrow, jsonl) in ARROW_FIXTURES {
        let report = same_as_jsonl(arrow, jsonl, Layout::Arrow);
        assert_eq!(report.stats.bytes, arrow.len() as u64, "the file's size");
        assert_eq!(report.stats.lines, jsonl.lines().count() as u64, "a line a row");
        // On disk, read in place.
        let path = dir.path().join("data.arrow");
        std::fs::write(&path, arrow).unwrap();
        for threads in [1, 2, 3] {
            let options = ValidateOptions { threads, ..options() };
            let from_path = crate::dataset::validate_path(&path, &options, &EstimatedTokenCounter).unwrap();
            assert_eq!((from_path.layout, located(&from_path)), (Layout::Arrow, located(&check(jsonl))));
            assert_eq!(from_path.stats, check(arrow).stats, "{threads} threads");
        }
    }
}

#[test]
fn a_saved_hugging_face_dataset_reads_its_shards_in_order() {
    let jsonl = include_str!("fixtures/tables/chat.jsonl");
    let report = crate::dataset::validate_path(SAVED_CHAT, &options(), &EstimatedTokenCounter).unwrap();
    let from_jsonl = check(jsonl);
    assert_eq!((report.layout, report.format), (Layout::Arrow, Some(DatasetFormat::Chat)));
    // Rows are numbered across the two shards: the third row is the second shard's first.
    assert_eq!(located(&report), located(&from_jsonl));
    assert!(located(&report).iter().any(|(line, _, _)| *line == Some(3)), "{:?}", located(&report));
    let shards: u64 = ["data-00000-of-00002.arrow", "data-00001-of-00002.arrow"]
        .iter()
        .map(|name| std::fs::metadata(std::path::Path::new(SAVED_CHAT).join(name)).unwrap().len())
        .sum();
    assert_eq!(report.stats.bytes, shards);
    let (mut stats, jsonl_stats) = (report.stats.clone(), &from_jsonl.stats);
    stats.bytes = jsonl_stats.bytes;
    assert_eq!((&stats, &report.sample_data), (jsonl_stats, &from_jsonl.sample_data));
    let out = tempfile::tempdir().unwrap();
    let summary = crate::dataset::convert_path(SAVED_CHAT, out.path(), &ConvertOptions::default()).unwrap();
    assert_eq!((summary.layout, summary.format), (Layout::Arrow, Some(DatasetFormat::Chat)));
    assert_eq!(converted_in(out.path()), converted(jsonl));
}

#[test]
fn directories_that_are_no_saved_dataset_are_refused_with_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |dir: &std::path::Path| {
        crate::dataset::validate_path(dir, &options(), &EstimatedTokenCounter).expect_err("the directory is refused")
    };
    let empty = refused(dir.path());
    assert_eq!(empty.code(), "unsupported_source");
    assert!(empty.to_string().contains("no state.json"), "{empty}");
    std::fs::write(dir.path().join("dataset_dict.json"), r#"{"splits": ["train"]}"#).unwrap();
    let dict = refused(dir.path());
    assert_eq!(dict.code(), "unsupported_source");
    assert!(dict.to_string().contains("train"), "{dict}");
    for (state, reason) in [
        ("{}", "does not list the dataset's files"),
        (r#"{"_data_files": [{"filename": "../elsewhere.arrow"}]}"#, "not a file of its directory"),
    ] {
        std::fs::write(dir.path().join("state.json"), state).unwrap();
        let error = refused(dir.path());
        assert_eq!(error.code(), "invalid_table", "{error}");
        assert!(error.to_string().contains(reason), "{error}");
    }
    std::fs::write(dir.path().join("state.json"), r#"{"_data_files": [{"filename": "gone.arrow"}]}"#).unwrap();
    assert_eq!(refused(dir.path()).code(), "dataset_not_found");
}

#[test]
fn damaged_snappy_pages_are_refused_with_a_code() {
    // Bytes overwritten in a page's levels, a page's Snappy data and a page header. Pages
    // read ahead (on more than one thread) may meet a damaged header first.
    let parquet = include_bytes!("fixtures/tables/chat_pages_v1.parquet");
    for threads in [1, 3] {
        let reasons: Vec<String> = [20, 40, 60]
            .into_iter()
            .map(|percent| {
                let mut damaged = parquet.to_vec();
                let at = damaged.len() * percent / 100;
                damaged[at..at + 64].fill(0xff);
                let options = ValidateOptions { threads, ..options() };
                let error = validate(damaged.as_slice(), &options, &EstimatedTokenCounter).unwrap_err();
                assert_eq!(error.code(), "invalid_table", "{error}");
                error.to_string()
            })
            .collect();
        if threads == 1 {
            assert!(reasons[1].contains("a Snappy page could not be decompressed"), "{reasons:?}");
        }
    }
}
