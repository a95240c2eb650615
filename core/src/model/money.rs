//! Exact money: decimal, never floating point.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Mul};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;

/// The currency of every amount BrightRun computes. GPU providers bill in US dollars.
pub const CURRENCY: &str = "USD";

/// An exact amount of US dollars.
///
/// Serialised as a decimal string (`"12.3456"`) so no JSON reader turns it into a float.
/// Arithmetic is exact; round only for display with [`Money::round_to_cents`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(Decimal);

impl Money {
    /// Zero dollars.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Wraps an exact decimal amount.
    pub const fn new(amount: Decimal) -> Self {
        Self(amount)
    }

    /// The exact amount.
    pub const fn amount(&self) -> Decimal {
        self.0
    }

    /// The amount rounded to whole cents, half away from zero (for display and invoices).
    pub fn round_to_cents(&self) -> Money {
        Money(self.0.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    /// The same amount without trailing zeros (`4.9200` becomes `4.92`); equal in value.
    pub fn normalize(&self) -> Money {
        Money(self.0.normalize())
    }

    /// The amount multiplied by an exact factor (hours, GPU count, gigabytes).
    pub fn times(&self, factor: Decimal) -> Money {
        Money(self.0 * factor)
    }
}

impl Add for Money {
    type Output = Money;

    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Mul<Decimal> for Money {
    type Output = Money;

    fn mul(self, rhs: Decimal) -> Money {
        self.times(rhs)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A money amount given as text that is not a plain decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an amount of money: write a decimal number such as `2.49`")]
pub struct MoneyParseError {
    input: String,
}

impl ErrorCode for MoneyParseError {
    fn code(&self) -> &'static str {
        "invalid_money"
    }
}

impl FromStr for Money {
    type Err = MoneyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().trim_start_matches('$');
        Decimal::from_str_exact(trimmed).map(Money).map_err(|_| MoneyParseError { input: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_exact_decimal_string() {
        let amount: Money = "0.1".parse().unwrap();
        let sum = amount + amount + amount;
        assert_eq!(serde_json::to_string(&sum).unwrap(), "\"0.3\"");
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let amount: Money = "2.345".parse().unwrap();
        assert_eq!(amount.round_to_cents().to_string(), "2.35");
    }

    #[test]
    fn rejects_non_numbers_with_a_code() {
        let err = "two dollars".parse::<Money>().unwrap_err();
        assert_eq!(err.code(), "invalid_money");
        assert!(err.to_string().contains("2.49"));
    }

    #[test]
    fn accepts_a_leading_dollar_sign() {
        assert_eq!("$1.50".parse::<Money>().unwrap().to_string(), "1.50");
    }
}
