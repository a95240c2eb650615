//! The rows of an Arrow record batch read as records without JSON text: a row is handed to
//! the records' own `Deserialize` as a map of its columns, each cell as the JSON value it
//! would be written as ([`super::arrays`]), strings borrowed from the arrays. The checks and
//! findings are those of the JSON line of the row; only the JSON is never written (or parsed
//! again) unless a message quotes the row.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::arrays::{Cell, JsonNumber, Named, Rows};
use super::cells::NotJson;
use crate::dataset::chunk::error_text;
use crate::dataset::format::detect::RecordJson;

/// The methods of a `Deserializer` that reads every value as it is (its
/// `deserialize_any`), whatever type is asked for: a cell is the JSON value it holds.
macro_rules! every_type_as_any {
    () => {
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
        }
    };
}

/// Why a row is no record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowError {
    /// A cell that cannot be a JSON value (a malformed row), with what is wrong.
    Unreadable(String),
    /// The record repeats a key (as a JSON line would), with serde's words.
    RepeatedKey(String),
}

/// What a finding says of the row.
impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowError::Unreadable(message) => f.write_str(message),
            RowError::RepeatedKey(message) => write!(f, "the record repeats a key: {message}"),
        }
    }
}

impl std::error::Error for RowError {}

impl de::Error for RowError {
    /// The records' types accept any value, so the only error they raise is a repeated key.
    fn custom<T: fmt::Display>(message: T) -> Self {
        RowError::RepeatedKey(message.to_string())
    }
}

impl<'de> Rows<'de> {
    /// Row `row` read as a `T`, as its JSON line would be read.
    pub fn read<T: Deserialize<'de>>(&self, row: usize) -> Result<T, RowError> {
        T::deserialize(RowValue { rows: self, row })
    }

    /// Row `row` as a JSON line's text (without its newline), for messages that quote it;
    /// `None` when a cell cannot be written.
    fn json(&self, row: usize) -> Option<String> {
        let mut line = Vec::new();
        self.write(row, &mut line).ok()?;
        line.pop();
        String::from_utf8(line).ok()
    }

    /// The bytes of row `row` as a JSON line (without its newline); `None` when a cell
    /// cannot be written.
    pub fn json_bytes(&self, row: usize) -> Option<usize> {
        self.json(row).map(|line| line.len())
    }
}

/// A row of [`Rows`] as the source of a record's keys and JSON.
pub(crate) struct RowJson<'r, 'de> {
    /// The rows.
    pub rows: &'r Rows<'de>,
    /// The row.
    pub row: usize,
}

impl RecordJson for RowJson<'_, '_> {
    fn keys(&self) -> usize {
        self.rows.columns.len()
    }

    fn json(&self) -> Option<Cow<'_, str>> {
        self.rows.json(self.row).map(Cow::Owned)
    }
}

/// A row: an object of its columns.
struct RowValue<'r, 'de> {
    rows: &'r Rows<'de>,
    row: usize,
}

impl<'de> Deserializer<'de> for RowValue<'_, 'de> {
    type Error = RowError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_map(Fields { fields: &self.rows.columns, row: self.row, next: 0 })
    }

    every_type_as_any!();
}

/// The value of row `row` of a cell.
#[derive(Clone, Copy)]
struct CellValue<'c, 'de> {
    cell: &'c Cell<'de>,
    row: usize,
}

impl<'de> Deserializer<'de> for CellValue<'_, 'de> {
    type Error = RowError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        let Self { cell, row } = self;
        match cell {
            // A cell of no JSON type: what writing it as JSON says of it.
            Cell::Unsupported(_) => {
                let mut unused = Vec::new();
                Err(RowError::Unreadable(cell.write(row, &mut unused).err().unwrap_or_default()))
            }
            Cell::Null => visitor.visit_unit(),
            _ if cell.is_null(row) => visitor.visit_unit(),
            Cell::Boolean(array) => visitor.visit_bool(array.value(row)),
            Cell::Number(number, _) => match number(row) {
                JsonNumber::Unsigned(value) => visitor.visit_u64(value),
                JsonNumber::Signed(value) => visitor.visit_i64(value),
                JsonNumber::Float(value) if value.is_finite() => visitor.visit_f64(value),
                // Written as `null`.
                JsonNumber::Float(_) => visitor.visit_unit(),
            },
            Cell::Utf8(text) => visitor.visit_borrowed_str(text.get(row).map_err(RowError::Unreadable)?),
            Cell::JsonText(text, column) => json_text(text.get(row).map_err(RowError::Unreadable)?, column, visitor),
            Cell::List(_, offsets, items) => visitor.visit_seq(Items { items, rows: offsets.range(row) }),
            Cell::Struct(_, fields) => visitor.visit_map(Fields { fields, row, next: 0 }),
            Cell::Map(_, offsets, keys, values) => {
                visitor.visit_map(Entries { keys, values, entries: offsets[row] as usize..offsets[row + 1] as usize })
            }
            Cell::Dictionary(_, index, values) => CellValue { cell: values, row: index(row) }.deserialize_any(visitor),
        }
    }

    every_type_as_any!();
}

/// The value whose JSON text `text` is (a cell of the structured column `column`), its
/// strings borrowed from the text; `null` when the text is blank.
fn json_text<'de, V: Visitor<'de>>(text: &'de str, column: &str, visitor: V) -> Result<V::Value, RowError> {
    if text.trim().is_empty() {
        return visitor.visit_unit();
    }
    let mut json = serde_json::Deserializer::from_str(text);
    let value = json.deserialize_any(visitor).and_then(|value| json.end().map(|()| value));
    value.map_err(|error| {
        if error.is_data() {
            RowError::RepeatedKey(error_text(&error))
        } else {
            RowError::Unreadable(NotJson { column: column.to_owned(), reason: error.to_string() }.to_string())
        }
    })
}

/// The items of a list's row.
struct Items<'c, 'de> {
    items: &'c Cell<'de>,
    rows: std::ops::Range<usize>,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = RowError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, RowError> {
        self.rows.next().map(|row| seed.deserialize(CellValue { cell: self.items, row })).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.rows.len())
    }
}

/// The fields of a struct's row, or the columns of a row.
struct Fields<'c, 'de> {
    fields: &'c [Named<'de>],
    row: usize,
    next: usize,
}

impl<'de> MapAccess<'de> for Fields<'_, 'de> {
    type Error = RowError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, RowError> {
        let Some(field) = self.fields.get(self.next) else { return Ok(None) };
        seed.deserialize(BorrowedStrDeserializer::new(field.name)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, RowError> {
        let field = &self.fields[self.next];
        self.next += 1;
        seed.deserialize(CellValue { cell: &field.cell, row: self.row })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len() - self.next)
    }
}

/// The entries of a map's row.
struct Entries<'c, 'de> {
    keys: &'c Cell<'de>,
    values: &'c Cell<'de>,
    entries: std::ops::Range<usize>,
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = RowError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, RowError> {
        let Some(entry) = self.entries.clone().next() else { return Ok(None) };
        seed.deserialize(MapKey(CellValue { cell: self.keys, row: entry })).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, RowError> {
        let entry = self.entries.next().unwrap_or_default();
        seed.deserialize(CellValue { cell: self.values, row: entry })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A map's key: its text, or the JSON of a key of another type (as it is written).
struct MapKey<'c, 'de>(CellValue<'c, 'de>);

impl<'de> Deserializer<'de> for MapKey<'_, 'de> {
    type Error = RowError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        let Self(key) = self;
        let CellValue { cell, row } = key;
        match cell {
            Cell::Dictionary(_, index, values) => {
                MapKey(CellValue { cell: values, row: index(row) }).deserialize_any(visitor)
            }
            Cell::Utf8(text) if !cell.is_null(row) => {
                visitor.visit_borrowed_str(text.get(row).map_err(RowError::Unreadable)?)
            }
            _ => {
                let mut json = Vec::new();
                cell.write(row, &mut json).map_err(RowError::Unreadable)?;
                visitor.visit_string(String::from_utf8_lossy(&json).into_owned())
            }
        }
    }

    every_type_as_any!();
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{Int64Builder, MapBuilder, StringBuilder};
    use arrow_array::types::Int32Type;
    use arrow_array::{
        ArrayRef, BinaryArray, BooleanArray, Decimal128Array, DictionaryArray, Float32Array, Float64Array, Int8Array,
        LargeStringArray, ListArray, RecordBatch, StringArray, StringViewArray, StructArray, UInt64Array,
    };
    use arrow_schema::{DataType, Field, Fields, Schema};

    use super::*;
    use crate::dataset::format::json::{RawRecord, Slot};

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    /// Every row of `batch` read as a JSON value is the value of its JSON line.
    fn read_as_written(batch: &RecordBatch) -> Vec<serde_json::Value> {
        let rows = Rows::new(batch);
        let values: Vec<(serde_json::Value, usize)> = (0..batch.num_rows())
            .map(|row| {
                let mut line = Vec::new();
                rows.write(row, &mut line).unwrap();
                let written: serde_json::Value = serde_json::from_slice(&line).unwrap();
                let read: serde_json::Value = rows.read(row).unwrap();
                assert_eq!(read, written, "row {row}");
                assert!(rows.json_bytes_bound(row..row + 1) >= line.len() - 1, "row {row}");
                (read, line.len() - 1)
            })
            .collect();
        let all_lines = values.iter().map(|(_, bytes)| bytes).sum::<usize>();
        assert!(rows.json_bytes_bound(0..batch.num_rows()) >= all_lines, "all rows together");
        values.into_iter().map(|(read, _)| read).collect()
    }

    #[test]
    fn rows_read_as_the_values_of_their_json_lines() {
        let messages =
            ListArray::from_iter_primitive::<Int32Type, _, _>([Some(vec![Some(1), None]), None, Some(vec![])]);
        let roles = StructArray::from(vec![
            (
                Arc::new(Field::new("role", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec!["user", "a\"b", "c\n"])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("weight", DataType::Float64, true)),
                Arc::new(Float64Array::from(vec![1.5, f64::NAN, -0.0])) as ArrayRef,
            ),
        ]);
        let mut map = MapBuilder::new(None, Int64Builder::new(), StringBuilder::new());
        for (key, value) in [(1, "one"), (-2, "minus two")] {
            map.keys().append_value(key);
            map.values().append_value(value);
            map.append(true).unwrap();
        }
        map.append(false).unwrap();
        let dictionary: DictionaryArray<Int32Type> = vec!["train", "validation", "train"].into_iter().collect();
        let values = read_as_written(&batch(vec![
            ("text", Arc::new(StringArray::from(vec![Some("plain"), None, Some("tab\t\u{1}é 🙂")]))),
            ("large", Arc::new(LargeStringArray::from(vec!["x", "", "y"]))),
            ("view", Arc::new(StringViewArray::from(vec!["a view longer than twelve bytes", "v", ""]))),
            ("bytes", Arc::new(BinaryArray::from_vec(vec![b"ok", b"", b"\xc3\xa9"]))),
            ("flag", Arc::new(BooleanArray::from(vec![Some(true), Some(false), None]))),
            ("small", Arc::new(Int8Array::from(vec![-1, 0, 127]))),
            ("big", Arc::new(UInt64Array::from(vec![u64::MAX, 0, 7]))),
            ("float", Arc::new(Float32Array::from(vec![0.1, f32::INFINITY, 3.0]))),
            ("numbers", Arc::new(messages)),
            ("structs", Arc::new(roles)),
            ("map", Arc::new(map.finish())),
            ("split", Arc::new(dictionary)),
        ]));
        assert_eq!(values[0]["big"], serde_json::json!(u64::MAX));
        assert_eq!(values[1]["float"], serde_json::Value::Null, "infinity is null, as in JSON");
        assert_eq!(values[0]["map"], serde_json::json!({"1": "one"}));
        assert_eq!(values[2]["split"], "train");
    }

    #[test]
    fn a_structured_string_column_is_read_as_the_json_it_holds() {
        let json =
            StringArray::from(vec![r#"[{"role": "user", "content": "hi \"there\""}]"#, "[{\"role\": user}]", "[] x"]);
        let batch = batch(vec![("messages", Arc::new(json) as ArrayRef)]);
        let rows = Rows::new(&batch);
        let value: serde_json::Value = rows.read(0).unwrap();
        assert_eq!(value, serde_json::json!({"messages": [{"role": "user", "content": "hi \"there\""}]}));
        for row in [1, 2] {
            let Err(RowError::Unreadable(message)) = rows.read::<serde_json::Value>(row) else { panic!("row {row}") };
            assert!(message.starts_with("column `messages` is not valid JSON ("), "{message}");
        }
    }

    #[test]
    fn cells_that_are_no_json_value_and_repeated_keys_are_row_errors() {
        let decimal = Decimal128Array::from(vec![1_i128]).with_precision_and_scale(10, 2).unwrap();
        let decimals = batch(vec![("prompt", Arc::new(decimal) as ArrayRef)]);
        let error = Rows::new(&decimals).read::<serde_json::Value>(0).unwrap_err();
        assert!(matches!(&error, RowError::Unreadable(message) if message.contains("Decimal128(10, 2)")), "{error}");

        let binary = batch_of_binary(b"\xff");
        let error = Rows::new(&binary).read::<serde_json::Value>(0).unwrap_err();
        assert_eq!(error, RowError::Unreadable("a binary cell that is not UTF-8 text".to_owned()));

        let text: ArrayRef = Arc::new(StringArray::from(vec!["a"]));
        let schema = Schema::new(Fields::from(vec![Field::new("text", DataType::Utf8, true); 2]));
        let repeated = RecordBatch::try_new(Arc::new(schema), vec![text.clone(), text]).unwrap();
        let error = Rows::new(&repeated).read::<Slot<RawRecord<'_>>>(0).unwrap_err();
        assert!(matches!(&error, RowError::RepeatedKey(message) if message.contains("`text`")), "{error}");

        let json = StringArray::from(vec![r#"[{"role": "user", "role": "assistant", "content": "x"}]"#]);
        let batch = batch(vec![("messages", Arc::new(json) as ArrayRef)]);
        let error = Rows::new(&batch).read::<Slot<RawRecord<'_>>>(0).unwrap_err();
        assert!(matches!(error, RowError::RepeatedKey(_)), "{error}");
        assert!(error.to_string().starts_with("the record repeats a key: "), "{error}");
    }

    fn batch_of_binary(bytes: &[u8]) -> RecordBatch {
        batch(vec![("prompt", Arc::new(BinaryArray::from_vec(vec![bytes])) as ArrayRef)])
    }

    #[test]
    fn a_row_names_its_columns_as_its_keys() {
        let batch = batch(vec![
            ("text", Arc::new(StringArray::from(vec!["doc"])) as ArrayRef),
            ("url", Arc::new(StringArray::from(vec!["https://example.com"])) as ArrayRef),
        ]);
        let rows = Rows::new(&batch);
        let json = RowJson { rows: &rows, row: 0 };
        assert_eq!(json.keys(), 2);
        assert_eq!(json.json().unwrap(), r#"{"text":"doc","url":"https://example.com"}"#);
    }
}
