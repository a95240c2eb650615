//! What a job costs, in exact decimal dollars, shown in whole cents.
//!
//! `compute = billable hours x price per GPU-hour x GPUs`, where the billable hours are the
//! wall-clock hours rounded *up* to 0.0001 h (0.36 s, finer than any provider's per-second
//! billing); `storage = GB stored x price per GB-month x months` for the dataset and the
//! adapter. No money ever passes through a float: only the duration does, before it is
//! rounded to a decimal number of hours. Each amount is computed exactly, then rounded to
//! whole cents (half up) once; the total is the sum of the rounded parts, so the figures
//! shown always add up. Every multiplication is checked: an amount beyond what a decimal
//! holds is [`EstimateError::OutOfRange`], never a panic.

use rust_decimal::Decimal;
use serde::Serialize;

use super::assumptions::Assumptions;
use super::error::EstimateError;
use super::spread::Spread;
use crate::config::GpuSelection;
use crate::model::{CURRENCY, Money};

/// Decimal places of billable hours.
pub const BILLABLE_HOUR_DECIMALS: u32 = 4;

/// The cost of a job and what it is made of. Money is in whole cents.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CostEstimate {
    /// Always `USD`.
    pub currency: &'static str,
    /// Price per GPU-hour used.
    pub price_per_gpu_hour: Money,
    /// GPUs billed.
    pub gpu_count: u32,
    /// Wall-clock hours billed, rounded up to 0.0001 h.
    #[cfg_attr(feature = "schema", schemars(with = "crate::estimate::Spread<crate::model::DecimalText>"))]
    pub billable_hours: Spread<Decimal>,
    /// Billable hours x GPUs.
    #[cfg_attr(feature = "schema", schemars(with = "crate::estimate::Spread<crate::model::DecimalText>"))]
    pub gpu_hours: Spread<Decimal>,
    /// Compute cost: billable hours x price x GPUs, in cents.
    pub compute: Spread<Money>,
    /// Gigabytes stored (dataset and adapter).
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::DecimalText"))]
    pub storage_gb: Decimal,
    /// Storage cost for the assumed months, in cents.
    pub storage: Money,
    /// Expected total: expected compute + storage.
    pub total: Money,
    /// Total in the low, expected and high cases.
    pub total_range: Spread<Money>,
}

/// Wall-clock seconds as billable hours, rounded up to [`BILLABLE_HOUR_DECIMALS`] places.
/// Negative and NaN seconds bill nothing; beyond `u64::MAX` ten-thousandths of an hour (an
/// infinite duration) it saturates, so callers bound their durations first.
pub fn billable_hours(seconds: f64) -> Decimal {
    let units_per_hour = 10f64.powi(BILLABLE_HOUR_DECIMALS as i32);
    // `as` saturates: a NaN becomes 0 and an infinity u64::MAX, never a panic.
    let units = (seconds.max(0.0) * units_per_hour / 3600.0).ceil() as u64;
    Decimal::from(units) / Decimal::from(10u64.pow(BILLABLE_HOUR_DECIMALS))
}

/// The exact GPU cost of `hours` billable hours on `gpu` (price x hours x GPUs), not yet
/// rounded; `None` when it is beyond what a decimal holds.
pub fn compute_cost(gpu: &GpuSelection, hours: Decimal) -> Option<Money> {
    gpu.price_per_gpu_hour.checked_mul(hours)?.checked_mul(Decimal::from(gpu.gpu_count)).map(|cost| cost.normalize())
}

/// Prices a job of `seconds` on `gpu`, storing `stored_bytes`.
pub fn estimate_cost(
    seconds: Spread<f64>,
    gpu: &GpuSelection,
    stored_bytes: u64,
    assumptions: &Assumptions,
) -> Result<CostEstimate, EstimateError> {
    let out_of_range = |what: &'static str| EstimateError::OutOfRange { what };
    let gpus = Decimal::from(gpu.gpu_count);
    let hours = seconds.map(billable_hours);
    let gpu_hours = hours.try_map(|h| h.checked_mul(gpus).map(|g| g.normalize()).ok_or(out_of_range("GPU-hours")))?;
    let compute = hours
        .try_map(|h| compute_cost(gpu, h).map(|cost| cost.round_to_cents()).ok_or(out_of_range("compute cost")))?;
    let storage_gb = Decimal::from_i128_with_scale(i128::from(stored_bytes), 9);
    let storage = assumptions
        .storage_price_per_gb_month
        .checked_mul(storage_gb)
        .and_then(|cost| cost.checked_mul(assumptions.storage_months))
        .map(|cost| cost.round_to_cents())
        .ok_or(out_of_range("storage cost"))?;
    let total_range = compute.try_map(|c| c.checked_add(storage).ok_or(out_of_range("total cost")))?;
    Ok(CostEstimate {
        currency: CURRENCY,
        price_per_gpu_hour: gpu.price_per_gpu_hour,
        gpu_count: gpu.gpu_count,
        billable_hours: hours,
        gpu_hours,
        compute,
        storage_gb,
        storage,
        total: total_range.expected,
        total_range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;

    #[test]
    fn billable_hours_round_up_to_a_ten_thousandth() {
        assert_eq!(billable_hours(3600.0).to_string(), "1");
        assert_eq!(billable_hours(3600.1).to_string(), "1.0001");
        assert_eq!(billable_hours(0.0).to_string(), "0");
        assert_eq!(billable_hours(-5.0).to_string(), "0");
        assert_eq!(billable_hours(f64::NAN).to_string(), "0");
    }

    #[test]
    fn cost_is_exact_decimal_rounded_once_to_cents() {
        let gpu = GpuSelection::new("A100-80GB", 2, Some("1.64".parse().unwrap())).unwrap();
        let cost = estimate_cost(Spread::exact(5400.0), &gpu, 1_500_000_000, &Assumptions::default()).unwrap();
        assert_eq!(cost.compute.expected.to_string(), "4.92");
        assert_eq!(cost.gpu_hours.expected.to_string(), "3");
        // 1.5 GB x $0.021 x 1 month = $0.0315, shown as $0.03.
        assert_eq!(cost.storage.to_string(), "0.03");
        assert_eq!(cost.total.to_string(), "4.95");
        assert_eq!(cost.total, cost.compute.expected + cost.storage);
        assert_eq!(cost.currency, "USD");
    }

    #[test]
    fn a_fraction_of_a_cent_rounds_half_up() {
        // 0.0001 h x $0.05 = $0.000005: nothing; 0.1 h x $0.05 = $0.005: one cent.
        let gpu = GpuSelection::new("A100-80GB", 1, Some("0.05".parse().unwrap())).unwrap();
        let tiny = estimate_cost(Spread::exact(0.36), &gpu, 0, &Assumptions::default()).unwrap();
        assert_eq!(tiny.total.to_string(), "0.00");
        let half = estimate_cost(Spread::exact(360.0), &gpu, 0, &Assumptions::default()).unwrap();
        assert_eq!(half.total.to_string(), "0.01");
    }

    #[test]
    fn an_amount_no_decimal_holds_is_an_error_not_a_panic() {
        let gpu = GpuSelection::new("A100-80GB", 8, Some("10000".parse().unwrap())).unwrap();
        let assumptions =
            Assumptions { storage_price_per_gb_month: Money::new(Decimal::MAX), ..Assumptions::default() };
        let err = estimate_cost(Spread::exact(3600.0), &gpu, u64::MAX, &assumptions).unwrap_err();
        assert_eq!(err.code(), "estimate_out_of_range");
        assert!(err.to_string().contains("storage cost"), "{err}");
        let gpu = GpuSelection { price_per_gpu_hour: Money::new(Decimal::MAX), ..gpu };
        assert_eq!(compute_cost(&gpu, Decimal::TWO), None);
    }
}
