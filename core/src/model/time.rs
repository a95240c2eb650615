//! UTC timestamps with microsecond precision, always within years 1 to 9999.
//!
//! PostgreSQL keeps microseconds and SQLite whatever it is given, so every time the core
//! creates or accepts is truncated to microseconds: a value read back from either database
//! compares equal to the value written. Every time also lies between [`Timestamp::MIN`] and
//! [`Timestamp::MAX`], the range RFC 3339 writes with four-digit years (how SQLite stores
//! times, in an order that text comparison keeps): a hostile time from a worker is clamped
//! into it, and arithmetic never leaves it.

use std::fmt;

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A point in time, in UTC, truncated to whole microseconds, within years 1 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

/// The first and last microsecond of the range, as `(year, month, day, hour, minute,
/// second, microsecond)`.
const FIRST: (i32, u32, u32, u32, u32, u32, u32) = (1, 1, 1, 0, 0, 0, 0);
const LAST: (i32, u32, u32, u32, u32, u32, u32) = (9999, 12, 31, 23, 59, 59, 999_999);

const fn utc(parts: (i32, u32, u32, u32, u32, u32, u32)) -> DateTime<Utc> {
    let (year, month, day, hour, minute, second, micro) = parts;
    let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else { panic!("a valid date") };
    let Some(time) = date.and_hms_micro_opt(hour, minute, second, micro) else { panic!("a valid time") };
    DateTime::from_naive_utc_and_offset(time, Utc)
}

impl Timestamp {
    /// The earliest time: 0001-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp(utc(FIRST));
    /// The latest time: 9999-12-31T23:59:59.999999Z.
    pub const MAX: Timestamp = Timestamp(utc(LAST));

    /// The current time, truncated to microseconds.
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    /// Any UTC time, truncated to microseconds and clamped into [`Timestamp::MIN`] ..=
    /// [`Timestamp::MAX`].
    pub fn from_datetime(time: DateTime<Utc>) -> Self {
        if time >= Self::MAX.0 {
            return Self::MAX;
        }
        if time <= Self::MIN.0 {
            return Self::MIN;
        }
        let truncated = time.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(time);
        Self(truncated)
    }

    /// The wrapped time.
    pub const fn as_datetime(&self) -> &DateTime<Utc> {
        &self.0
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(&self) -> i64 {
        self.0.timestamp_micros()
    }

    /// The time `delta` after this one, or `None` when that is outside the range.
    pub fn checked_plus(&self, delta: TimeDelta) -> Option<Self> {
        let time = self.0.checked_add_signed(delta)?;
        (Self::MIN.0..=Self::MAX.0).contains(&time).then(|| Self::from_datetime(time))
    }

    /// The time `delta` after this one, clamped into the range (never panics).
    pub fn plus(&self, delta: TimeDelta) -> Self {
        self.checked_plus(delta).unwrap_or(if delta < TimeDelta::zero() { Self::MIN } else { Self::MAX })
    }

    /// The time `seconds` (to the microsecond) after this one, or `None` when `seconds` is
    /// not a finite number or the time is outside the range.
    pub fn checked_plus_seconds(&self, seconds: f64) -> Option<Self> {
        let micros = (seconds * 1e6).round();
        // `i64::MAX as f64` rounds up to 2^63, which no i64 holds: compare with `<`.
        if !micros.is_finite() || micros.abs() >= i64::MAX as f64 {
            return None;
        }
        self.checked_plus(TimeDelta::microseconds(micros as i64))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Self {
        Self::from_datetime(time)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DateTime::<Utc>::deserialize(deserializer).map(Self::from_datetime)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_has_no_sub_microsecond_part() {
        let now = Timestamp::now();
        assert_eq!(now.as_datetime().timestamp_subsec_nanos() % 1_000, 0);
    }

    #[test]
    fn deserialising_truncates_nanoseconds() {
        let ts: Timestamp = serde_json::from_str("\"2026-11-26T10:00:00.123456789Z\"").unwrap();
        assert_eq!(ts.to_string(), "2026-11-26T10:00:00.123456Z");
    }

    #[test]
    fn other_offsets_become_utc() {
        let ts: Timestamp = serde_json::from_str("\"2026-11-26T12:00:00+02:00\"").unwrap();
        assert_eq!(ts.to_string(), "2026-11-26T10:00:00.000000Z");
    }

    #[test]
    fn the_range_is_what_four_digit_years_write() {
        assert_eq!(Timestamp::MIN.to_string(), "0001-01-01T00:00:00.000000Z");
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn hostile_times_are_clamped_into_the_range() {
        let late: Timestamp = serde_json::from_str("\"+200000-01-01T00:00:00Z\"").unwrap();
        assert_eq!(late, Timestamp::MAX);
        let early: Timestamp = serde_json::from_str("\"-0500-01-01T00:00:00Z\"").unwrap();
        assert_eq!(early, Timestamp::MIN);
        assert_eq!(Timestamp::from_datetime(DateTime::<Utc>::MAX_UTC), Timestamp::MAX);
    }

    #[test]
    fn adding_never_panics_and_says_when_it_leaves_the_range() {
        let now = Timestamp::now();
        assert_eq!(now.checked_plus(TimeDelta::seconds(60)).unwrap().unix_micros() - now.unix_micros(), 60_000_000);
        assert_eq!(now.checked_plus(TimeDelta::MAX), None);
        assert_eq!(now.checked_plus(TimeDelta::MIN), None);
        assert_eq!(Timestamp::MAX.checked_plus(TimeDelta::microseconds(1)), None);
        assert_eq!(now.plus(TimeDelta::MAX), Timestamp::MAX);
        assert_eq!(now.plus(TimeDelta::MIN), Timestamp::MIN);
        assert_eq!(Timestamp::MAX.plus(TimeDelta::days(1)), Timestamp::MAX);
    }

    #[test]
    fn adding_seconds_refuses_what_no_time_holds() {
        let now = Timestamp::now();
        assert_eq!(now.checked_plus_seconds(1.5).unwrap().unix_micros() - now.unix_micros(), 1_500_000);
        for seconds in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300, 9.3e12, 1e15] {
            assert_eq!(now.checked_plus_seconds(seconds), None, "{seconds}");
        }
    }
}
