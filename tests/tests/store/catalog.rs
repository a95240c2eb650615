//! BrightRun's tables and columns as PostgreSQL's catalog lists them, so a test that walks them
//! covers a table or column added later without being told.

use sqlx::{PgConnection, Row};

/// One table of the schema.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    /// Every column, in order, with its type as `format_type` writes it.
    pub columns: Vec<(String, String)>,
    /// The columns of the primary key.
    pub key: Vec<String>,
    /// The columns of its foreign keys.
    pub references: Vec<String>,
    /// Whether row-level security is on.
    pub row_security: bool,
}

/// Every relation of `schema` (a table, or anything else, which the caller then meets).
pub async fn tables(connection: &mut PgConnection, schema: &str) -> Vec<Table> {
    let relations = sqlx::query(
        "SELECT c.oid::bigint AS oid, c.relname::text AS name, c.relrowsecurity AS row_security \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname",
    )
    .bind(schema)
    .fetch_all(&mut *connection)
    .await
    .unwrap();
    let mut tables = Vec::new();
    for relation in relations {
        let oid: i64 = relation.get("oid");
        let columns = names(
            connection,
            "SELECT attname::text AS name, format_type(atttypid, atttypmod) AS kind FROM pg_attribute \
             WHERE attrelid = $1::bigint::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            oid,
        )
        .await;
        let key = names(
            connection,
            "SELECT a.attname::text AS name, '' AS kind FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
             WHERE i.indrelid = $1::bigint::oid AND i.indisprimary",
            oid,
        )
        .await;
        let references = names(
            connection,
            "SELECT a.attname::text AS name, '' AS kind FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
             WHERE c.conrelid = $1::bigint::oid AND c.contype = 'f'",
            oid,
        )
        .await;
        tables.push(Table {
            name: relation.get("name"),
            columns,
            key: key.into_iter().map(|(name, _)| name).collect(),
            references: references.into_iter().map(|(name, _)| name).collect(),
            row_security: relation.get("row_security"),
        });
    }
    tables
}

/// The `(name, kind)` rows of a catalog query about relation `oid`.
async fn names(connection: &mut PgConnection, sql: &'static str, oid: i64) -> Vec<(String, String)> {
    sqlx::query(sql)
        .bind(oid)
        .fetch_all(connection)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get("name"), row.get("kind")))
        .collect()
}
