//! Counting and keeping findings: every finding is counted by code, only the first ones of
//! each code are kept (their messages are not even formatted past the cap).

use std::collections::BTreeMap;
use std::fmt;

use super::codes::RuleCode;
use crate::model::{Severity, ValidationFinding};

/// Where a finding points: a line of the file and a JSON path, each when known.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Location<'p> {
    /// The 1-based line (relative to its chunk while a chunk is processed).
    pub line: Option<u64>,
    /// The path of the record inside a JSON document (`conversations[3].training_pairs[2]`).
    pub prefix: Option<&'p str>,
}

impl<'p> Location<'p> {
    /// A whole line of a JSONL file.
    pub fn line(line: u64) -> Self {
        Self { line: Some(line), prefix: None }
    }

    /// The whole file.
    pub fn file() -> Self {
        Self::default()
    }
}

/// A JSON path inside a record, relative to the record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldPath<'a> {
    /// The record itself.
    Record,
    /// A field of the record (`target_response`).
    Field(&'a str),
    /// An item of an array field (`messages[2]`).
    Item(&'a str, usize),
    /// A field of an item of an array field (`messages[2].content`).
    ItemField(&'a str, usize, &'a str),
    /// A field of an object field (`_meta.total_pairs`).
    Nested(&'a str, &'a str),
    /// An item of an array that is an item of an array field (`history[0][1]`).
    ItemItem(&'a str, usize, usize),
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Record => Ok(()),
            FieldPath::Field(field) => f.write_str(field),
            FieldPath::Item(field, index) => write!(f, "{field}[{index}]"),
            FieldPath::ItemField(field, index, sub) => write!(f, "{field}[{index}].{sub}"),
            FieldPath::Nested(field, sub) => write!(f, "{field}.{sub}"),
            FieldPath::ItemItem(field, index, inner) => write!(f, "{field}[{index}][{inner}]"),
        }
    }
}

/// The full path of `path` under `prefix`, or `None` for a whole JSONL record.
fn join_path(prefix: Option<&str>, path: FieldPath<'_>) -> Option<String> {
    match (prefix.filter(|prefix| !prefix.is_empty()), path) {
        (None, FieldPath::Record) => None,
        (Some(prefix), FieldPath::Record) => Some(prefix.to_owned()),
        (None, path) => Some(path.to_string()),
        (Some(prefix), path) => Some(format!("{prefix}.{path}")),
    }
}

/// One kept finding, before it becomes a [`ValidationFinding`].
#[derive(Debug, Clone)]
struct Kept {
    code: RuleCode,
    line: Option<u64>,
    path: Option<String>,
    message: String,
}

/// Findings of a chunk, a document or a whole file.
#[derive(Debug, Clone)]
pub(crate) struct Findings {
    counts: [u64; RuleCode::COUNT],
    kept_per_code: [usize; RuleCode::COUNT],
    kept: Vec<Kept>,
    cap: usize,
    errors: u64,
}

impl Findings {
    /// No findings yet; at most `cap` are kept of each code.
    pub fn new(cap: usize) -> Self {
        Self { counts: [0; RuleCode::COUNT], kept_per_code: [0; RuleCode::COUNT], kept: Vec::new(), cap, errors: 0 }
    }

    /// Counts a finding, and keeps it while its code is under the cap.
    pub fn add(&mut self, code: RuleCode, at: Location<'_>, path: FieldPath<'_>, message: impl FnOnce() -> String) {
        let i = code.index();
        self.counts[i] += 1;
        if code.severity() == Severity::Error {
            self.errors += 1;
        }
        if self.kept_per_code[i] < self.cap {
            self.kept_per_code[i] += 1;
            self.kept.push(Kept { code, line: at.line, path: join_path(at.prefix, path), message: message() });
        }
    }

    /// How many error findings were counted: a record with errors is not converted.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// How many findings of `code` were counted.
    #[cfg(test)]
    pub fn count(&self, code: RuleCode) -> u64 {
        self.counts[code.index()]
    }

    /// How many findings of `severity` were counted.
    pub fn by_severity(&self, severity: Severity) -> u64 {
        RuleCode::ALL.into_iter().filter(|code| code.severity() == severity).map(|code| self.counts[code.index()]).sum()
    }

    /// Adds a later chunk's findings, whose line `n` is the file's line `line_base + n`.
    pub fn absorb(&mut self, other: Findings, line_base: u64) {
        for (total, count) in self.counts.iter_mut().zip(other.counts) {
            *total += count;
        }
        self.errors += other.errors;
        for mut kept in other.kept {
            let i = kept.code.index();
            if self.kept_per_code[i] < self.cap {
                self.kept_per_code[i] += 1;
                kept.line = kept.line.map(|line| line + line_base);
                self.kept.push(kept);
            }
        }
    }

    /// The counts by code (codes never seen are left out) and the kept findings in file order.
    pub fn finish(self) -> (BTreeMap<String, u64>, Vec<ValidationFinding>) {
        let counts = RuleCode::ALL
            .into_iter()
            .zip(self.counts)
            .filter(|(_, count)| *count > 0)
            .map(|(code, count)| (code.as_str().to_owned(), count))
            .collect();
        let mut kept = self.kept;
        // Stable: findings of one line keep the order they were found in.
        kept.sort_by_key(|k| k.line);
        let findings = kept
            .into_iter()
            .map(|k| ValidationFinding {
                line: k.line,
                path: k.path,
                code: k.code.as_str().to_owned(),
                severity: k.code.severity(),
                message: k.message,
                suggestion: Some(k.code.suggestion().to_owned()),
            })
            .collect();
        (counts, findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_everything_keeps_the_first_of_each_code() {
        let mut chunk = Findings::new(2);
        for line in 1..=5 {
            chunk.add(RuleCode::InvalidJson, Location::line(line), FieldPath::Record, || format!("bad {line}"));
        }
        chunk.add(RuleCode::EmptyContent, Location::line(3), FieldPath::ItemField("messages", 1, "content"), || {
            "empty".into()
        });
        let mut file = Findings::new(2);
        file.add(RuleCode::InvalidJson, Location::line(1), FieldPath::Record, || "first".into());
        file.absorb(chunk, 10);
        assert_eq!(file.errors(), 7);
        let (counts, findings) = file.finish();
        assert_eq!(counts["invalid_json"], 6);
        assert_eq!(counts["empty_content"], 1);
        let kept: Vec<_> = findings.iter().map(|f| (f.line, f.code.as_str(), f.path.as_deref())).collect();
        assert_eq!(
            kept,
            [
                (Some(1), "invalid_json", None),
                (Some(11), "invalid_json", None),
                (Some(13), "empty_content", Some("messages[1].content"))
            ]
        );
    }

    #[test]
    fn paths_join_under_a_document_prefix() {
        let prefix = Some("conversations[3].training_pairs[2]");
        assert_eq!(
            join_path(prefix, FieldPath::Field("target_response")).unwrap(),
            "conversations[3].training_pairs[2].target_response"
        );
        assert_eq!(join_path(prefix, FieldPath::Record).unwrap(), "conversations[3].training_pairs[2]");
        assert_eq!(join_path(Some("[4]"), FieldPath::Item("messages", 0)).unwrap(), "[4].messages[0]");
        assert_eq!(join_path(None, FieldPath::Record), None);
    }
}
