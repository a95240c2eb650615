//! UTC timestamps with microsecond precision.
//!
//! PostgreSQL keeps microseconds and SQLite whatever it is given, so every time the core
//! creates or accepts is truncated to microseconds: a value read back from either database
//! compares equal to the value written.

use std::fmt;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A point in time, in UTC, truncated to whole microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The current time, truncated to microseconds.
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    /// Any UTC time, truncated to microseconds.
    pub fn from_datetime(time: DateTime<Utc>) -> Self {
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

    /// The time `delta` after this one, truncated to microseconds.
    pub fn plus(&self, delta: TimeDelta) -> Self {
        Self::from_datetime(self.0 + delta)
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
}
