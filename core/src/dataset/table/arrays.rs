//! Arrow record batches (Parquet decoded, or Arrow IPC) written as JSON lines, a row a line,
//! straight from the arrays: every column by name, nulls as `null`, lists as arrays,
//! structs and maps as objects, and a string of a structured column (see [`super::cells`])
//! as the JSON it holds.
//!
//! Dates, times, timestamps and durations are written as the numbers Arrow stores (no
//! dataset format reads them); binary cells as text when they are UTF-8. A cell of any
//! other type (decimals, intervals, unions), or binary that is not UTF-8, rejects its row.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use arrow_schema::{DataType, Schema};

use super::RowRejection;
use super::cells::{CellKind, write_json_text, write_string};
use crate::dataset::codes::RuleCode;

/// The JSON keys (`"name":`) of a schema's top-level columns.
pub(crate) fn column_keys(schema: &Schema) -> Vec<Vec<u8>> {
    schema.fields().iter().map(|field| key(field.name())).collect()
}

/// `"name":` of a column or field.
fn key(name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + 3);
    write_string(name, &mut key);
    key.push(b':');
    key
}

/// A batch ready to be written row by row.
pub(crate) struct Rows<'a> {
    columns: Vec<(&'a [u8], Cell<'a>)>,
}

impl<'a> Rows<'a> {
    /// The rows of `batch`, whose columns' keys are `keys` (from [`column_keys`]).
    pub fn new(batch: &'a RecordBatch, keys: &'a [Vec<u8>]) -> Self {
        let schema = batch.schema_ref();
        let columns = keys
            .iter()
            .zip(batch.columns())
            .zip(schema.fields())
            .map(|((key, array), field)| {
                let cell = match CellKind::of(field.name()) {
                    CellKind::Structured => Cell::of_structured(array, field.name()),
                    _ => Cell::of(array),
                };
                (key.as_slice(), cell)
            })
            .collect();
        Self { columns }
    }

    /// Appends row `row` as a JSON line (with its newline), or says why it cannot be one.
    pub fn write(&self, row: usize, out: &mut Vec<u8>) -> Result<(), RowRejection> {
        out.push(b'{');
        for (index, (key, cell)) in self.columns.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key);
            cell.write(row, out).map_err(|message| (RuleCode::MalformedRow, message))?;
        }
        out.extend_from_slice(b"}\n");
        Ok(())
    }
}

/// Appends the JSON number of a row.
type WriteNumber<'a> = Box<dyn Fn(usize, &mut Vec<u8>) + 'a>;

/// How the values of one array are written: the array downcast once per batch.
enum Cell<'a> {
    Null,
    Boolean(&'a arrow_array::BooleanArray),
    Number(WriteNumber<'a>, &'a dyn Array),
    Utf8(Text<'a>),
    /// A string of a structured column: the JSON it holds.
    JsonText(Text<'a>, &'a str),
    List(&'a dyn Array, ListOffsets<'a>, Box<Cell<'a>>),
    Struct(&'a dyn Array, Vec<(Vec<u8>, Cell<'a>)>),
    /// Map entries: (keys, values) of the entries' struct.
    Map(&'a dyn Array, &'a [i32], Box<Cell<'a>>, Box<Cell<'a>>),
    /// A dictionary: the index of each row's value, and the values.
    Dictionary(&'a dyn Array, Box<dyn Fn(usize) -> usize + 'a>, Box<Cell<'a>>),
    Unsupported(String),
}

/// The strings of a string array, or the bytes of a binary array read as text.
struct Text<'a> {
    array: &'a dyn Array,
    value: Box<dyn Fn(usize) -> Result<&'a str, String> + 'a>,
}

impl<'a> Text<'a> {
    /// The strings of `array` (Arrow string arrays hold UTF-8: nothing is checked again).
    fn strings(array: &'a dyn Array, value: impl Fn(usize) -> &'a str + 'a) -> Self {
        Self { array, value: Box::new(move |row| Ok(value(row))) }
    }

    /// The bytes of `array`, as text when they are UTF-8.
    fn binary(array: &'a dyn Array, value: impl Fn(usize) -> &'a [u8] + 'a) -> Self {
        let text =
            move |row| std::str::from_utf8(value(row)).map_err(|_| "a binary cell that is not UTF-8 text".to_owned());
        Self { array, value: Box::new(text) }
    }

    fn get(&self, row: usize) -> Result<&'a str, String> {
        (self.value)(row)
    }
}

/// Where each row's items start and end in a list's values.
enum ListOffsets<'a> {
    Small(&'a [i32]),
    Large(&'a [i64]),
    Fixed(usize),
}

impl ListOffsets<'_> {
    fn range(&self, row: usize) -> std::ops::Range<usize> {
        match self {
            ListOffsets::Small(offsets) => offsets[row] as usize..offsets[row + 1] as usize,
            ListOffsets::Large(offsets) => offsets[row] as usize..offsets[row + 1] as usize,
            ListOffsets::Fixed(size) => row * size..(row + 1) * size,
        }
    }
}

fn numbers<T: ArrowPrimitiveType>(array: &dyn Array) -> WriteNumber<'_>
where
    T::Native: serde::Serialize,
{
    let values = array.as_primitive::<T>().values();
    // Writing to a Vec cannot fail; a float that is not finite is written as `null`.
    Box::new(move |row, out| {
        let _ = serde_json::to_writer(out, &values[row]);
    })
}

impl<'a> Cell<'a> {
    /// A top-level cell of a structured column: strings hold JSON text.
    fn of_structured(array: &'a ArrayRef, column: &'a str) -> Self {
        match Self::of(array) {
            Cell::Utf8(text) => Cell::JsonText(text, column),
            other => other,
        }
    }

    fn of(array: &'a ArrayRef) -> Self {
        let any: &'a dyn Array = array.as_ref();
        match array.data_type() {
            DataType::Null => Cell::Null,
            DataType::Boolean => Cell::Boolean(array.as_boolean()),
            DataType::Int8 => Cell::Number(numbers::<Int8Type>(any), any),
            DataType::Int16 => Cell::Number(numbers::<Int16Type>(any), any),
            DataType::Int32 => Cell::Number(numbers::<Int32Type>(any), any),
            DataType::Int64 => Cell::Number(numbers::<Int64Type>(any), any),
            DataType::UInt8 => Cell::Number(numbers::<UInt8Type>(any), any),
            DataType::UInt16 => Cell::Number(numbers::<UInt16Type>(any), any),
            DataType::UInt32 => Cell::Number(numbers::<UInt32Type>(any), any),
            DataType::UInt64 => Cell::Number(numbers::<UInt64Type>(any), any),
            DataType::Float16 => {
                let values = array.as_primitive::<Float16Type>().values();
                Cell::Number(
                    Box::new(move |row, out| {
                        let _ = serde_json::to_writer(out, &f64::from(values[row].to_f32()));
                    }),
                    any,
                )
            }
            DataType::Float32 => {
                let values = array.as_primitive::<Float32Type>().values();
                Cell::Number(
                    Box::new(move |row, out| {
                        let _ = serde_json::to_writer(out, &f64::from(values[row]));
                    }),
                    any,
                )
            }
            DataType::Float64 => Cell::Number(numbers::<Float64Type>(any), any),
            DataType::Date32 | DataType::Time32(_) => Cell::Number(numbers::<Int32Type>(any), any),
            DataType::Date64 | DataType::Time64(_) | DataType::Timestamp(..) | DataType::Duration(_) => {
                Cell::Number(numbers::<Int64Type>(any), any)
            }
            DataType::Utf8 => {
                let strings = array.as_string::<i32>();
                Cell::Utf8(Text::strings(any, move |row| strings.value(row)))
            }
            DataType::LargeUtf8 => {
                let strings = array.as_string::<i64>();
                Cell::Utf8(Text::strings(any, move |row| strings.value(row)))
            }
            DataType::Utf8View => {
                let strings = array.as_string_view();
                Cell::Utf8(Text::strings(any, move |row| strings.value(row)))
            }
            DataType::Binary => {
                let bytes = array.as_binary::<i32>();
                Cell::Utf8(Text::binary(any, move |row| bytes.value(row)))
            }
            DataType::LargeBinary => {
                let bytes = array.as_binary::<i64>();
                Cell::Utf8(Text::binary(any, move |row| bytes.value(row)))
            }
            DataType::BinaryView => {
                let bytes = array.as_binary_view();
                Cell::Utf8(Text::binary(any, move |row| bytes.value(row)))
            }
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                Cell::List(any, ListOffsets::Small(list.value_offsets()), Box::new(Cell::of(list.values())))
            }
            DataType::LargeList(_) => {
                let list = array.as_list::<i64>();
                Cell::List(any, ListOffsets::Large(list.value_offsets()), Box::new(Cell::of(list.values())))
            }
            DataType::FixedSizeList(_, size) => {
                let list = array.as_fixed_size_list();
                Cell::List(any, ListOffsets::Fixed(*size as usize), Box::new(Cell::of(list.values())))
            }
            DataType::Struct(fields) => {
                let columns = array.as_struct().columns();
                let children = fields.iter().zip(columns).map(|(field, child)| (key(field.name()), Cell::of(child)));
                Cell::Struct(any, children.collect())
            }
            DataType::Map(..) => {
                let map = array.as_map();
                Cell::Map(any, map.value_offsets(), Box::new(Cell::of(map.keys())), Box::new(Cell::of(map.values())))
            }
            DataType::Dictionary(..) => {
                let dictionary = array.as_any_dictionary();
                let keys = dictionary.normalized_keys();
                Cell::Dictionary(any, Box::new(move |row| keys[row]), Box::new(Cell::of(dictionary.values())))
            }
            other => Cell::Unsupported(other.to_string()),
        }
    }

    /// The array whose nulls this cell's rows have.
    fn array(&self) -> Option<&'a dyn Array> {
        match self {
            Cell::Null | Cell::Unsupported(_) => None,
            Cell::Boolean(array) => Some(*array),
            Cell::Number(_, array)
            | Cell::List(array, ..)
            | Cell::Struct(array, _)
            | Cell::Map(array, ..)
            | Cell::Dictionary(array, ..) => Some(*array),
            Cell::Utf8(text) | Cell::JsonText(text, _) => Some(text.array),
        }
    }

    /// Appends the JSON of row `row`'s value, or says why it has none.
    fn write(&self, row: usize, out: &mut Vec<u8>) -> Result<(), String> {
        if self.array().is_none_or(|array| array.is_null(row)) {
            if let Cell::Unsupported(what) = self {
                return Err(format!("a cell of type {what}, which no dataset format reads"));
            }
            out.extend_from_slice(b"null");
            return Ok(());
        }
        match self {
            Cell::Null | Cell::Unsupported(_) => unreachable!("handled above"),
            Cell::Boolean(array) => out.extend_from_slice(if array.value(row) { b"true" } else { b"false" }),
            Cell::Number(write, _) => write(row, out),
            Cell::Utf8(text) => write_string(text.get(row)?, out),
            Cell::JsonText(text, column) => {
                write_json_text(column, text.get(row)?, out).map_err(|not_json| not_json.to_string())?;
            }
            Cell::List(_, offsets, items) => {
                out.push(b'[');
                for (index, item) in offsets.range(row).enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    items.write(item, out)?;
                }
                out.push(b']');
            }
            Cell::Struct(_, fields) => {
                out.push(b'{');
                for (index, (key, field)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(key);
                    field.write(row, out)?;
                }
                out.push(b'}');
            }
            Cell::Map(_, offsets, keys, values) => {
                out.push(b'{');
                for (index, entry) in (offsets[row] as usize..offsets[row + 1] as usize).enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    // A key is written as a string; a key that is one already stays as it is.
                    let mark = out.len();
                    keys.write(entry, out)?;
                    if out.get(mark) != Some(&b'"') {
                        let written = String::from_utf8_lossy(&out[mark..]).into_owned();
                        out.truncate(mark);
                        write_string(&written, out);
                    }
                    out.push(b':');
                    values.write(entry, out)?;
                }
                out.push(b'}');
            }
            Cell::Dictionary(_, index, values) => values.write(index(row), out)?,
        }
        Ok(())
    }
}
