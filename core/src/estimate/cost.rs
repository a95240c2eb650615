//! What a job costs, in exact decimal dollars.
//!
//! `compute = billable hours x price per GPU-hour x GPUs`, where the billable hours are the
//! estimated wall-clock hours rounded *up* to 0.0001 h (0.36 s, finer than any provider's
//! per-second billing); `storage = GB stored x price per GB-month x months` for the dataset
//! and the adapter. No money ever passes through a float: only the duration does, before
//! it is rounded to a decimal number of hours.

use rust_decimal::Decimal;
use serde::Serialize;

use super::assumptions::Assumptions;
use super::spread::Spread;
use crate::config::GpuSelection;
use crate::model::{CURRENCY, Money};

/// Decimal places of billable hours.
pub const BILLABLE_HOUR_DECIMALS: u32 = 4;

/// The cost of a job and what it is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostEstimate {
    /// Always `USD`.
    pub currency: &'static str,
    /// Price per GPU-hour used.
    pub price_per_gpu_hour: Money,
    /// GPUs billed.
    pub gpu_count: u32,
    /// Wall-clock hours billed, rounded up to 0.0001 h.
    pub billable_hours: Spread<Decimal>,
    /// Billable hours x GPUs.
    pub gpu_hours: Spread<Decimal>,
    /// Compute cost: billable hours x price x GPUs.
    pub compute: Spread<Money>,
    /// Gigabytes stored (dataset and adapter).
    pub storage_gb: Decimal,
    /// Storage cost for the assumed months.
    pub storage: Money,
    /// Expected total: expected compute + storage.
    pub total: Money,
    /// Total in the low, expected and high cases.
    pub total_range: Spread<Money>,
}

/// Wall-clock seconds as billable hours, rounded up to [`BILLABLE_HOUR_DECIMALS`] places.
pub fn billable_hours(seconds: f64) -> Decimal {
    let units_per_hour = 10f64.powi(BILLABLE_HOUR_DECIMALS as i32);
    // `as` saturates: a NaN becomes 0 and an infinity u64::MAX, never a panic.
    let units = (seconds.max(0.0) * units_per_hour / 3600.0).ceil() as u64;
    Decimal::from(units) / Decimal::from(10u64.pow(BILLABLE_HOUR_DECIMALS))
}

/// Prices a job of `seconds` on `gpu`, storing `stored_bytes`.
pub fn estimate_cost(
    seconds: Spread<f64>,
    gpu: &GpuSelection,
    stored_bytes: u64,
    assumptions: &Assumptions,
) -> CostEstimate {
    let price = gpu.price_per_gpu_hour;
    let gpus = Decimal::from(gpu.gpu_count);
    let hours = seconds.map(billable_hours);
    let gpu_hours = hours.map(|h| (h * gpus).normalize());
    let compute = hours.map(|h| (price * h * gpus).normalize());
    let storage_gb = Decimal::from_i128_with_scale(i128::from(stored_bytes), 9);
    let storage = (assumptions.storage_price_per_gb_month * storage_gb * assumptions.storage_months).normalize();
    let total_range = compute.map(|c| c + storage);
    CostEstimate {
        currency: CURRENCY,
        price_per_gpu_hour: price,
        gpu_count: gpu.gpu_count,
        billable_hours: hours,
        gpu_hours,
        compute,
        storage_gb,
        storage,
        total: total_range.expected,
        total_range,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billable_hours_round_up_to_a_ten_thousandth() {
        assert_eq!(billable_hours(3600.0).to_string(), "1");
        assert_eq!(billable_hours(3600.1).to_string(), "1.0001");
        assert_eq!(billable_hours(0.0).to_string(), "0");
        assert_eq!(billable_hours(f64::NAN).to_string(), "0");
    }

    #[test]
    fn cost_is_exact_decimal() {
        let gpu = GpuSelection::new("A100-80GB", 2, Some("1.64".parse().unwrap())).unwrap();
        let cost = estimate_cost(Spread::exact(5400.0), &gpu, 1_500_000_000, &Assumptions::default());
        assert_eq!(cost.compute.expected.to_string(), "4.92");
        assert_eq!(cost.gpu_hours.expected.to_string(), "3");
        // 1.5 GB x $0.021 x 1 month.
        assert_eq!(cost.storage.to_string(), "0.0315");
        assert_eq!(cost.total, cost.compute.expected + cost.storage);
        assert_eq!(cost.total.round_to_cents().to_string(), "4.95");
        assert_eq!(cost.currency, "USD");
    }
}
