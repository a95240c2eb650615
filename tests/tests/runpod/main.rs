//! The RunPod serverless backend.
//!
//! - [`local_server`]: against the REAL runpod SDK's local API server running the trainer's
//!   handler (`python -m brightrun_trainer.runpod_handler --rp_serve_api`), which runs the
//!   real trainer on the smoke model, with the adapter uploaded through signed URLs to an
//!   S3-compatible server that checks signatures. Needs a Python with the trainer's
//!   dependencies and `runpod` (`BRIGHTRUN_TRAINER_PYTHON`, `scripts/python-env` installs
//!   it): without it these tests print SKIPPED, or fail when `CI=true`.
//! - [`api`]: against a TEST DOUBLE of RunPod's API ([`double`]) for what the local server
//!   cannot do: cancel a running job, forget a job (expiry), refuse a key, report COMPLETED
//!   for a failed worker, fail a killed one.

mod api;
mod double;
mod local_server;

use std::time::Duration;

use brightrun_core::model::TrainingJob;
use brightrun_core::orchestrator::OrchestratorOptions;
use brightrun_tests::engine::{Backend, World};

/// A world on `backend` whose store is an S3-compatible server (s3s, checking SigV4).
pub(crate) async fn world(backend: Backend) -> World {
    // Short leases, so that a dead orchestrator's work is taken over within seconds; the
    // local server holds a pass for a whole run (it trains inside one request): the default.
    let lease = match backend {
        Backend::Choice(_) => OrchestratorOptions::default().lease,
        Backend::Built(_) => chrono::TimeDelta::seconds(3),
    };
    let options =
        OrchestratorOptions { poll_interval: Duration::from_millis(100), lease, ..OrchestratorOptions::default() };
    let world = World::on_s3(backend, options).await;
    assert_eq!(world.app.backend().name(), "runpod");
    world
}

/// Checks that the job's model holds the adapter, each stored file matching its sha256 and
/// size, and that the attempt's objects are gone from the store.
pub(crate) async fn assert_adapter_stored(world: &World, job: &TrainingJob) {
    world.assert_model_files_verified(job).await;
    brightrun_tests::engine::assert_attempt_objects_removed(world.bucket.as_deref().expect("a store of its own"));
}
