//! A Supabase project in miniature, in a database of its own: Supabase's client roles, its
//! `auth.uid()` as Supabase defines it, BrightRun's schema exposed the way Supabase's guide to
//! custom schemas says (before BrightRun creates its tables), and client sessions opened the way
//! PostgREST opens one per request.

use std::sync::Arc;

use brightrun_core::model::UserId;
use brightrun_core::store::{self, Database, PostgresOptions};
use sqlx::{Connection, Executor, PgConnection, Postgres, Transaction};

use crate::harness::{admin_execute, fresh_schema, postgres_url};

/// Supabase's roles. They belong to the whole cluster, so they are made once and kept.
const ROLES: [&str; 3] = ["anon", "authenticated", "service_role"];

/// Supabase's own definition of `auth.uid()`: the `sub` claim of the request's JWT.
const AUTH_SCHEMA: &str = "CREATE SCHEMA auth; \
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ \
      SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''), \
                      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$; \
    GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role; \
    GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role";

/// The host's part of exposing a schema through the API, from Supabase's guide.
pub const HOST_GRANTS_ALL: &str = "GRANT ALL ON ALL TABLES IN SCHEMA brightrun TO anon, authenticated, service_role";

/// A database with Supabase's roles and `auth` schema, BrightRun's tables migrated in schema
/// `brightrun`.
pub struct SupabaseProject {
    /// The store, connected as the tables' owner like the control plane.
    pub db: Arc<dyn Database>,
    /// The project database's URL (the test database's role, a superuser).
    pub url: String,
    server_url: String,
    database: String,
}

/// Who a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// No JWT: the anon key.
    Anon,
    /// A signed-in user.
    User(UserId),
}

impl Client {
    /// The PostgreSQL role PostgREST switches to.
    pub fn role(self) -> &'static str {
        match self {
            Client::Anon => "anon",
            Client::User(_) => "authenticated",
        }
    }

    /// The JWT's claims, as PostgREST puts them in `request.jwt.claims`.
    fn claims(self) -> serde_json::Value {
        match self {
            Client::Anon => serde_json::json!({"role": "anon", "iss": "supabase"}),
            Client::User(user) => serde_json::json!({
                "sub": user.to_string(), "role": "authenticated", "aud": "authenticated", "iss": "supabase",
            }),
        }
    }
}

impl SupabaseProject {
    /// Creates the project and opens the store in it; `None` (after printing SKIPPED) without a
    /// PostgreSQL test database.
    pub async fn create(test: &str) -> Option<Self> {
        let server_url = postgres_url(test)?;
        ensure_client_roles(&server_url).await;
        let database = fresh_schema();
        admin_execute(&server_url, format!("CREATE DATABASE \"{database}\"")).await;
        let url = with_database(&server_url, &database);
        admin_execute(&url, AUTH_SCHEMA.into()).await;
        admin_execute(
            &url,
            "CREATE SCHEMA brightrun; \
             GRANT USAGE ON SCHEMA brightrun TO anon, authenticated, service_role; \
             ALTER DEFAULT PRIVILEGES IN SCHEMA brightrun GRANT ALL ON TABLES TO anon, authenticated, service_role"
                .into(),
        )
        .await;
        let db = store::open_postgres(&PostgresOptions::new(&url)).await.unwrap();
        Some(Self { db, url, server_url, database })
    }

    /// A connection as the tables' owner.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.unwrap()
    }

    /// Drops the project's database.
    pub async fn finish(self) {
        drop(self.db);
        admin_execute(&self.server_url, format!("DROP DATABASE \"{}\" WITH (FORCE)", self.database)).await;
    }
}

/// Makes Supabase's roles in the cluster of `url` unless they exist.
pub async fn ensure_client_roles(url: &str) {
    for role in ROLES {
        let create = format!(
            "DO $$ BEGIN CREATE ROLE {role} NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        );
        admin_execute(url, create).await;
    }
}

/// Begins what PostgREST begins for a request of `client`: a transaction that switches to the
/// client's role and carries the JWT's claims. Whatever ran before in `transaction` ran as the
/// owner.
pub async fn act_as(transaction: &mut Transaction<'_, Postgres>, client: Client) {
    transaction.execute(sqlx::AssertSqlSafe(format!("SET LOCAL ROLE {}", client.role()))).await.unwrap();
    sqlx::query("SELECT set_config('request.jwt.claims', $1, true)")
        .bind(client.claims().to_string())
        .execute(&mut **transaction)
        .await
        .unwrap();
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}
