//! Estimates a LoRA job on Mistral 7B with the balanced preset.
//!
//! Run with `cargo run -p brightrun-examples --example estimate`.

use brightrun_core::config::{BaseModel, GpuSelection, Preset};
use brightrun_core::estimate::{Assumptions, DatasetSize, EstimateRequest, estimate};

fn main() -> Result<(), brightrun_core::Error> {
    let model = BaseModel::find("mistralai/Mistral-7B-v0.1")?;
    let hyperparameters = Preset::Balanced.hyperparameters(model.id);
    let gpu = GpuSelection::new("A100-80GB", 1, None)?;
    let result = estimate(&EstimateRequest {
        architecture: &model.architecture,
        hyperparameters: &hyperparameters,
        gpu: &gpu,
        dataset: DatasetSize { tokens_per_epoch: 2_500_000, training_examples: Some(1_200), dataset_bytes: 12_000_000 },
        measured_tokens_per_second: None,
        assumptions: &Assumptions::default(),
    })?;
    println!(
        "{:.2} h, ${} (fits: {}, {:.1} of {:.0} GiB)",
        result.duration_hours.expected,
        result.cost.total.round_to_cents(),
        result.memory.fits,
        result.memory.required_gb,
        result.memory.available_gb,
    );
    Ok(())
}
