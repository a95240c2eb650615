//! The empirical constants behind every estimate, in one place, overridable by a host.
//!
//! Defaults come from public measurements of LoRA training with Hugging Face transformers,
//! PEFT and bitsandbytes: model-FLOPs utilisation of 30-50% on A100/H100-class GPUs for
//! 7B-70B models at 2k context, QLoRA's dequantisation costing roughly a third of the
//! throughput (Dettmers et al., 2023, and the PEFT/bitsandbytes issue trackers), LLM.int8
//! matmuls running at about half speed (Dettmers et al., 2022, sec. 5).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::spread::Spread;
use crate::config::Quantization;
use crate::model::Money;

/// Constants of the duration, cost and memory models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Assumptions {
    /// Model-FLOPs utilisation: achieved FLOP/s over the GPU's dense bf16 peak.
    pub utilization: Spread<f64>,
    /// Throughput lost per extra GPU to communication (0.08 = 8%): the job's speed-up on `n`
    /// GPUs is `n / (1 + overhead x (n - 1))`, which never decreases with `n`.
    pub multi_gpu_overhead: f64,
    /// Throughput relative to bf16 when the base weights are 4-bit NF4.
    pub nf4_throughput_factor: f64,
    /// Throughput relative to bf16 when the base weights are 8-bit.
    pub int8_throughput_factor: f64,
    /// Relative spread applied to a measured throughput (0.15 = plus or minus 15%).
    pub measured_throughput_spread: f64,
    /// Seconds from submission to the first training step, without the model load
    /// (scheduling, container start, imports, CUDA initialisation).
    pub startup_seconds: Spread<f64>,
    /// GB/s at which weights are read or downloaded at load and the adapter is written.
    pub load_bandwidth_gb_per_s: Spread<f64>,
    /// Fixed seconds to save and upload the adapter and tokenizer files.
    pub save_fixed_seconds: f64,
    /// USD per GB-month of object storage (dataset and adapter), S3 standard class.
    pub storage_price_per_gb_month: Money,
    /// Months of storage charged in an estimate.
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::DecimalText"))]
    pub storage_months: Decimal,
    /// GiB each GPU loses to the CUDA context, cuBLAS workspaces and kernels.
    pub memory_fixed_overhead_gb: f64,
    /// Fraction added to the computed memory for allocator fragmentation and temporaries.
    pub memory_fragmentation: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Self {
            utilization: Spread::new(0.50, 0.40, 0.28),
            multi_gpu_overhead: 0.08,
            nf4_throughput_factor: 0.70,
            int8_throughput_factor: 0.45,
            measured_throughput_spread: 0.15,
            startup_seconds: Spread::new(30.0, 90.0, 300.0),
            load_bandwidth_gb_per_s: Spread::new(2.0, 1.0, 0.25),
            save_fixed_seconds: 5.0,
            storage_price_per_gb_month: Money::new(Decimal::new(21, 3)),
            storage_months: Decimal::ONE,
            memory_fixed_overhead_gb: 1.0,
            memory_fragmentation: 0.10,
        }
    }
}

impl Assumptions {
    /// Throughput relative to bf16 for a quantisation of the base weights.
    pub fn quantization_throughput_factor(&self, quantization: Quantization) -> f64 {
        match quantization {
            Quantization::None => 1.0,
            Quantization::Int8 => self.int8_throughput_factor,
            Quantization::Nf4 => self.nf4_throughput_factor,
        }
    }

    /// How many GPUs' worth of throughput `gpu_count` GPUs deliver.
    pub fn effective_gpus(&self, gpu_count: u32) -> f64 {
        let n = f64::from(gpu_count.max(1));
        n / (1.0 + self.multi_gpu_overhead * (n - 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_gpus_always_add_throughput() {
        let a = Assumptions::default();
        for n in 1..8 {
            assert!(a.effective_gpus(n + 1) > a.effective_gpus(n));
        }
        assert_eq!(a.effective_gpus(1), 1.0);
    }

    #[test]
    fn assumptions_round_trip_through_json() {
        let a = Assumptions::default();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Assumptions>(&json).unwrap(), a);
        assert!(json.contains("\"storage_price_per_gb_month\":\"0.021\""), "{json}");
    }
}
