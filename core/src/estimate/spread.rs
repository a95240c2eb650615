//! A figure given as a range: the fast (low), expected and slow (high) case.

use serde::{Deserialize, Serialize};

/// One figure in three scenarios.
///
/// For an assumption, each field is the value used in that scenario of the *result*: a
/// `utilization` of `{low: 0.5, expected: 0.4, high: 0.28}` means the shortest (low) duration
/// assumes 50% utilisation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Spread_for_{T}"))]
pub struct Spread<T> {
    /// The optimistic case: shortest, cheapest, smallest.
    pub low: T,
    /// The most likely case.
    pub expected: T,
    /// The pessimistic case: longest, most expensive.
    pub high: T,
}

impl<T> Spread<T> {
    /// A spread from its three cases.
    pub const fn new(low: T, expected: T, high: T) -> Self {
        Self { low, expected, high }
    }

    /// Applies `f` to each case.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Spread<U> {
        Spread { low: f(self.low), expected: f(self.expected), high: f(self.high) }
    }

    /// Applies a fallible `f` to each case; the first error, if any.
    pub fn try_map<U, E>(self, mut f: impl FnMut(T) -> Result<U, E>) -> Result<Spread<U>, E> {
        Ok(Spread { low: f(self.low)?, expected: f(self.expected)?, high: f(self.high)? })
    }

    /// Combines two spreads case by case.
    pub fn zip<U, V>(self, other: Spread<U>, mut f: impl FnMut(T, U) -> V) -> Spread<V> {
        Spread {
            low: f(self.low, other.low),
            expected: f(self.expected, other.expected),
            high: f(self.high, other.high),
        }
    }
}

impl<T: Copy> Spread<T> {
    /// The same value in every case.
    pub const fn exact(value: T) -> Self {
        Self { low: value, expected: value, high: value }
    }
}
