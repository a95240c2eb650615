//! The `cost_records` table: what a user was charged for, by billing month.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::enum_text::impl_enum_text;
use super::{CostRecordId, JobId, Money, Timestamp, UserId};

/// What a cost is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CostType {
    /// GPU time of a training job.
    Compute,
    /// Object storage of datasets and adapters.
    Storage,
    /// Moving data in or out of the provider.
    DataTransfer,
}

impl_enum_text!(CostType, "cost type", {
    Compute => "compute",
    Storage => "storage",
    DataTransfer => "data_transfer",
});

/// One charge, attributed to a billing month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CostRecord {
    /// The record's id.
    pub id: CostRecordId,
    /// The user charged.
    pub user_id: UserId,
    /// The job the cost belongs to, if any (storage costs have none).
    pub job_id: Option<JobId>,
    /// What the cost is for.
    pub cost_type: CostType,
    /// The exact amount.
    pub amount: Money,
    /// ISO 4217 code of the amount; [`super::CURRENCY`] for every amount the core computes.
    pub currency: String,
    /// How the amount was computed (GPU type, count, hours, rate, ...).
    pub details: serde_json::Value,
    /// First day of the billing period.
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::DateText"))]
    pub billing_period_start: NaiveDate,
    /// Last day of the billing period (inclusive).
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::DateText"))]
    pub billing_period_end: NaiveDate,
    /// When the row was created.
    pub created_at: Timestamp,
}

/// A billing period: one calendar month in UTC, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BillingPeriod {
    /// The first day of the month.
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::DateText"))]
    pub start: NaiveDate,
    /// The last day of the month.
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::DateText"))]
    pub end: NaiveDate,
}

impl BillingPeriod {
    /// The UTC calendar month that contains `time`.
    pub fn containing(time: Timestamp) -> Self {
        let day = time.as_datetime().date_naive();
        let start = day.with_day(1).unwrap_or(day);
        let end = start.checked_add_months(Months::new(1)).and_then(|next| next.pred_opt()).unwrap_or(NaiveDate::MAX);
        Self { start, end }
    }

    /// Whether `date` lies in the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        (self.start..=self.end).contains(&date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CURRENCY;
    use crate::model::enum_text::assert_names;

    fn at(text: &str) -> Timestamp {
        serde_json::from_str(&format!("\"{text}\"")).unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn full_record_round_trips_through_json() {
        let period = BillingPeriod::containing(at("2026-12-31T23:59:59.999999Z"));
        let record = CostRecord {
            id: CostRecordId::new(),
            user_id: UserId::new(),
            job_id: Some(JobId::new()),
            cost_type: CostType::DataTransfer,
            amount: "0.000123".parse().unwrap(),
            currency: CURRENCY.into(),
            details: serde_json::json!({"gigabytes": "1.5", "rate_per_gb": "0.000082"}),
            billing_period_start: period.start,
            billing_period_end: period.end,
            created_at: at("2026-12-31T23:59:59.999999Z"),
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["cost_type"], "data_transfer");
        assert_eq!(json["amount"], "0.000123");
        assert_eq!(json["currency"], "USD");
        assert_eq!(json["billing_period_start"], "2026-12-01");
        assert_eq!(json["billing_period_end"], "2026-12-31");
        assert_eq!(serde_json::from_value::<CostRecord>(json).unwrap(), record);
    }

    #[test]
    fn billing_period_is_the_utc_calendar_month() {
        let cases = [
            ("2026-12-31T23:59:59.999999Z", "2026-12-01", "2026-12-31"),
            ("2027-01-01T00:00:00Z", "2027-01-01", "2027-01-31"),
            ("2028-02-29T12:00:00Z", "2028-02-01", "2028-02-29"),
            ("2026-02-10T12:00:00Z", "2026-02-01", "2026-02-28"),
            ("2100-02-03T00:00:00Z", "2100-02-01", "2100-02-28"),
            ("2026-04-30T10:00:00Z", "2026-04-01", "2026-04-30"),
        ];
        for (time, start, end) in cases {
            let period = BillingPeriod::containing(at(time));
            assert_eq!((period.start, period.end), (date(start), date(end)), "{time}");
        }
    }

    #[test]
    fn billing_period_uses_utc_not_the_local_offset() {
        let period = BillingPeriod::containing(at("2027-01-01T01:30:00+02:00"));
        assert_eq!(period.start, date("2026-12-01"));
        assert!(period.contains(date("2026-12-31")));
        assert!(!period.contains(date("2027-01-01")));
    }

    #[test]
    fn enum_names_are_the_products() {
        assert_names(
            &CostType::ALL,
            &[
                (CostType::Compute, "compute"),
                (CostType::Storage, "storage"),
                (CostType::DataTransfer, "data_transfer"),
            ],
        );
        let err = "gpu".parse::<CostType>().unwrap_err();
        assert_eq!(err.to_string(), "unknown cost type `gpu`: expected one of compute, storage, data_transfer");
    }
}
