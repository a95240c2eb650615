//! The store's story, each test written once and run on SQLite and on PostgreSQL
//! (`BRIGHTRUN_TEST_DATABASE_URL`; without it the PostgreSQL half prints SKIPPED).

mod harness;

mod catalog;
mod claims;
mod constraints;
mod datasets;
mod fixtures;
mod handles;
mod isolation;
mod jobs;
mod metrics;
mod open;
mod postgres_only;
mod privileges;
mod records;
mod supabase;
