//! Decoding PostgreSQL columns: native types throughout.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::model::{Money, Timestamp};
use crate::store::StoreError;
use crate::store::sql::rows::RowExt;

fn get<T>(row: &PgRow, column: &str) -> Result<Option<T>, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get::<Option<T>, _>(column).map_err(|err| StoreError::corrupt(column, err))
}

impl RowExt for PgRow {
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        get(self, column)
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
        Ok(get::<DateTime<Utc>>(self, column)?.map(Timestamp::from_datetime))
    }

    fn opt_money(&self, column: &str) -> Result<Option<Money>, StoreError> {
        Ok(get::<Decimal>(self, column)?.map(Money::new))
    }

    fn opt_json(&self, column: &str) -> Result<Option<serde_json::Value>, StoreError> {
        get(self, column)
    }

    fn opt_date(&self, column: &str) -> Result<Option<NaiveDate>, StoreError> {
        get(self, column)
    }
}
