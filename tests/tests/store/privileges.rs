//! Supabase clients through PostgREST, tried on every table and column the catalog lists: a
//! signed-in user reads their own rows and changes exactly the columns of [`UPDATABLE`], of
//! their own rows only; `anon` gets nothing; no client inserts or deletes; sqlx's bookkeeping is
//! the owner's alone. A table added later fails here until the matrix says what clients may do.
//!
//! Twice: as the migrations leave the grants (every refusal is `permission denied`, and the
//! catalog shows no other privilege), then after the host ran the `GRANT ALL ON ALL TABLES` of
//! Supabase's guide (row-level security and the update guard still refuse: an error, or no row).

use std::sync::Arc;

use brightrun_core::model::{CostType, JobTransition, UserId};
use brightrun_core::store::{BudgetSettings, Database};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection, Row};

use crate::catalog::{self, Table};
use crate::fixtures::{artifact, at, cost, dataset, job, notification, point};
use crate::supabase::{Client, HOST_GRANTS_ALL, SupabaseProject, act_as};

const SCHEMA: &str = "brightrun";

/// Tables of a user's rows (`user_id`): a signed-in user reads every column of their own.
const READABLE: [&str; 8] = [
    "budget_settings",
    "cost_records",
    "datasets",
    "metrics_points",
    "metrics_rollups",
    "model_artifacts",
    "notifications",
    "training_jobs",
];

/// What a signed-in user may change of their own rows, as the product changes it: table,
/// column, and the assignment (valid for the rows [`seed`] stores).
const UPDATABLE: [(&str, &str, &str); 4] = [
    ("datasets", "name", "name = name || ' (renamed)'"),
    ("datasets", "description", "description = 'described by its owner'"),
    ("notifications", "read", "read = true"),
    ("notifications", "read_at", "read = true, read_at = now()"),
];

/// sqlx's migration bookkeeping.
const BOOKKEEPING: &str = "_sqlx_migrations";

/// The privileges a table or a column can be granted.
const TABLE_PRIVILEGES: [&str; 7] = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];
const COLUMN_PRIVILEGES: [&str; 4] = ["SELECT", "INSERT", "UPDATE", "REFERENCES"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The grants as the migrations leave them.
    AsMigrated,
    /// After the host granted every table to the client roles.
    HostGrantedAll,
}

/// What a statement did: rows counted or changed, or the SQLSTATE of its refusal.
#[derive(Debug)]
enum Outcome {
    Done(u64),
    Refused(String),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_get_exactly_the_privileges_of_the_matrix() {
    let Some(project) = SupabaseProject::create("privileges::clients_get_exactly_the_privileges_of_the_matrix").await
    else {
        return;
    };
    let (alice, bob) = (UserId::new(), UserId::new());
    seed(&project.db, alice).await;
    seed(&project.db, bob).await;
    let mut audit =
        Audit { connection: project.connect().await, alice, bob, phase: Phase::AsMigrated, failures: vec![] };
    let tables = catalog::tables(&mut audit.connection, SCHEMA).await;

    audit.sessions_carry_the_jwt().await;
    audit.catalog_grants_exactly_the_matrix(&tables).await;
    audit.every_table(&tables).await;
    audit.connection.execute(HOST_GRANTS_ALL).await.unwrap();
    audit.phase = Phase::HostGrantedAll;
    audit.every_table(&tables).await;

    assert!(audit.failures.is_empty(), "{} failures:\n{}", audit.failures.len(), audit.failures.join("\n"));
    project.finish().await;
}

/// A row of every kind for `user`.
async fn seed(db: &Arc<dyn Database>, user: UserId) {
    let data = dataset(user, "tenant data");
    db.insert_dataset(&data).await.unwrap();
    let run = job(user, data.id);
    db.insert_job(&run).await.unwrap();
    db.transition_job(user, run.id, JobTransition::Initialize, None, None, at(1)).await.unwrap();
    let handle = serde_json::json!({"handle": {"backend": "local", "external_id": format!("{}-0", run.id)}});
    let running = db.set_job_backend(user, run.id, Some("local-1"), &handle, at(2)).await.unwrap();
    db.insert_metrics(user, run.id, &[point(run.id, 1), point(run.id, 2)]).await.unwrap();
    db.insert_artifact(&artifact(&running)).await.unwrap();
    db.insert_cost(&cost(user, Some(run.id), CostType::Compute, "4.20", at(3))).await.unwrap();
    db.insert_notification(&notification(user, 4)).await.unwrap();
    let budget = BudgetSettings { monthly_budget: Some("100".parse().unwrap()), ..BudgetSettings::default() };
    db.set_budget(user, &budget, at(5)).await.unwrap();
}

struct Audit {
    /// As the tables' owner; each probe is a transaction that becomes a client's.
    connection: PgConnection,
    alice: UserId,
    bob: UserId,
    phase: Phase,
    failures: Vec<String>,
}

impl Audit {
    /// Runs `sql` in a transaction that first runs `setup` as the owner, then becomes
    /// `client`'s, and is rolled back.
    async fn probe(&mut self, client: Client, setup: &str, sql: &str, row: Option<&Value>) -> Outcome {
        let mut transaction = self.connection.begin().await.unwrap();
        if !setup.is_empty() {
            transaction.execute(sqlx::AssertSqlSafe(setup.to_owned())).await.unwrap();
        }
        act_as(&mut transaction, client).await;
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
        if let Some(row) = row {
            query = query.bind(row.clone());
        }
        let result = if sql.starts_with("SELECT") {
            query.fetch_one(&mut *transaction).await.map(|r| r.get::<i64, _>(0) as u64)
        } else {
            query.execute(&mut *transaction).await.map(|done| done.rows_affected())
        };
        transaction.rollback().await.unwrap();
        match result {
            Ok(rows) => Outcome::Done(rows),
            Err(sqlx::Error::Database(err)) => Outcome::Refused(err.code().unwrap_or_default().into_owned()),
            Err(err) => panic!("{sql}: {err}"),
        }
    }

    /// Records a failure unless `outcome` is a success on exactly `rows` rows.
    fn allowed(&mut self, what: &str, outcome: Outcome, rows: u64) {
        if !matches!(outcome, Outcome::Done(n) if n == rows) {
            self.failures.push(format!("{:?}: {what}: expected {rows} rows, got {outcome:?}", self.phase));
        }
    }

    /// Records a failure unless `outcome` is a refusal for want of privilege (`42501`: no
    /// grant, a row-level security policy, the update guard) or, once the host granted
    /// everything, a statement that met no row it may touch. Another error (a CHECK that
    /// happened to refuse the forged value) proves nothing and fails.
    fn refused(&mut self, what: &str, outcome: Outcome) {
        let ok = match (self.phase, &outcome) {
            (_, Outcome::Refused(code)) => code == "42501",
            (Phase::HostGrantedAll, Outcome::Done(0)) => true,
            _ => false,
        };
        if !ok {
            self.failures.push(format!("{:?}: {what}: expected a refusal, got {outcome:?}", self.phase));
        }
    }

    /// PostgREST's session is what `auth.uid()` reads: the signed-in user, or nobody.
    async fn sessions_carry_the_jwt(&mut self) {
        let alice = self.alice;
        let sql = format!("SELECT count(*) FROM (SELECT auth.uid() AS id) s WHERE id = '{alice}'");
        let outcome = self.probe(Client::User(alice), "", &sql, None).await;
        self.allowed("auth.uid() of a signed-in user", outcome, 1);
        let outcome = self
            .probe(Client::Anon, "", "SELECT count(*) FROM (SELECT auth.uid() AS id) s WHERE id IS NULL", None)
            .await;
        self.allowed("auth.uid() of anon", outcome, 1);
    }

    /// As migrated, the catalog's privileges are the matrix and nothing more; row-level
    /// security is on for every table.
    async fn catalog_grants_exactly_the_matrix(&mut self, tables: &[Table]) {
        for table in tables {
            if !table.row_security {
                self.failures.push(format!("{}: row-level security is off", table.name));
            }
            let readable = READABLE.contains(&table.name.as_str());
            for role in ["anon", "authenticated", "service_role"] {
                if role == "service_role" && table.name != BOOKKEEPING {
                    continue; // The host's own key: the host decides.
                }
                let client = role == "authenticated";
                for privilege in TABLE_PRIVILEGES {
                    let expected = client && readable && privilege == "SELECT";
                    self.has(role, &table.name, None, privilege, expected).await;
                }
                for (column, _) in &table.columns {
                    for privilege in COLUMN_PRIVILEGES {
                        let updatable = UPDATABLE.iter().any(|(t, c, _)| *t == table.name && c == column);
                        let expected =
                            client && ((privilege == "SELECT" && readable) || (privilege == "UPDATE" && updatable));
                        self.has(role, &table.name, Some(column), privilege, expected).await;
                    }
                }
            }
        }
    }

    async fn has(&mut self, role: &str, table: &str, column: Option<&str>, privilege: &str, expected: bool) {
        let relation = format!("{SCHEMA}.{table}");
        let granted: bool = match column {
            None => sqlx::query_scalar("SELECT has_table_privilege($1, $2, $3)")
                .bind(role)
                .bind(&relation)
                .bind(privilege)
                .fetch_one(&mut self.connection)
                .await
                .unwrap(),
            Some(column) => sqlx::query_scalar("SELECT has_column_privilege($1, $2, $3, $4)")
                .bind(role)
                .bind(&relation)
                .bind(column)
                .bind(privilege)
                .fetch_one(&mut self.connection)
                .await
                .unwrap(),
        };
        if granted != expected {
            let on = column.map_or(table.to_owned(), |column| format!("{table}.{column}"));
            self.failures.push(format!("catalog: {role} {privilege} on {on}: granted {granted}, expected {expected}"));
        }
    }

    async fn every_table(&mut self, tables: &[Table]) {
        for table in tables {
            if READABLE.contains(&table.name.as_str()) {
                self.user_table(table).await;
            } else if table.name == BOOKKEEPING {
                self.bookkeeping(table).await;
            } else {
                self.failures.push(format!("{}: not in the privilege matrix: say what clients may do", table.name));
            }
        }
    }

    /// The owner's count of `user`'s rows of `table`.
    async fn rows_of(&mut self, table: &str, user: UserId) -> u64 {
        let sql = format!("SELECT count(*) FROM {SCHEMA}.{table} WHERE user_id = '{user}'");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut self.connection).await.unwrap();
        n as u64
    }

    async fn user_table(&mut self, table: &Table) {
        let name = &table.name;
        let (alice, bob) = (self.alice, self.bob);
        let (mine, theirs) = (self.rows_of(name, alice).await, self.rows_of(name, bob).await);
        if mine == 0 || theirs == 0 {
            self.failures.push(format!("{name}: the test needs rows of both users: add one to `seed`"));
            return;
        }
        let me = Client::User(alice);
        let outcome = self.probe(me, "", &format!("SELECT count(*) FROM {SCHEMA}.{name}"), None).await;
        self.allowed(&format!("a user SELECTs {name}, their own rows only"), outcome, mine);
        let sql = format!("SELECT count(*) FROM {SCHEMA}.{name} WHERE user_id = '{bob}'");
        let outcome = self.probe(me, "", &sql, None).await;
        self.allowed(&format!("a user SELECTs another user's {name}"), outcome, 0);
        let outcome = self.probe(Client::Anon, "", &format!("SELECT count(*) FROM {SCHEMA}.{name}"), None).await;
        self.refused(&format!("anon SELECTs {name}"), outcome);

        let mine_only = format!("WHERE user_id = '{alice}'");
        for (column, kind) in &table.columns {
            let sql = format!("SELECT count(*) FROM (SELECT \"{column}\" FROM {SCHEMA}.{name}) s");
            let outcome = self.probe(me, "", &sql, None).await;
            self.allowed(&format!("a user SELECTs {name}.{column}"), outcome, mine);
            let outcome = self.probe(Client::Anon, "", &sql, None).await;
            self.refused(&format!("anon SELECTs {name}.{column}"), outcome);

            let product = UPDATABLE.iter().find(|(t, c, _)| t == name && c == column);
            let assignment = product.map_or_else(|| format!("\"{column}\" = {}", forged(column, kind)), |p| p.2.into());
            let update = format!("UPDATE {SCHEMA}.{name} SET {assignment}");
            let outcome = self.probe(me, "", &format!("{update} {mine_only}"), None).await;
            match product {
                Some(_) => {
                    self.allowed(&format!("a user UPDATEs {name}.{column}"), outcome, mine);
                    let outcome = self.probe(me, "", &format!("{update} WHERE user_id = '{bob}'"), None).await;
                    self.allowed(&format!("a user UPDATEs another user's {name}.{column}"), outcome, 0);
                }
                None => self.refused(&format!("a user UPDATEs {name}.{column}"), outcome),
            }
            let outcome = self.probe(Client::Anon, "", &format!("{update} {mine_only}"), None).await;
            self.refused(&format!("anon UPDATEs {name}.{column}"), outcome);
        }
        self.writes_nobody_makes(table, &mine_only).await;
    }

    async fn bookkeeping(&mut self, table: &Table) {
        for client in [Client::User(self.alice), Client::Anon] {
            let role = client.role();
            let outcome = self.probe(client, "", &format!("SELECT count(*) FROM {SCHEMA}.{BOOKKEEPING}"), None).await;
            self.refused(&format!("{role} SELECTs {BOOKKEEPING}"), outcome);
            for (column, kind) in &table.columns {
                let sql = format!("UPDATE {SCHEMA}.{BOOKKEEPING} SET \"{column}\" = {}", forged(column, kind));
                let outcome = self.probe(client, "", &sql, None).await;
                self.refused(&format!("{role} UPDATEs {BOOKKEEPING}.{column}"), outcome);
            }
        }
        self.writes_nobody_makes(table, "").await;
    }

    /// INSERT (a copy of one of the rows `filter` selects, under a fresh key) and DELETE, by
    /// every client.
    async fn writes_nobody_makes(&mut self, table: &Table, filter: &str) {
        let name = &table.name;
        let sql = format!("SELECT to_jsonb(t) FROM {SCHEMA}.{name} t {filter} LIMIT 1");
        let source: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut self.connection).await.unwrap();
        let (copy, fresh) = with_fresh_key(table, source);
        // A key that only a user's id makes (one row per user): the copy takes the row's place.
        let setup = if fresh { String::new() } else { format!("DELETE FROM {SCHEMA}.{name} {filter}") };
        let insert =
            format!("INSERT INTO {SCHEMA}.{name} SELECT * FROM jsonb_populate_record(NULL::{SCHEMA}.{name}, $1)");
        for client in [Client::User(self.alice), Client::Anon] {
            let role = client.role();
            let outcome = self.probe(client, &setup, &insert, Some(&copy)).await;
            self.refused(&format!("{role} INSERTs into {name}"), outcome);
            let outcome = self.probe(client, "", &format!("DELETE FROM {SCHEMA}.{name} {filter}"), None).await;
            self.refused(&format!("{role} DELETEs from {name}"), outcome);
        }
    }
}

/// An expression for a value of `column` other than the stored one.
fn forged(column: &str, kind: &str) -> String {
    let c = format!("\"{column}\"");
    match kind {
        "uuid" => "gen_random_uuid()".into(),
        "text" => format!("coalesce({c}, '') || ' (forged)'"),
        "bigint" | "integer" | "smallint" | "numeric" | "double precision" => format!("coalesce({c}, 0) + 1"),
        "boolean" => format!("NOT coalesce({c}, false)"),
        "timestamp with time zone" => format!("coalesce({c}, now()) + interval '1 second'"),
        "date" => format!("coalesce({c}, current_date) + 1"),
        "jsonb" => "'{\"forged\": true}'::jsonb".into(),
        "bytea" => format!("coalesce({c}, ''::bytea) || '\\x00'::bytea"),
        other => panic!("no forged value for {column} of type {other}: add one"),
    }
}

/// `row` with a fresh value in each key column that is neither the owner nor a reference;
/// whether there was one.
fn with_fresh_key(table: &Table, mut row: Value) -> (Value, bool) {
    let mut fresh = false;
    for key in &table.key {
        if key == "user_id" || table.references.contains(key) {
            continue;
        }
        let kind = table.columns.iter().find(|(column, _)| column == key).map(|(_, kind)| kind.as_str());
        let value = &mut row[key.as_str()];
        *value = match (kind, &*value) {
            (Some("uuid"), _) => Value::String(uuid::Uuid::new_v4().to_string()),
            (Some("bigint" | "integer"), Value::Number(n)) => (n.as_i64().unwrap() + 1_000_000).into(),
            (Some("text"), Value::String(text)) => format!("{text}-copy").into(),
            other => panic!("no fresh value for key {key} of {}: {other:?}", table.name),
        };
        fresh = true;
    }
    (row, fresh)
}
