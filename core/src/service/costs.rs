//! Costs and budgets.

use chrono::{Datelike, Months};
use serde::Serialize;

use super::{BrightRun, ServiceError};
use crate::error_code::Code;
use crate::model::{BillingPeriod, Timestamp, UserId};
use crate::store::{BudgetSettings, CostTotals};

/// The most months a history covers.
pub const MAX_HISTORY_MONTHS: u32 = 36;

/// This month's spending against the budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CostSummary {
    /// The month's totals, by type.
    pub month: CostTotals,
    /// The user's budget settings.
    pub budget: BudgetSettings,
    /// Percentage of the monthly budget spent, when there is a budget.
    pub budget_used_percent: Option<f64>,
}

impl BrightRun {
    /// This month's totals by type, with the budget.
    pub async fn cost_summary(&self, user_id: UserId) -> Result<CostSummary, ServiceError> {
        let period = BillingPeriod::containing(Timestamp::now());
        let month = self.db.cost_totals(user_id, period).await?;
        let budget = self.db.budget(user_id).await?;
        let budget_used_percent = budget.monthly_budget.filter(|b| !b.amount().is_zero()).map(|b| {
            // A tiny budget makes the ratio beyond what a decimal holds: that is "infinitely over".
            month
                .total
                .amount()
                .checked_div(b.amount())
                .and_then(|ratio| ratio.checked_mul(rust_decimal::Decimal::ONE_HUNDRED))
                .and_then(|percent| percent.to_string().parse::<f64>().ok())
                .unwrap_or(f64::INFINITY)
        });
        Ok(CostSummary { month, budget, budget_used_percent })
    }

    /// Totals of the last `months` months (this one first).
    pub async fn cost_history(&self, user_id: UserId, months: u32) -> Result<Vec<CostTotals>, ServiceError> {
        if months == 0 || months > MAX_HISTORY_MONTHS {
            return Err(ServiceError::invalid(
                Code::InvalidMonths,
                format!("a cost history covers 1 to {MAX_HISTORY_MONTHS} months"),
            ));
        }
        let now = Timestamp::now();
        let this_month = now.as_datetime().date_naive().with_day(1).unwrap_or(now.as_datetime().date_naive());
        let mut history = Vec::with_capacity(months as usize);
        for back in 0..months {
            let Some(first) = this_month.checked_sub_months(Months::new(back)) else { break };
            let Some(start) = first.and_hms_opt(0, 0, 0) else { break };
            let period = BillingPeriod::containing(Timestamp::from_datetime(start.and_utc()));
            history.push(self.db.cost_totals(user_id, period).await?);
        }
        Ok(history)
    }

    /// The user's budget settings.
    pub async fn budget(&self, user_id: UserId) -> Result<BudgetSettings, ServiceError> {
        Ok(self.db.budget(user_id).await?)
    }

    /// Replaces the user's budget settings.
    pub async fn set_budget(&self, user_id: UserId, budget: &BudgetSettings) -> Result<BudgetSettings, ServiceError> {
        if !(1..=100).contains(&budget.alert_threshold_percent) {
            return Err(ServiceError::invalid(
                Code::InvalidBudget,
                "the alert threshold is a percentage from 1 to 100",
            ));
        }
        let negative = |m: Option<crate::model::Money>| m.is_some_and(|m| m < crate::model::Money::ZERO);
        if negative(budget.monthly_budget) || negative(budget.per_job_cost_cap) {
            return Err(ServiceError::invalid(Code::InvalidBudget, "budgets and caps cannot be negative"));
        }
        self.db.set_budget(user_id, budget, Timestamp::now()).await?;
        Ok(*budget)
    }
}
