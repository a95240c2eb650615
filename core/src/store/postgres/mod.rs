//! PostgreSQL for production, plain or a Supabase project.
//!
//! The tables live in their own schema (default [`DEFAULT_SCHEMA`]), created on open. Every
//! pooled connection sets its `search_path` to that schema alone when it connects, so the
//! shared SQL text names tables without a schema and still never meets a host application's
//! own `datasets` or `notifications`; sqlx's migration table lives in the schema too. Use a
//! direct connection or a session-mode pooler: a transaction-mode pooler (Supabase's port
//! 6543) keeps neither a session's `search_path` nor its prepared statements.
//!
//! Values use the native types: `uuid`, `timestamptz` (microseconds), `numeric` for money,
//! `jsonb`, `date`, `bigint` for every count.

mod row;
mod schema;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Executor, Postgres};

pub use schema::{DEFAULT_SCHEMA, SchemaName};

use super::sql::Driver;
use super::sql::statement::{Statement, Value};
use super::{Backend, StoreError};

/// How to connect to PostgreSQL.
#[derive(Clone)]
pub struct PostgresOptions {
    url: String,
    schema: SchemaName,
    max_connections: u32,
    acquire_timeout: Duration,
    idle_timeout: Duration,
}

impl PostgresOptions {
    /// The database at `url` (`postgres://user:password@host:port/database?sslmode=...`),
    /// tables in [`DEFAULT_SCHEMA`].
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            schema: SchemaName::default(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(600),
        }
    }

    /// Keeps the tables in `schema` instead.
    pub fn schema(mut self, schema: SchemaName) -> Self {
        self.schema = schema;
        self
    }

    /// Connections in the pool (at least 1).
    pub fn max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections.max(1);
        self
    }

    /// How long an operation waits for a free connection before failing with
    /// `database_unavailable`.
    pub fn acquire_timeout(mut self, acquire_timeout: Duration) -> Self {
        self.acquire_timeout = acquire_timeout;
        self
    }

    /// How long a connection may sit unused in the pool before it is closed (default 10
    /// minutes): a short one gives connections back to a server with few to spare.
    pub fn idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }
}

impl fmt::Debug for PostgresOptions {
    /// Leaves the URL out: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

/// The PostgreSQL pool, every connection in the store's schema.
#[derive(Debug)]
pub(crate) struct PgDriver {
    pool: PgPool,
}

impl PgDriver {
    /// Connects, creates the schema if needed and applies the migrations of
    /// `migrations/postgres` in it.
    pub(crate) async fn open(options: &PostgresOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(&options.url)
            .map_err(|_| StoreError::InvalidUrl("the PostgreSQL URL does not parse".into()))?;
        let schema = options.schema.clone();
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .idle_timeout(options.idle_timeout)
            .after_connect(move |connection, _| {
                let set_path = schema.set_search_path();
                Box::pin(async move {
                    connection.execute(AssertSqlSafe(set_path)).await?;
                    Ok(())
                })
            })
            .connect_with(connect)
            .await?;
        match pool.execute(AssertSqlSafe(options.schema.create_if_missing())).await {
            Ok(_) => {}
            // Another process created it at the same moment.
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {}
            Err(err) => return Err(err.into()),
        }
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        tracing::debug!(schema = options.schema.as_str(), "opened the PostgreSQL database");
        Ok(Self { pool })
    }
}

type Query = sqlx::query::Query<'static, Postgres, <Postgres as sqlx::Database>::Arguments>;

/// The statement as a sqlx query, each value with its native PostgreSQL type.
fn query(statement: Statement) -> Query {
    // The text is built by the store from fixed fragments; see `Statement`.
    let mut query = sqlx::query(AssertSqlSafe(statement.sql));
    for value in statement.args {
        query = match value {
            Value::Uuid(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Int(v) => query.bind(v),
            Value::Real(v) => query.bind(v),
            Value::Bool(v) => query.bind(v),
            Value::Time(v) => query.bind(v.map(|time| *time.as_datetime())),
            Value::Money(v) => query.bind(v),
            Value::Json(v) => query.bind(v.map(sqlx::types::Json)),
            Value::Date(v) => query.bind(v),
        };
    }
    query
}

#[async_trait]
impl Driver for PgDriver {
    type Row = PgRow;

    const BACKEND: Backend = Backend::Postgres;
    const CLAIM_LOCK: &'static str = " FOR UPDATE SKIP LOCKED";
    /// Well under the protocol's 65,535 parameters; fewer round trips matter more here.
    const MAX_INSERT_ARGUMENTS: usize = 12_000;

    fn bound_handle(state: &str) -> String {
        format!("jsonb_build_object('job_id', id, 'attempt', retry_count, 'state', {state}::jsonb)")
    }

    async fn execute(&self, statement: Statement) -> Result<u64, StoreError> {
        Ok(query(statement).execute(&self.pool).await?.rows_affected())
    }

    async fn execute_all(&self, statements: Vec<Statement>) -> Result<Vec<u64>, StoreError> {
        let mut transaction = self.pool.begin().await?;
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
        let mut transaction = self.pool.begin().await?;
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

    async fn fetch_optional(&self, statement: Statement) -> Result<Option<PgRow>, StoreError> {
        Ok(query(statement).fetch_optional(&self.pool).await?)
    }

    async fn fetch_all(&self, statement: Statement) -> Result<Vec<PgRow>, StoreError> {
        Ok(query(statement).fetch_all(&self.pool).await?)
    }
}
