//! Opening databases by URL, and reopening them: migrations apply once, data stays.

use brightrun_core::ErrorCode;
use brightrun_core::model::{DatasetFormat, UserId};
use brightrun_core::store::{self, Backend, DatasetQuery, PostgresOptions, SchemaName};

use crate::fixtures::dataset;
use crate::harness::{admin_execute, fresh_schema, postgres_url};

#[tokio::test]
async fn urls_open_sqlite_files_and_memory_and_refuse_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("brightrun.db").display());
    let user = UserId::new();
    let item = dataset(user, "kept");
    let db = store::open(&url).await.unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    db.insert_dataset(&item).await.unwrap();
    drop(db);
    let reopened = store::open(&url).await.unwrap();
    assert_eq!(reopened.get_dataset(user, item.id).await.unwrap(), item, "the file keeps the data");

    let memory = store::open("sqlite::memory:").await.unwrap();
    memory.insert_dataset(&item).await.unwrap();
    assert_eq!(memory.list_datasets(user, &DatasetQuery::default()).await.unwrap().total, 1);

    for url in ["mysql://root:secret@localhost/db", "brightrun.db", ""] {
        let err = store::open(url).await.unwrap_err();
        assert_eq!(err.code(), "invalid_database_url", "{url}");
        assert!(!err.to_string().contains("secret"), "no password in the message: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_a_postgres_schema_keeps_its_data() {
    let Some(url) = postgres_url("open::reopening_a_postgres_schema_keeps_its_data") else { return };
    let schema = fresh_schema();
    let options = PostgresOptions::new(&url).schema(SchemaName::new(&schema).unwrap());
    let user = UserId::new();
    let item = dataset(user, "kept");
    let db = store::open_postgres(&options).await.unwrap();
    assert_eq!(db.backend(), Backend::Postgres);
    db.insert_dataset(&item).await.unwrap();
    drop(db);
    let reopened = store::open_postgres(&options).await.unwrap();
    assert_eq!(reopened.get_dataset(user, item.id).await.unwrap(), item);
    drop(reopened);
    admin_execute(&url, format!("DROP SCHEMA \"{schema}\" CASCADE")).await;

    let bad = PostgresOptions::new("postgres://nobody:wrong@127.0.0.1:1/none")
        .acquire_timeout(std::time::Duration::from_secs(2));
    let err = store::open_postgres(&bad).await.unwrap_err();
    assert!(["database_unavailable", "database_error"].contains(&err.code()), "{err}");
    assert!(!format!("{bad:?}").contains("wrong"), "the options' Debug leaves the password out");
}

/// The columns of `datasets` a writer sets (the table has a generated one besides).
const DATASET_COLUMNS: &str = "id, user_id, name, description, format, status, storage_path, file_name, file_size, \
     total_training_pairs, total_validation_pairs, total_tokens, avg_turns_per_conversation, avg_tokens_per_example, \
     training_ready, statistics, validation_errors, sample_data, validation_report, validation_report_path, \
     validated_at, created_at, updated_at, deleted_at, claimed_by, lease_expires_at";

/// Migration 7 rebuilds SQLite's `datasets` (to widen its format CHECK): a file migrated to 6
/// with a dataset and a job on it opens with both intact, the job's reference, the indexes
/// (0006's partial one too) and 0004's checks in place, and takes the new formats.
#[tokio::test]
async fn a_sqlite_file_of_migration_6_upgrades_keeping_its_rows_and_references() {
    upgrades_keeping_its_rows_and_references(6, DatasetFormat::Sharegpt).await;
}

/// Migration 8 rebuilds SQLite's `datasets` again (for plain-text datasets): the same from a
/// file of migration 7.
#[tokio::test]
async fn a_sqlite_file_of_migration_7_upgrades_keeping_its_rows_and_references() {
    upgrades_keeping_its_rows_and_references(7, DatasetFormat::Text).await;
}

/// Migration 9 rebuilds SQLite's `datasets` again (for Gemini datasets): the same from a file
/// of migration 8.
#[tokio::test]
async fn a_sqlite_file_of_migration_8_upgrades_keeping_its_rows_and_references() {
    upgrades_keeping_its_rows_and_references(8, DatasetFormat::Gemini).await;
}

/// A SQLite file migrated to `version`, with a dataset and a job on it, opens (migrated to
/// the last version) with both intact, the job's reference, the indexes and 0004's checks in
/// place, and takes datasets of `format`, which `version` refused.
async fn upgrades_keeping_its_rows_and_references(version: i64, format: DatasetFormat) {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::SqliteConnectOptions;

    let dir = tempfile::tempdir().unwrap();
    let user = UserId::new();
    let item = dataset(user, "from before");
    let job = crate::fixtures::job(user, item.id);
    // Rows as the store writes them, from a current database.
    let source = dir.path().join("source.db");
    let current = store::open(&format!("sqlite://{}", source.display())).await.unwrap();
    current.insert_dataset(&item).await.unwrap();
    current.insert_job(&job).await.unwrap();
    drop(current);

    let old = dir.path().join("old.db");
    let options = SqliteConnectOptions::new().filename(&old).create_if_missing(true).foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options.clone()).await.unwrap();
    let migrations = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../core/migrations/sqlite"));
    let migrator = sqlx::migrate::Migrator::new(migrations).await.unwrap();
    migrator.run_to(version, &pool).await.unwrap();
    let mut conn = options.connect().await.unwrap();
    // The columns of `training_jobs` a writer sets (`table_info` leaves out generated ones).
    let job_columns: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM pragma_table_info('training_jobs')").fetch_all(&mut conn).await.unwrap();
    let job_columns = job_columns.into_iter().map(|(name,)| name).collect::<Vec<_>>().join(", ");
    for sql in [
        format!("ATTACH DATABASE '{}' AS source", source.display()),
        format!("INSERT INTO datasets ({DATASET_COLUMNS}) SELECT {DATASET_COLUMNS} FROM source.datasets"),
        format!("INSERT INTO training_jobs ({job_columns}) SELECT {job_columns} FROM source.training_jobs"),
        "DETACH DATABASE source".to_owned(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
    }
    drop(conn);
    pool.close().await;

    let db = store::open(&format!("sqlite://{}", old.display())).await.unwrap();
    assert_eq!(db.get_dataset(user, item.id).await.unwrap(), item, "the row, every field");
    assert_eq!(db.get_job(user, job.id).await.unwrap().dataset_id, item.id);
    let mut newer = dataset(user, "of a newer format");
    newer.format = format;
    db.insert_dataset(&newer).await.unwrap();
    assert_eq!(db.get_dataset(user, newer.id).await.unwrap().format, format);
    let mut nameless = dataset(user, " ");
    nameless.format = DatasetFormat::Alpaca;
    assert!(db.insert_dataset(&nameless).await.is_err(), "0004's checks are kept");
    drop(db);

    let mut conn = options.connect().await.unwrap();
    let orphans: Vec<(String,)> =
        sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(&mut conn).await.unwrap();
    assert!(orphans.is_empty(), "{orphans:?}");
    let references: Vec<(String,)> = sqlx::query_as(
        "SELECT \"table\" FROM pragma_foreign_key_list('training_jobs') WHERE \"from\" = 'dataset_id' \
         UNION ALL SELECT \"table\" FROM pragma_foreign_key_list('model_artifacts') WHERE \"from\" = 'dataset_id'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(references, [("datasets".to_owned(),), ("datasets".to_owned(),)]);
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'datasets' AND sql IS NOT NULL \
         ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let names: Vec<&str> = indexes.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["datasets_awaiting_validation", "datasets_by_user", "datasets_live_by_user"]);
    assert!(indexes[2].1.ends_with("WHERE deleted_at IS NULL"), "{}", indexes[2].1);
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_schema WHERE name LIKE 'datasets%' AND type = 'table'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(tables, [("datasets".to_owned(),)], "no table of the rebuild is left");
}
