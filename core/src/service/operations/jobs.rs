//! A job's arguments: the dataset and the estimate's flat options.

use super::{JobArgs, OperationError, parse, parse_id};
use crate::config::{GpuSelection, Preset};
use crate::model::DatasetId;
use crate::service::JobRequest;

/// A job request from its arguments (JSON text): `dataset_id` and the estimate's options
/// ([`FlatEstimateOptions`](crate::estimate::FlatEstimateOptions): base model, GPU, count, price, preset and any hyperparameter).
/// Hyperparameters that differ from the preset's make the preset `custom`.
pub fn job_request(args: &str) -> Result<JobRequest, OperationError> {
    let args: JobArgs = parse(args)?;
    let dataset_id = parse_id::<DatasetId>("dataset", &args.dataset_id)?;
    let options = args.options.into_options()?;
    let defaults = options.preset.hyperparameters(&options.base_model);
    let mut hyperparameters = defaults.clone();
    options.overrides.apply(&mut hyperparameters);
    hyperparameters.validate().map_err(crate::Error::from)?;
    let preset = if hyperparameters == defaults { options.preset } else { Preset::Custom };
    let gpu = GpuSelection::new(&options.gpu, options.gpus, options.price_per_gpu_hour).map_err(crate::Error::from)?;
    Ok(JobRequest {
        dataset_id,
        preset,
        base_model: options.base_model,
        hyperparameters: Some(hyperparameters),
        gpu,
        measured_tokens_per_second: options.measured_tokens_per_second,
    })
}
