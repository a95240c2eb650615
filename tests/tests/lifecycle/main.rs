//! The whole job lifecycle through the service and the orchestrator, with the local
//! process backend running the protocol TEST DOUBLE (`tests/workers/protocol_test_double.py`)
//! in place of the trainer. Each test runs on SQLite and on PostgreSQL
//! (`BRIGHTRUN_TEST_DATABASE_URL`; without it the PostgreSQL half prints SKIPPED).

// The store tests' harness; what reaches past the store into the database is theirs alone.
#[path = "../store/harness.rs"]
#[allow(dead_code)]
mod harness;

mod world;

mod concurrency;
mod crash;
mod datasets;
mod failpoints;
mod failures;
mod hostile;
mod isolation;
mod launch;
mod leases;
mod money;
mod success;
