//! Reading real-world files: line numbers, encodings, line ends, gzip, huge lines, and the
//! same report whatever the number of threads.

use std::io::{Read, Write};

use super::*;
use crate::dataset::validate_path;

#[test]
fn line_numbers_count_blank_lines_and_survive_bom_and_crlf() {
    let input = format!("\u{feff}{}\r\n\r\n\r\n{{broken\r\n{}", chat_n(1), chat_n(2));
    let report = check(input);
    assert_eq!(located(&report), [(Some(4), None, "invalid_json")]);
    assert_eq!(report.stats.lines, 5);
    assert_eq!(report.stats.conversations, 2, "the BOM and CRLF do not break the records");
}

#[test]
fn a_missing_final_newline_loses_nothing() {
    let records: Vec<_> = (0..5).map(chat_n).collect();
    let with = check(jsonl(&records) + "\n");
    let without = check(jsonl(&records));
    assert_eq!(without.stats.conversations, 5);
    assert_eq!(with.stats.lines, without.stats.lines);
}

#[test]
fn invalid_utf8_is_reported_at_its_line_and_the_rest_checked() {
    let input =
        [chat_n(1).to_string().as_bytes(), b"\n{\"messages\": \"caf\xe9\"}\n", chat_n(2).to_string().as_bytes()]
            .concat();
    let report = check(input);
    let finding = of_code(&report, "invalid_utf8")[0];
    assert_eq!(finding.line, Some(2));
    assert!(finding.message.contains("column 18"), "{}", finding.message);
    assert_eq!(report.stats.conversations, 2);
}

#[test]
fn empty_and_whitespace_only_files() {
    for input in ["", "\n", "  \r\n\t\n"] {
        let report = check(input);
        assert_eq!(located(&report), [(None, None, "empty_file")], "{input:?}");
        assert_eq!(report.format, None);
        assert!(!report.valid);
    }
}

/// A reader of one huge line followed by valid records, made on the fly.
struct HugeLine {
    remaining: u64,
    tail: std::io::Cursor<Vec<u8>>,
}

impl Read for HugeLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.remaining == 0 {
            return self.tail.read(buf);
        }
        let n = buf.len().min(self.remaining as usize);
        buf[..n].fill(b'x');
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[test]
fn a_100_mb_line_is_skipped_with_bounded_memory() {
    let tail = format!("\n{}\n{}", chat_n(1), chat_n(2)).into_bytes();
    let reader = HugeLine { remaining: 100 << 20, tail: std::io::Cursor::new(tail) };
    let options =
        ValidateOptions { max_line_bytes: 1 << 20, format: Some(crate::model::DatasetFormat::Chat), ..options() };
    let report = validate(reader, &options, &EstimatedTokenCounter).unwrap();
    assert_eq!(located(&report), [(Some(1), None, "line_too_long")]);
    assert!(of_code(&report, "line_too_long")[0].message.contains(&format!("{} bytes", 100 << 20)));
    assert_eq!(report.stats.conversations, 2);
    assert_eq!(report.stats.lines, 3);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn gzip_is_read_by_its_magic_bytes_whatever_the_name() {
    let plain = jsonl(&[chat_n(1), chat_n(1), chat_n(2)]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.jsonl");
    std::fs::write(&path, gzip(plain.as_bytes())).unwrap();
    let from_gzip = validate_path(&path, &options(), &EstimatedTokenCounter).unwrap();
    assert_eq!(from_gzip, check(&plain));
    assert_eq!(from_gzip.stats.bytes, plain.len() as u64, "bytes are the decompressed size");
}

#[test]
fn a_corrupt_gzip_file_is_an_error_not_a_report() {
    let mut data = gzip(jsonl(&(0..200).map(chat_n).collect::<Vec<_>>()).as_bytes());
    let middle = data.len() / 2;
    data.truncate(middle);
    let err = validate(&data[..], &options(), &EstimatedTokenCounter).unwrap_err();
    assert!(matches!(err, DatasetError::Gzip { .. }), "{err}");
    use crate::ErrorCode;
    assert_eq!(err.code(), "invalid_gzip");
}

#[test]
fn a_gzip_bomb_is_stopped_by_the_ratio_and_a_huge_gzip_by_the_size() {
    use crate::ErrorCode;
    use crate::dataset::{ConvertOptions, InflateLimits, convert};
    // 64 MiB of blank lines compress about a thousand times.
    let bomb = gzip(&vec![b'\n'; 64 << 20]);
    assert!(bomb.len() < 1 << 20, "{} compressed bytes", bomb.len());
    let err = validate(&bomb[..], &options(), &EstimatedTokenCounter).unwrap_err();
    assert!(matches!(err, DatasetError::Inflated(_)), "{err}");
    assert_eq!(err.code(), "decompressed_too_large");
    assert!(err.to_string().contains("100 times"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let err = convert(&bomb[..], dir.path(), &ConvertOptions::default()).unwrap_err();
    assert_eq!(err.code(), "decompressed_too_large", "{err}");

    // An ordinary dataset inflates a few times: within the ratio, but not within 2 MiB.
    let plain = jsonl(&(0..40_000).map(chat_n).collect::<Vec<_>>());
    let compressed = gzip(plain.as_bytes());
    assert!(plain.len() > 3 << 20 && plain.len() < 50 * compressed.len(), "{} / {}", plain.len(), compressed.len());
    assert!(validate(&compressed[..], &options(), &EstimatedTokenCounter).is_ok());
    let small =
        ValidateOptions { inflate: InflateLimits { max_bytes: 2 << 20, ..InflateLimits::default() }, ..options() };
    let err = validate(&compressed[..], &small, &EstimatedTokenCounter).unwrap_err();
    assert_eq!(err.code(), "decompressed_too_large");
    assert!(err.to_string().contains(&format!("{} bytes", 2 << 20)), "{err}");
    // The same bytes uncompressed are not gzip: no inflate limit applies to them.
    assert!(validate(plain.as_bytes(), &small, &EstimatedTokenCounter).is_ok());
}

#[test]
fn a_missing_file_is_an_error() {
    let err = validate_path("/no/such/file.jsonl", &options(), &EstimatedTokenCounter).unwrap_err();
    use crate::ErrorCode;
    assert_eq!(err.code(), "dataset_not_found");
}

#[test]
fn the_report_is_the_same_on_any_number_of_threads() {
    // About 3 MiB: several blocks, with errors, duplicates and overlap across them.
    let mut records = Vec::new();
    for i in 0..24_000 {
        let mut record = chat_n(i % 20_000);
        if i % 1000 == 7 {
            record = json!({"messages": "oops"});
        }
        if i % 3000 == 11 {
            record["split"] = json!("validation");
        }
        records.push(record);
    }
    let text = jsonl(&records);
    assert!(text.len() > 2 << 20);
    let reports: Vec<_> = [1, 2, 3]
        .into_iter()
        .map(|threads| check_with(&text, &ValidateOptions { threads, max_findings_per_code: 7, ..options() }))
        .collect();
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0], reports[2]);
    let report = &reports[0];
    assert_eq!(report.counts["wrong_type"], 24);
    // Records 20000.. repeat 0..; 4 of them are broken, 3 cross the train/validation split
    // (20011, 21011, 23011).
    assert_eq!(report.counts["duplicate_conversation"], 4_000 - 4 - 3);
    assert_eq!(report.counts["train_validation_overlap"], 3);
    assert_eq!(report.stats.lines, 24_000);
}
