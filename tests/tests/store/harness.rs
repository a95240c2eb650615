//! Runs each store test on both backends: SQLite in a temporary file, and PostgreSQL in a
//! fresh schema of the database `BRIGHTRUN_TEST_DATABASE_URL` names (so tests run in
//! parallel). Without that variable the PostgreSQL half says SKIPPED and returns.

use std::sync::Arc;

use brightrun_core::store::{self, Database, PostgresOptions, SchemaName, SqliteOptions};
use sqlx::{Connection, Executor};

/// The variable that names the PostgreSQL test database.
pub const DATABASE_URL_VAR: &str = "BRIGHTRUN_TEST_DATABASE_URL";

/// A database for one test, removed by [`TestDb::finish`].
pub struct TestDb {
    pub db: Arc<dyn Database>,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The directory of the database file, removed when dropped.
    Sqlite {
        dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
        schema: String,
    },
}

const SQLITE_FILE: &str = "brightrun.db";

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let db = store::open_sqlite(&SqliteOptions::new(dir.path().join(SQLITE_FILE))).await.unwrap();
    TestDb { db, cleanup: Cleanup::Sqlite { dir } }
}

/// The PostgreSQL URL, or `None` after printing that `test` is SKIPPED (under CI, the test
/// fails instead).
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            brightrun_core::testing::skip(
                &format!("{test} on PostgreSQL"),
                &format!("set {DATABASE_URL_VAR} to run it"),
            );
            None
        }
    }
}

/// A unique schema name for one test.
pub fn fresh_schema() -> String {
    format!("test_{}", uuid::Uuid::new_v4().simple())
}

pub async fn postgres(test: &str) -> Option<TestDb> {
    let url = postgres_url(test)?;
    let schema = fresh_schema();
    // Connections idle for a second close: a test that leaves its pool behind (a failpoint
    // kills an orchestrator with work in flight) must not hold the server's few.
    let options = PostgresOptions::new(&url)
        .schema(SchemaName::new(&schema).unwrap())
        .max_connections(8)
        .idle_timeout(std::time::Duration::from_secs(1));
    let db = store::open_postgres(&options).await.unwrap();
    Some(TestDb { db, cleanup: Cleanup::Postgres { url, schema } })
}

/// Runs a statement on the test database outside the store (setup and inspection).
pub async fn admin_execute(url: &str, sql: String) {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    pool.close().await;
}

impl TestDb {
    /// Runs `sql` (one or more statements, one connection) on the test's database outside the
    /// store, as the tables' owner: what only a database administrator could do. Returns the
    /// rows changed.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match &self.cleanup {
            Cleanup::Sqlite { dir } => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join(SQLITE_FILE));
                let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
                Ok(connection.execute(sqlx::AssertSqlSafe(sql.to_owned())).await?.rows_affected())
            }
            Cleanup::Postgres { url, schema } => {
                let mut connection = sqlx::PgConnection::connect(url).await?;
                let sql = format!("SET search_path TO \"{schema}\"; {sql}");
                Ok(connection.execute(sqlx::AssertSqlSafe(sql)).await?.rows_affected())
            }
        }
    }

    /// Removes the test's schema (a failed test leaves it, to be looked at).
    pub async fn finish(self) {
        drop(self.db);
        if let Cleanup::Postgres { url, schema } = self.cleanup {
            admin_execute(&url, format!("DROP SCHEMA \"{schema}\" CASCADE")).await;
        }
    }
}

/// Declares, for each `async fn name(db: Arc<dyn Database>)` of the calling module, a
/// module `name` with the tests `sqlite` and `postgres`. With `raw:` first, each function
/// takes `&TestDb` instead, to reach past the store into the database.
#[macro_export]
macro_rules! on_both_backends {
    (raw: $($name:ident),+ $(,)?) => {
        $crate::on_both_backends!(@each |test| &test; $($name),+);
    };
    (@each |$test:ident| $arg:expr; $($name:ident),+) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let $test = $crate::harness::sqlite().await;
                    super::$name($arg).await;
                    $test.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some($test) = $crate::harness::postgres(module_path!()).await
                    else {
                        return;
                    };
                    super::$name($arg).await;
                    $test.finish().await;
                }
            }
        )+
    };
    ($($name:ident),+ $(,)?) => {
        $crate::on_both_backends!(@each |test| test.db.clone(); $($name),+);
    };
}
