//! Exact money: decimal, never floating point.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Mul};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error_code::{Code, ErrorCode};

/// The currency of every amount BrightRun computes. GPU providers bill in US dollars.
pub const CURRENCY: &str = "USD";

/// Decimal places of an amount in whole cents.
pub const CENT_DECIMALS: u32 = 2;

/// An exact amount of US dollars.
///
/// Serialised as a decimal string (`"12.3456"`) so no JSON reader turns it into a float.
/// Arithmetic is exact. Amounts charged or shown to people are whole cents, rounded once
/// with [`Money::round_to_cents`]; the `checked_` operations say when a result is beyond
/// what a decimal holds instead of panicking.
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

    /// The amount rounded to whole cents, half up (away from zero), written with exactly two
    /// decimals (`2.5` becomes `2.50`): what a cost record stores and people see.
    pub fn round_to_cents(&self) -> Money {
        let mut cents = self.0.round_dp_with_strategy(CENT_DECIMALS, RoundingStrategy::MidpointAwayFromZero);
        cents.rescale(CENT_DECIMALS);
        Money(cents)
    }

    /// The sum, or `None` when it is beyond what a decimal holds.
    pub fn checked_add(&self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// The amount times an exact factor, or `None` when it is beyond what a decimal holds.
    pub fn checked_mul(&self, factor: Decimal) -> Option<Money> {
        self.0.checked_mul(factor).map(Money)
    }

    /// The sum of `amounts`, or `None` when it is beyond what a decimal holds.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts.into_iter().try_fold(Money::ZERO, |sum, amount| sum.checked_add(amount))
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
    fn error_code(&self) -> Code {
        Code::InvalidMoney
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
    fn rounds_half_up_to_two_decimals() {
        for (exact, cents) in [
            ("2.345", "2.35"),
            ("2.3449999", "2.34"),
            ("2.483142044992", "2.48"),
            ("0.005", "0.01"),
            ("0.0049", "0.00"),
            ("2.5", "2.50"),
            ("7", "7.00"),
            ("0", "0.00"),
        ] {
            assert_eq!(exact.parse::<Money>().unwrap().round_to_cents().to_string(), cents, "{exact}");
        }
        let once: Money = "1.005".parse().unwrap();
        assert_eq!(once.round_to_cents().round_to_cents(), once.round_to_cents(), "rounding twice changes nothing");
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        let max = Money::new(Decimal::MAX);
        assert_eq!(max.checked_add("1".parse().unwrap()), None);
        assert_eq!(max.checked_mul(Decimal::TWO), None);
        assert_eq!(Money::checked_sum([max, max]), None);
        let sum = Money::checked_sum(["0.10", "0.20"].map(|a| a.parse::<Money>().unwrap())).unwrap();
        assert_eq!(sum.to_string(), "0.30");
        assert_eq!(Money::checked_sum([]), Some(Money::ZERO));
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
