//! Fuzzes the whole dataset pass: any bytes (plain, gzip, JSONL or a JSON document) through
//! the reader, the format detection, the record parser, the rules and the statistics.
//!
//! The first byte picks the options (`test_support::fuzz_options`), so the corpus also
//! explores forced formats, tiny line limits and finding caps; the rest is the file. The contract checked: `validate` returns a
//! report or an error, never panics, and a report's counters agree with its findings.

#![no_main]

use brightrun_core::dataset::test_support::fuzz_options;
use brightrun_core::dataset::{EstimatedTokenCounter, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, file)) = data.split_first() else { return };
    let Ok(report) = validate(file, &fuzz_options(first), &EstimatedTokenCounter) else { return };
    let counted: u64 = report.counts.values().sum();
    assert_eq!(counted, report.errors + report.warnings + report.infos, "counts by code add up");
    assert!(report.findings.len() as u64 <= counted, "no more findings kept than counted");
    assert_eq!(report.valid, report.errors == 0);
    assert!(report.stats.bytes <= file.len() as u64 || file.starts_with(&[0x1f, 0x8b]), "bytes within the input");
});
