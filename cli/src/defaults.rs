//! What `brightrun train` uses when `--gpu` is left out: the GPU this machine has.

use std::process::Command;

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
}
