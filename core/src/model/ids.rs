//! Typed identifiers: a dataset id can never be passed where a job id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

typed_id!(
    /// The authenticated user who owns a row (Supabase `auth.uid()` in a Supabase project).
    UserId
);
typed_id!(
    /// A dataset uploaded by a user.
    DatasetId
);
typed_id!(
    /// A training job.
    JobId
);
typed_id!(
    /// A trained model artifact (a LoRA adapter).
    ArtifactId
);
typed_id!(
    /// A cost record.
    CostRecordId
);
typed_id!(
    /// A notification.
    NotificationId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id = JobId::new();
        let text = id.to_string();
        assert_eq!(text.len(), 36, "hyphenated form");
        assert_eq!(text.parse::<JobId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<JobId>(&json).unwrap(), id);
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let first = DatasetId::new();
        let second = DatasetId::new();
        assert!(first < second);
    }

    #[test]
    fn malformed_id_is_an_error() {
        assert!("not-a-uuid".parse::<UserId>().is_err());
    }
}
