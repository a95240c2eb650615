//! The `notifications` table: messages to a user about their datasets, jobs and costs.

use serde::{Deserialize, Serialize};

use super::enum_text::impl_enum_text;
use super::{NotificationId, Timestamp, UserId};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationType {
    /// A job was queued.
    JobQueued,
    /// A job started running.
    JobStarted,
    /// A job completed and its adapter is ready.
    JobComplete,
    /// A job failed.
    JobFailed,
    /// A job was cancelled.
    JobCancelled,
    /// A dataset passed validation.
    DatasetReady,
    /// A dataset failed validation.
    DatasetError,
    /// Spending reached a threshold.
    CostAlert,
    /// A message from the operators.
    System,
}

impl_enum_text!(NotificationType, "notification type", {
    JobQueued => "job_queued",
    JobStarted => "job_started",
    JobComplete => "job_complete",
    JobFailed => "job_failed",
    JobCancelled => "job_cancelled",
    DatasetReady => "dataset_ready",
    DatasetError => "dataset_error",
    CostAlert => "cost_alert",
    System => "system",
});

/// How urgently a notification should reach the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationPriority {
    /// Informational.
    Low,
    /// The default.
    Normal,
    /// Needs attention soon.
    High,
    /// Needs attention now.
    Urgent,
}

impl_enum_text!(NotificationPriority, "notification priority", {
    Low => "low",
    Normal => "normal",
    High => "high",
    Urgent => "urgent",
});

/// A message to one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notification {
    /// The notification's id.
    pub id: NotificationId,
    /// The recipient.
    pub user_id: UserId,
    /// What it is about.
    pub notification_type: NotificationType,
    /// One-line title.
    pub title: String,
    /// The message body.
    pub message: String,
    /// How urgent it is.
    pub priority: NotificationPriority,
    /// Whether the user has read it.
    pub read: bool,
    /// When the user first read it.
    pub read_at: Option<Timestamp>,
    /// Where the host app should link to (`/jobs/{id}`).
    pub action_url: Option<String>,
    /// Structured details (job id, dataset id, amounts, ...).
    pub metadata: serde_json::Value,
    /// When the row was created.
    pub created_at: Timestamp,
}

impl Notification {
    /// Marks the notification read at `now`; reading it again keeps the first time.
    pub fn mark_read(&mut self, now: Timestamp) {
        if !self.read {
            self.read = true;
            self.read_at = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::enum_text::assert_names;

    fn at(text: &str) -> Timestamp {
        serde_json::from_str(&format!("\"{text}\"")).unwrap()
    }

    fn sample() -> Notification {
        Notification {
            id: NotificationId::new(),
            user_id: UserId::new(),
            notification_type: NotificationType::CostAlert,
            title: "Spending reached $50".into(),
            message: "Your jobs this month cost $50.12.".into(),
            priority: NotificationPriority::Urgent,
            read: false,
            read_at: None,
            action_url: Some("/costs".into()),
            metadata: serde_json::json!({"amount": "50.12", "threshold": "50"}),
            created_at: at("2026-05-04T10:00:00Z"),
        }
    }

    #[test]
    fn full_record_round_trips_through_json() {
        let mut notification = sample();
        notification.mark_read(at("2026-05-04T10:05:00.000007Z"));
        let json = serde_json::to_value(&notification).unwrap();
        assert_eq!(json["notification_type"], "cost_alert");
        assert_eq!(json["priority"], "urgent");
        assert_eq!(json["read_at"], "2026-05-04T10:05:00.000007Z");
        assert_eq!(serde_json::from_value::<Notification>(json).unwrap(), notification);
    }

    #[test]
    fn reading_twice_keeps_the_first_read_time() {
        let mut notification = sample();
        notification.mark_read(at("2026-05-04T10:05:00Z"));
        notification.mark_read(at("2026-05-04T11:00:00Z"));
        assert!(notification.read);
        assert_eq!(notification.read_at, Some(at("2026-05-04T10:05:00Z")));
    }

    #[test]
    fn enum_names_are_the_products() {
        use NotificationPriority::*;
        use NotificationType::*;
        assert_names(
            &NotificationType::ALL,
            &[
                (JobQueued, "job_queued"),
                (JobStarted, "job_started"),
                (JobComplete, "job_complete"),
                (JobFailed, "job_failed"),
                (JobCancelled, "job_cancelled"),
                (DatasetReady, "dataset_ready"),
                (DatasetError, "dataset_error"),
                (CostAlert, "cost_alert"),
                (System, "system"),
            ],
        );
        assert_names(
            &NotificationPriority::ALL,
            &[(Low, "low"), (Normal, "normal"), (High, "high"), (Urgent, "urgent")],
        );
        let err = "critical".parse::<NotificationPriority>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown notification priority `critical`: expected one of low, normal, high, urgent"
        );
    }
}
