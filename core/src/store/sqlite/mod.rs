//! SQLite, the embedded default: one database file in WAL mode.
//!
//! Values are stored in `STRICT` tables so a wrongly typed value is refused rather than kept:
//! ids as hyphenated UUID text, times as fixed-width RFC 3339 text in UTC with microseconds
//! (so text order is time order), money as exact decimal text (never REAL), JSON as text,
//! dates as `YYYY-MM-DD`.

mod row;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Sqlite};

use super::sql::Driver;
use super::sql::statement::{Statement, Value};
use super::{Backend, StoreError};

/// How to open a SQLite database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// The database file; `None` for a private in-memory database.
    path: Option<PathBuf>,
    /// Connections in the pool (readers run in parallel; writers take turns).
    max_connections: u32,
    /// How long a writer waits for another to finish before failing.
    busy_timeout: Duration,
}

impl SqliteOptions {
    /// The database in the file at `path`, created if missing.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self { path: Some(path.as_ref().to_owned()), max_connections: 8, busy_timeout: Duration::from_secs(10) }
    }

    /// A private in-memory database that lives as long as the pool (one connection).
    pub fn in_memory() -> Self {
        Self { path: None, max_connections: 1, busy_timeout: Duration::from_secs(10) }
    }

    /// Connections in the pool (at least 1; an in-memory database keeps 1).
    pub fn max_connections(mut self, max_connections: u32) -> Self {
        if self.path.is_some() {
            self.max_connections = max_connections.max(1);
        }
        self
    }

    /// How long a writer waits for the write lock.
    pub fn busy_timeout(mut self, busy_timeout: Duration) -> Self {
        self.busy_timeout = busy_timeout;
        self
    }
}

/// The SQLite pool.
#[derive(Debug)]
pub(crate) struct SqliteDriver {
    pool: SqlitePool,
}

impl SqliteDriver {
    /// Opens the database and applies the migrations of `migrations/sqlite`.
    pub(crate) async fn open(options: &SqliteOptions) -> Result<Self, StoreError> {
        let connect = match &options.path {
            Some(path) => SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal),
            None => SqliteConnectOptions::from_str("sqlite::memory:")?,
        }
        .foreign_keys(true)
        .busy_timeout(options.busy_timeout);
        let mut pool = SqlitePoolOptions::new().max_connections(options.max_connections);
        if options.path.is_none() {
            // The in-memory database lives in its one connection: never close it.
            pool = pool.min_connections(1).idle_timeout(None).max_lifetime(None);
        }
        // sqlx takes no lock around SQLite migrations: two processes opening a new file at
        // once would both apply migration 1 and one would fail. A lock file beside the
        // database makes them take turns (the second finds the migrations applied). It is
        // taken before the first connection: turning a new file to WAL mode takes SQLite's
        // exclusive lock, which another process's first connection may meet without waiting.
        let _turn = match &options.path {
            Some(path) => Some(migration_lock(path).await?),
            None => None,
        };
        let pool = pool.connect_with(connect).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        tracing::debug!(path = ?options.path, "opened the SQLite database");
        Ok(Self { pool })
    }
}

/// An exclusive lock on `<database>-migrate.lock`, held until the file is dropped.
async fn migration_lock(database: &Path) -> Result<std::fs::File, StoreError> {
    let mut name = database.as_os_str().to_owned();
    name.push("-migrate.lock");
    let path = PathBuf::from(name);
    let locked = tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|e| std::io::Error::other(e.to_string()))
    .and_then(|result| result);
    locked.map_err(|e| StoreError::Database(sqlx::Error::Io(e)))
}

type Query = sqlx::query::Query<'static, Sqlite, <Sqlite as sqlx::Database>::Arguments>;

/// The statement as a sqlx query, each value encoded as this backend stores it.
fn query(statement: Statement) -> Query {
    // The text is built by the store from fixed fragments; see `Statement`.
    let mut query = sqlx::query(AssertSqlSafe(statement.sql));
    for value in statement.args {
        query = match value {
            Value::Uuid(v) => query.bind(v.map(|uuid| uuid.hyphenated().to_string())),
            Value::Text(v) => query.bind(v),
            Value::Int(v) => query.bind(v),
            Value::Real(v) => query.bind(v),
            Value::Bool(v) => query.bind(v),
            Value::Time(v) => query.bind(v.map(|time| time.to_string())),
            Value::Money(v) => query.bind(v.map(|amount| amount.to_string())),
            Value::Json(v) => query.bind(v.map(|json| json.to_string())),
            Value::Date(v) => query.bind(v.map(|date| date.format("%Y-%m-%d").to_string())),
        };
    }
    query
}

#[async_trait]
impl Driver for SqliteDriver {
    type Row = SqliteRow;

    const BACKEND: Backend = Backend::Sqlite;
    const CLAIM_LOCK: &'static str = "";
    /// SQLite looks a `$N` parameter's name up by walking a list, so binding grows with the
    /// square of the argument count: many short statements beat one long one.
    const MAX_INSERT_ARGUMENTS: usize = 1_200;

    /// The argument is JSON text: `json()` makes it a value rather than a string.
    fn bound_handle(state: &str) -> String {
        format!("json_object('job_id', id, 'attempt', retry_count, 'state', json({state}))")
    }

    async fn execute(&self, statement: Statement) -> Result<u64, StoreError> {
        Ok(query(statement).execute(&self.pool).await?.rows_affected())
    }

    async fn execute_all(&self, statements: Vec<Statement>) -> Result<Vec<u64>, StoreError> {
        // IMMEDIATE takes the write lock at once, so the transaction never fails half-way
        // for want of upgrading a read lock.
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut changed = Vec::with_capacity(statements.len());
        for statement in statements {
            changed.push(query(statement).execute(&mut *transaction).await?.rows_affected());
        }
        transaction.commit().await?;
        Ok(changed)
    }

    async fn execute_guarded(
        &self,
        guard: Statement,
        statements: Vec<Statement>,
    ) -> Result<Option<Vec<u64>>, StoreError> {
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if query(guard).execute(&mut *transaction).await?.rows_affected() == 0 {
            transaction.rollback().await?;
            return Ok(None);
        }
        let mut changed = Vec::with_capacity(statements.len());
        for statement in statements {
            changed.push(query(statement).execute(&mut *transaction).await?.rows_affected());
        }
        transaction.commit().await?;
        Ok(Some(changed))
    }

    async fn fetch_optional(&self, statement: Statement) -> Result<Option<SqliteRow>, StoreError> {
        Ok(query(statement).fetch_optional(&self.pool).await?)
    }

    async fn fetch_all(&self, statement: Statement) -> Result<Vec<SqliteRow>, StoreError> {
        Ok(query(statement).fetch_all(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn processes_opening_a_new_database_at_once_take_turns_migrating() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("brightrun.db");
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let options = SqliteOptions::new(&path);
                tokio::spawn(async move { SqliteDriver::open(&options).await.map(|_| ()) })
            })
            .collect();
        for open in opens {
            open.await.unwrap().unwrap();
        }
    }
}
