//! Money and time while a job runs: what an attempt costs, the live cost, the ETA, budget
//! alerts.
//!
//! An attempt is billed from its start to its worker's exit (not to when the orchestrator
//! noticed the exit): `billable hours x price x GPUs`, exact, rounded to whole cents (half
//! up) once, in its cost record. A job's cost is the sum of its records, plus, while an
//! attempt runs, that attempt's cost so far.

use rust_decimal::Decimal;
use serde_json::json;

use crate::config::GpuSelection;
use crate::estimate::{EstimateError, billable_hours, compute_cost};
use crate::model::{BillingPeriod, Money, NotificationPriority, NotificationType, Timestamp, UserId};
use crate::service::derived_id;
use crate::service::notify::{Draft, insert_once};
use crate::store::{Database, StoreError};

/// What one attempt costs from `started` to `ended`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttemptCharge {
    /// Wall-clock seconds billed (never negative).
    pub seconds: f64,
    /// Billable hours: the seconds rounded up to 0.0001 h.
    pub billable_hours: Decimal,
    /// Billable hours x price x GPUs, in whole cents (half up).
    pub amount: Money,
}

/// The charge of an attempt that started at `started` (`None`: it never started, so it
/// costs nothing) and ended, or is priced, at `ended`.
pub fn attempt_charge(
    gpu: &GpuSelection,
    started: Option<Timestamp>,
    ended: Timestamp,
) -> Result<AttemptCharge, EstimateError> {
    let seconds = started.map_or(0.0, |start| seconds_between(start, ended));
    let billable_hours = billable_hours(seconds);
    let amount = compute_cost(gpu, billable_hours).ok_or(EstimateError::OutOfRange { what: "compute cost" })?;
    Ok(AttemptCharge { seconds, billable_hours, amount: amount.round_to_cents() })
}

/// What a running job has cost by `now`: its settled attempts (the sum of its cost
/// records) plus the running attempt from `started` to `now`, in whole cents.
pub fn running_cost(
    settled: Money,
    gpu: &GpuSelection,
    started: Option<Timestamp>,
    now: Timestamp,
) -> Result<Money, EstimateError> {
    let running = attempt_charge(gpu, started, now)?.amount;
    settled.checked_add(running).ok_or(EstimateError::OutOfRange { what: "job cost" })
}

/// Seconds between two timestamps, never negative.
pub fn seconds_between(start: Timestamp, end: Timestamp) -> f64 {
    let micros = end.unix_micros().saturating_sub(start.unix_micros()).max(0);
    micros as f64 / 1e6
}

/// Percent of the run done at `step` of `total_steps` (a total of 0 counts as 1): always a
/// number from 0 to 100, whatever the worker reported.
pub fn progress_percent(step: u64, total_steps: u64) -> f64 {
    (step as f64 / total_steps.max(1) as f64 * 100.0).clamp(0.0, 100.0)
}

/// When the run should finish, from the steps done so far and the time they took; `None`
/// before the first step, when the worker's counts make no sense (more steps done than in
/// the run) or when the time would be beyond any timestamp.
pub fn eta(training_started: Timestamp, now: Timestamp, step: u64, total_steps: u64) -> Option<Timestamp> {
    if step == 0 || total_steps < step {
        return None;
    }
    let per_step = seconds_between(training_started, now) / step as f64;
    now.checked_plus_seconds(per_step * (total_steps - step) as f64)
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
    // Dividing first never overflows, whatever the budget (the percentage is at most 100).
    let threshold = Money::new(budget.amount() / Decimal::ONE_HUNDRED * Decimal::from(threshold_percent.min(100)));
    let mut crossings = Vec::new();
    if threshold_percent < 100 && before < threshold && after >= threshold {
        crossings.push(BudgetCrossing::Threshold { percent: threshold_percent });
    }
    if before < budget && after >= budget {
        crossings.push(BudgetCrossing::Budget);
    }
    crossings
}

/// Tells a user that the month's spending crossed a budget line.
pub(crate) async fn cost_alert(
    db: &dyn Database,
    user_id: UserId,
    period: BillingPeriod,
    crossing: BudgetCrossing,
    spent: Money,
    budget: Money,
    now: Timestamp,
) -> Result<(), StoreError> {
    let (spent, shown_budget) = (spent.round_to_cents(), budget.round_to_cents());
    let (what, text, priority) = match crossing {
        BudgetCrossing::Threshold { percent } => (
            format!("threshold-{percent}"),
            (
                format!("{percent}% of your monthly budget used"),
                format!("You have spent ${spent} of your ${shown_budget} budget this month."),
            ),
            NotificationPriority::High,
        ),
        BudgetCrossing::Budget => (
            "budget".to_owned(),
            (
                "Monthly budget exceeded".to_owned(),
                format!("You have spent ${spent}, over your ${shown_budget} budget this month."),
            ),
            NotificationPriority::Urgent,
        ),
    };
    let id = derived_id(user_id.as_uuid(), &format!("cost_alert/{}/{what}", period.start));
    let metadata = json!({ "period_start": period.start, "spent": spent, "budget": budget });
    let ((title, message), action_url) = (text, "/costs".to_owned());
    let draft = Draft { kind: NotificationType::CostAlert, priority, title, message, action_url, metadata };
    insert_once(db, draft.to(user_id, id, now)).await
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn at(seconds: i64) -> Timestamp {
        let t0: Timestamp = serde_json::from_str("\"2026-05-04T08:00:00Z\"").unwrap();
        t0.plus(TimeDelta::seconds(seconds))
    }

    #[test]
    fn an_attempt_is_billed_exactly_then_rounded_to_cents_once() {
        let gpu = GpuSelection::new("A100-80GB", 2, Some(money("1.50"))).unwrap();
        let charge = attempt_charge(&gpu, Some(at(0)), at(1800)).unwrap();
        assert_eq!((charge.seconds, charge.billable_hours), (1800.0, Decimal::new(5, 1)));
        assert_eq!(charge.amount.to_string(), "1.50");
        // 0.0001 h x $1.50 x 2 = $0.0003: less than half a cent.
        assert_eq!(
            attempt_charge(&gpu, Some(at(0)), at(0).plus(TimeDelta::milliseconds(1))).unwrap().amount.to_string(),
            "0.00"
        );
        // The job: $3600/h, 20.52 s of GPU time.
        let gpu = GpuSelection::new("A100-80GB", 1, Some(money("3600"))).unwrap();
        let charge = attempt_charge(&gpu, Some(at(0)), at(0).plus(TimeDelta::milliseconds(20_520))).unwrap();
        assert_eq!(charge.amount.to_string(), "20.52");
    }

    #[test]
    fn an_attempt_never_started_or_ended_before_it_started_costs_nothing() {
        let gpu = GpuSelection::new("A100-80GB", 1, Some(money("3600"))).unwrap();
        assert_eq!(attempt_charge(&gpu, None, at(100)).unwrap().amount, money("0.00"));
        assert_eq!(attempt_charge(&gpu, Some(at(100)), at(0)).unwrap().amount, money("0.00"));
    }

    #[test]
    fn the_running_cost_adds_the_settled_attempts() {
        let gpu = GpuSelection::new("A100-80GB", 1, Some(money("3600"))).unwrap();
        // 36 s = 0.01 h x $3600 = $36 of the running attempt.
        assert_eq!(running_cost(money("20.52"), &gpu, Some(at(0)), at(36)).unwrap(), money("56.52"));
        // 10 s is billed as 0.0028 h (rounded up to the 0.36 s unit): $10.08.
        assert_eq!(running_cost(money("20.52"), &gpu, Some(at(0)), at(10)).unwrap(), money("30.60"));
        assert_eq!(running_cost(money("20.52"), &gpu, None, at(10)).unwrap(), money("20.52"));
        let err = running_cost(Money::new(Decimal::MAX), &gpu, Some(at(0)), at(10)).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&err), "estimate_out_of_range");
    }

    #[test]
    fn a_price_no_decimal_holds_is_an_error_not_a_panic() {
        let gpu =
            GpuSelection { gpu_type: "A100-80GB".into(), gpu_count: 8, price_per_gpu_hour: Money::new(Decimal::MAX) };
        assert!(attempt_charge(&gpu, Some(Timestamp::MIN), Timestamp::MAX).is_err());
    }

    #[test]
    fn eta_extrapolates_the_pace_so_far() {
        let start = Timestamp::now();
        let now = start.plus(TimeDelta::seconds(100));
        let eta = eta(start, now, 10, 30).unwrap();
        assert_eq!(seconds_between(now, eta), 200.0);
        assert_eq!(super::eta(start, now, 0, 30), None);
        assert_eq!(super::eta(start, now, 31, 30), None);
    }

    #[test]
    fn eta_of_hostile_step_counts_is_none_or_a_time_never_a_panic() {
        let start = at(0);
        for (elapsed, step, total) in [
            (100, 1, 100_000_000_000u64),
            (100, 1, u64::MAX),
            (i64::from(i32::MAX), 1, u64::MAX),
            (1, u64::MAX - 1, u64::MAX),
            (0, 1, u64::MAX),
        ] {
            let now = start.plus(TimeDelta::seconds(elapsed));
            if let Some(eta) = eta(start, now, step, total) {
                assert!(eta >= now && eta <= Timestamp::MAX, "{step}/{total}");
            }
        }
        // 100 s a step, 1e11 steps to go: 317,000 years, beyond any timestamp.
        assert_eq!(eta(start, start.plus(TimeDelta::seconds(100)), 1, 100_000_000_000), None);
    }

    proptest::proptest! {
        #[test]
        fn eta_and_progress_of_any_counts_and_times_are_in_range(
            started in any_time(),
            elapsed_micros in proptest::prop_oneof![0i64..=10_000_000_000, proptest::num::i64::ANY],
            step in any_count(),
            total in any_count(),
        ) {
            let now = started.plus(TimeDelta::microseconds(elapsed_micros));
            let percent = progress_percent(step, total);
            proptest::prop_assert!((0.0..=100.0).contains(&percent), "{}", percent);
            if let Some(eta) = eta(started, now, step, total) {
                proptest::prop_assert!(eta >= now && eta <= Timestamp::MAX);
                proptest::prop_assert!(step > 0 && step <= total);
            }
        }

        #[test]
        fn an_attempt_of_any_times_costs_whole_cents_or_a_coded_error(
            started in proptest::option::of(any_time()),
            ended in any_time(),
            cents in proptest::prop_oneof![0i64..=1_000_000, proptest::num::i64::ANY],
            gpus in 1u32..=8,
        ) {
            let gpu = GpuSelection {
                gpu_type: "A100-80GB".into(),
                gpu_count: gpus,
                price_per_gpu_hour: Money::new(Decimal::new(cents, 2)),
            };
            match attempt_charge(&gpu, started, ended) {
                Ok(charge) => {
                    proptest::prop_assert!(charge.seconds >= 0.0 && charge.seconds.is_finite());
                    proptest::prop_assert_eq!(charge.amount.amount().scale(), crate::model::CENT_DECIMALS);
                    proptest::prop_assert_eq!(charge.amount, compute_cost(&gpu, charge.billable_hours).unwrap().round_to_cents());
                }
                Err(err) => proptest::prop_assert_eq!(crate::ErrorCode::code(&err), "estimate_out_of_range"),
            }
        }
    }

    fn any_time() -> impl proptest::strategy::Strategy<Value = Timestamp> {
        use proptest::strategy::Strategy;
        let (first, last) = (Timestamp::MIN.unix_micros(), Timestamp::MAX.unix_micros());
        proptest::prop_oneof![
            proptest::strategy::Just(first),
            proptest::strategy::Just(last),
            proptest::strategy::Just(Timestamp::now().unix_micros()),
            first..=last,
        ]
        .prop_map(move |micros| Timestamp::MIN.plus(TimeDelta::microseconds(micros - first)))
    }

    fn any_count() -> impl proptest::strategy::Strategy<Value = u64> {
        proptest::prop_oneof![
            proptest::strategy::Just(0u64),
            proptest::strategy::Just(u64::MAX),
            proptest::strategy::Just(100_000_000_000u64),
            proptest::num::u64::ANY,
            0u64..=1_000,
        ]
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
        let huge = Money::new(Decimal::MAX);
        assert_eq!(budget_crossings(money("0"), huge, huge, 100), vec![BudgetCrossing::Budget]);
    }
}
