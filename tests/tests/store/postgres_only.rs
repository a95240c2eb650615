//! What only PostgreSQL has: BrightRun's own schema beside a host application's tables, and
//! Supabase's row-level security where an `auth` schema exists (tested with a fake one).

use brightrun_core::ErrorCode;
use brightrun_core::model::UserId;
use brightrun_core::store::{self, PostgresOptions, SchemaName};
use sqlx::{Connection, Executor, Row};

use crate::fixtures::dataset;
use crate::harness::{admin_execute, fresh_schema, postgres, postgres_url};

#[test]
fn a_schema_name_is_an_identifier_never_sql() {
    assert_eq!(SchemaName::new("brightrun\"; DROP TABLE x; --").unwrap_err().code(), "invalid_schema_name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_live_in_their_own_schema_beside_the_hosts() {
    let Some(url) = postgres_url("postgres_only::tables_live_in_their_own_schema_beside_the_hosts") else { return };
    // The host application has tables of the same names in `public`.
    admin_execute(&url, "CREATE TABLE IF NOT EXISTS public.datasets (host_column text)".into()).await;
    admin_execute(&url, "CREATE TABLE IF NOT EXISTS public.notifications (host_column text)".into()).await;
    let test = postgres("postgres_only::tables_live_in_their_own_schema_beside_the_hosts").await.unwrap();
    let user = UserId::new();
    let item = dataset(user, "in our schema");
    test.db.insert_dataset(&item).await.unwrap();
    assert_eq!(test.db.get_dataset(user, item.id).await.unwrap(), item);

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let host_columns: Vec<String> = sqlx::query(
        "SELECT column_name::text AS name FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = 'datasets'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get("name"))
    .collect();
    assert_eq!(host_columns, ["host_column"], "the host's table is untouched");
    pool.close().await;
    test.finish().await;
}

/// `url` with its database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

async fn policies(pool: &sqlx::PgPool, schema: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM pg_policies WHERE schemaname = $1")
        .bind(schema)
        .fetch_one(pool)
        .await
        .unwrap()
        .get("n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_level_security_follows_auth_uid_only_where_supabase_auth_exists() {
    let test_name = "postgres_only::row_level_security_follows_auth_uid_only_where_supabase_auth_exists";
    let Some(url) = postgres_url(test_name) else { return };

    // Plain PostgreSQL (no `auth` schema in the test database): no policies, nothing fails.
    let plain = postgres(test_name).await.unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let has_auth: bool =
        sqlx::query("SELECT to_regnamespace('auth') IS NOT NULL AS a").fetch_one(&pool).await.unwrap().get("a");
    assert!(!has_auth, "the shared test database must not have an auth schema");
    let schemas: Vec<String> = sqlx::query("SELECT nspname::text AS s FROM pg_namespace WHERE nspname LIKE 'test_%'")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("s"))
        .collect();
    assert!(!schemas.is_empty());
    for schema in &schemas {
        assert_eq!(policies(&pool, schema).await, 0, "{schema}");
    }
    pool.close().await;
    plain.finish().await;

    // A Supabase-like database: an `auth` schema whose `uid()` reads the signed-in user.
    let database = fresh_schema();
    let role = format!("{database}_client");
    admin_execute(&url, format!("CREATE DATABASE \"{database}\"")).await;
    admin_execute(&url, format!("CREATE ROLE \"{role}\" NOLOGIN")).await;
    let supabase_url = with_database(&url, &database);
    admin_execute(
        &supabase_url,
        "CREATE SCHEMA auth; CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS \
         $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$"
            .into(),
    )
    .await;
    let db = store::open_postgres(&PostgresOptions::new(&supabase_url)).await.unwrap();
    let (alice, bob) = (UserId::new(), UserId::new());
    db.insert_dataset(&dataset(alice, "alice's")).await.unwrap();
    db.insert_dataset(&dataset(bob, "bob's")).await.unwrap();
    drop(db);

    let mut connection = sqlx::PgConnection::connect(&supabase_url).await.unwrap();
    let pool = sqlx::PgPool::connect(&supabase_url).await.unwrap();
    assert_eq!(policies(&pool, "brightrun").await, 8, "one policy per table");
    pool.close().await;
    connection
        .execute(sqlx::AssertSqlSafe(format!(
            "GRANT USAGE ON SCHEMA brightrun TO \"{role}\"; \
             GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA brightrun TO \"{role}\""
        )))
        .await
        .unwrap();
    let mut transaction = connection.begin().await.unwrap();
    transaction.execute(sqlx::AssertSqlSafe(format!("SET LOCAL ROLE \"{role}\""))).await.unwrap();
    sqlx::query("SELECT set_config('request.jwt.claim.sub', $1, true)")
        .bind(alice.to_string())
        .execute(&mut *transaction)
        .await
        .unwrap();
    let names: Vec<String> = sqlx::query("SELECT name FROM brightrun.datasets ORDER BY name")
        .fetch_all(&mut *transaction)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("name"))
        .collect();
    assert_eq!(names, ["alice's"], "a Supabase client sees its own rows only");
    let changed = transaction.execute("UPDATE brightrun.datasets SET name = 'renamed'").await.unwrap();
    assert_eq!(changed.rows_affected(), 1, "and changes its own rows only");
    transaction.rollback().await.unwrap();
    connection.close().await.unwrap();

    admin_execute(&url, format!("DROP DATABASE \"{database}\" WITH (FORCE)")).await;
    admin_execute(&url, format!("DROP ROLE \"{role}\"")).await;
}
