//! Money and time while a job runs: the live cost, the ETA, budget alerts.

use chrono::TimeDelta;
use rust_decimal::Decimal;

use crate::config::GpuSelection;
use crate::estimate::billable_hours;
use crate::model::{Money, Timestamp};

/// GPU cost of `seconds` of wall time on `gpu`: billable hours (rounded up to 0.0001 h, as
/// in estimates) x price x GPUs, exact.
pub fn compute_cost(gpu: &GpuSelection, seconds: f64) -> Money {
    (gpu.price_per_gpu_hour * billable_hours(seconds) * Decimal::from(gpu.gpu_count)).normalize()
}

/// Seconds between two timestamps, never negative.
pub fn seconds_between(start: Timestamp, end: Timestamp) -> f64 {
    let micros = end.unix_micros().saturating_sub(start.unix_micros()).max(0);
    micros as f64 / 1e6
}

/// When the run should finish, from the steps done so far and the time they took.
pub fn eta(training_started: Timestamp, now: Timestamp, step: u64, total_steps: u64) -> Option<Timestamp> {
    if step == 0 || total_steps < step {
        return None;
    }
    let per_step = seconds_between(training_started, now) / step as f64;
    let remaining = per_step * (total_steps - step) as f64;
    TimeDelta::try_milliseconds((remaining * 1000.0) as i64).map(|delta| now.plus(delta))
}

/// A threshold the month's spending crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetCrossing {
    /// The alert threshold (a percentage of the budget) was passed.
    Threshold {
        /// The percentage.
        percent: u32,
    },
    /// The budget itself was passed.
    Budget,
}

/// The crossings that happened when the month's spending went from `before` to `after`,
/// for a monthly budget with an alert at `threshold_percent` of it. Each crossing is
/// reported once: only when `before` was under the line and `after` is at or over it.
pub fn budget_crossings(before: Money, after: Money, budget: Money, threshold_percent: u32) -> Vec<BudgetCrossing> {
    if budget <= Money::ZERO {
        return Vec::new();
    }
    let threshold = Money::new(budget.amount() * Decimal::from(threshold_percent) / Decimal::ONE_HUNDRED);
    let mut crossings = Vec::new();
    if threshold_percent < 100 && before < threshold && after >= threshold {
        crossings.push(BudgetCrossing::Threshold { percent: threshold_percent });
    }
    if before < budget && after >= budget {
        crossings.push(BudgetCrossing::Budget);
    }
    crossings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn live_cost_is_exact() {
        let gpu = GpuSelection::new("A100-80GB", 2, Some(money("1.50"))).unwrap();
        assert_eq!(compute_cost(&gpu, 1800.0).to_string(), "1.5");
        assert_eq!(compute_cost(&gpu, 0.0), Money::ZERO);
    }

    #[test]
    fn eta_extrapolates_the_pace_so_far() {
        let start = Timestamp::now();
        let now = start.plus(TimeDelta::seconds(100));
        let eta = eta(start, now, 10, 30).unwrap();
        assert_eq!(seconds_between(now, eta), 200.0);
        assert_eq!(super::eta(start, now, 0, 30), None);
    }

    #[test]
    fn each_budget_line_is_crossed_once() {
        let budget = money("100");
        assert_eq!(
            budget_crossings(money("70"), money("85"), budget, 80),
            vec![BudgetCrossing::Threshold { percent: 80 }]
        );
        assert_eq!(budget_crossings(money("85"), money("90"), budget, 80), vec![]);
        assert_eq!(
            budget_crossings(money("79"), money("100"), budget, 80),
            vec![BudgetCrossing::Threshold { percent: 80 }, BudgetCrossing::Budget]
        );
        assert_eq!(budget_crossings(money("0"), money("5"), Money::ZERO, 80), vec![]);
    }
}
