//! How a table's cell becomes a JSON value, by its column's name.
//!
//! - Structured columns (`messages`, `conversations`, `turns`, `conversation_history`,
//!   `tools`, the v4 metadata objects, Gemini's `contents` and `systemInstruction`): a CSV cell holds the JSON text of the value; so may
//!   a Parquet string column. Blank text is `null` (datasets write `""` for no `tools`);
//!   other text that is not JSON rejects the row.
//! - Numeric columns (`weight`, `turn_number`): a number when the cell is one.
//! - Any other column: the cell's text, as a string.
//!
//! An empty CSV cell is a missing value for a structured or numeric column and for `split`
//! (where empty means "not given"); elsewhere it is the empty string, as in JSON.

use std::fmt;

use serde::de::IgnoredAny;

/// Columns whose values are JSON arrays or objects.
const STRUCTURED: [&str; 12] = [
    "messages",
    "conversations",
    "turns",
    "conversation_history",
    "tools",
    "conversation_metadata",
    "emotional_context",
    "training_metadata",
    "_meta",
    "contents",
    "systemInstruction",
    "system_instruction",
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
        CellKind::Structured => write_json_text(column, cell, out).map(|()| true),
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

/// Appends the JSON value whose text `text` is (a cell of the structured column `column`)
/// on one line: `null` when the text is blank.
pub(crate) fn write_json_text(column: &str, text: &str, out: &mut Vec<u8>) -> Result<(), NotJson> {
    if text.trim().is_empty() {
        out.extend_from_slice(b"null");
        return Ok(());
    }
    serde_json::from_str::<IgnoredAny>(text)
        .map_err(|e| NotJson { column: column.to_owned(), reason: e.to_string() })?;
    // Line breaks in valid JSON are whitespace between tokens (never inside a string):
    // spaces keep the record on one line.
    out.extend(text.trim().bytes().map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
    Ok(())
}

/// Appends `text` as a JSON string, escaped as `serde_json` escapes it: `"` and `\\`, the
/// control characters `\b \f \n \r \t` by name and the others as `\u00XX`. Eight bytes are
/// looked at a time, so text with little to escape is copied in runs.
pub(crate) fn write_string(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(word) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            if !needs_escape(word) {
                at += 8;
                continue;
            }
        }
        let byte = bytes[at];
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..0x20 => &[b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]],
            _ => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[run..at]);
        out.extend_from_slice(escape);
        at += 1;
        run = at;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Lowercase hexadecimal digits, as `serde_json` writes `\u00XX`.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether any of the eight bytes of `word` is `"`, `\\` or a control character (below 0x20).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    // A byte below 0x20: subtracting 0x20 borrows into its high bit (bytes of 0x80 and above
    // are masked out, so they never count).
    let control = word.wrapping_sub(0x20 * ONES) & !word & HIGH;
    control | zero_byte(word ^ (u64::from(b'"') * ONES)) | zero_byte(word ^ (u64::from(b'\\') * ONES)) != 0
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
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_byte: String = (0_u8..0x80).map(char::from).collect();
        every_byte.push_str("é — 🙂 \"quoted\" back\\slash, a long run of plain text\u{7f}\u{1f}");
        for text in ["", "a", "plain text longer than eight bytes", "\"", "12345678\n", every_byte.as_str()] {
            let mut out = Vec::new();
            write_string(text, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(text).unwrap(), "{text:?}");
        }
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
}
