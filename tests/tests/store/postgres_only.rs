//! What only PostgreSQL has: BrightRun's own schema beside a host application's tables, and
//! Supabase's row-level security where an `auth` schema exists (tested with a fake one).

use brightrun_core::ErrorCode;
use brightrun_core::model::UserId;
use brightrun_core::store::{self, PostgresOptions, SchemaName};
use sqlx::Row;

use crate::fixtures::dataset;
use crate::harness::{admin_execute, fresh_schema, postgres, postgres_url};
use crate::supabase::ensure_client_roles;

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

async fn policies(pool: &sqlx::PgPool, schema: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM pg_policies WHERE schemaname = $1")
        .bind(schema)
        .fetch_one(pool)
        .await
        .unwrap()
        .get("n")
}

/// Plain PostgreSQL (no `auth` schema in the test database): the migrations install no
/// policy and leave Supabase's client roles, should the cluster have them, no privilege, even
/// where a host granted them the schema's future tables. Supabase itself: `privileges`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_postgresql_gets_no_policies_and_no_client_privileges() {
    let test_name = "postgres_only::plain_postgresql_gets_no_policies_and_no_client_privileges";
    let Some(url) = postgres_url(test_name) else { return };
    ensure_client_roles(&url).await;
    let schema = fresh_schema();
    admin_execute(
        &url,
        format!(
            "CREATE SCHEMA \"{schema}\"; \
             ALTER DEFAULT PRIVILEGES IN SCHEMA \"{schema}\" GRANT ALL ON TABLES TO anon, authenticated"
        ),
    )
    .await;
    let options = PostgresOptions::new(&url).schema(SchemaName::new(&schema).unwrap());
    let db = store::open_postgres(&options).await.unwrap();
    db.insert_dataset(&dataset(UserId::new(), "plain")).await.unwrap();
    drop(db);

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let has_auth: bool =
        sqlx::query("SELECT to_regnamespace('auth') IS NOT NULL AS a").fetch_one(&pool).await.unwrap().get("a");
    assert!(!has_auth, "the shared test database must not have an auth schema");
    assert_eq!(policies(&pool, &schema).await, 0);
    let granted: Vec<String> = sqlx::query(
        "SELECT r.rolname::text || ' on ' || c.relname::text AS g \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, pg_roles r \
         WHERE n.nspname = $1 AND r.rolname IN ('anon', 'authenticated') \
         AND (has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') \
              OR has_any_column_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))",
    )
    .bind(&schema)
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get("g"))
    .collect();
    assert!(granted.is_empty(), "client roles were granted {granted:?}");
    pool.close().await;
    admin_execute(&url, format!("DROP SCHEMA \"{schema}\" CASCADE")).await;
}
