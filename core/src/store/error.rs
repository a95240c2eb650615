//! The errors of the database layer, each with a stable code.

use crate::error_code::{Code, ErrorCode};

/// A failed database operation.
///
/// Another user's row is reported exactly like a missing one ([`StoreError::NotFound`]): a
/// caller never learns that a row exists unless it owns it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist, was deleted, or belongs to another user.
    #[error("{entity} {id} was not found")]
    NotFound {
        /// What was looked for (`dataset`, `job`, ...).
        entity: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A conditional update found the row in another state than the one it requires: a job
    /// that already moved on, a lease that another orchestrator now holds.
    #[error("{entity} {id} changed under this operation: {reason}")]
    StaleState {
        /// The kind of row.
        entity: &'static str,
        /// Its id.
        id: String,
        /// What the row's state is now, for a person.
        reason: String,
    },
    /// An orchestrator's write to a row whose lease it no longer holds: another orchestrator
    /// took the row over (its lease had lapsed) or the row was released. Nothing was written;
    /// the writer must stop working on the row.
    #[error("{entity} {id} is no longer leased to `{holder}`: another orchestrator took it over")]
    LeaseLost {
        /// The kind of row.
        entity: &'static str,
        /// Its id.
        id: String,
        /// The holder that tried to write.
        holder: String,
    },
    /// A row with this id already exists.
    #[error("{entity} {id} already exists")]
    Conflict {
        /// The kind of row.
        entity: &'static str,
        /// Its id.
        id: String,
    },
    /// A value the caller passed cannot be stored (a count above `i64::MAX`, a page offset
    /// beyond the cap, a metrics point of another job, ...).
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The field or argument.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A PostgreSQL schema name that is not a plain lowercase identifier.
    #[error("`{0}` is not a valid schema name: use lowercase letters, digits and `_`, not starting with a digit")]
    InvalidSchemaName(String),
    /// A database URL that names no supported database or cannot be parsed.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// A stored value that does not decode into the model (edited by hand, or a newer
    /// version of BrightRun wrote it).
    #[error("corrupt value in column `{column}`: {message}")]
    CorruptRow {
        /// The column.
        column: String,
        /// Why it does not decode.
        message: String,
    },
    /// Applying the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The database refused or failed the statement, or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound { entity, id: id.to_string() }
    }

    pub(crate) fn corrupt(column: &str, message: impl ToString) -> Self {
        StoreError::CorruptRow { column: column.to_owned(), message: message.to_string() }
    }

    /// Turns a unique-key violation of an insert into [`StoreError::Conflict`].
    pub(crate) fn on_insert(self, entity: &'static str, id: impl ToString) -> Self {
        match &self {
            StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                StoreError::Conflict { entity, id: id.to_string() }
            }
            _ => self,
        }
    }
}

impl ErrorCode for StoreError {
    fn error_code(&self) -> Code {
        match self {
            StoreError::NotFound { .. } => Code::NotFound,
            StoreError::StaleState { .. } => Code::StaleState,
            StoreError::LeaseLost { .. } => Code::LeaseLost,
            StoreError::Conflict { .. } => Code::Conflict,
            StoreError::InvalidInput { .. } => Code::InvalidInput,
            StoreError::InvalidSchemaName(_) => Code::InvalidSchemaName,
            StoreError::InvalidUrl(_) => Code::InvalidDatabaseUrl,
            StoreError::CorruptRow { .. } => Code::CorruptRow,
            StoreError::Migration(_) => Code::MigrationFailed,
            StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_)) => {
                Code::DatabaseUnavailable
            }
            StoreError::Database(sqlx::Error::Database(db)) if db.is_check_violation() => Code::ConstraintViolation,
            StoreError::Database(_) => Code::DatabaseError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(StoreError::not_found("job", "x").code(), "not_found");
        assert_eq!(StoreError::corrupt("status", "bad").code(), "corrupt_row");
        assert_eq!(StoreError::InvalidSchemaName("A".into()).code(), "invalid_schema_name");
        assert_eq!(StoreError::Database(sqlx::Error::PoolTimedOut).code(), "database_unavailable");
        assert_eq!(StoreError::Database(sqlx::Error::RowNotFound).code(), "database_error");
        let stale = StoreError::StaleState { entity: "job", id: "1".into(), reason: "it is completed".into() };
        assert_eq!(stale.code(), "stale_state");
        assert_eq!(stale.to_string(), "job 1 changed under this operation: it is completed");
        let lost = StoreError::LeaseLost { entity: "job", id: "1".into(), holder: "o-1".into() };
        assert_eq!(lost.code(), "lease_lost");
    }
}
