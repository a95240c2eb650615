//! Opening databases by URL, and reopening them: migrations apply once, data stays.

use brightrun_core::ErrorCode;
use brightrun_core::model::UserId;
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
