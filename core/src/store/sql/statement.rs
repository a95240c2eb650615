//! A statement and its arguments, independent of the backend that runs it.
//!
//! The SQL text is written once for both backends (`$1` placeholders work in both); each
//! [`Value`] carries its kind even when it is NULL, so PostgreSQL gets a typed parameter and
//! each backend encodes the value its own way (see `store/sqlite` and `store/postgres`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::model::{Money, Timestamp};
use crate::store::StoreError;

/// One argument of a statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Time(Option<Timestamp>),
    Money(Option<Decimal>),
    Json(Option<serde_json::Value>),
    Date(Option<NaiveDate>),
}

/// SQL text and its arguments.
///
/// The text is built only inside the store, from fixed fragments (table and column names
/// chosen by `match`, placeholders); every value a caller gives is an argument. This is the
/// audit behind the `AssertSqlSafe` of the drivers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub(crate) sql: String,
    pub(crate) args: Vec<Value>,
}

impl Statement {
    /// A statement of fixed text; its arguments follow with [`Statement::bind`].
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        Self { sql: sql.into(), args: Vec::new() }
    }

    /// Adds the next argument (`$1`, `$2`, ... in order).
    pub(crate) fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Adds an argument and returns its placeholder, for text built piece by piece.
    pub(crate) fn arg(&mut self, value: impl Into<Value>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    /// Appends text.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends `(p1, p2, ...)` with one placeholder per value.
    pub(crate) fn push_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        let placeholders: Vec<String> = values.into_iter().map(|value| self.arg(value)).collect();
        self.sql.push('(');
        self.sql.push_str(&placeholders.join(", "));
        self.sql.push(')');
        self
    }
}

/// A count as a database integer; counts above `i64::MAX` cannot be stored.
pub(crate) fn count(field: &'static str, value: u64) -> Result<Value, StoreError> {
    i64::try_from(value)
        .map(|v| Value::Int(Some(v)))
        .map_err(|_| StoreError::InvalidInput { field, message: format!("{value} is larger than {}", i64::MAX) })
}

/// A model value as a JSON argument; `None` (JSON `null`) is SQL NULL.
pub(crate) fn json(field: &'static str, value: &impl serde::Serialize) -> Result<Value, StoreError> {
    serde_json::to_value(value)
        .map(|json| Value::Json(Some(json).filter(|json| !json.is_null())))
        .map_err(|err| StoreError::InvalidInput { field, message: err.to_string() })
}

macro_rules! value_from {
    ($($ty:ty => $variant:ident),+ $(,)?) => {
        $(
            impl From<$ty> for Value {
                fn from(value: $ty) -> Self {
                    Value::$variant(Some(value))
                }
            }

            impl From<Option<$ty>> for Value {
                fn from(value: Option<$ty>) -> Self {
                    Value::$variant(value)
                }
            }
        )+
    };
}

value_from! {
    Uuid => Uuid,
    String => Text,
    i64 => Int,
    f64 => Real,
    bool => Bool,
    Timestamp => Time,
    serde_json::Value => Json,
    NaiveDate => Date,
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Value::Int(Some(i64::from(value)))
    }
}

impl From<Money> for Value {
    fn from(value: Money) -> Self {
        Value::Money(Some(value.amount()))
    }
}

impl From<Option<Money>> for Value {
    fn from(value: Option<Money>) -> Self {
        Value::Money(value.map(|money| money.amount()))
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(Some(value.to_owned()))
    }
}

impl From<Option<&str>> for Value {
    fn from(value: Option<&str>) -> Self {
        Value::Text(value.map(str::to_owned))
    }
}

/// Typed ids are stored as their UUID.
macro_rules! id_value {
    ($($id:ty),+) => {
        $(
            impl From<$id> for Value {
                fn from(id: $id) -> Self {
                    Value::Uuid(Some(*id.as_uuid()))
                }
            }

            impl From<Option<$id>> for Value {
                fn from(id: Option<$id>) -> Self {
                    Value::Uuid(id.map(|id| *id.as_uuid()))
                }
            }
        )+
    };
}

id_value!(
    crate::model::UserId,
    crate::model::DatasetId,
    crate::model::JobId,
    crate::model::ArtifactId,
    crate::model::CostRecordId,
    crate::model::NotificationId
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::JobId;

    #[test]
    fn placeholders_follow_the_arguments() {
        let mut statement = Statement::new("SELECT * FROM t WHERE a = $1").bind("x");
        let next = statement.arg(3_i64);
        statement.push(" AND b = ").push(&next).push(" AND c IN ");
        statement.push_list(["p", "q"]);
        assert_eq!(statement.sql, "SELECT * FROM t WHERE a = $1 AND b = $2 AND c IN ($3, $4)");
        assert_eq!(statement.args.len(), 4);
    }

    #[test]
    fn nulls_keep_their_kind() {
        assert_eq!(Value::from(None::<JobId>), Value::Uuid(None));
        assert_eq!(Value::from(None::<Money>), Value::Money(None));
        assert_eq!(Value::from(7_u32), Value::Int(Some(7)));
    }

    #[test]
    fn counts_beyond_i64_are_refused() {
        assert_eq!(count("file_size", 5).unwrap(), Value::Int(Some(5)));
        assert_eq!(crate::ErrorCode::code(&count("file_size", u64::MAX).unwrap_err()), "invalid_input");
    }
}
