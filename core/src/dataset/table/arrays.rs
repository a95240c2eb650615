//! Arrow record batches (Parquet decoded, or Arrow IPC) as records, a row a record, straight
//! from the arrays: every column by name, nulls as `null`, lists as arrays, structs and maps
//! as objects, and a string of a structured column (see [`super::cells`]) as the JSON it
//! holds. A row is read as a record without JSON text ([`super::records`]); it is written
//! as a JSON line only where a message quotes it or its length must be known.
//!
//! Dates, times, timestamps and durations are the numbers Arrow stores (no dataset format
//! reads them); binary cells are text when they are UTF-8. A cell of any other type
//! (decimals, intervals, unions), or binary that is not UTF-8, rejects its row.

use std::ops::Range;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use arrow_schema::{DataType, Fields};

use super::cells::{CellKind, write_json_text, write_string};

/// A column or a struct's field: its name, its JSON key (`"name":`) and its cells.
pub(crate) struct Named<'a> {
    pub name: &'a str,
    key: Vec<u8>,
    pub cell: Cell<'a>,
}

impl<'a> Named<'a> {
    fn new(name: &'a str, cell: Cell<'a>) -> Self {
        let mut key = Vec::with_capacity(name.len() + 3);
        write_string(name, &mut key);
        key.push(b':');
        Self { name, key, cell }
    }
}

/// The fields of a struct array, by name.
fn named_fields<'a>(fields: &'a Fields, columns: &'a [ArrayRef]) -> Vec<Named<'a>> {
    fields.iter().zip(columns).map(|(field, child)| Named::new(field.name(), Cell::of(child))).collect()
}

/// A batch ready to be written row by row.
pub(crate) struct Rows<'a> {
    pub columns: Vec<Named<'a>>,
}

impl<'a> Rows<'a> {
    /// The rows of `batch`.
    pub fn new(batch: &'a RecordBatch) -> Self {
        let columns = batch
            .schema_ref()
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, array)| {
                let cell = match CellKind::of(field.name()) {
                    CellKind::Structured => Cell::of_structured(array, field.name()),
                    _ => Cell::of(array),
                };
                Named::new(field.name(), cell)
            })
            .collect();
        Self { columns }
    }

    /// A bound on the bytes of the rows `rows` as JSON lines, all together: their text and
    /// keys, escaped as JSON escapes at most (6 bytes for one), and room for every number.
    /// One bound for a whole piece says at once that none of its rows can be a long line.
    pub fn json_bytes_bound(&self, rows: Range<usize>) -> usize {
        let count = rows.len();
        let columns: usize = self
            .columns
            .iter()
            .map(|column| 6 * column.key.len() * count + column.cell.bytes_bound(rows.clone()))
            .sum();
        columns + 3 * count
    }

    /// Appends row `row` as a JSON line (with its newline), or says why it cannot be one.
    pub fn write(&self, row: usize, out: &mut Vec<u8>) -> Result<(), String> {
        out.push(b'{');
        for (index, column) in self.columns.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&column.key);
            column.cell.write(row, out)?;
        }
        out.extend_from_slice(b"}\n");
        Ok(())
    }
}

/// A number of a cell, as JSON reads it: whole numbers as unsigned when they are not
/// negative, as signed when they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum JsonNumber {
    Unsigned(u64),
    Signed(i64),
    /// Not finite: `null` in JSON.
    Float(f64),
}

impl JsonNumber {
    fn of_signed(value: i64) -> Self {
        u64::try_from(value).map_or(JsonNumber::Signed(value), JsonNumber::Unsigned)
    }

    /// Appends its JSON (`null` for a float that is not finite).
    fn write(self, out: &mut Vec<u8>) {
        // Writing to a Vec cannot fail.
        let _ = match self {
            JsonNumber::Unsigned(value) => serde_json::to_writer(out, &value),
            JsonNumber::Signed(value) => serde_json::to_writer(out, &value),
            JsonNumber::Float(value) => serde_json::to_writer(out, &value),
        };
    }
}

/// The number of a row.
type ReadNumber<'a> = Box<dyn Fn(usize) -> JsonNumber + 'a>;

/// The values of one array, downcast once per batch.
pub(crate) enum Cell<'a> {
    Null,
    Boolean(&'a arrow_array::BooleanArray),
    Number(ReadNumber<'a>, &'a dyn Array),
    Utf8(Text<'a>),
    /// A string of a structured column: the JSON it holds.
    JsonText(Text<'a>, &'a str),
    List(&'a dyn Array, ListOffsets<'a>, Box<Cell<'a>>),
    Struct(&'a dyn Array, Vec<Named<'a>>),
    /// Map entries: (keys, values) of the entries' struct.
    Map(&'a dyn Array, &'a [i32], Box<Cell<'a>>, Box<Cell<'a>>),
    /// A dictionary: the index of each row's value, and the values.
    Dictionary(&'a dyn Array, Box<dyn Fn(usize) -> usize + 'a>, Box<Cell<'a>>),
    Unsupported(String),
}

/// The strings of a string array, or the bytes of a binary array read as text.
pub(crate) struct Text<'a> {
    array: &'a dyn Array,
    value: Box<dyn Fn(usize) -> Result<&'a str, String> + 'a>,
    bytes: Box<dyn Fn(usize) -> usize + 'a>,
}

impl<'a> Text<'a> {
    /// The strings of `array` (Arrow string arrays hold UTF-8: nothing is checked again).
    fn strings(array: &'a dyn Array, value: impl Fn(usize) -> &'a str + Copy + 'a) -> Self {
        Self { array, value: Box::new(move |row| Ok(value(row))), bytes: Box::new(move |row| value(row).len()) }
    }

    /// The bytes of `array`, as text when they are UTF-8.
    fn binary(array: &'a dyn Array, value: impl Fn(usize) -> &'a [u8] + Copy + 'a) -> Self {
        let text = move |row| {
            simdutf8::basic::from_utf8(value(row)).map_err(|_| "a binary cell that is not UTF-8 text".to_owned())
        };
        Self { array, value: Box::new(text), bytes: Box::new(move |row| value(row).len()) }
    }

    /// The text of row `row`, or why it has none.
    pub fn get(&self, row: usize) -> Result<&'a str, String> {
        (self.value)(row)
    }

    /// The bytes of row `row`.
    fn len(&self, row: usize) -> usize {
        (self.bytes)(row)
    }
}

/// Where each row's items start and end in a list's values.
pub(crate) enum ListOffsets<'a> {
    Small(&'a [i32]),
    Large(&'a [i64]),
    Fixed(usize),
}

impl ListOffsets<'_> {
    /// The items of row `row`.
    pub fn range(&self, row: usize) -> Range<usize> {
        self.span(row..row + 1)
    }

    /// The items of the rows `rows`, from the first item of the first to the last of the last.
    fn span(&self, rows: Range<usize>) -> Range<usize> {
        match self {
            ListOffsets::Small(offsets) => offsets[rows.start] as usize..offsets[rows.end] as usize,
            ListOffsets::Large(offsets) => offsets[rows.start] as usize..offsets[rows.end] as usize,
            ListOffsets::Fixed(size) => rows.start * size..rows.end * size,
        }
    }
}

/// The numbers of an integer array.
fn integers<T: ArrowPrimitiveType>(array: &dyn Array) -> ReadNumber<'_>
where
    T::Native: Into<i64>,
{
    let values = array.as_primitive::<T>().values();
    Box::new(move |row| JsonNumber::of_signed(values[row].into()))
}

/// The numbers of a float array.
fn floats<T: ArrowPrimitiveType>(array: &dyn Array) -> ReadNumber<'_>
where
    T::Native: Into<f64>,
{
    let values = array.as_primitive::<T>().values();
    Box::new(move |row| JsonNumber::Float(values[row].into()))
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
            DataType::Int8 => Cell::Number(integers::<Int8Type>(any), any),
            DataType::Int16 => Cell::Number(integers::<Int16Type>(any), any),
            DataType::Int32 => Cell::Number(integers::<Int32Type>(any), any),
            DataType::Int64 => Cell::Number(integers::<Int64Type>(any), any),
            DataType::UInt8 => Cell::Number(integers::<UInt8Type>(any), any),
            DataType::UInt16 => Cell::Number(integers::<UInt16Type>(any), any),
            DataType::UInt32 => Cell::Number(integers::<UInt32Type>(any), any),
            DataType::UInt64 => {
                let values = array.as_primitive::<UInt64Type>().values();
                Cell::Number(Box::new(move |row| JsonNumber::Unsigned(values[row])), any)
            }
            DataType::Float16 => {
                let values = array.as_primitive::<Float16Type>().values();
                Cell::Number(Box::new(move |row| JsonNumber::Float(f64::from(values[row].to_f32()))), any)
            }
            DataType::Float32 => Cell::Number(floats::<Float32Type>(any), any),
            DataType::Float64 => Cell::Number(floats::<Float64Type>(any), any),
            DataType::Date32 | DataType::Time32(_) => Cell::Number(integers::<Int32Type>(any), any),
            DataType::Date64 | DataType::Time64(_) | DataType::Timestamp(..) | DataType::Duration(_) => {
                Cell::Number(integers::<Int64Type>(any), any)
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
            DataType::Struct(fields) => Cell::Struct(any, named_fields(fields, array.as_struct().columns())),
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
    pub fn array(&self) -> Option<&'a dyn Array> {
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

    /// Whether row `row`'s value is null (a cell of no type is null).
    pub fn is_null(&self, row: usize) -> bool {
        self.array().is_none_or(|array| array.is_null(row))
    }

    /// A bound on the bytes of the values of the rows `rows` as JSON, all together (see
    /// [`Rows::json_bytes_bound`]).
    fn bytes_bound(&self, rows: Range<usize>) -> usize {
        /// The most bytes of a number, `true`, `false` or `null` in JSON: room every row has.
        const SCALAR: usize = 32;
        let count = rows.len();
        let values = match self {
            Cell::Null | Cell::Unsupported(_) | Cell::Boolean(_) | Cell::Number(..) => 0,
            Cell::Utf8(text) | Cell::JsonText(text, _) => {
                rows.filter(|&row| !self.is_null(row)).map(|row| 6 * text.len(row) + 2).sum()
            }
            Cell::List(_, offsets, items) => {
                let items_of_rows = offsets.span(rows);
                items_of_rows.len() + items.bytes_bound(items_of_rows) + 2 * count
            }
            Cell::Struct(_, fields) => {
                let keys = fields.iter().map(|field| 6 * field.key.len() + 1).sum::<usize>();
                fields.iter().map(|field| field.cell.bytes_bound(rows.clone())).sum::<usize>() + (keys + 2) * count
            }
            Cell::Map(_, offsets, keys, values) => {
                let entries = offsets[rows.start] as usize..offsets[rows.end] as usize;
                keys.bytes_bound(entries.clone()) + values.bytes_bound(entries.clone()) + 2 * entries.len() + 2 * count
            }
            Cell::Dictionary(_, index, values) => {
                rows.filter(|&row| !self.is_null(row)).map(|row| values.bytes_bound(index(row)..index(row) + 1)).sum()
            }
        };
        SCALAR * count + values
    }

    /// Appends the JSON of row `row`'s value, or says why it has none.
    pub fn write(&self, row: usize, out: &mut Vec<u8>) -> Result<(), String> {
        match self {
            Cell::Unsupported(what) => return Err(format!("a cell of type {what}, which no dataset format reads")),
            Cell::Null => out.extend_from_slice(b"null"),
            _ if self.is_null(row) => out.extend_from_slice(b"null"),
            Cell::Boolean(array) => out.extend_from_slice(if array.value(row) { b"true" } else { b"false" }),
            Cell::Number(number, _) => number(row).write(out),
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
                for (index, field) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(&field.key);
                    field.cell.write(row, out)?;
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
