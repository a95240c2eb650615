//! The whole flow on the embedded default: upload a dataset, validate it, estimate and
//! create a job, run the orchestrator until the adapter is trained, and print where it is.
//!
//! ```sh
//! scripts/python-env                     # the venv with the reference trainer
//! BRIGHTRUN_HOME=$(mktemp -d) BRIGHTRUN_WORKER=".venv/bin/python -m brightrun_trainer" \
//!   cargo run -p brightrun-examples --example lifecycle -- examples/data/sample_v4.jsonl
//! ```
//!
//! It trains the `smoke` model (a tiny random Llama, CPU, seconds); pass another base model
//! id as the second argument on a machine with a GPU.

use std::time::Duration;

use brightrun_core::blob::Location;
use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::dataset::{EstimatedTokenCounter, ValidateOptions, validate_path};
use brightrun_core::model::{DatasetStatus, UserId};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions};
use brightrun_core::service::{BrightRun, JobRequest, NewDataset};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: lifecycle DATASET [BASE_MODEL]")?;
    let base_model = args.next().unwrap_or_else(|| "smoke".into());
    let app = BrightRun::open_default().await?;
    let orchestrator = Orchestrator::new(app.clone(), OrchestratorOptions::default());
    let user = UserId::new();

    // The host tells BrightRun what the file is; here we let the validator recognise it.
    let options = ValidateOptions { min_examples: 1, ..ValidateOptions::default() };
    let format = validate_path(&path, &options, &EstimatedTokenCounter)?.format.ok_or("no records in the file")?;
    let bytes = std::fs::read(&path)?;
    let upload = app
        .create_dataset(
            user,
            NewDataset {
                name: "example dataset".into(),
                description: None,
                format,
                file_name: path.rsplit('/').next().unwrap_or("dataset.jsonl").into(),
                declared_size: bytes.len() as u64,
            },
        )
        .await?;
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes))]);
    let dataset = app.upload_dataset(user, upload.dataset.id, chunks).await?;
    orchestrator.run_once().await?;
    let dataset = app.get_dataset(user, dataset.id).await?;
    println!("dataset {}: {} ({} training pairs)", dataset.id, dataset.status, dataset.total_training_pairs);
    if dataset.status != DatasetStatus::Ready {
        for finding in &dataset.validation_errors {
            println!("  line {:?}: {} {}", finding.line, finding.code, finding.message);
        }
        return Err("the dataset is not ready".into());
    }

    let mut hyperparameters = Preset::Conservative.hyperparameters(&base_model);
    (hyperparameters.epochs, hyperparameters.warmup_steps, hyperparameters.learning_rate) = (2, 2, 5e-3);
    let request = JobRequest {
        dataset_id: dataset.id,
        preset: Preset::Custom,
        base_model,
        hyperparameters: Some(hyperparameters),
        gpu: GpuSelection::new("CPU", 1, None)?,
        measured_tokens_per_second: None,
    };
    let estimate = app.estimate_job(user, &request).await?;
    println!("estimate: {:.3} h, ${}", estimate.duration_hours.expected, estimate.cost.total.round_to_cents());
    let job = app.create_job(user, &request).await?;
    let mut last = (String::new(), u64::MAX);
    let job = loop {
        orchestrator.run_once().await?;
        let job = app.get_job(user, job.id).await?.job;
        if job.status.is_final() {
            break job;
        }
        // A line per change only.
        if last == (job.status.to_string(), job.current_step) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        last = (job.status.to_string(), job.current_step);
        let loss = job.current_metrics.and_then(|m| m.training_loss).map_or("-".into(), |l| format!("{l:.3}"));
        println!("  {} step {}/{} loss {loss}", job.status, job.current_step, job.total_steps);
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    println!("job {}: {} {}", job.id, job.status, job.error_message.unwrap_or_default());
    if let Some(model_id) = job.artifact_id {
        for file in app.model_downloads(user, model_id, Duration::from_secs(3600)).await? {
            let at = match &file.location {
                Location::SignedUrl { url, .. } => url.to_string(),
                Location::LocalPath(path) => path.display().to_string(),
            };
            println!("  {} ({} bytes) {at}", file.name, file.bytes);
        }
    }
    Ok(())
}
