//! The GPU catalog: what each card can hold and compute, and what it costs by default.
//!
//! `CPU` stands for the local machine without a GPU: it runs the smoke model of the
//! reference trainer (figures of a small 2-4 core host, priced at $0 by default).
//!
//! Figures are the vendors' data-sheet values: memory as marketed (GiB), bf16 dense tensor
//! peak without sparsity, memory bandwidth. Prices are indicative on-demand US-dollar rates
//! per GPU-hour of community clouds (RunPod, Lambda) in 2026; every user overrides them with
//! their own contract rate.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::CatalogError;
use crate::model::Money;

/// One kind of GPU.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GpuSpec {
    /// Catalog name (`A100-80GB`).
    pub name: &'static str,
    /// Memory per GPU in GiB.
    pub memory_gb: f64,
    /// Dense bf16 tensor-core peak in TFLOP/s (no sparsity).
    pub bf16_tflops: f64,
    /// Memory bandwidth in GB/s.
    pub memory_bandwidth_gbps: f64,
    /// Default price per GPU-hour in USD.
    pub default_price_per_hour: Money,
}

const fn price(cents: i64) -> Money {
    Money::new(Decimal::from_parts(cents as u32, 0, 0, false, 2))
}

/// Every GPU the estimator knows.
pub const GPU_CATALOG: &[GpuSpec] = &[
    GpuSpec {
        name: "A6000-48GB",
        memory_gb: 48.0,
        bf16_tflops: 154.8,
        memory_bandwidth_gbps: 768.0,
        default_price_per_hour: price(49),
    },
    GpuSpec {
        name: "L40S-48GB",
        memory_gb: 48.0,
        bf16_tflops: 362.1,
        memory_bandwidth_gbps: 864.0,
        default_price_per_hour: price(86),
    },
    GpuSpec {
        name: "A100-40GB",
        memory_gb: 40.0,
        bf16_tflops: 312.0,
        memory_bandwidth_gbps: 1555.0,
        default_price_per_hour: price(129),
    },
    GpuSpec {
        name: "A100-80GB",
        memory_gb: 80.0,
        bf16_tflops: 312.0,
        memory_bandwidth_gbps: 2039.0,
        default_price_per_hour: price(164),
    },
    GpuSpec {
        name: "H100-80GB",
        memory_gb: 80.0,
        bf16_tflops: 989.4,
        memory_bandwidth_gbps: 3350.0,
        default_price_per_hour: price(269),
    },
    GpuSpec {
        name: "CPU",
        memory_gb: 16.0,
        bf16_tflops: 0.2,
        memory_bandwidth_gbps: 20.0,
        default_price_per_hour: price(0),
    },
    GpuSpec {
        name: "H200-141GB",
        memory_gb: 141.0,
        bf16_tflops: 989.4,
        memory_bandwidth_gbps: 4800.0,
        default_price_per_hour: price(359),
    },
];

/// The most GPUs one job may use (one node).
pub const MAX_GPUS_PER_JOB: u32 = 8;

/// The highest price per GPU-hour accepted, in USD: far above any rental rate, low enough
/// that no job's cost comes near what a decimal holds.
pub const MAX_PRICE_PER_GPU_HOUR: Money = Money::new(Decimal::from_parts(10_000, 0, 0, false, 0));

impl GpuSpec {
    /// Looks a GPU up by catalog name, ignoring case (`h100-80gb` works).
    pub fn find(name: &str) -> Result<&'static GpuSpec, CatalogError> {
        GPU_CATALOG.iter().find(|gpu| gpu.name.eq_ignore_ascii_case(name.trim())).ok_or_else(|| {
            CatalogError::UnknownGpu {
                name: name.to_owned(),
                known: GPU_CATALOG.iter().map(|g| g.name).collect::<Vec<_>>().join(", "),
            }
        })
    }
}

impl FromStr for &'static GpuSpec {
    type Err = CatalogError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GpuSpec::find(s)
    }
}

/// The GPUs a job runs on: a kind, a count and the price actually paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GpuSelection {
    /// Catalog name of the GPU.
    pub gpu_type: String,
    /// GPUs in the job, 1 to 8.
    pub gpu_count: u32,
    /// Price per GPU-hour in USD.
    pub price_per_gpu_hour: Money,
}

impl GpuSelection {
    /// `count` GPUs of a catalog kind, at `price` (from $0 to [`MAX_PRICE_PER_GPU_HOUR`]) or
    /// the catalog's default price.
    pub fn new(gpu_type: &str, count: u32, price: Option<Money>) -> Result<Self, CatalogError> {
        let spec = GpuSpec::find(gpu_type)?;
        let selection = Self {
            gpu_type: spec.name.to_owned(),
            gpu_count: count,
            price_per_gpu_hour: price.unwrap_or(spec.default_price_per_hour),
        };
        selection.validate()?;
        Ok(selection)
    }

    /// Checks a selection however it was made (its fields are public, and it deserialises):
    /// a catalog GPU, 1 to [`MAX_GPUS_PER_JOB`] of them, a price from $0 to
    /// [`MAX_PRICE_PER_GPU_HOUR`]. Returns the catalog entry.
    pub fn validate(&self) -> Result<&'static GpuSpec, CatalogError> {
        let spec = self.spec()?;
        if !(1..=MAX_GPUS_PER_JOB).contains(&self.gpu_count) {
            return Err(CatalogError::InvalidGpuCount { count: self.gpu_count });
        }
        if !(Money::ZERO..=MAX_PRICE_PER_GPU_HOUR).contains(&self.price_per_gpu_hour) {
            return Err(CatalogError::InvalidPrice { price: self.price_per_gpu_hour, max: MAX_PRICE_PER_GPU_HOUR });
        }
        Ok(spec)
    }

    /// The GPUs an engine reserves for the job's worker (its worker spec's `gpus`): the
    /// count, or 0 for the catalog's `CPU`, which stands for a machine without a GPU.
    pub fn worker_gpus(&self) -> u32 {
        if self.gpu_type.eq_ignore_ascii_case("CPU") { 0 } else { self.gpu_count }
    }

    /// The catalog entry of the selected GPU.
    pub fn spec(&self) -> Result<&'static GpuSpec, CatalogError> {
        GpuSpec::find(&self.gpu_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;

    #[test]
    fn catalog_has_the_required_gpus() {
        for name in ["A6000-48GB", "L40S-48GB", "A100-40GB", "A100-80GB", "H100-80GB", "H200-141GB"] {
            let gpu = GpuSpec::find(name).unwrap();
            assert!(gpu.memory_gb > 0.0 && gpu.bf16_tflops > 0.0 && gpu.memory_bandwidth_gbps > 0.0);
            assert!(gpu.default_price_per_hour > Money::ZERO);
        }
    }

    #[test]
    fn lookup_ignores_case_and_lists_choices_when_unknown() {
        assert_eq!(GpuSpec::find("h100-80gb").unwrap().name, "H100-80GB");
        let err = GpuSpec::find("RTX-4090").unwrap_err();
        assert_eq!(err.code(), "unknown_gpu");
        assert!(err.to_string().contains("H200-141GB"));
    }

    #[test]
    fn selection_checks_the_count_and_keeps_a_price_override() {
        assert_eq!(GpuSelection::new("A100-80GB", 0, None).unwrap_err().code(), "invalid_gpu_count");
        assert!(GpuSelection::new("A100-80GB", 9, None).is_err());
        let own: Money = "1.10".parse().unwrap();
        let sel = GpuSelection::new("a100-80gb", 2, Some(own)).unwrap();
        assert_eq!((sel.gpu_type.as_str(), sel.gpu_count, sel.price_per_gpu_hour), ("A100-80GB", 2, own));
        assert_eq!(GpuSelection::new("A100-80GB", 1, None).unwrap().price_per_gpu_hour.to_string(), "1.64");
    }

    #[test]
    fn selection_refuses_negative_and_absurd_prices() {
        for price in ["-0.01", "-3600", "10000.01", "79228162514264337593543950335"] {
            let err = GpuSelection::new("A100-80GB", 1, Some(price.parse().unwrap())).unwrap_err();
            assert_eq!(err.code(), "invalid_price", "{price}");
            assert!(err.to_string().contains("$10000"), "{err}");
        }
        for price in ["0", "10000", "3600"] {
            assert!(GpuSelection::new("A100-80GB", 8, Some(price.parse().unwrap())).is_ok(), "{price}");
        }
        // A selection built or read without `new` is checked the same way.
        let forged =
            GpuSelection { gpu_type: "A100-80GB".into(), gpu_count: 1, price_per_gpu_hour: "-1".parse().unwrap() };
        assert_eq!(forged.validate().unwrap_err().code(), "invalid_price");
        let forged = GpuSelection { gpu_count: 0, ..GpuSelection::new("A100-80GB", 1, None).unwrap() };
        assert_eq!(forged.validate().unwrap_err().code(), "invalid_gpu_count");
    }
}
