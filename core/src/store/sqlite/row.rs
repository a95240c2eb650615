//! Decoding SQLite columns: the text forms of ids, times, money, JSON and dates.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use crate::model::{Money, Timestamp};
use crate::store::StoreError;
use crate::store::sql::rows::RowExt;

fn get<T>(row: &SqliteRow, column: &str) -> Result<Option<T>, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get::<Option<T>, _>(column).map_err(|err| StoreError::corrupt(column, err))
}

/// A text column parsed by `parse`.
fn parsed<T, E: std::fmt::Display>(
    row: &SqliteRow,
    column: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    get::<String>(row, column)?.map(|text| parse(&text).map_err(|err| StoreError::corrupt(column, err))).transpose()
}

impl RowExt for SqliteRow {
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        parsed(self, column, Uuid::parse_str)
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        get(self, column)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        get(self, column)
    }

    fn opt_real(&self, column: &str) -> Result<Option<f64>, StoreError> {
        get(self, column)
    }

    fn opt_bool(&self, column: &str) -> Result<Option<bool>, StoreError> {
        get(self, column)
    }

    fn opt_time(&self, column: &str) -> Result<Option<Timestamp>, StoreError> {
        parsed(self, column, |text| {
            DateTime::parse_from_rfc3339(text).map(|time| Timestamp::from_datetime(time.to_utc()))
        })
    }

    fn opt_money(&self, column: &str) -> Result<Option<Money>, StoreError> {
        parsed(self, column, |text| Decimal::from_str_exact(text).map(Money::new))
    }

    fn opt_json(&self, column: &str) -> Result<Option<serde_json::Value>, StoreError> {
        parsed(self, column, |text| serde_json::from_str(text))
    }

    fn opt_date(&self, column: &str) -> Result<Option<NaiveDate>, StoreError> {
        parsed(self, column, NaiveDate::from_str)
    }
}
