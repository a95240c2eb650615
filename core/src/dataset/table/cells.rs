//! How a table's cell becomes a JSON value, by its column's name.
//!
//! - Structured columns (`messages`, `conversations`, `turns`, `conversation_history`,
//!   `tools`, the v4 metadata objects): a CSV cell holds the JSON text of the value; so may
//!   a Parquet string column. Text that is not JSON rejects the row.
//! - Numeric columns (`weight`, `turn_number`): a number when the cell is one.
//! - Any other column: the cell's text, as a string.
//!
//! An empty CSV cell is a missing value for a structured or numeric column and for `split`
//! (where empty means "not given"); elsewhere it is the empty string, as in JSON.

use std::fmt;

use serde::de::IgnoredAny;
use serde_json::Value;

/// Columns whose values are JSON arrays or objects.
const STRUCTURED: [&str; 9] = [
    "messages",
    "conversations",
    "turns",
    "conversation_history",
    "tools",
    "conversation_metadata",
    "emotional_context",
    "training_metadata",
    "_meta",
];

/// Columns whose values are numbers.
const NUMERIC: [&str; 2] = ["weight", "turn_number"];

/// Columns where an empty cell means the value is not given.
const OPTIONAL_TEXT: [&str; 1] = ["split"];

/// What a column's cells hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// JSON text of an array or an object.
    Structured,
    /// A number.
    Numeric,
    /// Text; empty means missing.
    OptionalText,
    /// Text.
    Text,
}

impl CellKind {
    /// The kind of the column `name`.
    pub fn of(name: &str) -> Self {
        if STRUCTURED.contains(&name) {
            CellKind::Structured
        } else if NUMERIC.contains(&name) {
            CellKind::Numeric
        } else if OPTIONAL_TEXT.contains(&name) {
            CellKind::OptionalText
        } else {
            CellKind::Text
        }
    }
}

/// A structured cell whose text is not JSON.
#[derive(Debug)]
pub(crate) struct NotJson {
    /// The column.
    pub column: String,
    /// What the JSON parser said.
    pub reason: String,
}

impl fmt::Display for NotJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column `{}` is not valid JSON ({}): a cell of this column holds the JSON text of its value",
            self.column, self.reason
        )
    }
}

/// Appends the JSON of a CSV cell of a `kind` column named `column` to `out`; returns false
/// when the cell is a missing value (nothing appended).
pub(crate) fn write_csv_cell(kind: CellKind, column: &str, cell: &str, out: &mut Vec<u8>) -> Result<bool, NotJson> {
    match kind {
        _ if cell.is_empty() && kind != CellKind::Text => Ok(false),
        CellKind::Structured => {
            serde_json::from_str::<IgnoredAny>(cell)
                .map_err(|e| NotJson { column: column.to_owned(), reason: e.to_string() })?;
            // Line breaks in valid JSON are whitespace between tokens (never inside a string):
            // spaces keep the record on one line.
            out.extend(cell.trim().bytes().map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
            Ok(true)
        }
        CellKind::Numeric if serde_json::from_str::<serde_json::Number>(cell).is_ok() => {
            out.extend_from_slice(cell.as_bytes());
            Ok(true)
        }
        CellKind::Numeric | CellKind::OptionalText | CellKind::Text => {
            write_string(cell, out);
            Ok(true)
        }
    }
}

/// Appends `text` as a JSON string.
pub(crate) fn write_string(text: &str, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail, and a &str always serialises.
    let _ = serde_json::to_writer(out, text);
}

/// A Parquet row's value of column `column`, with a structured column stored as JSON text
/// parsed into its value.
pub(crate) fn parquet_value(column: &str, value: Value) -> Result<Value, NotJson> {
    match value {
        Value::String(text) if CellKind::of(column) == CellKind::Structured => {
            serde_json::from_str(&text).map_err(|e| NotJson { column: column.to_owned(), reason: e.to_string() })
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(column: &str, text: &str) -> Result<Option<String>, String> {
        let mut out = Vec::new();
        match write_csv_cell(CellKind::of(column), column, text, &mut out) {
            Ok(true) => Ok(Some(String::from_utf8(out).unwrap())),
            Ok(false) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn structured_cells_are_their_json_on_one_line() {
        assert_eq!(
            cell("messages", "[\n  {\"role\": \"user\",\n \"content\": \"a\\nb\"}\n]").unwrap().unwrap(),
            "[   {\"role\": \"user\",  \"content\": \"a\\nb\"} ]"
        );
        assert_eq!(cell("messages", ""), Ok(None));
        let error = cell("messages", "[{\"role\": user}]").unwrap_err();
        assert!(error.starts_with("column `messages` is not valid JSON ("), "{error}");
    }

    #[test]
    fn numbers_text_and_missing_values() {
        assert_eq!(cell("weight", "0").unwrap().unwrap(), "0");
        assert_eq!(cell("weight", "heavy").unwrap().unwrap(), "\"heavy\"");
        assert_eq!(cell("weight", ""), Ok(None));
        assert_eq!(cell("split", ""), Ok(None));
        assert_eq!(cell("prompt", "").unwrap().unwrap(), "\"\"");
        assert_eq!(cell("prompt", "say \"hi\"\n").unwrap().unwrap(), "\"say \\\"hi\\\"\\n\"");
    }

    #[test]
    fn parquet_strings_of_structured_columns_are_parsed() {
        let parsed = parquet_value("messages", Value::String("[{\"role\": \"user\"}]".into())).unwrap();
        assert_eq!(parsed, serde_json::json!([{"role": "user"}]));
        assert_eq!(parquet_value("prompt", Value::String("[1]".into())).unwrap(), Value::String("[1]".into()));
        assert!(parquet_value("turns", Value::String("nope".into())).is_err());
    }
}
