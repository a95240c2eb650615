//! What `brightrun train` uses when a flag is left out: the GPU this machine has, and
//! values for the smoke model that train in seconds.

use std::process::Command;

use brightrun_core::config::{Hyperparameters, Preset, SMOKE_MODEL_ID};
use brightrun_core::estimate::HyperparameterOverrides;

use crate::error::CliError;

/// The GPU type to train on: `--gpu` when given; else the CUDA GPU this machine shows,
/// named as in the catalog; else `CPU` (no CUDA GPU visible).
pub fn gpu_type(flag: Option<&str>) -> Result<String, CliError> {
    if let Some(gpu) = flag {
        return Ok(gpu.to_owned());
    }
    match visible_gpu() {
        None => Ok("CPU".to_owned()),
        Some(Ok(name)) => Ok(name.to_owned()),
        Some(Err(seen)) => Err(CliError::usage(
            "unknown_gpu",
            format!(
                "this machine has a CUDA GPU ({seen}) that the catalog does not name: pass --gpu (see `brightrun gpus`)"
            ),
        )),
    }
}

/// `None` when no CUDA GPU is visible (no driver, or `CUDA_VISIBLE_DEVICES` empty or
/// `-1`); else the catalog name of the first one, or what was seen when it has none.
fn visible_gpu() -> Option<Result<&'static str, String>> {
    if let Ok(devices) = std::env::var("CUDA_VISIBLE_DEVICES")
        && (devices.trim().is_empty() || devices.trim().starts_with('-'))
    {
        return None;
    }
    let query = Command::new("nvidia-smi")
        .args(["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"])
        .output()
        .ok()
        .filter(|output| output.status.success());
    match query {
        Some(output) => {
            let text = String::from_utf8_lossy(&output.stdout);
            let first = text.lines().next()?.trim().to_owned();
            Some(catalog_gpu(&first).ok_or(first))
        }
        None if std::path::Path::new("/proc/driver/nvidia").exists() => {
            Some(Err("an NVIDIA driver without a working nvidia-smi".to_owned()))
        }
        None => None,
    }
}

/// The catalog name for one line of `nvidia-smi --query-gpu=name,memory.total
/// --format=csv,noheader,nounits` (`NVIDIA H100 80GB HBM3, 81559`).
pub fn catalog_gpu(line: &str) -> Option<&'static str> {
    let (name, memory) = line.rsplit_once(',').unwrap_or((line, ""));
    let name = name.to_ascii_uppercase();
    let memory_mib: u64 = memory.trim().parse().unwrap_or(0);
    let has = |model: &str| name.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| word == model);
    if has("H200") {
        Some("H200-141GB")
    } else if has("H100") {
        Some("H100-80GB")
    } else if has("A100") {
        Some(if memory_mib > 60_000 || name.contains("80GB") { "A100-80GB" } else { "A100-40GB" })
    } else if has("L40S") {
        Some("L40S-48GB")
    } else if has("A6000") {
        Some("A6000-48GB")
    } else {
        None
    }
}

/// The smoke model's values, replacing those of any preset that only suit a real model:
/// a tiny randomly initialised model needs a high learning rate, a short warmup and no
/// dropout, and learns in a few epochs of small batches. On the sample datasets (24
/// conversations) that is 18 to 24 optimiser steps: seconds on a CPU.
fn smoke_values(hyperparameters: &mut Hyperparameters) {
    hyperparameters.learning_rate = 5e-3;
    hyperparameters.batch_size = 4;
    hyperparameters.epochs = 4;
    hyperparameters.lora_rank = 8;
    hyperparameters.lora_alpha = 16;
    hyperparameters.lora_dropout = 0.0;
    hyperparameters.warmup_steps = 2;
    hyperparameters.weight_decay = 0.0;
    hyperparameters.max_seq_len = 1024;
    hyperparameters.gradient_checkpointing = false;
    hyperparameters.target_modules =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"].map(String::from).to_vec();
}

/// The job's preset and values: the preset's (the smoke model's own for `smoke`), then the
/// flags. A job whose values are not exactly its preset's is recorded as `custom`.
pub fn hyperparameters(
    base_model: &str,
    preset: Preset,
    overrides: &HyperparameterOverrides,
) -> (Preset, Hyperparameters) {
    let mut values = preset.hyperparameters(base_model);
    if base_model.eq_ignore_ascii_case(SMOKE_MODEL_ID) {
        smoke_values(&mut values);
    }
    overrides.apply(&mut values);
    let recorded = if values == preset.hyperparameters(base_model) { preset } else { Preset::Custom };
    (recorded, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvidia_names_map_to_the_catalog() {
        assert_eq!(catalog_gpu("NVIDIA H100 80GB HBM3, 81559"), Some("H100-80GB"));
        assert_eq!(catalog_gpu("NVIDIA H200, 143771"), Some("H200-141GB"));
        assert_eq!(catalog_gpu("NVIDIA A100-SXM4-40GB, 40960"), Some("A100-40GB"));
        assert_eq!(catalog_gpu("NVIDIA A100-SXM4-80GB, 81920"), Some("A100-80GB"));
        assert_eq!(catalog_gpu("NVIDIA RTX A6000, 49140"), Some("A6000-48GB"));
        assert_eq!(catalog_gpu("NVIDIA L40S, 46068"), Some("L40S-48GB"));
        assert_eq!(catalog_gpu("NVIDIA GeForce RTX 4090, 24564"), None);
    }

    #[test]
    fn the_smoke_model_gets_quick_values_and_flags_win() {
        let none = HyperparameterOverrides::default();
        let (preset, values) = hyperparameters("smoke", Preset::Balanced, &none);
        assert_eq!((preset, values.learning_rate, values.warmup_steps), (Preset::Custom, 5e-3, 2));
        values.validate().unwrap();
        let (preset, values) = hyperparameters("Qwen/Qwen3-8B", Preset::Balanced, &none);
        assert_eq!((preset, values), (Preset::Balanced, Preset::Balanced.hyperparameters("Qwen/Qwen3-8B")));
        let epochs = HyperparameterOverrides { epochs: Some(2), ..Default::default() };
        let (preset, values) = hyperparameters("smoke", Preset::Balanced, &epochs);
        assert_eq!((preset, values.epochs), (Preset::Custom, 2));
    }
}
